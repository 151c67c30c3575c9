//! The `garita` side: does a daemon hold the store? If its control socket
//! answers `/v1/health` as a Garita daemon, the command goes through it and
//! its answer is replayed here (stdout, stderr, files, exit code); if not,
//! the command runs on the store directly.

use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;

use super::http1;
use super::protocol::{ApiError, ForwardRequest, ForwardResponse, Health};
use crate::cli::Cli;

/// How long to wait for a daemon that holds the store but does not answer
/// yet (it opens the store, then starts listening).
const STARTING_DAEMON_WAIT: Duration = Duration::from_secs(5);

/// How long a health check may take.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(2);

/// Sends the command to the daemon holding the store, if one does, and
/// replays its answer; `None` when no daemon holds it (run it directly).
pub fn forward_to_daemon(cli: &Cli) -> anyhow::Result<Option<ExitCode>> {
    let settings = garita_app::config::load(cli.global.config.as_deref())?;
    let dir = garita_app::wiring::store_dir(cli.global.store.as_deref(), &settings);
    let Some(health) = find_daemon(&dir) else {
        return Ok(None);
    };
    let socket = dir.join(super::SOCKET_NAME);
    let files = crate::commands::client_files(&cli.command)?;
    let request = ForwardRequest {
        args: std::env::args_os()
            .map(|a| a.to_string_lossy().into_owned())
            .collect(),
        now: cli.global.now.clone(),
        cwd: std::env::current_dir().ok(),
        user: Some(garita_app::identity::default_by(&settings)),
        files: files.into_iter().collect(),
    };
    let body = serde_json::to_vec(&request)?;
    let mut stream = UnixStream::connect(&socket).with_context(|| {
        format!(
            "the garita daemon (pid {}) stopped answering on {}; run the command again (it then runs on the store directly if the daemon has stopped)",
            health.pid,
            socket.display()
        )
    })?;
    let reply = http1::request(&mut stream, "POST", "/v1/cli", Some(&body)).with_context(|| {
        format!(
            "the garita daemon (pid {}) closed the connection before answering; check its log (`garita runs list` shows whether the command took effect)",
            health.pid
        )
    })?;
    if reply.status != 200 {
        let why = serde_json::from_slice::<ApiError>(&reply.body).map_or_else(
            |_| String::from_utf8_lossy(&reply.body).into_owned(),
            |e| format!("{}; {}", e.error, e.hint),
        );
        anyhow::bail!(
            "the garita daemon (pid {}) refused the command ({}): {why}",
            health.pid,
            reply.status
        );
    }
    let answer: ForwardResponse = serde_json::from_slice(&reply.body).with_context(|| {
        format!(
            "the garita daemon (pid {}) answered something that is not a command result; are the daemon and this garita the same version ({})?",
            health.pid,
            env!("CARGO_PKG_VERSION")
        )
    })?;
    Ok(Some(replay(&dir, answer)?))
}

/// Writes what the command wrote, printed and ended with, here (`dir`: the
/// store directory, where no output may go).
fn replay(dir: &Path, answer: ForwardResponse) -> anyhow::Result<ExitCode> {
    for file in &answer.files {
        crate::app::write_file_whole(dir, &file.path, file.contents.as_bytes())?;
    }
    crate::output::write_raw(answer.stdout.as_bytes());
    if !answer.stderr.is_empty() {
        eprint!("{}", answer.stderr);
    }
    Ok(ExitCode::from(answer.exit_code))
}

/// The daemon serving `dir`, if any. A daemon that holds the store but is
/// still starting (no socket yet) is waited for a moment.
pub fn find_daemon(dir: &Path) -> Option<Health> {
    let socket = dir.join(super::SOCKET_NAME);
    let started = Instant::now();
    loop {
        if let Some(health) = health(&socket, dir) {
            return Some(health);
        }
        // Only the pid file is looked at here (cheap): with no daemon, a
        // command must not pay for more before it runs directly.
        let pid = garita_store::holder_pid(dir)?;
        let holder = super::holder::Holder {
            pid,
            args: super::holder::command_line(pid),
        };
        if !holder.is_daemon() || started.elapsed() > STARTING_DAEMON_WAIT {
            return None;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// `GET /v1/health` on `socket`, if a Garita daemon serving `dir` answers.
fn health(socket: &Path, dir: &Path) -> Option<Health> {
    let mut stream = UnixStream::connect(socket).ok()?;
    stream.set_read_timeout(Some(HEALTH_TIMEOUT)).ok()?;
    stream.set_write_timeout(Some(HEALTH_TIMEOUT)).ok()?;
    let reply = http1::request(&mut stream, "GET", "/v1/health", None).ok()?;
    let health: Health = serde_json::from_slice(&reply.body).ok()?;
    let same_store = std::fs::canonicalize(dir).is_ok_and(|d| d == health.store);
    // 503: a daemon whose store cannot write (a full disk); it still holds
    // the store, so commands go to it and say why they fail.
    let answers = reply.status == 200 || reply.status == 503;
    (answers && health.service == super::SERVICE_NAME && same_store).then_some(health)
}
