//! Tests of [`SledStore`] through the engine's `Store` trait and of opening.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use garita_engine::store_conformance::{at, record, run_all, started, FreshStore};
use garita_engine::{RunEvent, RunFilter, RunRecord, RunStatus, Store, StoreError};

use crate::keys::SCHEMA_VERSION_KEY;
use crate::{Durability, SledStore, StoreOptions, SCHEMA_VERSION};

/// Env var that turns [`lock_holder_helper`] into a process holding a store.
const HOLD_LOCK_ENV: &str = "GARITA_STORE_TEST_HOLD_LOCK";
/// What the helper prints once it holds the store.
const HELD_LINE: &str = "garita-store-test: lock held";

fn open(dir: &Path) -> SledStore {
    SledStore::open(dir, StoreOptions::default()).unwrap()
}

#[tokio::test]
async fn create_append_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let mut r = record("01RUN", 0);
    store
        .create_run(&mut r, &[RunEvent::RunCreated { at: at(0) }])
        .await
        .unwrap();
    assert_eq!(r.next_seq, 1);
    store
        .append(&mut r, &[started("a", 1), started("b", 2)])
        .await
        .unwrap();
    assert_eq!(r.next_seq, 3);

    assert_eq!(store.run("01RUN").await.unwrap(), Some(r.clone()));
    let events = store.events("01RUN").await.unwrap();
    assert_eq!(
        events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![0, 1, 2]
    );
    assert_eq!(events[2].event, started("b", 2));
    assert_eq!(store.run("nope").await.unwrap(), None);
    assert!(store.events("nope").await.unwrap().is_empty());
    assert!(store.flush_count() >= 2, "each commit waited for a flush");
    assert!(store.db_size_on_disk().unwrap() > 0);
    assert_eq!(store.path(), dir.path());
    store.flush_now().unwrap();
}

#[tokio::test]
async fn resume_after_reopen_keeps_events_and_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = record("01RUN", 0);
    {
        let store = open(dir.path());
        store
            .create_run(&mut r, &[RunEvent::RunCreated { at: at(0) }])
            .await
            .unwrap();
        r.status = RunStatus::Waiting;
        r.wake_at = Some(at(500));
        store.append(&mut r, &[started("wait", 1)]).await.unwrap();
    }
    let store = open(dir.path());
    assert_eq!(store.run("01RUN").await.unwrap(), Some(r.clone()));
    assert_eq!(store.events("01RUN").await.unwrap().len(), 2);
    assert_eq!(
        store.unfinished_runs().await.unwrap(),
        vec!["01RUN".to_string()]
    );
    assert_eq!(
        store.due_runs(at(500)).await.unwrap(),
        vec!["01RUN".to_string()]
    );
    // The run goes on where it stopped.
    store.append(&mut r, &[started("next", 2)]).await.unwrap();
    assert_eq!(
        store.events("01RUN").await.unwrap().last().map(|e| e.seq),
        Some(2)
    );
}

#[tokio::test]
async fn process_crash_durability_also_persists() {
    let dir = tempfile::tempdir().unwrap();
    let options = StoreOptions {
        durability: Durability::ProcessCrash,
        ..StoreOptions::default()
    };
    {
        let store = SledStore::open(dir.path(), options.clone()).unwrap();
        store
            .create_run(&mut record("01RUN", 0), &[started("a", 0)])
            .await
            .unwrap();
    }
    let store = SledStore::open(dir.path(), options).unwrap();
    assert_eq!(store.events("01RUN").await.unwrap().len(), 1);
}

/// The store contract every backend keeps (garita_engine::store_conformance),
/// each check on a fresh store in its own directory.
#[tokio::test]
async fn the_sled_store_keeps_the_store_contract() {
    let parent = tempfile::tempdir().unwrap();
    let base = parent.path().to_path_buf();
    let made = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let fresh = move || {
        let dir = base.join(format!(
            "store-{}",
            made.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        Box::pin(async move { Box::new(open(&dir)) as FreshStore })
            as std::pin::Pin<Box<dyn std::future::Future<Output = FreshStore> + Send>>
    };
    run_all(&fresh).await;
}

/// A run id with a NUL byte could not be told apart in the key layout.
#[tokio::test]
async fn an_id_with_a_nul_byte_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let err = store
        .create_run(&mut record("bad\0id", 0), &[])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("NUL"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_commits_share_flushes() {
    const WRITERS: usize = 8;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(open(dir.path()));
    let mut records = Vec::new();
    for i in 0..WRITERS {
        let mut r = record(&format!("R{i}"), i as i64);
        store.create_run(&mut r, &[]).await.unwrap();
        records.push(r);
    }
    let flushes_before = store.flush_count();
    let queued_before = store.group.queued();

    // Hold every flush at its sync step so all commits queue up behind it.
    let held = store.flush.hold_syncs();
    let tasks: Vec<_> = records
        .into_iter()
        .map(|mut r| {
            let store = Arc::clone(&store);
            tokio::spawn(async move { store.append(&mut r, &[started("s", 1)]).await })
        })
        .collect();
    while store.group.queued() < queued_before + WRITERS as u64 {
        tokio::task::yield_now().await;
    }
    drop(held);
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let flushes = store.flush_count() - flushes_before;
    // At most one flush was under way when the others queued; the rest form one group.
    assert!(flushes <= 2, "{WRITERS} commits took {flushes} flushes");
}

/// Queues `events` appended to `record` as the next write of the group that
/// is forming, and waits until it is queued so the order is known.
async fn queue_append(
    store: &Arc<SledStore>,
    mut record: RunRecord,
    events: Vec<RunEvent>,
) -> tokio::task::JoinHandle<Result<(), StoreError>> {
    let target = store.group.queued() + 1;
    let task = {
        let store = Arc::clone(store);
        tokio::spawn(async move { store.append(&mut record, &events).await })
    };
    while store.group.queued() < target {
        tokio::task::yield_now().await;
    }
    task
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_write_in_a_group_leaves_the_others_applied_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(open(dir.path()));
    let mut blocker = record("A", 0);
    store.create_run(&mut blocker, &[]).await.unwrap();
    let mut r = record("R", 1);
    store.create_run(&mut r, &[started("s0", 0)]).await.unwrap();

    let held = store.flush.hold_syncs();
    // Sits in the flush being held, so the next three form one group.
    let first = queue_append(&store, blocker, vec![started("b", 1)]).await;
    let good = queue_append(&store, r.clone(), vec![started("s1", 1)]).await;
    let stale = queue_append(&store, r.clone(), vec![started("stale", 1)]).await;
    let mut after = r.clone();
    after.next_seq = 2;
    let next = queue_append(&store, after, vec![started("s2", 2)]).await;
    drop(held);

    first.await.unwrap().unwrap();
    good.await.unwrap().unwrap();
    let err = stale.await.unwrap().unwrap_err();
    assert!(err.is_conflict(), "a stale append is a conflict: {err}");
    next.await.unwrap().unwrap();
    let steps: Vec<RunEvent> = store
        .events("R")
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    assert_eq!(
        steps,
        vec![started("s0", 0), started("s1", 1), started("s2", 2)]
    );
    assert_eq!(store.run("R").await.unwrap().unwrap().next_seq, 3);
}

#[tokio::test]
async fn newer_schema_is_refused_naming_both_versions() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(dir.path());
        store
            .trees
            .meta
            .insert(SCHEMA_VERSION_KEY, &(SCHEMA_VERSION + 1).to_be_bytes())
            .unwrap();
        store.flush_now().unwrap();
    }
    let err = SledStore::open(dir.path(), StoreOptions::default()).unwrap_err();
    assert_eq!(
        err,
        StoreError::NewerSchema {
            path: dir.path().display().to_string(),
            found: SCHEMA_VERSION + 1,
            supported: SCHEMA_VERSION
        }
    );
    let text = err.to_string();
    assert!(
        text.contains(&format!("version {}", SCHEMA_VERSION + 1)),
        "{text}"
    );
    assert!(text.contains(&format!("up to {SCHEMA_VERSION}")), "{text}");
    // Refusing must not have rewritten the version.
    let err_again = SledStore::open(dir.path(), StoreOptions::default()).unwrap_err();
    assert!(matches!(err_again, StoreError::NewerSchema { .. }));
}

#[test]
fn new_store_directory_is_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("store");
    drop(open(&path));
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
}

#[test]
fn second_open_in_this_process_is_locked_and_names_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let first = open(dir.path());
    let err = SledStore::open(dir.path(), StoreOptions::default()).unwrap_err();
    let StoreError::Locked { path, holder } = &err else {
        panic!("expected Locked, got {err}")
    };
    assert_eq!(path, &dir.path().display().to_string());
    assert!(
        holder.starts_with(&format!(" (pid {}, ", std::process::id())),
        "{holder}"
    );
    assert!(
        err.to_string().contains("in use by another process"),
        "{err}"
    );
    // The refused open must not have disturbed the holder's pid file.
    drop(first);
    drop(open(dir.path()));
}

/// Not a test on its own: with [`HOLD_LOCK_ENV`] set, the process opens that
/// store, says so, and holds it until its stdin closes.
#[test]
fn lock_holder_helper() {
    let Some(dir) = std::env::var_os(HOLD_LOCK_ENV) else {
        return;
    };
    let _store = open(Path::new(&dir));
    println!("{HELD_LINE}");
    let mut line = String::new();
    while std::io::stdin()
        .read_line(&mut line)
        .map(|n| n > 0)
        .unwrap_or(false)
    {
        line.clear();
    }
}

#[test]
fn open_while_another_process_holds_the_store_is_locked() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "store_tests::lock_holder_helper",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(HOLD_LOCK_ENV, dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut output = BufReader::new(child.stdout.take().unwrap()).lines();
    let held = output
        .by_ref()
        .map_while(Result::ok)
        .any(|line| line.contains(HELD_LINE));
    assert!(held, "the helper process never held the store");

    let err = SledStore::open(dir.path(), StoreOptions::default()).unwrap_err();
    let StoreError::Locked { path, holder } = &err else {
        panic!("expected Locked, got {err}")
    };
    assert_eq!(path, &dir.path().display().to_string());
    assert!(holder.contains(&format!("pid {}", child.id())), "{holder}");

    drop(child.stdin.take());
    // Read to the end so the helper's last lines do not hit a closed pipe.
    output.map_while(Result::ok).for_each(drop);
    assert!(child.wait().unwrap().success());
    drop(open(dir.path()));
}

#[test]
fn unwritable_directory_gives_a_clear_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let locked_down = dir.path().join("ro");
    std::fs::create_dir(&locked_down).unwrap();
    std::fs::set_permissions(&locked_down, std::fs::Permissions::from_mode(0o500)).unwrap();
    if std::fs::write(locked_down.join("probe"), b"").is_ok() {
        println!("note: skipping the unwritable-directory test: this user (root?) ignores directory permissions");
        return;
    }
    for target in [locked_down.clone(), locked_down.join("store")] {
        let err = SledStore::open(&target, StoreOptions::default()).unwrap_err();
        let StoreError::Io { path, detail } = &err else {
            panic!("expected Io, got {err}")
        };
        assert_eq!(path, &target.display().to_string());
        assert!(detail.contains("--store DIR"), "{detail}");
    }
}

#[test]
fn damaged_files_give_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path()));
    std::fs::write(dir.path().join("conf"), b"this is not sled's configuration").unwrap();
    let err = SledStore::open(dir.path(), StoreOptions::default()).unwrap_err();
    assert!(
        matches!(err, StoreError::Corrupt { .. } | StoreError::Io { .. }),
        "{err}"
    );
}

#[tokio::test]
async fn a_wiped_data_file_is_reported_not_taken_for_a_new_store() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(dir.path());
        store
            .create_run(&mut record("R", 0), &[started("a", 0)])
            .await
            .unwrap();
    }
    // sled recovers a log it cannot read as an empty database, silently.
    let db = dir.path().join("db");
    let size = std::fs::metadata(&db).unwrap().len() as usize;
    std::fs::write(&db, vec![0xA5; size]).unwrap();
    let err = SledStore::open(dir.path(), StoreOptions::default()).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    assert!(
        err.to_string().contains("copy the store directory aside"),
        "{err}"
    );
}

#[test]
fn a_path_that_is_a_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, b"x").unwrap();
    let err = SledStore::open(&file, StoreOptions::default()).unwrap_err();
    assert!(err.to_string().contains("not a directory"), "{err}");
}

#[tokio::test]
async fn workflow_sources_are_stored_once_and_kept_out_of_summaries() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let source = format!("name: big\n# {}\n", "x".repeat(50_000));
    for id in ["r1", "r2"] {
        let mut rec = record(id, 0);
        rec.source = source.clone();
        store.create_run(&mut rec, &[]).await.unwrap();
        store.append(&mut rec, &[]).await.unwrap();
    }
    assert_eq!(store.trees.sources.len(), 1, "one copy for two runs");
    let raw = store.trees.runs.get(b"r1").unwrap().unwrap();
    assert!(
        raw.len() < 2_000,
        "the summary holds a reference, not the text ({} bytes)",
        raw.len()
    );
    assert_eq!(store.run("r2").await.unwrap().unwrap().source, source);
    let listed = store.list_runs(&RunFilter::default()).await.unwrap();
    assert!(listed.iter().all(|r| r.source == source));
}
