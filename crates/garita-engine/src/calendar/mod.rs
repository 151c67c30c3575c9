//! Business days and public holidays of the countries whose portals Garita
//! keeps accounts on: Mexico (`MX`), Ecuador (`EC`) and the United States
//! (`US`).
//!
//! A business day is a Monday to Friday that is not a public day off of the
//! country, or a day the operator configured as worked. Workflow schedules
//! use it to move a fire that lands on a weekend or a holiday to the next
//! business day (`business_days:` on a schedule,
//! `schedule/business_day_fires.rs`), tasks to count their due date in
//! business days (`due: {days: 2, business_days: US}`, `task_due.rs`), and
//! waits their end or timeout (`wait: {for: {days: 2, business_days: EC}}`,
//! `timeout: {days: 5, business_days: EC}`). All of them take the calendar
//! from the engine's [`Calendars`], which carries `[calendar]`.
//!
//! # The data: shipped with Garita, computed by rule
//!
//! No maintained Rust crate covering these three countries could be vetted
//! when this was written, so the days off are computed here from the rules
//! of each country's law, as those rules stood in December 2026. They are
//! the days people actually rest: a holiday the law moves to another day is
//! listed on the day it is observed, and the day it was moved from is a
//! working day.
//!
//! **Years covered: [`FIRST_COVERED_YEAR`] to [`LAST_COVERED_YEAR`]**
//! (2021–2035). Asking about a date outside them is an error
//! ([`CalendarError::YearNotCovered`]), never a guess: laws change, and a
//! silent answer for 2040 would look as trustworthy as one for 2027. Before
//! 2035 someone must check the rules below against the laws then in force
//! and move the bound.
//!
//! Sources of each rule:
//!
//! - **Mexico** ([`mexico`]): Ley Federal del Trabajo, art. 74 (as reformed
//!   in 2006 for the Monday holidays): 1 January; first Monday of February
//!   (Constitution Day); third Monday of March (Benito Juárez); 1 May;
//!   16 September; third Monday of November (Revolution); 1 October every
//!   six years when a new President takes office (2024, 2030; art. 83 of
//!   the Constitution as reformed in 2014); 25 December. Fraction IX (the
//!   day of an ordinary federal election) always falls on a Sunday and is
//!   not listed. Mexico does not move holidays that fall on a weekend.
//! - **Ecuador** ([`ecuador`]): Código del Trabajo art. 65 and LOSEP as
//!   reformed by the Ley Orgánica Reformatoria of 20 December 2016 (in
//!   force from 2017): 1 January, Carnival Monday and Tuesday (48 and 47
//!   days before Easter), Good Friday, 1 May, 24 May, 10 August, 9 October,
//!   2 and 3 November, 25 December. A holiday on a Tuesday rests on the
//!   Monday before, one on a Wednesday or Thursday on the Friday after, one
//!   on a Saturday on the Friday before and one on a Sunday on the Monday
//!   after; 1 January and 25 December move only from a weekend, Carnival
//!   and Good Friday never move, and 2 and 3 November move so that they
//!   stay together where the rule allows (the reading python-holidays, a
//!   maintained library, takes of the same article). One-off rest days the
//!   Executive decrees for a given year (bridges, extra days, recovery
//!   Saturdays) are not predictable and are not in this data: the operator
//!   adds them in `[calendar]` ([`CalendarAdjustments`], [`Calendars`]).
//! - **United States** ([`united_states`]): federal holidays, 5 U.S.C.
//!   6103(a) (Juneteenth since 2021), observed by Executive Order 11582
//!   and 5 U.S.C. 6103(b) as OPM applies them: a holiday on a Saturday is
//!   observed on the Friday before (so 1 January 2028 is observed on
//!   31 December 2027), one on a Sunday on the Monday after.
//!
//! Weekends are Saturday and Sunday in all three countries.

mod adjustments;
mod business_calendar;
mod country;
mod date_rules;
mod ecuador;
mod error;
mod local_time;
mod mexico;
mod united_states;

#[cfg(test)]
mod tests;

pub use adjustments::{
    AdjustmentError, AdjustmentKind, CalendarAdjustments, Calendars, MAX_ADJUSTMENT_NAME_CHARS,
};
pub use business_calendar::{BusinessCalendar, Holiday, WorkingDay};
pub use country::Country;
pub use error::CalendarError;
pub use local_time::at_local_time;

/// The first year whose days off Garita knows.
pub const FIRST_COVERED_YEAR: i32 = 2021;

/// The last year whose days off Garita knows.
pub const LAST_COVERED_YEAR: i32 = 2035;
