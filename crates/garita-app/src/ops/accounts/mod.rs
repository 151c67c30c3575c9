//! The inventory of customs-portal accounts (docs/accounts.md): listing,
//! adding or changing one, recording a sign-in, offboarding a person,
//! importing and exporting CSV, and an account's history.

mod add;
mod check;
mod detail;
mod export;
mod history;
mod import;
mod list;
mod offboard;
mod page;
mod password_changed;
mod profile_updated;
pub(crate) mod touch;

pub use add::{add, AccountAdded, AccountFields};
pub use check::{check, AccountFinding, AccountsChecked};
pub use detail::{detail, AccountDetail, Evidence};
pub use export::{export, AccountsCsv};
pub use history::{history, AccountHistory};
pub use import::{import, ImportProgress, ImportReport, ImportRequest, LocatedProblem, NoProgress};
pub use list::{list, AccountQuery};
pub use offboard::{offboard, Offboarded};
pub use page::{page, AccountPage, AccountPageQuery, AccountRow, MAX_PAGE_SIZE, PAGE_SIZE};
pub use password_changed::{password_changed, PasswordChangeRecorded};
pub use profile_updated::{profile_updated, ProfileUpdateRecorded};
pub use touch::{touch, SignInRecorded};

// The pure CSV and row checks live in garita-inventory (so they can be fuzzed).
use garita_inventory::{columns, csv_cells, row, validate};

use garita_engine::account::{Account, AccountFilter, AccountKey, AccountStore};
use serde::{Deserialize, Serialize};

use crate::{App, AppError};

/// How many times an operation applies its change again after another
/// command changed the same account between its read and its write (the
/// store refuses such a write: see `StoreError::Conflict`). Each attempt
/// reads afresh; eight covers any realistic burst of concurrent commands.
const WRITE_ATTEMPTS: u32 = 8;

/// Connectors that are not portals: they never hold accounts (`accounts`
/// and `event` are the inventory's own, for workflows).
const NOT_PORTALS: [&str; 4] = ["core", "email", "accounts", "event"];

/// An account as the operations answer it: its key (`PORTAL:IDENTIFIER`)
/// first, then its fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AccountView {
    /// `PORTAL:IDENTIFIER`.
    pub key: String,
    /// The account.
    #[serde(flatten)]
    pub account: Account,
    /// In a list: days from today (in the CTPAT rule's time zone) to the
    /// deactivation date the store indexes (0 or less: passed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deactivates_in_days: Option<i64>,
}

impl From<Account> for AccountView {
    fn from(account: Account) -> Self {
        Self {
            key: account.key().to_string(),
            account,
            deactivates_in_days: None,
        }
    }
}

/// What a row of accounts is checked against, as of now: the portals
/// known, today and the CTPAT rule of the configuration.
struct RowRules {
    portals: Vec<String>,
    rule: crate::ctpat_rule::CtpatRule,
    now: chrono::DateTime<chrono::Utc>,
}

impl RowRules {
    fn of(app: &App) -> Result<Self, AppError> {
        Ok(Self {
            portals: known_portals(app),
            rule: crate::ctpat_rule::from_app(app)?,
            now: app.clock.now(),
        })
    }

    /// The checks' context; `may_reinstate`: whether a row may move an
    /// offboarded account to another status.
    fn context(&self, may_reinstate: bool) -> row::RowContext<'_> {
        row::RowContext {
            portals: &self.portals,
            today: self.rule.today(self.now),
            ctpat: &self.rule,
            may_reinstate,
            fix_leading_zeros: false,
        }
    }
}

/// Portal names an account may have: every loaded connector (the built-in
/// `ctpat`, `ecuapass`, `anam`, and plugins) except the non-portal ones.
fn known_portals(app: &App) -> Vec<String> {
    let mut names: Vec<String> = app
        .manifests()
        .iter()
        .map(|m| m.name.clone())
        .filter(|n| !NOT_PORTALS.contains(&n.as_str()))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The portals an account may have, by name (what a front end offers
/// as a filter).
pub fn portal_names(session: &crate::ops::Session) -> Vec<String> {
    known_portals(&session.app)
}

/// Finds an account given as `PORTAL:IDENTIFIER`, or as a bare identifier
/// that only one portal has.
pub(crate) async fn resolve(store: &dyn AccountStore, given: &str) -> Result<Account, AppError> {
    if let Some(key) = AccountKey::parse(given) {
        if let Some(account) = store.account(&key).await? {
            return Ok(account);
        }
    }
    let wanted = given.trim().to_lowercase();
    let matches: Vec<Account> = store
        .list_accounts(&AccountFilter::default())
        .await?
        .into_iter()
        .filter(|a| a.key().identifier() == wanted)
        .collect();
    match matches.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(AppError::NotFound(format!(
            "no account `{given}` in the inventory; give it as PORTAL:IDENTIFIER, as `garita accounts list` shows it"
        ))),
        many => Err(AppError::Usage(format!(
            "`{given}` is an account on {} portals ({}); give it as PORTAL:IDENTIFIER",
            many.len(),
            many.iter().map(|a| a.key().to_string()).collect::<Vec<_>>().join(", ")
        ))),
    }
}
