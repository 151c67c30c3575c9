//! Listing the inventory, filtered; "deactivates within N days" reads the
//! store's CTPAT deactivation index for the days after today.

use chrono::{Days, NaiveDate};
use garita_engine::account::{AccountFilter, AccountStatus};
use serde::{Deserialize, Serialize};

use super::AccountView;
use crate::ops::Session;
use crate::{ctpat_rule, AppError};

/// Which accounts to list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountQuery {
    /// Only accounts on this portal.
    pub portal: Option<String>,
    /// Only accounts with this status, as the user typed it.
    pub status: Option<String>,
    /// Only companies whose legal name contains this text, or with this tax id.
    pub company: Option<String>,
    /// Only CTPAT accounts the portal deactivates on one of the next N days.
    pub deactivates_within: Option<u32>,
}

/// The accounts the query selects.
pub async fn list(session: &Session, query: AccountQuery) -> Result<Vec<AccountView>, AppError> {
    let (filter, today) = store_filter(session, query)?;
    let accounts = session.backend.accounts.list_accounts(&filter).await?;
    Ok(accounts
        .into_iter()
        .map(|account| {
            let left = account
                .indexed_deactivation()
                .map(|d| (d - today).num_days());
            AccountView {
                deactivates_in_days: left,
                ..AccountView::from(account)
            }
        })
        .collect())
}

/// The store's filter for `query`, and today (by the CTPAT rule's zone),
/// from which the days left are counted.
pub(super) fn store_filter(
    session: &Session,
    query: AccountQuery,
) -> Result<(AccountFilter, NaiveDate), AppError> {
    let statuses = match &query.status {
        None => Vec::new(),
        Some(text) => vec![AccountStatus::parse(text).ok_or_else(|| {
            AppError::Usage(format!(
                "--status `{text}` is not a status; use one of {}",
                AccountStatus::ALL.map(|s| s.as_str()).join(", ")
            ))
        })?],
    };
    let app = &session.app;
    let rule = ctpat_rule::from_app(app)?;
    let today = rule.today(app.clock.now());
    // "Within N days": deactivating on one of the N days after today. An
    // account whose date is today or earlier is already deactivated.
    let deactivating_between = query.deactivates_within.map(|days| {
        let from = today + Days::new(1);
        (from, today + Days::new(u64::from(days)))
    });
    let filter = AccountFilter {
        portal: query.portal,
        statuses,
        company: query.company,
        holder: None,
        deactivating_between,
    };
    Ok((filter, today))
}
