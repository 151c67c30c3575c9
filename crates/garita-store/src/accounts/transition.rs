//! Rule transitions on sled: the account write, its history entry, its
//! index entry, the event and the transition's key in one transaction, so a
//! transition is applied completely and exactly once (see
//! `garita_engine::reconcile`).

use std::path::Path;

use garita_engine::account::{
    AppliedTransition, ChangeMeta, TransitionKey, TransitionOutcome, TransitionWrite,
};
use garita_engine::StoreError;
use sled::transaction::ConflictableTransactionError;
use sled::Transactional;

use super::keys::{account_key, transition_key, AccountTrees};
use super::write::{abort_on, queue_event, transaction_error, upsert_one};
use crate::audit::{append_in, store_head, AuditChain, PendingEntry};
use crate::codec::{decode, encode};
use crate::errors::sled_error;

/// Applies `write` (in memory; the caller flushes when it returns Applied).
pub(crate) fn apply(
    trees: &AccountTrees,
    chain: &AuditChain,
    meta_tree: &sled::Tree,
    path: &Path,
    write: &TransitionWrite,
    meta: &ChangeMeta,
) -> Result<TransitionOutcome, StoreError> {
    let key = transition_key(&write.key)?;
    let account = account_key(&write.key.account)?;
    let shown = write.key.to_string();
    let all = (
        &trees.accounts,
        &trees.history,
        &trees.deactivations,
        &trees.events,
        &trees.transitions,
        &chain.tree,
        meta_tree,
    );
    chain.write(|head| {
        let result = all.transaction(
            |(accounts, history, deactivations, events, transitions, audit, meta_tx)| {
                let mut chain = head;
                if transitions.get(&key)?.is_some() {
                    return Ok((TransitionOutcome::AlreadyApplied, chain));
                }
                let revision = match accounts.get(&account)? {
                    Some(bytes) => {
                        let stored: garita_engine::Account =
                            abort_on(decode(&bytes, || format!("account {}", write.key.account)))?;
                        Some(stored.revision)
                    }
                    None => None,
                };
                if revision != Some(write.expected_revision) {
                    return Ok((TransitionOutcome::Stale, chain));
                }
                let (_, recorded) = upsert_one(
                    accounts,
                    history,
                    deactivations,
                    &account,
                    &write.update,
                    meta,
                )?;
                if let Some(record) = recorded {
                    append_in(audit, &mut chain, &PendingEntry::new(record))?;
                }
                let event_id = match &write.event {
                    Some(event) => Some(queue_event(events, audit, &mut chain, event)?.id),
                    None => None,
                };
                let applied = AppliedTransition {
                    key: write.key.clone(),
                    applied_at: meta.at,
                    event_id,
                };
                let bytes = abort_on(encode(&applied, &format!("transition {shown}")))?;
                transitions.insert(key.as_slice(), bytes)?;
                if chain != head {
                    store_head(meta_tx, &chain)?;
                }
                Ok::<_, ConflictableTransactionError<StoreError>>((
                    TransitionOutcome::Applied,
                    chain,
                ))
            },
        );
        result.map_err(|e| transaction_error(path, "applying a rule transition", e))
    })
}

/// Whether `key` was applied.
pub(crate) fn applied(
    trees: &AccountTrees,
    path: &Path,
    key: &TransitionKey,
) -> Result<bool, StoreError> {
    let key = transition_key(key)?;
    trees
        .transitions
        .contains_key(key)
        .map_err(|e| sled_error(path, "reading rule transitions", e))
}
