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
