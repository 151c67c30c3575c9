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
/// ```
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
}

impl Default for HostConfig {
    fn default() -> Self {
        Self {
            dirs: Self::default_dirs(),
            allow_sha256: None,
            overrides: Vec::new(),
            connector_config: BTreeMap::new(),
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
    fn misspelt_keys_are_errors() {
        let result: Result<HostConfig, _> =
            serde_json::from_value(serde_json::json!({"overide": ["x"]}));
        assert!(result.is_err());
    }
}
