//! `password_recovery_guide`.

use garita_sdk::{ActionError, ActionSpec};
use serde_json::{json, Value};

use super::input::InputReader;
use super::{guide_fields, schemas};
use crate::guides::password_recovery::password_recovery_guide;

pub(super) const ACTION: &str = "password_recovery_guide";

pub(super) fn spec() -> ActionSpec {
    ActionSpec::new(
        ACTION,
        "Steps to recover a forgotten ANAM Acceso Único password (\"¿Olvidó su contraseña?\").",
    )
    .input_schema(json!({
        "type": "object",
        "properties": {
            "username": {"type": "string", "description": "The Acceso Único username, written into the steps when given."}
        },
        "additionalProperties": false
    }))
    .output_schema(schemas::guide_output(
        json!({"username": {"type": ["string", "null"]}}),
        &["username"],
    ))
}

pub(super) fn invoke(input: &Value, english: bool) -> Result<Value, ActionError> {
    let mut reader = InputReader::new(input, &["username"], english)?;
    let username = reader.optional_str("username").map(str::trim);
    reader.finish()?;
    let guide = password_recovery_guide(username, english);
    let mut output = guide_fields(&guide, english);
    output.insert("username".into(), json!(username));
    Ok(Value::Object(output))
}
