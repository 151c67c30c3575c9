//! [`AuditLog`] and [`AuditedRecords`] on sled: the glue between the
//! backend-neutral chain code in `garita_engine::audit` and the trees of
//! this store. Reads and the verify run on tokio's blocking pool.

use std::future::Future;
use std::path::PathBuf;
use std::task::{Context, Poll, Waker};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use garita_engine::account::AccountKey;
use garita_engine::audit::{
    check_records, AuditEntry, AuditHead, AuditLog, AuditRecord, AuditReport, AuditedRecords,
    ChainCheck, PendingEntry, Rewritten,
};
use garita_engine::StoreError;
use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::Transactional;

use super::chain::{append_in, store_head, stored_head, AuditChain};
use super::compact::decode_entry;
use super::read;
use crate::accounts::blocking::run_blocking;
use crate::accounts::keys::{account_key, history_key, tree as account_tree};
use crate::errors::sled_error;
use crate::keys::{event_key, event_prefix, seq_of_event_key};
use crate::store::SledStore;

/// The trees the audit log and its records live in, owned, so that work
/// on them can move to the blocking pool.
#[derive(Debug, Clone)]
pub(crate) struct SledAudit {
    chain: AuditChain,
    meta: sled::Tree,
    events: sled::Tree,
    history: sled::Tree,
    tasks: sled::Tree,
    outbox: sled::Tree,
    users: sled::Tree,
    path: PathBuf,
}

impl SledStore {
    /// The audit trees of this store.
    pub(crate) fn audit_trees(&self) -> Result<SledAudit, StoreError> {
        let open = |name: &str| {
            self.db
                .open_tree(name)
                .map_err(|e| sled_error(&self.path, &format!("opening tree `{name}`"), e))
        };
        Ok(SledAudit {
            chain: self.trees.audit.clone(),
            meta: self.trees.meta.clone(),
            events: self.trees.events.clone(),
            history: open(account_tree::HISTORY)?,
            tasks: open(crate::tasks::TREE)?,
            outbox: open(crate::outbox::TREE)?,
            users: open(crate::users::tree::USERS)?,
            path: self.path.clone(),
        })
    }

    /// The entries whose seq is in `from..=to` (`None`: to the end), read
    /// on the calling thread, for tests that are not async.
    #[cfg(test)]
    pub(crate) fn audit_entries_now(
        &self,
        from: u64,
        to: Option<u64>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        seq_range(&self.trees.audit.tree, &self.path, from, to)
    }
}

/// The entries in `from..=to`; none when the range is empty (sled refuses
/// a range whose start is after its end).
fn seq_range(
    tree: &sled::Tree,
    path: &std::path::Path,
    from: u64,
    to: Option<u64>,
) -> Result<Vec<AuditEntry>, StoreError> {
    let to = to.unwrap_or(u64::MAX);
    if from > to {
        return Ok(Vec::new());
    }
    read::by_seq(tree, path, from..=to)
}

impl SledAudit {
    /// The chain check, on the calling thread: the head in memory and the
    /// recorded one are taken together under the chain's lock, so that no
    /// append falls between them; entries appended afterwards are checked
    /// next time.
    fn check_chain(&self) -> Result<AuditReport, StoreError> {
        let (head, recorded) = self.chain.write(|head, _| {
            let recorded = stored_head(&self.meta, &self.path).map_err(|e| e.to_string());
            Ok(((head, recorded), head))
        })?;
        let mut check = ChainCheck::new(head, recorded);
        for item in self.chain.tree.range(..=check.up_to().to_be_bytes()) {
            let (key, value) =
                item.map_err(|e| sled_error(&self.path, "reading the audit log", e))?;
            match <[u8; 8]>::try_from(key.as_ref()).map(u64::from_be_bytes) {
                Ok(seq) => check.slot(
                    seq,
                    decode_entry(&value, || format!("audit entry {seq}"))
                        .map_err(|e| e.to_string()),
                ),
                Err(_) => check.foreign_key(&format!("a key of {} bytes", key.len())),
            }
        }
        Ok(check.finish())
    }

    /// The whole verify, on the calling thread.
    pub(crate) fn verify(&self) -> Result<AuditReport, StoreError> {
        let mut report = self.check_chain()?;
        // The records check awaits only this type's methods, which are
        // plain sled reads and complete at once: one poll drives it.
        let polled = {
            let mut check = std::pin::pin!(check_records(self, &mut report));
            check.as_mut().poll(&mut Context::from_waker(Waker::noop()))
        };
        match polled {
            Poll::Ready(result) => result?,
            Poll::Pending => {
                return Err(StoreError::Io {
                    path: self.path.display().to_string(),
                    detail: "the audit records check waited on something other than sled; report this as a bug".into(),
                })
            }
        }
        Ok(report)
    }

    fn get(
        &self,
        tree: &sled::Tree,
        key: &[u8],
        doing: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        tree.get(key)
            .map(|v| v.map(|v| v.to_vec()))
            .map_err(|e| sled_error(&self.path, doing, e))
    }
}

// Driven by `SledAudit::verify` on a blocking thread: each method is a
// plain sled read that never waits on anything else.
#[async_trait]
impl AuditedRecords for SledAudit {
    async fn audit_page(
        &self,
        from: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Option<AuditEntry>)>, StoreError> {
        let mut out = Vec::new();
        for item in self.chain.tree.range(from.to_be_bytes()..) {
            if out.len() >= limit {
                break;
            }
            let (key, value) =
                item.map_err(|e| sled_error(&self.path, "reading the audit log", e))?;
            // Keys that are not seqs are the chain check's to report.
            let Ok(seq) = <[u8; 8]>::try_from(key.as_ref()).map(u64::from_be_bytes) else {
                continue;
            };
            out.push((seq, decode_entry(&value, String::new).ok()));
        }
        Ok(out)
    }

    async fn stored_event(&self, run: &str, seq: u64) -> Result<Option<Vec<u8>>, StoreError> {
        self.get(&self.events, &event_key(run, seq), "reading a run event")
    }

    async fn stored_event_seqs(&self, run: &str) -> Result<Vec<Option<u64>>, StoreError> {
        let mut seqs = Vec::new();
        for item in self.events.scan_prefix(event_prefix(run)) {
            let (key, _) = item.map_err(|e| sled_error(&self.path, "reading run events", e))?;
            seqs.push(seq_of_event_key(&key));
        }
        Ok(seqs)
    }

    async fn stored_history(
        &self,
        account: &AccountKey,
        seq: u64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let key = account_key(account)?;
        self.get(
            &self.history,
            &history_key(&key, seq),
            "reading account history",
        )
    }

    async fn stored_current(
        &self,
        kind: Rewritten,
        id: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let tree = match kind {
            Rewritten::Task => &self.tasks,
            Rewritten::Message => &self.outbox,
            Rewritten::User => &self.users,
        };
        self.get(tree, id.as_bytes(), "reading a task, message or user")
    }
}

#[async_trait]
impl AuditLog for SledStore {
    async fn audit_head(&self) -> Result<AuditHead, StoreError> {
        Ok(self.trees.audit.head().into())
    }

    async fn audit_entries(
        &self,
        from: u64,
        to: Option<u64>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let tree = self.trees.audit.tree.clone();
        let path = self.path.clone();
        run_blocking(
            &self.path,
            "reading the audit log",
            "nothing was changed; repeat it",
            move || seq_range(&tree, &path, from, to),
        )
        .await
    }

    async fn audit_entries_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let tree = self.trees.audit.tree.clone();
        let path = self.path.clone();
        if from >= to {
            return Ok(Vec::new());
        }
        run_blocking(
            &self.path,
            "reading the audit log",
            "nothing was changed; repeat it",
            move || read::between(&tree, &path, from, to),
        )
        .await
    }

    async fn record_audit(&self, record: AuditRecord) -> Result<AuditEntry, StoreError> {
        self.flush.check_healthy()?;
        let pending = PendingEntry::new(record);
        let chain = self.trees.audit.clone();
        let meta = self.trees.meta.clone();
        let path = self.path.clone();
        let flush = self.flush.clone();
        run_blocking(
            &self.path,
            "recording an audit entry",
            "`garita audit verify` shows whether it was recorded",
            move || {
                let entry = chain.write(|head, time| {
                    let trees = (&chain.tree, &meta);
                    let result = trees.transaction(|(audit, meta)| {
                        let mut head = head;
                        let entry = append_in(audit, &mut head, &pending, time)?;
                        store_head(meta, &head)?;
                        Ok::<_, ConflictableTransactionError<StoreError>>((entry, head))
                    });
                    result.map_err(|e| match e {
                        TransactionError::Abort(err) => err,
                        TransactionError::Storage(err) => {
                            sled_error(&path, "recording an audit entry", err)
                        }
                    })
                })?;
                flush.run()?;
                Ok(entry)
            },
        )
        .await
    }

    /// Checks the chain, then that the run events, account history, tasks
    /// and outbox messages the entries record still match them. Reads
    /// every entry and every run event, on the blocking pool.
    async fn verify_audit(&self) -> Result<AuditReport, StoreError> {
        let audit = self.audit_trees()?;
        run_blocking(
            &self.path,
            "verifying the audit log",
            "nothing was changed; repeat it",
            move || audit.verify(),
        )
        .await
    }
}
