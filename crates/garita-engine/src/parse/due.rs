//! A task's `due:`: a duration (`3d`, elapsed time, as always) or business
//! days of a country's calendar (`{days: 2, business_days: US}`), the same
//! `business_days:` a schedule uses to keep its fires to business days.

use super::calendar;
use super::fields::Fields;
use super::limits::MAX_DUE_BUSINESS_DAYS;
use super::node::Node;
use super::problems::Problems;
use super::scalars;
use crate::model::Due;

/// How to write business days, for hints.
const BUSINESS_DAYS_FORM: &str = "`{days: 2, business_days: US}` (two business days of the US calendar; `MX` and `EC` also exist)";

/// Reads `due:`; `what` names it in messages (``` `due` of the `task` of step `review` ```).
pub(crate) fn read_due(node: &Node, what: &str, problems: &mut Problems<'_>) -> Option<Due> {
    if node.as_mapping().is_none() {
        if let Some(text) = node.as_str().filter(|t| looks_like_business_days(t)) {
            problems.error_hint(
                node.span,
                format!("{what} `{text}` is not a duration"),
                format!("for business days write {BUSINESS_DAYS_FORM}"),
            );
            return None;
        }
        return scalars::duration(node, what, problems).map(Due::Elapsed);
    }
    let mut fields = Fields::of(node, what, problems)?;
    let days = fields.require("days", what, problems).and_then(|n| {
        scalars::integer_in(
            n,
            &format!("`days` of {what}"),
            1,
            MAX_DUE_BUSINESS_DAYS,
            problems,
        )
    });
    let calendar = match fields.get("business_days") {
        Some(n) => calendar::business_days(n, problems),
        None => {
            // A count of days without a calendar would silently mean
            // calendar days, which is what `due: 2d` already says.
            problems.error_hint(
                fields.span,
                format!("{what} counts business days but does not say whose: add `business_days`"),
                format!("write {BUSINESS_DAYS_FORM}, or `due: 2d` for elapsed days"),
            );
            None
        }
    };
    fields.finish(what, problems);
    Some(Due::BusinessDays {
        days: days?,
        calendar: calendar?,
    })
}

/// `2bd`, `2 business days`, `2 días hábiles`: what people write for
/// business days, which humantime would reject with a less helpful message.
fn looks_like_business_days(text: &str) -> bool {
    let lower = text.trim().to_lowercase();
    lower.ends_with("bd")
        || lower.contains("business")
        || lower.contains("hábil")
        || lower.contains("habil")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::calendar::Country;
    use crate::parse::yaml_tree;

    /// `due:` read from `text` (a YAML value), and the problems as printed
    /// (`FILE:LINE:COL: message`, then the hint on its own line).
    fn read(text: &str) -> (Option<Due>, Vec<String>) {
        let mut problems = Problems::new("f.yaml");
        let due = yaml_tree::read_tree(&format!("due: {text}\n"), &mut problems)
            .and_then(|tree| {
                tree.as_mapping()
                    .and_then(|m| m.first())
                    .map(|e| e.value.clone())
            })
            .and_then(|n| read_due(&n, "`due`", &mut problems));
        let found = problems
            .finish(Some(()))
            .err()
            .map(|d| d.0.iter().map(|d| d.to_string()).collect())
            .unwrap_or_default();
        (due, found)
    }

    #[test]
    fn a_duration_keeps_its_meaning() {
        let (due, problems) = read("2d");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            due,
            Some(Due::Elapsed(std::time::Duration::from_secs(2 * 86_400)))
        );
    }

    #[test]
    fn business_days_of_a_calendar() {
        let (due, problems) = read("{days: 2, business_days: US}");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            due,
            Some(Due::BusinessDays {
                days: 2,
                calendar: Country::UnitedStates
            })
        );
    }

    #[test]
    fn mistakes_are_reported_where_they_are() {
        for (text, expected) in [
            (
                "2bd",
                "f.yaml:1:6: `due` `2bd` is not a duration\n  hint: for business days write `{days: 2, business_days: US}` (two business days of the US calendar; `MX` and `EC` also exist)",
            ),
            (
                "{days: 2}",
                "f.yaml:1:6: `due` counts business days but does not say whose: add `business_days`\n  hint: write `{days: 2, business_days: US}` (two business days of the US calendar; `MX` and `EC` also exist), or `due: 2d` for elapsed days",
            ),
            (
                "{days: 0, business_days: US}",
                "f.yaml:1:13: `days` of `due` must be between 1 and 2600, not 0",
            ),
            (
                "{days: two, business_days: US}",
                "f.yaml:1:13: `days` of `due` must be a whole number, not a string",
            ),
            (
                "{days: 2, business_days: us}",
                "f.yaml:1:31: `business_days` must be `MX`, `EC` or `US`, not `us`\n  hint: write it in capitals: `US`",
            ),
            (
                "{business_days: US}",
                "f.yaml:1:6: `due` is missing the required key `days`",
            ),
        ] {
            let (due, problems) = read(text);
            assert_eq!(due, None, "{text}");
            assert_eq!(problems, [expected], "{text}");
        }
        let (_, problems) = read("{days: 2, business_days: US, hours: 3}");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("hours"), "{problems:?}");
    }

    proptest! {
        #[test]
        fn every_count_and_calendar_reads_back(
            days in 1u32..=MAX_DUE_BUSINESS_DAYS,
            country in prop::sample::select(Country::ALL.to_vec()),
        ) {
            let (due, problems) = read(&format!("{{days: {days}, business_days: {country}}}"));
            prop_assert!(problems.is_empty(), "{:?}", problems);
            prop_assert_eq!(due, Some(Due::BusinessDays { days, calendar: country }));
        }

        #[test]
        fn any_value_reads_or_says_where_it_is_wrong(text in "[ -~]{0,40}") {
            let (due, problems) = read(&format!("{text:?}"));
            prop_assert!(due.is_some() == problems.is_empty(), "{:?} {:?}", due, problems);
            for problem in problems {
                prop_assert!(problem.starts_with("f.yaml:1:"), "{}", problem);
            }
        }
    }
}
