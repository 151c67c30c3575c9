//! Each action's input and output schemas, compiled once, on the first call
//! of that action, rather than on every call (compiling costs far more than
//! validating) and rather than at start-up (a `garita run` calls a few of the
//! connectors' dozens of actions; compiling them all eagerly cost ~70 MiB
//! and ~100 ms per process). Problems are reported exactly as
//! [`garita_engine::schema::check_value`] reports them: `(JSON pointer, message)`.

use std::collections::HashMap;
use std::sync::OnceLock;

use garita_engine::schema::check_value;
use garita_sdk::Manifest;
use jsonschema::Validator;
use serde_json::Value;

/// One schema, compiled on first use when it is valid.
pub(crate) struct CompiledSchema {
    source: Value,
    /// `Some(None)` once compiling found the schema invalid.
    validator: OnceLock<Option<Validator>>,
}

impl CompiledSchema {
    fn new(source: &Value) -> Self {
        Self {
            source: source.clone(),
            validator: OnceLock::new(),
        }
    }

    /// Checks `value`; every problem as `(json pointer, message)`.
    pub(crate) fn check(&self, value: &Value) -> Result<(), Vec<(String, String)>> {
        let validator = self
            .validator
            .get_or_init(|| jsonschema::validator_for(&self.source).ok());
        let Some(validator) = validator else {
            // An invalid schema: let the engine's function explain what is wrong with it.
            return check_value(&self.source, value);
        };
        let problems: Vec<(String, String)> = validator
            .iter_errors(value)
            .map(|err| (err.instance_path().to_string(), err.to_string()))
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

/// The compiled schemas of one action.
pub(crate) struct ActionSchemas {
    pub(crate) input: CompiledSchema,
    pub(crate) output: CompiledSchema,
}

/// Compiles every action's schemas.
pub(crate) fn compile(manifest: &Manifest) -> HashMap<String, ActionSchemas> {
    manifest
        .actions
        .iter()
        .map(|action| {
            let schemas = ActionSchemas {
                input: CompiledSchema::new(&action.input_schema),
                output: CompiledSchema::new(&action.output_schema),
            };
            (action.name.clone(), schemas)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reports_like_check_value() {
        let schema =
            json!({"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["m"]});
        let value = json!({"n": "x"});
        let compiled = CompiledSchema::new(&schema);
        assert_eq!(compiled.check(&value), check_value(&schema, &value));
        assert!(compiled.check(&json!({"m": 1})).is_ok());
    }

    #[test]
    fn invalid_schemas_fall_back_to_check_value() {
        let schema = json!({"type": 12});
        let compiled = CompiledSchema::new(&schema);
        assert_eq!(compiled.check(&json!(1)), check_value(&schema, &json!(1)));
    }
}
