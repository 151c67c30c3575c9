//! The connectors this binary offers: the built-in ones, linked in, and the
//! plugin libraries found in `plugins.dirs`.

use std::sync::Arc;

use garita_engine::Connectors;
use garita_host::PluginHost;

use crate::config::Settings;

/// Builds the plugin host: built-ins first, then libraries (a refused library
/// is a warning, so one bad file never stops the other connectors).
pub fn build(settings: &Settings) -> anyhow::Result<Arc<PluginHost>> {
    let mut host = PluginHost::new(settings.plugins.clone());
    let builtins: Vec<Arc<dyn garita_sdk::Connector>> = vec![
        Arc::new(garita_core::Core),
        Arc::new(ecuapass::EcuapassConnector),
        Arc::new(anam::AnamConnector),
        Arc::new(ctpat::CtpatConnector),
        Arc::new(email::EmailConnector),
    ];
    for connector in builtins {
        host.register_builtin(connector)?;
    }
    let report = host.load_plugins();
    for problem in &report.refused {
        tracing::warn!("{problem}");
        eprintln!("warning: {problem}");
    }
    Ok(Arc::new(host))
}

/// The host as the engine sees it where no store is open: with the
/// inventory actions and lookups declared (so workflows using them validate
/// and `plugins list` shows them); an engine on a store gets them live from
/// `App::outbox_connectors`.
pub fn as_connectors(host: &Arc<PluginHost>) -> Arc<dyn Connectors> {
    let host: Arc<dyn Connectors> = host.clone();
    Arc::new(crate::account_lookup::AccountLookup::declared_only(host))
}
