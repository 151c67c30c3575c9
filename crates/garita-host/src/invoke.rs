//! Calling a connector for the engine: schema checks around the call, the call
//! itself on a blocking thread, and panics turned into errors.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use async_trait::async_trait;
use garita_engine::Connectors;
use garita_sdk::{ActionError, Connector, FieldError, InvokeContext, Manifest};

use crate::registry::{Origin, PluginHost};

#[async_trait]
impl Connectors for PluginHost {
    fn manifests(&self) -> Vec<Manifest> {
        PluginHost::manifests(self)
    }

    async fn invoke(
        &self,
        connector: &str,
        action: &str,
        mut ctx: InvokeContext,
        input: serde_json::Value,
    ) -> Result<serde_json::Value, ActionError> {
        let entry = self.connectors.get(connector).ok_or_else(|| {
            let known: Vec<&str> = self.connectors.keys().map(String::as_str).collect();
            ActionError::permanent(format!(
                "unknown connector `{connector}`; available: {}; is its plugin library in plugins.dirs?",
                known.join(", ")
            ))
        })?;
        let schemas = entry.schemas.get(action).ok_or_else(|| {
            let known: Vec<&str> = entry
                .manifest
                .actions
                .iter()
                .map(|a| a.name.as_str())
                .collect();
            ActionError::permanent(format!(
                "connector `{connector}` has no action `{action}`; its actions: {}",
                known.join(", ")
            ))
        })?;
        if let Err(problems) = schemas.input.check(&input) {
            let fields = problems
                .into_iter()
                .map(|(path, message)| FieldError::new(path, message))
                .collect();
            return Err(ActionError::invalid(
                format!("the input of {connector}.{action} does not match its schema"),
                fields,
            ));
        }
        if ctx.config.is_null() {
            if let Some(config) = self.config.connector_config.get(connector) {
                ctx.config = config.clone();
            }
        }

        let callee = Arc::clone(&entry.connector);
        let (name, action_name) = (connector.to_owned(), action.to_owned());
        // Connector code may block (file I/O, sleeps, SMTP): keep it off the
        // async workers.
        let joined = tokio::task::spawn_blocking(move || {
            call_guarded(callee.as_ref(), &name, &action_name, &ctx, input)
        })
        .await;
        let output = joined.map_err(|err| {
            ActionError::permanent(format!(
                "the call to {connector}.{action} was lost before it finished: {err}"
            ))
        })??;

        if let Err(problems) = schemas.output.check(&output) {
            let source = match &entry.origin {
                Origin::BuiltIn => format!("built-in connector `{connector}`"),
                Origin::Path(path) => format!("plugin library {}", path.display()),
            };
            let listed: Vec<String> = problems
                .iter()
                .map(|(path, message)| format!("{path}: {message}"))
                .collect();
            return Err(ActionError::permanent(format!(
                "{source} returned output for {connector}.{action} that does not match its declared output schema: {}",
                listed.join("; ")
            )));
        }
        Ok(output)
    }
}

/// Calls the connector, turning a panic into a permanent error that names it.
pub(crate) fn call_guarded(
    connector: &dyn Connector,
    name: &str,
    action: &str,
    ctx: &InvokeContext,
    input: serde_json::Value,
) -> Result<serde_json::Value, ActionError> {
    match catch_unwind(AssertUnwindSafe(|| connector.invoke(ctx, action, input))) {
        Ok(result) => result,
        Err(payload) => {
            let message = garita_sdk::abi::panic_message(&*payload);
            // Dropping the payload runs connector code too; contain that as well.
            let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
            Err(ActionError::permanent(format!(
                "connector {name} panicked in action {action}: {message}"
            )))
        }
    }
}
