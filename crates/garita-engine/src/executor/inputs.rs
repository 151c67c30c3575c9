//! Checking and typing a run's inputs against the workflow's declarations.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::{Map, Value};

use crate::model::{InputType, Workflow};
use crate::secret_redactor::{secret_input_values, SecretRedactor};

/// Problems with the inputs given to a run, all of them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.join("\n"))]
pub struct InputErrors(pub Vec<String>);

/// Checks `given` against the workflow's inputs, converts strings given on the
/// command line to the declared type, applies defaults, and reports every
/// problem at once.
pub fn resolve_inputs(
    workflow: &Workflow,
    given: &BTreeMap<String, Value>,
) -> Result<Map<String, Value>, InputErrors> {
    let mut errors = Vec::new();
    let mut out = Map::new();
    for name in given.keys() {
        if !workflow.inputs.iter().any(|i| &i.name == name) {
            let known: Vec<&str> = workflow.inputs.iter().map(|i| i.name.as_str()).collect();
            let hint = closest(name, &known)
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_else(|| {
                    if known.is_empty() {
                        " (this workflow takes no inputs)".to_owned()
                    } else {
                        format!(" (known inputs: {})", known.join(", "))
                    }
                });
            errors.push(format!(
                "unknown input `{name}` for workflow `{}`{hint}",
                workflow.name
            ));
        }
    }
    for def in &workflow.inputs {
        match given.get(&def.name) {
            Some(value) => match coerce(&def.kind, value) {
                Ok(v) => {
                    out.insert(def.name.clone(), v);
                }
                // A secret's value must not come back in the message.
                Err(why) if def.secret => errors.push(format!(
                    "input `{}` (secret): {}",
                    def.name,
                    SecretRedactor::new(secret_input_values(
                        workflow,
                        &secret_only(&def.name, value)
                    ))
                    .redact_text(&why)
                )),
                Err(why) => errors.push(format!("input `{}`: {why}", def.name)),
            },
            None => match &def.default {
                Some(default) => {
                    out.insert(def.name.clone(), default.clone());
                }
                None if def.required => errors.push(format!(
                    "missing required input `{}`; pass it with --input {}=VALUE",
                    def.name, def.name
                )),
                None => {
                    out.insert(def.name.clone(), Value::Null);
                }
            },
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(InputErrors(errors))
    }
}

/// Inputs as stored: secret ones replaced by `"***"`.
pub fn redact_inputs(workflow: &Workflow, inputs: &Map<String, Value>) -> Value {
    let mut shown = inputs.clone();
    for def in workflow.inputs.iter().filter(|d| d.secret) {
        if let Some(v) = shown.get_mut(&def.name) {
            *v = Value::String("***".into());
        }
    }
    Value::Object(shown)
}

/// `{name: value}`, to find the secret values of one given input.
fn secret_only(name: &str, value: &Value) -> Map<String, Value> {
    Map::from_iter([(name.to_owned(), value.clone())])
}

fn coerce(kind: &InputType, value: &Value) -> Result<Value, String> {
    let text = value.as_str();
    match kind {
        InputType::String => match value {
            Value::String(_) => Ok(value.clone()),
            Value::Number(n) => Ok(Value::String(n.to_string())),
            other => Err(format!("expected a string, got {other}")),
        },
        InputType::Number => match (value, text) {
            (Value::Number(_), _) => Ok(value.clone()),
            (_, Some(t)) => t
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(|f| {
                    if f.fract() == 0.0 && f.abs() < 9.0e15 {
                        Some(Value::from(f as i64))
                    } else {
                        serde_json::Number::from_f64(f).map(Value::Number)
                    }
                })
                .ok_or_else(|| format!("expected a number, got `{t}`")),
            (other, _) => Err(format!("expected a number, got {other}")),
        },
        InputType::Bool => match (value, text) {
            (Value::Bool(_), _) => Ok(value.clone()),
            (_, Some("true" | "yes" | "1")) => Ok(Value::Bool(true)),
            (_, Some("false" | "no" | "0")) => Ok(Value::Bool(false)),
            (other, _) => Err(format!("expected true or false, got {other}")),
        },
        InputType::Date => match text {
            Some(t) => NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d")
                .map(|d| Value::String(d.format("%Y-%m-%d").to_string()))
                .map_err(|_| format!("expected a date as YYYY-MM-DD, got `{t}`")),
            None => Err(format!("expected a date as YYYY-MM-DD, got {value}")),
        },
        InputType::Enum { values } => match text {
            Some(t) if values.iter().any(|v| v == t) => Ok(value.clone()),
            _ => Err(format!(
                "expected one of {}, got {value}",
                values.join(", ")
            )),
        },
        InputType::List => match (value, text) {
            (Value::Array(_), _) => Ok(value.clone()),
            (_, Some(t)) => match serde_json::from_str::<Value>(t) {
                Ok(v @ Value::Array(_)) => Ok(v),
                _ => Err("expected a JSON list such as [\"a\",\"b\"]".to_owned()),
            },
            (other, _) => Err(format!("expected a list, got {other}")),
        },
        InputType::Object => match (value, text) {
            (Value::Object(_), _) => Ok(value.clone()),
            (_, Some(t)) => match serde_json::from_str::<Value>(t) {
                Ok(v @ Value::Object(_)) => Ok(v),
                _ => Err("expected a JSON object such as {\"k\":\"v\"}".to_owned()),
            },
            (other, _) => Err(format!("expected an object, got {other}")),
        },
    }
}

fn closest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (strsim::levenshtein(name, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min()
        .map(|(_, k)| k)
}
