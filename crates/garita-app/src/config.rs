//! `garita.toml` and `GARITA_*` environment variables, read with the `config` crate.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::AppError;

/// Everything configurable. Unknown keys are ignored so an older garita can
/// read a newer file. Its `Debug` never prints a secret (see below).
#[derive(Clone, Default, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub store: StoreSettings,
    pub plugins: garita_host::HostConfig,
    /// `[connectors.NAME]` sections, handed to each connector.
    pub connectors: BTreeMap<String, serde_json::Value>,
    /// `[daemon]`: the scheduled runner.
    pub daemon: crate::daemon_settings::DaemonSettings,
    /// `[rules]`: the portal rules' reconcile.
    pub rules: crate::reconcile::RulesSettings,
    /// `[identity]`: who changes are recorded as when `--by` is not given.
    pub identity: IdentitySettings,
    /// `[files]`: where workflows and clients may name files.
    pub files: FilesSettings,
    /// `[web]`: the officers' console.
    pub web: crate::web_settings::WebSettings,
    /// `[audit]`: the key that signs the audit log's checkpoints.
    pub audit: AuditSettings,
    /// `[retention]`: how long finished runs keep their step events.
    pub retention: crate::retention::RetentionSettings,
    /// `[calendar]`: days off and working days decreed on top of the law's
    /// calendars; read from the file with positions by
    /// [`crate::calendar_settings::read`], not by `config`.
    #[serde(skip)]
    pub calendar: crate::calendar_settings::CalendarSettings,
}

/// `[audit]` of garita.toml.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AuditSettings {
    /// The private key file `garita keys init` wrote (0600, outside the
    /// store: whoever can rewrite the store must not also be able to sign).
    pub signing_key: Option<PathBuf>,
    /// An address outside the company that the daemon mails each day's
    /// checkpoint to, through the outbox (unset: none is mailed).
    pub checkpoint_email: Option<String>,
}

/// `[files]` of garita.toml.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct FilesSettings {
    /// The directories whose files a workflow may write or attach
    /// (`core.append_file`, email attachments) and a control-API client may
    /// name; unset: the store's `files/` folder. In the environment:
    /// `GARITA_FILES__ALLOWED_DIRS=/srv/a,/srv/b`.
    pub allowed_dirs: Option<Vec<PathBuf>>,
}

/// `[identity]` of garita.toml.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct IdentitySettings {
    /// Recorded as who made a change when `--by` is not given, instead of
    /// the operating-system user (for example a shared service account's
    /// owner, `oficina.aduanas@example.com`).
    pub default_by: Option<String>,
}

/// Prints the settings with the value of every secret-named key (`password`,
/// `control_token`, `api_key`, … at any depth) replaced by `[redacted]`, so
/// that a `{:?}` in a log line or an error can never leak one, including
/// keys added later.
impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Settings {
            store,
            plugins,
            connectors,
            daemon,
            rules,
            identity,
            files,
            web,
            audit,
            retention,
            calendar,
        } = self;
        let raw = format!(
            "Settings {{ store: {store:?}, plugins: {plugins:?}, connectors: {connectors:?}, daemon: {daemon:?}, rules: {rules:?}, identity: {identity:?}, files: {files:?}, web: {web:?}, audit: {audit:?}, retention: {retention:?}, calendar: {calendar:?} }}"
        );
        f.write_str(&garita_engine::secret_redactor::redact_debug_text(&raw))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct StoreSettings {
    /// Store directory (overridden by --store). With `url`, the local
    /// folder for files, plugin manifests and the daemon's control socket.
    pub path: Option<PathBuf>,
    /// A PostgreSQL store, `postgres://USER@HOST[:PORT]/DB` (overridden by
    /// --store); over `path` as the store.
    pub url: Option<String>,
    /// sled page cache, in MiB (default 8: what bounds a daemon's memory;
    /// docs/operations.md).
    pub cache_mb: u64,
    /// `power_loss` (flush + fdatasync, the default) or `process_crash` (flush only).
    pub durability: String,
    /// How long a run's lease lasts without a heartbeat (`30s`): on a store
    /// several daemons share, a run whose driver died waits about this long
    /// before another daemon takes it over. Heartbeats come every third of it.
    pub lease_ttl: String,
}

impl Default for StoreSettings {
    fn default() -> Self {
        Self {
            path: None,
            url: None,
            cache_mb: garita_store::DEFAULT_CACHE_CAPACITY / (1024 * 1024),
            durability: "power_loss".into(),
            lease_ttl: "30s".into(),
        }
    }
}

/// Reads the configuration: `explicit` (must exist) or `./garita.toml` (when
/// present), then `GARITA_*` variables (`GARITA_STORE__CACHE_MB=128`).
pub fn load(explicit: Option<&Path>) -> Result<Settings, AppError> {
    let mut builder = config::Config::builder();
    // The file read, for `[calendar]`, which is read from its text.
    let mut file: Option<&Path> = None;
    match explicit {
        Some(path) => {
            if !path.is_file() {
                return Err(AppError::Config(format!(
                    "configuration file {} does not exist; check the --config path",
                    path.display()
                )));
            }
            builder = builder.add_source(config::File::from(path).format(config::FileFormat::Toml));
            file = Some(path);
        }
        None => {
            let default = Path::new("garita.toml");
            if default.is_file() {
                builder = builder
                    .add_source(config::File::from(default).format(config::FileFormat::Toml));
                file = Some(default);
            }
        }
    }
    // Only nested keys (`GARITA_SECTION__KEY`) configure; plain GARITA_STORE and
    // GARITA_NOW are command-line options read by clap.
    let nested: config::Map<String, String> = std::env::vars()
        .filter(|(k, _)| k.starts_with("GARITA_") && k.contains("__"))
        .collect();
    builder = builder.add_source(
        config::Environment::with_prefix("GARITA")
            .prefix_separator("_")
            .separator("__")
            .try_parsing(true)
            .list_separator(",")
            .with_list_parse_key("files.allowed_dirs")
            .source(Some(nested)),
    );
    let shown = explicit.map_or_else(|| "garita.toml".to_owned(), |p| p.display().to_string());
    let built = builder
        .build()
        .map_err(|e| AppError::Config(format!("cannot read the configuration ({shown}): {e}")))?;
    let mut settings = built.try_deserialize::<Settings>().map_err(|e| {
        AppError::Config(format!(
            "the configuration ({shown}) has a wrong value; see docs/operations.md for the keys: {e}"
        ))
    })?;
    crate::calendar_settings::refuse_environment(std::env::vars().map(|(name, _)| name))?;
    if let Some(path) = file {
        let text = std::fs::read_to_string(path).map_err(|e| {
            AppError::Config(format!("cannot read the configuration ({shown}): {e}"))
        })?;
        settings.calendar = crate::calendar_settings::read(&path.display().to_string(), &text)?;
    }
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_secret_values() {
        let mut settings = Settings::default();
        settings.connectors.insert(
            "email".into(),
            serde_json::json!({"host": "smtp.example.com", "password": "Planted-Pw-1"}),
        );
        let text = format!("{settings:?}");
        assert!(!text.contains("Planted-Pw-1"), "{text}");
        assert!(
            text.contains("smtp.example.com") && text.contains("[redacted]"),
            "{text}"
        );
    }
}
