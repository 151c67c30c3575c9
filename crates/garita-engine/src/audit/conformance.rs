//! What every [`AuditLog`] must do, as checks a backend runs from its own
//! tests with one line each (the in-memory log here, sled in `garita-store`,
//! and any later backend):
//!
//! ```ignore
//! garita_engine::audit::conformance::audit_checks(&|| Box::pin(async { (fresh_log(), Box::new(temp_dir)) })).await;
//! // a backend whose store also records its own changes in the log:
//! garita_engine::audit::conformance::audited_write_checks(&store, &store).await;
//! ```
//!
//! Each check panics, naming the broken promise, on the first one it finds.
//! Together they are the contract `garita audit verify`, the export and the
//! evidence rely on: entries are numbered 1, 2, 3 without gaps, each links
//! to the one before and hashes to what it says, the head is the last one,
//! what was recorded comes back field for field (times to the microsecond),
//! reads by seq and by write time select exactly what they say, concurrent
//! appends still form one chain, and a store's own writes (run events,
//! tasks) are logged with the digests of the records they wrote.
//! Durability across a reopen is each backend's own test.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::chain::AuditHead;
use super::entry::{hex, AuditEntry, AuditRecord, GENESIS_PREV_HASH};
use super::log::AuditLog;
use super::summaries::{RUN_EVENT, RUN_PRUNED};
use crate::run::RunEvent;
use crate::store::Store;
use crate::store_conformance::{at, record, started, task};

/// A fresh, empty log, and whatever must live as long as it (its temporary
/// directory), dropped after it.
pub type FreshLog = (Arc<dyn AuditLog>, Box<dyn Any + Send>);

/// Makes fresh logs for the checks.
pub type LogFactory<'a> = &'a (dyn Fn() -> Pin<Box<dyn Future<Output = FreshLog> + Send>> + Sync);

/// Runs every check of the log alone, each on a log from `fresh`.
pub async fn audit_checks(fresh: LogFactory<'_>) {
    let (log, _keep) = fresh().await;
    an_empty_log_has_the_genesis_head_and_verifies(log.as_ref()).await;
    let (log, _keep) = fresh().await;
    entries_are_numbered_linked_and_hashed(log.as_ref()).await;
    let (log, _keep) = fresh().await;
    what_was_recorded_comes_back_field_for_field(log.as_ref()).await;
    let (log, _keep) = fresh().await;
    reads_by_seq_select_exactly_the_range(log.as_ref()).await;
    let (log, _keep) = fresh().await;
    reads_by_write_time_select_the_half_open_period(log.as_ref()).await;
    let (log, _keep) = fresh().await;
    concurrent_appends_form_one_chain(log).await;
}

/// A record of kind `kind` about `subject` at [`at`]`(ms)`.
pub fn audit_record(kind: &str, subject: &str, ms: i64) -> AuditRecord {
    AuditRecord {
        at: at(ms),
        kind: kind.into(),
        subject: subject.into(),
        actor: None,
        summary: json!({"n": ms}),
    }
}

/// The head of an empty log is seq 0 with a hash of zeros; it has no
/// entries and verifies with none.
pub async fn an_empty_log_has_the_genesis_head_and_verifies(log: &dyn AuditLog) {
    let head = log.audit_head().await.expect("audit_head");
    assert_eq!(
        head,
        AuditHead {
            seq: 0,
            hash: hex(&GENESIS_PREV_HASH)
        },
        "an empty log's head is seq 0 with a hash of zeros"
    );
    assert!(log
        .audit_entries(1, None)
        .await
        .expect("entries")
        .is_empty());
    let report = log.verify_audit().await.expect("verify_audit");
    assert!(
        report.is_intact(),
        "an empty log verifies: {:?}",
        report.problems
    );
    assert_eq!(report.entries, 0);
}

/// Appends give seqs 1, 2, 3; each entry's `prev_hash` is the hash of the
/// one before (zeros for the first), its hash is what its fields give, the
/// head is the last entry, and the chain verifies.
pub async fn entries_are_numbered_linked_and_hashed(log: &dyn AuditLog) {
    let mut appended = Vec::new();
    for i in 0..3 {
        let entry = log
            .record_audit(audit_record("config.reload", "workflows/", i))
            .await
            .expect("record_audit");
        appended.push(entry);
    }
    let seqs: Vec<u64> = appended.iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs,
        vec![1, 2, 3],
        "entries are numbered from 1 without gaps"
    );
    let mut prev = hex(&GENESIS_PREV_HASH);
    for entry in &appended {
        assert_eq!(
            entry.prev_hash, prev,
            "entry {} links to the one before",
            entry.seq
        );
        assert_eq!(
            entry.computed_hash().as_deref(),
            Some(entry.hash.as_str()),
            "entry {} hashes to what it says",
            entry.seq
        );
        assert!(
            entry.recorded_at.is_some(),
            "entry {} carries its write time",
            entry.seq
        );
        prev = entry.hash.clone();
    }
    let head = log.audit_head().await.expect("audit_head");
    assert_eq!(
        head,
        AuditHead { seq: 3, hash: prev },
        "the head is the last entry"
    );
    assert_eq!(
        log.audit_entries(1, None).await.expect("entries"),
        appended,
        "the stored entries are the ones record_audit returned"
    );
    let report = log.verify_audit().await.expect("verify_audit");
    assert!(
        report.is_intact(),
        "a fresh chain verifies: {:?}",
        report.problems
    );
    assert_eq!(report.entries, 3, "verify reads every entry");
    assert_eq!(report.head, head, "verify reports the head");
}

/// Every field comes back as recorded: times to the microsecond, an
/// actor, nested and non-ASCII JSON.
pub async fn what_was_recorded_comes_back_field_for_field(log: &dyn AuditLog) {
    let record = AuditRecord {
        at: at(5) + Duration::microseconds(123),
        kind: "schedule.paused".into(),
        subject: "renovación-anual".into(),
        actor: Some("ana@example.com (uid 1000)".into()),
        summary: json!({"triggers": ["a:0", "a:1"], "nota": "señal \"x\"", "n": 1.5, "z": null}),
    };
    let entry = log
        .record_audit(record.clone())
        .await
        .expect("record_audit");
    let read = log.audit_entries(1, Some(1)).await.expect("entries");
    assert_eq!(read.len(), 1);
    let read = &read[0];
    assert_eq!(read, &entry, "the stored entry is the one returned");
    assert_eq!(read.at, record.at, "`at` keeps its microseconds");
    assert_eq!(read.kind, record.kind);
    assert_eq!(read.subject, record.subject);
    assert_eq!(read.actor, record.actor);
    assert_eq!(
        read.summary, record.summary,
        "the summary comes back as recorded"
    );
}

/// `audit_entries(from, to)` gives exactly the seqs in `from..=to`.
pub async fn reads_by_seq_select_exactly_the_range(log: &dyn AuditLog) {
    for i in 0..5 {
        log.record_audit(audit_record("config.reload", "w", i))
            .await
            .expect("record_audit");
    }
    let seqs = |entries: Vec<AuditEntry>| entries.into_iter().map(|e| e.seq).collect::<Vec<_>>();
    assert_eq!(
        seqs(log.audit_entries(2, Some(4)).await.expect("entries")),
        vec![2, 3, 4]
    );
    assert_eq!(
        seqs(log.audit_entries(4, None).await.expect("entries")),
        vec![4, 5]
    );
    assert_eq!(
        seqs(log.audit_entries(0, Some(1)).await.expect("entries")),
        vec![1]
    );
    assert!(log
        .audit_entries(6, None)
        .await
        .expect("entries")
        .is_empty());
    assert!(
        log.audit_entries(4, Some(3))
            .await
            .expect("entries")
            .is_empty(),
        "an empty range selects nothing"
    );
}

/// `audit_entries_between(from, to)` selects by write time, `from`
/// included and `to` excluded.
pub async fn reads_by_write_time_select_the_half_open_period(log: &dyn AuditLog) {
    let mut written = Vec::new();
    for i in 0..3 {
        let entry = log
            .record_audit(audit_record("config.reload", "w", i))
            .await
            .expect("record_audit");
        written.push(entry.period_time());
    }
    let first = written[0];
    let last = written[2];
    let all = log
        .audit_entries_between(first, last + Duration::microseconds(1))
        .await
        .expect("between");
    assert_eq!(
        all.len(),
        3,
        "a period from the first write to just after the last holds all"
    );
    let before_last = log
        .audit_entries_between(first, last)
        .await
        .expect("between");
    assert!(
        before_last.iter().all(|e| e.period_time() < last),
        "the end of a period is excluded"
    );
    let later = log
        .audit_entries_between(last + Duration::milliseconds(1), last + Duration::hours(1))
        .await
        .expect("between");
    assert!(later.is_empty(), "a period after every write holds nothing");
    let far: DateTime<Utc> = first - Duration::days(400);
    assert!(log
        .audit_entries_between(far, far)
        .await
        .expect("between")
        .is_empty());
}

/// Appends from many tasks at once still form one gap-free chain.
pub async fn concurrent_appends_form_one_chain(log: Arc<dyn AuditLog>) {
    let mut tasks = Vec::new();
    for t in 0..8 {
        let log = log.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..5 {
                log.record_audit(audit_record("config.reload", &format!("t{t}"), i))
                    .await
                    .expect("record_audit");
            }
        }));
    }
    for task in tasks {
        task.await.expect("an appending task panicked");
    }
    let entries = log.audit_entries(1, None).await.expect("entries");
    let seqs: Vec<u64> = entries.iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs,
        (1..=40).collect::<Vec<_>>(),
        "concurrent appends leave no gap"
    );
    let report = log.verify_audit().await.expect("verify_audit");
    assert!(
        report.is_intact(),
        "concurrent appends form one chain: {:?}",
        report.problems
    );
}

/// For a backend that logs its own writes: creating and advancing a run
/// logs one `run.event` entry per event with its seq and digest, a task
/// write logs a `task.` entry, and verify compares every one of those
/// records and finds the chain intact. `store` and `log` are the same
/// backend, fresh.
pub async fn audited_write_checks(store: &dyn Store, log: &dyn AuditLog) {
    let mut run = record("01AUDITED", 0);
    store
        .create_run(&mut run, &[RunEvent::RunCreated { at: at(0) }])
        .await
        .expect("create_run");
    store
        .append(&mut run, &[started("a", 1), started("b", 2)])
        .await
        .expect("append");
    let task = task("01AUDITED.review.1", &run.id, 3, None);
    store.put_task(&task).await.expect("put_task");
    let entries = log.audit_entries(1, None).await.expect("entries");
    let events: Vec<u64> = entries
        .iter()
        .filter(|e| e.kind == RUN_EVENT && e.subject == run.id)
        .filter_map(|e| e.summary["seq"].as_u64())
        .collect();
    assert_eq!(
        events,
        vec![0, 1, 2],
        "each run event is logged once, in order"
    );
    assert!(
        entries
            .iter()
            .filter(|e| e.kind == RUN_EVENT)
            .all(|e| e.summary["event_sha256"].is_string()),
        "run event entries carry the digest of the stored event"
    );
    assert!(
        entries
            .iter()
            .any(|e| e.kind == "task.opened" && e.subject == task.id),
        "a task write is logged"
    );
    let report = log.verify_audit().await.expect("verify_audit");
    assert!(
        report.is_intact(),
        "the store's own entries verify: {:?}",
        report.problems
    );
    assert!(
        report.records_checked >= 4,
        "verify compares the logged records with what is stored (checked {})",
        report.records_checked
    );
    pruned_runs_still_verify(store, log).await;
}

/// Retention: pruning a finished run appends one `run.pruned` entry naming
/// the seqs removed, keeps the `run.event` entries, and verify still finds
/// the chain and the records intact.
async fn pruned_runs_still_verify(store: &dyn Store, log: &dyn AuditLog) {
    let mut run = record("01PRUNED", 100);
    store
        .create_run(
            &mut run,
            &[RunEvent::RunCreated { at: at(100) }, started("a", 101)],
        )
        .await
        .expect("create_run");
    run.status = crate::run::RunStatus::Succeeded;
    store
        .append(
            &mut run,
            &[
                started("b", 102),
                RunEvent::RunSucceeded {
                    outputs: json!({"n": 1}),
                    at: at(103),
                },
            ],
        )
        .await
        .expect("append");
    let before = log.audit_head().await.expect("audit_head").seq;
    assert_eq!(
        store
            .prune_run_events(&run.id, at(200))
            .await
            .expect("prune"),
        2
    );
    let entries = log.audit_entries(before + 1, None).await.expect("entries");
    assert_eq!(entries.len(), 1, "pruning appends one entry: {entries:?}");
    assert_eq!(entries[0].kind, RUN_PRUNED);
    assert_eq!(entries[0].subject, run.id);
    assert_eq!(entries[0].summary["from_seq"], json!(1));
    assert_eq!(entries[0].summary["to_seq"], json!(3));
    let report = log.verify_audit().await.expect("verify_audit");
    assert!(
        report.is_intact(),
        "a pruned run verifies: {:?}",
        report.problems
    );
    store
        .prune_run_events(&run.id, at(201))
        .await
        .expect("prune");
    assert_eq!(
        log.audit_head().await.expect("audit_head").seq,
        before + 1,
        "pruning again writes no entry"
    );
}
