//! The account inventory: who holds which customs-portal account, for which
//! company, in which state, and every change ever made to it.
//!
//! An [`Account`] is keyed by its portal and its identifier on that portal
//! ([`AccountKey`], both normalised). Writes go through
//! [`AccountStore::upsert_accounts`], which compares the new state with the
//! stored one field by field and keeps the differences as a [`HistoryEntry`]
//! (who, when, why, and each field's old and new value), so an audit can see
//! when a departing employee's access was removed. Writing an unchanged
//! account changes nothing and records nothing.
//!
//! There is no password field anywhere, by design: Garita stores who holds an
//! account and the evidence of what was done, never the secret itself.
//!
//! Validation of identifiers (RUC, RFC, emails, ...) belongs to the
//! connectors and the CLI; this module only defines the model and the store's
//! contract.

pub mod conformance;
mod events;
pub mod facts;
mod filter;
mod history;
mod key;
mod locale;
mod screen;
mod summary;
mod transition;

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::store::StoreError;

pub use events::{EmittedEvent, NewEvent, ACCOUNT_OFFBOARDED};
pub use filter::{fold_legal_name, fold_tax_id, AccountFilter, CompanyQuery, FilterFields};
pub use history::{
    changes, plan_write, revision_conflict, revision_of, AccountUpdate, ChangeMeta, FieldChange,
    HistoryEntry, UpsertOutcome,
};
pub use key::AccountKey;
pub use locale::Locale;
pub use screen::{
    fold_search, holder_needle, matches_search, page_order, AccountOverview, FoldedTexts,
    SearchFields, StatusCount, SummaryPage,
};
pub use summary::{AccountSummary, CompanySummary, HolderSummary};
pub use transition::{AppliedTransition, TransitionKey, TransitionOutcome, TransitionWrite};

/// The portal name of US CBP's CTPAT portal, the one whose accounts have a
/// deactivation date.
pub const CTPAT_PORTAL: &str = "ctpat";

/// Where an account stands.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// In use and in good standing.
    Active,
    /// Still usable, but close to being deactivated or disabled (a CTPAT user
    /// near the inactivity limit, an Ecuapass operator whose January update
    /// is pending).
    AtRisk,
    /// Deactivated by the portal for inactivity (CTPAT): sign-in works but no
    /// action can be taken until the authority reactivates it.
    Deactivated,
    /// Disabled by the authority (an Ecuapass user ID after a missed annual
    /// update, a blocked ANAM user): it cannot be used at all.
    Disabled,
    /// Its holder left the company; the access must be (or was) removed.
    Offboarded,
}

impl AccountStatus {
    /// Every status, in the order they are documented.
    pub const ALL: [AccountStatus; 5] = [
        Self::Active,
        Self::AtRisk,
        Self::Deactivated,
        Self::Disabled,
        Self::Offboarded,
    ];

    /// The snake_case name, as stored, printed and accepted.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::AtRisk => "at_risk",
            Self::Deactivated => "deactivated",
            Self::Disabled => "disabled",
            Self::Offboarded => "offboarded",
        }
    }

    /// Parses a name as [`AccountStatus::as_str`] prints it (case and
    /// surrounding spaces ignored; `at-risk` is accepted for `at_risk`).
    pub fn parse(text: &str) -> Option<Self> {
        let folded = text.trim().to_ascii_lowercase().replace('-', "_");
        Self::ALL.into_iter().find(|s| s.as_str() == folded)
    }

    /// Whether an account in this status is still on its way to a CTPAT
    /// deactivation (an account already deactivated, disabled or offboarded
    /// is not).
    pub fn can_still_deactivate(self) -> bool {
        matches!(self, Self::Active | Self::AtRisk)
    }
}

impl std::fmt::Display for AccountStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The person who holds an account.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Holder {
    /// Full name.
    pub name: String,
    /// Work email: what `garita accounts offboard` finds the person by.
    pub email: String,
    /// Employee id in the company's HR system, when known.
    #[serde(default)]
    pub employee_id: Option<String>,
    /// National identity number as registered on the portal (an Ecuadorian
    /// cédula, a Mexican CURP), when the portal asks for one.
    #[serde(default)]
    pub national_id: Option<String>,
}

/// The company an account acts for.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Company {
    /// Legal name.
    pub legal_name: String,
    /// Tax id: an Ecuadorian RUC, a Mexican RFC, a US IRS/EIN number.
    pub tax_id: String,
    /// The company's CTPAT account number, where it has one.
    #[serde(default)]
    pub ctpat_account_number: Option<String>,
}

/// One account on one portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Account {
    /// Portal name: `ctpat`, `ecuapass`, `anam` or a plugin's name (lower case).
    pub portal: String,
    /// The account's identifier on the portal, as written by people: the
    /// sign-in email for CTPAT, the user ID for Ecuapass, the username for
    /// ANAM. [`Account::key`] normalises it.
    pub identifier: String,
    /// Who holds it.
    pub holder: Holder,
    /// For which company.
    pub company: Company,
    /// The holder's role on the portal (for example `Representante`, `Administrator`).
    #[serde(default)]
    pub role: Option<String>,
    /// Free attributes (cost centre, site, notes ...).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// The last day the holder signed in, when known.
    #[serde(default)]
    pub last_sign_in: Option<NaiveDate>,
    /// The holder's IANA time zone (`America/Tijuana`), when known: where
    /// notices show deadlines. Unset, a workflow uses its own default.
    // Skipped when unset so that records written before the field existed
    // encode to the same bytes (the audit digests cover them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// The language the holder reads, when known; unset, a workflow's own
    /// locale applies. Skipped when unset, as `time_zone`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<Locale>,
    /// The last day the holder's signing certificate is valid, when it has
    /// one: the e.firma that signs for VUCEM and SAT in Mexico, the TOKEN
    /// certificate of an Ecuapass user. The rule `certificate.expiry`
    /// reminds the holder before it. Skipped when unset, as `time_zone`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_expires_on: Option<NaiveDate>,
    /// The day the holder last changed the account's password, as evidence
    /// of a periodic change (never the password itself). The rule
    /// `password.rotation` reminds the holder before the next change falls
    /// due. Skipped when unset, as `time_zone`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_changed_on: Option<NaiveDate>,
    /// Current status; its history is in the account's [`HistoryEntry`]s.
    pub status: AccountStatus,
    /// For CTPAT accounts with a known sign-in: the first day the portal
    /// deactivates the user (computed by the caller from the CTPAT rules;
    /// the store indexes it, see [`AccountStore::accounts_deactivating_between`]).
    #[serde(default)]
    pub deactivates_on: Option<NaiveDate>,
    /// Number of history entries; kept by the store (ignored on write).
    #[serde(default)]
    pub revision: u64,
    /// When the account was first recorded; kept by the store.
    #[serde(default = "epoch")]
    pub created_at: DateTime<Utc>,
    /// When it last changed; kept by the store.
    #[serde(default = "epoch")]
    pub updated_at: DateTime<Utc>,
}

fn epoch() -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH
}

impl Account {
    /// A new active account with the required fields; everything else empty.
    pub fn new(portal: &str, identifier: &str, holder: Holder, company: Company) -> Self {
        Self {
            portal: AccountKey::normalise_portal(portal),
            identifier: identifier.trim().to_owned(),
            holder,
            company,
            role: None,
            attributes: BTreeMap::new(),
            last_sign_in: None,
            time_zone: None,
            locale: None,
            certificate_expires_on: None,
            password_changed_on: None,
            status: AccountStatus::Active,
            deactivates_on: None,
            revision: 0,
            created_at: epoch(),
            updated_at: epoch(),
        }
    }

    /// The account's key: (portal, identifier), normalised.
    pub fn key(&self) -> AccountKey {
        AccountKey::new(&self.portal, &self.identifier)
    }

    /// The date under which the store's deactivation index lists the
    /// account: its `deactivates_on`, for a CTPAT account that can still be
    /// deactivated; `None` for every other account.
    pub fn indexed_deactivation(&self) -> Option<NaiveDate> {
        indexed_deactivation(&self.portal, self.status, self.deactivates_on)
    }
}

/// The date under which an account with these facts is indexed for
/// deactivation: `deactivates_on` for a CTPAT account that can still be
/// deactivated, `None` otherwise. The one rule an account, its summary and
/// a store's row all answer with.
pub fn indexed_deactivation(
    portal: &str,
    status: AccountStatus,
    deactivates_on: Option<NaiveDate>,
) -> Option<NaiveDate> {
    deactivates_on.filter(|_| portal == CTPAT_PORTAL && status.can_still_deactivate())
}

/// Durable storage of the account inventory, its history and the queue of
/// events emitted for the daemon.
///
/// Contract: every write method returns only once what it wrote is durable,
/// and writes each account together with its history entry and its index
/// entries atomically.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Writes each update (see [`plan_write`]: unchanged accounts are left
    /// alone, changed ones get a history entry with `meta` and the update's
    /// reason) and, when given, emits `event` — all in one atomic, durable
    /// commit. Returns one outcome per update, in order.
    ///
    /// An update whose `expected_revision` is not the stored account's
    /// revision ([`revision_conflict`]) fails the whole batch with
    /// [`StoreError::Conflict`], writing nothing.
    async fn upsert_accounts(
        &self,
        updates: &[AccountUpdate],
        meta: &ChangeMeta,
        event: Option<&NewEvent>,
    ) -> Result<Vec<UpsertOutcome>, StoreError>;

    /// One account by key.
    async fn account(&self, key: &AccountKey) -> Result<Option<Account>, StoreError>;

    /// Accounts matching `filter`, by key; with
    /// [`AccountFilter::deactivating_between`] set, by deactivation date
    /// then key, read from the deactivation index.
    async fn list_accounts(&self, filter: &AccountFilter) -> Result<Vec<Account>, StoreError>;

    /// Up to `limit` accounts matching `filter` (every criterion, the
    /// deactivation window included, as [`AccountFilter::matches`]) whose
    /// key comes after `after`, in key order: the inventory a page at a
    /// time, so a pass over every account holds one page in memory, never
    /// the whole inventory. A page shorter than `limit` is the last. This
    /// default reads everything and cuts (correct, not bounded); a store
    /// reads from the cursor.
    async fn list_accounts_page(
        &self,
        filter: &AccountFilter,
        after: Option<&AccountKey>,
        limit: usize,
    ) -> Result<Vec<Account>, StoreError> {
        let by_key = AccountFilter {
            deactivating_between: None,
            ..filter.clone()
        };
        let mut accounts = self.list_accounts(&by_key).await?;
        accounts.sort_by_key(Account::key);
        Ok(accounts
            .into_iter()
            .filter(|a| after.is_none_or(|after| a.key() > *after) && filter.matches(a))
            .take(limit)
            .collect())
    }

    /// The summaries of the accounts [`Self::list_accounts`] returns for
    /// `filter`, in the same order: what a list screen filters, sorts and
    /// counts, without building every account. A store decodes only these
    /// fields of its records; this default builds them from whole accounts
    /// (correct, not fast).
    async fn account_summaries(
        &self,
        filter: &AccountFilter,
    ) -> Result<Vec<AccountSummary>, StoreError> {
        let accounts = self.list_accounts(filter).await?;
        Ok(accounts.iter().map(AccountSummary::from).collect())
    }

    /// The accounts `filter` selects and `search` finds
    /// ([`matches_search`]), in [`page_order`], `limit` of them from
    /// `offset`, with how many there are in all: a screen's page, without
    /// building a summary of every account (a store answers from its rows;
    /// this default cuts [`Self::account_summaries`]).
    async fn account_summary_page(
        &self,
        filter: &AccountFilter,
        search: Option<&str>,
        offset: usize,
        limit: usize,
    ) -> Result<SummaryPage, StoreError> {
        let summaries = self.account_summaries(filter).await?;
        Ok(SummaryPage::cut(summaries, search, offset, limit))
    }

    /// Every account counted per portal and status, the deactivation
    /// deadlines from `from` on per day, and the accounts of the `next`
    /// soonest ([`AccountOverview`]); this default computes it from
    /// [`Self::account_summaries`].
    async fn account_overview(
        &self,
        from: NaiveDate,
        next: usize,
    ) -> Result<AccountOverview, StoreError> {
        let summaries = self.account_summaries(&AccountFilter::default()).await?;
        Ok(AccountOverview::of(&summaries, from, next))
    }

    /// Every history entry of an account, oldest first (empty when unknown).
    async fn account_history(&self, key: &AccountKey) -> Result<Vec<HistoryEntry>, StoreError>;

    /// CTPAT accounts that can still be deactivated and whose deactivation
    /// date is in `from..=to`, earliest first. Costs time in proportion to
    /// the answer, not to the inventory.
    async fn accounts_deactivating_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Account>, StoreError>;

    /// Applies rule transitions exactly once each: a write whose key was
    /// never recorded and whose account is still at `expected_revision`
    /// writes its update (and history entry), queues its event and records
    /// its key. The whole batch is one atomic, durable commit (one flush for
    /// many accounts); a key recorded before, or an account that changed
    /// since the rule read it, writes nothing for that one. One outcome per
    /// write, in order.
    async fn apply_transitions(
        &self,
        writes: &[TransitionWrite],
        meta: &ChangeMeta,
    ) -> Result<Vec<TransitionOutcome>, StoreError>;

    /// Whether `key` was applied (a cheap read, so evaluating the rules
    /// often costs no writes).
    async fn transition_applied(&self, key: &TransitionKey) -> Result<bool, StoreError>;

    /// Queues `event` durably for the daemon; returns it with its id.
    async fn emit_event(&self, event: &NewEvent) -> Result<EmittedEvent, StoreError>;

    /// Up to `limit` queued events, oldest first.
    async fn pending_events(&self, limit: usize) -> Result<Vec<EmittedEvent>, StoreError>;

    /// Removes an event from the queue once handled, durably; false when it
    /// was not queued (already acknowledged).
    async fn ack_event(&self, id: u64) -> Result<bool, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctpat(status: AccountStatus) -> Account {
        let mut account = Account::new(
            "CTPAT",
            " Ana@Example.com ",
            Holder::default(),
            Company::default(),
        );
        account.status = status;
        account.deactivates_on = NaiveDate::from_ymd_opt(2026, 3, 1);
        account
    }

    #[test]
    fn statuses_round_trip_by_name() {
        for status in AccountStatus::ALL {
            assert_eq!(AccountStatus::parse(status.as_str()), Some(status));
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{status}\""));
        }
        assert_eq!(
            AccountStatus::parse(" At-Risk "),
            Some(AccountStatus::AtRisk)
        );
        assert_eq!(AccountStatus::parse("gone"), None);
    }

    #[test]
    fn an_account_without_zone_or_locale_encodes_as_before_they_existed() {
        // Bytes of a record written before `time_zone` and `locale`: they
        // must decode, and encode back to the very same bytes (the audit
        // digests cover them).
        let old = r#"{"portal":"ctpat","identifier":"ana@example.com","holder":{"name":"Ana","email":"ana@example.com","employee_id":null,"national_id":null},"company":{"legal_name":"Acme","tax_id":"12-3456789","ctpat_account_number":null},"role":null,"attributes":{},"last_sign_in":"2026-03-01","status":"active","deactivates_on":"2026-04-16","revision":1,"created_at":"2026-03-01T00:00:00Z","updated_at":"2026-03-01T00:00:00Z"}"#;
        let account: Account = serde_json::from_str(old).unwrap();
        assert_eq!((account.time_zone.as_deref(), account.locale), (None, None));
        assert_eq!(serde_json::to_string(&account).unwrap(), old);
        let mut zoned = account;
        zoned.time_zone = Some("America/Tijuana".into());
        zoned.locale = Some(Locale::Es);
        let json = serde_json::to_value(&zoned).unwrap();
        assert_eq!(json["time_zone"], "America/Tijuana");
        assert_eq!(json["locale"], "es");
    }

    #[test]
    fn an_account_without_certificate_or_password_dates_encodes_as_before_they_existed() {
        let old = r#"{"portal":"ecuapass","identifier":"RZAMBRANO1","holder":{"name":"Rosa","email":"rosa@example.com","employee_id":null,"national_id":null},"company":{"legal_name":"Bananera","tax_id":"0992147350001","ctpat_account_number":null},"role":null,"attributes":{},"last_sign_in":null,"time_zone":"America/Guayaquil","status":"active","deactivates_on":null,"revision":1,"created_at":"2026-03-01T00:00:00Z","updated_at":"2026-03-01T00:00:00Z"}"#;
        let account: Account = serde_json::from_str(old).unwrap();
        assert_eq!(
            (account.certificate_expires_on, account.password_changed_on),
            (None, None)
        );
        assert_eq!(serde_json::to_string(&account).unwrap(), old);
        let mut dated = account;
        dated.certificate_expires_on = NaiveDate::from_ymd_opt(2027, 3, 15);
        dated.password_changed_on = NaiveDate::from_ymd_opt(2026, 2, 1);
        let json = serde_json::to_value(&dated).unwrap();
        assert_eq!(json["certificate_expires_on"], "2027-03-15");
        assert_eq!(json["password_changed_on"], "2026-02-01");
    }

    #[test]
    fn new_accounts_are_normalised_and_active() {
        let account = ctpat(AccountStatus::Active);
        assert_eq!(account.portal, "ctpat");
        assert_eq!(account.identifier, "Ana@Example.com");
        assert_eq!(account.key().to_string(), "ctpat:ana@example.com");
    }

    #[test]
    fn only_live_ctpat_accounts_are_indexed_for_deactivation() {
        assert!(ctpat(AccountStatus::Active)
            .indexed_deactivation()
            .is_some());
        assert!(ctpat(AccountStatus::AtRisk)
            .indexed_deactivation()
            .is_some());
        for status in [
            AccountStatus::Deactivated,
            AccountStatus::Disabled,
            AccountStatus::Offboarded,
        ] {
            assert_eq!(ctpat(status).indexed_deactivation(), None, "{status}");
        }
        let mut other = ctpat(AccountStatus::Active);
        other.portal = "ecuapass".into();
        assert_eq!(other.indexed_deactivation(), None);
    }
}
