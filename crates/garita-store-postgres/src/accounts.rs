//! The engine's [`AccountStore`] on PostgreSQL (tables in migration 4):
//! writes in `account_write.rs`, reads in `account_read.rs`, the screens'
//! pages and overview in `account_screen.rs`.

use async_trait::async_trait;
use chrono::NaiveDate;
use garita_engine::account::{
    Account, AccountFilter, AccountKey, AccountOverview, AccountStore, AccountSummary,
    AccountUpdate, ChangeMeta, EmittedEvent, HistoryEntry, NewEvent, SummaryPage, TransitionKey,
    TransitionOutcome, TransitionWrite, UpsertOutcome,
};
use garita_engine::StoreError;

use crate::store::PostgresStore;

#[async_trait]
impl AccountStore for PostgresStore {
    async fn upsert_accounts(
        &self,
        updates: &[AccountUpdate],
        meta: &ChangeMeta,
        event: Option<&NewEvent>,
    ) -> Result<Vec<UpsertOutcome>, StoreError> {
        self.write_accounts(updates, meta, event).await
    }

    async fn account(&self, key: &AccountKey) -> Result<Option<Account>, StoreError> {
        self.read_account(key).await
    }

    async fn list_accounts(&self, filter: &AccountFilter) -> Result<Vec<Account>, StoreError> {
        self.read_accounts(filter).await
    }

    async fn list_accounts_page(
        &self,
        filter: &AccountFilter,
        after: Option<&AccountKey>,
        limit: usize,
    ) -> Result<Vec<Account>, StoreError> {
        self.read_accounts_page(filter, after, limit).await
    }

    async fn account_summaries(
        &self,
        filter: &AccountFilter,
    ) -> Result<Vec<AccountSummary>, StoreError> {
        self.read_summaries(filter).await
    }

    async fn account_summary_page(
        &self,
        filter: &AccountFilter,
        search: Option<&str>,
        offset: usize,
        limit: usize,
    ) -> Result<SummaryPage, StoreError> {
        self.read_summary_page(filter, search, offset, limit).await
    }

    async fn account_overview(
        &self,
        from: NaiveDate,
        next: usize,
    ) -> Result<AccountOverview, StoreError> {
        self.read_overview(from, next).await
    }

    async fn account_history(&self, key: &AccountKey) -> Result<Vec<HistoryEntry>, StoreError> {
        self.read_history(key).await
    }

    async fn accounts_deactivating_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Account>, StoreError> {
        self.read_deactivating(from, to).await
    }

    async fn apply_transitions(
        &self,
        writes: &[TransitionWrite],
        meta: &ChangeMeta,
    ) -> Result<Vec<TransitionOutcome>, StoreError> {
        self.write_transitions(writes, meta).await
    }

    async fn transition_applied(&self, key: &TransitionKey) -> Result<bool, StoreError> {
        self.read_transition_applied(key).await
    }

    async fn emit_event(&self, event: &NewEvent) -> Result<EmittedEvent, StoreError> {
        self.write_event(event).await
    }

    async fn pending_events(&self, limit: usize) -> Result<Vec<EmittedEvent>, StoreError> {
        self.read_pending_events(limit).await
    }

    async fn ack_event(&self, id: u64) -> Result<bool, StoreError> {
        self.remove_event(id).await
    }
}
