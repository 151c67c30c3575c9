//! Built-in connectors through the host: connector configuration, panics,
//! output schema checks, and manifest rules at registration.

use std::sync::Arc;

use garita_engine::Connectors;
use garita_host::{HostConfig, HostError, PluginHost};
use garita_sdk::{ActionError, ActionSpec, Connector, InvokeContext, Manifest};
use serde_json::{json, Value};

/// Echoes its configuration; `lie` breaks its output schema; `boom` panics.
struct Probe;

impl Connector for Probe {
    fn manifest(&self) -> Manifest {
        Manifest::new("probe", "1.0.0", "Test probe.")
            .action(ActionSpec::new("config", "").output_schema(json!({"type": "object"})))
            .action(
                ActionSpec::new("lie", "")
                    .output_schema(json!({"type": "object", "required": ["n"]})),
            )
            .action(ActionSpec::new("boom", ""))
    }

    fn invoke(
        &self,
        ctx: &InvokeContext,
        action: &str,
        _input: Value,
    ) -> Result<Value, ActionError> {
        match action {
            "config" => Ok(json!({"config": ctx.config})),
            "lie" => Ok(json!({"m": 1})),
            "boom" => panic!("probe blew up"),
            other => Err(ActionError::unknown_action(other)),
        }
    }
}

fn host() -> PluginHost {
    let mut config = HostConfig::empty();
    config
        .connector_config
        .insert("probe".into(), json!({"smtp": "localhost"}));
    let mut host = PluginHost::new(config);
    host.register_builtin(Arc::new(Probe)).unwrap();
    host
}

#[tokio::test]
async fn the_connector_section_is_passed_as_config() {
    let output = host()
        .invoke("probe", "config", InvokeContext::for_test(), json!({}))
        .await
        .unwrap();
    assert_eq!(output, json!({"config": {"smtp": "localhost"}}));
}

#[tokio::test]
async fn a_caller_given_config_wins() {
    let ctx = InvokeContext {
        config: json!({"own": true}),
        ..InvokeContext::for_test()
    };
    let output = host()
        .invoke("probe", "config", ctx, json!({}))
        .await
        .unwrap();
    assert_eq!(output, json!({"config": {"own": true}}));
}

#[tokio::test]
async fn a_builtin_panic_is_a_permanent_error() {
    let err = host()
        .invoke("probe", "boom", InvokeContext::for_test(), json!({}))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ActionError::permanent("connector probe panicked in action boom: probe blew up")
    );
}

#[tokio::test]
async fn output_off_its_schema_is_refused() {
    let err = host()
        .invoke("probe", "lie", InvokeContext::for_test(), json!({}))
        .await
        .unwrap_err();
    assert!(matches!(err, ActionError::Permanent { .. }), "{err:?}");
    assert!(
        err.message().contains("built-in connector `probe`"),
        "{err}"
    );
    assert!(err.message().contains("declared output schema"), "{err}");
}

#[test]
fn builtins_with_bad_manifests_or_duplicate_names_are_refused() {
    struct Nameless;
    impl Connector for Nameless {
        fn manifest(&self) -> Manifest {
            Manifest::new("", "1.0.0", "")
        }
        fn invoke(&self, _: &InvokeContext, a: &str, _: Value) -> Result<Value, ActionError> {
            Err(ActionError::unknown_action(a))
        }
    }
    let mut host = host();
    let err = host.register_builtin(Arc::new(Nameless)).unwrap_err();
    assert!(matches!(err, HostError::InvalidManifest { .. }), "{err}");
    let err = host.register_builtin(Arc::new(Probe)).unwrap_err();
    assert!(matches!(err, HostError::Duplicate { .. }), "{err}");
}

#[test]
fn manifests_and_list_agree() {
    let host = host();
    let names: Vec<String> = Connectors::manifests(&host)
        .into_iter()
        .map(|m| m.name)
        .collect();
    assert_eq!(names, ["probe"]);
    assert_eq!(host.list()[0].actions, ["config", "lie", "boom"]);
}
