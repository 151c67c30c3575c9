//! What every [`Store`] must do, as a suite each implementation runs from
//! its own tests with one line (the in-memory store here, sled in
//! `garita-store`, and any later backend):
//!
//! ```ignore
//! garita_engine::store_conformance::run_all(&|| Box::pin(async { fresh_store() })).await;
//! ```
//!
//! Each check gets a store of its own and panics, naming the broken
//! promise, on the first one it finds. Together they are the contract the
//! executor relies on: events come back in order with their sequence
//! numbers; a run's summary is rewritten with each append; the unfinished
//! and timer indexes follow every status and wake-up change, to the
//! microsecond; listing is newest first with its filters; children come
//! back by item index; a refused write (an existing id, a missing run, a
//! stale summary) changes nothing; tasks round-trip and list oldest first.
//! Durability across a reopen is each backend's own test (only it knows
//! how to reopen).

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use crate::run::{ParentRef, RunEvent, RunRecord, RunStatus};
use crate::store::{RunFilter, Store, StoreError};
use crate::task::{Task, TaskFilter, TaskStatus};
use crate::task_overview::OpenTaskOverview;

/// A fresh, empty store (and whatever must live as long as it, such as its
/// temporary directory).
pub type FreshStore = Box<dyn Store>;

/// Makes fresh stores for the checks.
pub type StoreFactory<'a> =
    &'a (dyn Fn() -> Pin<Box<dyn Future<Output = FreshStore> + Send>> + Sync);

/// Runs every check, each on a store from `fresh`.
pub async fn run_all(fresh: StoreFactory<'_>) {
    create_append_and_read_back(fresh().await.as_ref()).await;
    events_of_runs_with_prefix_ids_stay_apart(fresh().await.as_ref()).await;
    due_runs_are_the_due_ones_in_order_without_finished_runs(fresh().await.as_ref()).await;
    due_runs_are_exact_below_the_millisecond(fresh().await.as_ref()).await;
    indexes_follow_wake_changes_and_termination(fresh().await.as_ref()).await;
    list_runs_is_newest_first_with_filters(fresh().await.as_ref()).await;
    children_come_back_by_item_index(fresh().await.as_ref()).await;
    refused_writes_change_nothing(fresh().await.as_ref()).await;
    tasks_round_trip_and_list_oldest_first(fresh().await.as_ref()).await;
    open_task_overview_matches_the_reference(fresh().await.as_ref()).await;
    pruning_keeps_a_finished_runs_first_and_last_event(fresh().await.as_ref()).await;
}

/// The instant `millis` after the suite's origin (fixtures for a backend's
/// own tests too, so they build runs the way the suite does).
pub fn at(millis: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(1_772_000_000_000 + millis).unwrap_or_default()
}

/// A running run `id` of workflow `wf`, created at [`at`]`(created)`, not yet stored.
pub fn record(id: &str, created: i64) -> RunRecord {
    RunRecord {
        id: id.into(),
        workflow: "wf".into(),
        source: "name: wf\nsteps: []\n".into(),
        source_path: "workflows/wf.yaml".into(),
        inputs: json!({"ruc": "0991234567001"}),
        parent: None,
        status: RunStatus::Running,
        created_at: at(created),
        updated_at: at(created),
        next_seq: 0,
        wake_at: None,
        error: None,
        scope: serde_json::Value::Null,
    }
}

/// Attempt 1 of `step` started at [`at`]`(ms)`.
pub fn started(step: &str, ms: i64) -> RunEvent {
    RunEvent::StepStarted {
        step: step.into(),
        attempt: 1,
        at: at(ms),
    }
}

/// Creates a run waiting until `wake_ms` (or finished, when `status` is terminal).
async fn waiting_run(
    store: &dyn Store,
    id: &str,
    created: i64,
    wake_ms: i64,
    status: RunStatus,
) -> RunRecord {
    let mut r = record(id, created);
    store
        .create_run(&mut r, &[RunEvent::RunCreated { at: at(created) }])
        .await
        .expect("create_run");
    r.status = status;
    r.wake_at = Some(at(wake_ms));
    store.append(&mut r, &[]).await.expect("append");
    r
}

fn ids(runs: Vec<RunRecord>) -> Vec<String> {
    runs.into_iter().map(|r| r.id).collect()
}

/// A run's events come back in order, numbered from 0; its summary is the
/// one last written, `next_seq` included; an unknown run is absent.
pub async fn create_append_and_read_back(store: &dyn Store) {
    let mut r = record("01RUN", 0);
    store
        .create_run(&mut r, &[RunEvent::RunCreated { at: at(0) }])
        .await
        .expect("create_run");
    assert_eq!(r.next_seq, 1, "create_run numbers the events it writes");
    store
        .append(&mut r, &[started("a", 1), started("b", 2)])
        .await
        .expect("append");
    assert_eq!(r.next_seq, 3, "append advances next_seq");
    assert_eq!(
        store.run("01RUN").await.expect("run"),
        Some(r.clone()),
        "run() gives the summary as last written"
    );
    let events = store.events("01RUN").await.expect("events");
    assert_eq!(
        events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![0, 1, 2],
        "events come back in order, numbered from 0"
    );
    assert_eq!(events[2].event, started("b", 2));
    assert_eq!(store.run("nope").await.expect("run"), None);
    assert!(store.events("nope").await.expect("events").is_empty());
}

/// Runs whose ids are prefixes of each other keep their own events.
pub async fn events_of_runs_with_prefix_ids_stay_apart(store: &dyn Store) {
    let mut short = record("R", 0);
    let mut long = record("RR", 1);
    store
        .create_run(&mut short, &[started("s", 0)])
        .await
        .expect("create R");
    store
        .create_run(&mut long, &[started("l", 0), started("l2", 0)])
        .await
        .expect("create RR");
    assert_eq!(store.events("R").await.expect("events").len(), 1);
    assert_eq!(store.events("RR").await.expect("events").len(), 2);
}

/// `due_runs(now)` is every unfinished run whose wake-up has come, earliest
/// first, and nothing else; `next_wake` is the earliest wake-up.
pub async fn due_runs_are_the_due_ones_in_order_without_finished_runs(store: &dyn Store) {
    waiting_run(store, "A-late", 0, 300, RunStatus::Waiting).await;
    waiting_run(store, "B-early", 1, 100, RunStatus::Waiting).await;
    waiting_run(store, "C-mid", 2, 200, RunStatus::Waiting).await;
    waiting_run(store, "D-future", 3, 10_000, RunStatus::Waiting).await;
    waiting_run(store, "E-done", 4, 50, RunStatus::Succeeded).await;
    assert!(store.due_runs(at(99)).await.expect("due").is_empty());
    assert_eq!(
        store.due_runs(at(250)).await.expect("due"),
        vec!["B-early", "C-mid"]
    );
    assert_eq!(
        store.due_runs(at(300)).await.expect("due"),
        vec!["B-early", "C-mid", "A-late"],
        "a wake-up at exactly `now` is due"
    );
    assert_eq!(store.next_wake().await.expect("next_wake"), Some(at(100)));
}

/// Wake-ups are kept to the microsecond: a run is not due a microsecond early.
pub async fn due_runs_are_exact_below_the_millisecond(store: &dyn Store) {
    let mut r = record("R", 0);
    store.create_run(&mut r, &[]).await.expect("create");
    let wake = at(100) + Duration::microseconds(500);
    r.status = RunStatus::Waiting;
    r.wake_at = Some(wake);
    store.append(&mut r, &[]).await.expect("append");
    assert!(store.due_runs(at(100)).await.expect("due").is_empty());
    assert!(store
        .due_runs(wake - Duration::microseconds(1))
        .await
        .expect("due")
        .is_empty());
    assert_eq!(store.due_runs(wake).await.expect("due"), vec!["R"]);
    assert_eq!(store.next_wake().await.expect("next_wake"), Some(wake));
}

/// Moving a wake-up moves the timer (the old one is gone); finishing a run
/// takes it out of the timer and unfinished indexes.
pub async fn indexes_follow_wake_changes_and_termination(store: &dyn Store) {
    let mut r = waiting_run(store, "R", 0, 100, RunStatus::Waiting).await;
    waiting_run(store, "S", 1, 150, RunStatus::Waiting).await;
    let mut unfinished = store.unfinished_runs().await.expect("unfinished");
    unfinished.sort();
    assert_eq!(unfinished, vec!["R", "S"]);

    r.wake_at = Some(at(200));
    store.append(&mut r, &[]).await.expect("append");
    assert_eq!(
        store.due_runs(at(160)).await.expect("due"),
        vec!["S"],
        "the old timer entry is gone"
    );
    assert_eq!(store.due_runs(at(200)).await.expect("due"), vec!["S", "R"]);

    r.status = RunStatus::Failed;
    store
        .append(
            &mut r,
            &[RunEvent::RunFailed {
                error: "boom".into(),
                at: at(201),
            }],
        )
        .await
        .expect("append");
    assert_eq!(store.due_runs(at(1_000)).await.expect("due"), vec!["S"]);
    assert_eq!(
        store.unfinished_runs().await.expect("unfinished"),
        vec!["S"]
    );
    assert_eq!(store.next_wake().await.expect("next_wake"), Some(at(150)));
}

/// `list_runs` is newest first (ids sort by creation), filtered by status
/// and workflow, cut at `limit`, and paged by `before`.
pub async fn list_runs_is_newest_first_with_filters(store: &dyn Store) {
    for (i, id) in ["01A", "01B", "01C"].iter().enumerate() {
        let mut r = record(id, i as i64);
        if *id == "01B" {
            r.status = RunStatus::Succeeded;
            r.workflow = "other".into();
        }
        store.create_run(&mut r, &[]).await.expect("create");
    }
    assert_eq!(
        ids(store.list_runs(&RunFilter::default()).await.expect("list")),
        vec!["01C", "01B", "01A"]
    );
    let running = RunFilter {
        statuses: vec![RunStatus::Running],
        ..RunFilter::default()
    };
    assert_eq!(
        ids(store.list_runs(&running).await.expect("list")),
        vec!["01C", "01A"]
    );
    let other = RunFilter {
        workflow: Some("other".into()),
        ..RunFilter::default()
    };
    assert_eq!(
        ids(store.list_runs(&other).await.expect("list")),
        vec!["01B"]
    );
    let one = RunFilter {
        limit: Some(1),
        ..RunFilter::default()
    };
    assert_eq!(ids(store.list_runs(&one).await.expect("list")), vec!["01C"]);
    // Pages: the cursor is the last id of the previous page.
    let next = RunFilter {
        limit: Some(1),
        before: Some("01C".into()),
        ..RunFilter::default()
    };
    assert_eq!(
        ids(store.list_runs(&next).await.expect("list")),
        vec!["01B"]
    );
    let rest = RunFilter {
        before: Some("01B".into()),
        ..RunFilter::default()
    };
    assert_eq!(
        ids(store.list_runs(&rest).await.expect("list")),
        vec!["01A"]
    );
    let running_after_c = RunFilter {
        statuses: vec![RunStatus::Running],
        before: Some("01C".into()),
        ..RunFilter::default()
    };
    assert_eq!(
        ids(store.list_runs(&running_after_c).await.expect("list")),
        vec!["01A"]
    );
    let none_left = RunFilter {
        before: Some("01A".into()),
        ..RunFilter::default()
    };
    assert!(store.list_runs(&none_left).await.expect("list").is_empty());
}

/// `children(parent, step)` is that step's child runs by item index (not by
/// creation, not by id), and no other step's.
pub async fn children_come_back_by_item_index(store: &dyn Store) {
    store
        .create_run(&mut record("P", 0), &[])
        .await
        .expect("create parent");
    // Created out of order, with an index past 255 to check the byte order.
    for (id, index) in [("C-300", 300u32), ("C-2", 2), ("C-0", 0)] {
        let mut child = record(id, 1);
        child.parent = Some(ParentRef {
            run_id: "P".into(),
            step_id: "each".into(),
            index,
        });
        store
            .create_run(&mut child, &[])
            .await
            .expect("create child");
    }
    let mut stray = record("X", 1);
    stray.parent = Some(ParentRef {
        run_id: "P".into(),
        step_id: "each2".into(),
        index: 0,
    });
    store
        .create_run(&mut stray, &[])
        .await
        .expect("create stray");
    let children = store.children("P", "each").await.expect("children");
    assert_eq!(
        children.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        vec!["C-0", "C-2", "C-300"]
    );
    assert!(store
        .children("P", "none")
        .await
        .expect("children")
        .is_empty());
}

/// A second run with an existing id, an append to a missing run and an
/// append with a stale summary (another writer appended since) are refused
/// and change nothing, not even the caller's record.
pub async fn refused_writes_change_nothing(store: &dyn Store) {
    let mut r = record("R", 0);
    store
        .create_run(&mut r, &[started("a", 0)])
        .await
        .expect("create");

    let mut again = record("R", 0);
    let err = store
        .create_run(&mut again, &[])
        .await
        .expect_err("a second run with the same id is refused");
    assert_eq!(err, StoreError::RunExists("R".into()), "{err}");
    assert_eq!(again.next_seq, 0, "a refused write leaves the record alone");

    let err = store
        .append(&mut record("missing", 0), &[])
        .await
        .expect_err("an append to a missing run is refused");
    assert_eq!(err, StoreError::NoSuchRun("missing".into()));

    let mut stale = r.clone();
    stale.next_seq = 0;
    let err = store
        .append(&mut stale, &[started("x", 1)])
        .await
        .expect_err("an append with a stale summary is refused");
    assert!(
        matches!(&err, StoreError::Conflict { what, expected: 0, found: 1 } if what == "run R"),
        "a stale append is a conflict on the run's sequence number: {err}"
    );
    assert_eq!(
        stale.next_seq, 0,
        "a refused append leaves the record alone"
    );
    let events = store.events("R").await.expect("events");
    assert_eq!(events.len(), 1, "nothing of a refused append is stored");
    assert_eq!(events[0].event, started("a", 0));
}

/// An open task `id` of run `run`, created at [`at`]`(created)`.
pub fn task(id: &str, run: &str, created: i64, assignee: Option<&str>) -> Task {
    Task {
        id: id.into(),
        run_id: run.into(),
        step_id: "approve".into(),
        workflow: "wf".into(),
        title: "Aprobar".into(),
        body: "Revise y apruebe.".into(),
        assignee: assignee.map(str::to_owned),
        due: Some(at(created + 86_400_000)),
        fields: Some(json!({"type": "object"})),
        status: TaskStatus::Open,
        created_at: at(created),
        answer: None,
    }
}

/// A task comes back as written (a rewrite replaces it); `list_tasks` is
/// oldest first and honours status, assignee (any case) and run filters.
pub async fn tasks_round_trip_and_list_oldest_first(store: &dyn Store) {
    let first = task("R1.approve.1", "R1", 10, Some("Ana@Example.com"));
    let second = task("R2.approve.1", "R2", 5, None);
    let third = task("R1.approve.2", "R1", 20, Some("luis@example.com"));
    for t in [&first, &second, &third] {
        store.put_task(t).await.expect("put_task");
    }
    assert_eq!(
        store.task("R1.approve.1").await.expect("task"),
        Some(first.clone())
    );
    assert_eq!(store.task("nope").await.expect("task"), None);
    let all = store
        .list_tasks(&TaskFilter::default())
        .await
        .expect("list_tasks");
    assert_eq!(
        all.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
        vec!["R2.approve.1", "R1.approve.1", "R1.approve.2"],
        "oldest first"
    );
    let mut answered = third.clone();
    answered.status = TaskStatus::Completed;
    store.put_task(&answered).await.expect("rewrite");
    assert_eq!(
        store.task("R1.approve.2").await.expect("task"),
        Some(answered)
    );
    let open = TaskFilter {
        statuses: vec![TaskStatus::Open],
        ..TaskFilter::default()
    };
    assert_eq!(store.list_tasks(&open).await.expect("list").len(), 2);
    let ana = TaskFilter {
        assignee: Some("ana@example.com".into()),
        ..TaskFilter::default()
    };
    assert_eq!(
        store
            .list_tasks(&ana)
            .await
            .expect("list")
            .iter()
            .map(|t| t.id.as_str())
            .collect::<Vec<_>>(),
        vec!["R1.approve.1"]
    );
    let of_r1 = TaskFilter {
        run_id: Some("R1".into()),
        ..TaskFilter::default()
    };
    assert_eq!(store.list_tasks(&of_r1).await.expect("list").len(), 2);
}

/// An instant of the overview's fixtures, from its RFC 3339 text.
fn instant(text: &str) -> DateTime<Utc> {
    text.parse().expect("an RFC 3339 instant")
}

/// Checks the overview against [`OpenTaskOverview::of`] over every task,
/// at instants on a day's edges and between nanoseconds, for several
/// lengths of the list.
async fn overview_agrees(store: &dyn Store, round: &str) {
    let all = store
        .list_tasks(&TaskFilter::default())
        .await
        .expect("list_tasks");
    for now in [
        "2026-02-15T00:00:00Z",
        "2026-03-01T23:59:59.999999999Z",
        "2026-03-02T00:00:00Z",
        "2026-03-02T10:00:00.000000600Z",
        "2026-07-01T00:00:00Z",
    ] {
        let now = instant(now);
        for soonest in [0, 1, 2, 3, 100] {
            let overview = store
                .open_task_overview(now, soonest)
                .await
                .expect("open_task_overview");
            assert_eq!(
                overview,
                OpenTaskOverview::of(&all, now, soonest),
                "{round}: overview at {now}, {soonest} soonest"
            );
        }
    }
}

/// The open-task overview (counts, due days, the soonest tasks) equals the
/// one computed from every task, before and after tasks are answered,
/// moved and added: overdue to the nanosecond, days split at midnight UTC,
/// tasks of one day ordered by title whatever their hour, tasks without a
/// due date counted but never listed.
pub async fn open_task_overview_matches_the_reference(store: &dyn Store) {
    let due = |id: &str, title: &str, created: i64, when: Option<&str>| {
        let mut t = task(id, "R1", created, None);
        t.title = title.into();
        t.assignee = Some(format!("{id}@example.com"));
        t.due = when.map(instant);
        t
    };
    let mut tasks = vec![
        due("T1", "Aprobar", 10, Some("2026-03-02T00:00:00Z")),
        due("T2", "Aprobar", 20, Some("2026-03-01T23:59:59.999999999Z")),
        due("T3", "Revisar", 30, Some("2026-03-02T10:00:00.000000500Z")),
        due("T4", "Aprobar", 40, Some("2026-03-02T10:00:00.000000700Z")),
        due("T5", "Sin fecha", 50, None),
        due("T6", "Aprobar", 60, Some("2026-03-02T09:00:00Z")),
        due("T7", "Aprobar", 70, Some("2026-03-20T12:00:00Z")),
        due("T8", "Firmar", 80, Some("2026-06-30T08:00:00Z")),
        due("T9", "Vencida", 90, Some("2026-02-01T08:00:00Z")),
    ];
    tasks[6].status = TaskStatus::Completed;
    for t in &tasks {
        store.put_task(t).await.expect("put_task");
    }
    let counted = store
        .open_task_overview(instant("2026-03-02T00:00:00Z"), 3)
        .await
        .expect("open_task_overview");
    assert_eq!(
        (counted.open, counted.overdue),
        (8, 2),
        "counts at midnight: a task due then is not overdue yet"
    );
    overview_agrees(store, "as written").await;

    tasks[0].status = TaskStatus::Completed;
    tasks[7].due = Some(instant("2026-03-02T05:00:00Z"));
    tasks[8].status = TaskStatus::Cancelled;
    tasks[6].status = TaskStatus::Open;
    tasks.push(due("T10", "Aprobar", 5, Some("2026-03-02T23:59:59Z")));
    for t in &tasks {
        store.put_task(t).await.expect("rewrite");
    }
    overview_agrees(store, "after answers, a move and a new task").await;
}

/// Retention: pruning a finished run removes every event but its first and
/// its last, keeps the summary, answers how many it removed, and does
/// nothing a second time; runs that are not finished, and unknown runs,
/// are left alone; a pruned run keeps its sequence numbers, so a stale
/// append is still refused.
pub async fn pruning_keeps_a_finished_runs_first_and_last_event(store: &dyn Store) {
    let mut done = record("01DONE", 0);
    store
        .create_run(&mut done, &[RunEvent::RunCreated { at: at(0) }])
        .await
        .expect("create_run");
    store
        .append(&mut done, &[started("a", 1), started("b", 2)])
        .await
        .expect("append");
    done.status = RunStatus::Succeeded;
    done.updated_at = at(3);
    store
        .append(
            &mut done,
            &[RunEvent::RunSucceeded {
                outputs: json!({"ok": true}),
                at: at(3),
            }],
        )
        .await
        .expect("append");
    let mut live = record("01LIVE", 10);
    store
        .create_run(
            &mut live,
            &[RunEvent::RunCreated { at: at(10) }, started("a", 11)],
        )
        .await
        .expect("create_run");
    store
        .append(&mut live, &[started("b", 12)])
        .await
        .expect("append");

    assert_eq!(
        store
            .prune_run_events("01LIVE", at(20))
            .await
            .expect("prune"),
        0,
        "a run that is not finished is not pruned"
    );
    assert_eq!(store.events("01LIVE").await.expect("events").len(), 3);
    assert_eq!(
        store
            .prune_run_events("01NONE", at(20))
            .await
            .expect("prune"),
        0,
        "an unknown run has nothing to prune"
    );
    assert_eq!(
        store
            .prune_run_events("01DONE", at(20))
            .await
            .expect("prune"),
        2,
        "pruning answers how many events it removed"
    );
    let kept = store.events("01DONE").await.expect("events");
    assert_eq!(
        kept.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![0, 3],
        "the first and the last event stay, with their seqs"
    );
    assert!(
        matches!(kept[1].event, RunEvent::RunSucceeded { .. }),
        "the last event keeps the run's outputs"
    );
    assert_eq!(
        store.run("01DONE").await.expect("run"),
        Some(done.clone()),
        "the summary is unchanged"
    );
    assert_eq!(
        store
            .prune_run_events("01DONE", at(21))
            .await
            .expect("prune"),
        0,
        "a pruned run has nothing more to prune"
    );
    let mut stale = done.clone();
    stale.next_seq = 2;
    assert!(
        store.append(&mut stale, &[started("c", 30)]).await.is_err(),
        "a pruned run keeps its numbering: an append from a stale copy is refused"
    );
}
