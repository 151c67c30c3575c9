//! Copies between sled and PostgreSQL: a set exported from one imports
//! into the other and exports again byte for byte, its audit chain still
//! verifies (the digests cover the very bytes), and the copy answers as
//! the original and goes on working.

use std::sync::Arc;

use chrono::NaiveDate;
use garita_engine::account::{
    Account, AccountKey, AccountStore, AccountUpdate, ChangeMeta, Company, Holder, NewEvent,
    TransitionKey, TransitionWrite,
};
use garita_engine::audit::AuditLog;
use garita_engine::backup::{check_record_set, BackupRecords, RecordSet};
use garita_engine::schedule::{ScheduleStore, TriggerKey, TriggerState};
use garita_engine::store_conformance::{at, record, started, task};
use garita_engine::user::{Language, Role, User, UserChange, UserChangeKind, UserStore};
use garita_engine::{OutboxEntry, OutboxStore, RunEvent, RunStatus, Store, StoreError};
use garita_store::{SledStore, StoreOptions};
use serde_json::json;

use crate::test_cluster::TestDb;

fn sled(dir: &std::path::Path) -> Result<SledStore, StoreError> {
    SledStore::open(dir, StoreOptions::default())
}

/// A store with one record of every kind, written through its traits.
async fn fill(
    runs: &dyn Store,
    accounts: &dyn AccountStore,
    outbox: &dyn OutboxStore,
    schedules: &dyn ScheduleStore,
    users: &dyn UserStore,
) -> Result<(), StoreError> {
    let mut waiting = record("R-wait", 0);
    runs.create_run(&mut waiting, &[RunEvent::RunCreated { at: at(0) }])
        .await?;
    waiting.status = RunStatus::Waiting;
    waiting.wake_at = Some(at(5_000) + chrono::Duration::nanoseconds(1_500));
    runs.append(&mut waiting, &[started("ask", 1)]).await?;
    runs.put_task(&task("R-wait.ask.1", "R-wait", 2, None))
        .await?;
    let mut account = Account::new(
        "ctpat",
        "Ana@Example.com",
        Holder {
            name: "Ana".into(),
            email: "ana@example.com".into(),
            ..Holder::default()
        },
        Company::default(),
    );
    account.deactivates_on = NaiveDate::from_ymd_opt(2026, 3, 16);
    let meta = ChangeMeta {
        by: "hr".into(),
        at: at(3),
    };
    let update = AccountUpdate {
        account: account.clone(),
        reason: "imported".into(),
        expected_revision: Some(0),
    };
    accounts.upsert_accounts(&[update], &meta, None).await?;
    let mut at_risk = account;
    at_risk.status = garita_engine::account::AccountStatus::AtRisk;
    let key = at_risk.key();
    accounts
        .apply_transitions(
            &[TransitionWrite {
                key: TransitionKey {
                    account: key.clone(),
                    name: "ctpat.at_risk".into(),
                    effective_on: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or_default(),
                },
                expected_revision: 1,
                update: AccountUpdate {
                    account: at_risk,
                    reason: "45-day rule".into(),
                    expected_revision: Some(1),
                },
                event: Some(NewEvent {
                    name: "ctpat.at_risk".into(),
                    at: at(4),
                    data: json!({"account": key.to_string()}),
                }),
            }],
            &meta,
        )
        .await?;
    let ctx = garita_sdk::InvokeContext::builder()
        .now(at(5))
        .attempt("R-wait", "notify", 1)
        .build();
    outbox
        .record(&OutboxEntry::queued(
            "<m1@garita.local>",
            &ctx,
            json!({"to": "ana@example.com"}),
            at(5),
        ))
        .await?;
    schedules
        .put_trigger_state(
            &TriggerKey::new("ctpat-watch", 0),
            &TriggerState::first_seen(at(6)),
        )
        .await?;
    let officer = User {
        email: "oficial@example.com".into(),
        role: Role::Officer,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        disabled: false,
        created_at: at(7),
        updated_at: at(7),
        language: Language::Es,
        revision: 0,
    };
    let change = UserChange {
        kind: UserChangeKind::Added,
        actor: "admin@example.com".into(),
        at: at(7),
    };
    users.write_user(&officer, 0, &change).await.map(drop)
}

/// Where two sets first differ, for a message.
fn difference(a: &RecordSet, b: &RecordSet) -> Option<String> {
    if a.audit_head != b.audit_head {
        return Some(format!("heads {:?} and {:?}", a.audit_head, b.audit_head));
    }
    for (x, y) in a.sections.iter().zip(&b.sections) {
        if x != y {
            return Some(format!("section {}", x.kind.name()));
        }
    }
    (a != b).then(|| "the sets differ".into())
}

#[tokio::test]
async fn a_sled_export_imports_here_and_back_byte_for_byte() -> Result<(), StoreError> {
    let dirs = tempfile::tempdir().map_err(|e| StoreError::Io {
        path: "tempdir".into(),
        detail: e.to_string(),
    })?;
    let original = Arc::new(sled(&dirs.path().join("original"))?);
    fill(
        original.as_ref(),
        original.as_ref(),
        original.as_ref(),
        original.as_ref(),
        original.as_ref(),
    )
    .await?;
    let from_sled = original.export_records().await?;
    assert!(check_record_set(&from_sled).is_ok());

    let (postgres, _db) = TestDb::fresh_store().await;
    postgres.import_records(&from_sled).await?;
    let from_postgres = postgres.export_records().await?;
    if let Some(d) = difference(&from_sled, &from_postgres) {
        panic!("PostgreSQL exports what it imported from sled, byte for byte: {d}");
    }
    let report = postgres.verify_audit().await?;
    assert!(report.is_intact(), "{:?}", report.problems);
    assert!(
        report.records_checked >= 5,
        "verify compares the copied records with their digests ({})",
        report.records_checked
    );
    // It answers as the original, indexes included.
    assert_eq!(postgres.run("R-wait").await?, original.run("R-wait").await?);
    assert_eq!(postgres.next_wake().await?, original.next_wake().await?);
    assert_eq!(
        postgres.due_runs(at(5_000)).await?,
        Vec::<String>::new(),
        "not due a nanosecond early"
    );
    assert_eq!(postgres.due_runs(at(5_001)).await?, vec!["R-wait"]);
    let day = NaiveDate::from_ymd_opt(2026, 3, 16).unwrap_or_default();
    assert_eq!(
        postgres.accounts_deactivating_between(day, day).await?,
        original.accounts_deactivating_between(day, day).await?
    );
    assert_eq!(
        postgres.pending_events(10).await?,
        original.pending_events(10).await?
    );
    // New writes go on: the event id comes after the copied ones.
    let copied = postgres.pending_events(10).await?;
    let next = postgres
        .emit_event(&NewEvent {
            name: "account.offboarded".into(),
            at: at(7),
            data: json!({}),
        })
        .await?;
    assert!(copied.iter().all(|e| e.id < next.id), "{copied:?} {next:?}");

    // And back into a new sled store, byte for byte.
    let back = sled(&dirs.path().join("back"))?;
    let again = postgres.export_records().await?;
    back.import_records(&again).await?;
    if let Some(d) = difference(&again, &back.export_records().await?) {
        panic!("sled exports what it imported from PostgreSQL, byte for byte: {d}");
    }
    assert!(back.verify_audit().await?.is_intact());
    let key = AccountKey::new("ctpat", "ana@example.com");
    assert_eq!(
        back.account_history(&key).await?,
        postgres.account_history(&key).await?
    );
    assert_eq!(back.users().await?, original.users().await?);
    assert_eq!(back.users().await?.len(), 1, "the console user came along");
    Ok(())
}

/// The same writes give the same record bytes in both stores (the kinds
/// whose bytes hold no write time or store-chosen id): a summary names its
/// source the same way, so either store's records verify in the other.
#[tokio::test]
async fn the_same_writes_store_the_same_bytes_as_sled() -> Result<(), StoreError> {
    use garita_engine::backup::RecordKind;
    let dir = tempfile::tempdir().map_err(|e| StoreError::Io {
        path: "tempdir".into(),
        detail: e.to_string(),
    })?;
    let on_sled = sled(dir.path())?;
    fill(&on_sled, &on_sled, &on_sled, &on_sled, &on_sled).await?;
    let (postgres, _db) = TestDb::fresh_store().await;
    fill(&postgres, &postgres, &postgres, &postgres, &postgres).await?;
    let (a, b) = (
        on_sled.export_records().await?,
        postgres.export_records().await?,
    );
    for kind in [
        RecordKind::Runs,
        RecordKind::Events,
        RecordKind::Sources,
        RecordKind::Tasks,
        RecordKind::Outbox,
        RecordKind::Accounts,
        RecordKind::Schedules,
        RecordKind::Users,
    ] {
        assert!(!a.section(kind).is_empty(), "{} filled", kind.name());
        assert_eq!(
            a.section(kind),
            b.section(kind),
            "{} records are the same bytes under the same keys",
            kind.name()
        );
    }
    Ok(())
}
