//! United States federal holidays: 5 U.S.C. 6103(a), observed per
//! 5 U.S.C. 6103(b) and Executive Order 11582 as OPM applies them.

use chrono::{Datelike, NaiveDate, Weekday};

use super::business_calendar::Holiday;
use super::date_rules::{date, last_weekday, nth_weekday, shifted};

/// The first year Juneteenth was a federal holiday (Pub. L. 117-17).
const FIRST_JUNETEENTH: i32 = 2021;

/// The federal holidays of `year`, on the day each is observed. New Year's
/// Day of `year` may be observed on 31 December of the year before.
pub(super) fn holidays(year: i32) -> Vec<Holiday> {
    let mut days = vec![
        observed(date(year, 1, 1), "New Year's Day"),
        Holiday::on(
            nth_weekday(year, 1, Weekday::Mon, 3),
            "Birthday of Martin Luther King, Jr.",
        ),
        Holiday::on(
            nth_weekday(year, 2, Weekday::Mon, 3),
            "Washington's Birthday",
        ),
        Holiday::on(last_weekday(year, 5, Weekday::Mon), "Memorial Day"),
        observed(date(year, 7, 4), "Independence Day"),
        Holiday::on(nth_weekday(year, 9, Weekday::Mon, 1), "Labor Day"),
        Holiday::on(nth_weekday(year, 10, Weekday::Mon, 2), "Columbus Day"),
        observed(date(year, 11, 11), "Veterans Day"),
        Holiday::on(nth_weekday(year, 11, Weekday::Thu, 4), "Thanksgiving Day"),
        observed(date(year, 12, 25), "Christmas Day"),
    ];
    if year >= FIRST_JUNETEENTH {
        days.push(observed(
            date(year, 6, 19),
            "Juneteenth National Independence Day",
        ));
    }
    days
}

/// A fixed-date holiday: on a Saturday it is observed the Friday before, on
/// a Sunday the Monday after.
fn observed(day: NaiveDate, name: &'static str) -> Holiday {
    match day.weekday() {
        Weekday::Sat => Holiday::moved(shifted(day, -1), day, name),
        Weekday::Sun => Holiday::moved(shifted(day, 1), day, name),
        _ => Holiday::on(day, name),
    }
}
