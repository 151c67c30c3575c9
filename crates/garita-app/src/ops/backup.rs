//! Backing up the whole store into one checked file, also while the daemon
//! holds it; checking such a file; restoring it (docs/operations.md,
//! "Backups and restore").

use std::path::{Path, PathBuf};

use garita_engine::audit::{AuditLog, AuditRecord};
use garita_store::{BackupHeader, SledStore, StoreOptions};
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

/// Writes a consistent copy of every tree of the store to `file`.
pub async fn backup(session: &Session, file: PathBuf) -> Result<BackupMade, AppError> {
    let store = session.store.clone();
    let now = session.app.clock.now();
    let path = file.clone();
    let header = tokio::task::spawn_blocking(move || store.backup_to(&path, now))
        .await
        .map_err(|e| AppError::Refused(format!("the backup task stopped unexpectedly: {e}")))?
        .map_err(|e| AppError::Refused(crate::error::with_causes(&e)))?;
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
    let store = app.open_store()?;
    store
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
    let rules = crate::reconcile::reconcile_now(app, store).await?;
    Ok(Restored {
        backup: report.header,
        previous: report.previous,
        rules: rules.applied,
        store: report.store,
    })
}
