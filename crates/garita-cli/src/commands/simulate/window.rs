//! The simulated period: `--from` and `--to` read in `--time-zone`, and the
//! days it spans.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use crate::usage::UsageError;

/// Longest period one simulation covers when it prints every day.
pub const MAX_DAYS: i64 = 3 * 366;
/// Longest period with `--summary`, which keeps no day-by-day report in
/// memory: long enough to rehearse years of retention and growth.
pub const MAX_DAYS_SUMMARY: i64 = 10 * 366;

/// `[start, end)` in UTC, and the zone days are counted in.
#[derive(Debug, Clone, Copy)]
pub struct SimWindow {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub zone: Tz,
}

impl SimWindow {
    /// `from` and `to` are `YYYY-MM-DD` (a whole day in `zone`: `--to` is
    /// included) or RFC 3339 instants.
    pub fn parse(from: &str, to: &str, zone: &str, max_days: i64) -> Result<Self, UsageError> {
        let zone: Tz = zone.parse().map_err(|_| {
            UsageError(format!(
                "--time-zone `{zone}` is not an IANA time zone such as America/Guayaquil or UTC"
            ))
        })?;
        let start = instant(from, zone, false, "--from")?;
        let end = instant(to, zone, true, "--to")?;
        if end <= start {
            return Err(UsageError(format!(
                "--to ({to}) must come after --from ({from})"
            )));
        }
        if (end - start).num_days() > max_days {
            let hint = if max_days < MAX_DAYS_SUMMARY {
                format!(" or give --summary (totals only, up to {MAX_DAYS_SUMMARY} days)")
            } else {
                String::new()
            };
            return Err(UsageError(format!(
                "the period is longer than {max_days} days; simulate it in parts{hint}"
            )));
        }
        Ok(Self { start, end, zone })
    }

    /// The local day of `at`.
    pub fn day_of(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.zone).date_naive()
    }

    /// The first local midnight strictly after `at`.
    pub fn next_midnight(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        let mut day = self.day_of(at);
        loop {
            day = day.succ_opt().unwrap_or(day);
            if let Some(midnight) = midnight(day, self.zone) {
                if midnight > at {
                    return midnight;
                }
            }
        }
    }

    /// Every local day the period touches, in order.
    pub fn days(&self) -> Vec<NaiveDate> {
        let last = self.day_of(self.end - chrono::TimeDelta::milliseconds(1));
        let mut out = Vec::new();
        let mut day = self.day_of(self.start);
        while day <= last {
            out.push(day);
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
        out
    }
}

/// The first instant of `day` in `zone` (midnight, or the end of a
/// daylight-saving gap that swallows it).
fn midnight(day: NaiveDate, zone: Tz) -> Option<DateTime<Utc>> {
    (0..=3).find_map(|hour| {
        zone.from_local_datetime(&day.and_hms_opt(hour, 0, 0)?)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    })
}

fn instant(
    text: &str,
    zone: Tz,
    inclusive_end: bool,
    flag: &str,
) -> Result<DateTime<Utc>, UsageError> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(at.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        UsageError(format!(
            "{flag} must be a date (YYYY-MM-DD) or an RFC 3339 instant, not `{text}`"
        ))
    })?;
    let day = if inclusive_end {
        day.succ_opt().unwrap_or(day)
    } else {
        day
    };
    midnight(day, zone)
        .ok_or_else(|| UsageError(format!("{flag} {text} has no midnight in {zone}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_cover_whole_days_in_the_zone() {
        let w =
            SimWindow::parse("2026-03-01", "2026-03-31", "America/Guayaquil", MAX_DAYS).unwrap();
        assert_eq!(w.start.to_rfc3339(), "2026-03-01T05:00:00+00:00");
        assert_eq!(w.end.to_rfc3339(), "2026-04-01T05:00:00+00:00");
        assert_eq!(w.days().len(), 31);
        assert_eq!(
            w.next_midnight(w.start).to_rfc3339(),
            "2026-03-02T05:00:00+00:00"
        );
    }

    #[test]
    fn bad_input_is_a_usage_error() {
        assert!(SimWindow::parse("2026-03-01", "2026-02-01", "UTC", MAX_DAYS).is_err());
        assert!(SimWindow::parse("March", "2026-02-01", "UTC", MAX_DAYS).is_err());
        assert!(SimWindow::parse("2026-03-01", "2026-03-02", "Mars/Base", MAX_DAYS).is_err());
        let long = SimWindow::parse("2020-01-01", "2026-01-01", "UTC", MAX_DAYS).unwrap_err();
        assert!(long.to_string().contains("--summary"), "{long}");
        assert!(SimWindow::parse("2020-01-01", "2026-01-01", "UTC", MAX_DAYS_SUMMARY).is_ok());
    }
}
