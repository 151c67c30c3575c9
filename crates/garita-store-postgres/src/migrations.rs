//! The schema, as migrations embedded in the binary and applied in order on
//! connect. Table `schema_version` holds the newest one applied; a database
//! a newer Garita migrated is refused ([`StoreError::NewerSchema`]), never
//! written to, as with the sled store.
//!
//! Migrations run in one transaction under a transaction-scoped advisory
//! lock, so two daemons starting at once on an empty database do not both
//! create the tables: the second waits, then finds them.

use std::future::Future;
use std::pin::Pin;

use garita_engine::StoreError;
use sqlx::{Executor, PgPool, Row};

use crate::errors::db_error;

/// Each migration's version and SQL, in order; a migration once released is
/// never edited (a change is a new one).
const MIGRATIONS: &[(u32, &str)] = &[
    (1, include_str!("../migrations/0001_schedules_audit.sql")),
    (2, include_str!("../migrations/0002_outbox.sql")),
    (3, include_str!("../migrations/0003_runs_tasks.sql")),
    (4, include_str!("../migrations/0004_accounts.sql")),
    (5, include_str!("../migrations/0005_run_leases.sql")),
    (6, include_str!("../migrations/0006_users.sql")),
    (7, include_str!("../migrations/0007_links.sql")),
    (8, include_str!("../migrations/0008_task_outbox_status.sql")),
    (9, include_str!("../migrations/0009_account_summaries.sql")),
    (10, include_str!("../migrations/0010_account_screen.sql")),
];

/// The newest schema version this build knows.
pub const SCHEMA_VERSION: u32 = 10;

/// Key of the advisory lock held while migrating ("garita" in ASCII).
const MIGRATION_LOCK: i64 = 0x6761_7269_7461;

/// Brings the database at `url` (redacted, for messages) to
/// [`SCHEMA_VERSION`], or refuses it when a newer Garita migrated it.
///
/// Boxed as `Send` here, where the future's type is concrete: the compiler
/// cannot prove futures holding `&mut PgConnection` (a transaction) `Send`
/// once they are nested in generic ones (rust-lang/rust#100013), and every
/// caller of `connect` needs them to be.
pub(crate) fn migrate<'a>(
    pool: &'a PgPool,
    url: &'a str,
) -> Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send + 'a>> {
    Box::pin(migrate_now(pool, url))
}

async fn migrate_now(pool: &PgPool, url: &str) -> Result<(), StoreError> {
    let mut tx = pool
        .begin()
        .await
        .map_err(|e| db_error(url, "starting the migration", e))?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *tx)
        .await
        .map_err(|e| db_error(url, "waiting for another garita's migration", e))?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_version (
             only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
             version integer NOT NULL
         )",
    )
    .execute(&mut *tx)
    .await
    .map_err(|e| db_error(url, "creating table schema_version", e))?;
    let found: Option<i32> = sqlx::query("SELECT version FROM schema_version")
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| db_error(url, "reading the schema version", e))?
        .map(|row| row.try_get(0))
        .transpose()
        .map_err(|e| db_error(url, "reading the schema version", e))?;
    let found = match found {
        None => 0,
        Some(v) => {
            u32::try_from(v).map_err(|_| crate::errors::out_of_range("the schema version", v))?
        }
    };
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path: url.to_owned(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > found) {
        // A string without parameters runs as a simple query, which may
        // hold several statements.
        tx.execute(*sql)
            .await
            .map_err(|e| db_error(url, &format!("applying schema migration {version}"), e))?;
        if *version == 10 {
            // Folding is Garita's (the server's lower() folds other
            // letters), so the new columns are filled here, from each
            // account's summary, in the migration's transaction.
            let filled = crate::account_screen::fill_columns(&mut tx, url).await?;
            tracing::info!(store = %url, accounts = filled, "filled the accounts' screen columns");
        }
    }
    if found < SCHEMA_VERSION {
        let version = i32::try_from(SCHEMA_VERSION)
            .map_err(|_| crate::errors::out_of_range("the schema version", SCHEMA_VERSION))?;
        sqlx::query(
            "INSERT INTO schema_version (only_row, version) VALUES (true, $1)
             ON CONFLICT (only_row) DO UPDATE SET version = EXCLUDED.version",
        )
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(|e| db_error(url, "recording the schema version", e))?;
        tracing::info!(store = %url, from = found, to = SCHEMA_VERSION, "migrated the PostgreSQL schema");
    }
    tx.commit()
        .await
        .map_err(|e| db_error(url, "committing the migration", e))
}
