//! The `garita` side: does a daemon hold the store? If its control socket
//! answers `/v1/health` as a Garita daemon, the command's operations go
//! through its typed endpoints ([`super::daemon_operations`]); if not, the
//! command runs on the store directly.

use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

use super::http1;
use super::protocol::Health;

/// How long to wait for a daemon that holds the store but does not answer
/// yet (it opens the store, then starts listening).
const STARTING_DAEMON_WAIT: Duration = Duration::from_secs(5);

/// How long a health check may take.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(2);

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
