//! The date arithmetic holiday rules are written in: "the third Monday of
//! March", "the last Monday of May", Easter, and moving a day by weekday.

use chrono::{Datelike, NaiveDate, Weekday};

/// A date of the proleptic Gregorian calendar. Every caller passes a month
/// and a day that exist in every year (rules name fixed dates such as
/// 24 May), so the fallback is never taken; it keeps this free of panics.
pub(super) fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

/// The `n`th (1-based) `weekday` of `month` in `year`.
pub(super) fn nth_weekday(year: i32, month: u32, weekday: Weekday, n: u8) -> NaiveDate {
    NaiveDate::from_weekday_of_month_opt(year, month, weekday, n).unwrap_or(NaiveDate::MIN)
}

/// The last `weekday` of `month` in `year`.
pub(super) fn last_weekday(year: i32, month: u32, weekday: Weekday) -> NaiveDate {
    let next_month_first = if month == 12 {
        date(year + 1, 1, 1)
    } else {
        date(year, month + 1, 1)
    };
    let mut day = next_month_first - chrono::Days::new(1);
    while day.weekday() != weekday {
        day = day - chrono::Days::new(1);
    }
    day
}

/// Western (Gregorian) Easter Sunday, by the anonymous Gregorian algorithm
/// (Meeus, *Astronomical Algorithms*, ch. 8).
pub(super) fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    date(year, month.unsigned_abs(), day.unsigned_abs())
}

/// `day` moved by `days` (negative: earlier).
pub(super) fn shifted(day: NaiveDate, days: i64) -> NaiveDate {
    day.checked_add_signed(chrono::TimeDelta::days(days))
        .unwrap_or(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn easter_matches_published_dates() {
        for (year, month, day) in [
            (2021, 4, 4),
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2028, 4, 16),
            (2035, 3, 25),
        ] {
            assert_eq!(easter_sunday(year), date(year, month, day), "{year}");
        }
    }

    #[test]
    fn last_weekday_of_a_month() {
        assert_eq!(last_weekday(2027, 5, Weekday::Mon), date(2027, 5, 31));
        assert_eq!(last_weekday(2026, 12, Weekday::Thu), date(2026, 12, 31));
    }
}
