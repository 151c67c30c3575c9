//! `password_reset_guide`.

use garita_sdk::{ActionError, ActionSpec, FieldError};
use serde_json::{json, Value};

use super::input::InputReader;
use super::{guide_fields, schemas};
use crate::guides::password_reset::{
    password_reset_guide, IdentificationKind, PasswordResetRequest, UserClassification,
};

pub(super) const ACTION: &str = "password_reset_guide";

pub(super) fn spec() -> ActionSpec {
    let classifications: Vec<&str> = UserClassification::ALL.iter().map(|c| c.label()).collect();
    ActionSpec::new(
        ACTION,
        "Checks the data for Ecuapass's automatic password reset and returns the two-part checklist (find the user ID, then request the temporary password).",
    )
    .input_schema(json!({
        "type": "object",
        "required": ["classification", "identification"],
        "properties": {
            "classification": {
                "type": "string",
                "description": format!("The user classification: {} (case and accents do not matter).", classifications.join(", "))
            },
            "identification": {
                "type": "string",
                "description": "Cédula (10 digits, checked) or passport number (5 to 20 letters and digits), as in the usage request."
            },
            "identification_kind": {
                "enum": ["cedula", "passport"],
                "description": "What identification is; unsaid, ten digits are read as a cédula. Give passport for a passport number of ten digits."
            },
            "ruc": {
                "type": "string",
                "description": "Company RUC: required for every classification except Usuario general, Auditor and Perito, and refused for those three."
            },
            "personal_email": {
                "type": "string",
                "description": "Personal email of the usage request, where the temporary password goes: required for Usuario general, Auditor and Perito (their user-ID search uses it), optional for the others (only the second part asks for it)."
            }
        },
        "additionalProperties": false
    }))
    .output_schema(schemas::guide_output(
        json!({
            "classification": {"enum": classifications},
            "search_key": {"enum": ["company_ruc", "personal_email"]},
            "identification_kind": {"enum": ["cedula", "passport"]},
            "identification": {"type": "string"},
            "ruc": {"type": ["string", "null"]},
            "personal_email": {"type": ["string", "null"]},
            "warnings": {"type": "array", "items": schemas::issue()}
        }),
        &["classification", "search_key", "identification_kind", "identification", "ruc", "personal_email", "warnings"],
    ))
}

pub(super) fn invoke(input: &Value, english: bool) -> Result<Value, ActionError> {
    let mut reader = InputReader::new(
        input,
        &[
            "classification",
            "identification",
            "identification_kind",
            "ruc",
            "personal_email",
        ],
        english,
    )?;
    let classification = reader.required_str("classification");
    let identification = reader.required_str("identification");
    let identification_kind = match reader.optional_str("identification_kind") {
        None => None,
        Some("cedula") => Some(IdentificationKind::Cedula),
        Some("passport") => Some(IdentificationKind::Passport),
        Some(other) => {
            reader.extend(vec![FieldError::new(
                "/identification_kind",
                if english {
                    format!("\"{other}\" is not an identification kind: write cedula or passport.")
                } else {
                    format!("«{other}» no es un tipo de identificación: escriba cedula o passport.")
                },
            )]);
            None
        }
    };
    let ruc = reader.optional_str("ruc");
    let personal_email = reader.optional_str("personal_email");
    let (Some(classification), Some(identification)) = (classification, identification) else {
        // The reader has recorded why the field is missing, so finish() fails here.
        return reader
            .finish()
            .and(Err(ActionError::permanent("missing required fields")));
    };
    let request = PasswordResetRequest {
        classification,
        identification,
        identification_kind,
        ruc,
        personal_email,
    };
    let result = match password_reset_guide(&request, english) {
        Ok(result) => result,
        Err(problems) => {
            reader.extend(problems);
            // The problems list is never empty on this path, so finish() fails.
            return reader
                .finish()
                .and(Err(ActionError::permanent("request rejected")));
        }
    };
    reader.finish()?;
    let mut output = guide_fields(&result.guide, english);
    output.insert(
        "classification".into(),
        json!(result.classification.label()),
    );
    output.insert("search_key".into(), json!(result.search_key));
    output.insert(
        "identification_kind".into(),
        json!(result.identification_kind),
    );
    output.insert("identification".into(), json!(result.identification));
    output.insert("ruc".into(), json!(result.ruc));
    output.insert("personal_email".into(), json!(result.personal_email));
    output.insert(
        "warnings".into(),
        Value::Array(result.warnings.iter().map(|w| w.to_json(english)).collect()),
    );
    Ok(Value::Object(output))
}
