//! The `inputs:` section: declared run inputs with types and defaults.

use chrono::NaiveDate;
use serde_json::Value;

use super::fields::Fields;
use super::node::Node;
use super::problems::Problems;
use super::scalars;
use super::suggest::did_you_mean;
use crate::model::{InputDef, InputType};

/// The type names accepted under `type:`.
pub(crate) const TYPE_NAMES: &[&str] =
    &["string", "number", "bool", "date", "enum", "list", "object"];

/// Reads `inputs:` (a mapping of name → declaration, or name → type name).
pub(crate) fn read_inputs(node: &Node, problems: &mut Problems<'_>) -> Vec<InputDef> {
    if node.is_null() {
        return Vec::new();
    }
    let Some(entries) = node.as_mapping() else {
        problems.error_hint(
            node.span,
            format!(
                "`inputs` must be a mapping of input names to declarations, not {}",
                node.kind_name()
            ),
            "write `inputs:` then lines like `ruc: {type: string, required: true}`",
        );
        return Vec::new();
    };
    let mut inputs = Vec::new();
    for entry in entries {
        let what = format!("input `{}`", entry.key);
        let name_ok = scalars::is_identifier(&entry.key);
        if !name_ok {
            problems.error_hint(
                entry.key_span,
                format!("input name `{}` is not a valid name", entry.key),
                "templates read inputs as `inputs.NAME`; use letters, digits and `_`, starting with a letter",
            );
        }
        if let Some(def) = read_input(&entry.key, &entry.value, &what, problems) {
            if name_ok {
                inputs.push(def);
            }
        }
    }
    inputs
}

fn read_input(
    name: &str,
    node: &Node,
    what: &str,
    problems: &mut Problems<'_>,
) -> Option<InputDef> {
    // Short form: `ruc: string`.
    if let Some(type_name) = node.as_str() {
        let kind = simple_type(type_name, node, what, problems)?;
        return Some(InputDef {
            name: name.to_owned(),
            kind,
            required: false,
            default: None,
            secret: false,
            description: None,
        });
    }
    let mut fields = Fields::of(node, what, problems)?;
    let type_node = fields.get("type");
    let values = fields.get("values");
    let kind = match type_node {
        None => Some(InputType::String),
        Some(type_node) => {
            match scalars::text(type_node, &format!("the `type` of {what}"), problems) {
                Some(type_name) if type_name == "enum" => enum_type(values, node, what, problems),
                Some(type_name) => simple_type(&type_name, type_node, what, problems),
                None => None,
            }
        }
    };
    if let (Some(values), Some(kind)) = (values, &kind) {
        if !matches!(kind, InputType::Enum { .. }) {
            problems.error_hint(
                values.span,
                format!("`values` of {what} only applies to `type: enum`"),
                "remove `values` or set `type: enum`",
            );
        }
    }
    let required = fields
        .get("required")
        .and_then(|n| scalars::boolean(n, &format!("`required` of {what}"), problems));
    let secret = fields
        .get("secret")
        .and_then(|n| scalars::boolean(n, &format!("`secret` of {what}"), problems));
    let description = fields
        .get("description")
        .and_then(|n| scalars::text(n, &format!("`description` of {what}"), problems));
    let default_node = fields.get("default");
    fields.finish(what, problems);
    let kind = kind?;
    let default = match default_node {
        Some(default_node) => Some(check_default(&kind, default_node, what, problems)?),
        None => None,
    };
    if required == Some(true) {
        if let Some(default_node) = default_node {
            problems.error_hint(
                default_node.span,
                format!("{what} is `required: true` and has a `default`, which would never be used"),
                "remove `required: true` (an input with a default is optional) or remove the default",
            );
        }
    }
    Some(InputDef {
        name: name.to_owned(),
        kind,
        required: required.unwrap_or(false),
        default,
        secret: secret.unwrap_or(false),
        description,
    })
}

fn simple_type(
    type_name: &str,
    node: &Node,
    what: &str,
    problems: &mut Problems<'_>,
) -> Option<InputType> {
    Some(match type_name {
        "string" => InputType::String,
        "number" => InputType::Number,
        "bool" => InputType::Bool,
        "date" => InputType::Date,
        "list" => InputType::List,
        "object" => InputType::Object,
        "enum" => {
            problems.error_hint(
                node.span,
                format!("{what} is an enum without `values`"),
                "write `{type: enum, values: [a, b]}`",
            );
            return None;
        }
        other => {
            let hint = did_you_mean(other, TYPE_NAMES.iter().copied());
            problems.error_maybe_hint(
                node.span,
                format!("{what} has unknown type `{other}`"),
                hint,
            );
            return None;
        }
    })
}

fn enum_type(
    values: Option<&Node>,
    node: &Node,
    what: &str,
    problems: &mut Problems<'_>,
) -> Option<InputType> {
    let Some(values) = values else {
        problems.error_hint(
            node.span,
            format!("{what} is an enum without `values`"),
            "add `values: [a, b]`",
        );
        return None;
    };
    let Some(items) = values.as_sequence() else {
        problems.error(
            values.span,
            format!(
                "`values` of {what} must be a list, not {}",
                values.kind_name()
            ),
        );
        return None;
    };
    let mut out: Vec<String> = Vec::new();
    for item in items {
        let value = scalars::text(item, &format!("a value of {what}"), problems)?;
        if out.contains(&value) {
            problems.error(
                item.span,
                format!("`{value}` appears twice in the `values` of {what}"),
            );
        } else {
            out.push(value);
        }
    }
    if out.is_empty() {
        problems.error(
            values.span,
            format!("`values` of {what} is empty; an enum needs at least one value"),
        );
        return None;
    }
    Some(InputType::Enum { values: out })
}

/// Checks a default against the declared type and returns it as JSON.
fn check_default(
    kind: &InputType,
    node: &Node,
    what: &str,
    problems: &mut Problems<'_>,
) -> Option<Value> {
    let value = node.to_json();
    let ok = match kind {
        // Like run inputs given on the command line, any scalar reads as text.
        InputType::String => match node.scalar_text() {
            Some(text) => return Some(Value::String(text)),
            None => false,
        },
        InputType::Number => value.is_number(),
        InputType::Bool => value.is_boolean(),
        InputType::Date => value
            .as_str()
            .is_some_and(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok()),
        InputType::Enum { values } => {
            let text = node.scalar_text();
            if let Some(text) = text.filter(|t| values.contains(t)) {
                return Some(Value::String(text));
            }
            false
        }
        InputType::List => value.is_array(),
        InputType::Object => value.is_object(),
    };
    if ok {
        return Some(value);
    }
    let expected = match kind {
        InputType::String => "a string".to_owned(),
        InputType::Number => "a number".to_owned(),
        InputType::Bool => "true or false".to_owned(),
        InputType::Date => "a date written YYYY-MM-DD".to_owned(),
        InputType::Enum { values } => format!("one of {}", values.join(", ")),
        InputType::List => "a list".to_owned(),
        InputType::Object => "a mapping".to_owned(),
    };
    problems.error(
        node.span,
        format!(
            "the default of {what} must be {expected}; got {}",
            abbreviate_json(&value)
        ),
    );
    None
}

/// A JSON value for a message, cut short when long.
pub(crate) fn abbreviate_json(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}
