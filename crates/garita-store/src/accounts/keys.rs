//! Byte layout of the account trees (see `accounts.rs` for the table).

use std::path::Path;

use chrono::{Datelike, NaiveDate};
use garita_engine::account::{AccountKey, TransitionKey};
use garita_engine::StoreError;

use crate::errors::sled_error;
use crate::keys::{check_id, sortable_i64, SEPARATOR};

/// Names of the account trees.
pub(crate) mod tree {
    /// account key → account.
    pub(crate) const ACCOUNTS: &str = "accounts";
    /// account key, 0x00, seq → history entry.
    pub(crate) const HISTORY: &str = "account_history";
    /// deactivation date, account key → nothing.
    pub(crate) const DEACTIVATIONS: &str = "ctpat_deactivations";
    /// event id → emitted event.
    pub(crate) const EVENTS: &str = "emitted_events";
    /// account key, 0x00, transition name, 0x00, effective date → applied transition.
    pub(crate) const TRANSITIONS: &str = "account_transitions";
    /// account key → the account's summary as a compact row (`row.rs`).
    pub(crate) const ROWS: &str = "account_rows";
}

/// Handles on the account trees (cheap shared handles, like [`crate::trees::Trees`]).
#[derive(Debug, Clone)]
pub(crate) struct AccountTrees {
    pub(crate) accounts: sled::Tree,
    pub(crate) history: sled::Tree,
    pub(crate) deactivations: sled::Tree,
    pub(crate) events: sled::Tree,
    pub(crate) transitions: sled::Tree,
    pub(crate) rows: sled::Tree,
}

impl AccountTrees {
    /// Opens (creating when missing) the account trees of `db`, stored at `path`.
    pub(crate) fn open(db: &sled::Db, path: &Path) -> Result<Self, StoreError> {
        let open = |name: &str| {
            db.open_tree(name)
                .map_err(|e| sled_error(path, &format!("opening tree `{name}`"), e))
        };
        Ok(Self {
            accounts: open(tree::ACCOUNTS)?,
            history: open(tree::HISTORY)?,
            deactivations: open(tree::DEACTIVATIONS)?,
            events: open(tree::EVENTS)?,
            transitions: open(tree::TRANSITIONS)?,
            rows: open(tree::ROWS)?,
        })
    }
}

/// `portal 0x00 identifier`, after refusing parts that would break the layout.
pub(crate) fn account_key(key: &AccountKey) -> Result<Vec<u8>, StoreError> {
    check_id(key.portal(), "portal")?;
    check_id(key.identifier(), "account identifier")?;
    let mut bytes = Vec::with_capacity(key.portal().len() + key.identifier().len() + 1);
    bytes.extend_from_slice(key.portal().as_bytes());
    bytes.push(SEPARATOR);
    bytes.extend_from_slice(key.identifier().as_bytes());
    Ok(bytes)
}

/// `account_key 0x00`: every history entry of the account starts with it.
pub(crate) fn history_prefix(account_key: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(account_key.len() + 9);
    bytes.extend_from_slice(account_key);
    bytes.push(SEPARATOR);
    bytes
}

/// `account_key 0x00 seq(u64 BE)`.
pub(crate) fn history_key(account_key: &[u8], seq: u64) -> Vec<u8> {
    let mut bytes = history_prefix(account_key);
    bytes.extend_from_slice(&seq.to_be_bytes());
    bytes
}

/// The 8 bytes that sort dates in calendar order.
pub(crate) fn date_bytes(date: NaiveDate) -> [u8; 8] {
    sortable_i64(i64::from(date.num_days_from_ce()))
}

/// `date(8 bytes) account_key`.
pub(crate) fn deactivation_key(date: NaiveDate, account_key: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(8 + account_key.len());
    bytes.extend_from_slice(&date_bytes(date));
    bytes.extend_from_slice(account_key);
    bytes
}

/// The account key inside a deactivation key.
pub(crate) fn account_of_deactivation_key(key: &[u8]) -> Option<&[u8]> {
    key.get(8..).filter(|rest| !rest.is_empty())
}

/// `account_key 0x00 name 0x00 date(8 bytes)`: one per applied rule
/// transition.
pub(crate) fn transition_key(key: &TransitionKey) -> Result<Vec<u8>, StoreError> {
    check_id(&key.name, "transition name")?;
    let mut bytes = history_prefix(&account_key(&key.account)?);
    bytes.extend_from_slice(key.name.as_bytes());
    bytes.push(SEPARATOR);
    bytes.extend_from_slice(&date_bytes(key.effective_on));
    Ok(bytes)
}

/// An event id as a key.
pub(crate) fn event_key(id: u64) -> [u8; 8] {
    id.to_be_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn deactivation_keys_sort_by_date_then_account() {
        let a = account_key(&AccountKey::new("ctpat", "zz@x.com")).unwrap();
        let b = account_key(&AccountKey::new("ctpat", "aa@x.com")).unwrap();
        assert!(deactivation_key(day(2026, 3, 9), &a) < deactivation_key(day(2026, 3, 10), &b));
        assert!(deactivation_key(day(1999, 12, 31), &a) < deactivation_key(day(2000, 1, 1), &b));
        assert_eq!(
            account_of_deactivation_key(&deactivation_key(day(2026, 3, 9), &a)),
            Some(a.as_slice())
        );
    }

    #[test]
    fn history_prefixes_do_not_cover_longer_identifiers() {
        let short = account_key(&AccountKey::new("anam", "ana")).unwrap();
        let long = account_key(&AccountKey::new("anam", "ana2")).unwrap();
        assert!(history_key(&short, 1).starts_with(&history_prefix(&short)));
        assert!(!history_key(&long, 1).starts_with(&history_prefix(&short)));
        assert!(history_key(&short, 255) < history_key(&short, 256));
    }

    #[test]
    fn transition_keys_separate_accounts_names_and_dates() {
        let key = |id: &str, name: &str, date: NaiveDate| {
            transition_key(&TransitionKey {
                account: AccountKey::new("ctpat", id),
                name: name.into(),
                effective_on: date,
            })
            .unwrap()
        };
        let a = key("ana@x.com", "ctpat.deactivated", day(2026, 3, 20));
        assert_ne!(a, key("ana@x.com", "ctpat.deactivated", day(2026, 3, 21)));
        assert_ne!(
            a,
            key("ana@x.com", "ctpat.relogin_missed", day(2026, 3, 20))
        );
        assert_ne!(a, key("ana@x.co", "ctpat.deactivated", day(2026, 3, 20)));
        assert!(transition_key(&TransitionKey {
            account: AccountKey::new("ctpat", "a"),
            name: "bad\0name".into(),
            effective_on: day(2026, 1, 1),
        })
        .is_err());
    }

    #[test]
    fn nul_bytes_are_refused() {
        assert!(account_key(&AccountKey::new("ctpat", "a\0b")).is_err());
    }
}
