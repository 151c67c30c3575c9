//! The account read path. Listing scans the accounts (of one portal when the
//! filter names it); deactivation questions read only the index entries in
//! the asked range; history reads only the account's own entries.

use std::path::Path;

use chrono::NaiveDate;
use garita_engine::account::{
    Account, AccountFilter, AccountKey, AccountSummary, EmittedEvent, HistoryEntry,
};
use garita_engine::StoreError;
use serde::de::DeserializeOwned;

use super::keys::{
    account_key, account_of_deactivation_key, date_bytes, history_prefix, AccountTrees,
};
use crate::codec::decode;
use crate::errors::sled_error;
use crate::keys::SEPARATOR;

/// One account, or `None` (also for a key that no account could have).
pub(crate) fn account(
    trees: &AccountTrees,
    path: &Path,
    key: &AccountKey,
) -> Result<Option<Account>, StoreError> {
    let Ok(bytes) = account_key(key) else {
        return Ok(None);
    };
    read_account(trees, path, &bytes)
}

fn read_account<T: DeserializeOwned>(
    trees: &AccountTrees,
    path: &Path,
    key: &[u8],
) -> Result<Option<T>, StoreError> {
    let stored = trees
        .accounts
        .get(key)
        .map_err(|e| sled_error(path, "reading an account", e))?;
    stored
        .map(|bytes| decode(&bytes, || format!("account {}", shown(key))))
        .transpose()
}

/// Accounts matching `filter`: by key, or by deactivation date when the
/// filter asks for a date range.
pub(crate) fn list(
    trees: &AccountTrees,
    path: &Path,
    filter: &AccountFilter,
) -> Result<Vec<Account>, StoreError> {
    list_as(trees, path, filter, AccountFilter::matches)
}

/// The summaries of what [`list`] returns, in its order: the same records,
/// decoded only as far as [`AccountSummary`] reads (the rest is skipped).
pub(crate) fn summaries(
    trees: &AccountTrees,
    path: &Path,
    filter: &AccountFilter,
) -> Result<Vec<AccountSummary>, StoreError> {
    list_as(trees, path, filter, AccountFilter::matches_summary)
}

fn list_as<T: DeserializeOwned>(
    trees: &AccountTrees,
    path: &Path,
    filter: &AccountFilter,
    matches: fn(&AccountFilter, &T) -> bool,
) -> Result<Vec<T>, StoreError> {
    if let Some((from, to)) = filter.deactivating_between {
        let due = deactivating_as(trees, path, from, to)?;
        return Ok(due.into_iter().filter(|a| matches(filter, a)).collect());
    }
    let scan = match &filter.portal {
        Some(portal) => {
            let mut prefix = AccountKey::normalise_portal(portal).into_bytes();
            prefix.push(SEPARATOR);
            trees.accounts.scan_prefix(prefix)
        }
        None => trees.accounts.iter(),
    };
    let mut out = Vec::new();
    for entry in scan {
        let (key, value) = entry.map_err(|e| sled_error(path, "listing accounts", e))?;
        let account: T = decode(&value, || format!("account {}", shown(&key)))?;
        if matches(filter, &account) {
            out.push(account);
        }
    }
    Ok(out)
}

/// The history of one account, oldest first.
pub(crate) fn history(
    trees: &AccountTrees,
    path: &Path,
    key: &AccountKey,
) -> Result<Vec<HistoryEntry>, StoreError> {
    let Ok(bytes) = account_key(key) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for entry in trees.history.scan_prefix(history_prefix(&bytes)) {
        let (_, value) = entry.map_err(|e| sled_error(path, "reading account history", e))?;
        out.push(decode(&value, || {
            format!("a history entry of account {key}")
        })?);
    }
    Ok(out)
}

/// Accounts under the index dates `from..=to`, earliest first.
pub(crate) fn deactivating_between(
    trees: &AccountTrees,
    path: &Path,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Account>, StoreError> {
    deactivating_as(trees, path, from, to)
}

fn deactivating_as<T: DeserializeOwned>(
    trees: &AccountTrees,
    path: &Path,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<T>, StoreError> {
    if from > to {
        return Ok(Vec::new());
    }
    let start = date_bytes(from);
    // Exclusive end: the first key of the day after `to`.
    let end = match to.succ_opt() {
        Some(next) => date_bytes(next).to_vec(),
        None => vec![0xff; 9],
    };
    let mut out = Vec::new();
    for entry in trees.deactivations.range(start.to_vec()..end) {
        let (key, _) = entry.map_err(|e| sled_error(path, "reading the deactivation index", e))?;
        let account_key = account_of_deactivation_key(&key).ok_or_else(|| StoreError::Corrupt {
            what: "a ctpat_deactivations key".into(),
            detail: format!(
                "{} bytes, too short to hold a date and an account",
                key.len()
            ),
        })?;
        // The index and the accounts change in one transaction, so a
        // missing account means damage, not a race.
        let account =
            read_account(trees, path, account_key)?.ok_or_else(|| StoreError::Corrupt {
                what: format!("the deactivation index entry of {}", shown(account_key)),
                detail: "it names an account that does not exist".into(),
            })?;
        out.push(account);
    }
    Ok(out)
}

/// Up to `limit` queued events, oldest first.
pub(crate) fn pending_events(
    trees: &AccountTrees,
    path: &Path,
    limit: usize,
) -> Result<Vec<EmittedEvent>, StoreError> {
    let mut out = Vec::new();
    for entry in trees.events.iter().take(limit) {
        let (key, value) = entry.map_err(|e| sled_error(path, "reading emitted events", e))?;
        out.push(decode(&value, || format!("emitted event {key:?}"))?);
    }
    Ok(out)
}

/// `portal:identifier` from a stored key, for messages.
fn shown(key: &[u8]) -> String {
    String::from_utf8_lossy(key).replacen('\0', ":", 1)
}
