//! Lets `ctpat.inactivity_status` name an inventory account instead of a date.
//!
//! Connectors never see the store, so this decorator, in front of the
//! connectors, reads the account's last recorded sign-in and hands the
//! connector a complete input. Every other call passes straight through.

use std::sync::Arc;

use async_trait::async_trait;
use garita_engine::account::{AccountKey, AccountStore};
use garita_engine::Connectors;
use garita_sdk::{ActionError, FieldError, InvokeContext, Manifest};
use serde_json::Value;

/// Connectors with inventory lookups for the actions that accept `account`.
pub struct AccountLookup {
    inner: Arc<dyn Connectors>,
    accounts: Arc<dyn AccountStore>,
}

impl AccountLookup {
    pub fn new(inner: Arc<dyn Connectors>, accounts: Arc<dyn AccountStore>) -> Self {
        Self { inner, accounts }
    }

    async fn fill_last_sign_in(&self, input: &mut Value) -> Result<(), ActionError> {
        let Some(map) = input.as_object_mut() else {
            return Ok(());
        };
        if map.contains_key("last_sign_in") {
            return Ok(());
        }
        let Some(given) = map
            .get("account")
            .and_then(Value::as_str)
            .map(str::to_owned)
        else {
            return Ok(());
        };
        // `portal:identifier`, or a bare CTPAT sign-in email.
        let key = AccountKey::parse(&given).unwrap_or_else(|| AccountKey::new("ctpat", &given));
        let account = self
            .accounts
            .account(&key)
            .await
            .map_err(|e| ActionError::retryable(format!("cannot read the account inventory: {e}")))?
            .ok_or_else(|| {
                ActionError::invalid(
                    format!("no account `{given}` in the inventory"),
                    vec![FieldError::new(
                        "/account",
                        "unknown account; `garita accounts list --portal ctpat` shows them",
                    )],
                )
            })?;
        let date = account.last_sign_in.ok_or_else(|| {
            ActionError::invalid(
                format!("account `{given}` has no recorded sign-in"),
                vec![FieldError::new(
                    "/account",
                    "record one with `garita accounts touch ACCOUNT --at DATE`",
                )],
            )
        })?;
        map.insert(
            "last_sign_in".into(),
            Value::String(date.format("%Y-%m-%d").to_string()),
        );
        Ok(())
    }
}

#[async_trait]
impl Connectors for AccountLookup {
    fn manifests(&self) -> Vec<Manifest> {
        self.inner.manifests()
    }

    async fn invoke(
        &self,
        connector: &str,
        action: &str,
        ctx: InvokeContext,
        mut input: Value,
    ) -> Result<Value, ActionError> {
        if connector == "ctpat" && action == "inactivity_status" {
            self.fill_last_sign_in(&mut input).await?;
        }
        self.inner.invoke(connector, action, ctx, input).await
    }
}
