//! The built-in `accounts` and `event` connectors: how a workflow reads and
//! writes the account inventory and starts other workflows.
//!
//! [`InventoryConnectors`] sits in front of any other [`Connectors`] (the
//! plugin host, the outbox) and answers `accounts.*` and `event.*` itself,
//! over an [`AccountStore`]; every other call passes straight through.
//! Connectors never see the store, so these actions cannot be plugins.
//!
//! | action | side effect | what it does |
//! |---|---|---|
//! | `accounts.list` | no | accounts matching portal / status / company / holder / deactivates_within |
//! | `accounts.get` | no | one account by key |
//! | `accounts.set_status` | yes | new status, with who (run and step) and why in the history; optionally queues an event in the same commit |
//! | `accounts.record_evidence` | yes | date, note and reference in the history and the `evidence*` attributes |
//! | `event.emit` | yes | queues an event for `event:` triggers |
//!
//! Writes are idempotent per step (see `account_actions.rs` and `emit.rs`):
//! a step re-run after a crash does not record twice.

mod account_actions;
mod emit;
mod input;
mod manifest;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use async_trait::async_trait;
use garita_sdk::{ActionError, FieldError, InvokeContext, Manifest};
use serde_json::Value;

use crate::account::AccountStore;
use crate::connectors::Connectors;

pub use account_actions::{EVIDENCE, EVIDENCE_ON, EVIDENCE_REFERENCE};
pub use emit::EMITTED_BY;
pub use input::account_json;
pub use manifest::{manifests, ACCOUNTS, EVENT};

/// [`Connectors`] with the inventory's own `accounts` and `event` actions.
pub struct InventoryConnectors {
    inner: Arc<dyn Connectors>,
    /// None where no store is open (validation, `plugins list`): the actions
    /// are declared, so workflows validate, but calling one says why not.
    accounts: Option<Arc<dyn AccountStore>>,
}

impl InventoryConnectors {
    /// `inner` plus the inventory actions, answered from `accounts`.
    pub fn new(inner: Arc<dyn Connectors>, accounts: Arc<dyn AccountStore>) -> Self {
        Self {
            inner,
            accounts: Some(accounts),
        }
    }

    /// `inner` plus the inventory's manifests, for where no store is open:
    /// validating workflows, listing connectors.
    pub fn declared_only(inner: Arc<dyn Connectors>) -> Self {
        Self {
            inner,
            accounts: None,
        }
    }

    async fn call(
        &self,
        connector: &str,
        action: &str,
        ctx: &InvokeContext,
        input: &Value,
    ) -> Result<Value, ActionError> {
        let spec = manifests()
            .into_iter()
            .find(|m| m.name == connector)
            .and_then(|m| m.find(action).cloned())
            .ok_or_else(|| ActionError::unknown_action(action))?;
        if let Err(problems) = crate::schema::check_value(&spec.input_schema, input) {
            let fields = problems
                .into_iter()
                .map(|(path, message)| FieldError::new(path, message))
                .collect();
            return Err(ActionError::invalid(
                format!("the input of {connector}.{action} does not match its schema"),
                fields,
            ));
        }
        let Some(store) = self.accounts.as_deref() else {
            return Err(ActionError::permanent(format!(
                "{connector}.{action} needs the account inventory, which this command does not open; run it from a workflow (`garita run`, `garita daemon`)"
            )));
        };
        match (connector, action) {
            (ACCOUNTS, "list") => account_actions::list(store, ctx, input).await,
            (ACCOUNTS, "companies") => account_actions::companies(store, input).await,
            (ACCOUNTS, "get") => account_actions::get(store, input).await,
            (ACCOUNTS, "set_status") => account_actions::set_status(store, ctx, input).await,
            (ACCOUNTS, "record_evidence") => {
                account_actions::record_evidence(store, ctx, input).await
            }
            (EVENT, "emit") => emit::emit(store, ctx, input).await,
            _ => Err(ActionError::unknown_action(action)),
        }
    }
}

#[async_trait]
impl Connectors for InventoryConnectors {
    fn manifests(&self) -> Vec<Manifest> {
        let own = manifests();
        // A plugin cannot shadow the built-in names: these answer first.
        let mut all: Vec<Manifest> = self
            .inner
            .manifests()
            .into_iter()
            .filter(|m| !own.iter().any(|o| o.name == m.name))
            .collect();
        all.extend(own);
        all
    }

    async fn invoke(
        &self,
        connector: &str,
        action: &str,
        ctx: InvokeContext,
        input: Value,
    ) -> Result<Value, ActionError> {
        if connector == ACCOUNTS || connector == EVENT {
            self.call(connector, action, &ctx, &input).await
        } else {
            self.inner.invoke(connector, action, ctx, input).await
        }
    }
}
