//! When a task is due: [`Due::deadline`] turns a step's `due:` into the
//! instant its task expires.
//!
//! Business days count in the workflow's time zone, because that is where
//! the people answering work: a task opened on Friday at 11:00 in New York
//! with `due: {days: 2, business_days: US}` is due on Tuesday at 11:00
//! (Friday and Monday are its two days), never over the weekend, when
//! nobody reads the inbox and the run would take its `on_timeout` unseen.

use chrono::{DateTime, Days, Utc};
use chrono_tz::Tz;

use crate::calendar::{at_local_time, Calendars};
use crate::model::Due;

impl Due {
    /// The instant a task opened at `start` is due, with `time_zone` the
    /// workflow's zone (an unknown one, which validation prevents, counts
    /// as UTC) and business days counted in `calendars` (the law's days off
    /// and the operator's `[calendar]`). `None` only past chrono's range.
    ///
    /// A start past the calendar's covered years counts calendar days and
    /// logs why: a deadline a little early beats a task that never expires.
    pub fn deadline(
        &self,
        start: DateTime<Utc>,
        time_zone: &str,
        calendars: &Calendars,
    ) -> Option<DateTime<Utc>> {
        match *self {
            Due::Elapsed(elapsed) => chrono::Duration::from_std(elapsed)
                .ok()
                .and_then(|d| start.checked_add_signed(d)),
            Due::BusinessDays { days, calendar } => {
                let zone: Tz = time_zone.parse().unwrap_or(Tz::UTC);
                let local = start.with_timezone(&zone);
                let opened = local.date_naive();
                let day = match calendars.of(calendar).add_business_days(opened, days) {
                    Ok(day) => day,
                    Err(e) => {
                        tracing::warn!(
                            calendar = %calendar,
                            opened = %opened,
                            error = %e,
                            "business days unknown for this date: the task's due date counts calendar days"
                        );
                        opened.checked_add_days(Days::new(u64::from(days)))?
                    }
                };
                at_local_time(zone, day, local.time())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use proptest::prelude::*;

    use super::*;
    use crate::calendar::{AdjustmentKind, BusinessCalendar, CalendarAdjustments, Country};

    const NEW_YORK: &str = "America/New_York";

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .unwrap()
    }

    fn us(days: u32) -> Due {
        Due::BusinessDays {
            days,
            calendar: Country::UnitedStates,
        }
    }

    #[test]
    fn elapsed_time_keeps_its_meaning() {
        let due = Due::Elapsed(Duration::from_secs(2 * 86_400));
        // Friday 11:00 in New York: Sunday, weekend or not.
        assert_eq!(
            due.deadline(utc("2026-04-17T15:00:00Z"), NEW_YORK, &Calendars::default()),
            Some(utc("2026-04-19T15:00:00Z"))
        );
    }

    #[test]
    fn two_business_days_from_a_friday_end_on_tuesday_at_the_same_time() {
        assert_eq!(
            us(2).deadline(utc("2026-04-17T15:00:00Z"), NEW_YORK, &Calendars::default()),
            Some(utc("2026-04-21T15:00:00Z"))
        );
        // Midnight in New York is still Friday there, though UTC says 04:00.
        assert_eq!(
            us(2).deadline(utc("2026-04-17T04:00:00Z"), NEW_YORK, &Calendars::default()),
            Some(utc("2026-04-21T04:00:00Z"))
        );
    }

    #[test]
    fn a_task_opened_on_a_weekend_starts_counting_on_monday() {
        // Saturday: Monday is the first day, Tuesday the second.
        assert_eq!(
            us(2).deadline(utc("2026-04-18T15:00:00Z"), NEW_YORK, &Calendars::default()),
            Some(utc("2026-04-21T15:00:00Z"))
        );
    }

    #[test]
    fn public_holidays_do_not_count() {
        // Friday 3 July 2026 is Independence Day observed in the US; in
        // Mexico it is a working day.
        let thursday = utc("2026-07-02T15:00:00Z");
        assert_eq!(
            us(1).deadline(thursday, NEW_YORK, &Calendars::default()),
            Some(utc("2026-07-06T15:00:00Z"))
        );
        let mx = Due::BusinessDays {
            days: 1,
            calendar: Country::Mexico,
        };
        assert_eq!(
            mx.deadline(thursday, NEW_YORK, &Calendars::default()),
            Some(utc("2026-07-03T15:00:00Z"))
        );
    }

    #[test]
    fn the_local_time_holds_across_a_daylight_saving_change() {
        // Friday 6 March 2026, 11:00 EST; the clocks change on Sunday the
        // 8th; Tuesday 10 March, 11:00 EDT.
        assert_eq!(
            us(2).deadline(utc("2026-03-06T16:00:00Z"), NEW_YORK, &Calendars::default()),
            Some(utc("2026-03-10T15:00:00Z"))
        );
    }

    #[test]
    fn past_the_covered_years_calendar_days_count() {
        assert_eq!(
            us(2).deadline(utc("2036-01-04T12:00:00Z"), "UTC", &Calendars::default()),
            Some(utc("2036-01-06T12:00:00Z"))
        );
    }

    #[test]
    fn configured_days_off_and_working_days_move_the_deadline() {
        // Ecuador: Thursday 2 December 2027, 09:00 in Guayaquil, one
        // business day: Friday 3 by law. (The decree here is made up.)
        let ec = Due::BusinessDays {
            days: 1,
            calendar: Country::Ecuador,
        };
        let thursday = utc("2027-12-02T14:00:00Z");
        let law = Calendars::default();
        assert_eq!(
            ec.deadline(thursday, "America/Guayaquil", &law),
            Some(utc("2027-12-03T14:00:00Z"))
        );
        // A decree rests on Friday 3: Monday 6.
        let mut decree = CalendarAdjustments::new();
        decree
            .add(
                Country::Ecuador,
                AdjustmentKind::DayOff,
                day(2027, 12, 3),
                "Puente",
            )
            .unwrap();
        assert_eq!(
            ec.deadline(thursday, "America/Guayaquil", &Calendars::new(&decree)),
            Some(utc("2027-12-06T14:00:00Z"))
        );
        // ... and makes up for it on Saturday 4: Saturday 4 is the day.
        decree
            .add(
                Country::Ecuador,
                AdjustmentKind::WorkingDay,
                day(2027, 12, 4),
                "Recuperación",
            )
            .unwrap();
        assert_eq!(
            ec.deadline(thursday, "America/Guayaquil", &Calendars::new(&decree)),
            Some(utc("2027-12-04T14:00:00Z"))
        );
    }

    fn day(year: i32, month: u32, day: u32) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    proptest! {
        #[test]
        fn a_business_day_deadline_lands_on_a_business_day_after_the_start(
            start_minute in 0i64..(8 * 365 * 24 * 60),
            days in 1u32..30,
            country in prop::sample::select(Country::ALL.to_vec()),
            zone in prop::sample::select(vec![NEW_YORK, "America/Guayaquil", "America/Mexico_City", "UTC"]),
        ) {
            let start = utc("2026-01-01T00:00:00Z") + chrono::TimeDelta::minutes(start_minute);
            let due = Due::BusinessDays { days, calendar: country };
            let deadline = due.deadline(start, zone, &Calendars::default()).unwrap();
            let tz: Tz = zone.parse().unwrap();
            let day = deadline.with_timezone(&tz).date_naive();
            prop_assert!(deadline > start);
            prop_assert!(BusinessCalendar::by_law(country).is_business_day(day).unwrap());
            // Never fewer calendar days than business days asked for.
            let opened = start.with_timezone(&tz).date_naive();
            prop_assert!((day - opened).num_days() >= i64::from(days));
        }
    }
}
