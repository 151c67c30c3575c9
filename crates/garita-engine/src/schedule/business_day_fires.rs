//! The fires of a schedule kept to business days (`business_days:` on a
//! `schedule` trigger): a cron instant whose local date is a weekend or a
//! public holiday of the calendar's country moves to the next business day
//! at the same local time; fires that move onto one instant fire once.
//!
//! The moved fires are a function of the cron expression and the calendar
//! alone, never of when Garita looks. So "the next fire after `t`" must also
//! see cron instants *before* `t` that a holiday moved past it: a daemon
//! that covered up to 1 January 10:00 (a holiday) still owes the 09:00 fire
//! moved to 4 January. The search therefore starts at the first day of the
//! run of non-business days just before (or around) `t`.
//!
//! A date outside the calendar's covered years cannot be judged: the fire
//! stays where the expression put it and a warning says why, rather than a
//! schedule that stops firing.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use super::cron_trigger::CronTrigger;
use crate::calendar::{at_local_time, BusinessCalendar};

/// Longest run of non-business days searched back from an instant. The
/// longest real ones are a long weekend plus Ecuador's Carnival (four or
/// five days); a month leaves room for any bridge a future rule may add.
const MAX_DAYS_OFF_IN_A_ROW: usize = 31;

/// Most cron instants read for one question, so a per-minute expression over
/// a long run of days off still answers in bounded time.
const MAX_CRON_FIRES_READ: usize = 400_000;

/// The first moved fire strictly after `after`.
pub(super) fn next_after(
    trigger: &CronTrigger,
    calendar: &BusinessCalendar,
    after: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let mut cursor = search_start(trigger, calendar, after);
    let mut best: Option<DateTime<Utc>> = None;
    for _ in 0..MAX_CRON_FIRES_READ {
        let Some(fire) = trigger.next_cron_fire_after(cursor) else {
            break;
        };
        // A move only goes forward: a cron instant past the best moved fire
        // so far cannot give an earlier one.
        if best.is_some_and(|b| fire >= b) {
            break;
        }
        let moved = moved_fire(trigger, calendar, fire);
        if moved > after && best.is_none_or(|b| moved < b) {
            best = Some(moved);
        }
        cursor = fire;
    }
    best
}

/// Every moved fire in `(after, until]`, in order, once each, at most
/// `limit` of them (past `limit` cron instants, the later ones are not read:
/// only a catch-up over years of a per-minute schedule gets there, and it
/// counts rather than runs them).
pub(super) fn fires_between(
    trigger: &CronTrigger,
    calendar: &BusinessCalendar,
    after: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: usize,
) -> Vec<DateTime<Utc>> {
    let mut out = Vec::new();
    let mut cursor = search_start(trigger, calendar, after);
    let most_read = limit.saturating_mul(2).min(MAX_CRON_FIRES_READ).max(limit);
    for _ in 0..most_read {
        // A cron instant past `until` only moves later still.
        let Some(fire) = trigger.next_cron_fire_after(cursor).filter(|f| *f <= until) else {
            break;
        };
        let moved = moved_fire(trigger, calendar, fire);
        if moved > after && moved <= until {
            out.push(moved);
        }
        cursor = fire;
    }
    out.sort_unstable();
    out.dedup();
    out.truncate(limit);
    out
}

/// Where the cron instant `fire` actually fires: itself on a business day,
/// else the next business day at the same local time.
pub(super) fn moved_fire(
    trigger: &CronTrigger,
    calendar: &BusinessCalendar,
    fire: DateTime<Utc>,
) -> DateTime<Utc> {
    let local = fire.with_timezone(&trigger.zone());
    let date = local.date_naive();
    match calendar.next_business_day(date) {
        Ok(day) if day == date => fire,
        Ok(day) => at_local_time(trigger.zone(), day, local.time()).unwrap_or(fire),
        Err(e) => {
            tracing::warn!(
                cron = trigger.expression(),
                time_zone = trigger.zone().name(),
                fire = %fire,
                error = %e,
                "business days unknown for this date: the schedule fires where its cron expression says"
            );
            fire
        }
    }
}

/// Where to start reading cron instants so that none whose moved fire lies
/// after `after` is missed: `after` itself when its local day and the day
/// before are business days, else the day before the run of non-business
/// days that ends at (or just before) `after`'s local day.
fn search_start(
    trigger: &CronTrigger,
    calendar: &BusinessCalendar,
    after: DateTime<Utc>,
) -> DateTime<Utc> {
    let zone = trigger.zone();
    // An unknown year counts as a business day here; `moved_fire` warns.
    let day_off = |day: NaiveDate| calendar.is_business_day(day).is_ok_and(|b| !b);
    let today = after.with_timezone(&zone).date_naive();
    let mut first_off = day_off(today).then_some(today);
    let mut day = today;
    for _ in 0..MAX_DAYS_OFF_IN_A_ROW {
        match day.pred_opt() {
            Some(before) if day_off(before) => {
                first_off = Some(before);
                day = before;
            }
            _ => break,
        }
    }
    let Some(first_off) = first_off else {
        return after;
    };
    // Noon of the business day before the run: it exists in every zone
    // (daylight-saving changes happen at night), and its own fires do not
    // move, so reading them costs a few croner calls and changes nothing.
    first_off
        .pred_opt()
        .and_then(|before| before.and_hms_opt(12, 0, 0))
        .and_then(|noon| zone.from_local_datetime(&noon).earliest())
        .map_or(after, |t| t.with_timezone(&Utc).min(after))
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;
    use proptest::prelude::*;

    use super::*;
    use crate::calendar::Country;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .unwrap()
    }

    fn kept(cron: &str, zone: &str, country: Country) -> CronTrigger {
        CronTrigger::parse(cron, zone)
            .unwrap()
            .on_business_days(BusinessCalendar::by_law(country))
    }

    fn texts(fires: &[DateTime<Utc>]) -> Vec<String> {
        fires.iter().map(|t| t.to_rfc3339()).collect()
    }

    #[test]
    fn a_quarterly_fire_on_new_years_day_moves_to_the_first_business_day() {
        let review = kept(
            "0 9 1 1,4,7,10 *",
            "America/New_York",
            Country::UnitedStates,
        );
        // 1 January 2027 is a Friday and a holiday: Monday 4 January, 09:00 EST.
        assert_eq!(
            review.next_after(utc("2026-12-05T00:00:00Z")),
            Some(utc("2027-01-04T14:00:00Z"))
        );
        // Thursday 1 April 2027 is a business day: no move (09:00 EDT).
        assert_eq!(
            review.next_after(utc("2027-01-04T14:00:00Z")),
            Some(utc("2027-04-01T13:00:00Z"))
        );
        assert_eq!(
            texts(&review.fires_between(
                utc("2026-12-01T00:00:00Z"),
                utc("2027-12-31T00:00:00Z"),
                100
            )),
            [
                "2027-01-04T14:00:00+00:00",
                "2027-04-01T13:00:00+00:00",
                "2027-07-01T13:00:00+00:00",
                "2027-10-01T13:00:00+00:00",
            ]
        );
    }

    #[test]
    fn a_moved_fire_is_found_from_inside_the_days_off() {
        let review = kept(
            "0 9 1 1,4,7,10 *",
            "America/New_York",
            Country::UnitedStates,
        );
        // Covered up to after the cron instant (a daemon that looked on the
        // holiday, or an old state): the moved fire is still ahead.
        for covered in [
            "2027-01-01T14:00:00Z",
            "2027-01-01T20:00:00Z",
            "2027-01-03T12:00:00Z",
            "2027-01-04T13:59:59Z",
        ] {
            assert_eq!(
                review.next_after(utc(covered)),
                Some(utc("2027-01-04T14:00:00Z")),
                "{covered}"
            );
        }
        assert_eq!(
            review.next_after(utc("2027-01-04T14:00:00Z")),
            Some(utc("2027-04-01T13:00:00Z"))
        );
    }

    #[test]
    fn a_daily_schedule_fires_once_per_business_day() {
        // Ecuador, Carnival 2027: Monday 8 and Tuesday 9 February.
        let daily = kept("0 8 * * *", "America/Guayaquil", Country::Ecuador);
        assert_eq!(
            texts(&daily.fires_between(
                utc("2027-02-04T00:00:00Z"),
                utc("2027-02-12T00:00:00Z"),
                100
            )),
            [
                "2027-02-04T13:00:00+00:00",
                "2027-02-05T13:00:00+00:00",
                // Saturday to Tuesday all fire once, on Wednesday.
                "2027-02-10T13:00:00+00:00",
                "2027-02-11T13:00:00+00:00",
            ]
        );
    }

    #[test]
    fn the_same_local_time_across_a_daylight_saving_change() {
        // 2027-03-14 (Sunday) is the spring-forward day in New York; a
        // Saturday 09:00 EST fire moves to Monday 09:00 EDT.
        let weekly = kept("0 9 * * 6", "America/New_York", Country::UnitedStates);
        assert_eq!(
            weekly.next_after(utc("2027-03-12T00:00:00Z")),
            Some(utc("2027-03-15T13:00:00Z"))
        );
    }

    #[test]
    fn past_the_covered_years_fires_stay_where_the_expression_puts_them() {
        let yearly = kept("0 9 1 1 *", "UTC", Country::Mexico);
        assert_eq!(
            yearly.next_after(utc("2035-06-01T00:00:00Z")),
            Some(utc("2036-01-01T09:00:00Z"))
        );
    }

    proptest! {
        #[test]
        fn next_after_and_fires_between_agree(
            cron in prop::sample::select(vec![
                "0 9 1 * *", "30 8 * * *", "0 */6 * * *", "15 9 * * 6", "0 9 1 1,4,7,10 *",
            ]),
            country in prop::sample::select(Country::ALL.to_vec()),
            start_day in 0i64..700,
            start_minute in 0i64..1440,
        ) {
            let trigger = kept(cron, "America/Mexico_City", country);
            let from = utc("2026-01-01T00:00:00Z")
                + TimeDelta::days(start_day)
                + TimeDelta::minutes(start_minute);
            let until = from + TimeDelta::days(40);
            let listed = trigger.fires_between(from, until, 1000);
            let mut walked = Vec::new();
            let mut cursor = from;
            while let Some(next) = trigger.next_after(cursor).filter(|t| *t <= until) {
                walked.push(next);
                cursor = next;
            }
            prop_assert_eq!(&listed, &walked);
            let zone = trigger.zone();
            let calendar = BusinessCalendar::by_law(country);
            for fire in listed {
                let day = fire.with_timezone(&zone).date_naive();
                prop_assert!(calendar.is_business_day(day).unwrap(), "{fire} is a day off");
            }
        }
    }
}
