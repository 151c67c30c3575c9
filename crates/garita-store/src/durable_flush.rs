//! One durable flush: sled's `flush`, then (for [`Durability::PowerLoss`]) the
//! `fdatasync` of sled's files. Shared by the group-commit thread and
//! [`crate::SledStore::flush_now`].

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use garita_engine::StoreError;

use crate::errors::{io_error, sled_error};
use crate::file_sync::FileSyncer;
use crate::open::panic_message;
use crate::options::Durability;

/// Performs durable flushes and remembers whether one ever failed.
#[derive(Debug)]
pub(crate) struct DurableFlush {
    db: sled::Db,
    path: PathBuf,
    /// `None` under [`Durability::ProcessCrash`]. The mutex also keeps two
    /// flushes (the thread's and a `flush_now`) from syncing at once.
    syncer: Option<Mutex<FileSyncer>>,
    /// The first failure. After a failed `fdatasync` the kernel may have
    /// dropped the dirty pages and a later `fdatasync` can succeed without
    /// having written them ("fsyncgate"), so a store that failed once
    /// refuses every later commit instead of claiming a durability it lacks;
    /// reopening it recovers from what is really on disk.
    failure: Mutex<Option<StoreError>>,
    flushes: AtomicU64,
}

impl DurableFlush {
    /// Prepares flushes of `db`, whose directory is `path`.
    pub(crate) fn new(
        db: sled::Db,
        path: PathBuf,
        durability: Durability,
    ) -> Result<Self, StoreError> {
        let syncer = match durability {
            Durability::PowerLoss => {
                Some(Mutex::new(FileSyncer::open(&path).map_err(|e| {
                    io_error(&path, "syncing the store's files", &e)
                })?))
            }
            Durability::ProcessCrash => None,
        };
        Ok(Self {
            db,
            path,
            syncer,
            failure: Mutex::new(None),
            flushes: AtomicU64::new(0),
        })
    }

    /// Makes every commit that finished before this call durable.
    pub(crate) fn run(&self) -> Result<(), StoreError> {
        self.check_healthy()?;
        let result = self.flush_and_sync();
        match &result {
            Ok(()) => {
                self.flushes.fetch_add(1, Ordering::Relaxed);
            }
            Err(err) => {
                tracing::error!(store = %self.path.display(), error = %err, "durable flush failed; the store refuses further commits until reopened");
                let mut failure = self.failure.lock().unwrap_or_else(|p| p.into_inner());
                failure.get_or_insert_with(|| err.clone());
            }
        }
        result
    }

    /// Fails when an earlier flush failed (see the `failure` field).
    pub(crate) fn check_healthy(&self) -> Result<(), StoreError> {
        let failure = self.failure.lock().unwrap_or_else(|p| p.into_inner());
        match &*failure {
            None => Ok(()),
            Some(first) => Err(StoreError::Io {
                path: self.path.display().to_string(),
                detail: format!(
                    "an earlier flush failed ({first}), so this store no longer accepts commits; \
                     fix the cause and restart garita, which recovers the store from what is on disk"
                ),
            }),
        }
    }

    /// Number of durable flushes performed so far.
    pub(crate) fn count(&self) -> u64 {
        self.flushes.load(Ordering::Relaxed)
    }

    /// Blocks every durable flush's sync step while the guard lives, so a
    /// test can make commits pile up deterministically.
    #[cfg(test)]
    pub(crate) fn hold_syncs(&self) -> Option<std::sync::MutexGuard<'_, FileSyncer>> {
        self.syncer
            .as_ref()
            .map(|s| s.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn flush_and_sync(&self) -> Result<(), StoreError> {
        // A sled panic here must not kill the commit thread with it.
        let flushed = std::panic::catch_unwind(AssertUnwindSafe(|| self.db.flush()));
        match flushed {
            Ok(result) => result.map_err(|e| sled_error(&self.path, "flushing", e))?,
            Err(panic) => {
                return Err(StoreError::Corrupt {
                    what: format!("sled data in {}", self.path.display()),
                    detail: format!("sled panicked while flushing ({})", panic_message(&*panic)),
                })
            }
        };
        if let Some(syncer) = &self.syncer {
            let mut syncer = syncer.lock().unwrap_or_else(|p| p.into_inner());
            syncer
                .sync()
                .map_err(|e| io_error(&self.path, "fdatasync of the store's files", &e))?;
        }
        Ok(())
    }
}
