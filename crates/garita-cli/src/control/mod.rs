//! The daemon's local control API: while `garita daemon` holds the store,
//! every other `garita` command that reads or changes state goes through it.
//!
//! - [`server`] serves HTTP/JSON (axum) on `control.sock` in the store
//!   directory (owner-only) and, when configured, on a loopback TCP address
//!   behind a bearer token ([`auth`]).
//! - [`routes`] is the route table: the typed REST endpoints, each served
//!   by an operation of the application layer on the daemon's own store and
//!   engine ([`state`]), and the OpenAPI description ([`openapi`])
//!   generated from it.
//! - [`client`] decides, in every `garita` process, whether a daemon holds
//!   the store; [`daemon_operations`] then implements the operations by
//!   calling the typed endpoints, so a command renders the same answer
//!   whether it ran here or in the daemon.
//! - [`holder`] names the process that holds a store (pid and command line).
//!
//! docs/api.md documents the API.

pub mod auth;
pub mod client;
pub mod connections;
pub mod daemon_operations;
pub use garita_app::store_holder as holder;
pub mod http1;
pub mod openapi;
pub mod percent;
pub mod protocol;
pub mod routes;
pub mod server;
pub mod state;

/// The control socket's file name, inside the store directory.
pub use garita_app::store_holder::SOCKET_NAME;

/// What `/v1/health` says a Garita daemon is (`service`).
pub const SERVICE_NAME: &str = "garita-daemon";
