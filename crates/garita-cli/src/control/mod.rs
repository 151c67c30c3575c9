//! The daemon's local control API: while `garita daemon` holds the store,
//! every other `garita` command that reads or changes state goes through it.
//!
//! - [`server`] serves HTTP/JSON (axum) on `control.sock` in the store
//!   directory (owner-only) and, when configured, on a loopback TCP address
//!   behind a bearer token ([`auth`]).
//! - [`routes`] is the route table: the typed REST endpoints, each turned
//!   into the command line it stands for, and the OpenAPI description
//!   ([`openapi`]) generated from it.
//! - [`execute`] runs a command inside the daemon on the daemon's own store
//!   and engine, with its output captured, so a client sees exactly what the
//!   command prints when it runs locally.
//! - [`client`] decides, in every `garita` process, whether a daemon holds
//!   the store and, if so, forwards the command and replays the answer.
//! - [`holder`] names the process that holds a store (pid and command line).
//!
//! docs/api.md documents the API.

pub mod auth;
pub mod client;
pub mod connections;
pub mod daemon_operations;
pub mod execute;
pub use garita_app::store_holder as holder;
pub mod http1;
pub mod openapi;
pub mod percent;
pub mod protocol;
pub mod routes;
pub mod server;

use crate::cli::Command;

/// The control socket's file name, inside the store directory.
pub use garita_app::store_holder::SOCKET_NAME;

/// What `/v1/health` says a Garita daemon is (`service`).
pub const SERVICE_NAME: &str = "garita-daemon";

/// True for the commands that read or change the store: they go through the
/// daemon when one holds the store. The others (validate, call, plugins,
/// schema, simulate, daemon, backup verify, restore) never do; `backup FILE`
/// does, so a running daemon's store can be backed up.
pub fn is_routable(command: &Command) -> bool {
    matches!(
        command,
        Command::Run { .. }
            | Command::Runs { .. }
            | Command::Resume { .. }
            | Command::Cancel { .. }
            | Command::Signal { .. }
            | Command::Tasks { .. }
            | Command::Outbox { .. }
            | Command::Accounts { .. }
            | Command::Schedules { .. }
            | Command::Audit { .. }
            | Command::Backup {
                command: None,
                file: Some(_)
            }
    )
}
