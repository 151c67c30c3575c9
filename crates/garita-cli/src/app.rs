//! What every command needs, built lazily from the global options and the
//! configuration: the clock, the store, the connectors and the engine.
//!
//! When the daemon runs a command for a client of its control API, the app
//! is a [`App::for_client`] fork: the store and the engine are the daemon's
//! own (so a run is never driven by two engines at once), and the files the
//! client named on its command line come from the request, not the daemon's
//! disk.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::{Mutex, OnceLock};

use anyhow::Context;
use chrono::{DateTime, Utc};
use garita_engine::executor::{Engine, EngineSettings, WorkflowLoader};
use garita_engine::{Clock, Connectors, ManualClock, RecordingClock, SystemClock, Workflow};
use garita_sdk::Manifest;
use garita_store::{Durability, SledStore, StoreOptions};

use crate::backend::Backend;
use crate::cli::GlobalArgs;
use crate::config::Settings;
use crate::outbox_connectors::OutboxConnectors;
use crate::usage::UsageError;

/// Largest workflow file accepted (1 MiB): real ones are a few KiB.
const MAX_WORKFLOW_BYTES: u64 = 1 << 20;

pub struct App {
    pub global: GlobalArgs,
    pub settings: Settings,
    pub clock: Arc<dyn Clock>,
    /// True when `--now`/`GARITA_NOW` pinned the clock.
    pub pinned_clock: bool,
    /// Dates the evidence the store writes (audit and history entries):
    /// the system clock, with `clock` beside it when it is pinned. Never
    /// `clock` alone, so that `--now` cannot backdate evidence.
    pub recording: RecordingClock,
    connectors: Arc<dyn Connectors>,
    /// `connectors`' manifests, gathered once (when first needed: that loads
    /// the plugins): every layer of connectors copies them, and a command
    /// asks for them several times.
    manifests: Arc<OnceLock<Arc<[Manifest]>>>,
    /// The plugin host, loaded on first use.
    plugins: Arc<crate::connectors::PluginsOnUse>,
    /// In the daemon: its open store and engine, lent to a client's command.
    lent: Option<Lent>,
    /// In the daemon: the files a client's command names, as the client sent them.
    client_files: Option<ClientFiles>,
}

/// The daemon's store and engine, used by the commands it runs for clients.
#[derive(Clone)]
pub struct Lent {
    /// The store the daemon holds.
    pub store: Arc<SledStore>,
    /// The engine the daemon drives runs with (its run pool shares it).
    pub engine: Arc<Engine>,
    /// The daemon's scheduler, for pausing and unpausing schedules.
    pub schedules: crate::commands::daemon::ScheduleControl,
}

/// Files named on a client's command line: read by the client and sent in
/// the request; files the command writes are kept here for the client to write.
#[derive(Debug, Default)]
pub struct ClientFiles {
    /// Contents of the files the client read, by the path as the client gave it.
    pub read: BTreeMap<PathBuf, String>,
    /// Files the command wrote, in order, for the client to write.
    pub written: Mutex<Vec<(PathBuf, String)>>,
}

impl App {
    pub fn new(global: GlobalArgs) -> anyhow::Result<Self> {
        let settings = crate::config::load(global.config.as_deref())?;
        let (clock, pinned_clock): (Arc<dyn Clock>, bool) = match &global.now {
            Some(text) => {
                let at = DateTime::parse_from_rfc3339(text).map_err(|e| {
                    UsageError(format!(
                        "--now / GARITA_NOW must be an RFC 3339 instant such as 2026-01-05T08:00:00-05:00, got `{text}`: {e}"
                    ))
                })?;
                (Arc::new(ManualClock::new(at.with_timezone(&Utc))), true)
            }
            None => (Arc::new(SystemClock), false),
        };
        let recording =
            RecordingClock::new(Arc::new(SystemClock), pinned_clock.then(|| clock.clone()));
        let plugins = Arc::new(crate::connectors::PluginsOnUse::new(
            settings.plugins.clone(),
            store_dir(&global, &settings),
        ));
        // Every call, whatever starts it, has its file paths confined.
        let allowed = crate::allowed_dirs::AllowedDirs::new(
            settings.files.allowed_dirs.as_deref(),
            &store_dir(&global, &settings),
        );
        let connectors: Arc<dyn Connectors> = Arc::new(
            crate::confined_connectors::ConfinedConnectors::new(plugins.clone(), allowed),
        );
        Ok(Self {
            global,
            settings,
            clock,
            pinned_clock,
            recording,
            connectors,
            manifests: Arc::new(OnceLock::new()),
            plugins,
            lent: None,
            client_files: None,
        })
    }

    /// This app for one command the daemon runs for a client: the client's
    /// global options, the daemon's store and engine, the client's files.
    pub fn for_client(&self, global: GlobalArgs, lent: Lent, files: ClientFiles) -> Self {
        Self {
            global,
            settings: self.settings.clone(),
            clock: lent.engine.clock().clone(),
            pinned_clock: self.pinned_clock,
            // The store is the daemon's, dated by the daemon's clocks.
            recording: self.recording.clone(),
            connectors: self.connectors.clone(),
            manifests: self.manifests.clone(),
            plugins: self.plugins.clone(),
            lent: Some(lent),
            client_files: Some(files),
        }
    }

    /// In the daemon: its scheduler, which pauses and unpauses schedules
    /// (writing the store behind its back would be overwritten).
    pub fn daemon_schedules(&self) -> Option<&crate::commands::daemon::ScheduleControl> {
        self.lent.as_ref().map(|lent| &lent.schedules)
    }

    /// The files the command wrote for its client (empty outside the daemon).
    pub fn take_written_files(&self) -> Vec<(PathBuf, String)> {
        self.client_files.as_ref().map_or_else(Vec::new, |files| {
            std::mem::take(&mut *files.written.lock().unwrap_or_else(|p| p.into_inner()))
        })
    }

    /// Reads a text file named on the command line with `read`; for a
    /// client's command, the contents the client sent instead.
    pub fn read_named_file(
        &self,
        path: &Path,
        read: impl FnOnce(&Path) -> anyhow::Result<String>,
    ) -> anyhow::Result<String> {
        match &self.client_files {
            None => read(path),
            Some(files) => files.read.get(path).cloned().ok_or_else(|| {
                anyhow::anyhow!(
                    "{} was not sent with the request; the client reads the files it names and sends them (this is a bug in the client)",
                    path.display()
                )
            }),
        }
    }

    /// Writes a file named on the command line, whole or not at all (written
    /// aside, then renamed); for a client's command, kept for the client.
    pub fn write_named_file(&self, path: &Path, contents: String) -> anyhow::Result<()> {
        match &self.client_files {
            None => write_file_whole(&self.store_dir(), path, contents.as_bytes()),
            Some(files) => {
                files
                    .written
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push((path.to_path_buf(), contents));
                Ok(())
            }
        }
    }

    /// `[files] allowed_dirs` (by default the store's `files/` folder).
    pub fn allowed_dirs(&self) -> crate::allowed_dirs::AllowedDirs {
        crate::allowed_dirs::AllowedDirs::new(
            self.settings.files.allowed_dirs.as_deref(),
            &self.store_dir(),
        )
    }

    pub fn connectors(&self) -> &Arc<dyn Connectors> {
        &self.connectors
    }

    pub fn manifests(&self) -> Arc<[Manifest]> {
        self.manifests
            .get_or_init(|| self.connectors.manifests().into())
            .clone()
    }

    /// The plugin host (loading the plugins if no connector was needed yet).
    pub fn host(&self) -> &Arc<garita_host::PluginHost> {
        self.plugins.host()
    }

    pub fn store_dir(&self) -> PathBuf {
        store_dir(&self.global, &self.settings)
    }

    /// Opens the store; in the daemon, the one it holds. A store another
    /// process holds is refused with that process named (pid, command line).
    pub fn open_store(&self) -> anyhow::Result<Arc<SledStore>> {
        if let Some(lent) = &self.lent {
            return Ok(lent.store.clone());
        }
        let durability = match self.settings.store.durability.as_str() {
            "power_loss" => Durability::PowerLoss,
            "process_crash" => Durability::ProcessCrash,
            other => anyhow::bail!(
                "store.durability must be `power_loss` or `process_crash`, not `{other}` (check garita.toml)"
            ),
        };
        let options = StoreOptions {
            cache_capacity: self.settings.store.cache_mb.clamp(1, 64 * 1024) * 1024 * 1024,
            durability,
        };
        let dir = self.store_dir();
        let opened = SledStore::open_with_clock(&dir, options, self.recording.clone());
        let store = Arc::new(opened.map_err(|e| match e {
            garita_engine::StoreError::Locked { path, holder } => {
                garita_engine::StoreError::Locked {
                    path,
                    holder: crate::control::holder::describe(&dir).unwrap_or(holder),
                }
            }
            other => other,
        })?);
        Ok(store)
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

    /// An engine over `backend`, sending email through its outbox; in the
    /// daemon, the daemon's own engine (its commands all work on the store
    /// it holds, and one engine per store drives each run once at a time).
    pub fn engine(&self, backend: &Backend) -> Arc<Engine> {
        if let Some(lent) = &self.lent {
            return lent.engine.clone();
        }
        let settings = EngineSettings {
            connector_config: self.connector_config(),
        };
        Arc::new(Engine::new(
            backend.runs.clone(),
            Arc::new(self.outbox_connectors(backend)),
            self.clock.clone(),
            self.loader(),
            settings,
        ))
    }

    /// The connectors with accounts read from `backend` and `email.send`
    /// recorded in its outbox.
    pub fn outbox_connectors(&self, backend: &Backend) -> OutboxConnectors {
        let lookup = crate::account_lookup::AccountLookup::new(
            self.connectors.clone(),
            backend.accounts.clone(),
        );
        OutboxConnectors::new(Arc::new(lookup), backend.outbox.clone(), self.clock.clone())
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

    /// Reads and validates a workflow file.
    pub fn load_workflow(&self, path: &Path) -> anyhow::Result<(Workflow, String)> {
        let source = self.read_named_file(path, read_workflow_source)?;
        let shown = path.display().to_string();
        let workflow = garita_engine::parse::parse_workflow(&shown, &source, &self.manifests())
            .map_err(|d| {
                anyhow::anyhow!(
                    "{d}\n{} problem(s) in {shown}; fix them and run again",
                    d.0.len()
                )
            })?;
        Ok((workflow, source))
    }
}

/// The store directory: `--store`, else `[store] path`, else `./.garita`.
pub fn store_dir(global: &GlobalArgs, settings: &Settings) -> PathBuf {
    global
        .store
        .clone()
        .or_else(|| settings.store.path.clone())
        .unwrap_or_else(|| PathBuf::from(".garita"))
}

/// Writes an output file named on the command line (an export): refused
/// when it lies inside the store directory `store_dir` (it could replace a
/// file the store uses), else written whole or not at all, 0600, never
/// through a planted symlink (`garita_store::private_file`).
pub fn write_file_whole(store_dir: &Path, path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    garita_store::private_file::refuse_inside_store(store_dir, path)?;
    garita_store::private_file::write_private_file(path, contents)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Reads a workflow file with a size limit and a clear message for non-UTF-8 content.
pub fn read_workflow_source(path: &Path) -> anyhow::Result<String> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.len() > MAX_WORKFLOW_BYTES {
        anyhow::bail!(
            "{} is {} bytes; workflow files are limited to {} bytes (split it into several workflows)",
            path.display(),
            meta.len(),
            MAX_WORKFLOW_BYTES
        );
    }
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{}: not valid UTF-8 at byte {}; save the file as UTF-8",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })
}
