//! Each action's input and output schemas, compiled once when the connector
//! is registered rather than on every call (compiling costs far more than
//! validating). Problems are reported exactly as
//! [`garita_engine::schema::check_value`] reports them: `(JSON pointer, message)`.

use std::collections::HashMap;

use garita_engine::schema::check_value;
use garita_sdk::Manifest;
use jsonschema::Validator;
use serde_json::Value;

/// One schema, compiled when it is valid.
pub(crate) struct CompiledSchema {
    source: Value,
    validator: Option<Validator>,
}

impl CompiledSchema {
    fn new(source: &Value) -> Self {
        Self {
            source: source.clone(),
            validator: jsonschema::validator_for(source).ok(),
        }
    }

    /// Checks `value`; every problem as `(json pointer, message)`.
    pub(crate) fn check(&self, value: &Value) -> Result<(), Vec<(String, String)>> {
        let Some(validator) = &self.validator else {
            // An invalid schema: let the engine's function explain what is wrong with it.
            return check_value(&self.source, value);
        };
        let problems: Vec<(String, String)> = validator
            .iter_errors(value)
            .map(|err| (err.instance_path.to_string(), err.to_string()))
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
