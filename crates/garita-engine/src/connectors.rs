//! How the engine reaches connectors, as a trait. The engine never names a
//! concrete connector; `garita-host` implements this over built-in and
//! dynamically loaded ones.

use async_trait::async_trait;
use garita_sdk::{ActionError, InvokeContext, Manifest};

/// The set of connectors a run can call.
#[async_trait]
pub trait Connectors: Send + Sync {
    /// The manifests of every available connector (for validation and `plugins list`).
    fn manifests(&self) -> Vec<Manifest>;

    /// Calls `connector.action`. Implementations must not block the async
    /// executor (run plugin code on a blocking thread) and must turn a panic
    /// inside the connector into an [`ActionError`].
    async fn invoke(
        &self,
        connector: &str,
        action: &str,
        ctx: InvokeContext,
        input: serde_json::Value,
    ) -> Result<serde_json::Value, ActionError>;
}
