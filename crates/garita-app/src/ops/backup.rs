//! Backing up the whole store into one checked file, also while the daemon
//! holds it; checking such a file; restoring it (docs/operations.md,
//! "Backups and restore").
//!
//! A backup is the store's records ([`BackupRecords::export_records`]) in
//! the engine's file format, whatever the backend; restoring imports them
//! into a new store that replaces the old one.

use std::path::{Path, PathBuf};

use garita_engine::audit::AuditRecord;
use garita_engine::backup::{encode_file, BackupHeader};
use garita_store::private_file::{refuse_inside_store, write_private_file};
use garita_store::{BackupError, SledStore, StoreOptions};
use serde::{Deserialize, Serialize};

use super::Session;
use crate::{App, AppError};

/// A backup written: where, and its header (what it holds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BackupMade {
    /// The file, as written.
    pub file: PathBuf,
    /// The backup's header.
    #[serde(flatten)]
    pub header: BackupHeader,
}

/// Writes every record of the store, as one consistent state, to `file`:
/// whole or not at all, owner-only, never inside the store directory.
pub async fn backup(session: &Session, file: PathBuf) -> Result<BackupMade, AppError> {
    let refused = |detail: String| AppError::Refused(detail);
    if file.file_name().is_none() {
        return Err(refused(format!(
            "{} names a directory, not a file; give a file name such as garita-2026-01-05.backup",
            file.display()
        )));
    }
    // Before anything else: a backup written over one of the store's own
    // files (`STORE/db`) destroys the store it copies.
    refuse_inside_store(&session.app.store_dir(), &file)
        .map_err(|e| refused(format!("{e}; nothing was written")))?;
    let set = session.backend.backup.export_records().await?;
    let (header, bytes) = encode_file(&set, session.app.clock.now()).map_err(|e| {
        refused(format!(
            "encoding the backup failed: {e}; nothing was written"
        ))
    })?;
    let path = file.clone();
    tokio::task::spawn_blocking(move || write_private_file(&path, &bytes))
        .await
        .map_err(|e| refused(format!("the backup task stopped unexpectedly: {e}")))?
        .map_err(|e| {
            refused(crate::error::with_causes(&BackupError::io(
                &file,
                "writing the backup file",
                &e,
            )))
        })?;
    tracing::info!(file = %file.display(), records = header.records, "backup written");
    Ok(BackupMade { file, header })
}

/// What restoring a backup did. Fields in name order, as printed before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Restored {
    /// The backup's header: what is now in the store.
    pub backup: BackupHeader,
    /// Where the store that was replaced was kept, when there was one.
    pub previous: Option<PathBuf>,
    /// The transitions the portal rules applied afterwards (the restored
    /// facts may be past deadlines the backup did not know of).
    pub rules: Vec<garita_engine::reconcile::ReconciledTransition>,
    /// The store directory, now holding the backup's records.
    pub store: PathBuf,
}

/// Checks a backup file without touching any store: its header.
pub fn verify_file(file: &Path) -> Result<BackupHeader, AppError> {
    SledStore::verify_backup(file).map_err(|e| AppError::Refused(crate::error::with_causes(&e)))
}

/// Replaces the configured store with the backup `file`, verified first
/// (the store must be held by no process), records the restore in the
/// audit log as the first entry after the restored chain, and applies the
/// portal rules to the restored facts.
pub async fn restore(app: &App, file: &Path) -> Result<Restored, AppError> {
    let location = app.store_location();
    if location.is_postgres() {
        return Err(AppError::Refused(format!(
            "restore replaces a store directory and does not write to a PostgreSQL store ({}) yet; nothing was changed. Restore into a new directory (`garita restore {} --store DIR`), then copy it into a new, empty database (`garita store copy --from DIR --to postgres://USER@HOST/NEWDB`)",
            location.shown(),
            file.display()
        )));
    }
    let options = StoreOptions {
        cache_capacity: app.settings.store.cache_mb.clamp(1, 64 * 1024) * 1024 * 1024,
        ..StoreOptions::default()
    };
    let now = app.clock.now();
    let (backup, dir) = (file.to_path_buf(), app.store_dir());
    let report =
        tokio::task::spawn_blocking(move || SledStore::restore_from(&backup, &dir, options, now))
            .await
            .map_err(|e| AppError::Refused(format!("the restore task stopped unexpectedly: {e}")))?
            .map_err(|e| AppError::Refused(crate::error::with_causes(&e)))?;
    let backend = app.open_backend()?;
    backend
        .audit
        .record_audit(AuditRecord {
            at: now,
            kind: "store.restored".into(),
            subject: file.display().to_string(),
            actor: None,
            summary: serde_json::json!({
                "backup_created_at": report.header.created_at,
                "records": report.header.records,
                "previous_store": report.previous,
            }),
        })
        .await?;
    let rules = crate::reconcile::reconcile_now(app, backend.accounts).await?;
    Ok(Restored {
        backup: report.header,
        previous: report.previous,
        rules: rules.applied,
        store: report.store,
    })
}
