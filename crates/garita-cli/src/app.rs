//! What every command needs, built lazily from the global options and the
//! configuration: the clock, the store, the connectors and the engine.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::{Mutex, Weak};

use anyhow::Context;
use chrono::{DateTime, Utc};
use garita_engine::executor::{Engine, EngineSettings, WorkflowLoader};
use garita_engine::{Clock, Connectors, ManualClock, Store, SystemClock, Workflow};
use garita_sdk::Manifest;
use garita_store::{Durability, SledStore, StoreOptions};

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
    connectors: Arc<dyn Connectors>,
    pub host: Arc<garita_host::PluginHost>,
    /// The store `open_store` opened, if it is still in use: an engine on it
    /// sends email through its durable outbox. Weak, so that dropping the
    /// store releases its lock as before.
    opened: Mutex<Option<Weak<SledStore>>>,
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
        let host = crate::connectors::build(&settings)?;
        let connectors = crate::connectors::as_connectors(&host);
        Ok(Self {
            global,
            settings,
            clock,
            pinned_clock,
            connectors,
            host,
            opened: Mutex::new(None),
        })
    }

    pub fn connectors(&self) -> &Arc<dyn Connectors> {
        &self.connectors
    }

    pub fn manifests(&self) -> Vec<Manifest> {
        self.connectors.manifests()
    }

    pub fn store_dir(&self) -> PathBuf {
        self.global
            .store
            .clone()
            .or_else(|| self.settings.store.path.clone())
            .unwrap_or_else(|| PathBuf::from(".garita"))
    }

    pub fn open_store(&self) -> anyhow::Result<Arc<SledStore>> {
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
        let store = Arc::new(SledStore::open(&dir, options)?);
        *self.opened.lock().unwrap_or_else(|p| p.into_inner()) = Some(Arc::downgrade(&store));
        Ok(store)
    }

    pub fn loader(&self) -> WorkflowLoader {
        let manifests = self.manifests();
        Arc::new(move |path, source| garita_engine::parse::parse_workflow(path, source, &manifests))
    }

    pub fn engine(&self, store: Arc<dyn Store>) -> Engine {
        let settings = EngineSettings {
            connector_config: self.connector_config(),
        };
        let connectors = self.engine_connectors(&store);
        Engine::new(
            store,
            connectors,
            self.clock.clone(),
            self.loader(),
            settings,
        )
    }

    /// What an engine on `store` calls: when `store` is the sled store this
    /// app opened, `email.send` goes through the store's durable outbox.
    fn engine_connectors(&self, store: &Arc<dyn Store>) -> Arc<dyn Connectors> {
        let opened = self
            .opened
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .and_then(Weak::upgrade);
        match opened {
            Some(sled) if Arc::as_ptr(store).cast::<()>() == Arc::as_ptr(&sled).cast::<()>() => {
                Arc::new(self.outbox_connectors(sled))
            }
            _ => self.connectors.clone(),
        }
    }

    /// The connectors with `email.send` recorded in `store`'s outbox.
    pub fn outbox_connectors(&self, store: Arc<SledStore>) -> OutboxConnectors {
        let lookup =
            crate::account_lookup::AccountLookup::new(self.connectors.clone(), store.clone());
        OutboxConnectors::new(Arc::new(lookup), store, self.clock.clone())
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
        let source = read_workflow_source(path)?;
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
