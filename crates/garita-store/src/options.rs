//! How a store is opened: cache size and how durable a commit is.

/// What a returned [`garita_engine::Store::append`] (or `create_run`) survives.
///
/// Both levels first call sled's `flush`, which writes sled's in-memory log
/// buffers into the `db` file with `pwrite` and then calls Linux
/// `sync_file_range(WAIT_BEFORE | WRITE | WAIT_AFTER)` on the written range
/// (sled issue #1452). `sync_file_range` starts and waits for the writeback of
/// those data pages, but it neither commits the file's metadata (the new file
/// size when the log grows) nor asks the disk to empty its volatile write
/// cache, so on its own it is no protection against power loss.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Durability {
    /// The default. After sled's flush, `fdatasync` (`File::sync_data`) the
    /// `db` file and every blob file written since the last flush, and `fsync`
    /// the directories whose entries changed (the store directory when it is
    /// created, `blobs/` when a blob file appears). A commit that returned
    /// survives a process crash, a kernel panic and a power loss, as long as
    /// the disk honours cache-flush requests (any disk that does not lies to
    /// every database alike) and the filesystem is a local one.
    #[default]
    PowerLoss,
    /// sled's flush only. A commit that returned is in the operating system's
    /// page cache, so it survives the garita process being killed or
    /// panicking, but a kernel panic or a power loss may lose the most recent
    /// commits (or, when the log had grown, leave a shorter file that sled
    /// recovers to an earlier, still consistent, state). Faster; for tests,
    /// `garita simulate` copies and machines on a battery-backed disk.
    ProcessCrash,
}

/// Options of [`crate::SledStore::open`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreOptions {
    /// Bytes of memory sled may use for its page cache (default 4 MiB).
    /// Set explicitly because sled's own default is sized for a dedicated
    /// database server, not a small daemon that shares its host. sled fills
    /// it with every page a run writes or reads, so it is what a daemon's
    /// resident memory grows to with the work it has done: this, not the
    /// history, bounds it (docs/performance.md, "Memory that does not
    /// depend on history").
    pub cache_capacity: u64,
    /// What a returned commit survives (default [`Durability::PowerLoss`]).
    pub durability: Durability,
}

/// The default page cache size: 4 MiB, sized for a small server. A
/// daemon with 64 MiB grew from 19 to 83 MiB over 9,000 runs; the store's
/// files stay in the operating system's page cache either way, so a
/// smaller cache costs decoding, not disk reads. Against 8 MiB: an idle
/// daemon over 10,000 accounts (whose first reconcile reads every account)
/// 30.2 -> 27.9 MiB, console pages at 10,000 accounts 7-9 ms either way
/// (docs/performance.md, session 16).
pub const DEFAULT_CACHE_CAPACITY: u64 = 4 * 1024 * 1024;

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            cache_capacity: DEFAULT_CACHE_CAPACITY,
            durability: Durability::default(),
        }
    }
}
