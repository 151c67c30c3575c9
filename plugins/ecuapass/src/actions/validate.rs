//! `validate_cedula` and `validate_ruc`.

use garita_sdk::{ActionError, ActionSpec};
use serde_json::{json, Value};

use super::input::InputReader;
use super::schemas;
use crate::{validate_cedula, validate_ruc};

/// What `normalized` holds in this portal's validation results.
const NORMALIZED: &str = "The input without spaces, dashes and dots.";

pub(super) const CEDULA_ACTION: &str = "validate_cedula";
pub(super) const RUC_ACTION: &str = "validate_ruc";

pub(super) fn cedula_spec() -> ActionSpec {
    ActionSpec::new(
        CEDULA_ACTION,
        "Checks an Ecuadorian cédula: 10 digits, province, third digit and modulus-10 check digit.",
    )
    .input_schema(json!({
        "type": "object",
        "required": ["cedula"],
        "properties": {
            "cedula": {"type": "string", "minLength": 1, "description": "The cédula; spaces, dashes and dots are ignored."}
        },
        "additionalProperties": false
    }))
    .output_schema(schemas::validation(&["natural_person"], NORMALIZED))
}

pub(super) fn ruc_spec() -> ActionSpec {
    ActionSpec::new(
        RUC_ACTION,
        "Checks an Ecuadorian RUC and tells natural person, public entity or private company.",
    )
    .input_schema(json!({
        "type": "object",
        "required": ["ruc"],
        "properties": {
            "ruc": {"type": "string", "minLength": 1, "description": "The RUC; spaces, dashes and dots are ignored."}
        },
        "additionalProperties": false
    }))
    .output_schema(schemas::validation(&["natural_person", "public_entity", "private_company"], NORMALIZED))
}

pub(super) fn cedula(input: &Value, english: bool) -> Result<Value, ActionError> {
    let mut reader = InputReader::new(input, &["cedula"], english)?;
    let value = reader.required_str("cedula");
    reader.finish()?;
    Ok(validate_cedula(value.unwrap_or_default()).to_json(english))
}

pub(super) fn ruc(input: &Value, english: bool) -> Result<Value, ActionError> {
    let mut reader = InputReader::new(input, &["ruc"], english)?;
    let value = reader.required_str("ruc");
    reader.finish()?;
    Ok(validate_ruc(value.unwrap_or_default()).to_json(english))
}
