//! Calendar-date and time-zone helpers shared by the actions.
//!
//! Every count of days here is a difference of calendar dates, never of
//! instants divided by 24 hours, so a day with 23 or 25 hours (a daylight
//! saving change) still counts as one day.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use garita_portal_kit::FieldReader;

/// The input format of a calendar date.
pub(crate) const DATE_FORMAT: &str = "%Y-%m-%d";

/// Parses an IANA zone name such as `America/New_York`.
pub(crate) fn parse_zone(name: &str) -> Option<Tz> {
    name.trim().parse::<Tz>().ok()
}

/// The calendar date of `instant` as seen in `zone`.
pub(crate) fn local_date(instant: DateTime<Utc>, zone: Tz) -> NaiveDate {
    instant.with_timezone(&zone).date_naive()
}

/// Whole calendar days from `from` to `to` (negative when `to` is earlier).
pub(crate) fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

/// `date` moved by `days` calendar days, or `None` past chrono's range.
pub(crate) fn add_days(date: NaiveDate, days: i64) -> Option<NaiveDate> {
    date.checked_add_signed(chrono::TimeDelta::try_days(days)?)
}

/// The first instant of `date` in `zone`.
///
/// Usually local midnight; in zones that skip midnight when daylight saving
/// starts, the first local time that exists that day.
pub(crate) fn start_of_day(date: NaiveDate, zone: Tz) -> Option<DateTime<Tz>> {
    // A gap is at most a few hours long, so probing minute by minute through
    // the first hours of the day always finds the first existing time.
    (0..=6 * 60).find_map(|minute| {
        let time = NaiveTime::from_hms_opt(minute / 60, minute % 60, 0)?;
        zone.from_local_datetime(&NaiveDateTime::new(date, time))
            .earliest()
    })
}

/// Reads an optional `YYYY-MM-DD` field.
pub(crate) fn optional_date(reader: &mut FieldReader<'_>, field: &str) -> Option<NaiveDate> {
    let text = reader.optional_str(field)?;
    match NaiveDate::parse_from_str(&text, DATE_FORMAT) {
        Ok(date) => Some(date),
        Err(_) => {
            let path = reader.path(field);
            reader.fail(
                path,
                format!("`{text}` no es una fecha válida; use el formato AAAA-MM-DD"),
                format!("`{text}` is not a valid date; use the YYYY-MM-DD format"),
            );
            None
        }
    }
}

/// Reads a required `YYYY-MM-DD` field.
pub(crate) fn required_date(reader: &mut FieldReader<'_>, field: &str) -> Option<NaiveDate> {
    if !reader.require(field) {
        return None;
    }
    optional_date(reader, field)
}

/// Reads an optional IANA time-zone field.
pub(crate) fn optional_zone(reader: &mut FieldReader<'_>, field: &str) -> Option<Tz> {
    let text = reader.optional_str(field)?;
    match parse_zone(&text) {
        Some(zone) => Some(zone),
        None => {
            let path = reader.path(field);
            reader.fail(
                path,
                format!(
                    "`{text}` no es una zona horaria IANA conocida (por ejemplo America/New_York)"
                ),
                format!("`{text}` is not a known IANA time zone (for example America/New_York)"),
            );
            None
        }
    }
}

/// Reads an optional RFC 3339 instant field.
pub(crate) fn optional_instant(reader: &mut FieldReader<'_>, field: &str) -> Option<DateTime<Utc>> {
    let text = reader.optional_str(field)?;
    match DateTime::parse_from_rfc3339(&text) {
        Ok(instant) => Some(instant.with_timezone(&Utc)),
        Err(_) => {
            let path = reader.path(field);
            reader.fail(
                path,
                format!(
                    "`{text}` no es un instante RFC 3339 (por ejemplo 2026-03-09T10:30:00-05:00)"
                ),
                format!(
                    "`{text}` is not an RFC 3339 instant (for example 2026-03-09T10:30:00-05:00)"
                ),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, DATE_FORMAT).unwrap()
    }

    #[test]
    fn counts_calendar_days_across_a_dst_change() {
        // 2026-03-08 is 23 hours long in New York; it still counts as one day.
        assert_eq!(days_between(date("2026-03-07"), date("2026-03-09")), 2);
    }

    #[test]
    fn local_date_follows_the_zone_not_utc() {
        let zone = parse_zone("America/New_York").unwrap();
        let late_evening = DateTime::parse_from_rfc3339("2026-03-09T03:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(local_date(late_evening, zone), date("2026-03-08"));
    }

    #[test]
    fn start_of_day_skips_a_missing_midnight() {
        // Santiago de Chile starts daylight saving at local midnight: 00:00 does not exist.
        let zone = parse_zone("America/Santiago").unwrap();
        let start = start_of_day(date("2025-09-07"), zone).unwrap();
        assert_eq!(start.format("%H:%M").to_string(), "01:00");
    }
}
