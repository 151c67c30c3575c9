//! Retention on PostgreSQL (`Store::prune_run_events`): one transaction
//! takes the audit chain's lock first (as every audited write does), then
//! the run's row, deletes the finished run's events with seqs in
//! [`garita_engine::prunable_seqs`] and appends the `run.pruned` entry
//! with the new head. The summary row, the first and last events and every
//! earlier entry stay; a run that is not finished, or has nothing left to
//! remove, writes nothing.

use chrono::{DateTime, Utc};
use garita_engine::audit::summaries::run_pruned;
use garita_engine::audit::PendingEntry;
use garita_engine::record_codec::decode;
use garita_engine::{prunable_seqs, RunRecord, StoreError};
use sqlx::Row;

use crate::audit::{append_in, lock_head, store_head};
use crate::ids::{check_id, db_int};
use crate::store::PostgresStore;

impl PostgresStore {
    pub(crate) async fn prune_events(
        &self,
        id: &str,
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        if check_id(id, "run id").is_err() {
            return Ok(0);
        }
        let pruned = self.prune_in_tx(id, at).await;
        self.health.observe_write(pruned)
    }

    async fn prune_in_tx(&self, id: &str, at: DateTime<Utc>) -> Result<u64, StoreError> {
        let doing = format!("pruning the step events of run {id}");
        let mut tx = self.pool.begin().await.map_err(self.error(&doing))?;
        let mut head = lock_head(&mut tx, &self.url).await?;
        let summary: Option<Vec<u8>> =
            sqlx::query("SELECT summary FROM runs WHERE id = $1 FOR UPDATE")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(self.error(&doing))?
                .map(|row| row.try_get(0))
                .transpose()
                .map_err(self.error(&doing))?;
        let Some(summary) = summary else {
            tx.rollback().await.map_err(self.error(&doing))?;
            return Ok(0);
        };
        let record: RunRecord = decode(&summary, || format!("summary of run {id}"))?;
        if !record.status.is_terminal() {
            tx.rollback().await.map_err(self.error(&doing))?;
            return Ok(0);
        }
        let seqs = prunable_seqs(record.next_seq);
        let removed =
            sqlx::query("DELETE FROM run_events WHERE run_id = $1 AND seq >= $2 AND seq < $3")
                .bind(id)
                .bind(db_int(seqs.start, "an event seq")?)
                .bind(db_int(seqs.end, "an event seq")?)
                .execute(&mut *tx)
                .await
                .map_err(self.error(&doing))?
                .rows_affected();
        if removed == 0 {
            tx.rollback().await.map_err(self.error(&doing))?;
            return Ok(0);
        }
        let pending = PendingEntry::new(run_pruned(&record, seqs, at));
        let time = self.clock.now();
        append_in(&mut tx, &self.url, &mut head, &pending, &time).await?;
        store_head(&mut tx, &self.url, &head).await?;
        tx.commit().await.map_err(self.error(&doing))?;
        Ok(removed)
    }
}
