//! What every operation needs, built once from the options a front end was
//! given and the configuration: the clock, the connectors with their
//! decorators, the store backend and the engine over it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};
use garita_engine::executor::{Engine, EngineSettings, WorkflowLoader};
use garita_engine::{Clock, Connectors, ManualClock, RecordingClock, SystemClock, Workflow};
use garita_sdk::Manifest;
use garita_store::{Durability, SledStore, StoreOptions};
use garita_store_postgres::{PostgresOptions, PostgresStore};

use crate::backend::Backend;
use crate::config::Settings;
use crate::error::AppError;
use crate::outbox_connectors::OutboxConnectors;
pub use crate::store_location::StoreLocation;

/// Largest workflow file accepted (1 MiB): real ones are a few KiB.
pub const MAX_WORKFLOW_BYTES: u64 = 1 << 20;

/// What a front end was told that shapes the wiring (for the command line:
/// `--config`, `--store`, `--now`).
#[derive(Debug, Clone, Default)]
pub struct AppOptions {
    /// The configuration file; `None`: `./garita.toml` when present.
    pub config: Option<PathBuf>,
    /// The store, over `[store] url` and `[store] path`: a directory, or
    /// a `postgres://` URL ([`StoreLocation`]).
    pub store: Option<PathBuf>,
    /// A pinned instant (RFC 3339) for the clock, for rehearsals and tests.
    pub now: Option<String>,
}

/// The wiring: settings, clocks and connectors; stores and engines are
/// opened from it.
pub struct App {
    /// The options it was built from.
    pub options: AppOptions,
    /// The configuration in force.
    pub settings: Settings,
    /// The clock business logic reads.
    pub clock: Arc<dyn Clock>,
    /// True when [`AppOptions::now`] pinned the clock.
    pub pinned_clock: bool,
    /// Dates the evidence the store writes (audit and history entries):
    /// the system clock, with `clock` beside it when it is pinned. Never
    /// `clock` alone, so that a pinned clock cannot backdate evidence.
    pub recording: RecordingClock,
    connectors: Arc<dyn Connectors>,
    /// `connectors`' manifests, gathered once (when first needed: that loads
    /// the plugins): every layer of connectors copies them, and a command
    /// asks for them several times.
    manifests: Arc<OnceLock<Arc<[Manifest]>>>,
    /// The plugin host, loaded on first use.
    plugins: Arc<crate::plugins_on_use::PluginsOnUse>,
}

impl App {
    /// Reads the configuration and wires the clock and the connectors
    /// (no plugin is loaded and no store opened yet).
    pub fn new(options: AppOptions) -> Result<Self, AppError> {
        let settings = crate::config::load(options.config.as_deref())?;
        Self::with_settings(options, settings)
    }

    /// [`App::new`] with the configuration already read from
    /// `options.config` (a front end that needed it first, to find a
    /// daemon, does not read it twice).
    pub fn with_settings(options: AppOptions, settings: Settings) -> Result<Self, AppError> {
        let (clock, pinned_clock): (Arc<dyn Clock>, bool) = match &options.now {
            Some(text) => (Arc::new(ManualClock::new(parse_now(text)?)), true),
            None => (Arc::new(SystemClock), false),
        };
        let recording =
            RecordingClock::new(Arc::new(SystemClock), pinned_clock.then(|| clock.clone()));
        let dir = store_dir(options.store.as_deref(), &settings);
        let plugins = Arc::new(crate::plugins_on_use::PluginsOnUse::new(
            settings.plugins.clone(),
            dir.clone(),
        ));
        // Every call, whatever starts it, has its file paths confined.
        let allowed =
            crate::allowed_dirs::AllowedDirs::new(settings.files.allowed_dirs.as_deref(), &dir);
        let connectors: Arc<dyn Connectors> = Arc::new(
            crate::confined_connectors::ConfinedConnectors::new(plugins.clone(), allowed),
        );
        Ok(Self {
            options,
            settings,
            clock,
            pinned_clock,
            recording,
            connectors,
            manifests: Arc::new(OnceLock::new()),
            plugins,
        })
    }

    /// `[files] allowed_dirs` (by default the store's `files/` folder).
    pub fn allowed_dirs(&self) -> crate::allowed_dirs::AllowedDirs {
        crate::allowed_dirs::AllowedDirs::new(
            self.settings.files.allowed_dirs.as_deref(),
            &self.store_dir(),
        )
    }

    /// The connectors, with file paths confined (no store behind them yet).
    pub fn connectors(&self) -> &Arc<dyn Connectors> {
        &self.connectors
    }

    /// The connectors' manifests (loading the plugins the first time).
    pub fn manifests(&self) -> Arc<[Manifest]> {
        self.manifests
            .get_or_init(|| self.connectors.manifests().into())
            .clone()
    }

    /// The plugin host (loading the plugins if no connector was needed yet).
    pub fn host(&self) -> &Arc<garita_host::PluginHost> {
        self.plugins.host()
    }

    /// The store directory: the option, else `[store] path`, else
    /// `./.garita`. On PostgreSQL, the local folder beside the database
    /// (files, plugin manifests, the daemon's control socket).
    pub fn store_dir(&self) -> PathBuf {
        store_dir(self.options.store.as_deref(), &self.settings)
    }

    /// Where the store is: a directory or a PostgreSQL database.
    pub fn store_location(&self) -> StoreLocation {
        StoreLocation::of(self.options.store.as_deref(), &self.settings)
    }

    /// Opens the configured store as the backend the operations use. A
    /// sled store another process holds is refused with that process named
    /// (pid, command line); a PostgreSQL database is connected to (several
    /// processes may share it) and its schema brought up to date.
    pub fn open_backend(&self) -> Result<Backend, AppError> {
        self.open_backend_at(&self.store_location())
    }

    /// [`App::open_backend`] for the store at `location`.
    pub fn open_backend_at(&self, location: &StoreLocation) -> Result<Backend, AppError> {
        // Checked before anything opens, so a bad value stops every command
        // rather than an engine falling back to the default.
        self.lease_ttl()?;
        match location {
            StoreLocation::Dir(dir) => Ok(Backend::sled(&self.open_sled(dir)?)),
            StoreLocation::Postgres(url) => {
                Ok(Backend::postgres(&Arc::new(self.connect_postgres(url)?)))
            }
        }
    }

    /// Connects to the PostgreSQL store at `url` on the runtime the caller
    /// runs on (the connection pool lives there).
    fn connect_postgres(&self, url: &str) -> Result<PostgresStore, AppError> {
        let options = PostgresOptions {
            // A command waits this long for an unreachable server.
            acquire_timeout: std::time::Duration::from_secs(15),
            clock: self.recording.clone(),
            ..PostgresOptions::default()
        };
        let runtime = tokio::runtime::Handle::try_current()
            .ok()
            .filter(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread)
            .ok_or_else(|| {
                AppError::Refused(
                    "a PostgreSQL store is opened on a multi-threaded tokio runtime (a bug in this front end)".into(),
                )
            })?;
        let connected = tokio::task::block_in_place(|| {
            runtime.block_on(PostgresStore::connect_with(url, options))
        });
        connected.map_err(|e| match e {
            garita_engine::StoreError::Io { path, detail } => AppError::Store(
                garita_engine::StoreError::Io {
                    path,
                    detail: format!(
                        "{detail}. Check the URL given to --store or in [store] url, that the server is running and accepts connections from this machine (pg_hba.conf), and that the database exists"
                    ),
                },
            ),
            other => other.into(),
        })
    }

    /// `[store] lease_ttl`: how long a run's lease lasts without a
    /// heartbeat. At least a second (heartbeats come every third of it),
    /// at most an hour (a dead daemon's runs wait that long).
    pub fn lease_ttl(&self) -> Result<std::time::Duration, AppError> {
        let text = self.settings.store.lease_ttl.trim();
        let ttl = humantime::parse_duration(text).map_err(|e| {
            AppError::Config(format!(
                "store.lease_ttl must be a duration such as `30s`, not `{text}` (check garita.toml): {e}"
            ))
        })?;
        let range = std::time::Duration::from_secs(1)..=std::time::Duration::from_secs(3600);
        if !range.contains(&ttl) {
            return Err(AppError::Config(format!(
                "store.lease_ttl is {text}; it must be between 1s and 1h (30s is the default)"
            )));
        }
        Ok(ttl)
    }

    /// Opens the sled store in `dir`.
    fn open_sled(&self, dir: &Path) -> Result<Arc<SledStore>, AppError> {
        let durability = match self.settings.store.durability.as_str() {
            "power_loss" => Durability::PowerLoss,
            "process_crash" => Durability::ProcessCrash,
            other => {
                return Err(AppError::Config(format!(
                    "store.durability must be `power_loss` or `process_crash`, not `{other}` (check garita.toml)"
                )))
            }
        };
        let options = StoreOptions {
            cache_capacity: self.settings.store.cache_mb.clamp(1, 64 * 1024) * 1024 * 1024,
            durability,
        };
        let opened = SledStore::open_with_clock(dir, options, self.recording.clone());
        Ok(Arc::new(opened.map_err(|e| match e {
            garita_engine::StoreError::Locked { path, holder } => {
                garita_engine::StoreError::Locked {
                    path,
                    holder: crate::store_holder::describe(dir).unwrap_or(holder),
                }
            }
            other => other,
        })?))
    }

    /// Parses workflows with the connectors' manifests, gathered when the
    /// first workflow is parsed (an engine that parses none loads no plugin).
    pub fn loader(&self) -> WorkflowLoader {
        let manifests = self.manifests.clone();
        let connectors = self.connectors.clone();
        Arc::new(move |path, source| {
            let manifests = manifests.get_or_init(|| connectors.manifests().into());
            garita_engine::parse::parse_workflow(path, source, manifests)
        })
    }

    /// An engine over `backend`, sending email through its outbox and
    /// reading accounts from it, at this app's clock, driving runs under the
    /// backend's leases (so daemons sharing a store take turns per run).
    pub fn engine(&self, backend: &Backend) -> Arc<Engine> {
        let settings = EngineSettings {
            connector_config: self.connector_config(),
            calendars: self.settings.calendar.calendars(),
        };
        Arc::new(
            Engine::new(
                backend.runs.clone(),
                Arc::new(self.outbox_connectors(backend)),
                self.clock.clone(),
                self.loader(),
                settings,
            )
            .with_leases(
                backend.leases.clone(),
                garita_engine::lease::process_owner(),
                // open_backend_at refused a bad value before this backend existed.
                self.lease_ttl()
                    .unwrap_or(garita_engine::lease::DEFAULT_LEASE_TTL),
            ),
        )
    }

    /// The connectors with accounts read from `backend` and `email.send`
    /// recorded in its outbox.
    pub fn outbox_connectors(&self, backend: &Backend) -> OutboxConnectors {
        let lookup = crate::account_lookup::AccountLookup::new(
            self.connectors.clone(),
            backend.accounts.clone(),
        );
        let compliance = crate::compliance_connectors::ComplianceConnectors::new(
            Arc::new(lookup),
            backend.audit.clone(),
        );
        let markers = crate::link_markers::LinkMarkers::new(
            self.link_issuer(backend),
            backend.accounts.clone(),
        );
        OutboxConnectors::new(
            Arc::new(compliance),
            backend.outbox.clone(),
            self.clock.clone(),
        )
        .with_links(markers)
    }

    /// What makes holders' links on `backend`, with `[web] public_url`
    /// (none when the console is not configured, or configured wrongly:
    /// the daemon refuses to start with that).
    pub fn link_issuer(&self, backend: &Backend) -> crate::link_issuer::LinkIssuer {
        let public_url = self
            .settings
            .web
            .resolve()
            .ok()
            .flatten()
            .and_then(|web| web.public_url);
        crate::link_issuer::LinkIssuer::new(backend.links.clone(), self.clock.clone(), public_url)
    }

    /// Each connector's configuration section; the email connector's outbox
    /// lives in the store directory unless configured elsewhere.
    pub fn connector_config(&self) -> std::collections::BTreeMap<String, serde_json::Value> {
        let mut config = self.settings.connectors.clone();
        let email = config
            .entry("email".into())
            .or_insert_with(|| serde_json::json!({}));
        if let Some(map) = email.as_object_mut() {
            map.entry("outbox_dir").or_insert_with(|| {
                serde_json::json!(self.store_dir().join("outbox").display().to_string())
            });
            // With no configuration at all, mail still has a sender and lands in the outbox.
            map.entry("from")
                .or_insert_with(|| serde_json::json!("Garita <garita@localhost>"));
        }
        config
    }

    /// Parses and validates a workflow's `source`, shown as `shown` in
    /// its problems.
    pub fn parse_workflow(&self, shown: &str, source: &str) -> Result<Workflow, AppError> {
        garita_engine::parse::parse_workflow(shown, source, &self.manifests()).map_err(|d| {
            AppError::Refused(format!(
                "{d}\n{} problem(s) in {shown}; fix them and run again",
                d.0.len()
            ))
        })
    }
}

/// The clock's pinned instant, from `--now` / `GARITA_NOW`.
pub fn parse_now(text: &str) -> Result<DateTime<Utc>, AppError> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|e| {
            AppError::Usage(format!(
                "--now / GARITA_NOW must be an RFC 3339 instant such as 2026-01-05T08:00:00-05:00, got `{text}`: {e}"
            ))
        })
}

/// The store directory: `given`, else `[store] path`, else `./.garita`.
/// When the store is a PostgreSQL database (`given` or `[store] url`), the
/// local folder beside it: `[store] path`, else `./.garita`.
pub fn store_dir(given: Option<&Path>, settings: &Settings) -> PathBuf {
    match StoreLocation::of(given, settings) {
        StoreLocation::Dir(dir) => dir,
        StoreLocation::Postgres(_) => settings
            .store
            .path
            .clone()
            .unwrap_or_else(|| PathBuf::from(".garita")),
    }
}

/// Writes an output file (an export): refused when it lies inside the
/// store directory `store_dir` (it could replace a file the store uses),
/// else written whole or not at all, 0600, never through a planted symlink
/// (`garita_store::private_file`).
pub fn write_file_whole(store_dir: &Path, path: &Path, contents: &[u8]) -> Result<(), AppError> {
    garita_store::private_file::refuse_inside_store(store_dir, path)
        .map_err(|e| AppError::Refused(e.to_string()))?;
    garita_store::private_file::write_private_file(path, contents)
        .map_err(|e| AppError::Refused(format!("cannot write {}: {e}", path.display())))
}

/// Reads a workflow file with a size limit and a clear message for non-UTF-8 content.
pub fn read_workflow_source(path: &Path) -> Result<String, AppError> {
    let cannot_read =
        |e: std::io::Error| AppError::Refused(format!("cannot read {}: {e}", path.display()));
    let meta = std::fs::metadata(path).map_err(cannot_read)?;
    if meta.len() > MAX_WORKFLOW_BYTES {
        return Err(AppError::Refused(format!(
            "{} is {} bytes; workflow files are limited to {} bytes (split it into several workflows)",
            path.display(),
            meta.len(),
            MAX_WORKFLOW_BYTES
        )));
    }
    let bytes = std::fs::read(path).map_err(cannot_read)?;
    String::from_utf8(bytes).map_err(|e| {
        AppError::Refused(format!(
            "{}: not valid UTF-8 at byte {}; save the file as UTF-8",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}
