//! What can go wrong with a backup or a restore, and what to do about it.

use std::path::Path;

use garita_engine::StoreError;

/// A backup, a verification or a restore failed. Whenever a restore fails,
/// the store it was meant to replace is left as it was (or put back).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackupError {
    /// The backup file is damaged, truncated or not a backup.
    #[error("the backup {path} cannot be used: {detail}; nothing was changed. Use another backup (`garita backup verify FILE` checks one without restoring)")]
    Invalid {
        /// The backup file.
        path: String,
        /// What is wrong with it.
        detail: String,
    },
    /// Another process holds the store a restore would replace.
    #[error("the store at {path} is in use by another process{holder}; stop it (`systemctl stop garita`) before restoring, since a restore replaces the whole store. Nothing was changed")]
    StoreInUse {
        /// Store directory.
        path: String,
        /// `" (pid N, COMMAND)"` when known.
        holder: String,
    },
    /// The store kept changing while it was being copied.
    #[error("the store at {path} kept changing during {attempts} attempts to copy it; try again when it is less busy")]
    Busy {
        /// Store directory.
        path: String,
        /// Copies tried.
        attempts: u32,
    },
    /// The restored copy did not open or did not hold what the backup holds;
    /// the previous store was put back.
    #[error("the store restored from {backup} did not check out ({detail}); the previous store at {store} was put back and the attempt left in {attempt}")]
    RestoredStoreFailed {
        /// The backup file.
        backup: String,
        /// The store directory.
        store: String,
        /// Where the failed attempt is kept, for inspection.
        attempt: String,
        /// What failed.
        detail: String,
    },
    /// The filesystem refused.
    #[error("backup I/O error at {path}: {detail}")]
    Io {
        /// The file or directory.
        path: String,
        /// The OS message and a hint.
        detail: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The backup's path was refused before anything was written (inside
    /// the store directory, or no such directory).
    #[error("{0}; nothing was written")]
    Output(#[from] crate::private_file::OutputPathError),
}

impl BackupError {
    /// An I/O failure at `path` while `doing` something.
    pub fn io(path: &Path, doing: &str, err: &std::io::Error) -> Self {
        let hint = if err.kind() == std::io::ErrorKind::PermissionDenied {
            "; check that the user running garita may write there"
        } else {
            ""
        };
        Self::Io {
            path: path.display().to_string(),
            detail: format!("{doing}: {err}{hint}"),
        }
    }

    /// A backup at `path` that cannot be used because of `detail`.
    pub(crate) fn invalid(path: &Path, detail: impl Into<String>) -> Self {
        Self::Invalid {
            path: path.display().to_string(),
            detail: detail.into(),
        }
    }
}
