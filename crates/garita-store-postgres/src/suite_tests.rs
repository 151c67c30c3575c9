//! The engine's conformance suites for the traits of this slice, on
//! PostgreSQL, unchanged: the store contract, the account revision checks,
//! the audited-write checks, the backup checks, the user checks and the
//! lease checks. Each check gets a
//! database of its own.

use std::any::Any;
use std::sync::{Arc, Mutex, PoisonError};

use garita_engine::store_conformance::{run_all, FreshStore};

use crate::test_cluster::TestDb;

/// Databases to drop once a suite is done: the store suite's factory hands
/// out bare stores, so their guards are kept here meanwhile.
#[derive(Clone, Default)]
struct Kept(Arc<Mutex<Vec<Box<dyn Any + Send>>>>);

impl Kept {
    fn keep(&self, guard: Box<dyn Any + Send>) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(guard);
    }
}

#[tokio::test]
async fn the_postgres_store_keeps_the_store_contract() {
    let kept = Kept::default();
    let fresh = {
        let kept = kept.clone();
        move || {
            let kept = kept.clone();
            Box::pin(async move {
                let (store, db) = TestDb::fresh_store().await;
                kept.keep(db);
                Box::new(store) as FreshStore
            })
                as std::pin::Pin<Box<dyn std::future::Future<Output = FreshStore> + Send>>
        }
    };
    run_all(&fresh).await;
}

#[tokio::test]
async fn the_postgres_accounts_keep_the_revision_checks() {
    let (store, _db) = TestDb::fresh_store().await;
    garita_engine::account::conformance::revision_checks(&store).await;
}

#[tokio::test]
async fn the_postgres_accounts_keep_the_transition_checks() {
    let (store, _db) = TestDb::fresh_store().await;
    garita_engine::account::conformance::transition_checks(&store).await;
    assert!(
        garita_engine::audit::AuditLog::verify_audit(&store)
            .await
            .expect("verify")
            .is_intact(),
        "the batch's entries chain"
    );
}

#[tokio::test]
async fn the_postgres_accounts_answer_summaries_as_they_list() {
    let (store, _db) = TestDb::fresh_store().await;
    garita_engine::account::conformance::summaries_match_accounts(&store).await;
}

#[tokio::test]
async fn the_postgres_store_logs_its_own_writes() {
    let (store, _db) = TestDb::fresh_store().await;
    garita_engine::audit::conformance::audited_write_checks(&store, &store).await;
}

#[tokio::test]
async fn the_postgres_store_keeps_the_backup_contract() {
    use garita_engine::backup::conformance::{backup_checks, BackupSubject};
    backup_checks(&|| {
        Box::pin(async {
            let (store, db) = TestDb::fresh_store().await;
            let store = Arc::new(store);
            BackupSubject {
                runs: store.clone(),
                accounts: store.clone(),
                outbox: store.clone(),
                schedules: store.clone(),
                users: store.clone(),
                links: store.clone(),
                audit: store.clone(),
                backup: store,
                keep: db,
            }
        })
    })
    .await;
}

#[tokio::test]
async fn the_postgres_users_keep_the_user_contract() {
    let (store, _db) = TestDb::fresh_store().await;
    garita_engine::user::conformance::user_checks(&store, &store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_postgres_links_keep_the_link_contract() {
    let (store, _db) = TestDb::fresh_store().await;
    let store = Arc::new(store);
    garita_engine::link::conformance::link_checks(store.clone()).await;
    // Everything it holds is in a backup, under the documented keys.
    use garita_engine::backup::{BackupRecords, RecordKind};
    let set = store.export_records().await.expect("export");
    let links = set.section(RecordKind::Links);
    assert!(links.iter().any(|(k, _)| k == b"secret"), "{links:?}");
    assert!(links.iter().any(|(k, _)| k.starts_with(b"feed\0")));
    for (key, value) in links {
        garita_engine::link::check_record(key, value).expect("decodes");
    }
}

#[tokio::test]
async fn the_postgres_leases_keep_the_lease_contract() {
    let (store, _db) = TestDb::fresh_store().await;
    garita_engine::lease::conformance::lease_checks(&store).await;
}

/// Two stores on one database are two daemons: a lease one holds is
/// refused to the other, through the database, not a shared memory.
#[tokio::test]
async fn leases_are_shared_by_every_connection_to_the_database() {
    use garita_engine::lease::{LeaseOutcome, RunLeases};
    use std::time::Duration;
    let db = TestDb::create().await;
    let a = crate::PostgresStore::connect(&db.url)
        .await
        .expect("first daemon");
    let b = crate::PostgresStore::connect(&db.url)
        .await
        .expect("second daemon");
    assert!(a
        .claim("run-1", "daemon-a", Duration::from_secs(60))
        .await
        .unwrap()
        .granted());
    assert_eq!(
        b.claim("run-1", "daemon-b", Duration::from_secs(60))
            .await
            .unwrap(),
        LeaseOutcome::HeldBy {
            owner: "daemon-a".into()
        }
    );
    a.release("run-1", "daemon-a").await.unwrap();
    assert!(b
        .claim("run-1", "daemon-b", Duration::from_secs(60))
        .await
        .unwrap()
        .granted());
}
