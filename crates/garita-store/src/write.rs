//! The write path: sled transactions over `runs`, `events`, `timers`,
//! `unfinished` and `children`, so a commit's events, summary and index
//! entries change together or not at all, in memory and (sled logs a
//! transaction as one atomically recovered batch) after a crash. The same
//! transaction appends one audit entry per event, and the chain's head, to
//! `audit` and `meta` (see `audit.rs`).

use std::path::Path;

use chrono::{DateTime, Utc};
use garita_engine::run::ParentRef;
use garita_engine::{RunEvent, RunRecord, RunStatus, StoreError};
use serde::Deserialize;
use sled::transaction::{
    ConflictableTransactionError, TransactionError, TransactionalTree, UnabortableTransactionError,
};
use sled::Transactional;

use crate::audit::{self, append_in, store_head, PendingEntry};
use crate::codec::{decode, encode};
use crate::errors::sled_error;
use crate::keys::{check_id, child_key, event_key, timer_key, unfinished_key};
use crate::trees::Trees;

/// Whether the run must be new or must exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WriteKind {
    /// `create_run`: the id must be free.
    Create,
    /// `append`: the run must exist with `next_seq` equal to the caller's.
    Append,
}

/// Everything a commit writes, encoded before the transaction so the time
/// spent under sled's write lock is only the tree updates.
#[derive(Debug)]
pub(crate) struct RunWrite {
    kind: WriteKind,
    id: String,
    /// The caller's `next_seq`: where the new events go.
    base_seq: u64,
    /// `next_seq` after the write.
    pub(crate) next_seq: u64,
    summary: Vec<u8>,
    /// The workflow source, written with a run's creation only.
    source: Option<(Vec<u8>, Vec<u8>)>,
    events: Vec<(Vec<u8>, Vec<u8>)>,
    indexes: IndexKeys,
    /// One audit entry per event, hashed but for its place in the chain.
    audit: Vec<PendingEntry>,
}

/// The index entries a summary implies; each value is the run id.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct IndexKeys {
    pub(crate) timer: Option<Vec<u8>>,
    pub(crate) unfinished: Option<Vec<u8>>,
    pub(crate) child: Option<Vec<u8>>,
}

/// The index entries the stored summary `bytes` of run `id` implies (an
/// import rebuilds the indexes with it).
pub(crate) fn index_keys_of_summary(id: &str, bytes: &[u8]) -> Result<IndexKeys, StoreError> {
    let head: IndexedFields = decode(bytes, || format!("summary of run {id}"))?;
    Ok(IndexKeys::of(
        id,
        head.status,
        head.created_at,
        head.wake_at,
        head.parent.as_ref(),
    ))
}

impl IndexKeys {
    fn of(
        id: &str,
        status: RunStatus,
        created_at: DateTime<Utc>,
        wake_at: Option<DateTime<Utc>>,
        parent: Option<&ParentRef>,
    ) -> Self {
        // Terminal runs leave the timer and unfinished indexes, so
        // `due_runs` and `unfinished_runs` never see them. Like the engine's
        // MemoryStore, any unfinished run with a `wake_at` has a timer.
        let live = !status.is_terminal();
        Self {
            timer: wake_at.filter(|_| live).map(|at| timer_key(at, id)),
            unfinished: live.then(|| unfinished_key(created_at, id)),
            child: parent.map(|p| child_key(&p.run_id, &p.step_id, p.index)),
        }
    }
}

/// The part of a stored summary the indexes depend on. Decoding only these
/// fields (serde skips the rest, such as the workflow source) keeps the work
/// under sled's write lock small.
#[derive(Debug, Deserialize)]
struct IndexedFields {
    status: RunStatus,
    created_at: DateTime<Utc>,
    next_seq: u64,
    wake_at: Option<DateTime<Utc>>,
    parent: Option<ParentRef>,
}

/// Encodes `record` with `events` appended at `record.next_seq..`.
pub(crate) fn prepare(
    kind: WriteKind,
    record: &RunRecord,
    events: &[RunEvent],
) -> Result<RunWrite, StoreError> {
    check_id(&record.id, "run id")?;
    if let Some(parent) = &record.parent {
        check_id(&parent.run_id, "parent run id")?;
        check_id(&parent.step_id, "parent step id")?;
    }
    let base_seq = record.next_seq;
    let mut encoded = Vec::with_capacity(events.len());
    let mut audit_entries = Vec::with_capacity(events.len());
    for (seq, event) in (base_seq..).zip(events) {
        let what = format!("event {seq} of run {}", record.id);
        let bytes = encode(event, &what)?;
        audit_entries.push(PendingEntry::new(audit::run_event(
            record, seq, event, &bytes,
        )));
        encoded.push((event_key(&record.id, seq), bytes));
    }
    let next_seq = base_seq + events.len() as u64;
    let (mut summary, source) = crate::sources::detach(record);
    summary.next_seq = next_seq;
    let source = (kind == WriteKind::Create).then_some(source);
    Ok(RunWrite {
        kind,
        id: record.id.clone(),
        base_seq,
        next_seq,
        summary: encode(&summary, &format!("summary of run {}", record.id))?,
        source,
        events: encoded,
        indexes: IndexKeys::of(
            &record.id,
            record.status,
            record.created_at,
            record.wake_at,
            record.parent.as_ref(),
        ),
        audit: audit_entries,
    })
}

/// What [`apply_group`] did with each write, in order: applied, or refused
/// (and then nothing of it was written).
pub(crate) type Outcomes = Vec<Result<(), StoreError>>;

/// Applies a group of writes in ONE sled transaction (in memory; durability
/// is the caller's next step). Each write is checked against the state the
/// writes before it in the group left, and a refused one is skipped without
/// affecting the others. One transaction per group rather than per write
/// because every sled transaction forces its log buffer out with extra
/// writes; a group shares that cost as it shares the flush. A crash before
/// the group is durable loses the whole group, which is fine: none of its
/// commits has been acknowledged.
pub(crate) fn apply_group(
    trees: &Trees,
    path: &Path,
    writes: &[&RunWrite],
) -> Result<Outcomes, StoreError> {
    let all = (
        &trees.runs,
        &trees.events,
        &trees.timers,
        &trees.unfinished,
        &trees.children,
        &trees.sources,
        &trees.audit.tree,
        &trees.meta,
    );
    // The chain stays locked across the transaction: its entries follow the
    // head this transaction read, and no other writer appends meanwhile.
    trees.audit.write(|head, time| {
        let result = all.transaction(
            |(runs, events, timers, unfinished, children, sources, audit, meta)| {
                // sled may run this closure again on a conflict: start afresh.
                let mut chain = head;
                let mut outcomes = Vec::with_capacity(writes.len());
                for write in writes {
                    // Reads inside the transaction see the group's earlier writes.
                    let stored = runs.get(write.id.as_bytes())?;
                    let old = match check_previous(write, stored.as_deref()) {
                        Ok(old) => old,
                        Err(refused) => {
                            outcomes.push(Err(refused));
                            continue;
                        }
                    };
                    for (key, value) in &write.events {
                        events.insert(key.as_slice(), value.as_slice())?;
                    }
                    runs.insert(write.id.as_bytes(), write.summary.as_slice())?;
                    if let Some((key, text)) = &write.source {
                        sources.insert(key.as_slice(), text.as_slice())?;
                    }
                    let id = write.id.as_bytes();
                    replace_entry(
                        timers,
                        old.timer.as_deref(),
                        write.indexes.timer.as_deref(),
                        &[],
                    )?;
                    replace_entry(
                        unfinished,
                        old.unfinished.as_deref(),
                        write.indexes.unfinished.as_deref(),
                        id,
                    )?;
                    replace_entry(
                        children,
                        old.child.as_deref(),
                        write.indexes.child.as_deref(),
                        id,
                    )?;
                    for pending in &write.audit {
                        append_in(audit, &mut chain, pending, time)?;
                    }
                    outcomes.push(Ok(()));
                }
                if chain != head {
                    store_head(meta, &chain)?;
                }
                Ok::<_, ConflictableTransactionError<StoreError>>((outcomes, chain))
            },
        );
        result.map_err(|e| match e {
            TransactionError::Abort(err) => err,
            TransactionError::Storage(err) => sled_error(path, "committing runs", err),
        })
    })
}

/// Refuses a create over an existing run, an append to a missing run and an
/// append from a stale copy; else the index entries of the stored summary.
fn check_previous(write: &RunWrite, stored: Option<&[u8]>) -> Result<IndexKeys, StoreError> {
    match (write.kind, stored) {
        (WriteKind::Create, None) => Ok(IndexKeys::default()),
        (WriteKind::Create, Some(_)) => Err(StoreError::RunExists(write.id.clone())),
        (WriteKind::Append, None) => Err(StoreError::NoSuchRun(write.id.clone())),
        (WriteKind::Append, Some(bytes)) => {
            let head: IndexedFields = decode(bytes, || format!("summary of run {}", write.id))?;
            if head.next_seq != write.base_seq {
                // Writing anyway would overwrite or skip events. The
                // sequence number is the run's revision: a driver whose
                // copy is stale (another driver wrote since) is refused.
                return Err(StoreError::Conflict {
                    what: format!("run {}", write.id),
                    expected: write.base_seq,
                    found: head.next_seq,
                });
            }
            Ok(IndexKeys::of(
                &write.id,
                head.status,
                head.created_at,
                head.wake_at,
                head.parent.as_ref(),
            ))
        }
    }
}

/// Moves an index entry from `old` to `new` (either may be absent).
fn replace_entry(
    tree: &TransactionalTree,
    old: Option<&[u8]>,
    new: Option<&[u8]>,
    value: &[u8],
) -> Result<(), UnabortableTransactionError> {
    if old == new {
        return Ok(());
    }
    if let Some(old) = old {
        tree.remove(old)?;
    }
    if let Some(new) = new {
        tree.insert(new, value)?;
    }
    Ok(())
}
