//! The engine's [`ScheduleStore`] on PostgreSQL: table `schedules`, one row
//! per trigger (workflow name, trigger index) holding its [`TriggerState`]
//! as `record_codec` bytes. A write is one upsert, durable at its commit;
//! listing orders by the name under `COLLATE "C"` (bytes) and the index as
//! a number, which is [`TriggerKey`]'s order.

use async_trait::async_trait;
use garita_engine::record_codec::{decode, encode};
use garita_engine::schedule::{ScheduleStore, TriggerKey, TriggerState};
use garita_engine::StoreError;
use sqlx::Row;

use crate::errors::out_of_range;
use crate::store::PostgresStore;

/// Refuses what PostgreSQL's `text` cannot hold (a NUL byte) before the
/// server does, with the same error as sled: a caller's bug, not damage.
fn check_name(key: &TriggerKey) -> Result<(), StoreError> {
    if key.workflow.is_empty() || key.workflow.contains('\0') {
        return Err(StoreError::Corrupt {
            what: format!("workflow name {:?}", key.workflow),
            detail: "an id must be non-empty and must not contain a NUL byte; this is a bug in the caller, not damage in the database".into(),
        });
    }
    Ok(())
}

#[async_trait]
impl ScheduleStore for PostgresStore {
    async fn trigger_state(&self, key: &TriggerKey) -> Result<Option<TriggerState>, StoreError> {
        check_name(key)?;
        let row =
            sqlx::query("SELECT state FROM schedules WHERE workflow = $1 AND trigger_index = $2")
                .bind(&key.workflow)
                .bind(i64::from(key.index))
                .fetch_optional(&self.pool)
                .await
                .map_err(self.error("reading a schedule"))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let bytes: Vec<u8> = row.try_get(0).map_err(self.error("reading a schedule"))?;
        decode(&bytes, || format!("state of schedule {key}")).map(Some)
    }

    async fn put_trigger_state(
        &self,
        key: &TriggerKey,
        state: &TriggerState,
    ) -> Result<(), StoreError> {
        check_name(key)?;
        let value = encode(state, &format!("state of schedule {key}"))?;
        let written = sqlx::query(
            "INSERT INTO schedules (workflow, trigger_index, state) VALUES ($1, $2, $3)
             ON CONFLICT (workflow, trigger_index) DO UPDATE SET state = EXCLUDED.state",
        )
        .bind(&key.workflow)
        .bind(i64::from(key.index))
        .bind(value)
        .execute(&self.pool)
        .await
        .map_err(self.error(&format!(
            "writing the state of schedule {key} (the schedule may fire once more after a restart)"
        )))
        .map(drop);
        self.health.observe_write(written)
    }

    async fn trigger_states(&self) -> Result<Vec<(TriggerKey, TriggerState)>, StoreError> {
        let rows = sqlx::query(
            "SELECT workflow, trigger_index, state FROM schedules ORDER BY workflow, trigger_index",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(self.error("reading the schedules"))?;
        rows.into_iter()
            .map(|row| {
                let workflow: String = row
                    .try_get(0)
                    .map_err(self.error("reading the schedules"))?;
                let index: i64 = row
                    .try_get(1)
                    .map_err(self.error("reading the schedules"))?;
                let bytes: Vec<u8> = row
                    .try_get(2)
                    .map_err(self.error("reading the schedules"))?;
                let index = u32::try_from(index).map_err(|_| {
                    out_of_range(
                        &format!("the trigger index of a schedule of {workflow}"),
                        index,
                    )
                })?;
                let key = TriggerKey { workflow, index };
                let state = decode(&bytes, || format!("state of schedule {key}"))?;
                Ok((key, state))
            })
            .collect()
    }
}
