//! `fdatasync` of the files sled writes. sled's `flush` ends with
//! `sync_file_range` (sled issue #1452), which does not make data survive a
//! power loss; after it, [`FileSyncer::sync`] calls `sync_data` on each file
//! sled may have written and `sync_all` on directories whose entries changed.

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// sled's log file, inside the store directory.
const DB_FILE: &str = "db";
/// sled's configuration file, written when the store is created.
const CONF_FILE: &str = "conf";
/// sled's directory of values too large for the log, one file each.
const BLOBS_DIR: &str = "blobs";

/// Keeps the handles and the knowledge needed to sync a store's files cheaply.
#[derive(Debug)]
pub(crate) struct FileSyncer {
    dir: PathBuf,
    /// A second handle on sled's log file: `fdatasync` works on the inode, so
    /// it covers the writes sled made through its own handle.
    db_file: File,
    /// Blob files already synced. sled never rewrites a blob file (a new
    /// value gets a new file), so each needs syncing once.
    synced_blobs: HashSet<OsString>,
}

impl FileSyncer {
    /// Opens the handles and syncs everything once: `conf`, `db`, every blob,
    /// `blobs/` and the store directory (whose entries sled just created).
    pub(crate) fn open(dir: &Path) -> io::Result<Self> {
        let db_file = File::open(dir.join(DB_FILE))?;
        let mut syncer = Self {
            dir: dir.to_path_buf(),
            db_file,
            synced_blobs: HashSet::new(),
        };
        sync_file(&dir.join(CONF_FILE))?;
        syncer.db_file.sync_data()?;
        syncer.sync_new_blobs()?;
        sync_dir(&dir.join(BLOBS_DIR))?;
        sync_dir(dir)?;
        Ok(syncer)
    }

    /// Makes everything sled has flushed durable.
    pub(crate) fn sync(&mut self) -> io::Result<()> {
        self.db_file.sync_data()?;
        if self.sync_new_blobs()? {
            // A new blob file's directory entry must be durable too, or a
            // power loss could leave the log pointing at a missing file.
            sync_dir(&self.dir.join(BLOBS_DIR))?;
        }
        Ok(())
    }

    /// Syncs blob files not synced yet; true when there were any.
    fn sync_new_blobs(&mut self) -> io::Result<bool> {
        let blobs = self.dir.join(BLOBS_DIR);
        let mut present = HashSet::new();
        let mut synced_any = false;
        for entry in std::fs::read_dir(&blobs)? {
            let name = entry?.file_name();
            if !self.synced_blobs.contains(&name) {
                match sync_file(&blobs.join(&name)) {
                    Ok(()) => synced_any = true,
                    // sled garbage-collects blobs of replaced values at any time.
                    Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(e),
                }
            }
            present.insert(name);
        }
        // Forget removed blobs so the set does not grow forever.
        self.synced_blobs = present;
        Ok(synced_any)
    }
}

/// `fdatasync` of a file by path.
pub(crate) fn sync_file(path: &Path) -> io::Result<()> {
    File::open(path)?.sync_data()
}

/// `fsync` of a directory, which makes its entries (created, renamed or
/// removed files) durable.
pub(crate) fn sync_dir(path: &Path) -> io::Result<()> {
    File::open(path)?.sync_all()
}
