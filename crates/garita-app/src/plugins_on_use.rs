//! The connectors this binary offers: the built-in ones, linked in, and the
//! plugin libraries found in `plugins.dirs`, loaded when a command first
//! needs a connector ([`PluginsOnUse`]): read-only commands (`runs`,
//! `tasks list`, `audit`, `backup`, `outbox list`, …) never start a plugin,
//! so a broken one cannot stop them.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use garita_engine::Connectors;
use garita_host::{HostConfig, PluginHost};
use garita_sdk::{ActionError, InvokeContext, Manifest};

/// Builds the plugin host: built-ins first, then libraries (a refused library
/// is a warning, so one bad file never stops the other connectors). Each
/// library runs in worker processes of this binary unless pinned in process.
pub fn build(config: &HostConfig, store_dir: &Path) -> Arc<PluginHost> {
    let mut host = PluginHost::new(config.clone());
    let builtins: Vec<Arc<dyn garita_sdk::Connector>> = vec![
        Arc::new(garita_core::Core),
        Arc::new(ecuapass::EcuapassConnector),
        Arc::new(anam::AnamConnector),
        Arc::new(ctpat::CtpatConnector),
        Arc::new(email::EmailConnector),
    ];
    for connector in builtins {
        if let Err(problem) = host.register_builtin(connector) {
            // Only a build of garita with two connectors of one name gets here.
            tracing::error!("{problem}");
            eprintln!("error: {problem}");
        }
    }
    // Libraries run in worker processes of this same binary; without it
    // (an unusual install) they could only run in process, so say so.
    match std::env::current_exe() {
        Ok(program) => {
            host.run_libraries_in_workers(program);
            // A library seen before starts only when one of its actions is
            // called: a command that needs one plugin starts only that one.
            host.remember_manifests_in(store_dir.join(MANIFESTS_DIR));
        }
        Err(e) => {
            tracing::warn!("cannot find the garita binary to start plugin workers ({e}); plugin libraries run inside this process")
        }
    }
    let report = host.load_plugins();
    for problem in &report.refused {
        tracing::warn!("{problem}");
        eprintln!("warning: {problem}");
    }
    Arc::new(host)
}

/// Where, in the store directory, the manifests of plugin libraries are
/// remembered by SHA-256.
pub const MANIFESTS_DIR: &str = "plugin-manifests";

/// The plugin host, built the first time anything asks for a connector.
pub struct PluginsOnUse {
    config: HostConfig,
    store_dir: PathBuf,
    host: OnceLock<Arc<PluginHost>>,
    connectors: OnceLock<Arc<dyn Connectors>>,
}

impl PluginsOnUse {
    pub fn new(config: HostConfig, store_dir: PathBuf) -> Self {
        Self {
            config,
            store_dir,
            host: OnceLock::new(),
            connectors: OnceLock::new(),
        }
    }

    /// The host, with every plugin library loaded.
    pub fn host(&self) -> &Arc<PluginHost> {
        self.host
            .get_or_init(|| build(&self.config, &self.store_dir))
    }

    fn connectors(&self) -> &Arc<dyn Connectors> {
        self.connectors.get_or_init(|| as_connectors(self.host()))
    }
}

#[async_trait]
impl Connectors for PluginsOnUse {
    fn manifests(&self) -> Vec<Manifest> {
        self.connectors().manifests()
    }

    async fn invoke(
        &self,
        connector: &str,
        action: &str,
        ctx: InvokeContext,
        input: serde_json::Value,
    ) -> Result<serde_json::Value, ActionError> {
        self.connectors()
            .invoke(connector, action, ctx, input)
            .await
    }
}

/// The host as the engine sees it where no store is open: with the
/// inventory actions and lookups declared (so workflows using them validate
/// and `plugins list` shows them); an engine on a store gets them live from
/// `App::outbox_connectors`.
pub fn as_connectors(host: &Arc<PluginHost>) -> Arc<dyn Connectors> {
    let host: Arc<dyn Connectors> = host.clone();
    let lookup: Arc<dyn Connectors> =
        Arc::new(crate::account_lookup::AccountLookup::declared_only(host));
    Arc::new(crate::compliance_connectors::ComplianceConnectors::declared_only(lookup))
}
