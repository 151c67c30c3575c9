//! A `garita daemon` process for the crash loop: started on a store with a
//! config, killed with SIGKILL or stopped with SIGTERM, its log appended to
//! one file across restarts.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::support::garita;

/// A running daemon.
pub struct Daemon {
    child: Child,
    log: PathBuf,
}

impl Daemon {
    /// Starts `garita --config CONFIG daemon --workflows WORKFLOWS` on
    /// `store` on the real clock, logging (appending) to `log`.
    pub fn start(store: &Path, config: &Path, workflows: &Path, log: &Path) -> Daemon {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .expect("open the daemon log");
        let child = garita(store)
            .arg("--config")
            .arg(config)
            .arg("daemon")
            .arg("--workflows")
            .arg(workflows)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .expect("start garita daemon");
        Daemon {
            child,
            log: log.to_path_buf(),
        }
    }

    /// Panics (with the log's tail) when the daemon already ended on its own.
    pub fn assert_alive(&mut self, what: &str) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!(
                "garita daemon ended by itself ({status}) {what}; log tail:\n{}",
                log_tail(&self.log, 40)
            );
        }
    }

    /// Waits (at most 30 s) until the daemon's control socket in `store`
    /// exists, so commands go through it.
    #[allow(dead_code)] // not every test that shares this file waits for the socket
    pub fn wait_for_socket(&mut self, store: &Path) {
        let started = Instant::now();
        while !store.join("control.sock").exists() {
            self.assert_alive("while starting");
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "no control socket after 30 s; log tail:\n{}",
                log_tail(&self.log, 40)
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The daemon's process id.
    #[allow(dead_code)] // not every test that shares this file needs it
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits (at most `limit`) for the daemon to end by itself, and says how.
    #[allow(dead_code)] // not every test that shares this file needs it
    pub fn wait_end(mut self, limit: Duration) -> ExitStatus {
        let since = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for the daemon") {
                return status;
            }
            assert!(
                since.elapsed() < limit,
                "garita daemon still running after {limit:?}; log tail:\n{}",
                log_tail(&self.log, 40)
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL, then reap the process so its store lock is gone.
    pub fn kill(mut self) {
        self.assert_alive("before it was killed");
        self.child.kill().expect("SIGKILL the daemon");
        self.child.wait().expect("reap the daemon");
    }

    /// SIGTERM and wait for a clean exit (at most `limit`).
    pub fn stop(mut self, limit: Duration) -> ExitStatus {
        self.assert_alive("before it was stopped");
        let sent = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -TERM failed");
        let since = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for the daemon") {
                return status;
            }
            if since.elapsed() > limit {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "garita daemon did not stop within {limit:?} of SIGTERM; log tail:\n{}",
                    log_tail(&self.log, 40)
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        // A failing test must not leave a daemon behind.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The last `lines` lines of the file at `path`.
pub fn log_tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
