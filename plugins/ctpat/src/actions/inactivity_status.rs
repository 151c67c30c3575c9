//! `ctpat.inactivity_status`: where a user stands on the way to CBP's
//! automatic deactivation.

use chrono::NaiveDate;
use garita_sdk::serde_json::{json, Value};
use garita_sdk::{ActionError, ActionSpec, InvokeContext};
use serde::Serialize;

use crate::config::CtpatConfig;
use crate::dates::{add_days, days_between, local_date, optional_date, required_date};
use garita_portal_kit::FieldReader;

/// The action's name after the dot.
pub const NAME: &str = "inactivity_status";

/// How close a user is to deactivation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Before the first reminder day.
    Ok,
    /// From the first reminder day on.
    Reminder,
    /// From the last reminder day on.
    Urgent,
    /// Inactive for more than the limit: CBP has deactivated the user.
    Deactivated,
}

/// The answer of `ctpat.inactivity_status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InactivityStatus {
    /// Calendar days since the last sign-in.
    pub days_inactive: i64,
    /// The first date on which the user is deactivated (`last_sign_in` + limit + 1).
    pub deactivates_on: NaiveDate,
    /// Days from today to `deactivates_on`; 0 once deactivated.
    pub days_left: i64,
    /// The stage the user is in today.
    pub stage: Stage,
    /// Whether today is one of the reminder days.
    pub reminder_due_today: bool,
    /// The next reminder date on or after today, if one is left.
    pub next_reminder_on: Option<NaiveDate>,
}

/// Computes the status of a user who last signed in on `last_sign_in`, as of
/// `today`; `None` when `today` is before the sign-in or the dates overflow.
pub fn inactivity_status(
    last_sign_in: NaiveDate,
    today: NaiveDate,
    config: &CtpatConfig,
) -> Option<InactivityStatus> {
    let days_inactive = days_between(last_sign_in, today);
    if days_inactive < 0 {
        return None;
    }
    let limit = config.inactivity_limit_days;
    let deactivates_on = add_days(last_sign_in, limit + 1)?;
    let first_reminder = config.reminder_days.first().copied();
    let last_reminder = config.reminder_days.last().copied();
    let stage = if days_inactive > limit {
        Stage::Deactivated
    } else if last_reminder.is_some_and(|day| days_inactive >= day) {
        Stage::Urgent
    } else if first_reminder.is_some_and(|day| days_inactive >= day) {
        Stage::Reminder
    } else {
        Stage::Ok
    };
    let next_reminder_day = config
        .reminder_days
        .iter()
        .copied()
        .find(|day| *day >= days_inactive);
    let next_reminder_on = match next_reminder_day {
        Some(day) => Some(add_days(last_sign_in, day)?),
        None => None,
    };
    Some(InactivityStatus {
        days_inactive,
        deactivates_on,
        days_left: days_between(today, deactivates_on).max(0),
        stage,
        reminder_due_today: config.reminder_days.contains(&days_inactive),
        next_reminder_on,
    })
}

/// The action's manifest entry.
pub fn spec() -> ActionSpec {
    ActionSpec::new(
        NAME,
        "Days since a user's last CTPAT portal sign-in, the date CBP deactivates the user, and whether a reminder is due.",
    )
    .input_schema(json!({
        "type": "object",
        "anyOf": [{"required": ["last_sign_in"]}, {"required": ["account"]}],
        "additionalProperties": false,
        "properties": {
            "last_sign_in": {"type": "string", "format": "date", "description": "Date of the user's last sign-in (YYYY-MM-DD)."},
            "account": {"type": "string", "minLength": 1, "description": "Instead of last_sign_in: an inventory account (`ctpat:email` or the sign-in email); garita fills last_sign_in from its last recorded sign-in."},
            "today": {"type": "string", "format": "date", "description": "The date to judge on; default: today in the configured zone."}
        }
    }))
    .output_schema(json!({
        "type": "object",
        "required": ["days_inactive", "deactivates_on", "days_left", "stage", "reminder_due_today", "next_reminder_on"],
        "additionalProperties": false,
        "properties": {
            "days_inactive": {"type": "integer", "minimum": 0},
            "deactivates_on": {"type": "string", "format": "date", "description": "First date on which the user is deactivated."},
            "days_left": {"type": "integer", "minimum": 0, "description": "Days until deactivates_on; 0 once deactivated."},
            "stage": {"enum": ["ok", "reminder", "urgent", "deactivated"]},
            "reminder_due_today": {"type": "boolean"},
            "next_reminder_on": {"type": ["string", "null"], "format": "date", "description": "Next reminder date on or after today; null when none is left."}
        }
    }))
}

/// Runs the action.
pub fn run(ctx: &InvokeContext, input: &Value) -> Result<Value, ActionError> {
    let config = CtpatConfig::from_context(ctx)?;
    let mut reader = FieldReader::new(ctx, input);
    reader.refuse_unknown(&["last_sign_in", "account", "today"]);
    // Checked for its type only: the host has already turned it into last_sign_in.
    let account = reader.optional_str("account");
    if input.get("last_sign_in").is_none() && account.is_some() {
        // Only garita's host knows the inventory; a direct call cannot resolve it.
        return Err(ActionError::permanent(
            "`account` is resolved from garita's account inventory; call this action through garita, or give last_sign_in",
        ));
    }
    let last_sign_in = required_date(&mut reader, "last_sign_in");
    let today = optional_date(&mut reader, "today")
        .unwrap_or_else(|| local_date(ctx.now, config.time_zone));
    if let Some(signed_in) = last_sign_in.filter(|date| *date > today) {
        let path = reader.path("last_sign_in");
        reader.fail(
            path,
            format!("el último inicio de sesión ({signed_in}) es posterior a hoy ({today})"),
            format!("the last sign-in ({signed_in}) is after today ({today})"),
        );
    }
    let status = last_sign_in.and_then(|date| inactivity_status(date, today, &config));
    let status = reader.finish(status)?;
    garita_sdk::serde_json::to_value(status).map_err(|err| ActionError::permanent(err.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use garita_sdk::serde_json::json;
    use proptest::prelude::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn status_days_back(days: i64) -> InactivityStatus {
        let today = date("2026-05-20");
        let signed_in = add_days(today, -days).unwrap();
        inactivity_status(signed_in, today, &CtpatConfig::default()).unwrap()
    }

    #[test]
    fn twenty_nine_days_back_is_ok() {
        let status = status_days_back(29);
        assert_eq!(status.stage, Stage::Ok);
        assert!(!status.reminder_due_today);
        assert_eq!(status.days_left, 17);
        assert_eq!(status.next_reminder_on, Some(date("2026-05-21")));
    }

    #[test]
    fn thirty_days_back_is_the_first_reminder() {
        let status = status_days_back(30);
        assert_eq!(status.stage, Stage::Reminder);
        assert!(status.reminder_due_today);
        assert_eq!(status.next_reminder_on, Some(date("2026-05-20")));
    }

    #[test]
    fn forty_five_days_back_is_the_last_active_day() {
        let status = status_days_back(45);
        assert_eq!(status.stage, Stage::Urgent);
        assert_eq!(status.days_left, 1);
        assert_eq!(status.deactivates_on, date("2026-05-21"));
        assert_eq!(status.next_reminder_on, None);
    }

    #[test]
    fn forty_six_days_back_is_deactivated() {
        let status = status_days_back(46);
        assert_eq!(status.stage, Stage::Deactivated);
        assert_eq!(status.days_left, 0);
        assert_eq!(status.deactivates_on, date("2026-05-20"));
        assert!(!status.reminder_due_today);
    }

    #[test]
    fn deactivates_on_is_the_sign_in_plus_forty_six_days() {
        let status = inactivity_status(
            date("2026-01-01"),
            date("2026-01-01"),
            &CtpatConfig::default(),
        )
        .unwrap();
        assert_eq!(status.deactivates_on, date("2026-02-16"));
        assert_eq!(status.days_left, 46);
    }

    #[test]
    fn counts_calendar_days_across_the_march_dst_change() {
        // New York moves its clocks forward on 2026-03-08.
        let status = inactivity_status(
            date("2026-01-23"),
            date("2026-03-09"),
            &CtpatConfig::default(),
        )
        .unwrap();
        assert_eq!(status.days_inactive, 45);
        assert_eq!(status.stage, Stage::Urgent);
        assert_eq!(status.deactivates_on, date("2026-03-10"));
    }

    fn ctx_at(now: &str) -> InvokeContext {
        let now = DateTime::parse_from_rfc3339(now)
            .unwrap()
            .with_timezone(&Utc);
        InvokeContext {
            now,
            ..InvokeContext::for_test()
        }
    }

    #[test]
    fn today_is_the_new_york_date_of_now_not_the_utc_date() {
        // 03:55 UTC on 2026-03-09 is still 23:55 on the 8th in New York (EDT, UTC-4).
        let before_midnight = run(
            &ctx_at("2026-03-09T03:55:00Z"),
            &json!({"last_sign_in": "2026-01-23"}),
        )
        .unwrap();
        assert_eq!(before_midnight["days_inactive"], 44);
        // Ten minutes later it is 00:05 on the 9th in New York.
        let after_midnight = run(
            &ctx_at("2026-03-09T04:05:00Z"),
            &json!({"last_sign_in": "2026-01-23"}),
        )
        .unwrap();
        assert_eq!(after_midnight["days_inactive"], 45);
        assert_eq!(after_midnight["deactivates_on"], "2026-03-10");
    }

    #[test]
    fn midnight_before_the_change_uses_standard_time() {
        // On 2026-03-08 New York is still on EST (UTC-5) at midnight.
        let ctx = ctx_at("2026-03-08T04:30:00Z");
        let out = run(&ctx, &json!({"last_sign_in": "2026-03-01"})).unwrap();
        assert_eq!(out["days_inactive"], 6, "23:30 EST on the 7th");
        let ctx = ctx_at("2026-03-08T05:30:00Z");
        let out = run(&ctx, &json!({"last_sign_in": "2026-03-01"})).unwrap();
        assert_eq!(out["days_inactive"], 7, "00:30 EST on the 8th");
    }

    #[test]
    fn explicit_today_wins_over_now() {
        let out = run(
            &ctx_at("2030-01-01T00:00:00Z"),
            &json!({"last_sign_in": "2026-03-01", "today": "2026-03-31"}),
        )
        .unwrap();
        assert_eq!(
            out,
            json!({
                "days_inactive": 30,
                "deactivates_on": "2026-04-16",
                "days_left": 16,
                "stage": "reminder",
                "reminder_due_today": true,
                "next_reminder_on": "2026-03-31",
            })
        );
    }

    #[test]
    fn limit_and_reminder_days_come_from_config() {
        let ctx = InvokeContext {
            config: json!({"inactivity_limit_days": 20, "reminder_days": [10, 15]}),
            ..InvokeContext::for_test()
        };
        let at = |today: &str| {
            run(&ctx, &json!({"last_sign_in": "2026-03-01", "today": today})).unwrap()
        };
        assert_eq!(at("2026-03-10")["stage"], "ok");
        assert_eq!(at("2026-03-11")["stage"], "reminder");
        assert_eq!(at("2026-03-16")["stage"], "urgent");
        assert_eq!(at("2026-03-16")["reminder_due_today"], true);
        assert_eq!(at("2026-03-21")["stage"], "urgent");
        assert_eq!(at("2026-03-22")["stage"], "deactivated");
        assert_eq!(at("2026-03-22")["deactivates_on"], "2026-03-22");
    }

    #[test]
    fn refuses_bad_dates_and_a_future_sign_in() {
        let ctx = InvokeContext::for_test();
        let err = run(&ctx, &json!({"last_sign_in": "2026-02-30"})).unwrap_err();
        assert!(err.to_string().contains("/last_sign_in"), "{err}");
        let err = run(
            &ctx,
            &json!({"last_sign_in": "2026-03-02", "today": "2026-03-01"}),
        )
        .unwrap_err();
        assert!(err.to_string().contains("/last_sign_in"), "{err}");
        let err = run(&ctx, &json!({})).unwrap_err();
        assert!(err.to_string().contains("/last_sign_in"), "{err}");
    }

    proptest! {
        #[test]
        fn stages_never_go_backwards(start in 0i64..20_000, days in 0i64..120) {
            let signed_in = add_days(date("1990-01-01"), start).unwrap();
            let config = CtpatConfig::default();
            let today = add_days(signed_in, days).unwrap();
            let tomorrow = add_days(today, 1).unwrap();
            let a = inactivity_status(signed_in, today, &config).unwrap();
            let b = inactivity_status(signed_in, tomorrow, &config).unwrap();
            prop_assert!(rank(a.stage) <= rank(b.stage));
            prop_assert_eq!(a.days_inactive + a.days_left.max(0), if a.stage == Stage::Deactivated { a.days_inactive } else { 46 });
            prop_assert_eq!(a.stage == Stage::Deactivated, today >= a.deactivates_on);
        }
    }

    fn rank(stage: Stage) -> u8 {
        match stage {
            Stage::Ok => 0,
            Stage::Reminder => 1,
            Stage::Urgent => 2,
            Stage::Deactivated => 3,
        }
    }
}
