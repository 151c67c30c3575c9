//! `ctpat.reactivation_deadline`: by when a reactivated user must sign in.
//!
//! CBP deactivates a reactivated user again unless the user signs in the same
//! calendar day, before midnight. CBP does not say in which zone, so the
//! midnight given is the earliest plausible one ([`crate::plausible_zones`]):
//! `midnight` is that instant (exclusive) and `deadline` its last whole
//! second, 23:59:59 local time of the zone it belongs to (inclusive). Both
//! are also shown in the user's zone, for a notice that tells the user to
//! sign in as soon as it arrives.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;
use garita_sdk::serde_json::{json, Value};
use garita_sdk::{ActionError, ActionSpec, InvokeContext};

use crate::config::CtpatConfig;
use crate::dates::{
    add_days, local_date, optional_date, optional_instant, optional_zone, start_of_day,
};
use crate::plausible_zones::{earliest_midnight, plausible_zones};
use garita_portal_kit::FieldReader;

/// The action's name after the dot.
pub const NAME: &str = "reactivation_deadline";

/// How the local deadline is shown to people: date, time and zone abbreviation.
const LOCAL_FORMAT: &str = "%Y-%m-%d %H:%M:%S %Z";
/// How the midnight is shown: a whole minute needs no seconds.
const MIDNIGHT_FORMAT: &str = "%Y-%m-%d %H:%M %Z";

/// The last instant (23:59:59 local) of `date` in `zone`, or `None` past
/// chrono's range.
pub fn end_of_day(date: NaiveDate, zone: Tz) -> Option<DateTime<Tz>> {
    // Computed from the next day's first instant so that a day whose midnight
    // does not exist (a DST gap) still gets its correct last second.
    let next_day = start_of_day(add_days(date, 1)?, zone)?;
    next_day.checked_sub_signed(TimeDelta::seconds(1))
}

/// Hours from `now` to `deadline`, to two decimals; negative once it passed.
pub fn hours_between(now: DateTime<Utc>, deadline: DateTime<Utc>) -> f64 {
    let seconds = (deadline - now).num_seconds() as f64;
    (seconds / 36.0).round() / 100.0
}

/// The action's manifest entry.
pub fn spec() -> ActionSpec {
    let rendered = json!({
        "type": "object",
        "required": ["time_zone", "deadline", "deadline_local"],
        "additionalProperties": false,
        "properties": {
            "time_zone": {"type": "string"},
            "deadline": {"type": "string", "format": "date-time"},
            "deadline_local": {"type": "string"},
            "midnight": {"type": "string", "format": "date-time"},
            "midnight_local": {"type": "string"}
        }
    });
    ActionSpec::new(
        NAME,
        "The instant by which a reactivated CTPAT user must sign in: the end (23:59:59) of the reactivation day at the earliest plausible midnight (CBP does not say its zone: the US zones and the configured one).",
    )
    .input_schema(json!({
        "type": "object",
        "additionalProperties": false,
        "oneOf": [
            {"required": ["reactivated_on"], "not": {"required": ["reactivated_at"]}},
            {"required": ["reactivated_at"], "not": {"required": ["reactivated_on"]}}
        ],
        "properties": {
            "reactivated_on": {"type": "string", "format": "date", "description": "The day CBP reactivated the user (YYYY-MM-DD)."},
            "reactivated_at": {"type": "string", "format": "date-time", "description": "The instant CBP confirmed the reactivation (RFC 3339); its date in the zone counts."},
            "time_zone": {"type": "string", "description": "IANA zone the reactivation day is read in, also a plausible zone of the midnight; default: time_zone of [connectors.ctpat]."},
            "user_time_zone": {"type": "string", "description": "IANA zone of the user, to show the same deadline in local time."}
        }
    }))
    .output_schema(json!({
        "type": "object",
        "required": ["reactivated_on", "time_zone", "deadline", "deadline_local", "midnight", "plausible_zones", "hours_left"],
        "additionalProperties": false,
        "properties": {
            "reactivated_on": {"type": "string", "format": "date"},
            "time_zone": {"type": "string", "description": "The zone whose midnight ends the day first."},
            "deadline": {"type": "string", "format": "date-time", "description": "23:59:59 of the reactivation day in time_zone, inclusive; the sign-in must happen before the following midnight."},
            "midnight": {"type": "string", "format": "date-time", "description": "The earliest plausible midnight that ends the reactivation day (exclusive)."},
            "plausible_zones": {"type": "array", "items": {"type": "string"}, "description": "The zones CBP could count the day in; midnight is the earliest of theirs."},
            "deadline_local": {"type": "string", "description": "The deadline as local text, e.g. 2026-03-09 23:59:59 EDT."},
            "hours_left": {"type": "number", "description": "Hours from now to the deadline, two decimals; negative once it has passed."},
            "in_user_zone": rendered
        }
    }))
}

/// Runs the action.
pub fn run(ctx: &InvokeContext, input: &Value) -> Result<Value, ActionError> {
    let config = CtpatConfig::from_context(ctx)?;
    let mut reader = FieldReader::new(ctx, input);
    reader.refuse_unknown(&[
        "reactivated_on",
        "reactivated_at",
        "time_zone",
        "user_time_zone",
    ]);
    let zone = optional_zone(&mut reader, "time_zone").unwrap_or(config.time_zone);
    let user_zone = optional_zone(&mut reader, "user_time_zone");
    let on = optional_date(&mut reader, "reactivated_on");
    let at = optional_instant(&mut reader, "reactivated_at");
    let both_given =
        reader.raw("reactivated_on").is_some() && reader.raw("reactivated_at").is_some();
    let none_given =
        reader.raw("reactivated_on").is_none() && reader.raw("reactivated_at").is_none();
    if both_given || none_given {
        let path = reader.path("reactivated_on");
        reader.fail(
            path,
            "indique exactamente uno de reactivated_on (fecha) o reactivated_at (instante)",
            "give exactly one of reactivated_on (a date) or reactivated_at (an instant)",
        );
    }
    let reactivated_on = on.or_else(|| at.map(|instant| local_date(instant, zone)));
    let zones = plausible_zones(&[zone]);
    let midnight = reactivated_on.and_then(|date| earliest_midnight(date, &zones));
    let deadline = midnight.and_then(|m| m.checked_sub_signed(TimeDelta::seconds(1)));
    if reader.is_clean() && deadline.is_none() {
        let path = reader.path("reactivated_on");
        reader.fail(path, "fecha fuera de rango", "date out of range");
    }
    let (reactivated_on, (midnight, deadline)) =
        reader.finish(reactivated_on.zip(midnight.zip(deadline)))?;
    let mut output = json!({
        "reactivated_on": reactivated_on.to_string(),
        "time_zone": deadline.timezone().name(),
        "deadline": deadline.to_rfc3339(),
        "deadline_local": deadline.format(LOCAL_FORMAT).to_string(),
        "midnight": midnight.to_rfc3339(),
        "plausible_zones": zones.iter().map(|z| z.name()).collect::<Vec<_>>(),
        "hours_left": hours_between(ctx.now, deadline.with_timezone(&Utc)),
    });
    if let Some(user_zone) = user_zone {
        let there = deadline.with_timezone(&user_zone);
        let midnight_there = midnight.with_timezone(&user_zone);
        output["in_user_zone"] = json!({
            "time_zone": user_zone.name(),
            "deadline": there.to_rfc3339(),
            "deadline_local": there.format(LOCAL_FORMAT).to_string(),
            "midnight": midnight_there.to_rfc3339(),
            "midnight_local": midnight_there.format(MIDNIGHT_FORMAT).to_string(),
        });
    }
    Ok(output)
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn the_deadline_is_the_last_second_of_the_day_in_new_york() {
        let out = run(
            &ctx_at("2026-03-09T14:00:00Z"),
            &json!({"reactivated_on": "2026-03-09"}),
        )
        .unwrap();
        assert_eq!(out["deadline"], "2026-03-09T23:59:59-04:00");
        assert_eq!(out["deadline_local"], "2026-03-09 23:59:59 EDT");
        assert_eq!(out["time_zone"], "America/New_York");
        assert_eq!(out["midnight"], "2026-03-10T00:00:00-04:00");
        assert_eq!(out["plausible_zones"][0], "America/New_York");
        assert_eq!(out["plausible_zones"][6], "Pacific/Honolulu");
        // 10:00 EDT to 23:59:59 EDT.
        assert_eq!(out["hours_left"], 14.0);
    }

    #[test]
    fn standard_time_before_the_change() {
        let out = run(
            &ctx_at("2026-03-07T12:00:00Z"),
            &json!({"reactivated_on": "2026-03-07"}),
        )
        .unwrap();
        assert_eq!(out["deadline_local"], "2026-03-07 23:59:59 EST");
        assert_eq!(out["deadline"], "2026-03-07T23:59:59-05:00");
    }

    #[test]
    fn a_reactivation_instant_counts_by_its_local_date() {
        // 02:30 UTC on the 10th is still the 9th in New York.
        let out = run(
            &ctx_at("2026-03-10T03:00:00Z"),
            &json!({"reactivated_at": "2026-03-10T02:30:00Z"}),
        )
        .unwrap();
        assert_eq!(out["reactivated_on"], "2026-03-09");
        assert_eq!(out["hours_left"], 1.0);
    }

    #[test]
    fn hours_left_turns_negative_after_the_deadline() {
        let out = run(
            &ctx_at("2026-03-10T06:00:00Z"),
            &json!({"reactivated_on": "2026-03-09"}),
        )
        .unwrap();
        assert_eq!(out["hours_left"], -2.0);
    }

    #[test]
    fn shows_the_same_instant_in_the_users_zone() {
        let input = json!({"reactivated_on": "2026-03-09", "user_time_zone": "America/Tijuana"});
        let out = run(&ctx_at("2026-03-09T14:00:00Z"), &input).unwrap();
        assert_eq!(out["in_user_zone"]["deadline"], "2026-03-09T20:59:59-07:00");
        assert_eq!(
            out["in_user_zone"]["deadline_local"],
            "2026-03-09 20:59:59 PDT"
        );
        assert_eq!(
            out["in_user_zone"]["midnight_local"],
            "2026-03-09 21:00 PDT"
        );
        assert_eq!(out["in_user_zone"]["midnight"], "2026-03-09T21:00:00-07:00");
    }

    #[test]
    fn a_configured_or_given_zone_only_ever_makes_the_deadline_earlier() {
        // Guayaquil (UTC-5) ends 2026-03-09 an hour after New York (EDT):
        // CBP might count in New York, so New York's midnight stands.
        let ctx = InvokeContext {
            config: json!({"time_zone": "America/Guayaquil"}),
            ..ctx_at("2026-03-09T14:00:00Z")
        };
        let out = run(&ctx, &json!({"reactivated_on": "2026-03-09"})).unwrap();
        assert_eq!(out["deadline"], "2026-03-09T23:59:59-04:00");
        assert_eq!(out["plausible_zones"][0], "America/Guayaquil");
        let out = run(
            &ctx,
            &json!({"reactivated_on": "2026-03-09", "time_zone": "America/Mexico_City"}),
        )
        .unwrap();
        assert_eq!(out["deadline"], "2026-03-09T23:59:59-04:00");
        // Puerto Rico keeps UTC-4 in winter, an hour ahead of New York.
        let out = run(
            &ctx,
            &json!({"reactivated_on": "2026-01-15", "time_zone": "America/Puerto_Rico"}),
        )
        .unwrap();
        assert_eq!(out["deadline"], "2026-01-15T23:59:59-04:00");
        assert_eq!(out["time_zone"], "America/Puerto_Rico");
    }

    #[test]
    fn a_day_without_midnight_still_ends_at_its_last_second() {
        let santiago = crate::dates::parse_zone("America/Santiago").unwrap();
        let day = NaiveDate::from_ymd_opt(2025, 9, 6).unwrap();
        let end = end_of_day(day, santiago).unwrap();
        assert_eq!(
            end.format("%Y-%m-%d %H:%M:%S").to_string(),
            "2025-09-06 23:59:59"
        );
    }

    #[test]
    fn needs_exactly_one_reactivation_field() {
        let ctx = InvokeContext::for_test();
        assert!(run(&ctx, &json!({})).is_err());
        assert!(run(
            &ctx,
            &json!({"reactivated_on": "2026-03-09", "reactivated_at": "2026-03-09T10:00:00Z"})
        )
        .is_err());
        let err = run(&ctx, &json!({"reactivated_at": "yesterday"})).unwrap_err();
        assert!(err.to_string().contains("/reactivated_at"), "{err}");
        let err = run(
            &ctx,
            &json!({"reactivated_on": "2026-03-09", "time_zone": "Nowhere"}),
        )
        .unwrap_err();
        assert!(err.to_string().contains("/time_zone"), "{err}");
    }
}
