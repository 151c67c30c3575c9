//! `validate_rfc`, `validate_curp`, `validate_postal_code` and `validate_email`.

use garita_sdk::{ActionError, ActionSpec};
use serde_json::{json, Value};

use super::input::InputReader;
use super::schemas;
use crate::validation::Validation;
use crate::{validate_curp, validate_email, validate_postal_code, validate_rfc};

/// One validation action: its name, input field, description, kinds and function.
pub(super) struct Validator {
    action: &'static str,
    field: &'static str,
    description: &'static str,
    field_description: &'static str,
    kinds: &'static [&'static str],
    run: fn(&str) -> Validation,
}

const VALIDATORS: [Validator; 4] = [
    Validator {
        action: "validate_rfc",
        field: "rfc",
        description: "Checks a Mexican RFC: length, letters, date, homoclave, SAT inconvenient words and the check digit (a mismatch is only a warning).",
        field_description: "The RFC; spaces, dashes and dots are ignored and letters uppercased.",
        kinds: &["person", "company", "generic_public", "generic_foreign"],
        run: validate_rfc,
    },
    Validator {
        action: "validate_curp",
        field: "curp",
        description: "Checks a CURP: structure, birth date, sex, state, consonants, RENAPO inconvenient words and the check digit.",
        field_description: "The CURP; spaces, dashes and dots are ignored and letters uppercased.",
        kinds: &["person"],
        run: validate_curp,
    },
    Validator {
        action: "validate_postal_code",
        field: "postal_code",
        description: "Checks a Mexican postal code: five digits from 01000 to 99999.",
        field_description: "The postal code; spaces are ignored.",
        kinds: &["postal_code"],
        run: validate_postal_code,
    },
    Validator {
        action: "validate_email",
        field: "email",
        description: "Checks an email address's syntax (the dot-atom subset of RFC 5322).",
        field_description: "The address; surrounding spaces are ignored.",
        kinds: &["email"],
        run: validate_email,
    },
];

pub(super) fn specs() -> Vec<ActionSpec> {
    VALIDATORS
        .iter()
        .map(|v| {
            ActionSpec::new(v.action, v.description)
                .input_schema(json!({
                    "type": "object",
                    "required": [v.field],
                    "properties": {
                        v.field: {"type": "string", "minLength": 1, "description": v.field_description}
                    },
                    "additionalProperties": false
                }))
                .output_schema(schemas::validation(v.kinds, "The value as it should be stored."))
        })
        .collect()
}

pub(super) fn find(action: &str) -> Option<&'static Validator> {
    VALIDATORS.iter().find(|v| v.action == action)
}

pub(super) fn invoke(
    validator: &Validator,
    input: &Value,
    english: bool,
) -> Result<Value, ActionError> {
    let mut reader = InputReader::new(input, &[validator.field], english)?;
    let value = reader.required_str(validator.field);
    reader.finish()?;
    Ok((validator.run)(value.unwrap_or_default()).to_json(english))
}
