//! The account read path. Listing scans the accounts (of one portal when the
//! filter names it), or their compact rows when it names a company or a
//! holder (only the records that pass are decoded); summaries scan the rows;
//! deactivation questions read only the index entries in the asked range;
//! history reads only the account's own entries.

use std::collections::{BTreeMap, BinaryHeap};
use std::ops::Bound;
use std::path::Path;

use chrono::NaiveDate;
use garita_engine::account::{
    fold_search, matches_search, page_order, Account, AccountFilter, AccountKey, AccountOverview,
    AccountSummary, EmittedEvent, HistoryEntry, StatusCount, SummaryPage,
};
use garita_engine::StoreError;
use serde::de::DeserializeOwned;

use super::keys::{
    account_key, account_of_deactivation_key, date_bytes, history_prefix, AccountTrees,
};
use super::row::{decode_row, RowView};
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
    if let Some((from, to)) = filter.deactivating_between {
        let due = deactivating_between(trees, path, from, to)?;
        return Ok(due.into_iter().filter(|a| filter.matches(a)).collect());
    }
    if filter.company.is_some() || filter.holder.is_some() {
        // One page of everything: `list_page` reads it from the rows.
        return list_page(trees, path, filter, None, usize::MAX);
    }
    let scan = match &filter.portal {
        Some(portal) => trees.accounts.scan_prefix(portal_prefix(portal)),
        None => trees.accounts.iter(),
    };
    let mut out = Vec::new();
    for entry in scan {
        let (key, value) = entry.map_err(|e| sled_error(path, "listing accounts", e))?;
        let account: Account = decode(&value, || format!("account {}", shown(&key)))?;
        if filter.matches(&account) {
            out.push(account);
        }
    }
    Ok(out)
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
    if filter.company.is_some() || filter.holder.is_some() {
        return page_through_rows(trees, path, filter, (start, &prefix), limit);
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

/// [`list_page`] for a filter naming a company or a holder, which picks a
/// few accounts out of many: each account is tested on its compact row and
/// only the records that pass are decoded. The answer is the same, as a row
/// passes exactly when its account does; a run per deactivated user asking
/// for its company's users (`ctpat-reactivation`) decoded every account of
/// the portal instead, and 10,000 such runs read 10,000 accounts each.
fn page_through_rows(
    trees: &AccountTrees,
    path: &Path,
    filter: &AccountFilter,
    (start, prefix): (Bound<Vec<u8>>, &[u8]),
    limit: usize,
) -> Result<Vec<Account>, StoreError> {
    let mut out = Vec::new();
    for entry in trees.rows.range((start, Bound::Unbounded)) {
        let (key, row) = entry.map_err(|e| sled_error(path, "listing account rows", e))?;
        if !key.starts_with(prefix) {
            break;
        }
        let view = RowView::parse(&row, || format!("the row of account {}", shown(&key)))?;
        if !filter.matches_fields(&view.filter_fields()) {
            continue;
        }
        // An account written since its row was read is tested again on
        // its record; one gone since (a restore) is skipped.
        match read_account::<Account>(trees, path, &key)? {
            Some(account) if filter.matches(&account) => {
                out.push(account);
                if out.len() == limit {
                    break;
                }
            }
            _ => {}
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
    let mut out = Vec::new();
    for_each_row(trees, path, filter, |key, value| {
        let summary = decode_row(&value, || format!("the row of account {}", shown(key)))?;
        if filter.matches_summary(&summary) {
            out.push(summary);
        }
        Ok(())
    })?;
    Ok(out)
}

/// A screen's page ([`AccountStore::account_summary_page`]) from the rows:
/// each row read in place, and only the page's rows made into summaries;
/// the rest of the request holds a date and a shared handle on the row's
/// bytes per selected account.
///
/// [`AccountStore::account_summary_page`]: garita_engine::account::AccountStore::account_summary_page
pub(crate) fn summary_page(
    trees: &AccountTrees,
    path: &Path,
    filter: &AccountFilter,
    search: Option<&str>,
    offset: usize,
    limit: usize,
) -> Result<SummaryPage, StoreError> {
    let folded = fold_search(search);
    let mut selected: Vec<((bool, Option<NaiveDate>), usize, sled::IVec)> = Vec::new();
    let mut seq = 0;
    for_each_row(trees, path, filter, |key, value| {
        let view = RowView::parse(&value, || format!("the row of account {}", shown(key)))?;
        let found = folded
            .as_deref()
            .is_none_or(|f| matches_search(view.search_fields(), f));
        if filter.matches_fields(&view.filter_fields()) && found {
            selected.push((page_order(view.indexed_deactivation()), seq, value.clone()));
            seq += 1;
        }
        Ok(())
    })?;
    // (order, seq) is unique, so an unstable sort gives the stable order.
    selected.sort_unstable_by_key(|a| (a.0, a.1));
    let total = selected.len();
    let rows = selected
        .iter()
        .skip(offset)
        .take(limit)
        .map(|(_, _, value)| decode_row(value, || "an account row".into()))
        .collect::<Result<_, _>>()?;
    Ok(SummaryPage { total, rows })
}

/// The dashboard's numbers ([`AccountOverview`]) from one pass over the
/// rows, holding the counts, one number per day and the `next` soonest
/// rows.
pub(crate) fn overview(
    trees: &AccountTrees,
    path: &Path,
    from: NaiveDate,
    next: usize,
) -> Result<AccountOverview, StoreError> {
    let mut counts: Vec<StatusCount> = Vec::new();
    let mut days: BTreeMap<NaiveDate, u64> = BTreeMap::new();
    // The `next` soonest so far, the latest on top.
    let mut soonest: BinaryHeap<(NaiveDate, usize, sled::IVec)> = BinaryHeap::new();
    let mut seq = 0;
    for_each_row(trees, path, &AccountFilter::default(), |key, value| {
        let view = RowView::parse(&value, || format!("the row of account {}", shown(key)))?;
        match counts
            .iter_mut()
            .find(|c| c.portal == view.portal && c.status == view.status)
        {
            Some(count) => count.accounts += 1,
            None => counts.push(StatusCount {
                portal: view.portal.to_owned(),
                status: view.status,
                accounts: 1,
            }),
        }
        if let Some(on) = view.indexed_deactivation().filter(|on| *on >= from) {
            *days.entry(on).or_default() += 1;
            soonest.push((on, seq, value.clone()));
            if soonest.len() > next {
                soonest.pop();
            }
        }
        seq += 1;
        Ok(())
    })?;
    counts.sort_by(|a, b| (&a.portal, a.status).cmp(&(&b.portal, b.status)));
    let next = soonest
        .into_sorted_vec()
        .iter()
        .map(|(_, _, value)| decode_row(value, || "an account row".into()))
        .collect::<Result<_, _>>()?;
    Ok(AccountOverview {
        counts,
        deadlines_by_day: days.into_iter().collect(),
        next,
    })
}

/// Calls `visit` with the key and row of each account `filter` may select,
/// in the order [`summaries`] lists them: the deactivation index's when the
/// filter has a window, the keys' otherwise. The caller applies the filter.
fn for_each_row(
    trees: &AccountTrees,
    path: &Path,
    filter: &AccountFilter,
    mut visit: impl FnMut(&[u8], sled::IVec) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    if let Some((from, to)) = filter.deactivating_between {
        let keys = deactivation_keys(trees, path, from, to)?;
        let rows = in_key_order(&keys, |account_key| {
            trees
                .rows
                .get(account_key)
                .map_err(|e| sled_error(path, "reading an account row", e))?
                .ok_or_else(|| StoreError::Corrupt {
                    what: format!("the deactivation index entry of {}", shown(account_key)),
                    detail: "it names an account without a row".into(),
                })
        })?;
        for (account_key, value) in keys.iter().zip(rows) {
            visit(account_key, value)?;
        }
        return Ok(());
    }
    let scan = match &filter.portal {
        Some(portal) => trees.rows.scan_prefix(portal_prefix(portal)),
        None => trees.rows.iter(),
    };
    for entry in scan {
        let (key, value) = entry.map_err(|e| sled_error(path, "listing account rows", e))?;
        visit(&key, value)?;
    }
    Ok(())
}

/// `portal 0x00`: every account key of the portal starts with it.
fn portal_prefix(portal: &str) -> Vec<u8> {
    let mut prefix = AccountKey::normalise_portal(portal).into_bytes();
    prefix.push(SEPARATOR);
    prefix
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
    let keys = deactivation_keys(trees, path, from, to)?;
    in_key_order(&keys, |account_key| {
        // The index and the accounts change in one transaction, so a
        // missing account means damage, not a race.
        read_account(trees, path, account_key)?.ok_or_else(|| StoreError::Corrupt {
            what: format!("the deactivation index entry of {}", shown(account_key)),
            detail: "it names an account that does not exist".into(),
        })
    })
}

/// `read` of each of `keys`, returned in the order of `keys` but called in
/// the keys' sorted order. The deactivation index lists accounts by date,
/// which scatters them over the accounts' pages; read in that order, a
/// window of thousands of accounts decoded a page for nearly every account
/// once the pages outgrew the cache (57 ms instead of 15 for the console's
/// company + 30-day view at 10,000 accounts). In key order each page is
/// read once, while it is the most recent in the cache.
fn in_key_order<T>(
    keys: &[Vec<u8>],
    mut read: impl FnMut(&[u8]) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_unstable_by(|&a, &b| keys[a].cmp(&keys[b]));
    let mut read_at: Vec<(usize, T)> = Vec::with_capacity(keys.len());
    for at in order {
        read_at.push((at, read(&keys[at])?));
    }
    read_at.sort_unstable_by_key(|(at, _)| *at);
    Ok(read_at.into_iter().map(|(_, value)| value).collect())
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

#[cfg(test)]
mod key_order_tests {
    use super::in_key_order;
    use garita_engine::StoreError;

    #[test]
    fn reads_in_key_order_and_answers_in_the_callers_order() {
        let keys: Vec<Vec<u8>> = [b"m".as_ref(), b"c", b"x", b"a", b"c2"]
            .iter()
            .map(|k| k.to_vec())
            .collect();
        let mut reads = Vec::new();
        let values = in_key_order(&keys, |key| {
            reads.push(key.to_vec());
            Ok::<_, StoreError>(String::from_utf8_lossy(key).to_uppercase())
        })
        .unwrap();
        assert_eq!(values, ["M", "C", "X", "A", "C2"]);
        let read: Vec<&[u8]> = reads.iter().map(Vec::as_slice).collect();
        assert_eq!(read, [b"a".as_ref(), b"c", b"c2", b"m", b"x"]);
    }

    #[test]
    fn the_first_failed_read_is_the_answer() {
        let keys = vec![b"b".to_vec(), b"a".to_vec()];
        let failed = in_key_order(&keys, |key| {
            if key == b"a" {
                Err(StoreError::Corrupt {
                    what: "a".into(),
                    detail: "damaged".into(),
                })
            } else {
                Ok(())
            }
        });
        assert!(matches!(failed, Err(StoreError::Corrupt { .. })));
    }
}
