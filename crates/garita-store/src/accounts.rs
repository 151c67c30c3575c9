//! The engine's [`AccountStore`] on [`SledStore`]: the account inventory, its
//! history, the CTPAT deactivation index and the queue of emitted events.
//!
//! # Key layout (new trees; older stores simply lack them)
//!
//! | tree | key | value |
//! |---|---|---|
//! | `accounts` | portal, `0x00`, identifier (both normalised) | [`Account`] |
//! | `account_history` | portal, `0x00`, identifier, `0x00`, seq `u64` BE | [`HistoryEntry`] |
//! | `ctpat_deactivations` | deactivation date (days, sortable `i64`), portal, `0x00`, identifier | empty |
//! | `emitted_events` | event id `u64` BE | [`EmittedEvent`] |
//! | `account_transitions` | portal, `0x00`, identifier, `0x00`, transition name, `0x00`, effective date | [`AppliedTransition`](garita_engine::account::AppliedTransition) |
//! | `account_rows` | portal, `0x00`, identifier | the account's [`AccountSummary`] as a compact row (`row.rs`) |
//!
//! Values carry the store's encoding-version byte like every other value,
//! except `account_rows`, which has its own layout byte.
//! `ctpat_deactivations` holds exactly the accounts whose
//! [`Account::indexed_deactivation`] is set, under that date, so "who
//! deactivates between two dates" reads only the answer. `account_rows`
//! holds one row per account, written with it, so a list screen reads a
//! few compact fields per account instead of decoding whole records.
//!
//! # Commits
//!
//! An upsert batch is one sled transaction over the account trees: each
//! account, its history entry, its row and its index entry change together, and an
//! event given with the batch (the offboarding event) is queued in the same
//! transaction, so the daemon sees the event exactly when the accounts
//! changed. The same transaction appends the batch's audit entries (one per
//! changed account, one for the event; see `audit.rs`). The transaction
//! runs on tokio's blocking pool (sled may wait there for a flush in
//! progress), then the store's [`DurableFlush`] — the
//! same sled flush plus `fdatasync` the run commits use, with the same
//! refusal after a failed flush — makes it durable before the call returns.
//! A batch that changes nothing writes and flushes nothing.
//!
//! A batch of rule transitions (`apply_transitions`) is the same kind of transaction
//! over those trees plus `account_transitions`: the account write, the
//! event and the transition's key commit together, and a key already there
//! (or an account whose revision moved) writes nothing.
//!
//! [`DurableFlush`]: crate::durable_flush::DurableFlush

pub(crate) mod blocking;

pub(crate) mod keys;
mod read;
pub(crate) mod row;
mod transition;
mod write;

#[cfg(test)]
mod tests;

use async_trait::async_trait;
use chrono::NaiveDate;
use garita_engine::account::{
    Account, AccountFilter, AccountKey, AccountOverview, AccountStore, AccountSummary,
    AccountUpdate, ChangeMeta, EmittedEvent, HistoryEntry, NewEvent, SummaryPage, TransitionKey,
    TransitionOutcome, TransitionWrite, UpsertOutcome,
};
use garita_engine::StoreError;

use crate::store::SledStore;
use blocking::run_blocking;
use keys::AccountTrees;

/// What to do when an account write was cut short by a shutdown.
const ACCOUNT_WRITE_INTERRUPTED: &str =
    "the write may not have happened, check with `garita accounts list` and repeat it";

impl SledStore {
    /// The account trees, opened (or created) on first use; sled hands out
    /// the same shared handles on every later call.
    fn account_trees(&self) -> Result<AccountTrees, StoreError> {
        AccountTrees::open(&self.db, &self.path)
    }
}

#[async_trait]
impl AccountStore for SledStore {
    async fn upsert_accounts(
        &self,
        updates: &[AccountUpdate],
        meta: &ChangeMeta,
        event: Option<&NewEvent>,
    ) -> Result<Vec<UpsertOutcome>, StoreError> {
        self.flush.check_healthy()?;
        let trees = self.account_trees()?;
        let chain = self.trees.audit.clone();
        let meta_tree = self.trees.meta.clone();
        let path = self.path.clone();
        let flush = self.flush.clone();
        let batch = write::Batch::prepare(updates, meta, event)?;
        run_blocking(
            &self.path,
            "writing accounts",
            ACCOUNT_WRITE_INTERRUPTED,
            move || {
                let written = write::apply(&trees, &chain, &meta_tree, &path, &batch)?;
                if written.changed {
                    flush.run()?;
                }
                Ok(written.outcomes)
            },
        )
        .await
    }

    async fn account(&self, key: &AccountKey) -> Result<Option<Account>, StoreError> {
        read::account(&self.account_trees()?, &self.path, key)
    }

    async fn list_accounts(&self, filter: &AccountFilter) -> Result<Vec<Account>, StoreError> {
        read::list(&self.account_trees()?, &self.path, filter)
    }

    async fn list_accounts_page(
        &self,
        filter: &AccountFilter,
        after: Option<&AccountKey>,
        limit: usize,
    ) -> Result<Vec<Account>, StoreError> {
        read::list_page(&self.account_trees()?, &self.path, filter, after, limit)
    }

    async fn account_summaries(
        &self,
        filter: &AccountFilter,
    ) -> Result<Vec<AccountSummary>, StoreError> {
        read::summaries(&self.account_trees()?, &self.path, filter)
    }

    async fn account_summary_page(
        &self,
        filter: &AccountFilter,
        search: Option<&str>,
        offset: usize,
        limit: usize,
    ) -> Result<SummaryPage, StoreError> {
        read::summary_page(
            &self.account_trees()?,
            &self.path,
            filter,
            search,
            offset,
            limit,
        )
    }

    async fn account_overview(
        &self,
        from: NaiveDate,
        next: usize,
    ) -> Result<AccountOverview, StoreError> {
        read::overview(&self.account_trees()?, &self.path, from, next)
    }

    async fn account_history(&self, key: &AccountKey) -> Result<Vec<HistoryEntry>, StoreError> {
        read::history(&self.account_trees()?, &self.path, key)
    }

    async fn accounts_deactivating_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Account>, StoreError> {
        read::deactivating_between(&self.account_trees()?, &self.path, from, to)
    }

    async fn apply_transitions(
        &self,
        writes: &[TransitionWrite],
        meta: &ChangeMeta,
    ) -> Result<Vec<TransitionOutcome>, StoreError> {
        if writes.is_empty() {
            return Ok(Vec::new());
        }
        self.flush.check_healthy()?;
        let trees = self.account_trees()?;
        let chain = self.trees.audit.clone();
        let meta_tree = self.trees.meta.clone();
        let path = self.path.clone();
        let flush = self.flush.clone();
        let (writes, meta) = (writes.to_vec(), meta.clone());
        run_blocking(
            &self.path,
            "applying rule transitions",
            ACCOUNT_WRITE_INTERRUPTED,
            move || {
                let outcomes =
                    transition::apply(&trees, &chain, &meta_tree, &path, &writes, &meta)?;
                if outcomes.contains(&TransitionOutcome::Applied) {
                    flush.run()?;
                }
                Ok(outcomes)
            },
        )
        .await
    }

    async fn transition_applied(&self, key: &TransitionKey) -> Result<bool, StoreError> {
        transition::applied(&self.account_trees()?, &self.path, key)
    }

    async fn emit_event(&self, event: &NewEvent) -> Result<EmittedEvent, StoreError> {
        self.flush.check_healthy()?;
        let trees = self.account_trees()?;
        let chain = self.trees.audit.clone();
        let meta = self.trees.meta.clone();
        let path = self.path.clone();
        let flush = self.flush.clone();
        let event = event.clone();
        run_blocking(
            &self.path,
            "queueing an event",
            ACCOUNT_WRITE_INTERRUPTED,
            move || {
                let emitted = write::emit(&trees, &chain, &meta, &path, &event)?;
                flush.run()?;
                Ok(emitted)
            },
        )
        .await
    }

    async fn pending_events(&self, limit: usize) -> Result<Vec<EmittedEvent>, StoreError> {
        read::pending_events(&self.account_trees()?, &self.path, limit)
    }

    async fn ack_event(&self, id: u64) -> Result<bool, StoreError> {
        self.flush.check_healthy()?;
        let trees = self.account_trees()?;
        let path = self.path.clone();
        let flush = self.flush.clone();
        run_blocking(
            &self.path,
            "acknowledging an event",
            ACCOUNT_WRITE_INTERRUPTED,
            move || {
                let removed = write::ack(&trees, &path, id)?;
                if removed {
                    flush.run()?;
                }
                Ok(removed)
            },
        )
        .await
    }
}
