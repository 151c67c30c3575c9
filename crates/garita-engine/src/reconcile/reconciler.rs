//! [`Reconciler`]: evaluates the portal rules over the inventory and
//! applies what is due, each transition once.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

use super::rule::{AccountRule, DueTransition};
use crate::account::{
    Account, AccountStatus, AccountStore, AccountUpdate, ChangeMeta, NewEvent, TransitionKey,
    TransitionOutcome, TransitionWrite,
};
use crate::clock::Clock;
use crate::store::StoreError;

/// Transitions applied per commit: one flush for many accounts (an import
/// of thousands of long-idle accounts), small enough that a commit stays
/// short.
const BATCH: usize = 256;

/// Accounts read per page while a rule looks at its candidates: a pass
/// holds one page, not the inventory, so the daemon's memory after a pass
/// does not grow with the number of accounts.
const PAGE: usize = 256;

/// Evaluates rules over an [`AccountStore`] at the engine's clock.
pub struct Reconciler {
    rules: Vec<Arc<dyn AccountRule>>,
    accounts: Arc<dyn AccountStore>,
    clock: Arc<dyn Clock>,
    officer: Option<String>,
}

impl std::fmt::Debug for Reconciler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let rules: Vec<&str> = self.rules.iter().map(|r| r.name()).collect();
        f.debug_struct("Reconciler")
            .field("rules", &rules)
            .field("officer", &self.officer)
            .finish_non_exhaustive()
    }
}

/// One transition applied by a reconcile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct ReconciledTransition {
    /// The account (`portal:identifier`).
    pub account: String,
    /// Dotted transition name (`ctpat.deactivated`).
    pub transition: String,
    /// The day it took effect by the rule.
    pub effective_on: NaiveDate,
    /// How many days after that it was applied (0: on the day).
    pub days_late: i64,
    /// Status before.
    pub status_before: AccountStatus,
    /// Status after (the same when the transition only announces itself).
    pub status_after: AccountStatus,
    /// The reason recorded in the account's history.
    pub reason: String,
    /// The event queued with it, if any (workflows with that `event:`
    /// trigger start on it: the officer's alert, the reactivation).
    pub event: Option<String>,
}

/// What one reconcile did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReconcileReport {
    /// The business instant it evaluated at.
    pub at: DateTime<Utc>,
    /// Accounts evaluated, summed over the rules.
    pub evaluated: usize,
    /// Transitions applied now, in the order applied.
    pub applied: Vec<ReconciledTransition>,
    /// Transitions found due but applied before (nothing repeated).
    pub already_applied: usize,
    /// Transitions not applied because the account changed meanwhile (the
    /// next reconcile decides on the new facts).
    pub stale: usize,
}

impl ReconcileReport {
    /// Applied transitions whose effective day had already passed: the
    /// deadlines that passed while nobody (no Garita) was looking.
    pub fn late(&self) -> impl Iterator<Item = &ReconciledTransition> {
        self.applied.iter().filter(|t| t.days_late > 0)
    }
}

impl Reconciler {
    /// The rules over `accounts`, at `clock`.
    pub fn new(
        accounts: Arc<dyn AccountStore>,
        clock: Arc<dyn Clock>,
        rules: Vec<Arc<dyn AccountRule>>,
    ) -> Self {
        Self {
            rules,
            accounts,
            clock,
            officer: None,
        }
    }

    /// Puts `officer` (the compliance officer's address) into every event's
    /// data that does not name one, so the workflows it starts write to them.
    pub fn with_officer(mut self, officer: Option<String>) -> Self {
        self.officer = officer.filter(|o| !o.trim().is_empty());
        self
    }

    /// The rules' names, in evaluation order.
    pub fn rule_names(&self) -> Vec<String> {
        self.rules.iter().map(|r| r.name().to_owned()).collect()
    }

    /// Evaluates every rule over its candidate accounts and applies each
    /// due transition that was never applied.
    pub async fn reconcile(&self) -> Result<ReconcileReport, StoreError> {
        let now = self.clock.now();
        let mut report = ReconcileReport {
            at: now,
            evaluated: 0,
            applied: Vec::new(),
            already_applied: 0,
            stale: 0,
        };
        for rule in &self.rules {
            let filter = rule.candidates(now);
            let meta = ChangeMeta {
                by: format!("garita (rule {})", rule.name()),
                at: now,
            };
            let mut batch: Vec<(Account, DueTransition, TransitionWrite)> = Vec::new();
            let mut after = None;
            loop {
                let page = self
                    .accounts
                    .list_accounts_page(&filter, after.as_ref(), PAGE)
                    .await?;
                let full = page.len() == PAGE;
                after = page.last().map(Account::key);
                for account in page {
                    report.evaluated += 1;
                    let Some(due) = rule.due(&account, now) else {
                        continue;
                    };
                    let key = TransitionKey {
                        account: account.key(),
                        name: due.name.clone(),
                        effective_on: due.effective_on,
                    };
                    if self.accounts.transition_applied(&key).await? {
                        report.already_applied += 1;
                        continue;
                    }
                    let write = self.write_for(&account, key, &due, now);
                    batch.push((account, due, write));
                    if batch.len() == BATCH {
                        self.apply(rule.as_ref(), &mut batch, &meta, &mut report)
                            .await?;
                    }
                }
                if !full {
                    break;
                }
            }
            self.apply(rule.as_ref(), &mut batch, &meta, &mut report)
                .await?;
        }
        Ok(report)
    }

    /// Applies `batch` in one commit and empties it.
    async fn apply(
        &self,
        rule: &dyn AccountRule,
        batch: &mut Vec<(Account, DueTransition, TransitionWrite)>,
        meta: &ChangeMeta,
        report: &mut ReconcileReport,
    ) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        let writes: Vec<TransitionWrite> = batch.iter().map(|(_, _, w)| w.clone()).collect();
        let outcomes = self.accounts.apply_transitions(&writes, meta).await?;
        for ((account, due, write), outcome) in batch.drain(..).zip(outcomes) {
            match outcome {
                TransitionOutcome::Applied => {
                    let today = rule.today_for(&account, meta.at);
                    let applied = ReconciledTransition {
                        account: write.key.account.to_string(),
                        transition: due.name,
                        effective_on: due.effective_on,
                        days_late: (today - due.effective_on).num_days().max(0),
                        status_before: account.status,
                        status_after: write.update.account.status,
                        reason: due.reason,
                        event: write.event.as_ref().map(|e| e.name.clone()),
                    };
                    tracing::info!(
                        account = %applied.account,
                        transition = %applied.transition,
                        effective_on = %applied.effective_on,
                        days_late = applied.days_late,
                        "rule transition applied"
                    );
                    report.applied.push(applied);
                }
                TransitionOutcome::AlreadyApplied => report.already_applied += 1,
                TransitionOutcome::Stale => report.stale += 1,
            }
        }
        Ok(())
    }

    fn write_for(
        &self,
        account: &Account,
        key: TransitionKey,
        due: &DueTransition,
        now: DateTime<Utc>,
    ) -> TransitionWrite {
        let mut next = account.clone();
        if let Some(status) = due.status {
            next.status = status;
        }
        let event = due.event.as_ref().map(|data| NewEvent {
            name: due.name.clone(),
            at: now,
            data: self.event_data(data, &key),
        });
        TransitionWrite {
            expected_revision: account.revision,
            update: AccountUpdate {
                account: next,
                reason: due.reason.clone(),
                expected_revision: Some(account.revision),
            },
            event,
            key,
        }
    }

    /// The rule's data, plus what every transition event carries: the
    /// account, the effective day, the key, and the officer.
    fn event_data(&self, data: &Value, key: &TransitionKey) -> Value {
        let mut object = match data {
            Value::Object(map) => map.clone(),
            Value::Null => Map::new(),
            other => Map::from_iter([("value".to_owned(), other.clone())]),
        };
        object.insert("account".into(), Value::String(key.account.to_string()));
        object.insert(
            "effective_on".into(),
            Value::String(key.effective_on.to_string()),
        );
        object.insert("transition".into(), Value::String(key.to_string()));
        if let Some(officer) = &self.officer {
            object
                .entry("officer")
                .or_insert_with(|| Value::String(officer.clone()));
        }
        Value::Object(object)
    }
}
