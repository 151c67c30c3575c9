//! The inventory's screens answered by the server (schema 10): a page of
//! summaries and the dashboard's overview are selected, ordered, counted
//! and cut in SQL over the columns each account carries beside its record
//! ([`AccountColumns`]), so a view of 50 accounts fetches 50 rows, not the
//! inventory. The answers are the engine's reference answers
//! (`SummaryPage::cut`, `AccountOverview::of`), which the conformance suite
//! checks against; a filter naming a holder (no screen asks for one) is
//! answered by the reference from the summaries. The list paths
//! (`account_read.rs`) select with the same conditions ([`SELECTED`]).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use garita_engine::account::{
    fold_search, Account, AccountFilter, AccountKey, AccountOverview, AccountStatus,
    AccountSummary, CompanyQuery, FoldedTexts, StatusCount, SummaryPage,
};
use garita_engine::record_codec::{decode, encode};
use garita_engine::StoreError;
use sqlx::{PgConnection, Row};

use crate::errors::db_error;
use crate::store::{InTx, PostgresStore};

/// What an account row holds beside its record, all taken from the account
/// on every write: the deactivation index's date, the summary, the status
/// and the folded texts a search and a company filter compare.
#[derive(Debug)]
pub(crate) struct AccountColumns {
    pub(crate) deactivates_on: Option<NaiveDate>,
    pub(crate) summary: Vec<u8>,
    pub(crate) status: &'static str,
    pub(crate) folded: FoldedTexts,
}

impl AccountColumns {
    /// The columns of `account`, named `shown` in an error.
    pub(crate) fn of_account(account: &Account, shown: &str) -> Result<Self, StoreError> {
        Self::of_summary(&AccountSummary::from(account), shown)
    }

    fn of_summary(summary: &AccountSummary, shown: &str) -> Result<Self, StoreError> {
        Ok(Self {
            deactivates_on: summary.indexed_deactivation(),
            summary: encode(summary, &format!("the summary of account {shown}"))?,
            status: summary.status.as_str(),
            folded: FoldedTexts::from(summary),
        })
    }
}

/// The columns of many accounts, one array per column, for `UNNEST`.
#[derive(Debug, Default)]
pub(crate) struct ColumnArrays {
    pub(crate) summary: Vec<Vec<u8>>,
    pub(crate) status: Vec<String>,
    pub(crate) key: Vec<String>,
    pub(crate) holder_name: Vec<String>,
    pub(crate) holder_email: Vec<String>,
    pub(crate) employee_id: Vec<String>,
    pub(crate) legal_name: Vec<String>,
    pub(crate) tax_id: Vec<String>,
}

impl ColumnArrays {
    pub(crate) fn push(&mut self, columns: AccountColumns) {
        let f = columns.folded;
        self.summary.push(columns.summary);
        self.status.push(columns.status.to_owned());
        self.key.push(f.key);
        self.holder_name.push(f.holder_name);
        self.holder_email.push(f.holder_email);
        self.employee_id.push(f.employee_id);
        self.legal_name.push(f.legal_name);
        self.tax_id.push(f.tax_id);
    }
}

/// Accounts a migration fills per statement.
const FILL_CHUNK: i64 = 1_000;

/// Inside migration 10's transaction: fills the new columns of every
/// account (and the summary of one written before schema 9) from its
/// summary, then makes them required. Returns how many accounts it filled.
pub(crate) fn fill_columns<'a>(conn: &'a mut PgConnection, url: &'a str) -> InTx<'a, u64> {
    Box::pin(async move {
        let doing = "filling the accounts' screen columns (schema 10)";
        let mut filled = 0;
        loop {
            let rows = sqlx::query(
                "SELECT portal, identifier, COALESCE(summary, record) FROM accounts
                 WHERE status IS NULL ORDER BY portal, identifier LIMIT $1",
            )
            .bind(FILL_CHUNK)
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| db_error(url, doing, e))?;
            if rows.is_empty() {
                break;
            }
            let (mut portals, mut identifiers) = (Vec::new(), Vec::new());
            let mut arrays = ColumnArrays::default();
            for row in &rows {
                let portal: String = row.try_get(0).map_err(|e| db_error(url, doing, e))?;
                let identifier: String = row.try_get(1).map_err(|e| db_error(url, doing, e))?;
                let bytes: Vec<u8> = row.try_get(2).map_err(|e| db_error(url, doing, e))?;
                let shown = format!("{portal}:{identifier}");
                let summary: AccountSummary = decode(&bytes, || format!("account {shown}"))?;
                arrays.push(AccountColumns::of_summary(&summary, &shown)?);
                portals.push(portal);
                identifiers.push(identifier);
            }
            sqlx::query(
                "UPDATE accounts AS a SET summary = COALESCE(a.summary, v.summary),
                     status = v.status, fold_key = v.fold_key,
                     fold_holder_name = v.fold_holder_name,
                     fold_holder_email = v.fold_holder_email,
                     fold_employee_id = v.fold_employee_id,
                     fold_legal_name = v.fold_legal_name, fold_tax_id = v.fold_tax_id
                 FROM UNNEST($1::text[], $2::text[], $3::bytea[], $4::text[], $5::text[],
                             $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
                     AS v(portal, identifier, summary, status, fold_key, fold_holder_name,
                          fold_holder_email, fold_employee_id, fold_legal_name, fold_tax_id)
                 WHERE a.portal = v.portal AND a.identifier = v.identifier",
            )
            .bind(&portals)
            .bind(&identifiers)
            .bind(&arrays.summary)
            .bind(&arrays.status)
            .bind(&arrays.key)
            .bind(&arrays.holder_name)
            .bind(&arrays.holder_email)
            .bind(&arrays.employee_id)
            .bind(&arrays.legal_name)
            .bind(&arrays.tax_id)
            .execute(&mut *conn)
            .await
            .map_err(|e| db_error(url, doing, e))?;
            filled += rows.len() as u64;
        }
        sqlx::query(
            "ALTER TABLE accounts ALTER COLUMN summary SET NOT NULL,
                 ALTER COLUMN status SET NOT NULL, ALTER COLUMN fold_key SET NOT NULL,
                 ALTER COLUMN fold_holder_name SET NOT NULL,
                 ALTER COLUMN fold_holder_email SET NOT NULL,
                 ALTER COLUMN fold_employee_id SET NOT NULL,
                 ALTER COLUMN fold_legal_name SET NOT NULL,
                 ALTER COLUMN fold_tax_id SET NOT NULL",
        )
        .execute(&mut *conn)
        .await
        .map_err(|e| db_error(url, doing, e))?;
        Ok(filled)
    })
}

/// The rows a filter and a search select: `$1` portal, `$2` statuses
/// (empty: all), `$3`/`$4` a company's folded name and tax id, `$5..=$6`
/// the deactivation window, `$7` the folded search; NULL where not asked.
pub(crate) const SELECTED: &str = "($1::text IS NULL OR portal = $1)
     AND (cardinality($2::text[]) = 0 OR status = ANY($2))
     AND ($3::text IS NULL OR strpos(fold_legal_name, $3) > 0 OR fold_tax_id = $4)
     AND ($5::date IS NULL OR deactivates_on BETWEEN $5 AND $6)
     AND ($7::text IS NULL OR strpos(fold_key, $7) > 0 OR strpos(fold_holder_name, $7) > 0
          OR strpos(fold_holder_email, $7) > 0 OR strpos(fold_employee_id, $7) > 0)";

/// A filter and a search as [`SELECTED`]'s parameters.
pub(crate) struct Selection {
    portal: Option<String>,
    statuses: Vec<&'static str>,
    company: Option<CompanyQuery>,
    window: (Option<NaiveDate>, Option<NaiveDate>),
    search: Option<String>,
}

impl Selection {
    pub(crate) fn of(filter: &AccountFilter, search: Option<&str>) -> Self {
        Self {
            portal: filter.portal.as_deref().map(AccountKey::normalise_portal),
            statuses: filter.statuses.iter().map(|s| s.as_str()).collect(),
            company: filter.company.as_deref().map(CompanyQuery::of),
            window: filter.deactivating_between.unzip(),
            search: fold_search(search),
        }
    }

    pub(crate) fn bind<'q>(
        &'q self,
        query: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
        query
            .bind(&self.portal)
            .bind(&self.statuses)
            .bind(self.company.as_ref().map(|c| c.name.as_str()))
            .bind(self.company.as_ref().and_then(|c| c.tax_id.as_deref()))
            .bind(self.window.0)
            .bind(self.window.1)
            .bind(&self.search)
    }
}

fn db_count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl PostgresStore {
    /// As `AccountStore::account_summary_page`: how many are selected,
    /// then the page, both in SQL.
    pub(crate) async fn read_summary_page(
        &self,
        filter: &AccountFilter,
        search: Option<&str>,
        offset: usize,
        limit: usize,
    ) -> Result<SummaryPage, StoreError> {
        if filter.holder.is_some() {
            let summaries = self.read_summaries(filter).await?;
            return Ok(SummaryPage::cut(summaries, search, offset, limit));
        }
        let doing = "reading a page of accounts";
        let selection = Selection::of(filter, search);
        // Counted on its own: a count beside each row (a window) would make
        // the server sort every selected row with its summary, where the
        // page alone reads the screen's order from its index and stops.
        let total = self.count_selected(&selection, doing).await?;
        let total = usize::try_from(total).unwrap_or(usize::MAX);
        if offset >= total || limit == 0 {
            return Ok(SummaryPage {
                total,
                rows: Vec::new(),
            });
        }
        let rows = selection
            .bind(sqlx::query(&format!(
                "SELECT portal, identifier, summary FROM accounts
                 WHERE {SELECTED}
                 ORDER BY deactivates_on NULLS LAST, portal, identifier
                 OFFSET $8 LIMIT $9"
            )))
            .bind(db_count(offset))
            .bind(db_count(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(self.error(doing))?;
        Ok(SummaryPage {
            total,
            rows: self.accounts_of(&rows, doing)?,
        })
    }

    async fn count_selected(&self, selection: &Selection, doing: &str) -> Result<i64, StoreError> {
        selection
            .bind(sqlx::query(&format!(
                "SELECT count(*) FROM accounts WHERE {SELECTED}"
            )))
            .fetch_one(&self.pool)
            .await
            .and_then(|row| row.try_get(0))
            .map_err(self.error(doing))
    }

    /// As `AccountStore::account_overview`: counts and days grouped by the
    /// server, the soonest accounts from the deactivation index.
    pub(crate) async fn read_overview(
        &self,
        from: NaiveDate,
        next: usize,
    ) -> Result<AccountOverview, StoreError> {
        let doing = "reading the accounts' overview";
        let counted = sqlx::query("SELECT portal, status, count(*) FROM accounts GROUP BY 1, 2")
            .fetch_all(&self.pool)
            .await
            .map_err(self.error(doing))?;
        let mut counts = BTreeMap::new();
        for row in &counted {
            let portal: String = row.try_get(0).map_err(self.error(doing))?;
            let status: String = row.try_get(1).map_err(self.error(doing))?;
            let accounts: i64 = row.try_get(2).map_err(self.error(doing))?;
            let status = AccountStatus::parse(&status).ok_or_else(|| StoreError::Corrupt {
                what: format!("the accounts of portal {portal}"),
                detail: format!("their status column holds `{status}`, which is no status"),
            })?;
            counts.insert((portal, status), u64::try_from(accounts).unwrap_or(0));
        }
        let days = sqlx::query(
            "SELECT deactivates_on, count(*) FROM accounts WHERE deactivates_on >= $1
             GROUP BY 1 ORDER BY 1",
        )
        .bind(from)
        .fetch_all(&self.pool)
        .await
        .map_err(self.error(doing))?;
        let deadlines_by_day = days
            .iter()
            .map(|row| {
                let day: NaiveDate = row.try_get(0)?;
                let n: i64 = row.try_get(1)?;
                Ok((day, u64::try_from(n).unwrap_or(0)))
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(self.error(doing))?;
        let soonest = sqlx::query(
            "SELECT portal, identifier, summary FROM accounts WHERE deactivates_on >= $1
             ORDER BY deactivates_on, portal, identifier LIMIT $2",
        )
        .bind(from)
        .bind(db_count(next))
        .fetch_all(&self.pool)
        .await
        .map_err(self.error(doing))?;
        Ok(AccountOverview {
            counts: counts
                .into_iter()
                .map(|((portal, status), accounts)| StatusCount {
                    portal,
                    status,
                    accounts,
                })
                .collect(),
            deadlines_by_day,
            next: self.accounts_of(&soonest, doing)?,
        })
    }
}
