//! The CTPAT deactivation rule of the configuration in force: the
//! `[connectors.ctpat]` section read the way the connector reads it
//! (`garita_inventory::CtpatRule` holds the rule itself).

pub use garita_inventory::CtpatRule;

use crate::error::AppError;
use crate::wiring::App;

/// Reads `[connectors.ctpat]` of the configuration (absent: the defaults).
pub fn from_app(app: &App) -> Result<CtpatRule, AppError> {
    let section = app
        .settings
        .connectors
        .get(ctpat::CONNECTOR_NAME)
        .cloned()
        .unwrap_or(serde_json::Value::Null);
    CtpatRule::from_section(section).map_err(|e| AppError::Config(e.to_string()))
}
