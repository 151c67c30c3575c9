//! Running what a plugin library does in a child process, so that nothing
//! it does (an `exit()` in an initialiser, a crash, a hang, memory without
//! end) reaches the process that asked.
//!
//! - [`run_child`]: one supervised child with a time limit (`plugins check`
//!   loads a library in `garita plugins probe-child LIB`).
//! - [`PluginWorker`]: a plugin library's calls served by long-lived
//!   children (`garita plugins worker LIB`, see [`serve_worker`]), the
//!   default for every library that is not built in.
//!
//! The child is always the `garita` binary in a hidden mode, which the CLI
//! dispatches before it reads any configuration.

mod child_probe;
mod pipe_wait;
mod plugin_worker;
mod worker_frame;
mod worker_replies;
mod worker_serve;

pub use child_probe::{run_child, ChildEnd, ChildOutput};
pub use plugin_worker::{PluginWorker, WorkerLaunch, MANIFEST_LIMIT};
pub use worker_serve::{serve_worker, WorkerArgs, WORKER_ARGS};
