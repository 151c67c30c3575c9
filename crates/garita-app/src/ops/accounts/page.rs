//! The inventory one page at a time, for a screen: the accounts
//! [`super::list`] selects (portal, status, company, deadline window),
//! narrowed by a search over the identifier and the holder, counted, and
//! cut to one page of rows that carry only what a table shows. The store
//! does the selecting, searching, sorting and cutting in one pass over its
//! compact rows and builds [`AccountSummary`]s for the page alone: decoding
//! whole accounts was most of a page's time at 10,000 accounts, and
//! building a summary of each left the daemon's memory tens of MiB larger
//! after a few hundred requests.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use garita_engine::account::AccountSummary;

use super::list::store_filter;
use super::{AccountQuery, AccountView};
use crate::ops::Session;
use crate::AppError;

/// Rows per page when the request does not say.
pub const PAGE_SIZE: usize = 50;

/// Largest page a request may ask for.
pub const MAX_PAGE_SIZE: usize = 500;

/// Which accounts, and which page of them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountPageQuery {
    /// Portal, status, company and deadline window, as for a list.
    pub filter: AccountQuery,
    /// Text in the identifier, the holder's name or email, or the
    /// employee id (case-insensitive).
    pub search: Option<String>,
    /// From 1 (the default); a page past the end shows the last one.
    pub page: Option<usize>,
    /// Rows per page ([`PAGE_SIZE`] by default, at most [`MAX_PAGE_SIZE`]).
    pub per_page: Option<usize>,
}

/// One account as a table row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AccountRow {
    /// `PORTAL:IDENTIFIER`.
    pub key: String,
    /// Portal.
    pub portal: String,
    /// The identifier as written.
    pub identifier: String,
    /// Holder's name.
    pub holder: String,
    /// Holder's email.
    pub holder_email: String,
    /// Company's legal name.
    pub company: String,
    /// Status (`active`, `at_risk`, ...).
    pub status: String,
    /// Last known sign-in.
    pub last_sign_in: Option<NaiveDate>,
    /// CTPAT: the day the portal deactivates it.
    pub deactivates_on: Option<NaiveDate>,
    /// Days from today to that day.
    pub deactivates_in_days: Option<i64>,
}

impl From<AccountView> for AccountRow {
    fn from(view: AccountView) -> Self {
        let account = view.account;
        Self {
            key: view.key,
            status: account.status.as_str().to_owned(),
            deactivates_on: account.indexed_deactivation(),
            portal: account.portal,
            identifier: account.identifier,
            holder: account.holder.name,
            holder_email: account.holder.email,
            company: account.company.legal_name,
            last_sign_in: account.last_sign_in,
            deactivates_in_days: view.deactivates_in_days,
        }
    }
}

/// One page of the selected accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AccountPage {
    /// Accounts the query selects, in all.
    pub total: usize,
    /// This page, from 1.
    pub page: usize,
    /// Pages in all (at least 1).
    pub pages: usize,
    /// Rows per page.
    pub per_page: usize,
    /// This page's accounts: soonest deactivation first, then by key.
    pub rows: Vec<AccountRow>,
}

impl AccountRow {
    fn of(key: String, summary: AccountSummary, today: NaiveDate) -> Self {
        let deactivates_on = summary.indexed_deactivation();
        Self {
            key,
            status: summary.status.as_str().to_owned(),
            deactivates_in_days: deactivates_on.map(|d| (d - today).num_days()),
            deactivates_on,
            portal: summary.portal,
            identifier: summary.identifier,
            holder: summary.holder.name,
            holder_email: summary.holder.email,
            company: summary.company.legal_name,
            last_sign_in: summary.last_sign_in,
        }
    }
}

/// The page `query` asks for. The store selects, searches, sorts and cuts
/// ([`garita_engine::account::AccountStore::account_summary_page`]), so a
/// request builds the rows of one page, not a summary of every account.
pub async fn page(session: &Session, query: AccountPageQuery) -> Result<AccountPage, AppError> {
    let (filter, today) = store_filter(session, query.filter)?;
    let accounts = &session.backend.accounts;
    let search = query.search.as_deref();
    let per_page = query.per_page.unwrap_or(PAGE_SIZE).clamp(1, MAX_PAGE_SIZE);
    let mut page = query.page.unwrap_or(1).max(1);
    let mut found = accounts
        .account_summary_page(&filter, search, (page - 1) * per_page, per_page)
        .await?;
    let pages = found.total.div_ceil(per_page).max(1);
    if page > pages {
        // Past the end: the last page (read again; a page is cheap).
        page = pages;
        found = accounts
            .account_summary_page(&filter, search, (page - 1) * per_page, per_page)
            .await?;
    }
    let total = found.total;
    let pages = total.div_ceil(per_page).max(1);
    Ok(AccountPage {
        total,
        page: page.min(pages),
        pages,
        per_page,
        rows: found
            .rows
            .into_iter()
            .map(|summary| AccountRow::of(summary.key().to_string(), summary, today))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{DateTime, Utc};
    use garita_engine::account::conformance::varied_inventory;
    use garita_engine::account::{AccountUpdate, ChangeMeta};

    use super::super::list;
    use super::*;
    use crate::{App, AppOptions};

    /// The page as it was computed before summaries: every account read
    /// whole through [`list`], searched, sorted and cut the same way.
    async fn page_from_whole_accounts(session: &Session, query: AccountPageQuery) -> AccountPage {
        let views = list(session, query.filter).await.unwrap();
        let wanted = query
            .search
            .as_deref()
            .map(str::trim)
            .unwrap_or_default()
            .to_lowercase();
        let mut selected: Vec<AccountView> = views
            .into_iter()
            .filter(|v| {
                let holder = &v.account.holder;
                wanted.is_empty()
                    || [
                        Some(v.key.as_str()),
                        Some(v.account.identifier.as_str()),
                        Some(holder.name.as_str()),
                        Some(holder.email.as_str()),
                        holder.employee_id.as_deref(),
                    ]
                    .into_iter()
                    .flatten()
                    .any(|text| text.to_lowercase().contains(&wanted))
            })
            .collect();
        selected.sort_by(|a, b| {
            let day = |v: &AccountView| v.account.indexed_deactivation();
            (day(a).is_none(), day(a), &a.key).cmp(&(day(b).is_none(), day(b), &b.key))
        });
        let per_page = query.per_page.unwrap_or(PAGE_SIZE).clamp(1, MAX_PAGE_SIZE);
        let total = selected.len();
        let pages = total.div_ceil(per_page).max(1);
        let page = query.page.unwrap_or(1).clamp(1, pages);
        let rows = selected
            .into_iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .map(AccountRow::from)
            .collect();
        AccountPage {
            total,
            page,
            pages,
            per_page,
            rows,
        }
    }

    #[tokio::test]
    async fn pages_from_summaries_are_the_pages_of_whole_accounts() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("garita.toml");
        std::fs::write(&config, "").unwrap();
        let app = App::new(AppOptions {
            config: Some(config),
            store: Some(dir.path().join("store")),
            now: Some("2026-04-10T12:00:00Z".into()),
        })
        .unwrap();
        let session = Session::open(Arc::new(app)).unwrap();
        let updates: Vec<AccountUpdate> = varied_inventory()
            .into_iter()
            .map(|account| AccountUpdate {
                account,
                reason: "import".into(),
                expected_revision: None,
            })
            .collect();
        let meta = ChangeMeta {
            by: "test".into(),
            at: DateTime::<Utc>::from_timestamp(1_775_000_000, 0).unwrap(),
        };
        session
            .backend
            .accounts
            .upsert_accounts(&updates, &meta, None)
            .await
            .unwrap();
        let filter = |portal: Option<&str>, status: Option<&str>, company: Option<&str>, within| {
            AccountQuery {
                portal: portal.map(Into::into),
                status: status.map(Into::into),
                company: company.map(Into::into),
                deactivates_within: within,
            }
        };
        let filters = [
            filter(None, None, None, None),
            filter(Some("ctpat"), None, None, None),
            filter(None, Some("at-risk"), None, None),
            filter(None, None, Some("andina"), None),
            filter(Some("anam"), None, Some("0992147350001"), None),
            filter(None, None, None, Some(14)),
            filter(Some("ctpat"), Some("active"), None, Some(30)),
        ];
        let searches = [
            None,
            Some("persona 1"),
            Some(" E-4"),
            Some("ctpat:usuario0"),
        ];
        let mut compared = 0;
        let mut rows_seen = 0;
        for filter in &filters {
            for search in searches {
                for (page, per_page) in [(None, None), (Some(2), Some(7)), (Some(99), Some(4))] {
                    let query = AccountPageQuery {
                        filter: filter.clone(),
                        search: search.map(Into::into),
                        page,
                        per_page,
                    };
                    let new = super::page(&session, query.clone()).await.unwrap();
                    let old = page_from_whole_accounts(&session, query.clone()).await;
                    assert_eq!(new, old, "{query:?}");
                    compared += 1;
                    rows_seen += new.rows.len();
                }
            }
        }
        assert_eq!(compared, filters.len() * searches.len() * 3);
        assert!(rows_seen > 100, "the queries select accounts: {rows_seen}");
    }
}
