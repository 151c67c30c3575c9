//! What an interrupted sled write leaves in the store directory, cleared
//! before sled reads it.
//!
//! sled writes a snapshot to `snap.<lsn>.generating`, syncs it, then renames
//! it to `snap.<lsn>`. A write cut short (the disk full, a kill) leaves the
//! `.generating` file, empty or partial. sled 0.34 counts it as a snapshot
//! and, since it sorts after the finished one, reads it first and reports
//! "damaged data": a store whose data is intact then looked corrupt, and
//! the advice to restore a backup lost everything since. Such a file was
//! never renamed, so sled never relied on it (its log is still there, from
//! the last finished snapshot on): removing it is safe, and sled recovers
//! from the log.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use rustix::fs::FlockOperation;

/// Removes the unfinished snapshot files of the store in `dir`, when no
/// other process holds it (a holder may be writing one right now); returns
/// what was removed. Does nothing to a directory without a store.
pub(crate) fn clear_unfinished_snapshots(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let db = match File::open(dir.join("db")) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    // The lock sled takes: held by another process, its snapshot files are
    // its own business (and sled will refuse us the store anyway).
    if rustix::fs::flock(&db, FlockOperation::NonBlockingLockExclusive).is_err() {
        return Ok(Vec::new());
    }
    let mut removed = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        if is_unfinished_snapshot(&name.to_string_lossy()) {
            let path = entry.path();
            std::fs::remove_file(&path)?;
            removed.push(path);
        }
    }
    if !removed.is_empty() {
        crate::file_sync::sync_dir(dir)?;
    }
    // Closing `db` releases the lock for sled.
    drop(db);
    Ok(removed)
}

/// `snap.<16 hex digits>.generating`, exactly.
fn is_unfinished_snapshot(name: &str) -> bool {
    name.strip_prefix("snap.")
        .and_then(|rest| rest.strip_suffix(".generating"))
        .is_some_and(|lsn| lsn.len() == 16 && lsn.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unfinished_snapshot_names_match() {
        assert!(is_unfinished_snapshot("snap.0000000000100000.generating"));
        assert!(is_unfinished_snapshot("snap.0000000000000E80.generating"));
        assert!(!is_unfinished_snapshot("snap.0000000000000E80"));
        assert!(!is_unfinished_snapshot("snap.x.generating"));
        assert!(!is_unfinished_snapshot("db"));
        assert!(!is_unfinished_snapshot(
            "snap.0000000000000E80.generating.bak"
        ));
    }

    #[test]
    fn a_directory_without_a_store_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("snap.0000000000100000.generating"), b"").unwrap();
        assert!(clear_unfinished_snapshots(dir.path()).unwrap().is_empty());
        assert!(dir.path().join("snap.0000000000100000.generating").exists());
    }

    #[test]
    fn a_held_store_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("db"), b"").unwrap();
        std::fs::write(dir.path().join("snap.0000000000100000.generating"), b"").unwrap();
        let holder = File::open(dir.path().join("db")).unwrap();
        rustix::fs::flock(&holder, FlockOperation::NonBlockingLockExclusive).unwrap();
        assert!(clear_unfinished_snapshots(dir.path()).unwrap().is_empty());
        drop(holder);
        let removed = clear_unfinished_snapshots(dir.path()).unwrap();
        assert_eq!(removed.len(), 1);
        assert!(!dir.path().join("snap.0000000000100000.generating").exists());
    }
}
