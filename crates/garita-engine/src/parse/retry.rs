//! `retry:` — `retry: 3` or `retry: {attempts, backoff, factor, max_backoff}`.

use super::fields::Fields;
use super::limits::MAX_RETRY_ATTEMPTS;
use super::node::{Node, NodeValue, Scalar};
use super::problems::Problems;
use super::scalars;
use crate::model::RetryPolicy;

/// Largest accepted backoff factor.
const MAX_FACTOR: f64 = 10.0;

/// Reads a retry policy; unspecified parts take [`RetryPolicy::default`]'s values.
pub(crate) fn read_retry(
    node: &Node,
    what: &str,
    problems: &mut Problems<'_>,
) -> Option<RetryPolicy> {
    let what = format!("`retry` of {what}");
    let defaults = RetryPolicy::default();
    if let NodeValue::Scalar(Scalar::Int(_)) = node.value {
        let attempts = attempts(node, &what, problems)?;
        return Some(RetryPolicy {
            attempts,
            ..defaults
        });
    }
    let mut fields = Fields::of(node, &what, problems)?;
    let attempts = fields
        .require("attempts", &what, problems)
        .and_then(|n| attempts(n, &what, problems));
    let backoff = match fields.get("backoff") {
        Some(n) => scalars::duration(n, &format!("`backoff` of {what}"), problems),
        None => Some(defaults.initial_backoff),
    };
    let factor = match fields.get("factor") {
        Some(n) => scalars::number(n, &format!("`factor` of {what}"), problems).and_then(|f| {
            if (1.0..=MAX_FACTOR).contains(&f) {
                Some(f)
            } else {
                problems.error_hint(
                    n.span,
                    format!("`factor` of {what} must be between 1 and {MAX_FACTOR}, not {f}"),
                    "1 keeps the delay constant, 2 doubles it after each failed attempt",
                );
                None
            }
        }),
        None => Some(defaults.factor),
    };
    let max_node = fields.get("max_backoff");
    let max_backoff = match max_node {
        Some(n) => scalars::duration(n, &format!("`max_backoff` of {what}"), problems),
        None => Some(defaults.max_backoff),
    };
    fields.finish(&what, problems);
    let (backoff, max_backoff) = (backoff?, max_backoff?);
    if max_backoff < backoff {
        match max_node {
            Some(n) => problems.error_hint(
                n.span,
                format!("`max_backoff` of {what} is shorter than its `backoff`"),
                "make `max_backoff` at least as long as `backoff`",
            ),
            None => problems.error_hint(
                fields_span(node),
                format!("`backoff` of {what} is longer than the default `max_backoff` of 5m"),
                "set `max_backoff` too",
            ),
        }
        return None;
    }
    Some(RetryPolicy {
        attempts: attempts?,
        initial_backoff: backoff,
        factor: factor?,
        max_backoff,
    })
}

fn fields_span(node: &Node) -> crate::model::Span {
    node.as_mapping()
        .and_then(|e| e.iter().find(|e| e.key == "backoff"))
        .map_or(node.span, |e| e.value.span)
}

fn attempts(node: &Node, what: &str, problems: &mut Problems<'_>) -> Option<u32> {
    if let NodeValue::Scalar(Scalar::Int(n)) = node.value {
        if n < 1 {
            problems.error_hint(
                node.span,
                format!("{what} asks for {n} attempts; it must be at least 1"),
                "attempts count the first try: 1 means no retry, 3 means up to two retries",
            );
            return None;
        }
    }
    scalars::integer_in(
        node,
        &format!("`attempts` of {what}"),
        1,
        MAX_RETRY_ATTEMPTS,
        problems,
    )
}
