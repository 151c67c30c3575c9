//! `for_each:` steps: run nested steps once per item of a list, as child runs.

use super::fields::Fields;
use super::limits::MAX_CONCURRENCY;
use super::node::{Node, NodeValue, Scalar};
use super::parent_reads::ParentReadCollector;
use super::problems::Problems;
use super::scalars;
use super::scope::{Scope, ALWAYS};
use super::shape::Shape;
use super::steps::StepReader;
use super::template_reads::expression_path;
use crate::expr;
use crate::model::{ForEachSpec, Span};

/// Item variable name when `as:` is not given.
pub(crate) const DEFAULT_ITEM_VAR: &str = "item";

/// Children running at once when `concurrency:` is not given.
pub(crate) const DEFAULT_CONCURRENCY: u32 = 4;

/// Names an item variable may not take, because the context already uses them.
const RESERVED: &[&str] = &["index", "parent", "result", "signal", "task"];

/// Reads `for_each`, `as`, `concurrency` and `steps` from a step's fields.
/// `id` and `step_span` identify the step, to find its nested list in the index.
pub(crate) fn read_for_each(
    fields: &mut Fields<'_>,
    what: &str,
    id: Option<&str>,
    step_span: Span,
    scope: &Scope<'_>,
    reader: &StepReader<'_>,
    problems: &mut Problems<'_>,
) -> Option<ForEachSpec> {
    let items = fields
        .get("for_each")
        .and_then(|n| read_items(n, what, scope, reader, problems));
    let items_text = items.clone();
    let item_var = match fields.get("as") {
        Some(n) => read_item_var(n, what, scope, problems),
        None => Some(DEFAULT_ITEM_VAR.to_owned()),
    };
    let concurrency = match fields.get("concurrency") {
        Some(n) => scalars::integer_in(
            n,
            &format!("`concurrency` of {what}"),
            1,
            MAX_CONCURRENCY,
            problems,
        ),
        None => Some(DEFAULT_CONCURRENCY),
    };
    let steps_node = fields.get("steps");
    let Some(steps_node) = steps_node else {
        problems.error_hint(
            fields.span,
            format!("{what} has `for_each` but no `steps`"),
            "add the `steps:` to run for each item",
        );
        return None;
    };
    let list = id
        .filter(|id| scope.steps.get(id).is_some_and(|e| e.span == step_span))
        .and_then(|id| scope.steps.list_owned_by(id));
    // Read the nested steps even when the header is wrong, to report their
    // problems too.
    let nested_var = item_var
        .clone()
        .unwrap_or_else(|| DEFAULT_ITEM_VAR.to_owned());
    // The item variable has the shape of the list's items, when the list is
    // a path into something with a known shape.
    let item_shape = items_text
        .as_deref()
        .and_then(|text| expression_path(expr::single_expression(text).unwrap_or(text.trim())))
        .and_then(|path| scope.path_shape(&path).ok())
        .map_or(Shape::Unknown, Shape::item);
    let reads = ParentReadCollector::new();
    let steps = reader.read_steps(
        steps_node,
        &scope.nested(list, &nested_var, item_shape, reads.clone()),
        problems,
    );
    Some(ForEachSpec {
        items: items?,
        item_var: item_var?,
        concurrency: concurrency?,
        steps,
        parent_steps: reads.finish(),
    })
}

/// The list expression, bare (`inputs.accounts`) or in `${{ }}`.
fn read_items(
    node: &Node,
    what: &str,
    scope: &Scope<'_>,
    reader: &StepReader<'_>,
    problems: &mut Problems<'_>,
) -> Option<String> {
    let label = format!("the `for_each` of {what}");
    match &node.value {
        NodeValue::Scalar(Scalar::Str(text)) => {
            reader
                .templates
                .check_expression(text, node, &label, scope, problems);
            Some(text.clone())
        }
        NodeValue::Sequence(_) => {
            problems.error_hint(
                node.span,
                format!("{label} must be an expression, not a literal list"),
                "declare the list as an input of `type: list`, or write it as an expression: `${{ ['a', 'b'] }}`",
            );
            None
        }
        _ => {
            problems.error_hint(
                node.span,
                format!(
                    "{label} must be an expression giving a list, not {}",
                    node.kind_name()
                ),
                "write `for_each: ${{ inputs.accounts }}`",
            );
            None
        }
    }
}

fn read_item_var(
    node: &Node,
    what: &str,
    scope: &Scope<'_>,
    problems: &mut Problems<'_>,
) -> Option<String> {
    let label = format!("`as` of {what}");
    let name = scalars::identifier(node, &label, problems)?;
    if ALWAYS.contains(&name.as_str())
        || RESERVED.contains(&name.as_str())
        || scope.items.contains(&name)
    {
        problems.error_hint(
            node.span,
            format!("{label} `{name}` would hide a name templates already use"),
            "choose another name, such as `account`",
        );
        return None;
    }
    Some(name)
}
