//! The schema version in the `meta` tree: written on first open, checked on
//! every open, so an older Garita never misreads a store a newer one changed.

use std::path::Path;

use garita_engine::StoreError;

use crate::errors::sled_error;
use crate::keys::SCHEMA_VERSION_KEY;

/// The key layout and encodings this build reads and writes.
///
/// - 1: runs, events, tasks, outbox, accounts, schedules, audit.
/// - 2: adds the console's trees (`users`, `console_sessions`,
///   `login_failures`; see `users.rs`). Nothing older changed, so a
///   version-1 store is upgraded in place on open by writing the new
///   number; the number goes up so that an older garita refuses the store
///   instead of backing it up (and restoring it) without its users.
/// - 3: adds tree `links` (holders' links, their secret and calendar feed
///   tokens; see `links.rs`), upgraded in place the same way.
/// - 4: audit entries are stored compactly (`audit/compact.rs`, version
///   byte 2) instead of as JSON; their hashes do not change. Opening an
///   older store rewrites its entries (`audit/migrate.rs`) before the new
///   number is written; a garita of schema 3 would misread them, so it
///   refuses the store.
/// - 5: adds tree `account_rows` (each account's summary as a compact row,
///   written with the account; `accounts/row.rs`). Opening an older store
///   writes the row of every account before the new number is written; a
///   garita of schema 4 would write accounts without their rows, so it
///   refuses the store.
/// - 6: adds trees `open_tasks` (an entry per open task with its due
///   instant; `task_index.rs`) and `outbox_status` (each message's key
///   under its status; `outbox_index.rs`), written with the task or
///   message. Opening an older store fills them before the new number is
///   written; a garita of schema 5 would write tasks and messages without
///   their entries, so it refuses the store.
/// - 7: new audit entries are stored without their own hash (version byte
///   3, `audit/compact.rs`), which is computed again when read. Nothing is
///   rewritten: older entries keep version 2. A garita of schema 6 could
///   not read the new entries, so it refuses the store.
pub const SCHEMA_VERSION: u32 = 7;

/// The first version whose audit entries are stored compactly.
const COMPACT_AUDIT: u32 = 4;

/// The first version with a row per account.
const ACCOUNT_ROWS: u32 = 5;

/// The first version with the open-task and outbox status indexes.
const TASK_AND_OUTBOX_INDEXES: u32 = 6;

/// What [`check_or_init`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SchemaState {
    /// The store already had a version this build understands.
    Existing,
    /// The store was new: the current version has just been written (not yet durable).
    Initialized,
    /// The store had an older version whose records this build reads as
    /// they are: the current version has just been written (not yet durable).
    Upgraded,
}

/// File written once a new store's schema version is durable. sled recovers
/// a log it cannot read as an empty database, without an error; the marker
/// lets a wiped `db` file be reported as damage instead of silently becoming
/// a new, empty store.
pub(crate) const INITIALIZED_MARKER: &str = "garita.store";

/// True when the store in `dir` was initialized before (see [`INITIALIZED_MARKER`]).
pub(crate) fn was_initialized(dir: &Path) -> bool {
    dir.join(INITIALIZED_MARKER).exists()
}

/// Writes the [`INITIALIZED_MARKER`] (the caller makes it durable).
pub(crate) fn mark_initialized(dir: &Path) -> std::io::Result<()> {
    std::fs::write(
        dir.join(INITIALIZED_MARKER),
        "garita store; the schema version is in sled tree `meta`; do not delete\n",
    )
}

/// Checks the version in `meta`, or writes [`SCHEMA_VERSION`] into an empty
/// store. `must_exist` says the store was used before (it holds runs, or was
/// marked initialized), so a missing version means damage. An older store
/// is migrated (its JSON audit entries in `audit` rewritten compactly, a
/// row written for each account, the open tasks and the outbox's statuses
/// indexed) before the new version is written, so an interrupted migration
/// runs again on the next open.
pub(crate) fn check_or_init(
    db: &sled::Db,
    meta: &sled::Tree,
    audit: &sled::Tree,
    path: &Path,
    must_exist: bool,
) -> Result<SchemaState, StoreError> {
    let stored = meta
        .get(SCHEMA_VERSION_KEY)
        .map_err(|e| sled_error(path, "reading the schema version", e))?;
    match stored {
        Some(bytes) => {
            let found = parse_version(&bytes).ok_or_else(|| StoreError::Corrupt {
                what: format!("schema version of {}", path.display()),
                detail: format!("expected 4 bytes, found {}", bytes.len()),
            })?;
            if found > SCHEMA_VERSION {
                return Err(StoreError::NewerSchema {
                    path: path.display().to_string(),
                    found,
                    supported: SCHEMA_VERSION,
                });
            }
            if found < SCHEMA_VERSION {
                if found < COMPACT_AUDIT {
                    let rewritten = crate::audit::migrate::compact_json_entries(audit, path)?;
                    tracing::info!(store = %path.display(), from = found, entries = rewritten, "audit entries rewritten compactly (schema 4)");
                }
                if found < ACCOUNT_ROWS {
                    let rows = crate::accounts::row::fill_rows(db, path)?;
                    tracing::info!(store = %path.display(), from = found, rows, "account rows written (schema 5)");
                }
                if found < TASK_AND_OUTBOX_INDEXES {
                    let open = crate::task_index::fill_from_tasks(db, path)?;
                    let messages = crate::outbox_index::fill_from_outbox(db, path)?;
                    tracing::info!(store = %path.display(), from = found, open, messages, "open tasks and outbox statuses indexed (schema 6)");
                }
                meta.insert(SCHEMA_VERSION_KEY, &SCHEMA_VERSION.to_be_bytes())
                    .map_err(|e| sled_error(path, "upgrading the schema version", e))?;
                return Ok(SchemaState::Upgraded);
            }
            Ok(SchemaState::Existing)
        }
        // The meta record was lost: guessing a version could misread every
        // record, and starting afresh would hide the loss, so refuse.
        None if must_exist => Err(StoreError::Corrupt {
            what: format!("schema version of {}", path.display()),
            detail: "the store was initialized before, but sled's `db` file no longer holds its schema version \
                     (the file is damaged, truncated or was replaced)"
                .into(),
        }),
        None => {
            meta.insert(SCHEMA_VERSION_KEY, &SCHEMA_VERSION.to_be_bytes())
                .map_err(|e| sled_error(path, "writing the schema version", e))?;
            Ok(SchemaState::Initialized)
        }
    }
}

fn parse_version(bytes: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_1_store_is_upgraded_and_a_current_one_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::Config::new().path(dir.path()).open().unwrap();
        let meta = db.open_tree("meta").unwrap();
        let audit = db.open_tree("audit").unwrap();
        assert_eq!(
            check_or_init(&db, &meta, &audit, dir.path(), false).unwrap(),
            SchemaState::Initialized
        );
        meta.insert(SCHEMA_VERSION_KEY, &1u32.to_be_bytes())
            .unwrap();
        assert_eq!(
            check_or_init(&db, &meta, &audit, dir.path(), true).unwrap(),
            SchemaState::Upgraded
        );
        let stored = meta.get(SCHEMA_VERSION_KEY).unwrap().unwrap();
        assert_eq!(parse_version(&stored), Some(SCHEMA_VERSION));
        assert_eq!(
            check_or_init(&db, &meta, &audit, dir.path(), true).unwrap(),
            SchemaState::Existing
        );
    }
}
