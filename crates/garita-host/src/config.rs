//! The `[plugins]` section of `garita.toml`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

/// Where plugins come from and which ones are trusted.
///
/// ```toml
/// [plugins]
/// dirs = ["/opt/garita/plugins"]          # default: see HostConfig::default_dirs
/// allow_sha256 = ["9f86d08...", "..."]     # when set, only these libraries load
/// override = ["email"]                     # a plugin may replace these built-ins
/// in_process = ["9f86d08..."]              # run these (also allowed) libraries inside garita
/// max_output_bytes = 1048576               # largest output one plugin call may return
/// worker_memory_mib = 1024                 # address-space limit of each plugin worker
/// ```
///
/// A plugin library runs in a worker process of its own (see
/// [`isolation`](crate::isolation)) unless its SHA-256 is listed both in
/// `in_process` and in `allow_sha256`: an operator trades the isolation for
/// the call overhead only for a library pinned by its exact bytes.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostConfig {
    /// Directories searched, in order, for plugin libraries (`*.so`, `*.dylib` on macOS).
    /// Missing directories are skipped.
    #[serde(default = "HostConfig::default_dirs")]
    pub dirs: Vec<PathBuf>,
    /// When set, a library loads only if its SHA-256 (hex, any case) is listed.
    #[serde(default)]
    pub allow_sha256: Option<Vec<String>>,
    /// Connector names a dynamic plugin may take over from the built-in one.
    #[serde(default, rename = "override")]
    pub overrides: Vec<String>,
    /// Each connector's configuration (`[connectors.NAME]` in `garita.toml`),
    /// passed as [`InvokeContext::config`](garita_sdk::InvokeContext::config)
    /// when the caller did not set one. The CLI fills it from the top-level
    /// `[connectors]` table; it is accepted here too for convenience.
    #[serde(default)]
    pub connector_config: BTreeMap<String, serde_json::Value>,
    /// SHA-256 of libraries to run inside the garita process; honoured only
    /// for a hash also in `allow_sha256`.
    #[serde(default)]
    pub in_process: Vec<String>,
    /// Largest output (or error) one call of a plugin library may return, in bytes.
    #[serde(default = "HostConfig::default_max_output")]
    pub max_output_bytes: usize,
    /// Address-space limit of each plugin worker process, in MiB.
    #[serde(default = "HostConfig::default_worker_memory")]
    pub worker_memory_mib: u64,
}

impl Default for HostConfig {
    fn default() -> Self {
        Self {
            dirs: Self::default_dirs(),
            allow_sha256: None,
            overrides: Vec::new(),
            connector_config: BTreeMap::new(),
            in_process: Vec::new(),
            max_output_bytes: Self::default_max_output(),
            worker_memory_mib: Self::default_worker_memory(),
        }
    }
}

impl HostConfig {
    /// A configuration that discovers nothing: built-ins only, plus libraries
    /// loaded explicitly. Handy for tests and `garita plugins check`.
    pub fn empty() -> Self {
        Self {
            dirs: Vec::new(),
            ..Self::default()
        }
    }

    /// The per-user directory (`$XDG_DATA_HOME/garita/plugins`, else
    /// `~/.local/share/garita/plugins`) and the system one (`/usr/lib/garita/plugins`).
    pub fn default_dirs() -> Vec<PathBuf> {
        let xdg = std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .filter(|dir| dir.is_absolute());
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .filter(|dir| dir.is_absolute());
        let user = xdg.or_else(|| home.map(|home| home.join(".local").join("share")));
        user.map(|data| data.join("garita").join("plugins"))
            .into_iter()
            .chain(std::iter::once(PathBuf::from("/usr/lib/garita/plugins")))
            .collect()
    }

    /// Whether `sha256` (lowercase hex) may load under `allow_sha256`.
    pub fn allows_sha256(&self, sha256: &str) -> bool {
        match &self.allow_sha256 {
            None => true,
            Some(list) => list
                .iter()
                .any(|allowed| allowed.trim().eq_ignore_ascii_case(sha256)),
        }
    }

    /// 1 MiB: a connector's answer is a record, not a file.
    pub fn default_max_output() -> usize {
        1 << 20
    }

    /// 1 GiB of address space: far above what a connector needs, far below
    /// what would push the server into swapping.
    pub fn default_worker_memory() -> u64 {
        1024
    }

    /// Whether the library with this SHA-256 runs inside the garita process:
    /// listed in `in_process` and pinned in `allow_sha256`.
    pub fn runs_in_process(&self, sha256: &str) -> bool {
        let pinned = self.allow_sha256.is_some() && self.allows_sha256(sha256);
        pinned
            && self
                .in_process
                .iter()
                .any(|listed| listed.trim().eq_ignore_ascii_case(sha256))
    }

    /// Whether a dynamic plugin may replace the built-in connector `name`.
    pub fn may_override(&self, name: &str) -> bool {
        self.overrides.iter().any(|allowed| allowed == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_plugins_table() {
        let config: HostConfig = serde_json::from_value(serde_json::json!({
            "dirs": ["/opt/p"],
            "allow_sha256": ["ABCDEF"],
            "override": ["email"]
        }))
        .unwrap();
        assert_eq!(config.dirs, [PathBuf::from("/opt/p")]);
        assert!(config.allows_sha256("abcdef"));
        assert!(!config.allows_sha256("abcdee"));
        assert!(config.may_override("email"));
        assert!(!config.may_override("core"));
    }

    #[test]
    fn defaults_include_the_system_directory() {
        let config: HostConfig = serde_json::from_value(serde_json::json!({})).unwrap();
        assert!(config
            .dirs
            .contains(&PathBuf::from("/usr/lib/garita/plugins")));
        assert!(config.allows_sha256("anything"));
    }

    #[test]
    fn in_process_needs_the_hash_in_the_allow_list_too() {
        let listed_only: HostConfig =
            serde_json::from_value(serde_json::json!({"in_process": ["abc"]})).unwrap();
        assert!(!listed_only.runs_in_process("abc"));
        let pinned: HostConfig = serde_json::from_value(
            serde_json::json!({"in_process": ["ABC"], "allow_sha256": ["abc", "def"]}),
        )
        .unwrap();
        assert!(pinned.runs_in_process("abc"));
        assert!(!pinned.runs_in_process("def"));
        assert_eq!(pinned.max_output_bytes, 1 << 20);
    }

    #[test]
    fn misspelt_keys_are_errors() {
        let result: Result<HostConfig, _> =
            serde_json::from_value(serde_json::json!({"overide": ["x"]}));
        assert!(result.is_err());
    }
}
