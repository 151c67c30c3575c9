//! The inventory one page at a time, for a screen: the accounts
//! [`super::list`] selects (portal, status, company, deadline window),
//! narrowed by a search over the identifier and the holder, counted, and
//! cut to one page of rows that carry only what a table shows. One read of
//! the store whatever the page, so 10,000 accounts cost one scan, not one
//! read per row.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{list, AccountQuery, AccountView};
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

/// The page `query` asks for.
pub async fn page(session: &Session, query: AccountPageQuery) -> Result<AccountPage, AppError> {
    let views = list(session, query.filter).await?;
    Ok(cut(
        views,
        query.search.as_deref(),
        query.page,
        query.per_page,
    ))
}

fn cut(
    views: Vec<AccountView>,
    search: Option<&str>,
    page: Option<usize>,
    per_page: Option<usize>,
) -> AccountPage {
    let wanted = search.map(str::trim).unwrap_or_default().to_lowercase();
    let mut selected: Vec<AccountView> = views
        .into_iter()
        .filter(|v| wanted.is_empty() || found(v, &wanted))
        .collect();
    // Soonest deadline first: what an officer must look at; then by key.
    selected.sort_by(|a, b| {
        let day = |v: &AccountView| v.account.indexed_deactivation();
        (day(a).is_none(), day(a), &a.key).cmp(&(day(b).is_none(), day(b), &b.key))
    });
    let per_page = per_page.unwrap_or(PAGE_SIZE).clamp(1, MAX_PAGE_SIZE);
    let total = selected.len();
    let pages = total.div_ceil(per_page).max(1);
    let page = page.unwrap_or(1).clamp(1, pages);
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

fn found(view: &AccountView, wanted: &str) -> bool {
    let holder = &view.account.holder;
    [
        Some(view.key.as_str()),
        Some(view.account.identifier.as_str()),
        Some(holder.name.as_str()),
        Some(holder.email.as_str()),
        holder.employee_id.as_deref(),
    ]
    .into_iter()
    .flatten()
    .any(|text| text.to_lowercase().contains(wanted))
}

#[cfg(test)]
mod tests {
    use garita_engine::account::{Account, Company, Holder};

    use super::*;

    fn view(portal: &str, id: &str, name: &str, deactivates: Option<&str>) -> AccountView {
        let holder = Holder {
            name: name.into(),
            email: format!("{id}@example.com"),
            employee_id: None,
            national_id: None,
        };
        let company = Company {
            legal_name: "Corp".into(),
            tax_id: "X".into(),
            ctpat_account_number: None,
        };
        let mut account = Account::new(portal, id, holder, company);
        account.deactivates_on = deactivates.map(|d| d.parse().unwrap());
        AccountView::from(account)
    }

    #[test]
    fn search_sorts_by_deadline_and_pages_are_cut_and_clamped() {
        let views: Vec<AccountView> = (0..7)
            .map(|i| view("anam", &format!("user{i}"), &format!("Persona {i}"), None))
            .chain([view("ctpat", "pronto", "Ana Ruiz", Some("2026-03-20"))])
            .collect();
        let first = cut(views.clone(), None, None, Some(3));
        assert_eq!((first.total, first.pages, first.page), (8, 3, 1));
        assert_eq!(first.rows[0].key, "ctpat:pronto", "soonest deadline first");
        let last = cut(views.clone(), None, Some(99), Some(3));
        assert_eq!((last.page, last.rows.len()), (3, 2));
        let found = cut(views.clone(), Some(" RUIZ "), None, None);
        assert_eq!(found.total, 1);
        assert_eq!(found.rows[0].holder, "Ana Ruiz");
        let none = cut(views, Some("nadie"), Some(0), None);
        assert_eq!((none.total, none.pages, none.page), (0, 1, 1));
    }
}
