//! The `garita.pid` file: who holds the store. sled's file lock only says
//! "taken"; this file lets the refused process name the holder
//! (`" (pid 1234, garita daemon)"`) so the operator knows what to stop.

use std::fs;
use std::io;
use std::path::Path;

/// Name of the file, inside the store directory.
pub(crate) const PID_FILE: &str = "garita.pid";

/// At most this many arguments after the program name are recorded.
const MAX_WORDS: usize = 2;

/// Records this process as the holder. Called only once sled's lock is ours.
pub(crate) fn write_pid_file(dir: &Path) -> io::Result<()> {
    let contents = format!(
        "{}\n{}\n",
        std::process::id(),
        command_summary(&command_line())
    );
    fs::write(dir.join(PID_FILE), contents)
}

/// Forgets the holder; called by the holder before it lets the lock go.
pub(crate) fn remove_pid_file(dir: &Path) {
    // Best effort: a leftover file only makes a later message name an old pid.
    let _ = fs::remove_file(dir.join(PID_FILE));
}

/// The pid the `garita.pid` file in `dir` names, if it names one. The
/// process may have ended since (a crash leaves the file behind): check
/// before trusting it.
pub fn holder_pid(dir: &Path) -> Option<u32> {
    fs::read_to_string(dir.join(PID_FILE))
        .ok()?
        .lines()
        .next()?
        .trim()
        .parse()
        .ok()
}

/// `" (pid N, COMMAND)"` from the pid file, or `""` when it cannot be read.
pub(crate) fn describe_holder(dir: &Path) -> String {
    let Ok(text) = fs::read_to_string(dir.join(PID_FILE)) else {
        return String::new();
    };
    let mut lines = text.lines();
    let Some(pid) = lines.next().and_then(|l| l.trim().parse::<u32>().ok()) else {
        return String::new();
    };
    match lines.next().map(str::trim).filter(|c| !c.is_empty()) {
        Some(command) => format!(" (pid {pid}, {command})"),
        None => format!(" (pid {pid})"),
    }
}

/// This process's arguments, from `/proc/self/cmdline` (exact, even for
/// non-UTF-8 arguments) or else from `std::env::args_os`.
fn command_line() -> Vec<String> {
    match fs::read("/proc/self/cmdline") {
        Ok(raw) => raw
            .split(|b| *b == 0)
            .filter(|arg| !arg.is_empty())
            .map(|arg| String::from_utf8_lossy(arg).into_owned())
            .collect(),
        Err(_) => std::env::args_os()
            .map(|a| a.to_string_lossy().into_owned())
            .collect(),
    }
}

/// The program's file name and its leading sub-command words
/// (`garita daemon`, `garita runs list`). Stops at the first option or
/// `KEY=VALUE` argument: the file is on disk and readable by the owner, and
/// arguments such as `--input token=...` may carry secrets that Garita
/// promises never to store.
fn command_summary(args: &[String]) -> String {
    let Some((program, rest)) = args.split_first() else {
        return String::new();
    };
    let program = Path::new(program)
        .file_name()
        .map_or_else(|| program.clone(), |n| n.to_string_lossy().into_owned());
    let words = rest
        .iter()
        .take_while(|a| !a.starts_with('-') && !a.contains('='))
        .take(MAX_WORDS);
    std::iter::once(program)
        .chain(words.cloned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn summary_keeps_subcommands_and_drops_options_and_values() {
        assert_eq!(
            command_summary(&args(&["/usr/bin/garita", "daemon"])),
            "garita daemon"
        );
        assert_eq!(
            command_summary(&args(&["garita", "run", "wf.yaml", "x"])),
            "garita run wf.yaml"
        );
        assert_eq!(
            command_summary(&args(&["garita", "run", "--input", "secret=1"])),
            "garita run"
        );
        assert_eq!(command_summary(&args(&["garita", "a=b"])), "garita");
        assert_eq!(command_summary(&[]), "");
    }

    #[test]
    fn pid_file_round_trips_into_a_holder_description() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(describe_holder(dir.path()), "");
        write_pid_file(dir.path()).unwrap();
        let holder = describe_holder(dir.path());
        assert!(
            holder.starts_with(&format!(" (pid {}, ", std::process::id())),
            "{holder}"
        );
        assert_eq!(holder_pid(dir.path()), Some(std::process::id()));
        remove_pid_file(dir.path());
        assert_eq!(describe_holder(dir.path()), "");
        assert_eq!(holder_pid(dir.path()), None);
        fs::write(dir.path().join(PID_FILE), "not a pid\n").unwrap();
        assert_eq!(describe_holder(dir.path()), "");
    }
}
