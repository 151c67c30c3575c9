//! `on_timeout:` of tasks and waits — `fail`, `continue` or `{goto: STEP}`,
//! where the target must be a later step of the same list.

use super::fields::Fields;
use super::node::Node;
use super::problems::Problems;
use super::scalars;
use super::scope::Scope;
use super::step_index::Reach;
use super::suggest::did_you_mean;
use crate::model::OnTimeout;

/// Reads `on_timeout`.
pub(crate) fn read_on_timeout(
    node: &Node,
    what: &str,
    scope: &Scope<'_>,
    problems: &mut Problems<'_>,
) -> Option<OnTimeout> {
    let what = format!("`on_timeout` of {what}");
    let hint = "write `fail`, `continue` or `{goto: STEP_ID}`";
    if node.as_mapping().is_none() {
        return match node.scalar_text().as_deref() {
            Some("fail") => Some(OnTimeout::Fail),
            Some("continue") => Some(OnTimeout::Continue),
            Some(other) => {
                let hint = did_you_mean(other, ["fail", "continue", "goto"])
                    .unwrap_or_else(|| hint.to_owned());
                problems.error_hint(node.span, format!("{what} cannot be `{other}`"), hint);
                None
            }
            None => {
                problems.error_hint(
                    node.span,
                    format!("{what} cannot be {}", node.kind_name()),
                    hint,
                );
                None
            }
        };
    }
    let mut fields = Fields::of(node, &what, problems)?;
    let target = fields.require("goto", &what, problems);
    fields.finish(&what, problems);
    let target = target?;
    let id = scalars::text(target, &format!("`goto` of {what}"), problems)?;
    check_goto(&id, target, &what, scope, problems).then_some(OnTimeout::Goto(id))
}

/// A jump may only go forward, within the same step list.
fn check_goto(
    id: &str,
    node: &Node,
    what: &str,
    scope: &Scope<'_>,
    problems: &mut Problems<'_>,
) -> bool {
    let Some((list, position)) = scope.at else {
        return scope.steps.get(id).is_some();
    };
    let message = match scope.steps.reach(id, list, position) {
        Reach::Later if scope.steps.get(id).is_some_and(|e| e.list == list) => return true,
        Reach::Unknown => {
            let later: Vec<&str> = scope.steps.later_in_list(list, position);
            let hint = did_you_mean(id, later.iter().copied())
                .unwrap_or_else(|| "jump to a later step of the same list".to_owned());
            problems.error_hint(
                node.span,
                format!("{what} jumps to `{id}`, but there is no step `{id}`"),
                hint,
            );
            return false;
        }
        Reach::Itself => format!("{what} jumps to `{id}`, its own step"),
        Reach::Visible => format!("{what} jumps back to `{id}`, an earlier step"),
        Reach::Later => {
            format!("{what} jumps to `{id}`, which is outside the list this step is in")
        }
        Reach::InsideForEach(for_each) => {
            format!("{what} jumps to `{id}`, inside the `for_each` step `{for_each}`")
        }
    };
    problems.error_hint(
        node.span,
        message,
        "`goto` can only skip forward to a later step of the same list; loops are not allowed",
    );
    false
}
