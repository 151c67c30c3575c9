//! Connectors for a simulation: actions whose manifest declares side effects
//! (sending email, writing files) are recorded instead of performed and
//! answer with a plausible output; side-effect-free actions run for real.
//!
//! The inventory's own writes (`accounts.set_status`, `event.emit`, ...) are
//! the exception: they are performed, on the simulation's copy of the store,
//! and recorded too. A status set on 1 February is then what the next day's
//! runs read, and an emitted event starts its workflows, as in the daemon.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use garita_engine::inventory::{ACCOUNTS, EVENT};
use garita_engine::Connectors;
use garita_sdk::{ActionError, InvokeContext, Manifest};
use serde_json::{json, Value};

/// A call that would have had a side effect.
#[derive(Debug, Clone, PartialEq)]
pub struct CapturedCall {
    /// Virtual time of the call.
    pub at: DateTime<Utc>,
    pub connector: String,
    pub action: String,
    pub run: String,
    pub step: String,
    pub input: Value,
}

pub struct CapturingConnectors {
    inner: Arc<dyn Connectors>,
    side_effects: HashSet<(String, String)>,
    calls: Mutex<Vec<CapturedCall>>,
}

impl CapturingConnectors {
    pub fn new(inner: Arc<dyn Connectors>) -> Self {
        let side_effects = inner
            .manifests()
            .iter()
            .flat_map(|m| {
                m.actions
                    .iter()
                    .filter(|a| a.side_effects)
                    .map(|a| (m.name.clone(), a.name.clone()))
            })
            .collect();
        Self {
            inner,
            side_effects,
            calls: Mutex::new(Vec::new()),
        }
    }

    /// The calls captured since the last take, oldest first.
    pub fn take_calls(&self) -> Vec<CapturedCall> {
        std::mem::take(&mut *self.calls.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

#[async_trait]
impl Connectors for CapturingConnectors {
    fn manifests(&self) -> Vec<Manifest> {
        self.inner.manifests()
    }

    async fn invoke(
        &self,
        connector: &str,
        action: &str,
        ctx: InvokeContext,
        input: Value,
    ) -> Result<Value, ActionError> {
        if !self
            .side_effects
            .contains(&(connector.to_owned(), action.to_owned()))
        {
            return self.inner.invoke(connector, action, ctx, input).await;
        }
        let call = CapturedCall {
            at: ctx.now,
            connector: connector.to_owned(),
            action: action.to_owned(),
            run: ctx.idempotency_key.run_id.clone(),
            step: ctx.idempotency_key.step_id.clone(),
            input: input.clone(),
        };
        if performed_on_the_copy(connector) {
            let output = self.inner.invoke(connector, action, ctx, input).await?;
            // A write that changed nothing (the status was already set) is
            // not something that happened.
            let unchanged = output.get("changed") == Some(&Value::Bool(false))
                || output.get("recorded") == Some(&Value::Bool(false));
            if !unchanged {
                self.record(call);
            }
            return Ok(output);
        }
        let output = plausible_output(connector, action, &ctx, &input);
        self.record(call);
        Ok(output)
    }
}

impl CapturingConnectors {
    fn record(&self, call: CapturedCall) {
        self.calls
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(call);
    }
}

/// Whether `connector` writes only to the store, which in a simulation is a
/// throwaway copy: its calls are performed (and recorded), not faked.
pub fn performed_on_the_copy(connector: &str) -> bool {
    connector == ACCOUNTS || connector == EVENT
}

/// What a captured action answers, shaped like the real output where the
/// workflow is likely to read it.
fn plausible_output(connector: &str, action: &str, ctx: &InvokeContext, input: &Value) -> Value {
    let key = &ctx.idempotency_key;
    match (connector, action) {
        ("email", "send") => json!({
            "message_id": format!("<{}.{}.{}@garita.simulated>", key.run_id, key.step_id, key.attempt),
            "transport": "simulated",
            "envelope": {"from": input.get("from").cloned().unwrap_or(Value::Null), "to": recipients(input)},
        }),
        ("core", "append_file") => json!({"appended": true}),
        _ => json!({"simulated": true}),
    }
}

/// Every recipient of an `email.send` input: to, cc and bcc.
pub fn recipients(input: &Value) -> Vec<String> {
    ["to", "cc", "bcc"]
        .iter()
        .flat_map(|field| match input.get(*field) {
            Some(Value::String(one)) => vec![one.clone()],
            Some(Value::Array(many)) => many
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use garita_sdk::ActionSpec;

    use super::*;

    struct Real;

    #[async_trait]
    impl Connectors for Real {
        fn manifests(&self) -> Vec<Manifest> {
            vec![Manifest::new("email", "1", "mail")
                .action(ActionSpec::new("send", "sends").with_side_effects())
                .action(ActionSpec::new("render", "renders"))]
        }
        async fn invoke(
            &self,
            _: &str,
            action: &str,
            _: InvokeContext,
            _: Value,
        ) -> Result<Value, ActionError> {
            assert_ne!(action, "send", "a side effect reached the real connector");
            Ok(json!({"rendered": true}))
        }
    }

    #[tokio::test]
    async fn side_effects_are_captured_and_the_rest_runs() {
        let capture = CapturingConnectors::new(Arc::new(Real));
        let input = json!({"to": "ana@example.com", "cc": ["b@example.com"], "subject": "Hola", "body": "x"});
        let out = capture
            .invoke("email", "send", InvokeContext::for_test(), input.clone())
            .await
            .unwrap();
        assert_eq!(out["transport"], json!("simulated"));
        assert!(out["message_id"]
            .as_str()
            .unwrap()
            .ends_with("@garita.simulated>"));
        assert_eq!(
            out["envelope"]["to"],
            json!(["ana@example.com", "b@example.com"])
        );
        let rendered = capture
            .invoke("email", "render", InvokeContext::for_test(), json!({}))
            .await
            .unwrap();
        assert_eq!(rendered, json!({"rendered": true}));
        let calls = capture.take_calls();
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].input, input);
        assert!(capture.take_calls().is_empty());
    }

    /// The inventory's writes, as the real stack answers them.
    struct Inventory;

    #[async_trait]
    impl Connectors for Inventory {
        fn manifests(&self) -> Vec<Manifest> {
            garita_engine::inventory::manifests()
        }
        async fn invoke(
            &self,
            _: &str,
            _: &str,
            _: InvokeContext,
            input: Value,
        ) -> Result<Value, ActionError> {
            let changed = input["status"] != json!("at_risk");
            Ok(json!({"changed": changed, "performed": true}))
        }
    }

    #[tokio::test]
    async fn inventory_writes_are_performed_on_the_copy_and_recorded_when_they_change_something() {
        let capture = CapturingConnectors::new(Arc::new(Inventory));
        let out = capture
            .invoke(
                "accounts",
                "set_status",
                InvokeContext::for_test(),
                json!({"account": "ctpat:a@b.example", "status": "deactivated", "reason": "r"}),
            )
            .await
            .unwrap();
        assert_eq!(out["performed"], json!(true), "the real action ran");
        let unchanged = capture
            .invoke(
                "accounts",
                "set_status",
                InvokeContext::for_test(),
                json!({"account": "ctpat:a@b.example", "status": "at_risk", "reason": "r"}),
            )
            .await
            .unwrap();
        assert_eq!(unchanged["changed"], json!(false));
        let calls = capture.take_calls();
        assert_eq!(calls.len(), 1, "{calls:?}");
        assert_eq!(calls[0].input["status"], json!("deactivated"));
    }
}
