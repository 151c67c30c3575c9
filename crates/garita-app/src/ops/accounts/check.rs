//! `garita accounts check`: what the officer should look at in the
//! inventory (`garita_inventory::findings`): accounts that look shared or
//! generic, missing or overdue password-change evidence, expired signing
//! certificates. Advice only: it changes nothing and blocks nothing.

use garita_engine::account::AccountFilter;
use garita_inventory::findings::account_findings;
use serde::{Deserialize, Serialize};

use crate::ops::Session;
use crate::{ctpat_rule, AppError};

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AccountFinding {
    /// `PORTAL:IDENTIFIER`.
    pub account: String,
    /// `generic_identity`, `shared_holder`, `password_change_not_recorded`,
    /// `password_change_overdue` or `certificate_expired`.
    pub kind: String,
    /// What was found and what to do.
    pub message: String,
}

/// What `accounts check` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AccountsChecked {
    /// Accounts looked at (offboarded ones are left out).
    pub checked: usize,
    /// The findings, by account then kind.
    pub findings: Vec<AccountFinding>,
}

/// Checks the whole inventory as of today.
pub async fn check(session: &Session) -> Result<AccountsChecked, AppError> {
    let app = &session.app;
    let settings = app.password_change()?;
    // Advice, not a deadline: the CTPAT calendar's today is close enough
    // for every holder.
    let today = ctpat_rule::from_app(app)?.today(app.clock.now());
    let accounts = session
        .backend
        .accounts
        .list_accounts(&AccountFilter::default())
        .await?;
    let checked = accounts
        .iter()
        .filter(|a| a.status != garita_engine::AccountStatus::Offboarded)
        .count();
    let findings = account_findings(&accounts, today, &settings)
        .into_iter()
        .map(|f| AccountFinding {
            account: f.account,
            kind: f.kind.as_str().to_owned(),
            message: f.message,
        })
        .collect();
    Ok(AccountsChecked { checked, findings })
}
