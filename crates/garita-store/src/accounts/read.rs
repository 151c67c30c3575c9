//! The account read path. Listing scans the accounts (of one portal when the
//! filter names it), summaries scan their compact rows the same way; deactivation questions read only the index entries in
//! the asked range; history reads only the account's own entries.

use std::ops::Bound;
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
use super::row::decode_row;
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

/// Up to `limit` accounts matching `filter` after `after`, in key order
/// (the deactivation window tested on each account, not read from the
/// index): one range read from the cursor.
pub(crate) fn list_page(
    trees: &AccountTrees,
    path: &Path,
    filter: &AccountFilter,
    after: Option<&AccountKey>,
    limit: usize,
) -> Result<Vec<Account>, StoreError> {
    let prefix = filter
        .portal
        .as_deref()
        .map(portal_prefix)
        .unwrap_or_default();
    let start = match after.map(account_key) {
        None => Bound::Included(prefix.clone()),
        // A cursor no account could have (a NUL byte): nothing after it.
        Some(Err(_)) => return Ok(Vec::new()),
        // A cursor before the portal's accounts starts at its first one.
        Some(Ok(key)) if key < prefix => Bound::Included(prefix.clone()),
        Some(Ok(key)) => Bound::Excluded(key),
    };
    let mut out = Vec::new();
    if limit == 0 {
        return Ok(out);
    }
    for entry in trees.accounts.range((start, Bound::Unbounded)) {
        let (key, value) = entry.map_err(|e| sled_error(path, "listing accounts", e))?;
        if !key.starts_with(&prefix) {
            // Past the portal's accounts (or a cursor past them).
            break;
        }
        let account: Account = decode(&value, || format!("account {}", shown(&key)))?;
        if filter.matches(&account) {
            out.push(account);
            if out.len() == limit {
                break;
            }
        }
    }
    Ok(out)
}

/// The summaries of what [`list`] returns, in its order, read from the
/// accounts' compact rows (`row.rs`), never from their records.
pub(crate) fn summaries(
    trees: &AccountTrees,
    path: &Path,
    filter: &AccountFilter,
) -> Result<Vec<AccountSummary>, StoreError> {
    let row_of = |key: &[u8], value: &[u8]| {
        decode_row(value, || format!("the row of account {}", shown(key)))
    };
    let mut out = Vec::new();
    if let Some((from, to)) = filter.deactivating_between {
        for account_key in deactivation_keys(trees, path, from, to)? {
            // The index and the rows change in one transaction, so a
            // missing row means damage, not a race.
            let value = trees
                .rows
                .get(&account_key)
                .map_err(|e| sled_error(path, "reading an account row", e))?
                .ok_or_else(|| StoreError::Corrupt {
                    what: format!("the deactivation index entry of {}", shown(&account_key)),
                    detail: "it names an account without a row".into(),
                })?;
            let summary = row_of(&account_key, &value)?;
            if filter.matches_summary(&summary) {
                out.push(summary);
            }
        }
        return Ok(out);
    }
    let scan = match &filter.portal {
        Some(portal) => trees.rows.scan_prefix(portal_prefix(portal)),
        None => trees.rows.iter(),
    };
    for entry in scan {
        let (key, value) = entry.map_err(|e| sled_error(path, "listing account rows", e))?;
        let summary = row_of(&key, &value)?;
        if filter.matches_summary(&summary) {
            out.push(summary);
        }
    }
    Ok(out)
}

/// `portal 0x00`: every account key of the portal starts with it.
fn portal_prefix(portal: &str) -> Vec<u8> {
    let mut prefix = AccountKey::normalise_portal(portal).into_bytes();
    prefix.push(SEPARATOR);
    prefix
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
        Some(portal) => trees.accounts.scan_prefix(portal_prefix(portal)),
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
    let mut out = Vec::new();
    for account_key in deactivation_keys(trees, path, from, to)? {
        // The index and the accounts change in one transaction, so a
        // missing account means damage, not a race.
        let account =
            read_account(trees, path, &account_key)?.ok_or_else(|| StoreError::Corrupt {
                what: format!("the deactivation index entry of {}", shown(&account_key)),
                detail: "it names an account that does not exist".into(),
            })?;
        out.push(account);
    }
    Ok(out)
}

/// The keys of the accounts under the index dates `from..=to`, earliest
/// first.
fn deactivation_keys(
    trees: &AccountTrees,
    path: &Path,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Vec<u8>>, StoreError> {
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
        out.push(account_key.to_vec());
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
