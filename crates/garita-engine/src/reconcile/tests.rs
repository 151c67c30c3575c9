//! The reconciler over the in-memory store, with a toy rule: "a `demo`
//! account whose `due_on` attribute has passed is deactivated from then".

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

use super::*;
use crate::account::{
    Account, AccountFilter, AccountKey, AccountStatus, AccountStore, AccountUpdate, ChangeMeta,
    Company, Holder, TransitionKey,
};
use crate::clock::{Clock, ManualClock};
use crate::memory_accounts::MemoryAccounts;

struct DueOn;

impl AccountRule for DueOn {
    fn name(&self) -> &str {
        "demo.due_on"
    }

    fn candidates(&self, _now: DateTime<Utc>) -> AccountFilter {
        AccountFilter {
            portal: Some("demo".into()),
            statuses: vec![AccountStatus::Active, AccountStatus::AtRisk],
            ..AccountFilter::default()
        }
    }

    fn due(&self, account: &Account, now: DateTime<Utc>) -> Option<DueTransition> {
        let due_on = crate::account::facts::date(account, "due_on")?;
        (due_on <= self.today(now)).then(|| DueTransition {
            name: "demo.deactivated".into(),
            effective_on: due_on,
            status: Some(AccountStatus::Deactivated),
            reason: format!("due on {due_on}"),
            event: Some(json!({"why": "due"})),
        })
    }

    fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        now.date_naive()
    }
}

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

fn noon(m: u32, d: u32) -> DateTime<Utc> {
    day(m, d).and_hms_opt(12, 0, 0).unwrap().and_utc()
}

struct World {
    accounts: Arc<MemoryAccounts>,
    clock: Arc<ManualClock>,
    reconciler: Reconciler,
}

fn world(officer: Option<&str>) -> World {
    let accounts = Arc::new(MemoryAccounts::new());
    let clock = Arc::new(ManualClock::new(noon(3, 1)));
    let store: Arc<dyn AccountStore> = accounts.clone();
    let clock_dyn: Arc<dyn Clock> = clock.clone();
    let reconciler = Reconciler::new(store, clock_dyn, vec![Arc::new(DueOn)])
        .with_officer(officer.map(str::to_owned));
    World {
        accounts,
        clock,
        reconciler,
    }
}

/// Writes `account` as a person would (not a rule).
async fn save(world: &World, account: Account, reason: &str) {
    let meta = ChangeMeta {
        by: "oficial".into(),
        at: world.clock.now(),
    };
    let update = AccountUpdate {
        account,
        reason: reason.into(),
        expected_revision: None,
    };
    world
        .accounts
        .upsert_accounts(&[update], &meta, None)
        .await
        .unwrap();
}

async fn add(world: &World, id: &str, due_on: &str) {
    let mut account = Account::new("demo", id, Holder::default(), Company::default());
    account.attributes.insert("due_on".into(), due_on.into());
    save(world, account, "created").await;
}

#[tokio::test]
async fn a_missed_transition_is_applied_once_with_its_own_date() {
    let world = world(Some("oficial@example.com"));
    add(&world, "a", "2026-03-10").await;
    add(&world, "b", "2026-03-20").await;

    // Before the date: nothing.
    let report = world.reconciler.reconcile().await.unwrap();
    assert!(report.applied.is_empty());
    assert_eq!(report.evaluated, 2);

    // Asleep until the 15th: `a` is applied late, dated the 10th.
    world.clock.set(noon(3, 15));
    let report = world.reconciler.reconcile().await.unwrap();
    assert_eq!(report.applied.len(), 1, "{report:?}");
    let applied = &report.applied[0];
    assert_eq!(applied.account, "demo:a");
    assert_eq!(applied.effective_on, day(3, 10));
    assert_eq!(applied.days_late, 5);
    assert_eq!(applied.status_before, AccountStatus::Active);
    assert_eq!(applied.status_after, AccountStatus::Deactivated);
    assert_eq!(report.late().count(), 1);

    let key = AccountKey::new("demo", "a");
    let stored = world.accounts.account(&key).await.unwrap().unwrap();
    assert_eq!(stored.status, AccountStatus::Deactivated);
    let history = world.accounts.account_history(&key).await.unwrap();
    let last = history.last().unwrap();
    assert_eq!(last.by, "garita (rule demo.due_on)");
    assert_eq!(last.reason, "due on 2026-03-10");

    let events = world.accounts.pending_events(10).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].name, "demo.deactivated");
    assert_eq!(events[0].data["account"], "demo:a");
    assert_eq!(events[0].data["effective_on"], "2026-03-10");
    assert_eq!(events[0].data["why"], "due");
    assert_eq!(events[0].data["officer"], "oficial@example.com");
    assert_eq!(
        events[0].data["transition"],
        "demo:a demo.deactivated 2026-03-10"
    );

    // Again the same day, and later: nothing repeats.
    let again = world.reconciler.reconcile().await.unwrap();
    assert!(again.applied.is_empty(), "{again:?}");
    assert_eq!(world.accounts.pending_events(10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_key_applied_before_is_not_repeated_when_the_status_is_set_back() {
    let world = world(None);
    add(&world, "a", "2026-02-01").await;
    let first = world.reconciler.reconcile().await.unwrap();
    assert_eq!(first.applied.len(), 1);
    assert!(first.applied[0].event.is_some());
    let events = world.accounts.pending_events(10).await.unwrap();
    assert!(
        events[0].data.get("officer").is_none(),
        "no officer configured"
    );

    // A person sets it active by hand; the facts still say "due on 1 Feb",
    // but that transition happened already: the rule must not fire again.
    let key = AccountKey::new("demo", "a");
    let mut account = world.accounts.account(&key).await.unwrap().unwrap();
    account.status = AccountStatus::Active;
    save(&world, account, "reactivated").await;
    let report = world.reconciler.reconcile().await.unwrap();
    assert!(report.applied.is_empty());
    assert_eq!(report.already_applied, 1);
    let stored = world.accounts.account(&key).await.unwrap().unwrap();
    assert_eq!(stored.status, AccountStatus::Active);
    assert_eq!(world.accounts.pending_events(10).await.unwrap().len(), 1);

    // New facts, new key: applied.
    let mut account = stored;
    account
        .attributes
        .insert("due_on".into(), "2026-02-20".into());
    save(&world, account, "new date").await;
    let report = world.reconciler.reconcile().await.unwrap();
    assert_eq!(report.applied.len(), 1);
    assert_eq!(report.applied[0].effective_on, day(2, 20));
}

#[tokio::test]
async fn an_account_changed_since_it_was_read_is_stale_and_left_alone() {
    let world = world(None);
    add(&world, "a", "2026-02-01").await;
    let key = AccountKey::new("demo", "a");
    let account = world.accounts.account(&key).await.unwrap().unwrap();
    let write = crate::account::TransitionWrite {
        key: TransitionKey {
            account: key.clone(),
            name: "demo.deactivated".into(),
            effective_on: day(2, 1),
        },
        expected_revision: account.revision + 1,
        update: AccountUpdate {
            account: account.clone(),
            reason: "x".into(),
            expected_revision: None,
        },
        event: None,
    };
    let meta = ChangeMeta {
        by: "t".into(),
        at: world.clock.now(),
    };
    let outcomes = world
        .accounts
        .apply_transitions(std::slice::from_ref(&write), &meta)
        .await
        .unwrap();
    assert_eq!(outcomes, [crate::account::TransitionOutcome::Stale]);
    assert!(!world.accounts.transition_applied(&write.key).await.unwrap());
}
