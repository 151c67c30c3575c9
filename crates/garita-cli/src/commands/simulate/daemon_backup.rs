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

use std::os::unix::net::UnixStream;
use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Utc};
use garita_store::{SledStore, StoreOptions};

use crate::control::http1;
use crate::control::protocol::{ApiError, ForwardRequest, ForwardResponse, Health};

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
    let path = pending.path().display().to_string();
    let request = ForwardRequest {
        args: vec!["garita".into(), "--json".into(), "backup".into(), path],
        ..ForwardRequest::default()
    };
    let answer = ask(real, health, &request)?;
    if answer.exit_code != 0 {
        anyhow::bail!(
            "the garita daemon (pid {}) could not back up the store for the simulation (exit code {}): {}",
            health.pid,
            answer.exit_code,
            answer.stderr.trim()
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

/// One command line sent to the daemon, its answer read.
fn ask(real: &Path, health: &Health, request: &ForwardRequest) -> anyhow::Result<ForwardResponse> {
    let socket = real.join(crate::control::SOCKET_NAME);
    let stopped = || {
        format!(
            "the garita daemon (pid {}) stopped answering on {} while the simulation asked it for a copy of the store; run the simulation again",
            health.pid,
            socket.display()
        )
    };
    let mut stream = UnixStream::connect(&socket).with_context(stopped)?;
    let body = serde_json::to_vec(request)?;
    let reply =
        http1::request(&mut stream, "POST", "/v1/cli", Some(&body)).with_context(stopped)?;
    if reply.status != 200 {
        let why = serde_json::from_slice::<ApiError>(&reply.body).map_or_else(
            |_| String::from_utf8_lossy(&reply.body).into_owned(),
            |e| format!("{}; {}", e.error, e.hint),
        );
        anyhow::bail!(
            "the garita daemon (pid {}) refused to back up the store for the simulation ({}): {why}",
            health.pid,
            reply.status
        );
    }
    serde_json::from_slice(&reply.body).with_context(|| {
        format!(
            "the garita daemon (pid {}) answered something that is not a command result; are the daemon and this garita the same version ({})?",
            health.pid,
            env!("CARGO_PKG_VERSION")
        )
    })
}
