//! The open-task and outbox status indexes (schema 6) on a store written
//! before them, and after an import: both answer what the records say.

use garita_engine::backup::BackupRecords;
use garita_engine::store_conformance::task;
use garita_engine::task_overview::OpenTaskOverview;
use garita_engine::{OutboxFilter, OutboxStatus, OutboxStore, Store, TaskFilter, TaskStatus};

use crate::keys::SCHEMA_VERSION_KEY;
use crate::{SledStore, StoreOptions, SCHEMA_VERSION};

fn open(dir: &std::path::Path) -> SledStore {
    SledStore::open(dir, StoreOptions::default()).unwrap()
}

use garita_engine::outbox_conformance::message;

/// Tasks open, answered and without a due date, and messages in every
/// status.
async fn write_some(store: &SledStore) {
    for i in 0..30i64 {
        let mut t = task(
            &format!("R{i}.approve.1"),
            &format!("R{i}"),
            i * 3_600_000,
            None,
        );
        t.status = match i % 3 {
            0 => TaskStatus::Completed,
            _ => TaskStatus::Open,
        };
        if i % 7 == 0 {
            t.due = None;
        }
        store.put_task(&t).await.unwrap();
    }
    for i in 0..25 {
        let status = OutboxStatus::ALL[i % OutboxStatus::ALL.len()];
        store.record(&message(i, status)).await.unwrap();
    }
}

/// The store's answers equal those computed from its records.
async fn answers_match_the_records(store: &SledStore) {
    let all = store.list_tasks(&TaskFilter::default()).await.unwrap();
    let now = garita_engine::store_conformance::at(40 * 3_600_000);
    let overview = store.open_task_overview(now, 5).await.unwrap();
    assert_eq!(overview, OpenTaskOverview::of(&all, now, 5));
    assert_eq!(overview.open, 20);
    for status in OutboxStatus::ALL {
        let filter = OutboxFilter {
            statuses: vec![status],
            ..OutboxFilter::default()
        };
        let listed = store.list(&filter).await.unwrap().len() as u64;
        assert_eq!(store.count_messages(status).await.unwrap(), listed);
        assert_eq!(listed, 5);
    }
}

#[tokio::test]
async fn a_store_written_before_the_indexes_gets_them_when_opened() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(dir.path());
        write_some(&store).await;
        // What a schema-5 garita left: no index, version 5.
        for name in [crate::task_index::TREE, crate::outbox_index::TREE] {
            store.db.open_tree(name).unwrap().clear().unwrap();
        }
        store
            .trees
            .meta
            .insert(SCHEMA_VERSION_KEY, &5u32.to_be_bytes())
            .unwrap();
        store.db.flush().unwrap();
    }
    let store = open(dir.path());
    let version = store.trees.meta.get(SCHEMA_VERSION_KEY).unwrap().unwrap();
    assert_eq!(version.as_ref(), SCHEMA_VERSION.to_be_bytes());
    answers_match_the_records(&store).await;
}

#[tokio::test]
async fn an_import_rebuilds_the_indexes() {
    let (from, to) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let source = open(from.path());
    write_some(&source).await;
    let records = source.export_records().await.unwrap();
    let copy = open(to.path());
    copy.import_records(&records).await.unwrap();
    answers_match_the_records(&copy).await;
}
