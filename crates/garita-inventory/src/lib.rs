//! The account inventory's CSV, as pure functions: the columns a file may
//! have ([`columns`]), the checks of each cell ([`validate`]), a CSV text to
//! its header and records ([`csv_file`]), and one row's cells to the
//! [`Account`](garita_engine::account::Account) to store ([`row`]).
//!
//! It reads no file and opens no store: `garita accounts import|add|touch`
//! do the I/O and call this crate, and so can a fuzzer. Identifiers go
//! through the connectors' own validators (`ecuapass`, `anam`) and the CTPAT
//! deactivation rule through the `ctpat` connector, so the inventory accepts
//! exactly what the connectors accept; that is why this is not part of the
//! engine, which never names a concrete connector.
//!
//! [`rules`] holds the portal rules the engine's reconciler evaluates (CTPAT
//! inactivity and same-day sign-in after a reactivation, Ecuapass's January
//! update), for the same reason: they are the connectors' rules; and the
//! holder's own deadlines that follow the same pattern (a signing
//! certificate's expiry, the periodic password change).

pub mod columns;
pub mod csv_cells;
pub mod csv_file;
pub mod ctpat_rule;
pub mod findings;
pub mod holder_prefs;
pub mod leading_zeros;
pub mod row;
pub mod rules;
pub mod validate;

pub use ctpat_rule::CtpatRule;

/// What can go wrong outside a single row.
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    /// The `[connectors.ctpat]` configuration section has a wrong value.
    #[error("[connectors.ctpat] in the configuration has a wrong value: {0}")]
    CtpatSection(String),
    /// The `[rules.password_change]` configuration section has a wrong value.
    #[error("[rules.password_change] in the configuration has a wrong value: {0}")]
    PasswordChangeSection(String),
}
