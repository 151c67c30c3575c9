//! `task:` steps: a question for a person, with an optional form and deadline.

use super::due::read_due;
use super::fields::Fields;
use super::node::Node;
use super::on_timeout::read_on_timeout;
use super::problems::Problems;
use super::scalars;
use super::scope::Scope;
use super::templates::TemplateChecker;
use crate::model::{OnTimeout, TaskSpec};
use crate::schema;

/// Reads the mapping under `task:`.
pub(crate) fn read_task(
    node: &Node,
    step: &str,
    scope: &Scope<'_>,
    templates: &TemplateChecker,
    problems: &mut Problems<'_>,
) -> Option<TaskSpec> {
    let what = format!("the `task` of {step}");
    let mut fields = Fields::of(node, &what, problems)?;
    let mut template = |key: &'static str,
                        required: bool,
                        problems: &mut Problems<'_>|
     -> Option<Option<String>> {
        let found = if required {
            fields.require(key, &what, problems)
        } else {
            fields.get(key)
        };
        let Some(value) = found else {
            return if required { None } else { Some(None) };
        };
        let label = format!("`{key}` of {what}");
        let text = scalars::text(value, &label, problems)?;
        templates.check_template(&text, value, &label, scope, problems);
        Some(Some(text))
    };
    let title = template("title", true, problems).flatten();
    let body = template("body", false, problems);
    let assignee = template("assignee", false, problems);
    let due = match fields.get("due") {
        Some(n) => read_due(n, &format!("`due` of {what}"), problems).map(Some),
        None => Some(None),
    };
    let form = match fields.get("fields") {
        Some(n) => read_form(n, &what, problems).map(Some),
        None => Some(None),
    };
    let on_timeout_node = fields.get("on_timeout");
    fields.finish(&what, problems);
    let on_timeout = match on_timeout_node {
        Some(n) => {
            if !fields_has_due(node) {
                problems.error_hint(
                    n.span,
                    format!("`on_timeout` of {what} has no effect without `due`"),
                    "add `due: 3d` (how long the person has) or remove `on_timeout`",
                );
            }
            read_on_timeout(n, step, scope, problems)
        }
        None => Some(OnTimeout::Fail),
    };
    Some(TaskSpec {
        title: title?,
        body: body?,
        assignee: assignee?,
        due: due?,
        fields: form?,
        on_timeout: on_timeout?,
    })
}

fn fields_has_due(node: &Node) -> bool {
    node.as_mapping()
        .is_some_and(|entries| entries.iter().any(|e| e.key == "due"))
}

/// `fields:` is the JSON Schema of the answer: an object schema.
fn read_form(node: &Node, what: &str, problems: &mut Problems<'_>) -> Option<serde_json::Value> {
    let what = format!("`fields` of {what}");
    if node.as_mapping().is_none() {
        problems.error_hint(
            node.span,
            format!(
                "{what} must be a JSON Schema mapping, not {}",
                node.kind_name()
            ),
            "write `fields: {type: object, properties: {date: {type: string}}}`",
        );
        return None;
    }
    let form = node.to_json();
    if let Err(why) = schema::check_schema(&form) {
        problems.error(node.span, format!("{what} is {why}"));
        return None;
    }
    match form.get("type") {
        None => {}
        Some(kind) if kind == "object" => {}
        Some(kind) => {
            problems.error_hint(
                node.span,
                format!("{what} describes {kind}, but a task's answer is an object of fields"),
                "use `type: object` with `properties:`",
            );
            return None;
        }
    }
    Some(form)
}
