//! `wait:` steps: pause for a duration or business days, until a date, or
//! for a signal.

use chrono::{DateTime, NaiveDate};

use super::due::read_due;
use super::fields::Fields;
use super::node::Node;
use super::on_timeout::read_on_timeout;
use super::problems::Problems;
use super::scalars;
use super::scope::Scope;
use super::templates::TemplateChecker;
use crate::expr;
use crate::model::{Due, OnTimeout, WaitFor, WaitSpec};

/// What a wait can wait for; exactly one is given.
const WAIT_KINDS: &[&str] = &["for", "until", "signal"];

/// Reads the mapping under `wait:`.
pub(crate) fn read_wait(
    node: &Node,
    step: &str,
    scope: &Scope<'_>,
    templates: &TemplateChecker,
    problems: &mut Problems<'_>,
) -> Option<WaitSpec> {
    let what = format!("the `wait` of {step}");
    let mut fields = Fields::of(node, &what, problems)?;
    let present: Vec<&str> = WAIT_KINDS
        .iter()
        .copied()
        .filter(|k| fields.has(k))
        .collect();
    let for_node = fields.get("for");
    let until_node = fields.get("until");
    let signal_node = fields.get("signal");
    let timeout_node = fields.get("timeout");
    let on_timeout_node = fields.get("on_timeout");
    fields.finish(&what, problems);

    let wait_for = match present.as_slice() {
        [] => {
            problems.error_hint(
                node.span,
                format!("{what} does not say what to wait for"),
                "give one of `for: 2h`, `until: \"${{ inputs.date }}\"` or `signal: NAME`",
            );
            None
        }
        [_] => {
            if let Some(n) = for_node {
                // The same forms as a task's `due:`: a duration, or business days.
                read_due(n, &format!("`for` of {what}"), problems).map(|due| match due {
                    Due::Elapsed(duration) => WaitFor::Duration { duration },
                    Due::BusinessDays { days, calendar } => {
                        WaitFor::BusinessDays { days, calendar }
                    }
                })
            } else if let Some(n) = until_node {
                read_until(n, &what, scope, templates, problems).map(|at| WaitFor::Until { at })
            } else {
                signal_node
                    .and_then(|n| {
                        scalars::dotted_name(n, &format!("signal name of {what}"), problems)
                    })
                    .map(|name| WaitFor::Signal { name })
            }
        }
        [first, second, ..] => {
            let span = node
                .as_mapping()
                .and_then(|e| e.iter().find(|e| e.key == *second))
                .map_or(node.span, |e| e.key_span);
            problems.error_hint(
                span,
                format!("{what} has both `{first}` and `{second}`; a wait waits for one thing"),
                "split it into two wait steps",
            );
            None
        }
    };

    let timeout = match timeout_node {
        Some(n) => {
            if for_node.is_some() {
                problems.error_hint(
                    n.span,
                    format!("`timeout` of {what} has no effect on a `for:` wait"),
                    "remove `timeout`; the wait ends after `for` anyway",
                );
            }
            // Elapsed time, or business days as a task's `due:` counts them.
            read_due(n, &format!("`timeout` of {what}"), problems).map(Some)
        }
        None => {
            if present == ["signal"] {
                problems.error_hint(
                    node.span,
                    format!("{what} waits for a signal but has no `timeout`"),
                    "add `timeout: 7d` so the run cannot wait forever, and choose `on_timeout`",
                );
                None
            } else {
                Some(None)
            }
        }
    };
    let on_timeout = match on_timeout_node {
        Some(n) => {
            if timeout_node.is_none() && present != ["signal"] {
                problems.error_hint(
                    n.span,
                    format!("`on_timeout` of {what} has no effect without `timeout`"),
                    "add `timeout:` or remove `on_timeout`",
                );
            }
            read_on_timeout(n, step, scope, problems)
        }
        None => Some(OnTimeout::Fail),
    };
    Some(WaitSpec {
        wait_for: wait_for?,
        timeout: timeout?,
        on_timeout: on_timeout?,
    })
}

/// `until:` is a template, or a literal RFC 3339 instant or `YYYY-MM-DD` date.
fn read_until(
    node: &Node,
    what: &str,
    scope: &Scope<'_>,
    templates: &TemplateChecker,
    problems: &mut Problems<'_>,
) -> Option<String> {
    let label = format!("`until` of {what}");
    let text = scalars::text(node, &label, problems)?;
    if expr::has_template_syntax(&text) {
        templates.check_template(&text, node, &label, scope, problems);
        return Some(text);
    }
    let literal = text.trim();
    if DateTime::parse_from_rfc3339(literal).is_ok()
        || NaiveDate::parse_from_str(literal, "%Y-%m-%d").is_ok()
    {
        return Some(text);
    }
    problems.error_hint(
        node.span,
        format!("{label} `{text}` is neither a date nor a template"),
        "write a date `2025-01-31`, an instant `2025-01-31T08:00:00-05:00`, or a template such as `${{ inputs.deadline }}`",
    );
    None
}
