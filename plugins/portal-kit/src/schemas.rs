//! JSON Schema fragments shared by several actions.

use serde_json::{json, Value};

/// Schema of one issue: `{code, message, message_es, message_en}`.
pub fn issue() -> Value {
    json!({
        "type": "object",
        "required": ["code", "message", "message_es", "message_en"],
        "properties": {
            "code": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$", "description": "Stable snake_case code."},
            "message": {"type": "string", "description": "The message in the caller's locale."},
            "message_es": {"type": "string"},
            "message_en": {"type": "string"}
        },
        "additionalProperties": false
    })
}

/// Schema of a validation result whose `kind` is one of `kinds` or null;
/// `normalized` says what the normalised value is (per portal).
pub fn validation(kinds: &[&str], normalized: &str) -> Value {
    let mut kind_values: Vec<Value> = kinds.iter().map(|k| json!(k)).collect();
    kind_values.push(Value::Null);
    json!({
        "type": "object",
        "required": ["valid", "normalized", "kind", "warnings", "errors"],
        "properties": {
            "valid": {"type": "boolean", "description": "True exactly when `errors` is empty."},
            "normalized": {"type": "string", "description": normalized},
            "kind": {"enum": kind_values},
            "warnings": {"type": "array", "items": issue()},
            "errors": {"type": "array", "items": issue()}
        },
        "additionalProperties": false
    })
}

/// Schema of the guide fields every guide action returns.
pub fn guide_properties() -> Value {
    json!({
        "title": {"type": "string"},
        "summary": {"type": "string"},
        "preparations": {"type": "array", "items": {"type": "string"}},
        "parts": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["n", "title"],
                "properties": {"n": {"type": "integer", "minimum": 1}, "title": {"type": "string"}},
                "additionalProperties": false
            }
        },
        "steps": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["n", "title", "detail"],
                "properties": {
                    "n": {"type": "integer", "minimum": 1},
                    "part": {"type": "integer", "minimum": 1},
                    "title": {"type": "string"},
                    "detail": {"type": "string"}
                },
                "additionalProperties": false
            }
        },
        "notes": {"type": "array", "items": {"type": "string"}},
        "markdown": {"type": "string", "description": "The whole guide rendered as Markdown."},
        "locale": {"enum": ["es", "en"]}
    })
}

/// The names of [`guide_properties`], all required.
pub const GUIDE_REQUIRED: [&str; 8] = [
    "title",
    "summary",
    "preparations",
    "parts",
    "steps",
    "notes",
    "markdown",
    "locale",
];

/// Merges the guide properties with an action's own, into one object schema.
pub fn guide_output(extra_properties: Value, extra_required: &[&str]) -> Value {
    let mut properties = guide_properties();
    if let (Some(target), Value::Object(extra)) = (properties.as_object_mut(), extra_properties) {
        target.extend(extra);
    }
    let required: Vec<&str> = GUIDE_REQUIRED
        .iter()
        .copied()
        .chain(extra_required.iter().copied())
        .collect();
    json!({
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": false
    })
}

/// Schema of a problem tied to a field: an issue plus its `path`.
pub fn problem() -> Value {
    let mut schema = issue();
    if let Some(properties) = schema["properties"].as_object_mut() {
        properties.insert(
            "path".into(),
            json!({"type": "string", "description": "JSON Pointer to the input field, e.g. /curp."}),
        );
    }
    if let Some(required) = schema["required"].as_array_mut() {
        required.insert(0, json!("path"));
    }
    schema
}
