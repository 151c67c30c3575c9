//! [`PostgresStore`]: a pool of connections to one database, migrated.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use garita_engine::{RecordingClock, StoreError};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

use crate::errors::{db_error, is_connection_lost, redacted};
use crate::group_commit::GroupCommit;
use crate::health::Health;
use crate::migrations::migrate;

/// How to connect.
#[derive(Debug, Clone)]
pub struct PostgresOptions {
    /// Connections kept at most. Appends to the audit chain wait on one row
    /// lock anyway, so a few are enough for a daemon.
    pub max_connections: u32,
    /// How long a query waits for a free connection before failing.
    pub acquire_timeout: Duration,
    /// Dates audit entries (`recorded_at`, and `pinned_at` under `--now`).
    pub clock: RecordingClock,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(30),
            clock: RecordingClock::system(),
        }
    }
}

/// The engine's store traits on one PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pub(crate) pool: PgPool,
    /// The URL without its password, for messages.
    pub(crate) url: String,
    pub(crate) clock: RecordingClock,
    /// What the operations met, for [`garita_engine::StoreHealth`].
    pub(crate) health: Arc<Health>,
    /// The queue of run commits written together (`group_commit.rs`).
    pub(crate) group: Arc<GroupCommit>,
    /// This connection's name in the word it sends other processes
    /// (`wakeups.rs`), so its own listener can skip it.
    pub(crate) sender: Arc<str>,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://USER[:PASSWORD]@HOST[:PORT]/DB`) with
    /// the default options and brings its schema up to date.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, PostgresOptions::default()).await
    }

    /// Connects with `options` and brings the schema up to date; refuses a
    /// database a newer Garita migrated ([`StoreError::NewerSchema`]).
    pub async fn connect_with(url: &str, options: PostgresOptions) -> Result<Self, StoreError> {
        let shown = redacted(url);
        let connect = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Io {
                path: shown.clone(),
                detail: format!(
                    "not a PostgreSQL URL ({e}); write it as postgres://USER@HOST[:PORT]/DATABASE"
                ),
            })?
            // Every write's promise is "returns once durable": a database
            // or role default of `synchronous_commit = off` must not
            // quietly break it.
            .options([("synchronous_commit", "on")])
            .application_name("garita");
        let health = Health::new();
        let reconnected = health.clone();
        let pool = PgPoolOptions::new()
            .after_connect(move |_, _| {
                reconnected.connected();
                Box::pin(async { Ok(()) })
            })
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect)
            .await
            .map_err(|e| db_error(&shown, "connecting", e))?;
        migrate(&pool, &shown).await?;
        Ok(Self {
            pool,
            url: shown,
            clock: options.clock,
            health,
            group: Arc::default(),
            sender: sender_id().into(),
        })
    }

    /// Closes every connection; later calls fail.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The failure of `doing` something, as a [`StoreError`]; a lost
    /// connection is also noted for [`garita_engine::StoreHealth`].
    pub(crate) fn error(&self, doing: &str) -> impl FnOnce(sqlx::Error) -> StoreError + '_ {
        let doing = doing.to_owned();
        move |e| {
            let lost = is_connection_lost(&e);
            let error = db_error(&self.url, &doing, e);
            if lost {
                self.health.connection_lost(&error);
            }
            error
        }
    }
}

/// The future of a step run inside a caller's transaction, boxed as `Send`
/// where its type is concrete: the compiler cannot prove futures holding
/// `&mut PgConnection` `Send` once they are nested in generic ones
/// (rust-lang/rust#100013), and the engine's traits need them to be.
pub(crate) type InTx<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A name no other store connected to the database shares: the process and
/// a random number (one process may connect twice).
fn sender_id() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::BuildHasher;
    let random = RandomState::new().hash_one(std::time::SystemTime::now());
    format!("{}:{random:016x}", std::process::id())
}
