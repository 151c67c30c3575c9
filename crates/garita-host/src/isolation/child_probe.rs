//! One supervised child process: its stdout collected, the end of its
//! stderr kept, a time limit, and how it ended in words.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// At most this much of the child's stdout is kept (a report is small).
const MAX_STDOUT: u64 = 4 * 1024 * 1024;
/// The last lines of stderr kept for the message.
const STDERR_LINES: usize = 5;

/// How the child ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChildEnd {
    /// It exited with this code.
    Exited(i32),
    /// A signal ended it (its name, `SIGSEGV`, or number).
    Killed(String),
    /// It was still running at the time limit and was killed.
    TimedOut(Duration),
}

impl ChildEnd {
    /// In words, after "the child process …".
    pub fn describe(&self) -> String {
        match self {
            ChildEnd::Exited(code) => format!("exited with code {code}"),
            ChildEnd::Killed(signal) => format!("was killed by signal {signal}"),
            ChildEnd::TimedOut(limit) => {
                format!("did not finish within {} s and was killed", limit.as_secs())
            }
        }
    }
}

/// What the child produced.
#[derive(Debug, Clone)]
pub struct ChildOutput {
    /// How it ended.
    pub end: ChildEnd,
    /// Its standard output (at most 4 MiB).
    pub stdout: Vec<u8>,
    /// The last lines of its standard error, joined with " | ".
    pub stderr_tail: String,
}

/// Runs `command` with piped output, killing it after `limit`.
pub fn run_child(mut command: Command, limit: Duration) -> std::io::Result<ChildOutput> {
    // Its own process group, so a time-out ends whatever it started too
    // (a grandchild holding the pipes would otherwise keep us waiting).
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    // Both pipes are drained on threads, so a chatty child never blocks on
    // a full pipe while we wait for it.
    let stdout = child.stdout.take().map(|out| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = out.take(MAX_STDOUT).read_to_end(&mut bytes);
            bytes
        })
    });
    let stderr = child.stderr.take().map(|err| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = err.take(MAX_STDOUT).read_to_end(&mut bytes);
            bytes
        })
    });
    let started = Instant::now();
    let end = loop {
        if let Some(status) = child.try_wait()? {
            break end_of(status);
        }
        if started.elapsed() >= limit {
            kill_group(child.id());
            let _ = child.kill();
            let _ = child.wait();
            break ChildEnd::TimedOut(limit);
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stdout = stdout.and_then(|t| t.join().ok()).unwrap_or_default();
    let stderr = stderr.and_then(|t| t.join().ok()).unwrap_or_default();
    Ok(ChildOutput {
        end,
        stdout,
        stderr_tail: tail(&String::from_utf8_lossy(&stderr)),
    })
}

/// SIGKILL to the child's process group (its id, see `process_group(0)`).
#[cfg(unix)]
pub(crate) fn kill_group(id: u32) {
    if let Some(pid) = i32::try_from(id)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
}

#[cfg(not(unix))]
pub(crate) fn kill_group(_id: u32) {}

#[cfg(unix)]
pub(crate) fn end_of(status: std::process::ExitStatus) -> ChildEnd {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => ChildEnd::Exited(code),
        (None, Some(signal)) => ChildEnd::Killed(signal_name(signal)),
        (None, None) => ChildEnd::Exited(-1),
    }
}

#[cfg(not(unix))]
pub(crate) fn end_of(status: std::process::ExitStatus) -> ChildEnd {
    ChildEnd::Exited(status.code().unwrap_or(-1))
}

/// `SIGSEGV` for 11, and so on for the signals a crash or a kill sends.
fn signal_name(signal: i32) -> String {
    let name = match signal {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        5 => "SIGTRAP",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        13 => "SIGPIPE",
        15 => "SIGTERM",
        other => return format!("{other}"),
    };
    name.to_owned()
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(STDERR_LINES)..].join(" | ")
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }

    #[test]
    fn an_exit_code_and_the_last_words_are_reported() {
        let out = run_child(
            sh("echo out; echo first >&2; echo last >&2; exit 7"),
            Duration::from_secs(10),
        )
        .unwrap();
        assert_eq!(out.end, ChildEnd::Exited(7));
        assert_eq!(out.stdout, b"out\n");
        assert_eq!(out.stderr_tail, "first | last");
        assert_eq!(out.end.describe(), "exited with code 7");
    }

    #[test]
    fn a_signal_is_named() {
        let out = run_child(sh("kill -SEGV $$"), Duration::from_secs(10)).unwrap();
        assert_eq!(out.end, ChildEnd::Killed("SIGSEGV".into()));
    }

    #[test]
    fn a_hang_is_cut_at_the_limit() {
        let started = Instant::now();
        let out = run_child(sh("sleep 30"), Duration::from_millis(300)).unwrap();
        assert_eq!(out.end, ChildEnd::TimedOut(Duration::from_millis(300)));
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
