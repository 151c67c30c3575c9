//! Step lists and the keys every step shares (`id`, `name`, `if`, `retry`,
//! `timeout`, `outputs`); each step kind is read by its own module.

use std::collections::BTreeMap;

use garita_sdk::Manifest;
use serde_json::Value;

use super::fields::Fields;
use super::node::{Node, NodeValue, Scalar};
use super::problems::Problems;
use super::scope::{OutputsOf, Scope};
use super::shape::{result_shape, Shape};
use super::templates::TemplateChecker;
use super::{for_each, retry, scalars, task, uses, wait};
use crate::model::{RetryPolicy, Span, Step, StepKind};

/// The keys that choose what a step does; a step has exactly one.
const KIND_KEYS: &[&str] = &["uses", "task", "wait", "for_each"];

/// Keys that only make sense for one step kind, with that kind.
const KIND_ONLY_KEYS: &[(&str, &str)] = &[
    ("with", "uses"),
    ("timeout", "uses"),
    ("retry", "uses"),
    ("as", "for_each"),
    ("concurrency", "for_each"),
    ("steps", "for_each"),
];

/// What step reading needs besides the node and the scope.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StepReader<'a> {
    /// Template checks.
    pub templates: &'a TemplateChecker,
    /// Loaded connectors.
    pub manifests: &'a [Manifest],
}

impl StepReader<'_> {
    /// Reads a `steps:` list. `scope` is the scope at the list's start.
    pub fn read_steps(
        &self,
        node: &Node,
        scope: &Scope<'_>,
        problems: &mut Problems<'_>,
    ) -> Vec<Step> {
        let Some(items) = node.as_sequence() else {
            problems.error_hint(
                node.span,
                format!("`steps` must be a list of steps, not {}", node.kind_name()),
                "write each step as a list item: `- id: check`",
            );
            return Vec::new();
        };
        if items.is_empty() {
            problems.error_hint(node.span, "`steps` is empty", "add at least one step");
        }
        items
            .iter()
            .enumerate()
            .filter_map(|(position, item)| {
                self.read_step(item, &scope.at_position(position), problems)
            })
            .collect()
    }

    fn read_step(
        &self,
        node: &Node,
        scope: &Scope<'_>,
        problems: &mut Problems<'_>,
    ) -> Option<Step> {
        let mut fields = Fields::of(node, "a step", problems)?;
        let id = fields
            .require("id", "this step", problems)
            .and_then(|n| scalars::identifier(n, "step id", problems));
        let what = match &id {
            Some(id) => format!("step `{id}`"),
            None => "this step".to_owned(),
        };
        let name = fields
            .get("name")
            .and_then(|n| scalars::text(n, &format!("`name` of {what}"), problems));
        let condition = fields
            .get("if")
            .and_then(|n| self.read_condition(n, &what, scope, problems));

        let kind_key = choose_kind(&fields, &what, problems);
        for (key, owner) in KIND_ONLY_KEYS {
            if let Some(entry) = fields.entry(key) {
                if kind_key.is_some_and(|k| k != *owner) {
                    problems.error_hint(
                        entry.key_span,
                        format!(
                            "`{key}` only applies to `{owner}:` steps, and {what} is a `{}:` step",
                            kind_key.unwrap_or_default()
                        ),
                        format!("remove `{key}`"),
                    );
                }
            }
        }
        let kind = match kind_key {
            Some("uses") => {
                let uses_node = fields.get("uses");
                let with = fields.get("with");
                uses_node.and_then(|u| {
                    uses::read_uses(
                        u,
                        with,
                        &what,
                        scope,
                        self.templates,
                        self.manifests,
                        problems,
                    )
                })
            }
            Some("task") => fields.get("task").and_then(|t| {
                task::read_task(t, &what, scope, self.templates, problems).map(StepKind::Task)
            }),
            Some("wait") => fields.get("wait").and_then(|w| {
                wait::read_wait(w, &what, scope, self.templates, problems).map(StepKind::Wait)
            }),
            Some("for_each") => for_each::read_for_each(
                &mut fields,
                &what,
                id.as_deref(),
                node.span,
                scope,
                self,
                problems,
            )
            .map(StepKind::ForEach),
            _ => {
                // Mark the kind keys as understood so they are not also
                // reported as unknown.
                for key in KIND_KEYS {
                    fields.get(key);
                }
                None
            }
        };
        let retry = match fields.get("retry") {
            Some(n) if kind_key == Some("uses") => retry::read_retry(n, &what, problems),
            _ => Some(RetryPolicy::default()),
        };
        let timeout = match fields.get("timeout") {
            Some(n) if kind_key == Some("uses") => {
                scalars::duration(n, &format!("`timeout` of {what}"), problems).map(Some)
            }
            _ => Some(None),
        };
        let outputs_of = match kind_key {
            Some("wait") => OutputsOf::Wait,
            Some("task") => OutputsOf::Task,
            _ => OutputsOf::Result,
        };
        // The index entry of this very step (not of a duplicate id elsewhere).
        let entry = id
            .as_deref()
            .and_then(|id| scope.steps.get(id))
            .filter(|e| e.span == node.span);
        let result_shape = entry.map_or(Shape::Unknown, |e| result_shape(e, scope.manifests));
        let outputs = match fields.get("outputs") {
            Some(n) => self.read_outputs(
                n,
                &format!("`outputs` of {what}"),
                &scope.in_outputs(outputs_of, result_shape),
                problems,
            ),
            None => Some(BTreeMap::new()),
        };
        fields.finish(&what, problems);
        Some(Step {
            id: id?,
            name,
            condition,
            kind: kind?,
            retry: retry?,
            timeout: timeout?,
            outputs: outputs?,
            span: node.span,
        })
    }

    /// `if:` is an expression, bare or in `${{ }}`; `true`/`false` are accepted as-is.
    fn read_condition(
        &self,
        node: &Node,
        what: &str,
        scope: &Scope<'_>,
        problems: &mut Problems<'_>,
    ) -> Option<String> {
        let what = format!("the `if` of {what}");
        match &node.value {
            NodeValue::Scalar(Scalar::Bool(b)) => Some(b.to_string()),
            NodeValue::Scalar(Scalar::Str(text)) => {
                self.templates
                    .check_expression(text, node, &what, scope, problems);
                Some(text.clone())
            }
            _ => {
                problems.error_hint(
                    node.span,
                    format!("{what} must be an expression, not {}", node.kind_name()),
                    "write a condition such as `inputs.kind == 'a'`",
                );
                None
            }
        }
    }

    /// A mapping of output names to values whose strings may be templates.
    pub fn read_outputs(
        &self,
        node: &Node,
        what: &str,
        scope: &Scope<'_>,
        problems: &mut Problems<'_>,
    ) -> Option<BTreeMap<String, Value>> {
        if node.is_null() {
            return Some(BTreeMap::new());
        }
        let Some(entries) = node.as_mapping() else {
            problems.error_hint(
                node.span,
                format!(
                    "{what} must be a mapping of names to values, not {}",
                    node.kind_name()
                ),
                "write lines like `ok: \"${{ result.valid }}\"`",
            );
            return None;
        };
        let mut outputs = BTreeMap::new();
        let mut valid = true;
        for entry in entries {
            if !scalars::is_identifier(&entry.key) {
                problems.error_hint(
                    entry.key_span,
                    format!("output name `{}` is not a valid name", entry.key),
                    "outputs are read as `steps.ID.outputs.NAME`; use letters, digits and `_`, starting with a letter",
                );
                valid = false;
                continue;
            }
            self.templates.check_value(
                &entry.value,
                &format!("output `{}`", entry.key),
                scope,
                problems,
            );
            outputs.insert(entry.key.clone(), entry.value.to_json());
        }
        valid.then_some(outputs)
    }
}

/// Which of `uses`/`task`/`wait`/`for_each` the step has; reports none or several.
fn choose_kind(
    fields: &Fields<'_>,
    what: &str,
    problems: &mut Problems<'_>,
) -> Option<&'static str> {
    // In file order, so "has both" names the second one written, where it is reported.
    let mut present: Vec<(Span, &'static str)> = KIND_KEYS
        .iter()
        .filter_map(|k| fields.key_span(k).map(|span| (span, *k)))
        .collect();
    present.sort_by_key(|(span, _)| (span.line, span.col));
    let present: Vec<&'static str> = present.into_iter().map(|(_, k)| k).collect();
    match present.as_slice() {
        [] => {
            problems.error_hint(
                fields.span,
                format!("{what} does nothing"),
                "give it exactly one of `uses:`, `task:`, `wait:` or `for_each:`",
            );
            None
        }
        [one] => Some(one),
        [first, second, ..] => {
            problems.error_hint(
                fields.key_span(second).unwrap_or(fields.span),
                format!(
                    "{what} has both `{first}:` and `{second}:`, but a step does exactly one thing"
                ),
                "split it into two steps",
            );
            None
        }
    }
}
