//! [`SledStore::verify_backup`] and [`SledStore::restore_from`]: check a
//! backup whole before anything is touched, rebuild the store beside the
//! old one, swap the two directories atomically, and keep the old one.
//!
//! A backup of records (format 2) is imported through the store's
//! [`BackupRecords`] import, which rebuilds the indexes; a copy of sled's
//! trees (format 1, written by earlier versions) is written back as it was.

use std::fs::{DirBuilder, File};
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use garita_engine::backup::{
    check_record_set, decode_file, format_version_of, unframe, BackupHeader, RecordSet,
    BACKUP_FORMAT_VERSION,
};
use rustix::fs::{FlockOperation, RenameFlags, CWD};

use super::error::BackupError;
use super::format::{decode_trees, TreeData};
use super::tree_check::check_records;
use crate::errors::sled_error;
use crate::file_sync::{sync_dir, sync_file, FileSyncer};
use crate::holder;
use crate::options::StoreOptions;
use crate::schema;
use crate::store::SledStore;

/// Permissions of the rebuilt store directory (as `SledStore::open` creates).
const PRIVATE_DIR_MODE: u32 = 0o700;

/// What [`SledStore::restore_from`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreReport {
    /// The backup's header: what is now in the store.
    pub header: BackupHeader,
    /// The store directory, now holding the backup's records.
    pub store: PathBuf,
    /// Where the store that was replaced was kept
    /// (`<store>.before-restore-<timestamp>`), when there was one.
    pub previous: Option<PathBuf>,
}

/// A verified backup, by format.
enum Verified {
    /// Format 2: records.
    Records(BackupHeader, RecordSet),
    /// Format 1: sled's trees.
    Trees(BackupHeader, Vec<TreeData>),
}

impl Verified {
    fn header(&self) -> &BackupHeader {
        match self {
            Self::Records(header, _) | Self::Trees(header, _) => header,
        }
    }
}

impl SledStore {
    /// Checks a backup file without restoring it: magic line, SHA-256,
    /// format version, every section against the header, and that every
    /// record decodes; in a backup of records (format 2) also that its
    /// audit chain verifies and matches the records it covers.
    pub fn verify_backup(path: &Path) -> Result<BackupHeader, BackupError> {
        load_verified(path).map(|verified| verified.header().clone())
    }

    /// Replaces the store in `store` with the backup in `backup`.
    ///
    /// In order, stopping at the first failure with nothing changed: the
    /// whole backup is verified ([`SledStore::verify_backup`]); the current
    /// store's lock is taken, so a store held by the daemon or any other
    /// process is refused; the records are written into a new directory
    /// `<store>.restoring-<timestamp>` next to the store, made durable and
    /// opened as a store whose every tree must hold the backup's counts and
    /// whose audit chain must verify.
    /// Then the two directories are exchanged in one atomic rename
    /// (`renameat2(RENAME_EXCHANGE)`), the old store is kept as
    /// `<store>.before-restore-<timestamp>` (`now` gives the timestamp), and
    /// the restored store must open where it now is; if it does not, the
    /// old store is put back.
    pub fn restore_from(
        backup: &Path,
        store: &Path,
        options: StoreOptions,
        now: DateTime<Utc>,
    ) -> Result<RestoreReport, BackupError> {
        let verified = load_verified(backup)?;
        let header = verified.header().clone();
        // Held until the end: no garita can open the old store meanwhile.
        let lock = lock_store(store)?;
        let stamp = now.format("%Y%m%dT%H%M%S%.3fZ").to_string();
        let attempt = sibling(store, &format!("restoring-{stamp}"))?;
        let previous = sibling(store, &format!("before-restore-{stamp}"))?;
        // `previous` is only needed when there is a store to keep.
        let needed = if lock.is_some() {
            vec![&attempt, &previous]
        } else {
            vec![&attempt]
        };
        for path in needed {
            if path.exists() {
                return Err(BackupError::Io {
                    path: path.display().to_string(),
                    detail: "it already exists; move it away or try again in a moment".into(),
                });
            }
        }
        let imported = match &verified {
            Verified::Records(_, set) => import_records(&attempt, set, &options),
            Verified::Trees(_, trees) => import(&attempt, trees, &options),
        };
        if let Err(e) = imported {
            let _ = std::fs::remove_dir_all(&attempt);
            return Err(e);
        }
        let failed = |detail: String, attempt: &Path| BackupError::RestoredStoreFailed {
            backup: backup.display().to_string(),
            store: store.display().to_string(),
            attempt: attempt.display().to_string(),
            detail,
        };
        let checked = match &verified {
            Verified::Records(_, set) => check_import(&attempt, set, &options),
            Verified::Trees(header, _) => check_counts(&attempt, header, &options),
        };
        if let Err(e) = checked {
            return Err(failed(e.to_string(), &attempt));
        }
        let previous = match lock {
            Some(_) => {
                swap(&attempt, store, &previous)?;
                Some(previous)
            }
            None => {
                std::fs::rename(&attempt, store).map_err(|e| {
                    BackupError::io(store, "moving the restored store into place", &e)
                })?;
                None
            }
        };
        sync_parent(store)?;
        if let Err(e) = SledStore::open(store, options.clone()) {
            // Put the old store back where it was, and keep the attempt.
            let kept = sibling(store, &format!("failed-restore-{stamp}"))?;
            let back = match &previous {
                Some(old) => {
                    std::fs::rename(store, &kept).and_then(|()| std::fs::rename(old, store))
                }
                None => std::fs::rename(store, &kept),
            };
            back.map_err(|e| BackupError::io(store, "putting the previous store back", &e))?;
            return Err(failed(e.to_string(), &kept));
        }
        drop(lock);
        tracing::info!(store = %store.display(), backup = %backup.display(), records = header.records, "store restored");
        Ok(RestoreReport {
            header,
            store: store.to_path_buf(),
            previous,
        })
    }
}

/// Reads and fully verifies a backup file of either format.
fn load_verified(path: &Path) -> Result<Verified, BackupError> {
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => BackupError::invalid(path, "the file does not exist"),
        _ => BackupError::io(path, "reading the backup", &e),
    })?;
    let invalid = |detail: String| BackupError::invalid(path, detail);
    let framed = unframe(&bytes).map_err(invalid)?;
    match format_version_of(&framed).map_err(invalid)? {
        BACKUP_FORMAT_VERSION => {
            let (header, set) = decode_file(&framed).map_err(invalid)?;
            check_record_set(&set).map_err(invalid)?;
            Ok(Verified::Records(header, set))
        }
        1 => {
            let (header, trees) = decode_trees(framed).map_err(invalid)?;
            check_records(&trees).map_err(invalid)?;
            Ok(Verified::Trees(header.into_header(), trees))
        }
        version => Err(invalid(format!(
            "it has format version {version}, but this garita reads versions 1 and {BACKUP_FORMAT_VERSION}; restore it with the garita that wrote it or a newer one"
        ))),
    }
}

/// Takes the same lock sled takes (an exclusive `flock` on `db`), so a store
/// open in any process, this one included, is refused. `None` when there is
/// no store there yet.
fn lock_store(store: &Path) -> Result<Option<File>, BackupError> {
    let db = store.join("db");
    let file = match File::open(&db) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound && !store.exists() => return Ok(None),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(BackupError::Io {
                path: store.display().to_string(),
                detail: "it exists but holds no garita store (no `db` file); restore into an empty or missing directory, or choose the right --store".into(),
            })
        }
        Err(e) => return Err(BackupError::io(&db, "opening the store to lock it", &e)),
    };
    // As when opening (open.rs): a lock just released by a closing handle
    // (sled's I/O threads) or a short command is waited for, up to 2 s.
    let mut tries = 0;
    let locked = loop {
        match rustix::fs::flock(&file, FlockOperation::NonBlockingLockExclusive) {
            Err(rustix::io::Errno::WOULDBLOCK) if tries < 100 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => break other,
        }
    };
    match locked {
        Ok(()) => Ok(Some(file)),
        Err(rustix::io::Errno::WOULDBLOCK) => Err(BackupError::StoreInUse {
            path: store.display().to_string(),
            holder: holder::describe_holder(store),
        }),
        Err(e) => Err(BackupError::io(&db, "locking the store", &e.into())),
    }
}

/// `<store>.<suffix>`, in the store's parent directory.
fn sibling(store: &Path, suffix: &str) -> Result<PathBuf, BackupError> {
    let name = store.file_name().ok_or_else(|| BackupError::Io {
        path: store.display().to_string(),
        detail: "the store path has no directory name; give --store DIR".into(),
    })?;
    Ok(store.with_file_name(format!("{}.{suffix}", name.to_string_lossy())))
}

/// Writes `trees` into a new store directory `dir`, durably.
fn import(dir: &Path, trees: &[TreeData], options: &StoreOptions) -> Result<(), BackupError> {
    DirBuilder::new()
        .mode(PRIVATE_DIR_MODE)
        .create(dir)
        .map_err(|e| BackupError::io(dir, "creating the directory of the restored store", &e))?;
    let db = crate::sled_config::sled_config(dir)
        .map_err(BackupError::Store)?
        .cache_capacity(options.cache_capacity)
        .flush_every_ms(None)
        .open()
        .map_err(|e| sled_error(dir, "creating the restored store", e))?;
    for tree in trees {
        let handle = db
            .open_tree(&tree.name)
            .map_err(|e| sled_error(dir, &format!("creating tree `{}`", tree.name), e))?;
        let mut batch = sled::Batch::default();
        for (key, value) in &tree.records {
            batch.insert(key.as_slice(), value.as_slice());
        }
        handle
            .apply_batch(batch)
            .map_err(|e| sled_error(dir, &format!("writing tree `{}`", tree.name), e))?;
    }
    db.flush()
        .map_err(|e| sled_error(dir, "flushing the restored store", e))?;
    drop(db);
    FileSyncer::open(dir).map_err(|e| BackupError::io(dir, "syncing the restored store", &e))?;
    schema::mark_initialized(dir)
        .and_then(|()| sync_file(&dir.join(schema::INITIALIZED_MARKER)))
        .and_then(|()| sync_dir(dir))
        .map_err(|e| BackupError::io(dir, "marking the restored store", &e))
}

/// Imports `set` into a new store directory `dir`, durably.
fn import_records(dir: &Path, set: &RecordSet, options: &StoreOptions) -> Result<(), BackupError> {
    DirBuilder::new()
        .mode(PRIVATE_DIR_MODE)
        .create(dir)
        .map_err(|e| BackupError::io(dir, "creating the directory of the restored store", &e))?;
    let store = SledStore::open(dir, options.clone())?;
    store.import_now(set)?;
    Ok(())
}

/// Opens the store in `dir` and checks that it exports exactly `set` and
/// that its audit chain verifies.
fn check_import(dir: &Path, set: &RecordSet, options: &StoreOptions) -> Result<(), BackupError> {
    let store = SledStore::open(dir, options.clone())?;
    if store.export_unshared()? != *set {
        return Err(BackupError::Io {
            path: dir.display().to_string(),
            detail: "the restored store does not hold exactly the backup's records".into(),
        });
    }
    audit_intact(&store, dir)
}

/// Opens the store in `dir` and checks that every tree of the backup holds
/// as many records as the header says, and that its audit chain verifies.
fn check_counts(
    dir: &Path,
    header: &BackupHeader,
    options: &StoreOptions,
) -> Result<(), BackupError> {
    let store = SledStore::open(dir, options.clone())?;
    for expected in &header.sections {
        let tree = store
            .db
            .open_tree(&expected.name)
            .map_err(|e| sled_error(dir, &format!("opening tree `{}`", expected.name), e))?;
        let found = tree.len() as u64;
        if found != expected.records {
            return Err(BackupError::Io {
                path: dir.display().to_string(),
                detail: format!(
                    "tree `{}` holds {found} records after the restore instead of {}",
                    expected.name, expected.records
                ),
            });
        }
    }
    audit_intact(&store, dir)
}

/// The hash chain must still link, and still match the records it covers.
fn audit_intact(store: &SledStore, dir: &Path) -> Result<(), BackupError> {
    let report = store.audit_trees()?.verify()?;
    if !report.is_intact() {
        return Err(BackupError::Io {
            path: dir.display().to_string(),
            detail: format!(
                "the audit chain of the restored store does not verify ({})",
                report.problems_in_brief()
            ),
        });
    }
    Ok(())
}

/// Exchanges `attempt` and `store` atomically, then renames what is now at
/// `attempt` (the old store) to `previous`. Where the filesystem cannot
/// exchange, falls back to two renames (the store path is missing for a
/// moment, while the old store's lock is still held).
fn swap(attempt: &Path, store: &Path, previous: &Path) -> Result<(), BackupError> {
    match rustix::fs::renameat_with(CWD, attempt, CWD, store, RenameFlags::EXCHANGE) {
        Ok(()) => std::fs::rename(attempt, previous)
            .map_err(|e| BackupError::io(previous, "keeping the previous store", &e)),
        Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS) => {
            std::fs::rename(store, previous)
                .map_err(|e| BackupError::io(previous, "keeping the previous store", &e))?;
            std::fs::rename(attempt, store).map_err(|e| {
                let _ = std::fs::rename(previous, store);
                BackupError::io(store, "moving the restored store into place", &e)
            })
        }
        Err(e) => Err(BackupError::io(
            store,
            "swapping in the restored store",
            &e.into(),
        )),
    }
}

fn sync_parent(store: &Path) -> Result<(), BackupError> {
    let parent = match store.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    sync_dir(parent)
        .map_err(|e| BackupError::io(parent, "syncing the store's parent directory", &e))
}
