//! Inputs meant to violate an action's input schema. They are guesses from the
//! schema's top level; the suite keeps only those the schema really rejects.

use serde_json::{json, Map, Value};

/// A field name no real schema declares, for `additionalProperties: false`.
const UNKNOWN_FIELD: &str = "garita_conformance_unknown_field";

/// Candidate invalid inputs for `schema`. `example`, a valid input, is used as
/// the base when changing one field, so only that field is wrong.
pub fn generate(schema: &Value, example: Option<&Value>) -> Vec<Value> {
    let mut candidates = Vec::new();
    if let Some(kind) = schema.get("type").and_then(Value::as_str) {
        candidates.push(wrong_type(kind));
    }
    let base: Map<String, Value> = example
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if schema
        .get("required")
        .and_then(Value::as_array)
        .is_some_and(|required| !required.is_empty())
    {
        candidates.push(json!({}));
    }
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            if let Some(kind) = property.get("type").and_then(Value::as_str) {
                let mut input = base.clone();
                input.insert(name.clone(), wrong_type(kind));
                candidates.push(Value::Object(input));
            }
        }
    }
    if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
        let mut input = base;
        input.insert(UNKNOWN_FIELD.to_owned(), json!(1));
        candidates.push(Value::Object(input));
    }
    candidates
}

/// A value that is not of JSON Schema type `kind`.
fn wrong_type(kind: &str) -> Value {
    match kind {
        "string" => json!(12345),
        "object" => json!("not an object"),
        "array" | "boolean" | "null" => json!({"not": kind}),
        _ => json!("not a number"), // integer, number, and unknown types
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_required_types_and_unknown_fields() {
        let schema = json!({
            "type": "object",
            "properties": {"name": {"type": "string"}, "n": {"type": "integer"}},
            "required": ["name"],
            "additionalProperties": false
        });
        let example = json!({"name": "x", "n": 1});
        let inputs = generate(&schema, Some(&example));
        assert!(inputs.contains(&json!("not an object")));
        assert!(inputs.contains(&json!({})));
        assert!(inputs.contains(&json!({"name": 12345, "n": 1})));
        assert!(inputs.contains(&json!({"name": "x", "n": "not a number"})));
        assert!(inputs.contains(&json!({"name": "x", "n": 1, UNKNOWN_FIELD: 1})));
    }
}
