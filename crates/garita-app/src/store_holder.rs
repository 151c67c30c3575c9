//! Who holds a store: the pid in `garita.pid` when that process still runs,
//! else the process that has the store's lock file open, and its command
//! line from `/proc/PID/cmdline`. Used to say which process to wait for or
//! stop, and to recognise a daemon that is still starting.

use std::path::Path;

/// The daemon's control socket's file name, inside the store directory.
pub const SOCKET_NAME: &str = "control.sock";

/// Longest command line shown in a message.
const MAX_SHOWN: usize = 200;

/// A process holding a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// Its pid.
    pub pid: u32,
    /// Its arguments, program first (empty when /proc does not say).
    pub args: Vec<String>,
}

impl Holder {
    /// True for a long-running `garita daemon` (not `daemon --once`): it
    /// serves the control API once started.
    pub fn is_daemon(&self) -> bool {
        let is_garita = self
            .args
            .first()
            .and_then(|p| Path::new(p).file_name())
            .is_some_and(|n| n.to_string_lossy().starts_with("garita"));
        is_garita
            && self.args.iter().skip(1).any(|a| a == "daemon")
            && !self.args.iter().any(|a| a == "--once")
    }

    /// The command line as shown to people: option values that may be
    /// secrets (`--input KEY=VALUE`, `--data JSON`) are replaced by `***`.
    pub fn shown_command(&self) -> String {
        let mut shown = Vec::with_capacity(self.args.len());
        let mut hide_next = false;
        for (i, arg) in self.args.iter().enumerate() {
            let word = if hide_next {
                "***".to_owned()
            } else if i == 0 {
                Path::new(arg)
                    .file_name()
                    .map_or_else(|| arg.clone(), |n| n.to_string_lossy().into_owned())
            } else if let Some((key, _)) = arg.split_once('=') {
                format!("{key}=***")
            } else {
                arg.clone()
            };
            hide_next = matches!(arg.as_str(), "--data" | "--field" | "--note");
            shown.push(word);
        }
        let mut text = shown.join(" ");
        if text.chars().count() > MAX_SHOWN {
            text = text.chars().take(MAX_SHOWN).collect::<String>() + "…";
        }
        text
    }
}

/// The process holding the store in `dir`, when it can be found.
pub fn find(dir: &Path) -> Option<Holder> {
    let pid = garita_store::holder_pid(dir)
        .filter(|pid| Path::new(&format!("/proc/{pid}")).exists())
        .or_else(|| pid_with_open_file(&dir.join("db")))?;
    Some(Holder {
        pid,
        args: command_line(pid),
    })
}

/// `" (pid N: COMMAND LINE)"` for the store-in-use message, or `None` when
/// no holder can be found (the store's own description is used then).
pub fn describe(dir: &Path) -> Option<String> {
    let holder = find(dir)?;
    Some(if holder.args.is_empty() {
        format!(" (pid {})", holder.pid)
    } else if holder.is_daemon() {
        format!(
            " (pid {}: `{}`, the garita daemon: commands that read or change the store go through its control socket {}; if that does not answer, check the daemon's log)",
            holder.pid,
            holder.shown_command(),
            dir.join(SOCKET_NAME).display()
        )
    } else {
        format!(" (pid {}: `{}`)", holder.pid, holder.shown_command())
    })
}

/// A process's arguments from `/proc/PID/cmdline` (empty when unreadable).
pub fn command_line(pid: u32) -> Vec<String> {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|raw| {
            raw.split(|b| *b == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The first process (of those this user may look at) with `file` open: a
/// holder that is not garita leaves no `garita.pid`.
fn pid_with_open_file(file: &Path) -> Option<u32> {
    let wanted = std::fs::canonicalize(file).ok()?;
    let me = std::process::id();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == me {
            continue;
        }
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        let holds = fds
            .flatten()
            .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target == wanted));
        if holds {
            return Some(pid);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holder(args: &[&str]) -> Holder {
        Holder {
            pid: 1,
            args: args.iter().map(|a| a.to_string()).collect(),
        }
    }

    #[test]
    fn secrets_in_the_command_line_are_hidden() {
        let h = holder(&[
            "/usr/bin/garita",
            "run",
            "wf.yaml",
            "--input",
            "token=abc",
            "--data",
            "{\"x\":1}",
        ]);
        assert_eq!(
            h.shown_command(),
            "garita run wf.yaml --input token=*** --data ***"
        );
    }

    #[test]
    fn only_a_long_running_garita_daemon_counts_as_a_daemon() {
        assert!(holder(&["/opt/garita", "--store", "s", "daemon"]).is_daemon());
        assert!(!holder(&["garita", "daemon", "--once"]).is_daemon());
        assert!(!holder(&["garita", "run", "daemon.yaml"]).is_daemon());
        assert!(!holder(&["python3", "daemon"]).is_daemon());
        assert!(!holder(&[]).is_daemon());
    }

    #[test]
    fn a_process_with_the_lock_file_open_is_found_without_a_pid_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("db");
        std::fs::write(&file, b"x").unwrap();
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .stdin(std::fs::File::open(&file).unwrap())
            .spawn()
            .unwrap();
        // The child has the file open as its stdin; while it is still
        // inside execve its command line can read as empty, so wait for it.
        let found = (0..100).find_map(|_| {
            let found = find(dir.path()).filter(|f| !f.args.is_empty());
            if found.is_none() {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            found
        });
        let described = describe(dir.path());
        let _ = child.kill();
        let _ = child.wait();
        let found = found.expect("the child is found");
        assert_eq!(found.pid, child.id());
        assert_eq!(found.args, ["sleep", "30"]);
        let described = described.expect("described");
        assert!(described.contains("`sleep 30`"), "{described}");
    }
}
