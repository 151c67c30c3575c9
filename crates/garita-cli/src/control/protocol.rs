//! The JSON bodies of the control API that are not an operation's answer:
//! the health check and the error answer.

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

/// Every error answer: what was wrong and what to do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiError {
    /// What was wrong (the same text the command prints after `error:`).
    pub error: String,
    /// What to do about it.
    pub hint: String,
}
