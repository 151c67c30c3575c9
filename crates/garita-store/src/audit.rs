//! The tamper-evident audit log: every change the store records (a run
//! event, an account write, a task write, an outbox write, an event queued
//! for the daemon) and every change reported to it ([`SledStore::record_audit`]:
//! configuration reloads, restores, ...) is appended to a hash chain.
//!
//! # Key layout
//!
//! | tree | key | value |
//! |---|---|---|
//! | `audit` | seq `u64` BE, from 1 | [`AuditEntry`] |
//! | `meta` | `audit_head` | [`AuditHead`]: seq and hash of the last entry |
//!
//! Each entry carries `prev_hash`, the hash of the entry before it (zeros
//! for the first), and `hash`, SHA-256 over its canonical encoding (see
//! `entry.rs`). An entry is written in the SAME sled transaction as the
//! change it records, with the new head, so after a crash both are there or
//! neither is; the chain's mutex is held across that transaction (see
//! `chain.rs`), so entries are gap-free and in commit order.
//!
//! # When
//!
//! Each entry carries `at`, the change's own time by the business clock
//! (which `--now` pins), and `recorded_at`, the system time when it was
//! written, read from the store's [`garita_engine::RecordingClock`], with
//! `pinned_at` when the business clock was pinned. Periods are selected by
//! `recorded_at`, so a pinned clock cannot backdate evidence (see
//! `chain.rs` and `verify.rs`).
//!
//! # What it proves
//!
//! [`SledStore::verify_audit`] finds any entry modified, removed, added or
//! reordered since it was written, and the last entries removed (the head
//! records the newest). It cannot tell a consistent rewrite of the whole
//! chain and its head by someone with write access to the store: compare
//! the head with a copy kept elsewhere (docs/audit.md).

mod chain;
mod entry;
mod read;
mod records;
mod summaries;
mod verify;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod write_time_tests;

use std::ops::RangeBounds;

use chrono::{DateTime, Utc};
use garita_engine::StoreError;
use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::IVec;
use sled::Transactional;

pub use chain::AuditHead;
pub use entry::{
    canonical_json, hex, parse_hash, AuditEntry, AuditRecord, Hash, GENESIS_PREV_HASH,
};
pub use summaries::{
    config_reload, digest, ACCOUNT_CHANGED, ACCOUNT_CREATED, CONFIG_RELOAD, EVENT_EMITTED,
    RUN_EVENT,
};
pub use verify::{AuditProblem, AuditReport, ClockWarning, CLOCK_STEP_TOLERANCE};

pub(crate) use chain::{append_in, store_head, AuditChain, ChainHead, PendingEntry};
pub(crate) use summaries::{account, emitted, outbox, run_event, task};

use crate::errors::sled_error;
use crate::store::SledStore;

/// Writes `value` under `key` in `tree` and, when that changes the stored
/// value, appends `pending` to `chain`, in one transaction (in memory; the
/// caller flushes). For records rewritten in place: tasks, outbox messages.
pub(crate) fn write_recorded(
    chain: &AuditChain,
    tree: &sled::Tree,
    meta: &sled::Tree,
    key: &[u8],
    value: &[u8],
    pending: &PendingEntry,
) -> Result<(), TransactionError<StoreError>> {
    let all = (tree, &chain.tree, meta);
    let outcome = chain.write(|head, time| {
        let result = all.transaction(|(tree, audit, meta)| {
            let old: Option<IVec> = tree.insert(key, value)?;
            let mut chain = head;
            if old.as_deref() != Some(value) {
                append_in(audit, &mut chain, pending, time)?;
                store_head(meta, &chain)?;
            }
            Ok::<_, ConflictableTransactionError<StoreError>>(chain)
        });
        // Carried through `write` as a value so the caller keeps sled's error.
        match result {
            Ok(chain) => Ok((Ok(()), chain)),
            Err(e) => Ok((Err(e), head)),
        }
    });
    outcome.unwrap_or_else(|e| Err(TransactionError::Abort(e)))
}

impl SledStore {
    /// The entries whose seq is in `seqs` (`1..=10`, `..`), in chain order.
    pub fn audit_entries(
        &self,
        seqs: impl RangeBounds<u64>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        read::by_seq(&self.trees.audit.tree, &self.path, seqs)
    }

    /// The entries written in `[from, to)` (by `recorded_at`; by `at` for
    /// entries written before `recorded_at` existed), in chain order.
    pub fn audit_entries_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        read::between(&self.trees.audit.tree, &self.path, from, to)
    }

    /// The seq and hash of the newest entry.
    pub fn audit_head(&self) -> AuditHead {
        self.trees.audit.head().into()
    }

    /// Checks the whole chain and says where it is broken, if anywhere; then
    /// checks that the run events, account history, tasks and outbox
    /// messages the entries record still match them. Reads every entry and
    /// every run event.
    pub fn verify_audit(&self) -> Result<AuditReport, StoreError> {
        // The head in memory and the recorded one, taken together under the
        // lock, so that no append falls between them.
        let head = self.trees.audit.write(|head, _| Ok((head, head)))?;
        let mut report =
            verify::verify(&self.trees.audit.tree, &self.trees.meta, &self.path, head)?;
        let records = records::check(self, report.head.seq, &report.head.hash)?;
        report.records_checked = records.compared;
        for (seq, kind, subject, problem) in records.mismatches {
            report.add(seq, kind, subject, problem);
        }
        Ok(report)
    }

    /// Appends `record` on its own and returns once it is durable: for
    /// changes the store does not see itself, such as a configuration
    /// reload or a restore.
    pub async fn record_audit(&self, record: AuditRecord) -> Result<AuditEntry, StoreError> {
        self.flush.check_healthy()?;
        let pending = PendingEntry::new(record);
        let chain = self.trees.audit.clone();
        let meta = self.trees.meta.clone();
        let path = self.path.clone();
        let flush = self.flush.clone();
        let joined = tokio::task::spawn_blocking(move || {
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
        })
        .await;
        joined.map_err(|e| StoreError::Io {
            path: self.path.display().to_string(),
            detail: format!(
                "recording an audit entry was interrupted ({e}); `garita audit verify` shows what was recorded"
            ),
        })?
    }
}
