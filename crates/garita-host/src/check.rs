//! `garita plugins check LIB`: every check the host makes before using a
//! library, on one file, with a report of what was found.

use std::path::{Path, PathBuf};

use garita_sdk::Manifest;
use serde::Serialize;

use crate::discovery::{check_permissions, sha256_of};
use crate::error::HostError;
use crate::library::PluginLibrary;

/// What `check_library` found in a valid plugin library.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
