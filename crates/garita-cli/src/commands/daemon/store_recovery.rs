//! What the daemon does after its store stopped accepting writes (a full
//! disk): it has let go of the store (sled refuses every write after an I/O
//! error until the store is reopened, and a failed `fdatasync` cannot be
//! trusted to have written anything), and now waits until the disk has room
//! for a store to work in, then serves again on a freshly opened store,
//! which recovers from what is on disk. Nothing acknowledged is lost: every
//! acknowledged write was durable before it was acknowledged.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use garita_engine::StoreError;

use super::signals::{Request, Signals};

/// How often the disk is tried.
const RETRY: Duration = Duration::from_secs(2);
/// How often the wait is logged again.
const REMIND: Duration = Duration::from_secs(60);
/// Room asked for before the store is reopened: what a reopen writes (a
/// snapshot, a log segment) and some work after it.
const PROBE_BYTES: usize = 1024 * 1024;
/// The probe file's name, in the store directory.
const PROBE_NAME: &str = ".garita-room-probe";

/// How the wait ended.
pub enum Waited {
    /// The disk has room: reopen the store.
    Room,
    /// A signal asked the daemon to stop.
    Stopped(&'static str),
}

/// Waits until `dir`'s disk can take [`PROBE_BYTES`] written and synced, or
/// a stop signal comes. SIGHUP is ignored meanwhile (the workflows are read
/// again when the daemon serves again).
pub async fn wait_for_room(dir: &Path, failure: &StoreError, signals: &mut Signals) -> Waited {
    tracing::error!(store = %dir.display(), error = %failure, "the daemon let go of its store and waits for disk space; free some space and it resumes by itself");
    let mut reminded = Instant::now();
    loop {
        let probe_dir = dir.to_path_buf();
        let room = tokio::task::spawn_blocking(move || probe_room(&probe_dir))
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())));
        match room {
            Ok(()) => return Waited::Room,
            Err(e) if reminded.elapsed() >= REMIND => {
                tracing::warn!(store = %dir.display(), error = %e, "still waiting for disk space before reopening the store");
                reminded = Instant::now();
            }
            Err(_) => {}
        }
        tokio::select! {
            request = signals.next() => {
                if let Request::Stop(name) = request {
                    return Waited::Stopped(name);
                }
            }
            _ = tokio::time::sleep(RETRY) => {}
        }
    }
}

/// Writes, syncs and removes a probe file of [`PROBE_BYTES`] in `dir`.
fn probe_room(dir: &Path) -> std::io::Result<()> {
    let path = dir.join(PROBE_NAME);
    let written = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
            .open(&path)?;
        file.write_all(&vec![0u8; PROBE_BYTES])?;
        file.sync_all()
    })();
    let _ = std::fs::remove_file(&path);
    written
}

/// How long a daemon on PostgreSQL waits before connecting again.
const RECONNECT_AFTER: Duration = Duration::from_secs(5);

/// On PostgreSQL there is no local disk to wait for: the server refused
/// writes or the connection was lost. Waits a moment (or a stop signal),
/// then the daemon serves again on a new connection; if the server is still
/// unreachable then, the daemon stops with that error (a service manager
/// restarts it) and another daemon on the database takes over its runs
/// once their leases expire.
pub async fn wait_to_reconnect(shown: &str, failure: &StoreError, signals: &mut Signals) -> Waited {
    tracing::error!(store = %shown, error = %failure, "the daemon let go of its PostgreSQL store; connecting again in {} s", RECONNECT_AFTER.as_secs());
    let deadline = tokio::time::sleep(RECONNECT_AFTER);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            request = signals.next() => {
                if let Request::Stop(name) = request {
                    return Waited::Stopped(name);
                }
            }
            () = &mut deadline => return Waited::Room,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_probe_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        probe_room(dir.path()).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_missing_directory_has_no_room() {
        let dir = tempfile::tempdir().unwrap();
        assert!(probe_room(&dir.path().join("gone")).is_err());
    }
}
