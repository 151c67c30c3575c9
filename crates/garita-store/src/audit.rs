//! The tamper-evident audit log: every change the store records (a run
//! event, an account write, a task write, an outbox write, an event queued
//! for the daemon) and every change reported to it (`AuditLog::record_audit`:
//! configuration reloads, restores, ...) is appended to a hash chain.
//!
//! # Key layout
//!
//! | tree | key | value |
//! |---|---|---|
//! | `audit` | seq `u64` BE, from 1 | `AuditEntry` |
//! | `meta` | `audit_head` | `AuditHead`: seq and hash of the last entry |
//!
//! Each entry carries `prev_hash`, the hash of the entry before it (zeros
//! for the first), and `hash`, SHA-256 over its canonical encoding (see
//! `garita_engine::audit`). An entry is written in the SAME sled transaction as the
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
//! `chain.rs` here and `garita_engine::audit`).
//!
//! # What it proves
//!
//! `AuditLog::verify_audit` finds any entry modified, removed, added or
//! reordered since it was written, and the last entries removed (the head
//! records the newest). It cannot tell a consistent rewrite of the whole
//! chain and its head by someone with write access to the store: compare
//! the head with a copy kept elsewhere (docs/audit.md).

mod chain;
pub(crate) mod compact;
pub(crate) mod migrate;
mod read;
mod sled_log;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod write_time_tests;

use garita_engine::StoreError;
use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::IVec;
use sled::Transactional;

use crate::index_writes::IndexWrites;

pub(crate) use chain::{append_in, store_head, stored_head, AuditChain, HEAD_KEY};
pub(crate) use garita_engine::audit::summaries::{account, emitted, outbox, run_event, task};
pub(crate) use garita_engine::audit::{AuditRecord, ChainHead, PendingEntry};

/// Writes `value` under `key` in `tree` with the `index` changes that
/// follow from it and, when that changes the stored value, appends
/// `pending` to `chain`, in one transaction (in memory; the caller
/// flushes). For records rewritten in place: tasks, outbox messages.
pub(crate) fn write_recorded(
    chain: &AuditChain,
    tree: &sled::Tree,
    index: &IndexWrites,
    meta: &sled::Tree,
    key: &[u8],
    value: &[u8],
    pending: &PendingEntry,
) -> Result<(), TransactionError<StoreError>> {
    let all = (tree, &index.tree, &chain.tree, meta);
    let outcome = chain.write(|head, time| {
        let result = all.transaction(|(tree, index_tree, audit, meta)| {
            let old: Option<IVec> = tree.insert(key, value)?;
            // Follows the value whether or not it changed: the index
            // writes are idempotent, and checking would cost a read.
            index.apply(index_tree)?;
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
