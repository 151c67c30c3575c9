//! Garita's plugin host: the connectors a run can call.
//!
//! [`PluginHost`] holds built-in connectors (linked into the binary) and
//! plugin libraries found in `plugins.dirs` ([`HostConfig`]), and implements
//! the engine's [`Connectors`](garita_engine::Connectors) trait over both:
//! inputs are checked against the action's input schema before the call,
//! connector code runs on a blocking thread, a panic becomes a permanent
//! error, and outputs are checked against the output schema.
//!
//! A library is loaded only if it and its directory are not writable by group
//! or others, its SHA-256 is allowed (when `plugins.allow_sha256` is set), it
//! speaks this host's ABI version (checked before anything else of it is
//! read), was built with a compatible garita-sdk, and returns a valid
//! manifest. The ABI is described in `docs/plugin-abi.md`.
//!
//! [`check_in_child`] backs `garita plugins check` (the library is loaded
//! only in a child process, see [`isolation`]), [`check_library`] that
//! child; [`conformance`] is the
//! suite every connector's tests run, linked and as a library.
//!
//! Two items are not about plugins: [`release_freed_memory`], the daemon's
//! way of giving the allocator's free pages back after a burst of work, and
//! [`map_large_blocks_apart`], the allocator setting it starts with. They
//! are here because unsafe code lives only in the SDK and the host.

// `malloc_trim` and `mallopt`, behind safe functions.
#[allow(unsafe_code)]
mod allocator;
mod check;
mod config;
pub mod conformance;
mod decode;
mod discovery;
mod error;
mod invoke;
pub mod isolation;
// The only module that crosses the C ABI; every unsafe block says why it holds.
#[allow(unsafe_code)]
mod library;
mod manifest_cache;
mod manifest_rules;
mod registry;
mod schemas;
mod version;

pub use allocator::{map_large_blocks_apart, release_freed_memory};
pub use check::{check_in_child, check_library, PluginReport, PROBE_CHILD_ARGS};
pub use config::HostConfig;
pub use decode::{decode_invoke_reply, decode_manifest, InvokeReply};
pub use discovery::LIBRARY_EXTENSION;
pub use discovery::{check_permissions, sha256_of};
pub use error::HostError;
pub use library::PluginLibrary;
pub use manifest_rules::manifest_problems;
pub use registry::{Isolation, LoadReport, Origin, PluginHost, PluginInfo};
pub use version::sdk_compatible;
