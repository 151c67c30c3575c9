//! Garita's application layer: everything a front end (the `garita`
//! command, the daemon's control API, the console) needs to do what users
//! do, as typed operations over plain data.
//!
//! It owns the wiring: the configuration ([`config`]), the clocks, the
//! connectors and their decorators (files confined to the allowed
//! directories, accounts read from the store, email through the durable
//! outbox, compliance records in the audit log), the store backend ([`backend`]) and the engine over it
//! ([`wiring::App`]); the portal rules' reconcile ([`reconcile`]); who a
//! change is recorded as ([`identity`]).
//!
//! It must never name a front end's format: no clap, no HTTP, no HTML, no
//! terminal. Requests and answers are serde types; errors are [`AppError`]
//! with an [`ErrorClass`] each front end maps to its own codes.

pub mod account_lookup;
pub mod allowed_dirs;
pub mod audit_records;
pub mod backend;
pub mod calendar_settings;
pub mod compliance_connectors;
pub mod config;
pub mod confined_connectors;
pub mod ctpat_rule;
pub mod daemon_settings;
pub mod error;
pub mod identity;
pub mod link_issuer;
pub mod link_markers;
pub mod mail_transport;
pub mod memory;
pub mod ops;
pub mod outbox_connectors;
pub mod plugins_on_use;
pub mod reconcile;
pub mod retention;
pub mod schedule_control;
pub mod store_holder;
pub mod store_location;
pub mod web_settings;
pub mod wiring;
pub mod workflow_dir;

pub use backend::Backend;
pub use error::{AppError, ErrorClass};
pub use ops::{Operations, Session};
pub use wiring::{App, AppOptions};
