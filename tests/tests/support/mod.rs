//! Running the real `garita` binary from tests.

#![allow(dead_code)]

pub mod console;
pub mod workflows;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// Cargo's target directory (`CARGO_TARGET_DIR`, else target/).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// Path to the `garita` binary, built once per test process.
pub fn garita_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        // Without the package's variables: see `tests::cargo_command`.
        let mut build = tests::cargo_command();
        let status = build
            .args(["build", "--quiet", "-p", "garita-cli"])
            .current_dir(root())
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building garita failed");
        target_dir().join("debug").join("garita")
    })
}

/// A `garita` command on `store`, with logs quiet and no config from the environment.
pub fn garita(store: &Path) -> Command {
    let mut cmd = Command::new(garita_bin());
    cmd.arg("--store").arg(store);
    cmd.env_remove("GARITA_NOW")
        .env_remove("GARITA_STORE")
        .env_remove("RUST_LOG");
    cmd.current_dir(root());
    cmd
}

/// Runs and captures, printing everything on failure to help debugging.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("garita starts")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write fixture");
    path
}

/// Who garita records when `--by` is not given and nothing is configured,
/// asked of `id` (not of garita's code): the effective user's name, else
/// `uid:N`. Callers run garita without `USER`/`LOGNAME`, so that only the
/// effective uid can have named it.
pub fn os_user() -> String {
    let id = |flag: &str| {
        Command::new("id")
            .arg(flag)
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
            .filter(|text| !text.is_empty())
    };
    id("-un").unwrap_or_else(|| format!("uid:{}", id("-u").expect("`id -u` names the uid")))
}

/// Fails the test, with the command's output, unless it exited 0.
pub fn assert_success(out: &Output, what: &str) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{what}: {}{}",
        stdout(out),
        stderr(out)
    );
}

/// Debian's Python (`/usr/bin/python3`), which sees the Debian packages
/// `.ci/run` installs (python3-icalendar, python3-cryptography); a
/// `python3` earlier on PATH (pyenv) may be another installation.
pub fn system_python() -> PathBuf {
    let system = PathBuf::from("/usr/bin/python3");
    if system.exists() {
        system
    } else {
        PathBuf::from("python3")
    }
}
