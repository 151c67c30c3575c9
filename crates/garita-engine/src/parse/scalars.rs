//! Reading typed scalars (text, numbers, durations, names) out of nodes, each
//! failure recorded as a problem at the value's position.

use std::time::Duration;

use super::limits::MAX_DURATION_SECS;
use super::node::{Node, NodeValue, Scalar};
use super::problems::Problems;

/// Longest identifier (step id, input name, output name).
const MAX_IDENTIFIER_LEN: usize = 64;

/// Any non-null scalar, read as text (`description: 2024` is `"2024"`).
pub(crate) fn text(node: &Node, what: &str, problems: &mut Problems<'_>) -> Option<String> {
    let found = node.scalar_text();
    if found.is_none() {
        problems.error(
            node.span,
            format!("{what} must be text, not {}", node.kind_name()),
        );
    }
    found
}

/// `true` or `false`.
pub(crate) fn boolean(node: &Node, what: &str, problems: &mut Problems<'_>) -> Option<bool> {
    match &node.value {
        NodeValue::Scalar(Scalar::Bool(b)) => Some(*b),
        _ => {
            let hint = match node.as_str() {
                Some("yes" | "on" | "no" | "off") => {
                    "write `true` or `false`; `yes`/`no` are plain strings in YAML 1.2"
                }
                _ => "write `true` or `false`",
            };
            problems.error_hint(
                node.span,
                format!("{what} must be true or false, not {}", node.kind_name()),
                hint,
            );
            None
        }
    }
}

/// An integer within `min..=max`.
pub(crate) fn integer_in(
    node: &Node,
    what: &str,
    min: u32,
    max: u32,
    problems: &mut Problems<'_>,
) -> Option<u32> {
    match &node.value {
        NodeValue::Scalar(Scalar::Int(i)) => match u32::try_from(*i) {
            Ok(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                problems.error(
                    node.span,
                    format!("{what} must be between {min} and {max}, not {i}"),
                );
                None
            }
        },
        _ => {
            problems.error(
                node.span,
                format!("{what} must be a whole number, not {}", node.kind_name()),
            );
            None
        }
    }
}

/// Any finite number.
pub(crate) fn number(node: &Node, what: &str, problems: &mut Problems<'_>) -> Option<f64> {
    match &node.value {
        NodeValue::Scalar(Scalar::Int(i)) => Some(*i as f64),
        NodeValue::Scalar(Scalar::Float(f)) => Some(*f),
        _ => {
            problems.error(
                node.span,
                format!("{what} must be a number, not {}", node.kind_name()),
            );
            None
        }
    }
}

/// A human duration (`30s`, `5m`, `2h`, `7d`, `1h 30m`), positive and at most
/// [`MAX_DURATION_SECS`].
pub(crate) fn duration(node: &Node, what: &str, problems: &mut Problems<'_>) -> Option<Duration> {
    let hint = "write a number with a unit: `30s`, `5m`, `2h`, `7d`, or combined like `1h 30m`";
    let text = match &node.value {
        NodeValue::Scalar(Scalar::Str(s)) => s.as_str(),
        NodeValue::Scalar(Scalar::Int(n)) => {
            problems.error_hint(
                node.span,
                format!("{what} `{n}` has no unit"),
                format!("write `{n}s`, `{n}m`, `{n}h` or `{n}d`"),
            );
            return None;
        }
        _ => {
            problems.error_hint(
                node.span,
                format!("{what} must be a duration, not {}", node.kind_name()),
                hint,
            );
            return None;
        }
    };
    match humantime::parse_duration(text) {
        Ok(d) if d.is_zero() => {
            problems.error_hint(node.span, format!("{what} must be longer than zero"), hint);
            None
        }
        Ok(d) if d.as_secs() > MAX_DURATION_SECS => {
            problems.error(
                node.span,
                format!("{what} `{text}` is longer than the limit of ten years"),
            );
            None
        }
        Ok(d) => Some(d),
        Err(err) => {
            problems.error_hint(
                node.span,
                format!("{what} `{text}` is not a duration: {err}"),
                hint,
            );
            None
        }
    }
}

/// Whether `name` can be used after a dot in templates (`steps.NAME`).
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= MAX_IDENTIFIER_LEN
}

/// A name usable in templates: letters, digits and `_`, not starting with a digit.
pub(crate) fn identifier(node: &Node, what: &str, problems: &mut Problems<'_>) -> Option<String> {
    let name = text(node, what, problems)?;
    check_identifier(&name, node, what, problems).then_some(name)
}

/// Checks an already-read name with [`is_identifier`], recording why not.
pub(crate) fn check_identifier(
    name: &str,
    node: &Node,
    what: &str,
    problems: &mut Problems<'_>,
) -> bool {
    if is_identifier(name) {
        return true;
    }
    let hint = if name.contains('-') {
        format!(
            "templates read it as `steps.{name}` where `-` means minus; use `{}`",
            name.replace('-', "_")
        )
    } else if name.len() > MAX_IDENTIFIER_LEN {
        format!("use at most {MAX_IDENTIFIER_LEN} characters")
    } else {
        "use letters, digits and `_`, starting with a letter".to_owned()
    };
    problems.error_hint(
        node.span,
        format!("{what} `{name}` is not a valid name"),
        hint,
    );
    false
}

/// A dotted lowercase name such as an event (`account.offboarded`) or a signal
/// (`reactivated`): `[a-z0-9_-]` segments separated by dots.
pub(crate) fn dotted_name(node: &Node, what: &str, problems: &mut Problems<'_>) -> Option<String> {
    let name = text(node, what, problems)?;
    let valid = name.len() <= 128
        && name.split('.').all(|segment| {
            !segment.is_empty()
                && segment
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        });
    if valid {
        Some(name)
    } else {
        problems.error_hint(
            node.span,
            format!("{what} `{name}` is not a valid name"),
            "use lowercase letters, digits, `_` and `-`, with dots between parts, like `account.offboarded`",
        );
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Span;

    fn scalar(s: Scalar) -> Node {
        Node {
            span: Span { line: 2, col: 3 },
            value: NodeValue::Scalar(s),
        }
    }

    fn messages(problems: Problems<'_>) -> Vec<String> {
        problems
            .finish(Some(()))
            .err()
            .map(|d| d.0.iter().map(ToString::to_string).collect())
            .unwrap_or_default()
    }

    #[test]
    fn durations() {
        let mut problems = Problems::new("f");
        assert_eq!(
            duration(&scalar(Scalar::Str("7d".into())), "`due`", &mut problems),
            Some(Duration::from_secs(7 * 86400))
        );
        assert_eq!(
            duration(
                &scalar(Scalar::Str("1h 30m".into())),
                "`due`",
                &mut problems
            ),
            Some(Duration::from_secs(5400))
        );
        assert!(problems.is_empty());
        assert_eq!(
            duration(&scalar(Scalar::Int(30)), "`timeout`", &mut problems),
            None
        );
        assert_eq!(
            duration(
                &scalar(Scalar::Str("soon".into())),
                "`timeout`",
                &mut problems
            ),
            None
        );
        assert_eq!(
            duration(
                &scalar(Scalar::Str("0s".into())),
                "`timeout`",
                &mut problems
            ),
            None
        );
        assert_eq!(
            duration(
                &scalar(Scalar::Str("100years".into())),
                "`timeout`",
                &mut problems
            ),
            None
        );
        let found = messages(problems);
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(found[0].contains("write `30s`"), "{found:?}");
    }

    #[test]
    fn identifiers() {
        assert!(is_identifier("check_ruc"));
        assert!(is_identifier("_x1"));
        assert!(!is_identifier("1x"));
        assert!(!is_identifier("check-ruc"));
        assert!(!is_identifier(""));
        let mut problems = Problems::new("f");
        assert_eq!(
            identifier(
                &scalar(Scalar::Str("check-ruc".into())),
                "step id",
                &mut problems
            ),
            None
        );
        assert!(messages(problems)[0].contains("use `check_ruc`"));
    }

    #[test]
    fn dotted_names() {
        let mut problems = Problems::new("f");
        assert_eq!(
            dotted_name(
                &scalar(Scalar::Str("account.offboarded".into())),
                "event",
                &mut problems
            )
            .as_deref(),
            Some("account.offboarded")
        );
        assert_eq!(
            dotted_name(
                &scalar(Scalar::Str("Account..x".into())),
                "event",
                &mut problems
            ),
            None
        );
        assert_eq!(messages(problems).len(), 1);
    }
}
