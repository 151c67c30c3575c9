//! Mexico's days off: Ley Federal del Trabajo, art. 74.
//!
//! Three holidays are Mondays by rule (since the 2006 reform); the others
//! stay on their date whatever the weekday: Mexico has no "observed" day.

use chrono::Weekday;

use super::business_calendar::Holiday;
use super::date_rules::{date, nth_weekday};

/// The year the President first took office on 1 October (art. 83 of the
/// Constitution as reformed in 2014); before, it was 1 December.
const FIRST_OCTOBER_INAUGURATION: i32 = 2024;

/// The days off of `year`.
pub(super) fn holidays(year: i32) -> Vec<Holiday> {
    let mut days = vec![
        Holiday::on(date(year, 1, 1), "Año Nuevo"),
        Holiday::on(
            nth_weekday(year, 2, Weekday::Mon, 1),
            "Día de la Constitución",
        ),
        Holiday::on(
            nth_weekday(year, 3, Weekday::Mon, 3),
            "Natalicio de Benito Juárez",
        ),
        Holiday::on(date(year, 5, 1), "Día del Trabajo"),
        Holiday::on(date(year, 9, 16), "Día de la Independencia"),
        Holiday::on(
            nth_weekday(year, 11, Weekday::Mon, 3),
            "Día de la Revolución",
        ),
        Holiday::on(date(year, 12, 25), "Navidad"),
    ];
    // Every six years, the day the new President takes office.
    if year >= FIRST_OCTOBER_INAUGURATION && (year - FIRST_OCTOBER_INAUGURATION) % 6 == 0 {
        days.push(Holiday::on(
            date(year, 10, 1),
            "Transmisión del Poder Ejecutivo Federal",
        ));
    }
    days
}
