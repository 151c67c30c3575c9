//! An in-memory [`AccountStore`] for tests and `garita simulate`: the same
//! history rules as the sled store (both use [`plan_write`]), nothing durable.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::NaiveDate;

use crate::account::{
    plan_write, revision_conflict, Account, AccountFilter, AccountKey, AccountStore, AccountUpdate,
    AppliedTransition, ChangeMeta, EmittedEvent, HistoryEntry, NewEvent, TransitionKey,
    TransitionOutcome, TransitionWrite, UpsertOutcome,
};
use crate::store::StoreError;

#[derive(Debug, Default)]
struct Inner {
    accounts: BTreeMap<AccountKey, Account>,
    history: BTreeMap<AccountKey, Vec<HistoryEntry>>,
    /// (deactivation date, key): the same index the sled store keeps.
    deactivations: BTreeSet<(NaiveDate, AccountKey)>,
    events: BTreeMap<u64, EmittedEvent>,
    next_event_id: u64,
    transitions: BTreeMap<TransitionKey, AppliedTransition>,
}

/// An [`AccountStore`] kept in memory; nothing survives the process.
#[derive(Debug, Default)]
pub struct MemoryAccounts {
    inner: Mutex<Inner>,
}

impl MemoryAccounts {
    /// An empty inventory.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Inner {
    /// Writes one account with its history and index entries; the outcome.
    fn upsert(&mut self, update: &AccountUpdate, meta: &ChangeMeta) -> UpsertOutcome {
        let key = update.account.key();
        let stored = self.accounts.get(&key).cloned();
        let Some((account, entry)) = plan_write(stored.as_ref(), update, meta) else {
            return UpsertOutcome::Unchanged;
        };
        if let Some(date) = stored.as_ref().and_then(Account::indexed_deactivation) {
            self.deactivations.remove(&(date, key.clone()));
        }
        if let Some(date) = account.indexed_deactivation() {
            self.deactivations.insert((date, key.clone()));
        }
        self.history.entry(key.clone()).or_default().push(entry);
        self.accounts.insert(key, account);
        if stored.is_some() {
            UpsertOutcome::Updated
        } else {
            UpsertOutcome::Created
        }
    }

    fn apply(&mut self, write: &TransitionWrite, meta: &ChangeMeta) -> TransitionOutcome {
        if self.transitions.contains_key(&write.key) {
            return TransitionOutcome::AlreadyApplied;
        }
        let revision = self.accounts.get(&write.key.account).map(|a| a.revision);
        if revision != Some(write.expected_revision) {
            return TransitionOutcome::Stale;
        }
        self.upsert(&write.update, meta);
        let event_id = write.event.as_ref().map(|e| self.queue(e).id);
        self.transitions.insert(
            write.key.clone(),
            AppliedTransition {
                key: write.key.clone(),
                applied_at: meta.at,
                event_id,
            },
        );
        TransitionOutcome::Applied
    }

    fn queue(&mut self, event: &NewEvent) -> EmittedEvent {
        self.next_event_id += 1;
        let emitted = EmittedEvent::new(self.next_event_id, event);
        self.events.insert(emitted.id, emitted.clone());
        emitted
    }
}

#[async_trait]
impl AccountStore for MemoryAccounts {
    async fn upsert_accounts(
        &self,
        updates: &[AccountUpdate],
        meta: &ChangeMeta,
        event: Option<&NewEvent>,
    ) -> Result<Vec<UpsertOutcome>, StoreError> {
        // One lock for the whole batch: the batch is atomic, as in sled.
        let mut inner = self.lock();
        if let Some(conflict) = updates
            .iter()
            .find_map(|u| revision_conflict(inner.accounts.get(&u.account.key()), u))
        {
            return Err(conflict);
        }
        let outcomes = updates.iter().map(|u| inner.upsert(u, meta)).collect();
        if let Some(event) = event {
            inner.queue(event);
        }
        Ok(outcomes)
    }

    async fn account(&self, key: &AccountKey) -> Result<Option<Account>, StoreError> {
        Ok(self.lock().accounts.get(key).cloned())
    }

    async fn list_accounts(&self, filter: &AccountFilter) -> Result<Vec<Account>, StoreError> {
        if let Some((from, to)) = filter.deactivating_between {
            let due = self.accounts_deactivating_between(from, to).await?;
            return Ok(due.into_iter().filter(|a| filter.matches(a)).collect());
        }
        Ok(self
            .lock()
            .accounts
            .values()
            .filter(|a| filter.matches(a))
            .cloned()
            .collect())
    }

    async fn account_history(&self, key: &AccountKey) -> Result<Vec<HistoryEntry>, StoreError> {
        Ok(self.lock().history.get(key).cloned().unwrap_or_default())
    }

    async fn accounts_deactivating_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Account>, StoreError> {
        if from > to {
            return Ok(Vec::new());
        }
        let inner = self.lock();
        Ok(inner
            .deactivations
            .iter()
            .skip_while(|(date, _)| *date < from)
            .take_while(|(date, _)| *date <= to)
            .filter_map(|(_, key)| inner.accounts.get(key).cloned())
            .collect())
    }

    async fn apply_transitions(
        &self,
        writes: &[TransitionWrite],
        meta: &ChangeMeta,
    ) -> Result<Vec<TransitionOutcome>, StoreError> {
        // One lock for the batch: atomic, as in sled.
        let mut inner = self.lock();
        Ok(writes.iter().map(|w| inner.apply(w, meta)).collect())
    }

    async fn transition_applied(&self, key: &TransitionKey) -> Result<bool, StoreError> {
        Ok(self.lock().transitions.contains_key(key))
    }

    async fn emit_event(&self, event: &NewEvent) -> Result<EmittedEvent, StoreError> {
        Ok(self.lock().queue(event))
    }

    async fn pending_events(&self, limit: usize) -> Result<Vec<EmittedEvent>, StoreError> {
        Ok(self.lock().events.values().take(limit).cloned().collect())
    }

    async fn ack_event(&self, id: u64) -> Result<bool, StoreError> {
        Ok(self.lock().events.remove(&id).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn honours_the_revision_checks() {
        crate::account::conformance::revision_checks(&MemoryAccounts::default()).await;
    }

    #[tokio::test]
    async fn honours_the_transition_checks() {
        crate::account::conformance::transition_checks(&MemoryAccounts::default()).await;
    }

    #[tokio::test]
    async fn answers_summaries_as_it_lists() {
        crate::account::conformance::summaries_match_accounts(&MemoryAccounts::default()).await;
    }
    use crate::account::{AccountStatus, Company, Holder, ACCOUNT_OFFBOARDED};
    use chrono::{DateTime, Utc};

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
    }

    fn meta() -> ChangeMeta {
        ChangeMeta {
            by: "tester".into(),
            at: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    fn ctpat(email: &str, deactivates: u32) -> AccountUpdate {
        let mut account = Account::new(
            "ctpat",
            email,
            Holder {
                name: "X".into(),
                email: email.into(),
                ..Holder::default()
            },
            Company::default(),
        );
        account.deactivates_on = Some(day(deactivates));
        AccountUpdate {
            account,
            reason: "test".into(),
            expected_revision: None,
        }
    }

    #[tokio::test]
    async fn upserts_keep_history_and_the_deactivation_index() {
        let store = MemoryAccounts::new();
        let batch = [
            ctpat("a@x.com", 5),
            ctpat("b@x.com", 9),
            ctpat("c@x.com", 20),
        ];
        let outcomes = store.upsert_accounts(&batch, &meta(), None).await.unwrap();
        assert_eq!(outcomes, [UpsertOutcome::Created; 3]);
        let again = store.upsert_accounts(&batch, &meta(), None).await.unwrap();
        assert_eq!(again, [UpsertOutcome::Unchanged; 3]);

        let due = store
            .accounts_deactivating_between(day(5), day(9))
            .await
            .unwrap();
        let keys: Vec<String> = due.iter().map(|a| a.key().to_string()).collect();
        assert_eq!(keys, ["ctpat:a@x.com", "ctpat:b@x.com"]);

        // Offboarding takes the account out of the index and records history.
        let mut gone = ctpat("b@x.com", 9);
        gone.account.status = AccountStatus::Offboarded;
        let event = NewEvent {
            name: ACCOUNT_OFFBOARDED.into(),
            at: meta().at,
            data: serde_json::json!({"person": "b@x.com"}),
        };
        let outcome = store
            .upsert_accounts(&[gone.clone()], &meta(), Some(&event))
            .await
            .unwrap();
        assert_eq!(outcome, [UpsertOutcome::Updated]);
        let due = store
            .accounts_deactivating_between(day(1), day(31))
            .await
            .unwrap();
        assert_eq!(due.len(), 2);
        let history = store.account_history(&gone.account.key()).await.unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[1].changes[0].field, "status");

        let pending = store.pending_events(10).await.unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].name, ACCOUNT_OFFBOARDED);
        assert!(store.ack_event(pending[0].id).await.unwrap());
        assert!(!store.ack_event(pending[0].id).await.unwrap());
        assert!(store.pending_events(10).await.unwrap().is_empty());
    }
}
