//! A cron expression read in an IANA time zone: when it fires, as UTC instants.
//!
//! croner walks the expression over local wall-clock time; this file turns
//! its answers into instants and settles the two daylight-saving cases the
//! way classic cron does, so every wall-clock match fires exactly once:
//!
//! - a local time skipped by a spring-forward change (02:30 on the night the
//!   clocks jump from 02:00 to 03:00) fires at the first instant after the
//!   gap (03:00), once;
//! - a local time that happens twice in a fall-back change (01:30 when the
//!   clocks go back from 02:00 to 01:00) fires at its first occurrence only.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use chrono_tz::Tz;
use croner::Cron;

use super::business_day_fires;
use super::error::ScheduleError;
use crate::calendar::BusinessCalendar;

/// Upper bound on croner calls for one "next fire" question. Each call moves
/// forward in local time; only a fall-back hour can make a call land on an
/// instant already passed (at most one per minute of the repeated hour), so
/// this bound is never reached by a pattern that fires at all.
const MAX_SEARCH_STEPS: usize = 10_000;

/// A parsed `schedule` trigger: the expression, the zone it is read in and,
/// for a schedule kept to business days, their calendar.
#[derive(Debug, Clone)]
pub struct CronTrigger {
    expression: String,
    zone: Tz,
    cron: Cron,
    business_days: Option<BusinessCalendar>,
}

impl CronTrigger {
    /// Parses `expression` (five fields, as the workflow validator accepts)
    /// for evaluation in the IANA zone `time_zone`.
    pub fn parse(expression: &str, time_zone: &str) -> Result<Self, ScheduleError> {
        let zone: Tz = time_zone
            .parse()
            .map_err(|_| ScheduleError::UnknownTimeZone(time_zone.to_owned()))?;
        let cron = Cron::new(expression)
            .parse()
            .map_err(|e| ScheduleError::InvalidCron {
                expression: expression.to_owned(),
                detail: e.to_string(),
            })?;
        Ok(Self {
            expression: expression.to_owned(),
            zone,
            cron,
            business_days: None,
        })
    }

    /// The same schedule kept to the business days of `calendar`: a fire
    /// the expression puts on a weekend or public holiday (in the
    /// trigger's zone) moves to the next business day at the same local
    /// time, and fires that move onto one instant fire once
    /// (`business_day_fires.rs`).
    pub fn on_business_days(mut self, calendar: BusinessCalendar) -> Self {
        self.business_days = Some(calendar);
        self
    }

    /// The calendar fires keep to, if any.
    pub fn business_days(&self) -> Option<&BusinessCalendar> {
        self.business_days.as_ref()
    }

    /// The expression as written.
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The zone the expression is read in.
    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// The first fire strictly after `after`, or `None` when the expression
    /// never fires again (croner searches up to the year 5000). With
    /// business days, fires are the moved ones.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match &self.business_days {
            Some(calendar) => business_day_fires::next_after(self, calendar, after),
            None => self.next_cron_fire_after(after),
        }
    }

    /// The first instant the expression itself names strictly after
    /// `after`, before any move to a business day.
    pub(super) fn next_cron_fire_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        // Fires fall on whole seconds; dropping the fraction keeps croner's
        // "one second later" step from skipping a fire at the next second.
        let whole = after.duration_trunc(TimeDelta::seconds(1)).unwrap_or(after);
        let mut from = whole.with_timezone(&self.zone);
        for _ in 0..MAX_SEARCH_STEPS {
            let found = self.cron.find_next_occurrence(&from, false).ok()?;
            let instant = found.with_timezone(&Utc);
            if instant > after {
                return Some(instant);
            }
            // A repeated (fall-back) local time resolves to its first
            // occurrence, which may lie before `after`: that wall-clock time
            // has fired already, so search on from it.
            from = found;
        }
        None
    }

    /// Every fire in `(after, until]`, in order, at most `limit` of them.
    pub fn fires_between(
        &self,
        after: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: usize,
    ) -> Vec<DateTime<Utc>> {
        if let Some(calendar) = &self.business_days {
            return business_day_fires::fires_between(self, calendar, after, until, limit);
        }
        let mut out = Vec::new();
        let mut cursor = after;
        while out.len() < limit {
            match self.next_after(cursor) {
                Some(fire) if fire <= until => {
                    out.push(fire);
                    cursor = fire;
                }
                _ => break,
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .unwrap()
    }

    fn fires(cron: &str, zone: &str, from: &str, to: &str) -> Vec<String> {
        CronTrigger::parse(cron, zone)
            .unwrap()
            .fires_between(utc(from), utc(to), 1000)
            .iter()
            .map(|t| t.to_rfc3339())
            .collect()
    }

    #[test]
    fn daily_in_guayaquil_is_13_utc_all_year() {
        // Ecuador keeps UTC-5 all year.
        let got = fires(
            "0 8 * * *",
            "America/Guayaquil",
            "2026-03-06T00:00:00Z",
            "2026-03-10T00:00:00Z",
        );
        assert_eq!(
            got,
            [
                "2026-03-06T13:00:00+00:00",
                "2026-03-07T13:00:00+00:00",
                "2026-03-08T13:00:00+00:00",
                "2026-03-09T13:00:00+00:00"
            ]
        );
    }

    #[test]
    fn daily_in_tijuana_follows_spring_forward() {
        // 2026-03-08 02:00 PST becomes 03:00 PDT: 08:00 local is 16:00 UTC
        // before the change and 15:00 UTC from that day on.
        let got = fires(
            "0 8 * * *",
            "America/Tijuana",
            "2026-03-07T00:00:00Z",
            "2026-03-10T00:00:00Z",
        );
        assert_eq!(
            got,
            [
                "2026-03-07T16:00:00+00:00",
                "2026-03-08T15:00:00+00:00",
                "2026-03-09T15:00:00+00:00"
            ]
        );
    }

    #[test]
    fn daily_in_tijuana_follows_fall_back() {
        let got = fires(
            "0 8 * * *",
            "America/Tijuana",
            "2026-10-31T00:00:00Z",
            "2026-11-03T00:00:00Z",
        );
        assert_eq!(
            got,
            [
                "2026-10-31T15:00:00+00:00",
                "2026-11-01T16:00:00+00:00",
                "2026-11-02T16:00:00+00:00"
            ]
        );
    }

    #[test]
    fn a_time_in_the_spring_gap_fires_once_right_after_it() {
        // 02:30 does not exist in Tijuana on 2026-03-08.
        let got = fires(
            "30 2 * * *",
            "America/Tijuana",
            "2026-03-07T00:00:00Z",
            "2026-03-10T00:00:00Z",
        );
        assert_eq!(
            got,
            [
                "2026-03-07T10:30:00+00:00",
                // 03:00 PDT, the first instant after the gap.
                "2026-03-08T10:00:00+00:00",
                "2026-03-09T09:30:00+00:00"
            ]
        );
    }

    #[test]
    fn a_repeated_time_in_the_fall_back_fires_once() {
        // 01:30 happens twice in Tijuana on 2026-11-01 (PDT, then PST).
        let got = fires(
            "30 1 * * *",
            "America/Tijuana",
            "2026-10-31T00:00:00Z",
            "2026-11-03T00:00:00Z",
        );
        assert_eq!(
            got,
            [
                "2026-10-31T08:30:00+00:00",
                "2026-11-01T08:30:00+00:00",
                "2026-11-02T09:30:00+00:00"
            ]
        );
    }

    #[test]
    fn searching_from_inside_the_repeated_hour_never_goes_back() {
        let trigger = CronTrigger::parse("*/20 * * * *", "America/Tijuana").unwrap();
        // 01:10 PST, the second pass through 01:xx.
        let after = utc("2026-11-01T09:10:00Z");
        let next = trigger.next_after(after).unwrap();
        assert!(next > after);
        assert_eq!(next, utc("2026-11-01T10:00:00Z"), "02:00 PST");
    }

    #[test]
    fn every_fire_is_strictly_after_the_previous_one_across_a_year() {
        let trigger = CronTrigger::parse("*/30 * * * *", "America/Tijuana").unwrap();
        let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let end = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
        let all = trigger.fires_between(start, end, 100_000);
        assert!(all.windows(2).all(|w| w[0] < w[1]));
        // 365 days × 48 wall-clock times: in spring 02:00, 02:30 and 03:00
        // fire once together at 03:00 (two fewer); in autumn the repeated
        // 01:00 and 01:30 fire once each, not twice.
        assert_eq!(all.len(), 365 * 48 - 2);
    }

    #[test]
    fn fractional_instants_do_not_skip_a_fire() {
        let trigger = CronTrigger::parse("0 8 * * *", "UTC").unwrap();
        let after = utc("2026-01-01T07:59:59.900Z");
        assert_eq!(trigger.next_after(after), Some(utc("2026-01-01T08:00:00Z")));
        let after = utc("2026-01-01T08:00:00.100Z");
        assert_eq!(
            trigger.next_after(after),
            Some(utc("2026-01-01T08:00:00Z") + TimeDelta::days(1))
        );
    }

    #[test]
    fn bad_zone_and_bad_cron_are_errors() {
        assert!(matches!(
            CronTrigger::parse("0 8 * * *", "Mars/Olympus"),
            Err(ScheduleError::UnknownTimeZone(_))
        ));
        assert!(matches!(
            CronTrigger::parse("0 8 * *", "UTC"),
            Err(ScheduleError::InvalidCron { .. })
        ));
    }
}
