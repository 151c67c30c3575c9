//! Account history: how a write is turned into the field-by-field record of
//! what changed, by whom, when and why. Both stores call [`plan_write`] inside
//! their commit, so they record exactly the same history.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Account;
use crate::StoreError;

/// One field's change. Values are shown as text; `None` is "no value".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FieldChange {
    /// Dotted field name: `status`, `holder.email`, `attributes.site`, ...
    pub field: String,
    /// Value before (None: unset, or the account was new).
    pub old: Option<String>,
    /// Value after (None: cleared).
    pub new: Option<String>,
}

/// One write that changed an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HistoryEntry {
    /// Position in the account's history, from 1.
    pub seq: u64,
    /// When, by the business clock (`--now` pins it).
    pub at: DateTime<Utc>,
    /// The system time (UTC) when the entry was written, whatever `--now`
    /// says: the store sets it. `None` in entries written before Garita
    /// recorded it (and in the in-memory store, which keeps no evidence).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_at: Option<DateTime<Utc>>,
    /// The pinned business clock's instant when the entry was written with
    /// `--now`/`GARITA_NOW`; `None` when the business clock was not pinned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned_at: Option<DateTime<Utc>>,
    /// Who (a person's email or login, or `garita` for automatic changes).
    pub by: String,
    /// Why: `created`, `imported from accounts.csv line 12`, `offboarded`, ...
    pub reason: String,
    /// What changed.
    pub changes: Vec<FieldChange>,
}

/// Who makes a batch of writes, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeMeta {
    /// Who.
    pub by: String,
    /// When (the engine's clock, so `--now` pins it).
    pub at: DateTime<Utc>,
}

/// The desired state of one account, and why it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountUpdate {
    /// The whole account as it should be (its bookkeeping fields are ignored).
    pub account: Account,
    /// The reason recorded in the history entry.
    pub reason: String,
    /// The revision of the account the writer read and changed (0: it read
    /// none). The store refuses the write with [`StoreError::Conflict`] when
    /// the stored account is at another revision, so two commands changing
    /// the same account never overwrite each other's change silently.
    /// `None` writes whatever is stored: only for tests and for writers whose
    /// whole account comes from elsewhere.
    pub expected_revision: Option<u64>,
}

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UpsertOutcome {
    /// The account was new.
    Created,
    /// Some fields changed; a history entry was recorded.
    Updated,
    /// Nothing differed; nothing was written.
    Unchanged,
}

/// The revision a write expects, read from what the writer read (0: none).
pub fn revision_of(read: Option<&Account>) -> u64 {
    read.map_or(0, |a| a.revision)
}

/// The conflict a write of `update` over `stored` meets, if any: the store
/// calls it, under its write lock or in its transaction, before writing.
pub fn revision_conflict(stored: Option<&Account>, update: &AccountUpdate) -> Option<StoreError> {
    let expected = update.expected_revision?;
    let found = revision_of(stored);
    (found != expected).then(|| StoreError::Conflict {
        what: format!("account {}", update.account.key()),
        expected,
        found,
    })
}

/// What to store for `update` given the `stored` account (if any): `None`
/// when nothing differs, else the account to store (bookkeeping fields set:
/// revision, created and updated instants) and its new history entry.
pub fn plan_write(
    stored: Option<&Account>,
    update: &AccountUpdate,
    meta: &ChangeMeta,
) -> Option<(Account, HistoryEntry)> {
    let changes = changes(stored, &update.account);
    if changes.is_empty() && stored.is_some() {
        return None;
    }
    let mut account = update.account.clone();
    account.revision = stored.map_or(0, |s| s.revision) + 1;
    account.created_at = stored.map_or(meta.at, |s| s.created_at);
    account.updated_at = meta.at;
    let entry = HistoryEntry {
        seq: account.revision,
        at: meta.at,
        // The store that writes the entry dates it (see `RecordingClock`).
        recorded_at: None,
        pinned_at: None,
        by: meta.by.clone(),
        reason: update.reason.clone(),
        changes,
    };
    Some((account, entry))
}

/// The fields that differ between `old` (None: a new account) and `new`,
/// by dotted name; empty when a write of `new` over `old` would change
/// nothing. Bookkeeping fields (revision, instants) never count.
pub fn changes(old: Option<&Account>, new: &Account) -> Vec<FieldChange> {
    let before = old.map(fields).unwrap_or_default();
    let after = fields(new);
    let mut names: Vec<&String> = before.keys().chain(after.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter_map(|name| {
            let (old, new) = (before.get(name), after.get(name));
            (old != new).then(|| FieldChange {
                field: name.clone(),
                old: old.cloned(),
                new: new.cloned(),
            })
        })
        .collect()
}

/// Every recorded field of `account` that has a value, by dotted name.
fn fields(account: &Account) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    let mut put = |name: &str, value: Option<String>| {
        if let Some(value) = value {
            out.insert(name.to_owned(), value);
        }
    };
    put("portal", Some(account.portal.clone()));
    put("identifier", Some(account.identifier.clone()));
    put("holder.name", Some(account.holder.name.clone()));
    put("holder.email", Some(account.holder.email.clone()));
    put("holder.employee_id", account.holder.employee_id.clone());
    put("holder.national_id", account.holder.national_id.clone());
    put(
        "company.legal_name",
        Some(account.company.legal_name.clone()),
    );
    put("company.tax_id", Some(account.company.tax_id.clone()));
    put(
        "company.ctpat_account_number",
        account.company.ctpat_account_number.clone(),
    );
    put("role", account.role.clone());
    put("last_sign_in", account.last_sign_in.map(|d| d.to_string()));
    put("time_zone", account.time_zone.clone());
    put("locale", account.locale.map(|l| l.to_string()));
    put(
        "certificate_expires_on",
        account.certificate_expires_on.map(|d| d.to_string()),
    );
    put(
        "password_changed_on",
        account.password_changed_on.map(|d| d.to_string()),
    );
    put("status", Some(account.status.to_string()));
    put(
        "deactivates_on",
        account.deactivates_on.map(|d| d.to_string()),
    );
    for (name, value) in &account.attributes {
        out.insert(format!("attributes.{name}"), value.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::{AccountStatus, Company, Holder};

    fn meta(day: u32) -> ChangeMeta {
        ChangeMeta {
            by: "oficial@example.com".into(),
            at: chrono::NaiveDate::from_ymd_opt(2026, 3, day)
                .unwrap()
                .and_hms_opt(12, 0, 0)
                .unwrap()
                .and_utc(),
        }
    }

    fn account() -> Account {
        let holder = Holder {
            name: "Ana Pérez".into(),
            email: "ana@example.com".into(),
            employee_id: Some("E-1".into()),
            national_id: None,
        };
        let company = Company {
            legal_name: "Ejemplo S.A.".into(),
            tax_id: "1790011674001".into(),
            ctpat_account_number: None,
        };
        Account::new("ecuapass", "APEREZ", holder, company)
    }

    fn update(account: &Account, reason: &str) -> AccountUpdate {
        AccountUpdate {
            account: account.clone(),
            reason: reason.into(),
            expected_revision: None,
        }
    }

    #[test]
    fn a_new_account_records_every_field_as_set() {
        let (stored, entry) = plan_write(None, &update(&account(), "created"), &meta(1)).unwrap();
        assert_eq!(stored.revision, 1);
        assert_eq!(stored.created_at, meta(1).at);
        assert_eq!(entry.seq, 1);
        assert_eq!(entry.reason, "created");
        assert!(entry.changes.iter().all(|c| c.old.is_none()));
        let status = entry.changes.iter().find(|c| c.field == "status").unwrap();
        assert_eq!(status.new.as_deref(), Some("active"));
    }

    #[test]
    fn entries_written_before_recorded_at_existed_still_read() {
        let old =
            r#"{"seq":1,"at":"2026-03-01T12:00:00Z","by":"x","reason":"created","changes":[]}"#;
        let entry: HistoryEntry = serde_json::from_str(old).unwrap();
        assert_eq!((entry.recorded_at, entry.pinned_at), (None, None));
        // And an entry without them is written as before, byte for byte.
        assert_eq!(serde_json::to_string(&entry).unwrap(), old);
    }

    #[test]
    fn an_unchanged_account_is_not_written() {
        let (stored, _) = plan_write(None, &update(&account(), "created"), &meta(1)).unwrap();
        // The bookkeeping fields of the caller's copy do not count as changes.
        assert!(plan_write(Some(&stored), &update(&account(), "again"), &meta(2)).is_none());
    }

    #[test]
    fn a_change_records_old_and_new_and_keeps_the_creation_instant() {
        let (stored, _) = plan_write(None, &update(&account(), "created"), &meta(1)).unwrap();
        let mut next = account();
        next.status = AccountStatus::Offboarded;
        next.attributes.insert("site".into(), "GYE".into());
        next.holder.employee_id = None;
        let (after, entry) =
            plan_write(Some(&stored), &update(&next, "offboarded"), &meta(2)).unwrap();
        assert_eq!(after.revision, 2);
        assert_eq!(after.created_at, meta(1).at);
        assert_eq!(after.updated_at, meta(2).at);
        assert_eq!(entry.seq, 2);
        assert_eq!(entry.by, "oficial@example.com");
        let changes: Vec<(&str, Option<&str>, Option<&str>)> = entry
            .changes
            .iter()
            .map(|c| (c.field.as_str(), c.old.as_deref(), c.new.as_deref()))
            .collect();
        assert_eq!(
            changes,
            [
                ("attributes.site", None, Some("GYE")),
                ("holder.employee_id", Some("E-1"), None),
                ("status", Some("active"), Some("offboarded")),
            ]
        );
    }
}
