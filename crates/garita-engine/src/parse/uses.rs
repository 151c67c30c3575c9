//! `uses: CONNECTOR.ACTION` steps and their `with:` input, checked against
//! the loaded connectors' manifests.

use garita_sdk::{ActionSpec, Manifest};
use serde_json::{Map, Value};

use super::node::Node;
use super::problems::Problems;
use super::scope::Scope;
use super::suggest::{closest, quoted_list};
use super::templates::TemplateChecker;
use crate::expr;
use crate::model::StepKind;
use crate::schema;

/// Reads `uses:` and `with:` into a [`StepKind::Uses`].
pub(crate) fn read_uses(
    uses: &Node,
    with: Option<&Node>,
    what: &str,
    scope: &Scope<'_>,
    templates: &TemplateChecker,
    manifests: &[Manifest],
    problems: &mut Problems<'_>,
) -> Option<StepKind> {
    let target = split_target(uses, what, problems);
    let with_value = read_with(with, what, scope, templates, problems);
    let (connector, action) = target?;
    let spec = find_action(&connector, &action, uses, manifests, problems);
    if let (Some(spec), Some(with_value)) = (spec, &with_value) {
        check_input(
            spec,
            &connector,
            with_value,
            with.unwrap_or(uses),
            what,
            problems,
        );
    }
    Some(StepKind::Uses {
        side_effects: spec?.side_effects,
        connector,
        action,
        with: with_value?,
    })
}

/// `ecuapass.validate_ruc` → (`ecuapass`, `validate_ruc`).
fn split_target(node: &Node, what: &str, problems: &mut Problems<'_>) -> Option<(String, String)> {
    let hint = "write `uses: CONNECTOR.ACTION`, e.g. `uses: ecuapass.validate_ruc`";
    let Some(text) = node.as_str() else {
        problems.error_hint(
            node.span,
            format!(
                "`uses` of {what} must be a string, not {}",
                node.kind_name()
            ),
            hint,
        );
        return None;
    };
    let valid_part = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    match text.split_once('.') {
        Some((connector, action)) if valid_part(connector) && valid_part(action) => {
            Some((connector.to_owned(), action.to_owned()))
        }
        _ => {
            problems.error_hint(
                node.span,
                format!("`uses: {text}` of {what} is not of the form CONNECTOR.ACTION"),
                hint,
            );
            None
        }
    }
}

fn find_action<'m>(
    connector: &str,
    action: &str,
    node: &Node,
    manifests: &'m [Manifest],
    problems: &mut Problems<'_>,
) -> Option<&'m ActionSpec> {
    let Some(manifest) = manifests.iter().find(|m| m.name == connector) else {
        let names: Vec<&str> = manifests.iter().map(|m| m.name.as_str()).collect();
        let hint = if names.is_empty() {
            "no connectors are loaded; check `garita plugins list`".to_owned()
        } else if let Some(best) = closest(connector, names.iter().copied()) {
            format!("did you mean `{best}`?")
        } else {
            format!("loaded connectors: {}", quoted_list(&names))
        };
        problems.error_hint(node.span, format!("unknown connector `{connector}`"), hint);
        return None;
    };
    if let Some(spec) = manifest.find(action) {
        return Some(spec);
    }
    let actions: Vec<&str> = manifest.actions.iter().map(|a| a.name.as_str()).collect();
    let hint = match closest(action, actions.iter().copied()) {
        Some(best) => format!("did you mean `{connector}.{best}`?"),
        None if actions.is_empty() => format!("connector `{connector}` offers no actions"),
        None => format!("`{connector}` offers: {}", quoted_list(&actions)),
    };
    problems.error_hint(
        node.span,
        format!("connector `{connector}` has no action `{action}`"),
        hint,
    );
    None
}

/// `with:` as JSON (an empty object when absent), its templates checked.
fn read_with(
    with: Option<&Node>,
    what: &str,
    scope: &Scope<'_>,
    templates: &TemplateChecker,
    problems: &mut Problems<'_>,
) -> Option<Value> {
    let Some(node) = with else {
        return Some(Value::Object(Map::new()));
    };
    if node.is_null() {
        return Some(Value::Object(Map::new()));
    }
    let what = format!("`with` of {what}");
    match node.as_str() {
        // The whole input computed at run time: `with: ${{ inputs.payload }}`.
        Some(text) if expr::single_expression(text).is_some() => {
            templates.check_template(text, node, &what, scope, problems);
            return Some(node.to_json());
        }
        _ => {}
    }
    if node.as_mapping().is_none() {
        problems.error_hint(
            node.span,
            format!(
                "{what} must be a mapping of the action's input fields, not {}",
                node.kind_name()
            ),
            "write `with: {field: value}`",
        );
        return None;
    }
    templates.check_value(node, &what, scope, problems);
    Some(node.to_json())
}

/// Checks the literal parts of the input against the action's input schema.
fn check_input(
    spec: &ActionSpec,
    connector: &str,
    value: &Value,
    node: &Node,
    what: &str,
    problems: &mut Problems<'_>,
) {
    if value.is_string() {
        return;
    }
    let mut dynamic = Vec::new();
    node.for_each_string(&mut |pointer, _, text| {
        if expr::has_template_syntax(text) {
            dynamic.push(pointer.to_owned());
        }
    });
    let Err(found) = schema::check_static_parts(&spec.input_schema, value, &dynamic) else {
        return;
    };
    let target = format!("{connector}.{}", spec.name);
    let hint = describe_input(&spec.input_schema, &target);
    for (pointer, message) in found {
        let at = if pointer.is_empty() {
            String::new()
        } else {
            format!(" at `{pointer}`")
        };
        problems.error_maybe_hint(
            node.at_pointer(&pointer).span,
            format!("`with` of {what} does not match the input of `{target}`{at}: {message}"),
            hint.clone(),
        );
    }
}

/// "`x.y` takes: `ruc` (required), `kind`", from the schema's top-level properties.
fn describe_input(schema: &Value, target: &str) -> Option<String> {
    let properties = schema.get("properties")?.as_object()?;
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let described: Vec<String> = properties
        .keys()
        .map(|k| {
            if required.contains(&k.as_str()) {
                format!("`{k}` (required)")
            } else {
                format!("`{k}`")
            }
        })
        .collect();
    if described.is_empty() {
        return None;
    }
    Some(format!("`{target}` takes: {}", described.join(", ")))
}
