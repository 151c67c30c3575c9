//! Backups of real stores: every record round-trips and the indexes come
//! back, damaged or truncated files are refused before anything is
//! replaced, a held store is refused, a copy taken during commits is
//! consistent, a format-1 file (sled's trees) is still restored, and sled
//! keeps the backup conformance suite.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use garita_engine::backup::{encode_file, Record};
use garita_engine::{RunEvent, RunFilter, RunRecord, RunStatus, Store, StoreError};
use serde_json::json;

use super::format::tests::encode_trees;
use super::format::{TreeData, TreeHeader};
use super::BackupError;
use crate::{SledStore, StoreOptions};

fn at(millis: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(1_700_000_000_000 + millis).unwrap()
}

fn record(id: &str) -> RunRecord {
    RunRecord {
        id: id.into(),
        workflow: "wf".into(),
        source: "name: wf\nsteps: []\n".into(),
        source_path: "workflows/wf.yaml".into(),
        inputs: json!({"ruc": "0991234567001"}),
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

fn options() -> StoreOptions {
    StoreOptions {
        durability: crate::Durability::ProcessCrash,
        ..StoreOptions::default()
    }
}

async fn add_run(store: &SledStore, id: &str, steps: usize) {
    let mut r = record(id);
    store
        .create_run(&mut r, &[RunEvent::RunCreated { at: at(0) }])
        .await
        .unwrap();
    for i in 0..steps {
        let event = RunEvent::StepStarted {
            step: format!("s{i}"),
            attempt: 1,
            at: at(i as i64),
        };
        store.append(&mut r, &[event]).await.unwrap();
    }
}

/// Every tree of a store, by name, as raw key/value pairs.
type Dump = BTreeMap<String, Vec<Record>>;

/// The [`Dump`] of `store`.
fn dump(store: &SledStore) -> Dump {
    store
        .db
        .tree_names()
        .into_iter()
        .map(|name| {
            let tree = store.db.open_tree(&name).unwrap();
            let pairs = tree
                .iter()
                .map(|kv| {
                    let (k, v) = kv.unwrap();
                    (k.to_vec(), v.to_vec())
                })
                .collect();
            (String::from_utf8(name.to_vec()).unwrap(), pairs)
        })
        .collect()
}

async fn sample_store(dir: &Path) -> SledStore {
    let store = SledStore::open(dir, options()).unwrap();
    add_run(&store, "01RUNA", 3).await;
    add_run(&store, "01RUNB", 1).await;
    // A waiting run: the timer and unfinished indexes must come back.
    let mut waiting = record("01RUNW");
    store
        .create_run(&mut waiting, &[RunEvent::RunCreated { at: at(0) }])
        .await
        .unwrap();
    waiting.status = RunStatus::Waiting;
    waiting.wake_at = Some(at(90_000));
    store.append(&mut waiting, &[]).await.unwrap();
    store.flush_now().unwrap();
    store
}

/// The backup file of `store`'s records, as `garita backup` writes it.
fn write_backup(store: &SledStore, file: &Path, created: DateTime<Utc>) {
    let set = store.export_now().unwrap();
    let (_, bytes) = encode_file(&set, created).unwrap();
    std::fs::write(file, bytes).unwrap();
}

/// Every tree of `a` holds the same pairs in `b` (a tree missing from one
/// of them counts as empty).
fn same_trees(a: &Dump, b: &Dump) {
    for name in a.keys().chain(b.keys()) {
        let empty = Vec::new();
        assert_eq!(
            a.get(name).unwrap_or(&empty),
            b.get(name).unwrap_or(&empty),
            "tree {name}"
        );
    }
}

#[tokio::test]
async fn every_record_and_index_round_trips_into_a_new_and_over_an_old_store() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    let file = tmp.path().join("store.backup");
    let store = sample_store(&dir).await;
    let before = dump(&store);
    assert_eq!(before["timers"].len(), 1, "the waiting run has a timer");
    write_backup(&store, &file, at(5));
    let header = SledStore::verify_backup(&file).unwrap();
    assert_eq!(header.created_at, at(5));
    assert_eq!(header.format_version, 2);
    assert!(header
        .sections
        .iter()
        .any(|t| t.name == "events" && t.records == 7));
    assert!(
        header.sections.iter().all(|t| t.name != "timers"),
        "indexes are not records"
    );

    // Into a directory that does not exist yet.
    let fresh = tmp.path().join("fresh");
    let report = SledStore::restore_from(&file, &fresh, options(), at(6)).unwrap();
    assert_eq!(report.previous, None);
    let restored = SledStore::open(&fresh, options()).unwrap();
    same_trees(&before, &dump(&restored));
    let mode = std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    drop(restored);

    // Over the original, changed since the backup.
    add_run(&store, "01RUNC", 2).await;
    drop(store);
    let report = SledStore::restore_from(&file, &dir, options(), at(7)).unwrap();
    let previous = report.previous.expect("the old store is kept");
    assert!(
        previous.ends_with("store.before-restore-20231114T221320.007Z"),
        "{previous:?}"
    );
    let restored = SledStore::open(&dir, options()).unwrap();
    same_trees(&before, &dump(&restored));
    let ids: Vec<String> = restored
        .list_runs(&RunFilter::default())
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    drop(restored);
    let old = SledStore::open(&previous, options()).unwrap();
    assert!(
        old.run("01RUNC").await.unwrap().is_some(),
        "the replaced store is intact"
    );
}

/// Names in `dir`'s parent, to show nothing was created or moved.
fn siblings(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn damaged_or_truncated_backups_are_refused_before_anything_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    let file = tmp.path().join("b.backup");
    let store = sample_store(&dir).await;
    write_backup(&store, &file, at(5));
    add_run(&store, "01AFTER", 1).await;
    let after = dump(&store);
    drop(store);
    let good = std::fs::read(&file).unwrap();
    let listing = siblings(&dir);

    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x01;
    std::fs::write(&file, &flipped).unwrap();
    let err = SledStore::restore_from(&file, &dir, options(), at(6)).unwrap_err();
    assert!(matches!(err, BackupError::Invalid { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("SHA-256") && text.contains("nothing was changed"),
        "{text}"
    );
    assert!(SledStore::verify_backup(&file).is_err());

    std::fs::write(&file, &good[..good.len() - 100]).unwrap();
    let err = SledStore::restore_from(&file, &dir, options(), at(6)).unwrap_err();
    assert!(err.to_string().contains("truncated"), "{err}");

    assert_eq!(siblings(&dir), listing);
    let store = SledStore::open(&dir, options()).unwrap();
    same_trees(&after, &dump(&store));
}

#[tokio::test]
async fn a_store_in_use_is_not_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    let file = tmp.path().join("b.backup");
    let store = sample_store(&dir).await;
    write_backup(&store, &file, at(5));
    let err = SledStore::restore_from(&file, &dir, options(), at(6)).unwrap_err();
    assert!(matches!(err, BackupError::StoreInUse { .. }), "{err}");
    assert!(err.to_string().contains("stop it"), "{err}");
    assert!(store.run("01RUNA").await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_commits_is_consistent() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    let store = Arc::new(SledStore::open(&dir, options()).unwrap());
    let writer = {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            for i in 0..150 {
                add_run(&store, &format!("01W{i:04}"), 3).await;
            }
        })
    };
    let mut checked = 0;
    while !writer.is_finished() {
        let file = tmp.path().join(format!("b{checked}.backup"));
        let copy = Arc::clone(&store);
        let set = match tokio::task::spawn_blocking(move || copy.export_now())
            .await
            .unwrap()
        {
            Ok(set) => set,
            Err(StoreError::Io { detail, .. }) if detail.contains("kept changing") => continue,
            Err(e) => panic!("{e}"),
        };
        std::fs::write(&file, encode_file(&set, at(1)).unwrap().1).unwrap();
        // Every run's summary agrees with its events: no half commit.
        let restored_dir = tmp.path().join(format!("r{checked}"));
        SledStore::restore_from(&file, &restored_dir, options(), at(2)).unwrap();
        let restored = SledStore::open(&restored_dir, options()).unwrap();
        for run in restored.list_runs(&RunFilter::default()).await.unwrap() {
            let events = restored.events(&run.id).await.unwrap();
            assert_eq!(events.len() as u64, run.next_seq, "run {}", run.id);
        }
        checked += 1;
    }
    writer.await.unwrap();
    assert!(checked > 0, "no backup was taken while commits ran");
}

/// A copy of sled's trees as earlier versions wrote it (format 1) is still
/// verified and restored as it was.
#[tokio::test]
async fn a_format_1_copy_of_the_trees_is_still_restored() {
    let tmp = tempfile::tempdir().unwrap();
    let store = sample_store(&tmp.path().join("old")).await;
    let before = dump(&store);
    drop(store);
    let trees: Vec<TreeData> = before
        .iter()
        .map(|(name, records)| TreeData {
            name: name.clone(),
            records: records.clone(),
        })
        .collect();
    let header = TreeHeader {
        format_version: 1,
        schema_version: crate::SCHEMA_VERSION,
        garita_version: "0.1.0".into(),
        created_at: at(5),
        trees: trees
            .iter()
            .map(|t| garita_engine::backup::SectionCount {
                name: t.name.clone(),
                records: t.records.len() as u64,
            })
            .collect(),
        records: trees.iter().map(|t| t.records.len() as u64).sum(),
    };
    let file = tmp.path().join("format1.backup");
    std::fs::write(&file, encode_trees(&header, &trees)).unwrap();
    let verified = SledStore::verify_backup(&file).unwrap();
    assert_eq!(verified.format_version, 1);
    assert_eq!(verified.schema_version, Some(crate::SCHEMA_VERSION));
    let restored_dir = tmp.path().join("restored");
    SledStore::restore_from(&file, &restored_dir, options(), at(6)).unwrap();
    let restored = SledStore::open(&restored_dir, options()).unwrap();
    same_trees(&before, &dump(&restored));
}

/// A format this build does not know is refused by number.
#[tokio::test]
async fn a_newer_format_is_refused_by_number() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("future.backup");
    let bytes = garita_engine::backup::frame(br#"{"format_version":3}"#, &[]).unwrap();
    std::fs::write(&file, bytes).unwrap();
    let err = SledStore::verify_backup(&file).unwrap_err().to_string();
    assert!(
        err.contains("format version 3") && err.contains("1 and 2"),
        "{err}"
    );
}

#[tokio::test]
async fn sled_keeps_the_backup_conformance_suite() {
    use garita_engine::backup::conformance::{backup_checks, BackupSubject};
    backup_checks(&|| {
        Box::pin(async {
            let dir = tempfile::tempdir().unwrap();
            let store = Arc::new(SledStore::open(dir.path(), options()).unwrap());
            BackupSubject {
                runs: store.clone(),
                accounts: store.clone(),
                outbox: store.clone(),
                schedules: store.clone(),
                users: store.clone(),
                links: store.clone(),
                audit: store.clone(),
                backup: store,
                keep: Box::new(dir),
            }
        })
    })
    .await;
}
