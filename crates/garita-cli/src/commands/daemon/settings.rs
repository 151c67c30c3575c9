//! The `[daemon]` section of garita.toml.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use garita_engine::schedule::SchedulerSettings;
use serde::Deserialize;

/// `[daemon]`: where the workflows are and how the scheduled runner behaves.
/// Durations are written as `10m`, `5s`, `1h 30m`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct DaemonSettings {
    /// Directory of the workflow files (`--workflows` overrides; default `workflows`).
    pub workflows_dir: Option<PathBuf>,
    /// How late a schedule fire may be seen and still count as on time;
    /// older fires follow the trigger's `catch_up` policy.
    pub on_time_window: String,
    /// Runs driven at the same time.
    pub max_concurrent_runs: usize,
    /// How often to look for changed workflow files; `0s` turns it off
    /// (SIGHUP still reloads).
    pub reload_poll: String,
    /// How long SIGTERM waits for runs in flight before leaving them to
    /// resume on the next start (keep it under systemd's TimeoutStopSec).
    pub shutdown_grace: String,
}

impl Default for DaemonSettings {
    fn default() -> Self {
        Self {
            workflows_dir: None,
            on_time_window: "10m".into(),
            max_concurrent_runs: 4,
            reload_poll: "5s".into(),
            shutdown_grace: "8s".into(),
        }
    }
}

/// The daemon's settings with durations parsed.
#[derive(Debug, Clone)]
pub struct DaemonConfig {
    pub workflows_dir: PathBuf,
    pub scheduler: SchedulerSettings,
    pub max_concurrent_runs: usize,
    /// `None` when polling is off.
    pub reload_poll: Option<Duration>,
    pub shutdown_grace: Duration,
}

impl DaemonSettings {
    /// Checks and parses the section; `flag` is `--workflows`, which wins.
    pub fn resolve(&self, flag: Option<&Path>) -> anyhow::Result<DaemonConfig> {
        let workflows_dir = flag
            .map(Path::to_path_buf)
            .or_else(|| self.workflows_dir.clone())
            .unwrap_or_else(|| PathBuf::from("workflows"));
        let on_time = duration("daemon.on_time_window", &self.on_time_window)?;
        let reload_poll = duration("daemon.reload_poll", &self.reload_poll)?;
        let shutdown_grace = duration("daemon.shutdown_grace", &self.shutdown_grace)?;
        Ok(DaemonConfig {
            workflows_dir,
            scheduler: SchedulerSettings {
                on_time_window: chrono::TimeDelta::from_std(on_time)
                    .context("daemon.on_time_window is too long")?,
                ..SchedulerSettings::default()
            },
            max_concurrent_runs: self.max_concurrent_runs.clamp(1, 256),
            reload_poll: (!reload_poll.is_zero()).then_some(reload_poll),
            shutdown_grace,
        })
    }
}

fn duration(key: &str, text: &str) -> anyhow::Result<Duration> {
    humantime::parse_duration(text.trim()).with_context(|| {
        format!("{key} must be a duration such as `10m` or `5s`, not `{text}` (check garita.toml)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_resolve_and_the_flag_wins() {
        let config = DaemonSettings::default().resolve(None).unwrap();
        assert_eq!(config.workflows_dir, PathBuf::from("workflows"));
        assert_eq!(config.shutdown_grace, Duration::from_secs(8));
        assert_eq!(config.reload_poll, Some(Duration::from_secs(5)));
        let config = DaemonSettings {
            workflows_dir: Some("/etc/garita/workflows".into()),
            reload_poll: "0s".into(),
            ..DaemonSettings::default()
        };
        let resolved = config.resolve(Some(Path::new("mine"))).unwrap();
        assert_eq!(resolved.workflows_dir, PathBuf::from("mine"));
        assert_eq!(resolved.reload_poll, None);
    }

    #[test]
    fn a_bad_duration_names_its_key() {
        let settings = DaemonSettings {
            on_time_window: "soon".into(),
            ..DaemonSettings::default()
        };
        let err = settings.resolve(None).unwrap_err().to_string();
        assert!(err.contains("daemon.on_time_window"), "{err}");
    }
}
