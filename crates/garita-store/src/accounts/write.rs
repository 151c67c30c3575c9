//! The account write path: one sled transaction per upsert batch over the
//! four account trees, so accounts, history, the deactivation index and the
//! event queue change together or not at all.

use std::path::Path;

use garita_engine::account::{
    plan_write, Account, AccountUpdate, ChangeMeta, EmittedEvent, NewEvent, UpsertOutcome,
};
use garita_engine::StoreError;
use sled::transaction::{
    ConflictableTransactionError, ConflictableTransactionResult, TransactionError,
    TransactionalTree,
};
use sled::Transactional;

use super::keys::{account_key, deactivation_key, event_key, history_key, AccountTrees};
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

/// Applies `batch` atomically (in memory; the caller flushes).
pub(crate) fn apply(
    trees: &AccountTrees,
    path: &Path,
    batch: &Batch,
) -> Result<Written, StoreError> {
    let all = (
        &trees.accounts,
        &trees.history,
        &trees.deactivations,
        &trees.events,
    );
    // sled may run the closure again on a conflict, so it starts afresh each time.
    let result = all.transaction(|(accounts, history, deactivations, events)| {
        let mut outcomes = Vec::with_capacity(batch.updates.len());
        for (key, update) in &batch.updates {
            let outcome = upsert_one(accounts, history, deactivations, key, update, &batch.meta)?;
            outcomes.push(outcome);
        }
        if let Some(event) = &batch.event {
            queue_event(events, event)?;
        }
        Ok(outcomes)
    });
    let outcomes = result.map_err(|e| transaction_error(path, "writing accounts", e))?;
    let changed = batch.event.is_some() || outcomes.iter().any(|o| *o != UpsertOutcome::Unchanged);
    Ok(Written { outcomes, changed })
}

/// Writes one account, its history entry and its index entry when it changed.
fn upsert_one(
    accounts: &TransactionalTree,
    history: &TransactionalTree,
    deactivations: &TransactionalTree,
    key: &[u8],
    update: &AccountUpdate,
    meta: &ChangeMeta,
) -> ConflictableTransactionResult<UpsertOutcome, StoreError> {
    let shown = update.account.key().to_string();
    let stored: Option<Account> = match accounts.get(key)? {
        Some(bytes) => Some(abort_on(decode(&bytes, || format!("account {shown}")))?),
        None => None,
    };
    let Some((account, entry)) = plan_write(stored.as_ref(), update, meta) else {
        return Ok(UpsertOutcome::Unchanged);
    };
    let old_index = stored.as_ref().and_then(Account::indexed_deactivation);
    let new_index = account.indexed_deactivation();
    if old_index != new_index {
        if let Some(date) = old_index {
            deactivations.remove(deactivation_key(date, key))?;
        }
        if let Some(date) = new_index {
            deactivations.insert(deactivation_key(date, key), &[][..])?;
        }
    }
    let entry_bytes = abort_on(encode(
        &entry,
        &format!("history entry {} of account {shown}", entry.seq),
    ))?;
    history.insert(history_key(key, entry.seq), entry_bytes)?;
    let account_bytes = abort_on(encode(&account, &format!("account {shown}")))?;
    accounts.insert(key, account_bytes)?;
    Ok(if stored.is_some() {
        UpsertOutcome::Updated
    } else {
        UpsertOutcome::Created
    })
}

/// Queues `event` under a fresh id (increasing: sled's id generator).
fn queue_event(
    events: &TransactionalTree,
    event: &NewEvent,
) -> ConflictableTransactionResult<EmittedEvent, StoreError> {
    let emitted = EmittedEvent::new(events.generate_id()?, event);
    let bytes = abort_on(encode(&emitted, &format!("event {}", emitted.name)))?;
    events.insert(&event_key(emitted.id), bytes)?;
    Ok(emitted)
}

/// Queues one event on its own (the caller flushes).
pub(crate) fn emit(
    trees: &AccountTrees,
    path: &Path,
    event: &NewEvent,
) -> Result<EmittedEvent, StoreError> {
    trees
        .events
        .transaction(|events| queue_event(events, event))
        .map_err(|e| transaction_error(path, "queueing an event", e))
}

/// Removes event `id` from the queue; false when it was not there.
pub(crate) fn ack(trees: &AccountTrees, path: &Path, id: u64) -> Result<bool, StoreError> {
    let removed = trees
        .events
        .remove(event_key(id))
        .map_err(|e| sled_error(path, "acknowledging an event", e))?;
    Ok(removed.is_some())
}

fn abort_on<T>(result: Result<T, StoreError>) -> ConflictableTransactionResult<T, StoreError> {
    result.map_err(ConflictableTransactionError::Abort)
}

fn transaction_error(path: &Path, doing: &str, err: TransactionError<StoreError>) -> StoreError {
    match err {
        TransactionError::Abort(err) => err,
        TransactionError::Storage(err) => sled_error(path, doing, err),
    }
}
