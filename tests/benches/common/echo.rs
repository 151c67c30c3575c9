//! A connector that answers at once with its input, so a measurement is the
//! executor, the scheduler and the store, not a connector.

use async_trait::async_trait;
use garita_engine::Connectors;
use garita_sdk::{ActionError, ActionSpec, InvokeContext, Manifest};
use serde_json::Value;

/// Offers `core.set`, which returns its input.
pub struct Echo;

/// The manifest [`Echo`] offers: `core` with the one action `set`.
pub fn manifest() -> Manifest {
    Manifest::new("core", "1.0.0", "bench").action(ActionSpec::new("set", "echo"))
}

#[async_trait]
impl Connectors for Echo {
    fn manifests(&self) -> Vec<Manifest> {
        vec![manifest()]
    }
    async fn invoke(
        &self,
        _: &str,
        _: &str,
        _: InvokeContext,
        input: Value,
    ) -> Result<Value, ActionError> {
        Ok(input)
    }
}
