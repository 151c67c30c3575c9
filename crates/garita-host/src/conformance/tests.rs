//! The suite itself: it must pass a well-behaved connector and catch each kind
//! of misbehaviour.

use std::sync::atomic::{AtomicU64, Ordering};

use garita_sdk::{ActionSpec, FieldError};

use super::*;

fn greet_spec() -> ActionSpec {
    ActionSpec::new("greet", "Greets.")
        .input_schema(json!({
            "type": "object",
            "properties": {"name": {"type": "string"}},
            "required": ["name"],
            "additionalProperties": false
        }))
        .output_schema(json!({"type": "object", "required": ["greeting"]}))
}

/// Validates its input and greets.
struct Good;

impl Connector for Good {
    fn manifest(&self) -> Manifest {
        Manifest::new("good", "1.0.0", "").action(greet_spec())
    }

    fn invoke(
        &self,
        _ctx: &InvokeContext,
        action: &str,
        input: Value,
    ) -> Result<Value, ActionError> {
        if action != "greet" {
            return Err(ActionError::unknown_action(action));
        }
        let fields = input
            .as_object()
            .ok_or_else(|| ActionError::invalid("bad", vec![FieldError::new("", "object")]))?;
        if fields.keys().any(|key| key != "name") {
            return Err(ActionError::invalid(
                "bad",
                vec![FieldError::new("/?", "unknown")],
            ));
        }
        match fields.get("name") {
            Some(Value::String(name)) => Ok(json!({"greeting": format!("hola {name}")})),
            _ => Err(ActionError::invalid(
                "bad",
                vec![FieldError::new("/name", "string required")],
            )),
        }
    }
}

/// Trusts its input, changes its answer, and succeeds on unknown actions.
struct Sloppy(AtomicU64);

impl Connector for Sloppy {
    fn manifest(&self) -> Manifest {
        Manifest::new("sloppy", "1.0.0", "").action(greet_spec())
    }

    fn invoke(
        &self,
        _ctx: &InvokeContext,
        _action: &str,
        _input: Value,
    ) -> Result<Value, ActionError> {
        Ok(json!({"greeting": self.0.fetch_add(1, Ordering::Relaxed)}))
    }
}

#[test]
fn a_well_behaved_connector_passes() {
    let failures = run(&Good, &[("greet", json!({"name": "Ana"}))]);
    assert!(failures.is_empty(), "{}", describe(&failures));
}

#[test]
fn a_sloppy_connector_fails_every_behaviour_check() {
    let failures = run(
        &Sloppy(AtomicU64::new(0)),
        &[("greet", json!({"name": "Ana"}))],
    );
    let checks: Vec<Check> = failures.iter().map(|f| f.check).collect();
    assert!(
        checks.contains(&Check::InvalidInput),
        "{}",
        describe(&failures)
    );
    assert!(
        checks.contains(&Check::Determinism),
        "{}",
        describe(&failures)
    );
    assert!(
        checks.contains(&Check::UnknownAction),
        "{}",
        describe(&failures)
    );
}

#[test]
fn bad_schemas_and_examples_are_reported() {
    struct BadSchema;
    impl Connector for BadSchema {
        fn manifest(&self) -> Manifest {
            Manifest::new("bad", "1.0.0", "")
                .action(ActionSpec::new("a", "").input_schema(json!({"type": 12})))
        }
        fn invoke(&self, _: &InvokeContext, action: &str, _: Value) -> Result<Value, ActionError> {
            Err(ActionError::unknown_action(action))
        }
    }
    let failures = run(&BadSchema, &[("missing", json!({}))]);
    assert!(
        failures.iter().any(|f| f.check == Check::Schema),
        "{}",
        describe(&failures)
    );
    assert!(failures
        .iter()
        .any(|f| f.check == Check::Example && f.action.as_deref() == Some("missing")));
}

#[test]
fn a_panicking_manifest_is_one_failure() {
    struct Panicky;
    impl Connector for Panicky {
        fn manifest(&self) -> Manifest {
            panic!("no manifest today")
        }
        fn invoke(&self, _: &InvokeContext, _: &str, _: Value) -> Result<Value, ActionError> {
            unreachable!()
        }
    }
    let failures = run(&Panicky, &[]);
    assert_eq!(failures.len(), 1);
    assert!(failures[0].message.contains("no manifest today"));
}
