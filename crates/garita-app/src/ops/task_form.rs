//! A task's answer as a form: the inputs its fields' JSON Schema asks for
//! ([`form_fields`]: a yes/no choice for a boolean, a number input for a
//! number, a choice for an enum, a date picker for a `date` string, one
//! line per item for a list of texts), and
//! the typed answer from the texts a form sends back ([`answer_from_form`]),
//! so a web page answers the same typed values `--field` does. The
//! engine still checks the answer against the schema.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::tasks::{check_field_len, field_value};
use crate::AppError;

/// What input a field needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    /// Free text.
    Text,
    /// Yes or no.
    Boolean,
    /// A whole number.
    Integer,
    /// Any number.
    Number,
    /// A day (`YYYY-MM-DD`).
    Date,
    /// One of `options`.
    Choice,
    /// A list of texts, one per line (an array whose items are strings):
    /// what a person pastes from a portal's screen, never JSON to type.
    Lines,
    /// JSON (an object or a list).
    Json,
}

/// One input of a task's answer form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FormField {
    /// The field's name in the answer.
    pub name: String,
    /// What the schema says of it (`title`, else `description`), if anything.
    pub label: Option<String>,
    /// The schema's `description` when the label is the title.
    pub hint: Option<String>,
    /// The input.
    pub kind: InputKind,
    /// Whether the schema requires it.
    pub required: bool,
    /// For a choice: the allowed values, as text.
    pub options: Vec<String>,
}

/// The inputs of a task whose fields are `schema` (none without a schema
/// or properties), by name (the order the stored schema keeps).
pub fn form_fields(schema: Option<&Value>) -> Vec<FormField> {
    let Some(schema) = schema else {
        return Vec::new();
    };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    properties
        .iter()
        .map(|(name, property)| {
            let text = |key: &str| property.get(key).and_then(Value::as_str).map(str::to_owned);
            let (label, hint) = match (text("title"), text("description")) {
                (Some(title), description) => (Some(title), description),
                (None, description) => (description, None),
            };
            let options: Vec<String> = property
                .get("enum")
                .and_then(Value::as_array)
                .map(|values| values.iter().map(option_text).collect())
                .unwrap_or_default();
            FormField {
                name: name.clone(),
                label,
                hint,
                kind: kind_of(property, !options.is_empty()),
                required: required.contains(&name.as_str()),
                options,
            }
        })
        .collect()
}

fn option_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn kind_of(property: &Value, has_options: bool) -> InputKind {
    if has_options {
        return InputKind::Choice;
    }
    let kind = match property.get("type") {
        Some(Value::String(s)) => s.as_str(),
        // `["string", "null"]`: the first type that is not null.
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("string"),
        _ => "string",
    };
    match kind {
        "boolean" => InputKind::Boolean,
        "integer" => InputKind::Integer,
        "number" => InputKind::Number,
        "array" if items_are_text(property) => InputKind::Lines,
        "object" | "array" => InputKind::Json,
        _ if is_date(property) => InputKind::Date,
        _ => InputKind::Text,
    }
}

/// Whether a string field holds a day: `format: date`, or a pattern of the
/// `YYYY-MM-DD` shape (`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`), which the shipped
/// workflows use so the engine checks the shape.
fn is_date(property: &Value) -> bool {
    property.get("format").and_then(Value::as_str) == Some("date")
        || property
            .get("pattern")
            .and_then(Value::as_str)
            .is_some_and(|p| p.contains("{4}-") && p.contains("{2}"))
}

/// Whether an array's items are plain strings (no choice among values).
fn items_are_text(property: &Value) -> bool {
    property.get("items").is_some_and(|items| {
        items.get("type").and_then(Value::as_str) == Some("string") && items.get("enum").is_none()
    })
}

/// The typed answer from the texts a form sent for `fields`: an empty
/// input is left out (the schema says whether that is allowed), `true` and
/// `false` are booleans, numbers are numbers, a choice is the option's
/// value; a text that is not what its input asks is refused naming the
/// field. Inputs the form does not have are ignored.
pub fn answer_from_form(
    fields: &[FormField],
    sent: &[(String, String)],
) -> Result<Map<String, Value>, AppError> {
    let mut answer = Map::new();
    for field in fields {
        let Some((_, text)) = sent.iter().find(|(name, _)| *name == field.name) else {
            continue;
        };
        check_field_len(&field.name, text.len())?;
        let trimmed = text.trim();
        if trimmed.is_empty() {
            continue;
        }
        let wrong = |what: &str| {
            AppError::Usage(format!(
                "`{}` must be {what}; `{trimmed}` is not",
                field.name
            ))
        };
        let value = match field.kind {
            InputKind::Text | InputKind::Date => Value::String(text.clone()),
            InputKind::Boolean => match trimmed {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => return Err(wrong("yes or no")),
            },
            InputKind::Integer => Value::from(
                trimmed
                    .parse::<i64>()
                    .map_err(|_| wrong("a whole number"))?,
            ),
            InputKind::Number => trimmed
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .ok_or_else(|| wrong("a number"))?,
            InputKind::Choice => {
                if !field.options.iter().any(|o| o == trimmed) {
                    return Err(wrong(&format!("one of {}", field.options.join(", "))));
                }
                // The option's own value: a number or boolean enum stays one.
                match field_value(trimmed) {
                    Value::String(_) => Value::String(trimmed.to_owned()),
                    other => other,
                }
            }
            // A JSON list is still read as one, so an answer written the
            // old way keeps working; otherwise each non-empty line is an item.
            InputKind::Lines => match field_value(trimmed) {
                v @ Value::Array(_) if trimmed.starts_with('[') => v,
                _ => Value::Array(
                    trimmed
                        .lines()
                        .map(str::trim)
                        .filter(|line| !line.is_empty())
                        .map(|line| Value::String(line.to_owned()))
                        .collect(),
                ),
            },
            InputKind::Json => match field_value(trimmed) {
                v @ (Value::Object(_) | Value::Array(_)) => v,
                _ => return Err(wrong("JSON (an object or a list)")),
            },
        };
        answer.insert(field.name.clone(), value);
    }
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn sent(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_list_of_texts_is_one_item_per_line_and_a_json_list_still_reads() {
        let schema = json!({
            "type": "object",
            "properties": {
                "emails": {"type": "array", "items": {"type": "string"}},
                "ports": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}},
                "rows": {"type": "array", "items": {"type": "object"}}
            }
        });
        let fields = form_fields(Some(&schema));
        let kinds: Vec<InputKind> = fields.iter().map(|f| f.kind).collect();
        assert_eq!(kinds, [InputKind::Lines, InputKind::Json, InputKind::Json]);
        let pasted = "ana@empresa.com\r\n\n  luis@empresa.com  \n";
        let answer = answer_from_form(&fields[..1], &sent(&[("emails", pasted)])).unwrap();
        assert_eq!(
            answer["emails"],
            json!(["ana@empresa.com", "luis@empresa.com"])
        );
        let old_way = r#"["ana@empresa.com", "luis@empresa.com"]"#;
        let answer = answer_from_form(&fields[..1], &sent(&[("emails", old_way)])).unwrap();
        assert_eq!(
            answer["emails"],
            json!(["ana@empresa.com", "luis@empresa.com"])
        );
        // Only blank lines: nothing sent, so the schema decides.
        let answer = answer_from_form(&fields[..1], &sent(&[("emails", " \n ")])).unwrap();
        assert!(answer.is_empty());
    }

    #[test]
    fn a_schema_becomes_typed_inputs_and_the_form_a_typed_answer() {
        let schema = json!({
            "type": "object",
            "required": ["approved"],
            "properties": {
                "approved": {"type": "boolean", "description": "true: enviar"},
                "copies": {"type": "integer", "title": "Copias", "description": "cuántas"},
                "rate": {"type": "number"},
                "on": {"type": "string", "format": "date"},
                "applied_on": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
                "portal": {"enum": ["ctpat", "anam"]},
                "note": {"type": ["string", "null"]}
            }
        });
        let fields = form_fields(Some(&schema));
        let kinds: Vec<(&str, InputKind, bool)> = fields
            .iter()
            .map(|f| (f.name.as_str(), f.kind, f.required))
            .collect();
        assert_eq!(
            kinds,
            [
                ("applied_on", InputKind::Date, false),
                ("approved", InputKind::Boolean, true),
                ("copies", InputKind::Integer, false),
                ("note", InputKind::Text, false),
                ("on", InputKind::Date, false),
                ("portal", InputKind::Choice, false),
                ("rate", InputKind::Number, false),
            ]
        );
        assert_eq!(fields[1].label.as_deref(), Some("true: enviar"));
        assert_eq!(
            (fields[2].label.as_deref(), fields[2].hint.as_deref()),
            (Some("Copias"), Some("cuántas"))
        );
        let answer = answer_from_form(
            &fields,
            &sent(&[
                ("approved", "true"),
                ("copies", " 3 "),
                ("rate", "1.5"),
                ("on", "2026-03-11"),
                ("portal", "anam"),
                ("note", ""),
                ("csrf", "ignored"),
            ]),
        )
        .unwrap();
        assert_eq!(
            Value::Object(answer),
            json!({"approved": true, "copies": 3, "rate": 1.5, "on": "2026-03-11", "portal": "anam"})
        );
        for (name, text, says) in [
            ("copies", "tres", "a whole number"),
            ("approved", "quizá", "yes or no"),
            ("portal", "ecuapass", "one of ctpat, anam"),
        ] {
            let err = answer_from_form(&fields, &sent(&[(name, text)]))
                .unwrap_err()
                .to_string();
            assert!(err.contains(name) && err.contains(says), "{err}");
        }
        assert!(form_fields(None).is_empty());
    }
}
