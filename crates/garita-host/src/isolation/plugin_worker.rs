//! The host's side of a plugin worker: [`PluginWorker`] is a [`Connector`]
//! whose calls go to child processes (`garita plugins worker LIB`), one call
//! at a time each, kept between calls. A child that exits, crashes, hangs
//! past the call's deadline or answers too much is killed (with its process
//! group) and fails that one call; the next call starts a fresh child,
//! after a pause that doubles with each failure in a row.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use garita_sdk::{ActionError, Connector, InvokeContext, Manifest};
use serde::Serialize;

use super::child_probe::{end_of, kill_group, ChildEnd};
use super::worker_frame::{write_frame, WorkerHello, WorkerReply};
use super::worker_replies::{Received, WorkerReplies};
use super::worker_serve::WORKER_ARGS;
use crate::error::HostError;

/// How long a worker may take to load its library and send its manifest.
pub const MANIFEST_LIMIT: Duration = Duration::from_secs(10);
/// Workers kept waiting for the next call; more are started for concurrent
/// calls and stopped after them.
const MAX_IDLE: usize = 4;
/// Lines of a worker's stderr kept for the message when it dies.
const LAST_WORDS: usize = 5;
/// The first pause before restarting a worker that failed, and the longest.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// Room for the reply's envelope around an output at the size limit.
const ENVELOPE: u64 = 64 << 10;

/// How workers are started: the program (the `garita` binary) and the limits.
#[derive(Debug, Clone)]
pub struct WorkerLaunch {
    /// The program that serves as a worker (see [`WORKER_ARGS`]).
    pub program: PathBuf,
    /// `plugins.max_output_bytes`.
    pub max_output: usize,
    /// `plugins.worker_memory_mib`.
    pub memory_mib: u64,
}

/// A plugin library run in worker processes.
pub struct PluginWorker {
    library: PathBuf,
    launch: WorkerLaunch,
    manifest: Manifest,
    sdk_version: String,
    idle: Mutex<Vec<WorkerProcess>>,
    streak: Mutex<FailureStreak>,
}

impl std::fmt::Debug for PluginWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginWorker")
            .field("library", &self.library)
            .field("connector", &self.manifest.name)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Default)]
struct FailureStreak {
    failures: u32,
    last: Option<Instant>,
}

impl PluginWorker {
    /// Starts a first worker for `library` (an absolute path whose checks
    /// passed) and reads its manifest, within [`MANIFEST_LIMIT`].
    pub fn start(library: &Path, launch: WorkerLaunch) -> Result<Self, HostError> {
        let failed = |how: String, stderr: String| HostError::WorkerFailed {
            path: library.to_path_buf(),
            how,
            stderr,
        };
        let mut process = WorkerProcess::spawn(library, &launch, None).map_err(|e| {
            failed(
                format!("could not be started ({}: {e})", launch.program.display()),
                String::new(),
            )
        })?;
        let hello = match process.receive(Some(MANIFEST_LIMIT)) {
            Received::Frame(body) => serde_json::from_slice::<WorkerHello>(&body)
                .map_err(|e| failed(format!("sent an unreadable greeting ({e})"), String::new()))?,
            Received::TimedOut => {
                let stderr = process.stop().1;
                return Err(failed(
                    format!(
                        "did not load the library and send its manifest within {} s and was killed",
                        MANIFEST_LIMIT.as_secs()
                    ),
                    stderr,
                ));
            }
            Received::TooLarge(len) => {
                let stderr = process.stop().1;
                return Err(failed(
                    format!("sent a manifest of {len} bytes, too large"),
                    stderr,
                ));
            }
            Received::Ended => {
                let (end, stderr) = process.stop();
                return Err(failed(
                    format!("{} while loading it", end.describe()),
                    stderr,
                ));
            }
        };
        match hello {
            WorkerHello::Refused(problem) => Err(HostError::Refused(problem)),
            WorkerHello::Ready {
                sdk_version,
                manifest,
            } => {
                process.name = Some(manifest.name.clone());
                Ok(Self {
                    library: library.to_path_buf(),
                    launch,
                    manifest,
                    sdk_version,
                    idle: Mutex::new(vec![process]),
                    streak: Mutex::new(FailureStreak::default()),
                })
            }
        }
    }

    /// A worker for `library` whose manifest is already known (remembered
    /// from an earlier load of the same bytes): no process starts until the
    /// first call.
    pub fn deferred(
        library: &Path,
        launch: WorkerLaunch,
        manifest: Manifest,
        sdk_version: String,
    ) -> Self {
        Self {
            library: library.to_path_buf(),
            launch,
            manifest,
            sdk_version,
            idle: Mutex::new(Vec::new()),
            streak: Mutex::new(FailureStreak::default()),
        }
    }

    /// The manifest the first worker sent.
    pub fn cached_manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The garita-sdk version the library was built with.
    pub fn sdk_version(&self) -> &str {
        &self.sdk_version
    }

    /// Where the library is.
    pub fn path(&self) -> &Path {
        &self.library
    }

    fn take_or_spawn(&self, action: &str) -> Result<WorkerProcess, ActionError> {
        if let Some(process) = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop() {
            return Ok(process);
        }
        self.wait_for_backoff();
        WorkerProcess::spawn(
            &self.library,
            &self.launch,
            Some(self.manifest.name.clone()),
        )
        .map_err(|e| {
            self.note_failure();
            ActionError::retryable(format!(
                "cannot start a worker for plugin library {} (action `{}.{action}`): {e}",
                self.library.display(),
                self.manifest.name
            ))
        })
        .and_then(|mut process| match process.receive(Some(MANIFEST_LIMIT)) {
            // The manifest was read when the plugin was loaded; a
            // restarted worker only has to say it is ready again.
            Received::Frame(body) => match serde_json::from_slice::<WorkerHello>(&body) {
                Ok(WorkerHello::Ready { .. }) => Ok(process),
                Ok(WorkerHello::Refused(problem)) => Err(self.lost(
                    process,
                    action,
                    &format!("refused the library on restart: {problem}"),
                )),
                Err(e) => Err(self.lost(
                    process,
                    action,
                    &format!("sent an unreadable greeting ({e})"),
                )),
            },
            Received::Ended => Err(self.lost(process, action, "ended while loading the library")),
            Received::TimedOut => {
                Err(self.lost(process, action, "did not load the library in time"))
            }
            Received::TooLarge(_) => Err(self.lost(process, action, "sent an oversized greeting")),
        })
    }

    /// Stops a failed worker and says what happened to the call.
    fn lost(&self, process: WorkerProcess, action: &str, what: &str) -> ActionError {
        self.note_failure();
        let (end, stderr) = process.stop();
        let how = match end {
            // Killed by us after the fact: what it did before matters more.
            ChildEnd::Killed(ref signal) if signal == "SIGKILL" => String::new(),
            other => format!(" ({})", other.describe()),
        };
        ActionError::retryable(format!(
            "the worker process of plugin library {} {what}{how} during action `{}.{action}`; only this call failed and a new worker is started for the next one{}",
            self.library.display(),
            self.manifest.name,
            last_words(&stderr)
        ))
    }

    fn note_failure(&self) {
        let mut streak = self.streak.lock().unwrap_or_else(|p| p.into_inner());
        streak.failures = streak.failures.saturating_add(1);
        streak.last = Some(Instant::now());
        tracing::warn!(
            plugin = %self.manifest.name,
            failures = streak.failures,
            "plugin worker failed; it is restarted for the next call"
        );
    }

    fn note_success(&self) {
        let mut streak = self.streak.lock().unwrap_or_else(|p| p.into_inner());
        streak.failures = 0;
    }

    /// Waits out the pause after failures in a row (100 ms, doubling, at most 10 s).
    fn wait_for_backoff(&self) {
        let pause = {
            let streak = self.streak.lock().unwrap_or_else(|p| p.into_inner());
            match (streak.failures, streak.last) {
                (0, _) | (_, None) => return,
                (failures, Some(last)) => {
                    let exponent = (failures - 1).min(16);
                    let pause = FIRST_BACKOFF.saturating_mul(1 << exponent).min(MAX_BACKOFF);
                    pause.saturating_sub(last.elapsed())
                }
            }
        };
        if !pause.is_zero() {
            std::thread::sleep(pause);
        }
    }

    fn keep_idle(&self, process: WorkerProcess) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(process);
        }
        // else: dropped, which stops it
    }
}

/// A call as it is written to the worker (borrowed, so nothing is copied).
#[derive(Serialize)]
struct CallRef<'a> {
    action: &'a str,
    ctx: &'a InvokeContext,
    input: &'a serde_json::Value,
}

impl Connector for PluginWorker {
    fn manifest(&self) -> Manifest {
        self.manifest.clone()
    }

    fn invoke(
        &self,
        ctx: &InvokeContext,
        action: &str,
        input: serde_json::Value,
    ) -> Result<serde_json::Value, ActionError> {
        // The engine's deadline is on its clock (which may be simulated): what
        // counts here is how long the call may take from now.
        let limit = ctx
            .deadline
            .map(|deadline| (deadline - ctx.now).to_std().unwrap_or(Duration::ZERO));
        let mut process = self.take_or_spawn(action)?;
        let call = CallRef {
            action,
            ctx,
            input: &input,
        };
        if write_frame(&mut process.stdin, &call).is_err() {
            return Err(self.lost(process, action, "ended before it read the call"));
        }
        drop(input);
        match process.receive(limit) {
            Received::Frame(body) => match serde_json::from_slice::<WorkerReply>(&body) {
                Ok(reply) => {
                    self.note_success();
                    self.keep_idle(process);
                    match reply {
                        WorkerReply::Ok(output) => Ok(output),
                        WorkerReply::Error(error) => Err(error),
                    }
                }
                Err(e) => {
                    Err(self.lost(process, action, &format!("sent an unreadable answer ({e})")))
                }
            },
            Received::TooLarge(len) => {
                let _ = self.lost(process, action, "answered too much");
                Err(ActionError::permanent(format!(
                    "plugin library {} answered action `{}.{action}` with {len} bytes; the limit is {} (plugins.max_output_bytes)",
                    self.library.display(),
                    self.manifest.name,
                    self.launch.max_output
                )))
            }
            Received::TimedOut => {
                let waited = limit.unwrap_or_default();
                Err(self.lost(
                    process,
                    action,
                    &format!("did not answer within {} and was stopped", humanize(waited)),
                ))
            }
            Received::Ended => Err(self.lost(process, action, "ended")),
        }
    }
}

fn humanize(duration: Duration) -> String {
    if duration.as_millis() < 1000 {
        format!("{} ms", duration.as_millis())
    } else {
        format!("{} s", duration.as_secs())
    }
}

fn last_words(stderr: &str) -> String {
    if stderr.is_empty() {
        String::new()
    } else {
        format!(" (its last words: {stderr})")
    }
}

/// One worker process: its stdin, its answers (read by the caller), and
/// a thread keeping (and logging) its stderr.
struct WorkerProcess {
    child: Child,
    stdin: ChildStdin,
    replies: WorkerReplies<ChildStdout>,
    last_words: Arc<Mutex<VecDeque<String>>>,
    /// The connector's name once known, for the log.
    name: Option<String>,
    stopped: bool,
}

impl WorkerProcess {
    fn spawn(library: &Path, launch: &WorkerLaunch, name: Option<String>) -> std::io::Result<Self> {
        let mut command = Command::new(&launch.program);
        command
            .args(WORKER_ARGS)
            .arg(library)
            .arg("--max-output")
            .arg(launch.max_output.to_string())
            .arg("--memory")
            .arg(launch.memory_mib.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // Its own process group: a stop ends whatever the plugin started too.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command.spawn()?;
        let stdin = child
            .stdin
            .take()
            .ok_or_else(|| std::io::Error::other("no stdin pipe"))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| std::io::Error::other("no stdout pipe"))?;
        let stderr = child
            .stderr
            .take()
            .ok_or_else(|| std::io::Error::other("no stderr pipe"))?;
        let limit = (launch.max_output as u64).saturating_add(ENVELOPE);
        let replies = WorkerReplies::new(stdout, limit)?;
        let last_words = Arc::new(Mutex::new(VecDeque::new()));
        let kept = Arc::clone(&last_words);
        let logged_as = name
            .clone()
            .unwrap_or_else(|| library.display().to_string());
        std::thread::Builder::new()
            .name("plugin-worker-err".into())
            .spawn(move || keep_stderr(stderr, &logged_as, &kept))?;
        Ok(Self {
            child,
            stdin,
            replies,
            last_words,
            name,
            stopped: false,
        })
    }

    fn receive(&mut self, limit: Option<Duration>) -> Received {
        self.replies.receive(limit)
    }

    /// Ends the process (and its group) and says how it ended, with the
    /// last lines it wrote to stderr.
    fn stop(mut self) -> (ChildEnd, String) {
        self.stopped = true;
        // A worker that closed its output is usually exiting: give it a
        // moment to say how before killing it.
        let deadline = Instant::now() + Duration::from_millis(500);
        let end = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break end_of(status),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5))
                }
                _ => {
                    kill_group(self.child.id());
                    let _ = self.child.kill();
                    break self
                        .child
                        .wait()
                        .map(end_of)
                        .unwrap_or(ChildEnd::Exited(-1));
                }
            }
        };
        // Let the stderr thread catch the last lines.
        std::thread::sleep(Duration::from_millis(20));
        let words = self
            .last_words
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .cloned()
            .collect::<Vec<_>>()
            .join(" | ");
        if let Some(name) = &self.name {
            tracing::debug!(plugin = %name, end = %end.describe(), "plugin worker stopped");
        }
        (end, words)
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        if !self.stopped {
            // An idle worker no longer wanted: it holds nothing, so it is
            // simply ended with its group.
            kill_group(self.child.id());
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Copies a worker's stderr to the log (one line at a time, cut at 4 KiB)
/// and keeps its last lines.
fn keep_stderr(stderr: std::process::ChildStderr, name: &str, kept: &Mutex<VecDeque<String>>) {
    let mut reader = BufReader::new(stderr);
    let mut line = Vec::new();
    loop {
        line.clear();
        match (&mut reader).take(4096).read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(&line).trim_end().to_owned();
        if text.is_empty() {
            continue;
        }
        tracing::info!(plugin = %name, "{text}");
        let mut kept = kept.lock().unwrap_or_else(|p| p.into_inner());
        if kept.len() == LAST_WORDS {
            kept.pop_front();
        }
        kept.push_back(text);
    }
}
