//! [`StoreHealth`] on PostgreSQL: whether this store can still write, from
//! what its own operations met, so that a daemon whose database is gone
//! never looks healthy.
//!
//! Two facts are kept, each until something shows it is over:
//! - a lost connection (the server unreachable or shutting down, the pool
//!   timing out), noted by any query that meets one, and over once the
//!   pool opens a new connection or a write commits;
//! - a failed write (the server refusing it: a full disk, a read-only
//!   standby), over once a later write commits.
//!
//! And a closed pool ([`PostgresStore::close`]) can never write again. No
//! query is made here: `write_failure` is called from a monitor's thread,
//! and the daemon's own polling (due runs, the outbox) meets a lost server
//! within its poll interval.

use std::sync::{Arc, Mutex, PoisonError};

use garita_engine::{StoreError, StoreHealth};

use crate::store::PostgresStore;

/// What the store's operations last met; shared by its clones.
#[derive(Debug, Default)]
pub(crate) struct Health {
    connection: Mutex<Option<StoreError>>,
    write: Mutex<Option<StoreError>>,
}

impl Health {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// A query met a lost connection.
    pub(crate) fn connection_lost(&self, error: &StoreError) {
        *self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(error.clone());
    }

    /// The pool opened a new connection: the server is reachable again.
    pub(crate) fn connected(&self) {
        *self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// Notes how a write ended: a database failure is kept, a commit
    /// clears both facts. A refusal of the write itself (a conflict, a
    /// stale run, a caller's bad id) says nothing about the database.
    pub(crate) fn observe_write<T>(&self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        match &result {
            Ok(_) => {
                self.connected();
                *self.write.lock().unwrap_or_else(PoisonError::into_inner) = None;
            }
            Err(error @ StoreError::Io { .. }) => {
                *self.write.lock().unwrap_or_else(PoisonError::into_inner) = Some(error.clone());
            }
            Err(_) => {}
        }
        result
    }

    fn failure(&self) -> Option<StoreError> {
        let write = self.write.lock().unwrap_or_else(PoisonError::into_inner);
        let connection = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        connection.clone().or_else(|| write.clone())
    }
}

impl StoreHealth for PostgresStore {
    fn write_failure(&self) -> Option<StoreError> {
        if self.pool.is_closed() {
            return Some(StoreError::Io {
                path: self.url.clone(),
                detail: "the store's connections were closed (the process is shutting down); restart garita to write again".into(),
            });
        }
        self.health.failure()
    }
}

#[cfg(test)]
mod tests {
    use garita_engine::store_conformance::record;
    use garita_engine::{Store, StoreError, StoreHealth};

    use crate::test_cluster::TestDb;
    use crate::PostgresOptions;

    /// A write the server refuses (here a full disk, raised by a trigger)
    /// is reported until a later write commits; a write refused by the
    /// store's own contract (an existing run id) is not a health problem.
    #[tokio::test]
    async fn a_write_the_server_refuses_is_reported_until_one_commits() -> Result<(), StoreError> {
        let (store, _db) = TestDb::fresh_store().await;
        assert_eq!(store.write_failure(), None, "a fresh store can write");
        store.create_run(&mut record("R1", 0), &[]).await?;
        let refused = store.create_run(&mut record("R1", 0), &[]).await;
        assert!(refused.is_err());
        assert_eq!(
            store.write_failure(),
            None,
            "a duplicate id is the caller's"
        );

        sqlx::raw_sql(
            "CREATE FUNCTION full_disk() RETURNS trigger LANGUAGE plpgsql AS
               $$ BEGIN RAISE EXCEPTION 'could not extend file' USING ERRCODE = '53100'; END $$;
             CREATE TRIGGER full_disk BEFORE INSERT ON runs FOR EACH ROW EXECUTE FUNCTION full_disk();",
        )
        .execute(&store.pool)
        .await
        .map_err(store.error("filling the disk"))?;
        let failed = store.create_run(&mut record("R2", 0), &[]).await;
        assert!(matches!(failed, Err(StoreError::Io { .. })), "{failed:?}");
        let reported = store.write_failure().map(|e| e.to_string());
        assert!(
            reported.as_deref().is_some_and(|r| r.contains("53100")),
            "{reported:?}"
        );
        assert!(
            store.run("R1").await?.is_some() && store.write_failure().is_some(),
            "a read does not clear a failed write"
        );

        sqlx::raw_sql("DROP TRIGGER full_disk ON runs")
            .execute(&store.pool)
            .await
            .map_err(store.error("freeing the disk"))?;
        store.create_run(&mut record("R2", 0), &[]).await?;
        assert_eq!(store.write_failure(), None, "a committed write clears it");
        Ok(())
    }

    /// A connection the server drops is reported, and no longer once the
    /// pool has connected again.
    #[tokio::test]
    async fn a_lost_connection_is_reported_until_the_pool_reconnects() -> Result<(), StoreError> {
        let (store, _db) = TestDb::fresh_store().await;
        let mut tx = store.pool.begin().await.map_err(store.error("beginning"))?;
        let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(&mut *tx)
            .await
            .map_err(store.error("reading the backend pid"))?;
        let other = store.pool.acquire().await.map_err(store.error("acquiring"));
        let mut other = other?;
        sqlx::query("SELECT pg_terminate_backend($1)")
            .bind(pid)
            .execute(&mut *other)
            .await
            .map_err(store.error("terminating the connection"))?;
        drop(other);
        let lost = sqlx::query("SELECT 1")
            .execute(&mut *tx)
            .await
            .map_err(store.error("querying on a dropped connection"));
        assert!(lost.is_err());
        let reported = store.write_failure();
        assert!(
            matches!(reported, Some(StoreError::Io { .. })),
            "{reported:?}"
        );
        drop(tx);
        // Idle connections the pool kept are handed out first; holding
        // them all makes it open a new one (the killed connection is gone,
        // so at most max_connections - 1 are idle), and a new connection
        // clears the report.
        let mut held = Vec::new();
        while store.write_failure().is_some()
            && held.len() < PostgresOptions::default().max_connections as usize
        {
            held.push(
                store
                    .pool
                    .acquire()
                    .await
                    .map_err(store.error("acquiring"))?,
            );
        }
        drop(held);
        assert_eq!(store.write_failure(), None, "{:?}", store.write_failure());
        Ok(())
    }

    /// A closed store can never write again, and says so.
    #[tokio::test]
    async fn a_closed_store_reports_it_cannot_write() {
        let (store, _db) = TestDb::fresh_store().await;
        store.close().await;
        let reported = store.write_failure().map(|e| e.to_string());
        assert!(
            reported.as_deref().is_some_and(|r| r.contains("closed")),
            "{reported:?}"
        );
    }
}
