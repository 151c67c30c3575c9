//! `garita plugins check LIB`: every check the host makes before using a
//! library, on one file, with a report of what was found.

use std::path::{Path, PathBuf};

use std::process::Command;
use std::time::Duration;

use garita_sdk::Manifest;
use serde::{Deserialize, Serialize};

use crate::discovery::{check_permissions, sha256_of};
use crate::error::HostError;
use crate::library::PluginLibrary;

/// What `check_library` found in a valid plugin library.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PluginReport {
    /// The library checked.
    pub path: PathBuf,
    /// Its SHA-256, lowercase hex: the value to put in `plugins.allow_sha256`.
    pub sha256: String,
    /// The plugin ABI version it speaks (always the host's, when valid).
    pub abi_version: u32,
    /// The garita-sdk version it was built with.
    pub sdk_version: String,
    /// Its manifest.
    pub manifest: Manifest,
}

/// Checks that `path` is a plugin this host would load: permissions, ABI and
/// SDK versions, and manifest. Not checked: the allow-list and name conflicts,
/// which depend on configuration (compare `sha256` with
/// [`HostConfig::allows_sha256`](crate::HostConfig::allows_sha256)).
///
/// The library stays loaded (libraries are never unloaded), but none of its
/// actions is called.
pub fn check_library(path: &Path) -> Result<PluginReport, HostError> {
    check_permissions(path)?;
    let sha256 = sha256_of(path)?;
    let library = PluginLibrary::load(path)?;
    Ok(PluginReport {
        path: path.to_path_buf(),
        sha256,
        abi_version: garita_sdk::abi::ABI_VERSION,
        sdk_version: library.sdk_version().to_owned(),
        manifest: library.cached_manifest().clone(),
    })
}

/// The arguments that make the `garita` binary the checking child: the
/// library's absolute path follows them.
pub const PROBE_CHILD_ARGS: [&str; 2] = ["plugins", "probe-child"];

/// How long a library may take to load and describe itself.
const CHILD_LIMIT: Duration = Duration::from_secs(10);

/// What the checking child prints when it refuses the library.
#[derive(Debug, Deserialize)]
struct ChildProblem {
    problem: String,
}

/// [`check_library`] without running the library in this process: the
/// permission checks here, then the load and the manifest in a child
/// (`program` with [`PROBE_CHILD_ARGS`] and the library's absolute path),
/// so that an initialiser that exits, crashes or hangs ends only the child,
/// and is reported as such.
pub fn check_in_child(path: &Path, program: &Path) -> Result<PluginReport, HostError> {
    let exact = std::fs::canonicalize(path).map_err(|source| HostError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    check_permissions(&exact)?;
    let mut command = Command::new(program);
    command.args(PROBE_CHILD_ARGS).arg(&exact);
    let out =
        crate::isolation::run_child(command, CHILD_LIMIT).map_err(|source| HostError::Io {
            path: program.to_path_buf(),
            source,
        })?;
    let failed = |how: String| HostError::ChildFailed {
        path: path.to_path_buf(),
        how,
        stderr: out.stderr_tail.clone(),
    };
    match out.end {
        crate::isolation::ChildEnd::Exited(0) => {
            let mut report: PluginReport = serde_json::from_slice(&out.stdout)
                .map_err(|e| failed(format!("ended normally but printed no report ({e})")))?;
            report.path = path.to_path_buf();
            Ok(report)
        }
        crate::isolation::ChildEnd::Exited(1) => {
            match serde_json::from_slice::<ChildProblem>(&out.stdout) {
                Ok(child) => Err(HostError::Refused(child.problem)),
                Err(_) => Err(failed("exited with code 1 while loading it".into())),
            }
        }
        other => Err(failed(format!("{} while loading it", other.describe()))),
    }
}
