//! A consistent copy of a store that the daemon holds, for the simulation.
//!
//! Copying a held store's files would catch sled mid-write (and trip on the
//! control socket); opening it is impossible (the daemon has the lock). So
//! the daemon is asked, through its control API, for a `garita backup` (two
//! full reads that agree: a consistent state), which is then restored into
//! the simulation's private directory. The daemon only reads its store to
//! write the backup; nothing is written to the store.
//!
//! The backup file is written in the store directory, under a hidden
//! temporary name removed as soon as it is restored: that is the one place
//! both processes are sure to reach (a systemd unit with `PrivateTmp=yes`
//! gives the daemon its own /tmp, and a client that can use the control
//! socket can read the directory that holds it).

use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Utc};
use garita_store::{SledStore, StoreOptions};

use crate::control::daemon_operations::DaemonOperations;
use crate::control::protocol::Health;

/// Name prefix of the temporary backup file in the store directory: the
/// only name a backup may have there (`garita_store::private_file`).
pub const PENDING_PREFIX: &str = garita_store::private_file::SCRATCH_BACKUP_PREFIX;

/// Has the daemon `health` describes back up the store `real`, and restores
/// that backup into `copy` (a directory that must not exist yet).
pub fn restore_daemon_backup(
    real: &Path,
    health: &Health,
    copy: &Path,
    options: StoreOptions,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    // Removed when dropped, on every path out of here.
    let pending = tempfile::Builder::new()
        .prefix(PENDING_PREFIX)
        .suffix(garita_store::private_file::SCRATCH_BACKUP_SUFFIX)
        .tempfile_in(&health.store)
        .with_context(|| {
            format!(
                "cannot create the simulation's temporary backup file in the store directory {}; the simulation needs write access to it while the daemon (pid {}) runs",
                real.display(),
                health.pid
            )
        })?;
    let daemon = DaemonOperations::serving(real, health, "garita simulate".into());
    let asked = daemon.backup_now(pending.path().to_path_buf());
    if let Err(e) = asked {
        anyhow::bail!(
            "the garita daemon (pid {}) could not back up the store for the simulation: {e}",
            health.pid
        );
    }
    SledStore::restore_from(pending.path(), copy, options, now).with_context(|| {
        format!(
            "cannot restore the daemon's backup of {} into the simulation's copy",
            real.display()
        )
    })?;
    Ok(())
}
