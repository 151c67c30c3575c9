//! [`SledStore`]: the handle, its inherent API and its shutdown. Opening is in
//! `open.rs`, the engine's `Store` trait in `store_impl.rs`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use garita_engine::StoreError;

use crate::durable_flush::DurableFlush;
use crate::errors::sled_error;
use crate::group_commit::GroupCommit;
use crate::holder;
use crate::trees::Trees;

/// Garita's durable [`garita_engine::Store`] on sled. One process at a time
/// may hold a store directory; see the crate docs for the key layout and the
/// durability guarantees.
#[derive(Debug)]
pub struct SledStore {
    pub(crate) path: PathBuf,
    pub(crate) db: sled::Db,
    pub(crate) trees: Trees,
    pub(crate) flush: Arc<DurableFlush>,
    pub(crate) group: GroupCommit,
}

impl SledStore {
    /// The store directory, as given to [`SledStore::open`].
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes sled's files take on disk.
    pub fn db_size_on_disk(&self) -> Result<u64, StoreError> {
        self.db
            .size_on_disk()
            .map_err(|e| sled_error(&self.path, "measuring the store's size", e))
    }

    /// Makes every write applied so far durable, on the calling thread.
    /// Blocks for a flush (milliseconds on a disk): from async code, call it
    /// through `tokio::task::spawn_blocking`. Commits through the `Store`
    /// trait never need it; it is for tools that write around them.
    pub fn flush_now(&self) -> Result<(), StoreError> {
        self.flush.run()
    }

    /// Why this handle can no longer write, if it cannot: an earlier durable
    /// flush failed, or sled met an I/O error (a full disk) and, as sled
    /// does, refuses every write from then on. Only reopening the store
    /// recovers (from what is on disk); the daemon does that by itself once
    /// the disk has room. Blocks for a sled flush of what is pending (none,
    /// usually): call it off the async executor.
    pub fn write_failure(&self) -> Option<StoreError> {
        if let Err(e) = self.flush.check_healthy() {
            return Some(e);
        }
        self.db
            .flush()
            .err()
            .map(|e| sled_error(&self.path, "checking that the store can still write", e))
    }

    /// Number of durable flushes performed since the store was opened. With
    /// group commit, concurrent commits share flushes, so this grows slower
    /// than the number of commits under load.
    pub fn flush_count(&self) -> u64 {
        self.flush.count()
    }
}

impl garita_engine::StoreHealth for SledStore {
    fn write_failure(&self) -> Option<StoreError> {
        SledStore::write_failure(self)
    }
}

impl Drop for SledStore {
    fn drop(&mut self) {
        // Answer every queued committer before the handles go away.
        self.group.stop();
        // The pid file goes while the lock is still ours, so it never names a
        // process that no longer holds the store.
        holder::remove_pid_file(&self.path);
    }
}
