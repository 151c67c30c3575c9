//! The account read path. Listing reads, in key order, the accounts the
//! filter's portal, statuses, company and deactivation window select in SQL
//! (schema 10's columns, as the screens do), narrowed to those that may be
//! its holder, and checks each in full (`AccountFilter::matches`) as it
//! decodes it;
//! deactivation questions read only the partial index on `deactivates_on`
//! in the asked range; history reads only the account's own rows.

use chrono::NaiveDate;
use garita_engine::account::{
    holder_needle, Account, AccountFilter, AccountKey, AccountSummary, EmittedEvent, HistoryEntry,
};
use garita_engine::record_codec::decode;
use garita_engine::StoreError;
use serde::de::DeserializeOwned;
use sqlx::Row;

use crate::account_screen::{Selection, SELECTED};
use crate::account_write::{check_key, check_transition};
use crate::store::PostgresStore;

/// Accounts under the deactivation dates `$1..=$2`, earliest first, from
/// index `accounts_deactivating`.
pub(crate) const DEACTIVATING: &str = "SELECT portal, identifier, record FROM accounts
     WHERE deactivates_on BETWEEN $1 AND $2 ORDER BY deactivates_on, portal, identifier";

/// The accounts that may be the holder a filter names (`FoldedTexts::
/// may_be_holder`, every one the filter passes), given `holder_needle` as
/// parameter `$n` (NULL: no holder named); each is then checked in full.
fn may_be_holder(n: u8) -> String {
    format!(
        "(${n}::text IS NULL OR strpos(fold_holder_email, ${n}) > 0
          OR strpos(fold_employee_id, ${n}) > 0)"
    )
}

/// An account's whole record.
const RECORD_COLUMN: &str = "record";

/// An account's summary (required since schema 10, which filled it for
/// accounts written before schema 9).
const SUMMARY_COLUMN: &str = "summary";

impl PostgresStore {
    pub(crate) async fn read_account(
        &self,
        key: &AccountKey,
    ) -> Result<Option<Account>, StoreError> {
        if check_key(key).is_err() {
            return Ok(None);
        }
        let stored: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT record FROM accounts WHERE portal = $1 AND identifier = $2")
                .bind(key.portal())
                .bind(key.identifier())
                .fetch_optional(&self.pool)
                .await
                .map_err(self.error("reading an account"))?;
        stored
            .map(|bytes| decode(&bytes, || format!("account {key}")))
            .transpose()
    }

    pub(crate) async fn read_accounts(
        &self,
        filter: &AccountFilter,
    ) -> Result<Vec<Account>, StoreError> {
        self.read_accounts_as(filter, AccountFilter::matches, RECORD_COLUMN)
            .await
    }

    /// Up to `limit` accounts matching `filter` after `after`, in key order
    /// (`COLLATE "C"`: byte order, as sled's keys), read from the cursor in
    /// chunks of the primary key's order until the page is full.
    pub(crate) async fn read_accounts_page(
        &self,
        filter: &AccountFilter,
        after: Option<&AccountKey>,
        limit: usize,
    ) -> Result<Vec<Account>, StoreError> {
        let selection = Selection::of(filter, None);
        let holder = filter.holder.as_deref().map(holder_needle);
        let holder_rows = may_be_holder(11);
        let mut cursor = match after {
            Some(key) if check_key(key).is_err() => return Ok(Vec::new()),
            Some(key) => Some((key.portal().to_owned(), key.identifier().to_owned())),
            None => None,
        };
        let chunk = i64::try_from(limit.clamp(1, 1_000)).unwrap_or(1_000);
        let mut out = Vec::new();
        while out.len() < limit {
            let (after_portal, after_identifier) = cursor.clone().unzip();
            let rows = selection
                .bind(sqlx::query(&format!(
                    "SELECT portal, identifier, record FROM accounts
                     WHERE {SELECTED}
                       AND ($8::text IS NULL OR (portal, identifier) > ($8, $9))
                       AND {holder_rows}
                     ORDER BY portal, identifier LIMIT $10"
                )))
                .bind(after_portal)
                .bind(after_identifier)
                .bind(chunk)
                .bind(&holder)
                .fetch_all(&self.pool)
                .await
                .map_err(self.error("listing accounts"))?;
            let last = rows.last().map(|row| {
                let portal: Result<String, _> = row.try_get(0);
                let identifier: Result<String, _> = row.try_get(1);
                (portal, identifier)
            });
            for account in self.accounts_of::<Account>(&rows, "listing accounts")? {
                if filter.matches(&account) && out.len() < limit {
                    out.push(account);
                }
            }
            match last {
                Some((Ok(portal), Ok(identifier))) if rows.len() as i64 == chunk => {
                    cursor = Some((portal, identifier));
                }
                _ => break,
            }
        }
        Ok(out)
    }

    /// The summaries of what [`Self::read_accounts`] returns, in its order:
    /// the same records, decoded only as far as [`AccountSummary`] reads.
    pub(crate) async fn read_summaries(
        &self,
        filter: &AccountFilter,
    ) -> Result<Vec<AccountSummary>, StoreError> {
        self.read_accounts_as(filter, AccountFilter::matches_summary, SUMMARY_COLUMN)
            .await
    }

    async fn read_accounts_as<T: DeserializeOwned>(
        &self,
        filter: &AccountFilter,
        matches: fn(&AccountFilter, &T) -> bool,
        column: &str,
    ) -> Result<Vec<T>, StoreError> {
        if let Some((from, to)) = filter.deactivating_between {
            let due: Vec<T> = self.read_deactivating_as(from, to).await?;
            return Ok(due.into_iter().filter(|a| matches(filter, a)).collect());
        }
        let selection = Selection::of(filter, None);
        let rows = selection
            .bind(sqlx::query(&format!(
                "SELECT portal, identifier, {column} FROM accounts
                 WHERE {SELECTED} AND {} ORDER BY portal, identifier",
                may_be_holder(8)
            )))
            .bind(filter.holder.as_deref().map(holder_needle))
            .fetch_all(&self.pool)
            .await
            .map_err(self.error("listing accounts"))?;
        let mut out = Vec::new();
        for account in self.accounts_of::<T>(&rows, "listing accounts")? {
            if matches(filter, &account) {
                out.push(account);
            }
        }
        Ok(out)
    }

    /// Decodes rows of (portal, identifier, record or summary).
    pub(crate) fn accounts_of<T: DeserializeOwned>(
        &self,
        rows: &[sqlx::postgres::PgRow],
        doing: &str,
    ) -> Result<Vec<T>, StoreError> {
        rows.iter()
            .map(|row| {
                let portal: String = row.try_get(0).map_err(self.error(doing))?;
                let identifier: String = row.try_get(1).map_err(self.error(doing))?;
                let bytes: Vec<u8> = row.try_get(2).map_err(self.error(doing))?;
                decode(&bytes, || format!("account {portal}:{identifier}"))
            })
            .collect()
    }

    pub(crate) async fn read_history(
        &self,
        key: &AccountKey,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        if check_key(key).is_err() {
            return Ok(Vec::new());
        }
        let rows: Vec<Vec<u8>> = sqlx::query_scalar(
            "SELECT entry FROM account_history WHERE portal = $1 AND identifier = $2 ORDER BY seq",
        )
        .bind(key.portal())
        .bind(key.identifier())
        .fetch_all(&self.pool)
        .await
        .map_err(self.error("reading account history"))?;
        rows.iter()
            .map(|bytes| decode(bytes, || format!("a history entry of account {key}")))
            .collect()
    }

    /// The stored bytes of history entry `seq` of `key`, for the audit
    /// records check.
    pub(crate) async fn stored_history_entry(
        &self,
        key: &AccountKey,
        seq: u64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let (true, Ok(seq)) = (check_key(key).is_ok(), i64::try_from(seq)) else {
            return Ok(None);
        };
        sqlx::query_scalar(
            "SELECT entry FROM account_history WHERE portal = $1 AND identifier = $2 AND seq = $3",
        )
        .bind(key.portal())
        .bind(key.identifier())
        .bind(seq)
        .fetch_optional(&self.pool)
        .await
        .map_err(self.error("reading account history"))
    }

    pub(crate) async fn read_deactivating(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Account>, StoreError> {
        self.read_deactivating_as(from, to).await
    }

    async fn read_deactivating_as<T: DeserializeOwned>(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<T>, StoreError> {
        if from > to {
            return Ok(Vec::new());
        }
        let doing = "reading the deactivation index";
        let rows = sqlx::query(DEACTIVATING)
            .bind(from)
            .bind(to)
            .fetch_all(&self.pool)
            .await
            .map_err(self.error(doing))?;
        self.accounts_of(&rows, doing)
    }

    pub(crate) async fn read_transition_applied(
        &self,
        key: &garita_engine::account::TransitionKey,
    ) -> Result<bool, StoreError> {
        check_transition(key)?;
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM account_transitions
             WHERE portal = $1 AND identifier = $2 AND name = $3 AND effective_on = $4)",
        )
        .bind(key.account.portal())
        .bind(key.account.identifier())
        .bind(&key.name)
        .bind(key.effective_on)
        .fetch_one(&self.pool)
        .await
        .map_err(self.error("reading rule transitions"))
    }

    pub(crate) async fn read_pending_events(
        &self,
        limit: usize,
    ) -> Result<Vec<EmittedEvent>, StoreError> {
        let rows = sqlx::query("SELECT id, record FROM emitted_events ORDER BY id LIMIT $1")
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await
            .map_err(self.error("reading emitted events"))?;
        rows.iter()
            .map(|row| {
                let id: i64 = row
                    .try_get(0)
                    .map_err(self.error("reading emitted events"))?;
                let bytes: Vec<u8> = row
                    .try_get(1)
                    .map_err(self.error("reading emitted events"))?;
                decode(&bytes, || format!("emitted event {id}"))
            })
            .collect()
    }
}
