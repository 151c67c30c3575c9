//! Tests of the audit chain through the store's real write paths, and of
//! verification against a store tampered with directly in sled.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use garita_engine::account::{
    Account, AccountStore, AccountUpdate, ChangeMeta, Company, Holder, NewEvent, ACCOUNT_OFFBOARDED,
};
use garita_engine::{
    OutboxEntry, OutboxStatus, OutboxStore, RunEvent, RunRecord, RunStatus, Store, Task,
    TaskAnswer, TaskStatus,
};
use proptest::prelude::*;
use serde_json::json;

use super::chain::{AUDIT_TREE, HEAD_KEY};

use crate::SledStore;
use crate::{Durability, StoreOptions};
use garita_engine::audit::{config_reload, AuditEntry, AuditHead, AuditLog, AuditReport};

fn at(minutes: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(1_772_000_000, 0).unwrap() + Duration::minutes(minutes)
}

fn options() -> StoreOptions {
    StoreOptions {
        durability: Durability::ProcessCrash,
        ..StoreOptions::default()
    }
}

fn open(dir: &Path) -> SledStore {
    SledStore::open(dir, options()).unwrap()
}

fn record(id: &str) -> RunRecord {
    RunRecord {
        id: id.into(),
        workflow: "wf".into(),
        source: "name: wf\nsteps: []\n".into(),
        source_path: "workflows/wf.yaml".into(),
        inputs: json!({"token": "***", "ruc": "1790011674001"}),
        parent: None,
        status: RunStatus::Running,
        created_at: at(0),
        updated_at: at(0),
        next_seq: 0,
        wake_at: None,
        error: None,
        scope: serde_json::Value::Null,
    }
}

fn task(id: &str) -> Task {
    Task {
        id: id.into(),
        run_id: "r1".into(),
        step_id: "confirm".into(),
        workflow: "wf".into(),
        title: "Confirm".into(),
        body: "Did it work?".into(),
        assignee: Some("ana@example.com".into()),
        due: Some(at(60)),
        fields: None,
        status: TaskStatus::Open,
        created_at: at(2),
        answer: None,
    }
}

fn email(status: OutboxStatus) -> OutboxEntry {
    OutboxEntry {
        message_id: "<m1@garita>".into(),
        run_id: "r1".into(),
        step_id: "notify".into(),
        attempt: 1,
        attempts: 1,
        status,
        input: json!({"to": "ana@example.com", "subject": "Hola", "body": "long text"}),
        locale: "es".into(),
        time_zone: "UTC".into(),
        created_at: at(3),
        updated_at: at(4),
        output: None,
        error: None,
        retryable: None,
        transport: None,
    }
}

fn account(identifier: &str, role: &str) -> AccountUpdate {
    let mut account = Account::new(
        "ecuapass",
        identifier,
        Holder {
            name: "Ana".into(),
            email: "ana@example.com".into(),
            employee_id: None,
            national_id: None,
        },
        Company {
            legal_name: "Andina S.A.".into(),
            tax_id: "1790011674001".into(),
            ctpat_account_number: None,
        },
    );
    account.role = Some(role.into());
    AccountUpdate {
        account,
        reason: "test".into(),
        expected_revision: None,
    }
}

fn head_seq(store: &SledStore) -> u64 {
    store.trees.audit.head().seq
}

/// A store holding one of every kind of entry: 11 entries.
async fn populated(dir: &Path) {
    let store = open(dir);
    let mut run = record("r1");
    let created = [RunEvent::RunCreated { at: at(0) }];
    store.create_run(&mut run, &created).await.unwrap();
    let step = [RunEvent::StepStarted {
        step: "s".into(),
        attempt: 1,
        at: at(1),
    }];
    store.append(&mut run, &step).await.unwrap();
    store.put_task(&task("t1")).await.unwrap();
    store.record(&email(OutboxStatus::Queued)).await.unwrap();
    store.record(&email(OutboxStatus::Sent)).await.unwrap();
    let meta = ChangeMeta {
        by: "ana@example.com".into(),
        at: at(5),
    };
    store
        .upsert_accounts(&[account("u1", "operator")], &meta, None)
        .await
        .unwrap();
    store
        .upsert_accounts(&[account("u1", "admin")], &meta, None)
        .await
        .unwrap();
    let event = NewEvent {
        name: ACCOUNT_OFFBOARDED.into(),
        at: at(6),
        data: json!({"person": "ana@example.com"}),
    };
    store.emit_event(&event).await.unwrap();
    let mut answered = task("t1");
    answered.status = TaskStatus::Completed;
    answered.answer = Some(TaskAnswer {
        outcome: TaskStatus::Completed,
        fields: json!({"ticket": "T-1"}),
        note: None,
        by: Some("luis@example.com".into()),
        at: at(7),
    });
    store.put_task(&answered).await.unwrap();
    let ended = [RunEvent::RunSucceeded {
        outputs: json!({}),
        at: at(8),
    }];
    run.status = RunStatus::Succeeded;
    store.append(&mut run, &ended).await.unwrap();
    store
        .record_audit(config_reload(
            at(9),
            "workflows",
            json!({"workflows": ["wf"]}),
        ))
        .await
        .unwrap();
}

/// Opens the store's files with sled alone (as someone with write access
/// to the directory could), lets `tamper` change the audit tree and meta
/// tree, and flushes.
fn tamper(dir: &Path, tamper: impl FnOnce(&sled::Tree, &sled::Tree)) {
    let db = raw_sled(dir);
    let audit = db.open_tree(AUDIT_TREE).unwrap();
    let meta = db.open_tree(crate::keys::tree::META).unwrap();
    tamper(&audit, &meta);
    db.flush().unwrap();
}

/// sled without Garita, on a store that just closed: sled's I/O threads
/// may hold its file lock a moment longer, so a refusal is retried.
pub(super) fn raw_sled(dir: &Path) -> sled::Db {
    let config = crate::sled_config::sled_config(dir).unwrap();
    match crate::open::open_waiting_for_lock(&config) {
        Ok(Ok(db)) => db,
        Ok(Err(e)) => panic!("cannot open the store with sled alone: {e}"),
        Err(_) => panic!("sled panicked opening the store alone"),
    }
}

fn verify(dir: &Path) -> AuditReport {
    open(dir).audit_trees().unwrap().verify().unwrap()
}

#[tokio::test]
async fn every_change_appends_exactly_one_entry_and_the_chain_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let mut run = record("r1");
    let two = [
        RunEvent::RunCreated { at: at(0) },
        RunEvent::StepStarted {
            step: "s".into(),
            attempt: 1,
            at: at(1),
        },
    ];
    store.create_run(&mut run, &two).await.unwrap();
    assert_eq!(head_seq(&store), 2, "one entry per run event");

    // A refused append (stale copy) writes neither events nor entries.
    let mut stale = record("r1");
    stale.next_seq = 1;
    assert!(store
        .append(
            &mut stale,
            &[RunEvent::RunFailed {
                error: "x".into(),
                at: at(1)
            }]
        )
        .await
        .is_err());
    assert_eq!(head_seq(&store), 2);

    store.put_task(&task("t1")).await.unwrap();
    assert_eq!(head_seq(&store), 3);
    store.put_task(&task("t1")).await.unwrap();
    assert_eq!(head_seq(&store), 3, "rewriting the same task is no change");

    store.record(&email(OutboxStatus::Queued)).await.unwrap();
    store.record(&email(OutboxStatus::Queued)).await.unwrap();
    assert_eq!(
        head_seq(&store),
        4,
        "rewriting the same message is no change"
    );
    store.record(&email(OutboxStatus::Sent)).await.unwrap();
    assert_eq!(head_seq(&store), 5);

    let meta = ChangeMeta {
        by: "ana@example.com".into(),
        at: at(5),
    };
    let batch = [account("u1", "operator"), account("u2", "operator")];
    store.upsert_accounts(&batch, &meta, None).await.unwrap();
    assert_eq!(head_seq(&store), 7, "one entry per changed account");
    store.upsert_accounts(&batch, &meta, None).await.unwrap();
    assert_eq!(head_seq(&store), 7, "an unchanged account writes no entry");
    let event = NewEvent {
        name: ACCOUNT_OFFBOARDED.into(),
        at: at(6),
        data: json!({}),
    };
    let changed = [account("u1", "admin")];
    store
        .upsert_accounts(&changed, &meta, Some(&event))
        .await
        .unwrap();
    assert_eq!(head_seq(&store), 9, "the account and the queued event");
    store.emit_event(&event).await.unwrap();
    assert_eq!(head_seq(&store), 10);

    let entries = store.audit_entries_now(1, None).unwrap();
    let kinds: Vec<&str> = entries.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "run.event",
            "run.event",
            "task.opened",
            "email.queued",
            "email.sent",
            "account.created",
            "account.created",
            "account.changed",
            "event.emitted",
            "event.emitted"
        ]
    );
    assert_eq!(entries[0].prev_hash, "0".repeat(64));
    for pair in entries.windows(2) {
        assert_eq!(pair[1].prev_hash, pair[0].hash);
        assert_eq!(pair[1].seq, pair[0].seq + 1);
    }
    assert_eq!(entries[0].summary["inputs"]["token"], "***");
    assert_eq!(entries[7].actor.as_deref(), Some("ana@example.com"));
    assert_eq!(entries[7].subject, "ecuapass:u1");
    assert_eq!(entries[7].summary["changes"][0]["field"], "role");
    assert_eq!(entries[4].subject, "<m1@garita>");
    assert_eq!(entries[4].summary["to"], "ana@example.com");
    assert!(entries[4].summary.get("body").is_none());

    let report = store.audit_trees().unwrap().verify().unwrap();
    assert!(report.is_intact(), "{:?}", report.problems);
    assert_eq!(report.entries, 10);
    assert_eq!(report.head, AuditHead::from(store.trees.audit.head()));
    assert_eq!(report.head.hash, entries[9].hash);
}

#[tokio::test]
async fn the_chain_continues_across_reopening() {
    let dir = tempfile::tempdir().unwrap();
    populated(dir.path()).await;
    let store = open(dir.path());
    assert_eq!(head_seq(&store), 11);
    store.put_task(&task("t2")).await.unwrap();
    let report = store.audit_trees().unwrap().verify().unwrap();
    assert!(report.is_intact(), "{:?}", report.problems);
    assert_eq!(report.entries, 12);
    // (Selecting a period by write time: write_time_tests.rs.)
    assert_eq!(store.audit_entries_now(3, Some(4)).unwrap().len(), 2);
}

#[tokio::test]
async fn a_modified_entry_is_named() {
    let dir = tempfile::tempdir().unwrap();
    populated(dir.path()).await;
    tamper(dir.path(), |audit, _| {
        let key = 6u64.to_be_bytes();
        let mut entry: AuditEntry =
            super::compact::decode_entry(&audit.get(key).unwrap().unwrap(), String::new).unwrap();
        entry.actor = Some("mallory@example.com".into());
        audit
            .insert(key, super::compact::encode_entry(&entry).unwrap())
            .unwrap();
    });
    let report = verify(dir.path());
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    let problem = &report.problems[0];
    assert_eq!(problem.seq, 6);
    assert_eq!(problem.kind.as_deref(), Some("account.created"));
    assert_eq!(problem.subject.as_deref(), Some("ecuapass:u1"));
    assert!(problem.problem.contains("modified"), "{problem}");
}

#[tokio::test]
async fn a_modified_entry_with_a_recomputed_hash_breaks_the_next_link() {
    let dir = tempfile::tempdir().unwrap();
    populated(dir.path()).await;
    tamper(dir.path(), |audit, _| {
        let key = 4u64.to_be_bytes();
        let mut entry: AuditEntry =
            super::compact::decode_entry(&audit.get(key).unwrap().unwrap(), String::new).unwrap();
        entry.summary["to"] = json!("mallory@example.com");
        entry.hash = entry.computed_hash().unwrap();
        audit
            .insert(key, super::compact::encode_entry(&entry).unwrap())
            .unwrap();
    });
    let report = verify(dir.path());
    // The broken link, and the entry before it, named as where to look.
    assert_eq!(report.problems.len(), 2, "{:?}", report.problems);
    let link = report.problems.iter().find(|p| p.seq == 5).unwrap();
    assert!(link.problem.contains("entry 4"), "{link}");
    let before = report.problems.iter().find(|p| p.seq == 4).unwrap();
    assert!(before.problem.contains("modified"), "{before}");
}

#[tokio::test]
async fn a_removed_entry_is_named() {
    let dir = tempfile::tempdir().unwrap();
    populated(dir.path()).await;
    tamper(dir.path(), |audit, _| {
        audit.remove(7u64.to_be_bytes()).unwrap();
    });
    let report = verify(dir.path());
    assert_eq!(report.problems[0].seq, 7, "{:?}", report.problems);
    assert!(report.problems[0].problem.contains("entry 7 is missing"));
    assert!(!report.is_intact());
}

#[tokio::test]
async fn removed_newest_entries_are_found_through_the_head() {
    let dir = tempfile::tempdir().unwrap();
    populated(dir.path()).await;
    tamper(dir.path(), |audit, _| {
        audit.remove(10u64.to_be_bytes()).unwrap();
        audit.remove(11u64.to_be_bytes()).unwrap();
    });
    let report = verify(dir.path());
    assert_eq!(report.problems.len(), 2, "{:?}", report.problems);
    assert_eq!(report.problems[0].seq, 10);
    assert!(report.problems[0]
        .problem
        .contains("entries 10 to 11 are missing"));
    // Entry 10 recorded the run's last event, which is still stored.
    assert!(report.problems[1]
        .problem
        .contains("event 2 of run r1 has no audit entry"));
}

#[tokio::test]
async fn reordered_entries_are_named() {
    let dir = tempfile::tempdir().unwrap();
    populated(dir.path()).await;
    tamper(dir.path(), |audit, _| {
        let a = audit.get(3u64.to_be_bytes()).unwrap().unwrap();
        let b = audit.get(4u64.to_be_bytes()).unwrap().unwrap();
        audit.insert(3u64.to_be_bytes(), b).unwrap();
        audit.insert(4u64.to_be_bytes(), a).unwrap();
    });
    let report = verify(dir.path());
    let first = &report.problems[0];
    assert_eq!(first.seq, 3, "{:?}", report.problems);
    assert_eq!(first.kind.as_deref(), Some("email.queued"));
    assert!(first.problem.contains("reordered"), "{first}");
}

#[tokio::test]
async fn a_replaced_head_or_an_unreadable_entry_is_reported_and_the_store_still_opens() {
    let dir = tempfile::tempdir().unwrap();
    populated(dir.path()).await;
    tamper(dir.path(), |audit, meta| {
        audit
            .insert(2u64.to_be_bytes(), &b"\x01{not json"[..])
            .unwrap();
        meta.insert(HEAD_KEY, &b"garbage"[..]).unwrap();
    });
    let store = open(dir.path());
    let report = store.audit_trees().unwrap().verify().unwrap();
    let seqs: Vec<u64> = report.problems.iter().map(|p| p.seq).collect();
    assert!(seqs.contains(&2), "{:?}", report.problems);
    assert!(report.problems.iter().any(|p| p.problem.contains("head")));
    // Appending still works (after the last entry).
    store.put_task(&task("t9")).await.unwrap();
    assert_eq!(head_seq(&store), 12);
}

/// Where a single-byte change goes: which stored value (or key) and which byte.
#[derive(Debug, Clone)]
struct Flip {
    entry: u64,
    in_key: bool,
    offset: usize,
    mask: u8,
}

fn flips() -> impl Strategy<Value = Flip> {
    (
        1u64..=11,
        proptest::bool::weighted(0.1),
        0usize..2000,
        1u8..=255,
    )
        .prop_map(|(entry, in_key, offset, mask)| Flip {
            entry,
            in_key,
            offset,
            mask,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Any single-byte change of any stored entry (its value or its key) is
    /// found, at that entry.
    #[test]
    fn any_single_byte_change_is_detected(flip in flips()) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let dir = tempfile::tempdir().unwrap();
        runtime.block_on(populated(dir.path()));
        tamper(dir.path(), |audit, _| {
            let key = flip.entry.to_be_bytes();
            let value = audit.get(key).unwrap().unwrap();
            if flip.in_key {
                let mut moved = key;
                moved[flip.offset % 8] ^= flip.mask;
                audit.remove(key).unwrap();
                audit.insert(moved, value).unwrap();
            } else {
                let mut bytes = value.to_vec();
                let at = flip.offset % bytes.len();
                bytes[at] ^= flip.mask;
                audit.insert(key, bytes).unwrap();
            }
        });
        let report = runtime.block_on(async { open(dir.path()).audit_trees().unwrap().verify().unwrap() });
        prop_assert!(!report.is_intact(), "undetected: {flip:?}");
        prop_assert!(
            report.problems.iter().any(|p| p.seq == flip.entry),
            "not named at entry {}: {:?}", flip.entry, report.problems
        );
    }
}

/// Opens the store's files with sled alone and changes one record tree.
fn tamper_tree(dir: &Path, tree: &str, change: impl FnOnce(&sled::Tree)) {
    let db = raw_sled(dir);
    change(&db.open_tree(tree).unwrap());
    db.flush().unwrap();
}

#[tokio::test]
async fn an_intact_store_compares_every_record_with_its_entry() {
    let dir = tempfile::tempdir().unwrap();
    populated(dir.path()).await;
    let report = verify(dir.path());
    assert!(report.is_intact(), "{:?}", report.problems);
    // 3 run events, 2 account history entries, the current task and message.
    assert_eq!(report.records_checked, 7);
}

#[tokio::test]
async fn a_run_event_changed_behind_the_log_is_named_at_its_entry() {
    let dir = tempfile::tempdir().unwrap();
    populated(dir.path()).await;
    tamper_tree(dir.path(), crate::keys::tree::EVENTS, |events| {
        let key = crate::keys::event_key("r1", 1);
        let mut bytes = events.get(&key).unwrap().unwrap().to_vec();
        let text = String::from_utf8(bytes.split_off(1)).unwrap();
        bytes.extend(text.replace("\"attempt\":1", "\"attempt\":2").into_bytes());
        events.insert(key, bytes).unwrap();
    });
    let report = verify(dir.path());
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    let problem = &report.problems[0];
    assert_eq!((problem.seq, problem.subject.as_deref()), (2, Some("r1")));
    assert!(problem.problem.contains("event 1 of run r1"), "{problem}");
    assert!(problem.problem.contains("modified"), "{problem}");
}

#[tokio::test]
async fn history_tasks_and_messages_changed_removed_or_added_behind_the_log_are_found() {
    let dir = tempfile::tempdir().unwrap();
    populated(dir.path()).await;
    tamper_tree(
        dir.path(),
        crate::accounts::keys::tree::HISTORY,
        |history| {
            let first = history.iter().next().unwrap().unwrap().0;
            history.remove(first).unwrap();
        },
    );
    tamper_tree(dir.path(), crate::tasks::TREE, |tasks| {
        let mut task: Task =
            crate::codec::decode(&tasks.get("t1").unwrap().unwrap(), String::new).unwrap();
        task.answer.as_mut().unwrap().by = Some("mallory@example.com".into());
        tasks
            .insert("t1", crate::codec::encode(&task, "t").unwrap())
            .unwrap();
    });
    tamper_tree(dir.path(), crate::keys::tree::EVENTS, |events| {
        let extra = crate::keys::event_key("r1", 3);
        let copy = events
            .get(crate::keys::event_key("r1", 2))
            .unwrap()
            .unwrap();
        events.insert(extra, copy).unwrap();
    });
    let report = verify(dir.path());
    let described: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(described.len(), 3, "{described:#?}");
    assert!(
        described
            .iter()
            .any(|p| p.starts_with("entry 6 (account.created ecuapass:u1)")
                && p.contains("history entry 1 of account ecuapass:u1")
                && p.contains("missing")),
        "{described:#?}"
    );
    assert!(
        described
            .iter()
            .any(|p| p.starts_with("entry 9 (task.answered t1)") && p.contains("modified")),
        "{described:#?}"
    );
    assert!(
        described
            .iter()
            .any(|p| p.starts_with("entry 1 (run.event r1)")
                && p.contains("event 3 of run r1 has no audit entry")),
        "{described:#?}"
    );
}

#[tokio::test]
async fn commits_that_land_while_verifying_are_not_reported() {
    let dir = tempfile::tempdir().unwrap();
    populated(dir.path()).await;
    let store = open(dir.path());
    // As if the check had taken its snapshot at entry 3 and everything after
    // it was committed meanwhile (through the daemon): the task answered
    // and the run's last event are explained by the newer entries.
    let third = store.audit_entries_now(3, Some(3)).unwrap().remove(0);
    let audit = store.audit_trees().unwrap();
    let records_to = |hash: String| async {
        let mut report = AuditReport {
            entries: 3,
            head: AuditHead { seq: 3, hash },
            problems: Vec::new(),
            more_problems: 0,
            records_checked: 0,
            pinned: Vec::new(),
            without_recorded_at: 0,
            clock_warnings: Vec::new(),
            more_clock_warnings: 0,
        };
        garita_engine::audit::check_records(&audit, &mut report)
            .await
            .unwrap();
        report
    };
    let found = records_to(third.hash.clone()).await;
    assert!(found.problems.is_empty(), "{:?}", found.problems);
    assert_eq!(
        found.records_checked, 3,
        "two run events and the task as of entry 3"
    );
    // Entries that do not chain on from the head explain nothing.
    let found = records_to("0".repeat(64)).await;
    assert_eq!(found.problems.len(), 2, "{:?}", found.problems);
}

#[tokio::test]
async fn an_unreadable_end_of_the_log_is_damage_and_unreadable_middle_entries_are_not() {
    // The last entry cut short, as an interrupted write leaves it.
    let dir = tempfile::tempdir().unwrap();
    populated(dir.path()).await;
    let last = head_seq(&open(dir.path()));
    tamper(dir.path(), |audit, _| {
        let whole = audit.get(last.to_be_bytes()).unwrap().unwrap();
        audit
            .insert(last.to_be_bytes(), &whole[..whole.len() / 2])
            .unwrap();
    });
    let report = verify(dir.path());
    assert!(!report.is_intact());
    assert!(report.is_only_damaged(), "{:?}", report.problems);
    let problem = &report.problems[0];
    assert_eq!(problem.seq, last);
    assert!(problem.problem.contains("damaged data"), "{problem}");
    assert!(!problem.problem.contains("modified"), "{problem}");

    // The same cut in the middle of readable entries is not "damage at the
    // end": it is reported as a modification.
    let dir = tempfile::tempdir().unwrap();
    populated(dir.path()).await;
    tamper(dir.path(), |audit, _| {
        let whole = audit.get(3u64.to_be_bytes()).unwrap().unwrap();
        audit
            .insert(3u64.to_be_bytes(), &whole[..whole.len() / 2])
            .unwrap();
    });
    let report = verify(dir.path());
    assert!(!report.is_only_damaged(), "{:?}", report.problems);
    assert!(report.problems.iter().any(|p| p.seq == 3 && !p.damaged));
}

#[tokio::test]
async fn the_sled_log_passes_the_audit_conformance_suite() {
    use garita_engine::audit::conformance::{audit_checks, FreshLog};
    audit_checks(&|| {
        Box::pin(async {
            let dir = tempfile::tempdir().unwrap();
            let store = open(dir.path());
            let log: FreshLog = (std::sync::Arc::new(store), Box::new(dir));
            log
        })
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    garita_engine::audit::conformance::audited_write_checks(&store, &store).await;
}

/// A store as a garita of schema 3 wrote it: every audit entry JSON (the
/// old encoder, `record_codec::encode`), schema version 3. Opening it
/// rewrites the entries compactly, each decoding to the same entry (so the
/// same hash), raises the version, and the chain and records still verify.
#[tokio::test]
async fn a_schema_3_store_with_json_entries_is_migrated_to_compact_entries() {
    use super::compact::{decode_entry, COMPACT_V3};
    use garita_engine::record_codec::JSON_V1;

    let dir = tempfile::tempdir().unwrap();
    populated(dir.path()).await;
    let before = {
        let db = raw_sled(dir.path());
        let audit = db.open_tree(AUDIT_TREE).unwrap();
        let mut before = Vec::new();
        for item in audit.iter() {
            let (key, value) = item.unwrap();
            let entry = decode_entry(&value, String::new).unwrap();
            audit
                .insert(
                    &key,
                    garita_engine::record_codec::encode(&entry, "old").unwrap(),
                )
                .unwrap();
            before.push(entry);
        }
        db.open_tree("meta")
            .unwrap()
            .insert(crate::keys::SCHEMA_VERSION_KEY, &3u32.to_be_bytes())
            .unwrap();
        db.flush().unwrap();
        before
    };
    assert!(before.len() > 10, "{}", before.len());
    let json_bytes: usize = {
        let db = raw_sled(dir.path());
        let audit = db.open_tree(AUDIT_TREE).unwrap();
        audit.iter().map(|i| i.unwrap().1.len()).sum()
    };

    let store = open(dir.path());
    let after = store.audit_entries_now(1, None).unwrap();
    assert_eq!(after, before);
    let report = store.audit_trees().unwrap().verify().unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    drop(store);

    let db = raw_sled(dir.path());
    let audit = db.open_tree(AUDIT_TREE).unwrap();
    let stored: Vec<_> = audit.iter().map(|i| i.unwrap().1).collect();
    assert!(
        stored.iter().all(|v| v[0] == COMPACT_V3),
        "every entry compact, without its hash (its hash is its content's)"
    );
    assert!(!stored.iter().any(|v| v[0] == JSON_V1));
    let compact_bytes: usize = stored.iter().map(|v| v.len()).sum();
    assert!(
        compact_bytes * 2 < json_bytes,
        "{compact_bytes} vs {json_bytes}"
    );
    let version = db
        .open_tree("meta")
        .unwrap()
        .get(crate::keys::SCHEMA_VERSION_KEY)
        .unwrap()
        .unwrap();
    assert_eq!(version.as_ref(), &crate::SCHEMA_VERSION.to_be_bytes());
}
