//! Backing up the whole store into one checked file (docs/operations.md,
//! "Backups and restore"), also while the daemon holds it.

use std::path::PathBuf;

use garita_store::BackupHeader;
use serde::{Deserialize, Serialize};

use super::Session;
use crate::AppError;

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
