//! The account write path: one sled transaction per upsert batch over the
//! four account trees, so accounts, history, the deactivation index and the
//! event queue change together or not at all; the same transaction appends
//! an audit entry per changed account and per queued event (see `audit.rs`).

use std::path::Path;

use crate::audit::AuditRecord;
use garita_engine::account::{
    plan_write, revision_conflict, Account, AccountUpdate, ChangeMeta, EmittedEvent, NewEvent,
    UpsertOutcome,
};
use garita_engine::{StoreError, WriteTime};
use sled::transaction::{
    ConflictableTransactionError, ConflictableTransactionResult, TransactionError,
    TransactionalTree,
};
use sled::Transactional;

use super::keys::{account_key, deactivation_key, event_key, history_key, AccountTrees};
use super::row::encode_row;
use crate::audit::{self, append_in, store_head, AuditChain, ChainHead, PendingEntry};
use crate::codec::{decode, encode};
use crate::errors::sled_error;

/// An upsert batch with its keys checked, ready to apply.
#[derive(Debug)]
pub(crate) struct Batch {
    updates: Vec<(Vec<u8>, AccountUpdate)>,
    meta: ChangeMeta,
    event: Option<NewEvent>,
}

impl Batch {
    /// Checks every key before anything is written.
    pub(crate) fn prepare(
        updates: &[AccountUpdate],
        meta: &ChangeMeta,
        event: Option<&NewEvent>,
    ) -> Result<Self, StoreError> {
        let updates = updates
            .iter()
            .map(|u| Ok((account_key(&u.account.key())?, u.clone())))
            .collect::<Result<_, StoreError>>()?;
        Ok(Self {
            updates,
            meta: meta.clone(),
            event: event.cloned(),
        })
    }
}

/// What a batch did.
#[derive(Debug)]
pub(crate) struct Written {
    /// One per update.
    pub(crate) outcomes: Vec<UpsertOutcome>,
    /// Whether anything was written (then a flush must follow).
    pub(crate) changed: bool,
}

/// Applies `batch` atomically (in memory; the caller flushes), with its
/// audit entries appended to `chain`.
pub(crate) fn apply(
    trees: &AccountTrees,
    chain: &AuditChain,
    meta: &sled::Tree,
    path: &Path,
    batch: &Batch,
) -> Result<Written, StoreError> {
    let all = (
        &trees.accounts,
        &trees.history,
        &trees.deactivations,
        &trees.rows,
        &trees.events,
        &chain.tree,
        meta,
    );
    let outcomes = chain.write(|head, time| {
        // sled may run the closure again on a conflict, so it starts afresh each time.
        let result = all.transaction(
            |(accounts, history, deactivations, rows, events, audit, meta)| {
                let tx = AccountTx {
                    accounts,
                    history,
                    deactivations,
                    rows,
                };
                let mut chain = head;
                let mut outcomes = Vec::with_capacity(batch.updates.len());
                for (key, update) in &batch.updates {
                    let (outcome, recorded) = upsert_one(&tx, key, update, &batch.meta, time)?;
                    if let Some(record) = recorded {
                        append_in(audit, &mut chain, &PendingEntry::new(record), time)?;
                    }
                    outcomes.push(outcome);
                }
                if let Some(event) = &batch.event {
                    queue_event(events, audit, &mut chain, event, time)?;
                }
                if chain != head {
                    store_head(meta, &chain)?;
                }
                Ok((outcomes, chain))
            },
        );
        result.map_err(|e| transaction_error(path, "writing accounts", e))
    })?;
    let changed = batch.event.is_some() || outcomes.iter().any(|o| *o != UpsertOutcome::Unchanged);
    Ok(Written { outcomes, changed })
}

/// The trees one account's write touches, inside a transaction.
pub(super) struct AccountTx<'a> {
    pub(super) accounts: &'a TransactionalTree,
    pub(super) history: &'a TransactionalTree,
    pub(super) deactivations: &'a TransactionalTree,
    pub(super) rows: &'a TransactionalTree,
}

/// Writes one account, its history entry (dated `time`, like its audit
/// entry), its row and its index entry when it changed; returns the
/// outcome and, when it changed, the audit record.
pub(super) fn upsert_one(
    tx: &AccountTx<'_>,
    key: &[u8],
    update: &AccountUpdate,
    meta: &ChangeMeta,
    time: &WriteTime,
) -> ConflictableTransactionResult<(UpsertOutcome, Option<AuditRecord>), StoreError> {
    let shown = update.account.key().to_string();
    let stored: Option<Account> = match tx.accounts.get(key)? {
        Some(bytes) => Some(abort_on(decode(&bytes, || format!("account {shown}")))?),
        None => None,
    };
    if let Some(conflict) = revision_conflict(stored.as_ref(), update) {
        return Err(ConflictableTransactionError::Abort(conflict));
    }
    let Some((account, mut entry)) = plan_write(stored.as_ref(), update, meta) else {
        return Ok((UpsertOutcome::Unchanged, None));
    };
    entry.recorded_at = Some(time.recorded_at);
    entry.pinned_at = time.pinned_at;
    let old_index = stored.as_ref().and_then(Account::indexed_deactivation);
    let new_index = account.indexed_deactivation();
    if old_index != new_index {
        if let Some(date) = old_index {
            tx.deactivations.remove(deactivation_key(date, key))?;
        }
        if let Some(date) = new_index {
            tx.deactivations
                .insert(deactivation_key(date, key), &[][..])?;
        }
    }
    let entry_bytes = abort_on(encode(
        &entry,
        &format!("history entry {} of account {shown}", entry.seq),
    ))?;
    let record = audit::account(&shown, stored.is_none(), &entry, &entry_bytes);
    tx.history
        .insert(history_key(key, entry.seq), entry_bytes)?;
    let account_bytes = abort_on(encode(&account, &format!("account {shown}")))?;
    tx.accounts.insert(key, account_bytes)?;
    tx.rows.insert(key, encode_row(&account))?;
    let outcome = if stored.is_some() {
        UpsertOutcome::Updated
    } else {
        UpsertOutcome::Created
    };
    Ok((outcome, Some(record)))
}

/// Queues `event` under a fresh id (increasing: sled's id generator) and
/// appends its audit entry after `chain`.
pub(super) fn queue_event(
    events: &TransactionalTree,
    audit: &TransactionalTree,
    chain: &mut ChainHead,
    event: &NewEvent,
    time: &WriteTime,
) -> ConflictableTransactionResult<EmittedEvent, StoreError> {
    let emitted = EmittedEvent::new(events.generate_id()?, event);
    let bytes = abort_on(encode(&emitted, &format!("event {}", emitted.name)))?;
    let record = audit::emitted(&emitted, &bytes);
    events.insert(&event_key(emitted.id), bytes)?;
    append_in(audit, chain, &PendingEntry::new(record), time)?;
    Ok(emitted)
}

/// Queues one event on its own, with its audit entry (the caller flushes).
pub(crate) fn emit(
    trees: &AccountTrees,
    chain: &AuditChain,
    meta: &sled::Tree,
    path: &Path,
    event: &NewEvent,
) -> Result<EmittedEvent, StoreError> {
    let all = (&trees.events, &chain.tree, meta);
    chain.write(|head, time| {
        all.transaction(|(events, audit, meta)| {
            let mut chain = head;
            let emitted = queue_event(events, audit, &mut chain, event, time)?;
            store_head(meta, &chain)?;
            Ok((emitted, chain))
        })
        .map_err(|e| transaction_error(path, "queueing an event", e))
    })
}

/// Removes event `id` from the queue; false when it was not there.
pub(crate) fn ack(trees: &AccountTrees, path: &Path, id: u64) -> Result<bool, StoreError> {
    let removed = trees
        .events
        .remove(event_key(id))
        .map_err(|e| sled_error(path, "acknowledging an event", e))?;
    Ok(removed.is_some())
}

pub(super) fn abort_on<T>(
    result: Result<T, StoreError>,
) -> ConflictableTransactionResult<T, StoreError> {
    result.map_err(ConflictableTransactionError::Abort)
}

pub(super) fn transaction_error(
    path: &Path,
    doing: &str,
    err: TransactionError<StoreError>,
) -> StoreError {
    match err {
        TransactionError::Abort(err) => err,
        TransactionError::Storage(err) => sled_error(path, doing, err),
    }
}
