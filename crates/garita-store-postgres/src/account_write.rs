//! The account write path. An upsert batch, a batch of rule transitions and
//! a queued event are each one transaction that takes the audit chain's
//! lock first (as every audited write does), then changes the accounts,
//! their history, the deactivation column and the event queue, appends one
//! audit entry per changed account and per queued event, and commits whole
//! or not at all. A stale `expected_revision` in a batch fails the whole
//! batch with [`StoreError::Conflict`]; the transaction is then rolled back,
//! so nothing of it is written. Upsert and transition batches are decided
//! and written by `account_batch.rs`, in a few statements a batch; this
//! file checks their keys first and queues single events.

use garita_engine::account::{
    AccountKey, AccountUpdate, ChangeMeta, EmittedEvent, NewEvent, TransitionKey,
    TransitionOutcome, TransitionWrite, UpsertOutcome,
};
use garita_engine::audit::{summaries, ChainHead, PendingEntry};
use garita_engine::record_codec::encode;
use garita_engine::{StoreError, WriteTime};
use sqlx::PgConnection;

use crate::audit::{append_in, lock_head, store_head};
use crate::errors::db_error;
use crate::ids::{check_id, record_int};
use crate::store::{InTx, PostgresStore};

/// Refuses an account key the tables cannot hold, before anything is written.
pub(crate) fn check_key(key: &AccountKey) -> Result<(), StoreError> {
    check_id(key.portal(), "portal")?;
    check_id(key.identifier(), "account identifier")
}

/// Refuses a transition key the tables cannot hold.
pub(crate) fn check_transition(key: &TransitionKey) -> Result<(), StoreError> {
    check_key(&key.account)?;
    check_id(&key.name, "transition name")
}

/// Inside a write's transaction: queues `event` under the next id of the
/// sequence and appends its audit entry after `head`.
fn queue_event<'a>(
    conn: &'a mut PgConnection,
    url: &'a str,
    head: &'a mut ChainHead,
    event: &'a NewEvent,
    time: &'a WriteTime,
) -> InTx<'a, EmittedEvent> {
    Box::pin(async move {
        let doing = format!("queueing event {}", event.name);
        let id: i64 = sqlx::query_scalar("SELECT nextval('emitted_event_ids')")
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| db_error(url, &doing, e))?;
        let emitted = EmittedEvent::new(record_int(id, "an event id")?, event);
        let bytes = encode(&emitted, &format!("event {}", emitted.name))?;
        sqlx::query("INSERT INTO emitted_events (id, record) VALUES ($1, $2)")
            .bind(id)
            .bind(&bytes)
            .execute(&mut *conn)
            .await
            .map_err(|e| db_error(url, &doing, e))?;
        let record = summaries::emitted(&emitted, &bytes);
        append_in(conn, url, head, &PendingEntry::new(record), time).await?;
        Ok(emitted)
    })
}

impl PostgresStore {
    pub(crate) async fn write_accounts(
        &self,
        updates: &[AccountUpdate],
        meta: &ChangeMeta,
        event: Option<&NewEvent>,
    ) -> Result<Vec<UpsertOutcome>, StoreError> {
        for update in updates {
            check_key(&update.account.key())?;
        }
        let written = self.write_accounts_now(updates, meta, event).await;
        self.health.observe_write(written)
    }

    pub(crate) async fn write_transitions(
        &self,
        writes: &[TransitionWrite],
        meta: &ChangeMeta,
    ) -> Result<Vec<TransitionOutcome>, StoreError> {
        if writes.is_empty() {
            return Ok(Vec::new());
        }
        for write in writes {
            check_transition(&write.key)?;
            check_key(&write.update.account.key())?;
        }
        let written = self.write_transitions_now(writes, meta).await;
        self.health.observe_write(written)
    }

    pub(crate) async fn write_event(&self, event: &NewEvent) -> Result<EmittedEvent, StoreError> {
        let written = self.write_event_now(event).await;
        self.health.observe_write(written)
    }

    async fn write_event_now(&self, event: &NewEvent) -> Result<EmittedEvent, StoreError> {
        let doing = "queueing an event";
        let mut tx = self.pool.begin().await.map_err(self.error(doing))?;
        let mut head = lock_head(&mut tx, &self.url).await?;
        let time = self.clock.now();
        let emitted = queue_event(&mut tx, &self.url, &mut head, event, &time).await?;
        store_head(&mut tx, &self.url, &head).await?;
        tx.commit().await.map_err(self.error(doing))?;
        Ok(emitted)
    }

    pub(crate) async fn remove_event(&self, id: u64) -> Result<bool, StoreError> {
        let Ok(id) = i64::try_from(id) else {
            return Ok(false);
        };
        let removed = sqlx::query("DELETE FROM emitted_events WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(self.error("acknowledging an event"))
            .map(|done| done.rows_affected() > 0);
        self.health.observe_write(removed)
    }
}
