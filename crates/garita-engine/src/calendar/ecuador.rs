//! Ecuador's days off: Código del Trabajo art. 65 and LOSEP, as reformed by
//! the Ley Orgánica Reformatoria of 20 December 2016 (in force from 2017).
//!
//! The law moves the *rest*: when a holiday is moved, the day it was moved
//! from is a working day, and the day it was moved to is not.

use chrono::{Datelike, NaiveDate, Weekday};

use super::business_calendar::Holiday;
use super::date_rules::{date, easter_sunday, shifted};

/// Where a holiday's rest goes from each weekday it may fall on; `None`
/// keeps it on its date.
type MoveRule = fn(Weekday) -> Option<i64>;

/// The general rule: Tuesday to the Monday before; Wednesday and Thursday to
/// the Friday after; Saturday to the Friday before; Sunday to the Monday
/// after.
fn general(weekday: Weekday) -> Option<i64> {
    match weekday {
        Weekday::Tue => Some(-1),
        Weekday::Wed => Some(2),
        Weekday::Thu => Some(1),
        Weekday::Sat => Some(-1),
        Weekday::Sun => Some(1),
        _ => None,
    }
}

/// 1 January and 25 December are excepted from the weekday moves; only a
/// weekend moves them (to the Friday before or the Monday after).
fn weekend_only(weekday: Weekday) -> Option<i64> {
    match weekday {
        Weekday::Sat => Some(-1),
        Weekday::Sun => Some(1),
        _ => None,
    }
}

/// 2 November: not moved from a Thursday (the 3rd, a Friday, follows it)
/// nor from a Sunday (the 3rd, a Monday, is the rest day after it).
fn all_souls(weekday: Weekday) -> Option<i64> {
    match weekday {
        Weekday::Tue => Some(-1),
        Weekday::Wed => Some(2),
        Weekday::Sat => Some(-1),
        _ => None,
    }
}

/// 3 November: not moved from a Tuesday (the 2nd, a Monday, precedes it)
/// nor from a Saturday (the 2nd, a Friday, is the rest day before it).
fn cuenca(weekday: Weekday) -> Option<i64> {
    match weekday {
        Weekday::Wed => Some(2),
        Weekday::Thu => Some(1),
        Weekday::Sun => Some(1),
        _ => None,
    }
}

/// The rest days of the holidays of `year`. New Year's Day of `year` may
/// rest on 31 December of the year before.
pub(super) fn holidays(year: i32) -> Vec<Holiday> {
    let easter = easter_sunday(year);
    vec![
        moved_by(date(year, 1, 1), "Año Nuevo", weekend_only),
        Holiday::on(shifted(easter, -48), "Carnaval (lunes)"),
        Holiday::on(shifted(easter, -47), "Carnaval (martes)"),
        Holiday::on(shifted(easter, -2), "Viernes Santo"),
        moved_by(date(year, 5, 1), "Día del Trabajo", general),
        moved_by(date(year, 5, 24), "Batalla de Pichincha", general),
        moved_by(date(year, 8, 10), "Primer Grito de Independencia", general),
        moved_by(date(year, 10, 9), "Independencia de Guayaquil", general),
        moved_by(date(year, 11, 2), "Día de los Difuntos", all_souls),
        moved_by(date(year, 11, 3), "Independencia de Cuenca", cuenca),
        moved_by(date(year, 12, 25), "Navidad", weekend_only),
    ]
}

fn moved_by(day: NaiveDate, name: &'static str, rule: MoveRule) -> Holiday {
    match rule(day.weekday()) {
        Some(days) => Holiday::moved(shifted(day, days), day, name),
        None => Holiday::on(day, name),
    }
}
