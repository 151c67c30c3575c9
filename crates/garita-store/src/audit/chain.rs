//! The chain's head and appending to it inside a writer's sled transaction
//! (the linking itself is `garita_engine::audit::PendingEntry`).
//!
//! Every writer that records a change (the group-commit thread for runs,
//! the account, task and outbox paths, `AuditLog::record_audit`)
//! holds the chain's mutex across its whole transaction: it reads the head,
//! appends its entries after it, stores the new head in tree `meta` in the
//! same transaction, and only once sled has applied it moves the head in
//! memory. So seqs are gap-free, each entry links to the one before, and a
//! change and its entries are applied (and recovered after a crash)
//! together or not at all.
//!
//! The write time (`recorded_at`, and `pinned_at` under `--now`) is read
//! from the store's [`RecordingClock`] once per transaction, under the
//! mutex: so along the chain it only goes backwards when the system clock
//! itself was set back, which `garita audit verify` reports.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use garita_engine::audit::{AuditEntry, AuditHead, ChainHead, PendingEntry, GENESIS_PREV_HASH};
use garita_engine::{RecordingClock, StoreError, WriteTime};
use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::compact::{decode_entry, encode_entry};
use crate::codec::{decode, encode};
use crate::errors::sled_error;

/// Name of the tree of entries: seq `u64` BE → [`AuditEntry`] (see `compact.rs`).
pub(crate) const AUDIT_TREE: &str = "audit";

/// Key of the chain's head in tree `meta`.
pub(crate) const HEAD_KEY: &[u8] = b"audit_head";

/// The tree of entries, the head in memory and the clock that dates the
/// entries, shared by every writer.
#[derive(Debug, Clone)]
pub(crate) struct AuditChain {
    pub(crate) tree: sled::Tree,
    head: Arc<Mutex<ChainHead>>,
    clock: RecordingClock,
}

impl AuditChain {
    /// Opens the chain of `db` (whose `meta` tree is given), loading its
    /// head; `clock` dates the entries appended from now on.
    pub(crate) fn open(
        db: &sled::Db,
        meta: &sled::Tree,
        path: &Path,
        clock: RecordingClock,
    ) -> Result<Self, StoreError> {
        let tree = db
            .open_tree(AUDIT_TREE)
            .map_err(|e| sled_error(path, "opening tree `audit`", e))?;
        let head = load_head(&tree, meta, path)?;
        Ok(Self {
            tree,
            head: Arc::new(Mutex::new(head)),
            clock,
        })
    }

    /// Runs `write` with the chain locked: it gets the head and the time
    /// its entries are written at, applies its transaction and returns the
    /// new head, which becomes current only when `write` succeeds (a
    /// refused or failed transaction wrote nothing).
    pub(crate) fn write<T>(
        &self,
        write: impl FnOnce(ChainHead, &WriteTime) -> Result<(T, ChainHead), StoreError>,
    ) -> Result<T, StoreError> {
        let mut head = self.head.lock().unwrap_or_else(PoisonError::into_inner);
        // Read under the lock, so that entries are dated in chain order.
        let time = self.clock.now();
        let (value, new_head) = write(*head, &time)?;
        *head = new_head;
        Ok(value)
    }

    /// The current head (entries appended by this process included).
    pub(crate) fn head(&self) -> ChainHead {
        *self.head.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Inside a transaction: appends `pending`, written at `time`, after
/// `head` and advances `head`. The caller stores the final head with
/// [`store_head`] in the same transaction.
pub(crate) fn append_in(
    audit: &TransactionalTree,
    head: &mut ChainHead,
    pending: &PendingEntry,
    time: &WriteTime,
) -> Result<AuditEntry, ConflictableTransactionError<StoreError>> {
    let (entry, next) = pending.chained(head, time);
    let bytes = encode_entry(&entry).map_err(ConflictableTransactionError::Abort)?;
    audit.insert(&entry.seq.to_be_bytes(), bytes)?;
    *head = next;
    Ok(entry)
}

/// Inside a transaction: records `head` as the chain's head in `meta`.
pub(crate) fn store_head(
    meta: &TransactionalTree,
    head: &ChainHead,
) -> Result<(), ConflictableTransactionError<StoreError>> {
    let bytes = encode(&AuditHead::from(*head), "the audit chain's head")
        .map_err(ConflictableTransactionError::Abort)?;
    meta.insert(HEAD_KEY, bytes)?;
    Ok(())
}

/// The head recorded in `meta`, if any and readable.
pub(crate) fn stored_head(meta: &sled::Tree, path: &Path) -> Result<Option<AuditHead>, StoreError> {
    let bytes = meta
        .get(HEAD_KEY)
        .map_err(|e| sled_error(path, "reading the audit chain's head", e))?;
    bytes
        .map(|b| decode(&b, || "the audit chain's head".into()))
        .transpose()
}

/// The head to append after: the recorded one; if that is unreadable (it
/// was damaged or altered), the last entry, so that opening never fails
/// on it; `garita audit verify` reports the damage.
fn load_head(tree: &sled::Tree, meta: &sled::Tree, path: &Path) -> Result<ChainHead, StoreError> {
    match stored_head(meta, path) {
        Ok(Some(head)) => {
            if let Some(head) = ChainHead::parse(&head) {
                return Ok(head);
            }
        }
        Ok(None) if tree.is_empty() => return Ok(ChainHead::GENESIS),
        Ok(None) | Err(_) => {}
    }
    tracing::warn!(store = %path.display(), "the audit chain's head is missing or unreadable; appending after the last entry (`garita audit verify` says more)");
    let last = tree
        .last()
        .map_err(|e| sled_error(path, "reading the last audit entry", e))?;
    let Some((key, value)) = last else {
        return Ok(ChainHead::GENESIS);
    };
    let seq = <[u8; 8]>::try_from(key.as_ref()).map_or(0, u64::from_be_bytes);
    let hash = decode_entry(&value, || format!("audit entry {seq}"))
        .ok()
        .and_then(|entry| garita_engine::audit::parse_hash(&entry.hash))
        .unwrap_or(GENESIS_PREV_HASH);
    Ok(ChainHead { seq, hash })
}
