//! The `[daemon]` section of garita.toml.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use garita_engine::schedule::SchedulerSettings;
use serde::Deserialize;

use crate::error::AppError;

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
    /// Also serve the control API on this TCP address (`127.0.0.1:7311`);
    /// off when unset. Needs a token; see docs/api.md.
    pub control_tcp: Option<String>,
    /// Allow `control_tcp` on an address that is not loopback (reachable
    /// from the network). Off unless set on purpose.
    pub control_tcp_allow_remote: bool,
    /// The bearer token TCP clients send (`GARITA_CONTROL_TOKEN` wins).
    pub control_token: Option<String>,
    /// Connections the Unix socket serves at once.
    pub control_max_connections: usize,
    /// Connections the TCP listener serves at once (apart from the
    /// socket's, so TCP clients cannot use up the owner's).
    pub control_tcp_max_connections: usize,
    /// Time a client has to send a request's headers; also how long an
    /// idle connection is kept.
    pub control_header_timeout: String,
}

/// Shortest control token accepted: anything shorter is guessable.
pub const MIN_TOKEN_LEN: usize = 16;

/// What one control listener allows.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Connections served at once; more wait in the kernel's backlog.
    pub max_connections: usize,
    /// Time a client has to send a request's headers, and time an idle
    /// connection is kept waiting for its next request.
    pub header_timeout: Duration,
}

/// The limits of each control listener: separate, so connections to the
/// TCP port (anyone local can open them) never use up the owner's Unix socket.
#[derive(Debug, Clone, Copy)]
pub struct ListenerLimits {
    /// The Unix socket's.
    pub unix: ConnectionLimits,
    /// The TCP listener's.
    pub tcp: ConnectionLimits,
}

/// The environment variable with the control API's bearer token.
pub const TOKEN_ENV: &str = "GARITA_CONTROL_TOKEN";

/// Where the control API listens besides its Unix socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlTcp {
    /// The address to listen on.
    pub address: SocketAddr,
    /// The bearer token every request must carry.
    pub token: String,
}

impl Default for DaemonSettings {
    fn default() -> Self {
        Self {
            workflows_dir: None,
            on_time_window: "10m".into(),
            max_concurrent_runs: 4,
            reload_poll: "5s".into(),
            shutdown_grace: "8s".into(),
            control_tcp: None,
            control_tcp_allow_remote: false,
            control_token: None,
            control_max_connections: 64,
            control_tcp_max_connections: 64,
            control_header_timeout: "10s".into(),
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
    /// The control API's listeners' limits.
    pub control_limits: ListenerLimits,
}

impl DaemonSettings {
    /// Checks and parses the section; `flag` is `--workflows`, which wins.
    pub fn resolve(&self, flag: Option<&Path>) -> Result<DaemonConfig, AppError> {
        let workflows_dir = flag
            .map(Path::to_path_buf)
            .or_else(|| self.workflows_dir.clone())
            .unwrap_or_else(|| PathBuf::from("workflows"));
        let on_time = duration("daemon.on_time_window", &self.on_time_window)?;
        let reload_poll = duration("daemon.reload_poll", &self.reload_poll)?;
        let shutdown_grace = duration("daemon.shutdown_grace", &self.shutdown_grace)?;
        let header_timeout = duration(
            "daemon.control_header_timeout",
            &self.control_header_timeout,
        )?;
        if header_timeout.is_zero() {
            return Err(AppError::Config(
                "daemon.control_header_timeout must be more than 0s (10s is the default)".into(),
            ));
        }
        let limits = |max: usize| ConnectionLimits {
            max_connections: max.clamp(1, 4096),
            header_timeout,
        };
        let control_limits = ListenerLimits {
            unix: limits(self.control_max_connections),
            tcp: limits(self.control_tcp_max_connections),
        };
        Ok(DaemonConfig {
            workflows_dir,
            scheduler: SchedulerSettings {
                on_time_window: chrono::TimeDelta::from_std(on_time).map_err(|e| {
                    AppError::Config(format!("daemon.on_time_window is too long: {e}"))
                })?,
                ..SchedulerSettings::default()
            },
            max_concurrent_runs: self.max_concurrent_runs.clamp(1, 256),
            reload_poll: (!reload_poll.is_zero()).then_some(reload_poll),
            shutdown_grace,
            control_limits,
        })
    }
}

impl DaemonSettings {
    /// The control API's TCP listener, if configured: a loopback address
    /// (unless `control_tcp_allow_remote`) and a token of at least
    /// [`MIN_TOKEN_LEN`] characters. `env_token` is
    /// `GARITA_CONTROL_TOKEN`.
    pub fn control_tcp(&self, env_token: Option<String>) -> Result<Option<ControlTcp>, AppError> {
        let Some(text) = self
            .control_tcp
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        else {
            return Ok(None);
        };
        let address: SocketAddr = text.parse().map_err(|e| {
            AppError::Config(format!("daemon.control_tcp must be an IP address and port such as `127.0.0.1:7311`, not `{text}` (check garita.toml or GARITA_DAEMON__CONTROL_TCP): {e}"))
        })?;
        if !address.ip().is_loopback() && !self.control_tcp_allow_remote {
            return Err(AppError::Config(format!(
                "daemon.control_tcp is {address}, which is not a loopback address: the control API would be reachable from the network. Use 127.0.0.1 or ::1, or set daemon.control_tcp_allow_remote = true if that is really meant"
            )));
        }
        let token = env_token
            .filter(|t| !t.trim().is_empty())
            .or_else(|| self.control_token.clone())
            .map(|t| t.trim().to_owned())
            .unwrap_or_default();
        let min = MIN_TOKEN_LEN;
        if token.chars().count() < min {
            return Err(AppError::Config(format!(
                "daemon.control_tcp needs a bearer token of at least {min} characters: set {TOKEN_ENV} (or [daemon] control_token), for example to the output of `openssl rand -hex 24`"
            )));
        }
        Ok(Some(ControlTcp { address, token }))
    }
}

fn duration(key: &str, text: &str) -> Result<Duration, AppError> {
    humantime::parse_duration(text.trim()).map_err(|e| {
        AppError::Config(format!(
            "{key} must be a duration such as `10m` or `5s`, not `{text}` (check garita.toml): {e}"
        ))
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
    fn the_tcp_listener_is_loopback_with_a_token_unless_told_otherwise() {
        let token = Some("0123456789abcdef".to_owned());
        let off = DaemonSettings::default();
        assert_eq!(off.control_tcp(token.clone()).unwrap(), None);
        let local = DaemonSettings {
            control_tcp: Some("127.0.0.1:7311".into()),
            ..DaemonSettings::default()
        };
        let tcp = local.control_tcp(token.clone()).unwrap().unwrap();
        assert_eq!(tcp.address.port(), 7311);
        assert_eq!(tcp.token, "0123456789abcdef");
        let err = local.control_tcp(None).unwrap_err().to_string();
        assert!(err.contains("GARITA_CONTROL_TOKEN"), "{err}");
        let short = local
            .control_tcp(Some("short".into()))
            .unwrap_err()
            .to_string();
        assert!(short.contains("at least 16"), "{short}");
        let remote = DaemonSettings {
            control_tcp: Some("0.0.0.0:7311".into()),
            ..DaemonSettings::default()
        };
        let err = remote.control_tcp(token.clone()).unwrap_err().to_string();
        assert!(err.contains("not a loopback address"), "{err}");
        let allowed = DaemonSettings {
            control_tcp_allow_remote: true,
            ..remote
        };
        assert!(allowed.control_tcp(token).unwrap().is_some());
        let from_file = DaemonSettings {
            control_token: Some("fedcba9876543210".into()),
            ..local
        };
        assert_eq!(
            from_file.control_tcp(None).unwrap().unwrap().token,
            "fedcba9876543210"
        );
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
