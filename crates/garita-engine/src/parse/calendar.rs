//! Cron expressions, IANA time zones and business-day calendars.

use chrono::{TimeZone, Utc};
use chrono_tz::{Tz, TZ_VARIANTS};
use croner::Cron;

use super::node::Node;
use super::problems::Problems;
use super::scalars;
use super::suggest::closest;
use crate::calendar::Country;

/// Longest cron expression accepted; real ones are a few dozen characters.
const MAX_CRON_LEN: usize = 200;

/// An IANA time zone name such as `America/Guayaquil` or `UTC`.
pub(crate) fn time_zone(node: &Node, what: &str, problems: &mut Problems<'_>) -> Option<String> {
    let name = scalars::text(node, what, problems)?;
    if name.parse::<Tz>().is_ok() {
        return Some(name);
    }
    let hint = match closest(&name, TZ_VARIANTS.iter().map(|tz| tz.name())) {
        Some(best) => format!("did you mean `{best}`?"),
        None => "use an IANA name such as `America/Guayaquil`, `America/Mexico_City`, `America/New_York` or `UTC`".to_owned(),
    };
    problems.error_hint(
        node.span,
        format!("{what} `{name}` is not a known IANA time zone"),
        hint,
    );
    None
}

/// The country of a `business_days:` (on a schedule, or in a task's
/// `due:`): `MX`, `EC` or `US`, whose weekends and public holidays are not
/// business days.
pub(crate) fn business_days(node: &Node, problems: &mut Problems<'_>) -> Option<Country> {
    let codes = || Country::ALL.iter().map(|c| c.code());
    let text = node.scalar_text();
    if let Some(country) = text.as_deref().and_then(|t| t.parse::<Country>().ok()) {
        return Some(country);
    }
    let shown = text
        .as_deref()
        .map_or_else(|| node.kind_name().to_owned(), |t| format!("`{t}`"));
    let hint = text
        .as_deref()
        .and_then(|t| codes().find(|code| code.eq_ignore_ascii_case(t)))
        .map_or_else(
            || "the country whose weekends and public holidays are not business days: `MX` (Mexico), `EC` (Ecuador) or `US` (United States)".to_owned(),
            |code| format!("write it in capitals: `{code}`"),
        );
    problems.error_hint(
        node.span,
        format!("`business_days` must be `MX`, `EC` or `US`, not {shown}"),
        hint,
    );
    None
}

/// A five-field cron expression (minute hour day-of-month month day-of-week)
/// that fires at least once.
pub(crate) fn cron(node: &Node, what: &str, problems: &mut Problems<'_>) -> Option<String> {
    let text = scalars::text(node, what, problems)?;
    let hint = "five fields: minute hour day-of-month month day-of-week, e.g. `0 8 * * 1-5` (08:00 Monday to Friday)";
    if text.len() > MAX_CRON_LEN || !text.is_ascii() {
        problems.error_hint(
            node.span,
            format!(
                "{what} `{}` is not a cron expression",
                text.chars().take(40).collect::<String>()
            ),
            hint,
        );
        return None;
    }
    let parsed = match Cron::new(&text).parse() {
        Ok(parsed) => parsed,
        Err(err) => {
            problems.error_hint(
                node.span,
                format!("{what} `{text}` is not a valid cron expression: {err}"),
                hint,
            );
            return None;
        }
    };
    // `0 0 31 2 *` parses but never fires; say so now rather than let the
    // schedule sit silent forever. croner gives up searching at year 5000, so
    // starting in 4990 bounds the search to ten years, which is enough: every
    // pattern that fires at all fires within any four-year span (29 February
    // is the rarest day a pattern can name).
    let start = Utc.with_ymd_and_hms(4990, 1, 1, 0, 0, 0).single();
    if let Some(start) = start {
        if parsed.find_next_occurrence(&start, true).is_err() {
            problems.error_hint(
                node.span,
                format!("{what} `{text}` never fires"),
                "check the day-of-month and month fields",
            );
            return None;
        }
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Span;
    use crate::parse::node::{NodeValue, Scalar};

    fn node(text: &str) -> Node {
        Node {
            span: Span { line: 1, col: 1 },
            value: NodeValue::Scalar(Scalar::Str(text.to_owned())),
        }
    }

    fn cron_problems(text: &str) -> Vec<String> {
        let mut problems = Problems::new("f");
        cron(&node(text), "`cron`", &mut problems);
        problems
            .finish(Some(()))
            .err()
            .map(|d| d.0.iter().map(|d| d.to_string()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn valid_crons() {
        for text in [
            "0 8 * * 1-5",
            "*/15 * * * *",
            "0 9 1 1 *",
            "0 0 29 2 *",
            "@daily",
        ] {
            assert!(
                cron_problems(text).is_empty(),
                "{text}: {:?}",
                cron_problems(text)
            );
        }
    }

    #[test]
    fn invalid_crons() {
        for text in [
            "0 8 * *",
            "61 * * * *",
            "0 0 31 2 *",
            "every day",
            "0 0 0 * * * *",
            "",
        ] {
            let found = cron_problems(text);
            assert_eq!(found.len(), 1, "{text}: {found:?}");
        }
        assert!(cron_problems("0 0 31 2 *")[0].contains("never fires"));
    }

    #[test]
    fn time_zones() {
        let mut problems = Problems::new("f");
        assert_eq!(
            time_zone(&node("America/Guayaquil"), "`time_zone`", &mut problems).as_deref(),
            Some("America/Guayaquil")
        );
        assert_eq!(
            time_zone(&node("America/Guayaquill"), "`time_zone`", &mut problems),
            None
        );
        let found = problems.finish(Some(())).unwrap_err();
        assert_eq!(
            found.0[0].hint.as_deref(),
            Some("did you mean `America/Guayaquil`?")
        );
    }
}
