//! `registration_check`.

use garita_sdk::{ActionError, ActionSpec};
use serde_json::{json, Value};

use super::input::InputReader;
use super::{guide_fields, schemas};
use crate::registration_check::{check_registration, RegistrationForm};
use crate::user_type::AnamUserType;

pub(super) const ACTION: &str = "registration_check";

/// The text fields of the form, in the form's order.
const TEXT_FIELDS: [&str; 15] = [
    "user_type",
    "curp",
    "rfc",
    "tax_id",
    "passport",
    "name",
    "first_surname",
    "second_surname",
    "email",
    "state",
    "locality",
    "colonia",
    "postal_code",
    "exterior_number",
    "street",
];

pub(super) fn spec() -> ActionSpec {
    let user_types: Vec<&str> = AnamUserType::ALL.iter().map(|t| t.label()).collect();
    let mut properties = serde_json::Map::new();
    for field in TEXT_FIELDS {
        properties.insert(field.into(), json!({"type": "string"}));
    }
    properties.insert(
        "user_type".into(),
        json!({"type": "string", "description": format!("One of: {} (case and accents do not matter).", user_types.join(", "))}),
    );
    properties.insert(
        "foreigner".into(),
        json!({"type": "boolean", "default": false, "description": "\"¿Es extranjero?\": a foreigner gives tax_id and passport instead of curp and rfc."}),
    );
    properties.insert(
        "second_surname".into(),
        json!({"type": "string", "description": "Optional."}),
    );
    ActionSpec::new(
        ACTION,
        "Checks an ANAM Acceso Único registration form and reports every problem at once (as output, not as an error), with the documents to prepare and the next steps.",
    )
    .input_schema(json!({
        "type": "object",
        "description": "No field is required by the schema: missing ones come back, with every other problem, in the output's `problems`.",
        "properties": properties,
        "additionalProperties": false
    }))
    .output_schema(schemas::guide_output(
        json!({
            "ok": {"type": "boolean", "description": "True when `problems` is empty."},
            "problems": {"type": "array", "items": schemas::problem()},
            "warnings": {"type": "array", "items": schemas::problem()},
            "user_type": {"enum": user_types.iter().map(|t| json!(t)).chain([Value::Null]).collect::<Vec<_>>()},
            "foreigner": {"type": "boolean"},
            "normalized": {
                "type": "object",
                "description": "Normalised forms of the identifiers that passed validation.",
                "properties": {
                    "curp": {"type": "string"}, "rfc": {"type": "string"}, "email": {"type": "string"},
                    "postal_code": {"type": "string"}, "tax_id": {"type": "string"}, "passport": {"type": "string"}
                },
                "additionalProperties": false
            },
            "documents": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["code", "title", "detail", "options"],
                    "properties": {
                        "code": {"enum": ["official_id", "responsiva"]},
                        "title": {"type": "string"},
                        "detail": {"type": "string"},
                        "options": {"type": "array", "items": {"type": "string"}}
                    },
                    "additionalProperties": false
                }
            }
        }),
        &["ok", "problems", "warnings", "user_type", "foreigner", "normalized", "documents"],
    ))
}

pub(super) fn invoke(input: &Value, english: bool) -> Result<Value, ActionError> {
    let mut allowed: Vec<&str> = TEXT_FIELDS.to_vec();
    allowed.push("foreigner");
    let mut reader = InputReader::new(input, &allowed, english)?;
    // Presence is judged by the check itself, which knows what a foreigner needs;
    // the reader only looks at types and unknown fields.
    let form = RegistrationForm {
        user_type: reader.optional_str("user_type"),
        foreigner: reader.optional_bool("foreigner").unwrap_or(false),
        curp: reader.optional_str("curp"),
        rfc: reader.optional_str("rfc"),
        tax_id: reader.optional_str("tax_id"),
        passport: reader.optional_str("passport"),
        name: reader.optional_str("name"),
        first_surname: reader.optional_str("first_surname"),
        second_surname: reader.optional_str("second_surname"),
        email: reader.optional_str("email"),
        state: reader.optional_str("state"),
        locality: reader.optional_str("locality"),
        colonia: reader.optional_str("colonia"),
        postal_code: reader.optional_str("postal_code"),
        exterior_number: reader.optional_str("exterior_number"),
        street: reader.optional_str("street"),
    };
    // Wrong JSON types and unknown fields break the input schema itself, so they
    // are refused like any other action's; what the form says comes back as output.
    reader.finish()?;
    let check = check_registration(&form, english);
    let problems = &check.problems;
    let ok = problems.is_empty();

    let mut output = guide_fields(&check.guide, english);
    let mut markdown = String::new();
    if !problems.is_empty() {
        markdown.push_str(if english {
            "## Fix before registering\n\n"
        } else {
            "## Corrija antes de registrarse\n\n"
        });
        for problem in problems {
            markdown.push_str(&format!(
                "- `{}`: {}\n",
                problem.path,
                problem.issue.message(english)
            ));
        }
        markdown.push('\n');
    }
    markdown.push_str(&check.guide.to_markdown(english));
    markdown.push_str(if english {
        "\n## Documents\n\n"
    } else {
        "\n## Documentos\n\n"
    });
    for document in &check.documents {
        markdown.push_str(&format!("- **{}** — {}\n", document.title, document.detail));
        for option in &document.options {
            markdown.push_str(&format!("  - {option}\n"));
        }
    }
    output.insert("markdown".into(), Value::String(markdown));
    output.insert("ok".into(), json!(ok));
    output.insert(
        "problems".into(),
        Value::Array(problems.iter().map(|p| p.to_json(english)).collect()),
    );
    output.insert(
        "warnings".into(),
        Value::Array(check.warnings.iter().map(|p| p.to_json(english)).collect()),
    );
    output.insert(
        "user_type".into(),
        json!(check.user_type.map(AnamUserType::label)),
    );
    output.insert("foreigner".into(), json!(form.foreigner));
    output.insert("normalized".into(), json!(check.normalized));
    output.insert("documents".into(), json!(check.documents));
    Ok(Value::Object(output))
}
