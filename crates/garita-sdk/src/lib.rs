//! The Garita connector SDK: everything a connector author needs, and nothing else.
//!
//! This crate owns the author-facing contract — the [`Connector`] trait, the
//! [`Manifest`] a connector publishes, the [`InvokeContext`] handed to every call,
//! the typed [`ActionError`]s an author returns — and the stable C ABI
//! ([`abi`]) with the [`export_connector!`] macro that generates it.
//!
//! It must never depend on another Garita crate: third-party plugin authors build
//! against it alone, and it follows semver independently of the rest of the
//! workspace. `unsafe` code is allowed here only for the ABI, each block with a
//! `// SAFETY:` comment.

// The C ABI is the one place raw pointers are needed; see the module docs.
#[allow(unsafe_code)]
pub mod abi;
mod context;
mod error;
mod export;
mod manifest;

pub use context::{IdempotencyKey, InvokeContext, InvokeContextBuilder};
pub use error::{ActionError, FieldError};
pub use manifest::{ActionSpec, Manifest};

/// Re-exported so authors and the export macro use the same `serde_json`.
pub use serde_json;

/// Re-exported because [`InvokeContext::now`] is a chrono type: authors use
/// the same chrono as the SDK without naming a version of their own.
pub use chrono;

/// Re-exported for [`InvokeContext::time_zone_of_run`]'s zone type.
pub use chrono_tz;

/// The SDK's own version, checked by the host next to the ABI version.
pub const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");

/// A connector: a named set of actions a workflow step can call as `NAME.ACTION`.
///
/// Implementations are called from a blocking thread pool, possibly from several
/// threads at once, so they must be `Send + Sync`. A call must honour
/// [`InvokeContext::idempotency_key`]: the same key may be delivered again after a
/// crash, and an action with side effects must then not repeat them.
///
/// ```
/// use garita_sdk::{ActionError, ActionSpec, Connector, InvokeContext, Manifest};
/// use garita_sdk::serde_json::{json, Value};
///
/// struct Echo;
///
/// impl Connector for Echo {
///     fn manifest(&self) -> Manifest {
///         Manifest::new("echo", "1.0.0", "Returns its input.").action(
///             ActionSpec::new("say", "Echo the input back.")
///                 .input_schema(json!({"type": "object"}))
///                 .output_schema(json!({"type": "object"})),
///         )
///     }
///
///     fn invoke(&self, _ctx: &InvokeContext, action: &str, input: Value) -> Result<Value, ActionError> {
///         match action {
///             "say" => Ok(input),
///             other => Err(ActionError::unknown_action(other)),
///         }
///     }
/// }
///
/// let out = Echo.invoke(&InvokeContext::for_test(), "say", json!({"a": 1})).unwrap();
/// assert_eq!(out, json!({"a": 1}));
/// ```
pub trait Connector: Send + Sync + 'static {
    /// The connector's self-description. Called once at load time.
    fn manifest(&self) -> Manifest;

    /// Run `action` on `input` (already a JSON value) and return its JSON output.
    fn invoke(
        &self,
        ctx: &InvokeContext,
        action: &str,
        input: serde_json::Value,
    ) -> Result<serde_json::Value, ActionError>;
}
