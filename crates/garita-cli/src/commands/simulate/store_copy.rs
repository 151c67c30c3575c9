//! A private copy of the store for a simulation to write to.
//!
//! The real store is never opened: opening it would write its pid file and
//! could make sled tidy its files. Its files are copied as they are on disk,
//! which is a consistent state whenever no process holds the store (every
//! commit is flushed before it returns). If a daemon holds it, the copy is
//! taken under its feet; sled recovers such a copy like after a crash, to
//! the last complete commit, which is good enough for a rehearsal.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// Files and directories of a store directory that are not the store's data.
const LEFT_OUT: &[&str] = &["garita.pid", "outbox"];

/// The copy, removed when dropped.
pub struct StoreCopy {
    dir: tempfile::TempDir,
    /// Bytes copied.
    pub bytes: u64,
}

impl StoreCopy {
    /// Copies the store at `real` (nothing when it does not exist yet).
    pub fn take(real: &Path) -> anyhow::Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("garita-simulate-")
            .tempdir()
            .context(
                "cannot create a temporary directory for the simulation's copy of the store",
            )?;
        let mut copy = Self { dir, bytes: 0 };
        if let Some(pid) = holder_pid(real) {
            tracing::warn!(
                store = %real.display(),
                pid,
                "the store is held by a running process; copying it anyway (the copy holds what was committed when it was taken)"
            );
        }
        if real.is_dir() {
            let target = copy.path();
            copy.bytes = copy_dir(real, &target, true).with_context(|| {
                format!(
                    "cannot copy the store {} for the simulation (it is only read)",
                    real.display()
                )
            })?;
        }
        Ok(copy)
    }

    /// Where the copy lives: a `store` directory inside the temporary one.
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    /// Where captured email would go (never written: sending is captured).
    pub fn outbox(&self) -> PathBuf {
        self.dir.path().join("outbox")
    }
}

/// The pid in `garita.pid`, when that process is alive.
fn holder_pid(real: &Path) -> Option<u32> {
    let text = fs::read_to_string(real.join("garita.pid")).ok()?;
    let pid = text.lines().next()?.trim().parse::<u32>().ok()?;
    Path::new(&format!("/proc/{pid}")).exists().then_some(pid)
}

/// Copies `from` into `to` recursively; returns the bytes copied.
fn copy_dir(from: &Path, to: &Path, top: bool) -> io::Result<u64> {
    fs::create_dir_all(to)?;
    let mut bytes = 0;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if top && LEFT_OUT.iter().any(|left| name == *left) {
            continue;
        }
        let source = entry.path();
        let target = to.join(&name);
        if source.is_dir() {
            bytes += copy_dir(&source, &target, false)?;
        } else {
            bytes += fs::copy(&source, &target)?;
        }
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_data_but_not_the_pid_file_or_outbox() {
        let real = tempfile::tempdir().unwrap();
        fs::write(real.path().join("db"), b"data").unwrap();
        fs::write(real.path().join("garita.pid"), b"1\n").unwrap();
        fs::create_dir_all(real.path().join("blobs")).unwrap();
        fs::write(real.path().join("blobs/1"), b"blob").unwrap();
        fs::create_dir_all(real.path().join("outbox")).unwrap();
        fs::write(real.path().join("outbox/m.eml"), b"mail").unwrap();
        let copy = StoreCopy::take(real.path()).unwrap();
        assert_eq!(fs::read(copy.path().join("db")).unwrap(), b"data");
        assert_eq!(fs::read(copy.path().join("blobs/1")).unwrap(), b"blob");
        assert!(!copy.path().join("garita.pid").exists());
        assert!(!copy.path().join("outbox").exists());
        assert_eq!(copy.bytes, 8);
    }

    #[test]
    fn a_missing_store_gives_an_empty_copy() {
        let copy = StoreCopy::take(Path::new("/nonexistent/garita-store")).unwrap();
        assert!(!copy.path().exists());
    }
}
