//! Several daemons sharing one database: two stores connected to it, as
//! two processes would be, never both apply a rule transition, never both
//! extend a run from the same copy, and see each other's commits; and
//! what one wrote survives reconnecting.

use std::sync::Arc;

use chrono::NaiveDate;
use garita_engine::account::{
    Account, AccountKey, AccountStatus, AccountStore, AccountUpdate, ChangeMeta, Company, Holder,
    NewEvent, TransitionKey, TransitionOutcome, TransitionWrite,
};
use garita_engine::audit::AuditLog;
use garita_engine::store_conformance::{at, record, started, task};
use garita_engine::{RunEvent, RunStatus, Store, StoreError, TaskFilter};
use serde_json::json;

use crate::test_cluster::TestDb;
use crate::PostgresStore;

fn joined(e: tokio::task::JoinError) -> StoreError {
    StoreError::Io {
        path: "test".into(),
        detail: e.to_string(),
    }
}

fn meta() -> ChangeMeta {
    ChangeMeta {
        by: "garita".into(),
        at: at(0),
    }
}

async fn created_account(store: &PostgresStore) -> Result<Account, StoreError> {
    let mut account = Account::new(
        "ctpat",
        "ana@example.com",
        Holder::default(),
        Company::default(),
    );
    account.deactivates_on = NaiveDate::from_ymd_opt(2026, 3, 16);
    let update = AccountUpdate {
        account,
        reason: "created".into(),
        expected_revision: Some(0),
    };
    store.upsert_accounts(&[update], &meta(), None).await?;
    store
        .account(&AccountKey::new("ctpat", "ana@example.com"))
        .await?
        .ok_or_else(|| StoreError::NoSuchRun("the account just written".into()))
}

/// Both daemons evaluate the same rule at once: one applies it (one
/// history entry, one event), the other finds it applied.
#[tokio::test]
async fn two_daemons_apply_a_transition_exactly_once() -> Result<(), StoreError> {
    let db = TestDb::create().await;
    let a = Arc::new(PostgresStore::connect(&db.url).await?);
    let b = Arc::new(PostgresStore::connect(&db.url).await?);
    let stored = created_account(&a).await?;
    let mut at_risk = stored.clone();
    at_risk.status = AccountStatus::AtRisk;
    let write = TransitionWrite {
        key: TransitionKey {
            account: stored.key(),
            name: "ctpat.at_risk".into(),
            effective_on: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or_default(),
        },
        expected_revision: stored.revision,
        update: AccountUpdate {
            account: at_risk,
            reason: "45-day rule".into(),
            expected_revision: Some(stored.revision),
        },
        event: Some(NewEvent {
            name: "ctpat.at_risk".into(),
            at: at(1),
            data: json!({}),
        }),
    };
    let mut tasks = Vec::new();
    for store in [a.clone(), b.clone()] {
        let write = write.clone();
        tasks.push(tokio::spawn(async move {
            store.apply_transitions(&[write], &meta()).await
        }));
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.extend(task.await.map_err(joined)??);
    }
    outcomes.sort_by_key(|o| format!("{o:?}"));
    assert_eq!(
        outcomes,
        [
            TransitionOutcome::AlreadyApplied,
            TransitionOutcome::Applied
        ]
    );
    assert_eq!(b.account_history(&stored.key()).await?.len(), 2);
    assert_eq!(b.pending_events(10).await?.len(), 1, "one event queued");
    assert!(b.transition_applied(&write.key).await?);
    assert!(a.verify_audit().await?.is_intact());
    Ok(())
}

/// Two daemons that read the same run both try to extend it: one lands,
/// the other is refused as stale and writes nothing.
#[tokio::test]
async fn two_daemons_extending_one_run_land_once() -> Result<(), StoreError> {
    let db = TestDb::create().await;
    let a = PostgresStore::connect(&db.url).await?;
    let b = PostgresStore::connect(&db.url).await?;
    let mut run = record("01SHARED", 0);
    a.create_run(&mut run, &[RunEvent::RunCreated { at: at(0) }])
        .await?;
    let mut copy = b.run("01SHARED").await?.ok_or_else(|| {
        StoreError::NoSuchRun("the other daemon sees the run once committed".into())
    })?;
    assert_eq!(copy, run);
    a.append(&mut run, &[started("a", 1)]).await?;
    let refused = b.append(&mut copy, &[started("b", 1)]).await;
    assert!(
        refused.as_ref().is_err_and(StoreError::is_conflict),
        "{refused:?}"
    );
    let events = b.events("01SHARED").await?;
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].event, started("a", 1));
    Ok(())
}

/// Runs, events, tasks, accounts and queued events come back after the
/// connections are closed and opened again, every field as written.
#[tokio::test]
async fn runs_accounts_and_events_survive_reconnecting() -> Result<(), StoreError> {
    let db = TestDb::create().await;
    let (run, account, event) = {
        let store = PostgresStore::connect(&db.url).await?;
        let mut run = record("01KEPT", 0);
        store
            .create_run(&mut run, &[RunEvent::RunCreated { at: at(0) }])
            .await?;
        run.status = RunStatus::Waiting;
        run.wake_at = Some(at(100) + chrono::Duration::nanoseconds(1));
        store.append(&mut run, &[started("wait", 1)]).await?;
        store
            .put_task(&task("01KEPT.ask.1", "01KEPT", 2, None))
            .await?;
        let account = created_account(&store).await?;
        let event = store
            .emit_event(&NewEvent {
                name: "account.offboarded".into(),
                at: at(3),
                data: json!({"person": "ana@example.com"}),
            })
            .await?;
        store.close().await;
        (run, account, event)
    };
    let store = PostgresStore::connect(&db.url).await?;
    assert_eq!(store.run("01KEPT").await?, Some(run.clone()));
    assert_eq!(store.events("01KEPT").await?.len(), 2);
    assert_eq!(store.next_wake().await?, run.wake_at);
    assert_eq!(store.list_tasks(&TaskFilter::default()).await?.len(), 1);
    assert_eq!(store.account(&account.key()).await?, Some(account));
    assert_eq!(store.pending_events(10).await?, vec![event.clone()]);
    assert!(store.ack_event(event.id).await?);
    assert!(!store.ack_event(event.id).await?, "acknowledged once");
    assert!(store.verify_audit().await?.is_intact());
    Ok(())
}
