//! The engine's [`OutboxStore`] on [`SledStore`]: the durable email outbox.
//!
//! Tree `outbox`: Message-ID (with its angle brackets, as UTF-8) →
//! [`OutboxEntry`] (with the store's encoding-version byte). One message
//! has one record for its whole life: retries and re-runs replace it. A
//! write is one insert made durable by the store's flush (sled flush plus
//! `fdatasync` under the default durability) before `record` returns,
//! because the caller may put the message on the network next. Listing
//! reads the tree; counting a status reads only tree `outbox_status`
//! (`outbox_index.rs`), which a write updates in the same transaction. A
//! write that changes the record appends its audit entry (`email.<status>`)
//! in the same sled transaction (see `audit.rs`).

use async_trait::async_trait;
use garita_engine::{OutboxEntry, OutboxFilter, OutboxStatus, OutboxStore, StoreError};

use crate::audit::{self, PendingEntry};
use crate::codec::{decode, encode};
use crate::errors::sled_error;
use crate::outbox_index;
use crate::store::SledStore;

pub(crate) const TREE: &str = "outbox";

impl SledStore {
    fn outbox_tree(&self) -> Result<sled::Tree, StoreError> {
        self.db
            .open_tree(TREE)
            .map_err(|e| sled_error(&self.path, "opening tree `outbox`", e))
    }
}

#[async_trait]
impl OutboxStore for SledStore {
    async fn record(&self, entry: &OutboxEntry) -> Result<(), StoreError> {
        self.flush.check_healthy()?;
        let tree = self.outbox_tree()?;
        let value = encode(entry, &format!("outbox message {}", entry.message_id))?;
        let key = entry.message_id.clone().into_bytes();
        let index = outbox_index::writes_for(self.outbox_status_index()?, entry);
        let pending = PendingEntry::new(audit::outbox(entry, &value));
        let chain = self.trees.audit.clone();
        let meta = self.trees.meta.clone();
        let path = self.path.clone();
        let flush = self.flush.clone();
        // The insert may wait for a flush in progress and the flush blocks
        // for milliseconds: both belong on the blocking pool.
        let joined = tokio::task::spawn_blocking(move || {
            audit::write_recorded(&chain, &tree, &index, &meta, &key, &value, &pending).map_err(
                |e| match e {
                    sled::transaction::TransactionError::Abort(err) => err,
                    sled::transaction::TransactionError::Storage(err) => {
                        sled_error(&path, "writing an outbox message", err)
                    }
                },
            )?;
            flush.run()
        })
        .await;
        joined.map_err(|e| StoreError::Io {
            path: self.path.display().to_string(),
            detail: format!(
                "writing an outbox message was interrupted: {e}; \
                 `garita outbox list` shows what was recorded"
            ),
        })?
    }

    async fn get(&self, message_id: &str) -> Result<Option<OutboxEntry>, StoreError> {
        let tree = self.outbox_tree()?;
        match tree
            .get(message_id.as_bytes())
            .map_err(|e| sled_error(&self.path, "reading an outbox message", e))?
        {
            Some(bytes) => Ok(Some(decode(&bytes, || {
                format!("outbox message {message_id}")
            })?)),
            None => Ok(None),
        }
    }

    async fn list(&self, filter: &OutboxFilter) -> Result<Vec<OutboxEntry>, StoreError> {
        let tree = self.outbox_tree()?;
        let mut out = Vec::new();
        for item in tree.iter() {
            let (key, bytes) = item.map_err(|e| sled_error(&self.path, "listing the outbox", e))?;
            let entry: OutboxEntry = decode(&bytes, || {
                format!("outbox message {}", String::from_utf8_lossy(&key))
            })?;
            if filter.matches(&entry) {
                out.push(entry);
            }
        }
        garita_engine::outbox::sort_for_listing(&mut out);
        Ok(out)
    }

    async fn count_messages(&self, status: OutboxStatus) -> Result<u64, StoreError> {
        self.count_in_status(status)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use garita_engine::StoreError;
    use serde_json::json;

    use super::*;
    use crate::StoreOptions;

    fn queued(id: &str, run: &str) -> OutboxEntry {
        OutboxEntry {
            message_id: id.into(),
            run_id: run.into(),
            step_id: "notify".into(),
            attempt: 1,
            attempts: 1,
            status: OutboxStatus::Queued,
            input: json!({"to": "a@example.com"}),
            locale: "es".into(),
            time_zone: "UTC".into(),
            created_at: DateTime::<Utc>::UNIX_EPOCH,
            updated_at: DateTime::<Utc>::UNIX_EPOCH,
            output: None,
            error: None,
            retryable: None,
            transport: None,
        }
    }

    #[tokio::test]
    async fn records_survive_reopening_and_retries_replace_them() -> Result<(), StoreError> {
        let dir = tempfile::tempdir().map_err(|e| StoreError::Io {
            path: "temp".into(),
            detail: e.to_string(),
        })?;
        {
            let store = SledStore::open(dir.path(), StoreOptions::default())?;
            let mut entry = queued("<a@garita.local>", "run-1");
            store.record(&entry).await?;
            entry.status = OutboxStatus::Failed;
            entry.error = Some("connection refused".into());
            store.record(&entry).await?;
            entry.requeue(2, json!({"to": "a@example.com"}), entry.created_at);
            entry.mark_done(
                &json!({"transport": "smtp", "accepted_by": "250 OK"}),
                entry.created_at,
            );
            store.record(&entry).await?;
            store.record(&queued("<b@garita.local>", "run-2")).await?;
        }
        let store = SledStore::open(dir.path(), StoreOptions::default())?;
        let sent = store.get("<a@garita.local>").await?;
        let sent = sent.ok_or_else(|| StoreError::NoSuchRun("a".into()))?;
        assert_eq!((sent.status, sent.attempts), (OutboxStatus::Sent, 2));
        assert_eq!(sent.error, None);
        assert_eq!(store.get("<missing@x>").await?, None);

        let all = store.list(&OutboxFilter::default()).await?;
        assert_eq!(all.len(), 2);
        let queued_only = OutboxFilter {
            statuses: vec![OutboxStatus::Queued],
            ..Default::default()
        };
        let listed = store.list(&queued_only).await?;
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].message_id, "<b@garita.local>");
        Ok(())
    }

    #[tokio::test]
    async fn the_sled_outbox_keeps_the_outbox_contract() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path(), StoreOptions::default()).unwrap();
        garita_engine::outbox_conformance::outbox_checks(&store).await;
    }
}
