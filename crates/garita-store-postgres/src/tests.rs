//! The engine's conformance suites on PostgreSQL, one line each, and what
//! only this backend can test (reconnecting, the schema version). Every
//! store gets a database of its own on the test server (`test_cluster`).

use std::sync::Arc;

use garita_engine::audit::conformance::{audit_checks, audit_record};
use garita_engine::audit::AuditLog;
use garita_engine::schedule::conformance::{at, schedule_checks};
use garita_engine::schedule::{ScheduleStore, TriggerKey, TriggerState};
use garita_engine::{OutboxStore, StoreError};

use crate::test_cluster::TestDb;
use crate::{PostgresStore, SCHEMA_VERSION};

#[tokio::test]
async fn the_postgres_schedule_store_keeps_the_schedule_contract() {
    schedule_checks(&|| {
        Box::pin(async {
            let (s, db) = TestDb::fresh_store().await;
            (Box::new(s) as Box<dyn ScheduleStore>, db)
        })
    })
    .await;
}

/// Every field, to the microsecond, and the last of two writes survive
/// closing the connections and connecting again; connecting again to a
/// migrated database migrates nothing.
#[tokio::test]
async fn states_survive_reconnecting() -> Result<(), StoreError> {
    let db = TestDb::create().await;
    let key = TriggerKey::new("daily", 0);
    let state = TriggerState {
        last_fire: Some(at(3600, 123_457)),
        covered_until: at(3600, 999_999),
        paused: true,
    };
    {
        let store = PostgresStore::connect(&db.url).await?;
        store
            .put_trigger_state(&key, &TriggerState::first_seen(at(0, 0)))
            .await?;
        store.put_trigger_state(&key, &state).await?;
        store.close().await;
    }
    let store = PostgresStore::connect(&db.url).await?;
    assert_eq!(store.trigger_states().await?, vec![(key, state)]);
    Ok(())
}

/// A database a newer Garita migrated is refused, naming both versions,
/// and left as it was.
#[tokio::test]
async fn a_newer_schema_is_refused() -> Result<(), StoreError> {
    let db = TestDb::create().await;
    let store = PostgresStore::connect(&db.url).await?;
    sqlx::query("UPDATE schema_version SET version = $1")
        .bind(i32::try_from(SCHEMA_VERSION + 1).unwrap_or(i32::MAX))
        .execute(&store.pool)
        .await
        .map_err(store.error("raising the schema version"))?;
    store.close().await;
    match PostgresStore::connect(&db.url).await {
        Err(StoreError::NewerSchema {
            found, supported, ..
        }) => assert_eq!((found, supported), (SCHEMA_VERSION + 1, SCHEMA_VERSION)),
        other => panic!("a newer schema must be refused, got {other:?}"),
    }
    Ok(())
}

/// Two stores connecting at once to an empty database both end up on the
/// migrated schema: the second waits for the first's migration.
#[tokio::test]
async fn concurrent_first_connects_migrate_once() -> Result<(), StoreError> {
    let db = TestDb::create().await;
    let (a, b) = tokio::join!(
        PostgresStore::connect(&db.url),
        PostgresStore::connect(&db.url)
    );
    let (a, b) = (a?, b?);
    a.put_trigger_state(
        &TriggerKey::new("w", 0),
        &TriggerState::first_seen(at(0, 1)),
    )
    .await?;
    assert_eq!(b.trigger_states().await?.len(), 1);
    Ok(())
}

/// A URL that is not one is refused with how to write it; an unreachable
/// server is an I/O error that does not show the password.
#[tokio::test]
async fn bad_urls_say_what_to_do_without_the_password() {
    let not_a_url = PostgresStore::connect("mysql://x").await;
    assert!(
        matches!(not_a_url, Err(StoreError::Io { .. })),
        "{not_a_url:?}"
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(1);
    let options = crate::PostgresOptions {
        acquire_timeout: std::time::Duration::from_secs(2),
        ..crate::PostgresOptions::default()
    };
    let unreachable = PostgresStore::connect_with(
        &format!("postgres://garita:hunter2@127.0.0.1:{port}/garita"),
        options,
    )
    .await;
    match unreachable {
        Err(e @ StoreError::Io { .. }) => {
            let text = e.to_string();
            assert!(!text.contains("hunter2"), "{text}");
            assert!(text.contains("garita:***@127.0.0.1"), "{text}");
        }
        other => panic!("an unreachable server is an I/O error, got {other:?}"),
    }
}

#[tokio::test]
async fn the_postgres_audit_log_keeps_the_audit_contract() {
    audit_checks(&|| {
        Box::pin(async {
            let (s, db) = TestDb::fresh_store().await;
            (Arc::new(s) as Arc<dyn AuditLog>, db)
        })
    })
    .await;
}

/// Two stores on one database (two daemons) appending at once still form
/// one gap-free chain: the lock is in the database, not in a process. The
/// chain survives reconnecting.
#[tokio::test]
async fn two_processes_appending_at_once_form_one_chain() -> Result<(), StoreError> {
    let db = TestDb::create().await;
    let (a, b) = (
        Arc::new(PostgresStore::connect(&db.url).await?),
        Arc::new(PostgresStore::connect(&db.url).await?),
    );
    let mut tasks = Vec::new();
    for (t, store) in [a.clone(), b.clone(), a, b].into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            for i in 0..10 {
                store
                    .record_audit(audit_record("config.reload", &format!("d{t}"), i))
                    .await?;
            }
            Ok::<(), StoreError>(())
        }));
    }
    for task in tasks {
        task.await.map_err(|e| StoreError::Io {
            path: "test".into(),
            detail: e.to_string(),
        })??;
    }
    let again = PostgresStore::connect(&db.url).await?;
    let seqs: Vec<u64> = again
        .audit_entries(1, None)
        .await?
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(seqs, (1..=40).collect::<Vec<_>>());
    let report = again.verify_audit().await?;
    assert!(report.is_intact(), "{:?}", report.problems);
    assert_eq!(again.audit_head().await?.seq, 40);
    Ok(())
}

/// An entry altered in the database, or a head rolled back, is reported by
/// verify; appends go on after the damage.
#[tokio::test]
async fn tampering_in_the_database_is_reported() -> Result<(), StoreError> {
    let (store, _db) = TestDb::fresh_store().await;
    for i in 0..3 {
        store
            .record_audit(audit_record("config.reload", "w", i))
            .await?;
    }
    let mut entry = store
        .audit_entries(2, Some(2))
        .await?
        .pop()
        .ok_or_else(|| StoreError::NoSuchRun("entry 2".into()))?;
    entry.subject = "forged".into();
    let forged = garita_engine::record_codec::encode(&entry, "entry")?;
    sqlx::query("UPDATE audit_entries SET entry = $1 WHERE seq = 2")
        .bind(forged)
        .execute(&store.pool)
        .await
        .map_err(store.error("forging"))?;
    let report = store.verify_audit().await?;
    assert!(!report.is_intact(), "a forged entry is found");
    assert!(
        report.problems.iter().any(|p| p.seq == 2),
        "{:?}",
        report.problems
    );
    sqlx::query("DELETE FROM audit_head")
        .execute(&store.pool)
        .await
        .map_err(store.error("removing the head"))?;
    let next = store
        .record_audit(audit_record("config.reload", "w", 9))
        .await?;
    assert_eq!(next.seq, 4, "appends go on after the last entry");
    Ok(())
}

#[tokio::test]
async fn the_postgres_outbox_keeps_the_outbox_contract() {
    let (store, _db) = TestDb::fresh_store().await;
    garita_engine::outbox_conformance::outbox_checks(&store).await;
}

/// Each outbox write that changes the record is in the audit log with the
/// digest of the stored bytes; rewriting the same bytes logs nothing;
/// verify compares the record and finds a change made behind the store's
/// back.
#[tokio::test]
async fn outbox_writes_are_audited_and_checked() -> Result<(), StoreError> {
    let (store, _db) = TestDb::fresh_store().await;
    let ctx = garita_sdk::InvokeContext::builder()
        .now(at(0, 0))
        .attempt("R1", "notify", 1)
        .build();
    let mut entry = garita_engine::OutboxEntry::queued(
        "<m@garita.local>",
        &ctx,
        serde_json::json!({"to": "a@example.com"}),
        at(0, 0),
    );
    store.record(&entry).await?;
    store.record(&entry).await?;
    entry.mark_sending(at(1, 0));
    store.record(&entry).await?;
    let kinds: Vec<String> = store
        .audit_entries(1, None)
        .await?
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds.len(),
        2,
        "one entry per change, none for a rewrite of the same bytes: {kinds:?}"
    );
    assert!(kinds.iter().all(|k| k.starts_with("email.")), "{kinds:?}");
    let report = store.verify_audit().await?;
    assert!(report.is_intact(), "{:?}", report.problems);
    assert!(report.records_checked >= 1, "verify compared the message");

    let mut altered = entry.clone();
    altered.input = serde_json::json!({"to": "mallory@example.com"});
    let bytes = garita_engine::record_codec::encode(&altered, "message")?;
    sqlx::query("UPDATE outbox SET record = $1")
        .bind(bytes)
        .execute(&store.pool)
        .await
        .map_err(store.error("altering a message"))?;
    let report = store.verify_audit().await?;
    assert!(
        !report.is_intact(),
        "a message changed behind the store's back is reported"
    );
    Ok(())
}

/// A database at an older schema version gets the later migrations on
/// connect, and its data stays.
#[tokio::test]
async fn an_older_schema_is_migrated_on_connect() -> Result<(), StoreError> {
    let db = TestDb::create().await;
    let store = PostgresStore::connect(&db.url).await?;
    let key = TriggerKey::new("kept", 3);
    store
        .put_trigger_state(&key, &TriggerState::first_seen(at(0, 1)))
        .await?;
    // What a schema-1 database looks like: none of the later tables, version 1.
    sqlx::raw_sql(
        "DROP TABLE outbox, sources, runs, run_events, tasks, accounts, account_history,
                    account_transitions, emitted_events, run_leases, users,
                    console_sessions, login_failures, links;
         DROP SEQUENCE emitted_event_ids;
         UPDATE schema_version SET version = 1",
    )
    .execute(&store.pool)
    .await
    .map_err(store.error("going back to schema 1"))?;
    store.close().await;
    let store = PostgresStore::connect(&db.url).await?;
    let version: i32 = sqlx::query_scalar("SELECT version FROM schema_version")
        .fetch_one(&store.pool)
        .await
        .map_err(store.error("reading the version"))?;
    assert_eq!(u32::try_from(version).ok(), Some(SCHEMA_VERSION));
    assert!(
        store.get("<none@x>").await?.is_none(),
        "the outbox table exists again"
    );
    assert!(
        store.trigger_state(&key).await?.is_some(),
        "older data stays"
    );
    Ok(())
}

/// Names PostgreSQL's text cannot hold are refused as the caller's bug,
/// as sled refuses them, and write nothing.
#[tokio::test]
async fn empty_names_and_nul_bytes_are_refused() -> Result<(), StoreError> {
    let (store, _db) = TestDb::fresh_store().await;
    for name in ["", "a\0b"] {
        let key = TriggerKey::new(name, 0);
        let put = store
            .put_trigger_state(&key, &TriggerState::first_seen(at(0, 1)))
            .await;
        assert!(matches!(put, Err(StoreError::Corrupt { .. })), "{put:?}");
        let get = store.trigger_state(&key).await;
        assert!(matches!(get, Err(StoreError::Corrupt { .. })), "{get:?}");
    }
    assert!(store.trigger_states().await?.is_empty());
    Ok(())
}
