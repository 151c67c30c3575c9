//! The JSON bodies of the control API that are not a command's own output.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use garita_app::workflow_dir::RefusedFile;

/// `GET /v1/health`: who answers on this socket.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Health {
    /// Always `garita-daemon`.
    pub service: String,
    /// The daemon's process id.
    pub pid: u32,
    /// The store directory the daemon holds (canonical path).
    pub store: PathBuf,
    /// The daemon's garita version.
    pub version: String,
    /// Workflows the daemon has loaded (0: no schedule or event trigger fires).
    #[serde(default)]
    pub workflows: usize,
    /// Workflow files the daemon refused, with their problems, until they
    /// are fixed and reloaded (empty when every file loaded).
    #[serde(default)]
    pub refused_files: Vec<RefusedFile>,
    /// Why the daemon's store can no longer write (a full disk), when it
    /// cannot; the answer's status is then 503. The daemon reopens the
    /// store by itself once the disk has room.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_error: Option<String>,
}

/// `POST /v1/cli`: one `garita` command line, run by the daemon as if typed
/// on the client's machine.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForwardRequest {
    /// The arguments, program name first (`["garita", "runs", "list"]`).
    pub args: Vec<String>,
    /// The client's `--now` / `GARITA_NOW`, if any.
    #[serde(default)]
    pub now: Option<String>,
    /// The client's working directory: relative directories on the command
    /// line (`--workflows DIR`) are taken from there.
    #[serde(default)]
    pub cwd: Option<PathBuf>,
    /// Who the client says it is (its `[identity] default_by`, else its
    /// operating-system user): the default `--by` of account changes and
    /// task answers. On the Unix socket the daemon records the peer's user
    /// (SO_PEERCRED) first, and this name too when it differs.
    #[serde(default)]
    pub user: Option<String>,
    /// Files named on the command line, read by the client, by the path as given.
    #[serde(default)]
    pub files: BTreeMap<PathBuf, String>,
}

/// What a forwarded command did: the client prints `stdout` and `stderr`,
/// writes `files` and exits with `exit_code`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ForwardResponse {
    /// The process exit code the command ends with (0, 1 or 2).
    pub exit_code: u8,
    /// Everything it printed on stdout.
    pub stdout: String,
    /// Everything it printed on stderr (including the closing `error: …`).
    pub stderr: String,
    /// Files it wrote (`accounts export --output FILE`), for the client to write.
    #[serde(default)]
    pub files: Vec<WrittenFile>,
}

/// A file a forwarded command wrote.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WrittenFile {
    /// The path as given on the command line.
    pub path: PathBuf,
    /// Its contents.
    pub contents: String,
}

/// Every error answer: what was wrong and what to do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiError {
    /// What was wrong (the same text the command prints after `error:`).
    pub error: String,
    /// What to do about it.
    pub hint: String,
}
