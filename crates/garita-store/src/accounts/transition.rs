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
use super::write::{abort_on, queue_event, transaction_error, upsert_one, AccountTx};
use crate::audit::{append_in, store_head, AuditChain, PendingEntry};
use crate::codec::{decode, encode};
use crate::errors::sled_error;

/// A write with its keys checked, ready to apply.
struct Prepared<'a> {
    write: &'a TransitionWrite,
    key: Vec<u8>,
    account: Vec<u8>,
}

/// Applies `writes` in one transaction (in memory; the caller flushes when
/// any was applied).
pub(crate) fn apply(
    trees: &AccountTrees,
    chain: &AuditChain,
    meta_tree: &sled::Tree,
    path: &Path,
    writes: &[TransitionWrite],
    meta: &ChangeMeta,
) -> Result<Vec<TransitionOutcome>, StoreError> {
    let prepared = writes
        .iter()
        .map(|write| {
            Ok(Prepared {
                write,
                key: transition_key(&write.key)?,
                account: account_key(&write.key.account)?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let all = (
        &trees.accounts,
        &trees.history,
        &trees.deactivations,
        &trees.rows,
        &trees.events,
        &trees.transitions,
        &chain.tree,
        meta_tree,
    );
    chain.write(|head, time| {
        let result = all.transaction(
            |(accounts, history, deactivations, rows, events, transitions, audit, meta_tx)| {
                let tx = AccountTx {
                    accounts,
                    history,
                    deactivations,
                    rows,
                };
                // sled may run the closure again on a conflict: start afresh.
                let mut chain = head;
                let mut outcomes = Vec::with_capacity(prepared.len());
                for one in &prepared {
                    let write = one.write;
                    if transitions.get(&one.key)?.is_some() {
                        outcomes.push(TransitionOutcome::AlreadyApplied);
                        continue;
                    }
                    let revision = match accounts.get(&one.account)? {
                        Some(bytes) => {
                            let stored: garita_engine::Account = abort_on(decode(&bytes, || {
                                format!("account {}", write.key.account)
                            }))?;
                            Some(stored.revision)
                        }
                        None => None,
                    };
                    if revision != Some(write.expected_revision) {
                        outcomes.push(TransitionOutcome::Stale);
                        continue;
                    }
                    let (_, recorded) = upsert_one(&tx, &one.account, &write.update, meta, time)?;
                    if let Some(record) = recorded {
                        append_in(audit, &mut chain, &PendingEntry::new(record), time)?;
                    }
                    let event_id = match &write.event {
                        Some(event) => {
                            Some(queue_event(events, audit, &mut chain, event, time)?.id)
                        }
                        None => None,
                    };
                    let applied = AppliedTransition {
                        key: write.key.clone(),
                        applied_at: meta.at,
                        event_id,
                    };
                    let bytes = abort_on(encode(&applied, &format!("transition {}", write.key)))?;
                    transitions.insert(one.key.as_slice(), bytes)?;
                    outcomes.push(TransitionOutcome::Applied);
                }
                if chain != head {
                    store_head(meta_tx, &chain)?;
                }
                Ok::<_, ConflictableTransactionError<StoreError>>((outcomes, chain))
            },
        );
        result.map_err(|e| transaction_error(path, "applying rule transitions", e))
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
