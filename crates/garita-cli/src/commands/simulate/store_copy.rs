//! A private copy of the store for a simulation to write to.
//!
//! The real store is never opened by the simulation: opening it would write
//! its pid file and could make sled tidy its files. How the copy is taken
//! depends on who holds the store:
//!
//! - a running `garita daemon`: it is asked for a backup through its control
//!   API, restored into the copy (`daemon_backup.rs`), so the copy is one
//!   consistent state even while the daemon keeps committing;
//! - nobody: its files are copied as they are on disk, which is a consistent
//!   state (every commit is flushed before it returns);
//! - another process (a `garita run` in a long step): the files are copied
//!   under its feet; sled recovers such a copy like after a crash, to the
//!   last complete commit, which is good enough for a rehearsal.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, Utc};
use garita_store::StoreOptions;

use super::daemon_backup::{restore_daemon_backup, PENDING_PREFIX};

/// Files and directories of a store directory that are not the store's data.
const LEFT_OUT: &[&str] = &["garita.pid", "outbox", crate::control::SOCKET_NAME];

/// The copy, removed when dropped unless it was asked to be kept.
pub struct StoreCopy {
    dir: tempfile::TempDir,
    /// Where the copy is when `--keep-store` asked for it to stay.
    kept: Option<PathBuf>,
    /// Bytes copied (file by file).
    pub bytes: u64,
    /// The daemon whose backup the copy was restored from, if one held the store.
    pub daemon_pid: Option<u32>,
}

impl StoreCopy {
    /// Copies the store at `real` (nothing when it does not exist yet);
    /// `options` and `now` serve a copy restored from the daemon's backup.
    /// With `keep`, the copy is made there (a path that must not exist
    /// yet, so nothing is overwritten) and stays after the simulation.
    pub fn take(
        real: &Path,
        options: StoreOptions,
        now: DateTime<Utc>,
        keep: Option<&Path>,
    ) -> anyhow::Result<Self> {
        if let Some(keep) = keep {
            if keep.exists() {
                anyhow::bail!(
                    "--keep-store {} exists already; give a path that does not exist yet (the simulated store is written there, and nothing is overwritten)",
                    keep.display()
                );
            }
        }
        let dir = tempfile::Builder::new()
            .prefix("garita-simulate-")
            .tempdir()
            .context(
                "cannot create a temporary directory for the simulation's copy of the store",
            )?;
        let mut copy = Self {
            dir,
            kept: keep.map(Path::to_path_buf),
            bytes: 0,
            daemon_pid: None,
        };
        if let Some(daemon) = crate::control::client::find_daemon(real) {
            tracing::info!(
                store = %real.display(),
                pid = daemon.pid,
                "the daemon holds the store; the simulation starts from a backup it takes"
            );
            restore_daemon_backup(real, &daemon, &copy.path(), options, now)?;
            copy.daemon_pid = Some(daemon.pid);
            return Ok(copy);
        }
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

    /// Where the copy lives: a `store` directory inside the temporary one,
    /// or the `--keep-store` path.
    pub fn path(&self) -> PathBuf {
        self.kept
            .clone()
            .unwrap_or_else(|| self.dir.path().join("store"))
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
        let left_out = LEFT_OUT.iter().any(|left| name == *left)
            || name.to_string_lossy().starts_with(PENDING_PREFIX);
        if top && left_out {
            continue;
        }
        let source = entry.path();
        let target = to.join(&name);
        let kind = entry.file_type()?;
        if kind.is_dir() {
            bytes += copy_dir(&source, &target, false)?;
        } else if kind.is_file() {
            bytes += fs::copy(&source, &target)?;
        }
        // Anything else (a socket a stopped daemon left, a symlink) is not
        // the store's data: sled writes only plain files and directories.
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_data_but_not_the_pid_file_outbox_or_socket() {
        let real = tempfile::tempdir().unwrap();
        fs::write(real.path().join("db"), b"data").unwrap();
        fs::write(real.path().join("garita.pid"), b"1\n").unwrap();
        fs::create_dir_all(real.path().join("blobs")).unwrap();
        fs::write(real.path().join("blobs/1"), b"blob").unwrap();
        fs::create_dir_all(real.path().join("outbox")).unwrap();
        fs::write(real.path().join("outbox/m.eml"), b"mail").unwrap();
        std::os::unix::net::UnixListener::bind(real.path().join("control.sock")).unwrap();
        fs::write(real.path().join(".simulate-x.backup"), b"old").unwrap();
        let copy = StoreCopy::take(real.path(), StoreOptions::default(), Utc::now(), None).unwrap();
        assert_eq!(fs::read(copy.path().join("db")).unwrap(), b"data");
        assert_eq!(fs::read(copy.path().join("blobs/1")).unwrap(), b"blob");
        assert!(!copy.path().join("garita.pid").exists());
        assert!(!copy.path().join("outbox").exists());
        assert!(!copy.path().join("control.sock").exists());
        assert!(!copy.path().join(".simulate-x.backup").exists());
        assert_eq!(copy.bytes, 8);
    }

    #[test]
    fn a_missing_store_gives_an_empty_copy() {
        let copy = StoreCopy::take(
            Path::new("/nonexistent/garita-store"),
            StoreOptions::default(),
            Utc::now(),
            None,
        )
        .unwrap();
        assert!(!copy.path().exists());
    }

    #[test]
    fn a_kept_copy_stays_and_an_existing_path_is_refused() {
        let real = tempfile::tempdir().unwrap();
        fs::write(real.path().join("db"), b"data").unwrap();
        let out = tempfile::tempdir().unwrap();
        let keep = out.path().join("kept");
        let copy = StoreCopy::take(
            real.path(),
            StoreOptions::default(),
            Utc::now(),
            Some(&keep),
        )
        .unwrap();
        assert_eq!(copy.path(), keep);
        drop(copy);
        assert_eq!(fs::read(keep.join("db")).unwrap(), b"data");
        let err = StoreCopy::take(
            real.path(),
            StoreOptions::default(),
            Utc::now(),
            Some(&keep),
        )
        .err()
        .unwrap()
        .to_string();
        assert!(err.contains("exists already"), "{err}");
    }
}
