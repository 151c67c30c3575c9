//! The CTPAT deactivation rule of the configuration in force: the
//! `[connectors.ctpat]` section read the way the connector reads it
//! (`garita_inventory::CtpatRule` holds the rule itself).

pub use garita_inventory::CtpatRule;

use crate::app::App;

/// Reads `[connectors.ctpat]` of the configuration (absent: the defaults).
pub fn from_app(app: &App) -> anyhow::Result<CtpatRule> {
    let section = app
        .settings
        .connectors
        .get(ctpat::CONNECTOR_NAME)
        .cloned()
        .unwrap_or(serde_json::Value::Null);
    Ok(CtpatRule::from_section(section)?)
}
