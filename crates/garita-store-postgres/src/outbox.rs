//! The engine's [`OutboxStore`] on PostgreSQL: table `outbox`, one row per
//! Message-ID holding its [`OutboxEntry`] as `record_codec` bytes, with
//! copies of its run, creation time and status (index `outbox_by_status`
//! answers `count_messages` without reading a record).
//!
//! A write that changes the record appends its audit entry
//! (`email.<status>`, with the digest of those bytes) in the same
//! transaction, under the chain's lock (see `audit.rs`); rewriting the same
//! bytes appends nothing, as on sled. `record` returns once that
//! transaction is committed, which is durable: the caller may put the
//! message on the network next.

use async_trait::async_trait;
use garita_engine::audit::summaries;
use garita_engine::audit::PendingEntry;
use garita_engine::record_codec::{decode, encode};
use garita_engine::{OutboxEntry, OutboxFilter, OutboxStatus, OutboxStore, StoreError};
use sqlx::Row;

use crate::audit::{append_in, lock_head, store_head};
use crate::ids::record_int;
use crate::store::PostgresStore;

/// Messages in status `$1`, from index `outbox_by_status`.
pub(crate) const COUNT_IN_STATUS: &str = "SELECT count(*) FROM outbox WHERE status = $1";

impl PostgresStore {
    /// Writes one message and its audit entry when it changed.
    async fn write_message(&self, entry: &OutboxEntry) -> Result<(), StoreError> {
        let what = format!("outbox message {}", entry.message_id);
        let value = encode(entry, &what)?;
        let pending = PendingEntry::new(summaries::outbox(entry, &value));
        let doing = format!("writing {what} (`garita outbox list` shows what was recorded)");
        let mut tx = self.pool.begin().await.map_err(self.error(&doing))?;
        // The chain's lock first, then the row: every audited write takes
        // them in this order, so none waits on another in a cycle.
        let mut head = lock_head(&mut tx, &self.url).await?;
        let old: Option<Vec<u8>> =
            sqlx::query("SELECT record FROM outbox WHERE message_id = $1 FOR UPDATE")
                .bind(&entry.message_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(self.error(&doing))?
                .map(|row| row.try_get(0))
                .transpose()
                .map_err(self.error(&doing))?;
        if old.as_deref() == Some(value.as_slice()) {
            // Nothing to write; end the transaction now, which releases
            // the chain's lock.
            return tx.rollback().await.map_err(self.error(&doing));
        }
        sqlx::query(
            "INSERT INTO outbox (message_id, run_id, created_at, status, record)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (message_id) DO UPDATE
             SET run_id = EXCLUDED.run_id, created_at = EXCLUDED.created_at,
                 status = EXCLUDED.status, record = EXCLUDED.record",
        )
        .bind(&entry.message_id)
        .bind(&entry.run_id)
        .bind(entry.created_at)
        .bind(entry.status.as_str())
        .bind(&value)
        .execute(&mut *tx)
        .await
        .map_err(self.error(&doing))?;
        let time = self.clock.now();
        append_in(&mut tx, &self.url, &mut head, &pending, &time).await?;
        store_head(&mut tx, &self.url, &head).await?;
        tx.commit().await.map_err(self.error(&doing))
    }

    /// The stored bytes of one message, for the audit records check.
    pub(crate) async fn stored_message(
        &self,
        message_id: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let row = sqlx::query("SELECT record FROM outbox WHERE message_id = $1")
            .bind(message_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.error("reading an outbox message"))?;
        row.map(|row| {
            row.try_get(0)
                .map_err(self.error("reading an outbox message"))
        })
        .transpose()
    }
}

#[async_trait]
impl OutboxStore for PostgresStore {
    async fn record(&self, entry: &OutboxEntry) -> Result<(), StoreError> {
        let written = self.write_message(entry).await;
        self.health.observe_write(written)
    }

    async fn get(&self, message_id: &str) -> Result<Option<OutboxEntry>, StoreError> {
        self.stored_message(message_id)
            .await?
            .map(|bytes| decode(&bytes, || format!("outbox message {message_id}")))
            .transpose()
    }

    async fn list(&self, filter: &OutboxFilter) -> Result<Vec<OutboxEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT message_id, record FROM outbox
             WHERE ($1::text IS NULL OR run_id = $1) ORDER BY created_at, message_id",
        )
        .bind(filter.run_id.as_deref())
        .fetch_all(&self.pool)
        .await
        .map_err(self.error("listing the outbox"))?;
        let mut out = Vec::new();
        for row in rows {
            let id: String = row.try_get(0).map_err(self.error("listing the outbox"))?;
            let bytes: Vec<u8> = row.try_get(1).map_err(self.error("listing the outbox"))?;
            let entry: OutboxEntry = decode(&bytes, || format!("outbox message {id}"))?;
            if filter.matches(&entry) {
                out.push(entry);
            }
        }
        // The column keeps microseconds; the records may carry finer times.
        garita_engine::outbox::sort_for_listing(&mut out);
        Ok(out)
    }

    async fn count_messages(&self, status: OutboxStatus) -> Result<u64, StoreError> {
        let doing = "counting outbox messages";
        let count: i64 = sqlx::query_scalar(COUNT_IN_STATUS)
            .bind(status.as_str())
            .fetch_one(&self.pool)
            .await
            .map_err(self.error(doing))?;
        record_int(count, "a count of outbox messages")
    }
}
