//! Tests of when entries say they were written: the system time whatever
//! the business clock says, the pinned instant beside it, entries from
//! before `recorded_at` existed, and a system clock set back.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use garita_engine::account::{
    Account, AccountKey, AccountStore, AccountUpdate, ChangeMeta, Company, Holder, NewEvent,
    ACCOUNT_OFFBOARDED,
};
use garita_engine::{
    ManualClock, OutboxEntry, OutboxStatus, OutboxStore, RecordingClock, RunEvent, RunRecord,
    RunStatus, Store, Task, TaskStatus,
};
use serde_json::json;

use super::chain::{AUDIT_TREE, HEAD_KEY};
use super::tests::raw_sled;

use crate::SledStore;
use crate::{Durability, StoreOptions};
use garita_engine::audit::{config_reload, AuditEntry, AuditHead, AuditLog};

/// The real time the tests pretend it is: 2026-12-04T21:00:00Z, plus `minutes`.
fn real(minutes: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_796_418_000, 0).unwrap() + Duration::minutes(minutes)
}

/// The business instant `--now 2027-03-01T12:00:00Z` pins.
fn pinned() -> DateTime<Utc> {
    DateTime::from_timestamp(1_803_902_400, 0).unwrap()
}

fn day(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("{text}T00:00:00Z"))
        .unwrap()
        .with_timezone(&Utc)
}

fn open(dir: &Path, system: &Arc<ManualClock>, business: Option<&Arc<ManualClock>>) -> SledStore {
    let options = StoreOptions {
        durability: Durability::ProcessCrash,
        ..StoreOptions::default()
    };
    let business = business.map(|clock| clock.clone() as Arc<dyn garita_engine::Clock>);
    SledStore::open_with_clock(dir, options, RecordingClock::new(system.clone(), business)).unwrap()
}

fn run_record(at: DateTime<Utc>) -> RunRecord {
    RunRecord {
        id: "r1".into(),
        workflow: "wf".into(),
        source: "name: wf\nsteps: []\n".into(),
        source_path: "wf.yaml".into(),
        inputs: json!({}),
        parent: None,
        status: RunStatus::Running,
        created_at: at,
        updated_at: at,
        next_seq: 0,
        wake_at: None,
        error: None,
        scope: serde_json::Value::Null,
    }
}

fn account_update() -> AccountUpdate {
    let holder = Holder {
        name: "Ana".into(),
        email: "ana@example.com".into(),
        employee_id: None,
        national_id: None,
    };
    let company = Company {
        legal_name: "Andina S.A.".into(),
        tax_id: "1790011674001".into(),
        ctpat_account_number: None,
    };
    AccountUpdate {
        account: Account::new("ecuapass", "u1", holder, company),
        reason: "created".into(),
        expected_revision: None,
    }
}

/// A run event, an account (with its history and an event), a task, a
/// message and a reported change, all dated `at` by the business clock.
async fn one_of_each(store: &SledStore, at: DateTime<Utc>) {
    let mut run = run_record(at);
    store
        .create_run(&mut run, &[RunEvent::RunCreated { at }])
        .await
        .unwrap();
    let meta = ChangeMeta {
        by: "ana@example.com".into(),
        at,
    };
    let event = NewEvent {
        name: ACCOUNT_OFFBOARDED.into(),
        at,
        data: json!({}),
    };
    store
        .upsert_accounts(&[account_update()], &meta, Some(&event))
        .await
        .unwrap();
    let task = Task {
        id: "t1".into(),
        run_id: "r1".into(),
        step_id: "confirm".into(),
        workflow: "wf".into(),
        title: "Confirm".into(),
        body: "Did it work?".into(),
        assignee: None,
        due: None,
        fields: None,
        status: TaskStatus::Open,
        created_at: at,
        answer: None,
    };
    store.put_task(&task).await.unwrap();
    let message = OutboxEntry {
        message_id: "<m1@garita>".into(),
        run_id: "r1".into(),
        step_id: "notify".into(),
        attempt: 1,
        attempts: 1,
        status: OutboxStatus::Queued,
        input: json!({"to": "ana@example.com", "subject": "Hola"}),
        locale: "es".into(),
        time_zone: "UTC".into(),
        created_at: at,
        updated_at: at,
        output: None,
        error: None,
        retryable: None,
        transport: None,
    };
    store.record(&message).await.unwrap();
    store
        .record_audit(config_reload(at, "workflows", json!({})))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_pinned_clock_dates_the_change_but_never_the_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let system = Arc::new(ManualClock::new(real(0)));
    let business = Arc::new(ManualClock::new(pinned()));
    let store = open(dir.path(), &system, Some(&business));
    one_of_each(&store, pinned()).await;

    let entries = store.audit_entries_now(1, None).unwrap();
    let kinds: Vec<&str> = entries.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "run.event",
            "account.created",
            "event.emitted",
            "task.opened",
            "email.queued",
            "config.reload"
        ]
    );
    for entry in &entries {
        assert_eq!(entry.at, pinned(), "{entry:?}");
        assert_eq!(entry.recorded_at, Some(real(0)), "{entry:?}");
        assert_eq!(entry.pinned_at, Some(pinned()), "{entry:?}");
        assert_eq!(entry.computed_hash().as_deref(), Some(entry.hash.as_str()));
    }
    // The account's history entry carries the same two times as its entry.
    let history = store
        .account_history(&AccountKey::new("ecuapass", "u1"))
        .await
        .unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].at, pinned());
    assert_eq!(history[0].recorded_at, Some(real(0)));
    assert_eq!(history[0].pinned_at, Some(pinned()));

    let report = store.audit_trees().unwrap().verify().unwrap();
    assert!(report.is_intact(), "{:?}", report.problems);
    assert_eq!(report.pinned, [1, 2, 3, 4, 5, 6]);
    assert_eq!(report.without_recorded_at, 0);
    assert!(report.clock_warnings.is_empty());

    // A period is the real time of writing: today holds them, March 2027
    // (what the pinned clock said) holds none.
    let today = super::read::between(
        &store.trees.audit.tree,
        &store.path,
        day("2026-12-04"),
        day("2026-12-05"),
    )
    .unwrap();
    assert_eq!(today.len(), 6);
    let march = super::read::between(
        &store.trees.audit.tree,
        &store.path,
        day("2027-03-01"),
        day("2027-04-01"),
    )
    .unwrap();
    assert!(march.is_empty(), "{march:?}");

    // Unpinned, the same writes record no pinned instant.
    drop(store);
    let store = open(dir.path(), &system, None);
    store
        .record_audit(config_reload(real(0), "workflows", json!({})))
        .await
        .unwrap();
    let last = store.audit_entries_now(7, None).unwrap();
    assert_eq!(last[0].recorded_at, Some(real(0)));
    assert_eq!(last[0].pinned_at, None);
    assert_eq!(
        store.audit_trees().unwrap().verify().unwrap().pinned,
        [1, 2, 3, 4, 5, 6]
    );
}

#[tokio::test]
async fn the_write_time_is_covered_by_the_hash() {
    let dir = tempfile::tempdir().unwrap();
    let system = Arc::new(ManualClock::new(real(0)));
    let business = Arc::new(ManualClock::new(pinned()));
    {
        let store = open(dir.path(), &system, Some(&business));
        one_of_each(&store, pinned()).await;
    }
    // Someone moves entry 2 into March 2027 and clears entry 3's pin.
    rewrite(dir.path(), 2, |entry| entry.recorded_at = Some(pinned()));
    rewrite(dir.path(), 3, |entry| entry.pinned_at = None);
    let report = open(dir.path(), &system, None)
        .audit_trees()
        .unwrap()
        .verify()
        .unwrap();
    let modified: Vec<u64> = report
        .problems
        .iter()
        .filter(|p| p.problem.contains("it was modified"))
        .map(|p| p.seq)
        .collect();
    assert_eq!(modified, [2, 3], "{:?}", report.problems);
}

#[tokio::test]
async fn entries_from_before_recorded_at_still_verify_and_export_by_their_own_time() {
    let dir = tempfile::tempdir().unwrap();
    let system = Arc::new(ManualClock::new(real(0)));
    drop(open(dir.path(), &system, None));
    // Two entries as a garita before this change wrote them: no write time.
    let old_day = day("2026-02-25");
    let db = raw_sled(dir.path());
    let audit = db.open_tree(AUDIT_TREE).unwrap();
    let mut prev = "0".repeat(64);
    for seq in 1..=2u64 {
        let mut entry = AuditEntry {
            seq,
            at: old_day + Duration::hours(seq as i64),
            kind: "config.reload".into(),
            subject: "workflows".into(),
            actor: None,
            summary: json!({"trigger": "SIGHUP"}),
            recorded_at: None,
            pinned_at: None,
            prev_hash: prev.clone(),
            hash: String::new(),
        };
        entry.hash = entry.computed_hash().unwrap();
        let bytes = super::compact::encode_entry(&entry).unwrap();
        // What the old format stored: no trace of the new fields.
        assert!(!String::from_utf8_lossy(&bytes).contains("recorded_at"));
        audit.insert(seq.to_be_bytes(), bytes).unwrap();
        prev = entry.hash;
    }
    let head = AuditHead {
        seq: 2,
        hash: prev.clone(),
    };
    let meta = db.open_tree(crate::keys::tree::META).unwrap();
    meta.insert(HEAD_KEY, crate::codec::encode(&head, "head").unwrap())
        .unwrap();
    db.flush().unwrap();
    drop((audit, meta, db));

    // The new garita chains its first entry onto the old ones.
    let store = reopen(dir.path(), &system);
    store
        .record_audit(config_reload(real(0), "workflows", json!({})))
        .await
        .unwrap();
    let report = store.audit_trees().unwrap().verify().unwrap();
    assert!(report.is_intact(), "{:?}", report.problems);
    assert_eq!(report.entries, 3);
    assert_eq!(report.without_recorded_at, 2);
    assert!(report.pinned.is_empty());
    let third = store.audit_entries_now(3, None).unwrap();
    assert_eq!(third[0].prev_hash, prev);
    assert_eq!(third[0].recorded_at, Some(real(0)));

    // Old entries are selected by their `at`, new ones by `recorded_at`.
    let seqs = |from, to| -> Vec<u64> {
        super::read::between(&store.trees.audit.tree, &store.path, from, to)
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect()
    };
    assert_eq!(seqs(old_day, old_day + Duration::days(1)), [1, 2]);
    assert_eq!(seqs(old_day, old_day + Duration::minutes(90)), [1]);
    assert_eq!(seqs(day("2026-12-04"), day("2026-12-05")), [3]);
}

#[tokio::test]
async fn a_system_clock_set_back_is_a_warning_with_the_seqs_not_a_break() {
    let dir = tempfile::tempdir().unwrap();
    let system = Arc::new(ManualClock::new(real(60)));
    let store = open(dir.path(), &system, None);
    let append = |at| store.record_audit(config_reload(at, "workflows", json!({})));
    append(real(60)).await.unwrap();
    // Back by a second: an NTP slew, within the tolerance.
    system.set(real(60) - Duration::seconds(1));
    append(real(60)).await.unwrap();
    // Back by an hour.
    system.set(real(0));
    append(real(60)).await.unwrap();
    // Forward again from there: nothing more to say.
    system.set(real(1));
    append(real(61)).await.unwrap();

    let report = store.audit_trees().unwrap().verify().unwrap();
    assert!(report.is_intact(), "{:?}", report.problems);
    assert_eq!(report.more_clock_warnings, 0);
    let [warning] = report.clock_warnings.as_slice() else {
        panic!("{:?}", report.clock_warnings);
    };
    assert_eq!(
        (warning.seq, warning.previous_seq),
        (3, 2),
        "{:?}",
        report.clock_warnings
    );
    assert_eq!(warning.recorded_at, real(0));
    assert_eq!(
        warning.previous_recorded_at,
        real(60) - Duration::seconds(1)
    );
    assert_eq!(warning.back_by_ms, 3_599_000);
    assert_eq!(
        warning.to_string(),
        "entry 3 was recorded at 2026-12-04T21:00:00Z, 59 min 59 s before entry 2 (2026-12-04T21:59:59Z): the system clock was set back between them"
    );
}

/// Reopens a store just closed by sled alone (its lock may linger a moment).
fn reopen(dir: &Path, system: &Arc<ManualClock>) -> SledStore {
    for _ in 0..100 {
        let options = StoreOptions {
            durability: Durability::ProcessCrash,
            ..StoreOptions::default()
        };
        let clock = RecordingClock::new(system.clone(), None);
        if let Ok(store) = SledStore::open_with_clock(dir, options, clock) {
            return store;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("cannot reopen the store");
}

/// Changes entry `seq` in sled directly, keeping its recorded hash.
fn rewrite(dir: &Path, seq: u64, change: impl FnOnce(&mut AuditEntry)) {
    let db = raw_sled(dir);
    let audit = db.open_tree(AUDIT_TREE).unwrap();
    let key = seq.to_be_bytes();
    let mut entry: AuditEntry =
        super::compact::decode_entry(&audit.get(key).unwrap().unwrap(), String::new).unwrap();
    change(&mut entry);
    audit
        .insert(key, super::compact::encode_entry(&entry).unwrap())
        .unwrap();
    db.flush().unwrap();
}
