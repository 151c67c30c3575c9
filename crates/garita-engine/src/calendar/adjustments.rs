//! Days off and working days an operator adds to the law's calendar
//! (`[calendar]` in garita.toml), and [`Calendars`], the calendars every
//! business-day count of a workflow uses.
//!
//! Ecuador's Executive (and at times Mexico's) decrees one-off rest days
//! each year: a bridge, a holiday moved to another day, a Saturday worked to
//! make up for one. They cannot be computed, so Garita does not guess them;
//! the operator writes each decree's days here, and every count of business
//! days (task `due:`, `wait:` and signal-wait `timeout:` in business days,
//! schedules kept to business days) uses them.
//!
//! Each day is checked against the law's calendar when it is added, so a
//! mistyped date is refused instead of quietly changing nothing: a day off
//! must be a weekday the law does not already rest on, a working day must be
//! a day the law rests on (a weekend or a holiday).

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};

use super::business_calendar::{covered, is_weekend, BusinessCalendar};
use super::{Country, FIRST_COVERED_YEAR, LAST_COVERED_YEAR};

/// Longest name of a configured day, in characters (a decree's title fits).
pub const MAX_ADJUSTMENT_NAME_CHARS: usize = 200;

/// The configured days of one country.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CountryAdjustments {
    /// Extra days off, with their names.
    pub(super) days_off: BTreeMap<NaiveDate, String>,
    /// Days worked although the law rests, with why.
    pub(super) working_days: BTreeMap<NaiveDate, String>,
}

/// Which list of `[calendar]` a day is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdjustmentKind {
    /// `days_off`.
    DayOff,
    /// `working_days`.
    WorkingDay,
}

impl AdjustmentKind {
    /// The list's key in `[calendar.CC]`.
    pub fn key(self) -> &'static str {
        match self {
            AdjustmentKind::DayOff => "days_off",
            AdjustmentKind::WorkingDay => "working_days",
        }
    }
}

/// Why a configured day was refused. [`AdjustmentError::hint`] says what
/// to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdjustmentError {
    /// The date's year is outside the calendar's years.
    #[error(
        "{date} is outside the years Garita's calendar covers ({first}–{last}), so it would \
         change nothing"
    )]
    YearNotCovered {
        /// The date given.
        date: NaiveDate,
        /// First covered year.
        first: i32,
        /// Last covered year.
        last: i32,
    },
    /// A day off on a Saturday or Sunday, which is never a business day.
    #[error("{date} is a {weekday}, never a business day, so a day off on it changes nothing")]
    DayOffOnWeekend {
        /// The date given.
        date: NaiveDate,
        /// Its weekday, in English.
        weekday: &'static str,
    },
    /// A day off the law's calendar already rests on.
    #[error("{date} is already a day off by law ({name}) in {country}")]
    AlreadyDayOff {
        /// The calendar's country.
        country: Country,
        /// The date given.
        date: NaiveDate,
        /// The law's holiday on it.
        name: String,
    },
    /// A working day that already is one.
    #[error("{date} ({weekday}) is already a business day in {country}")]
    AlreadyWorkingDay {
        /// The calendar's country.
        country: Country,
        /// The date given.
        date: NaiveDate,
        /// Its weekday, in English.
        weekday: &'static str,
    },
    /// The same date twice in one list.
    #[error("{date} is listed twice in `{}`", kind.key())]
    Twice {
        /// The date given.
        date: NaiveDate,
        /// The list.
        kind: AdjustmentKind,
    },
    /// The same date in both lists.
    #[error("{date} is both in `days_off` and in `working_days`")]
    Both {
        /// The date given.
        date: NaiveDate,
    },
    /// A day without a name.
    #[error("the day has no name")]
    NoName,
    /// A name over [`MAX_ADJUSTMENT_NAME_CHARS`].
    #[error("the name has {chars} characters; at most {MAX_ADJUSTMENT_NAME_CHARS} are kept")]
    NameTooLong {
        /// Its length in characters.
        chars: usize,
    },
}

impl AdjustmentError {
    /// What the operator should do about it.
    pub fn hint(&self) -> String {
        match self {
            AdjustmentError::YearNotCovered { .. } => {
                "check the year; a day outside the covered years cannot be configured".into()
            }
            AdjustmentError::DayOffOnWeekend { .. } => {
                "check the date against the decree; if the decree makes this day a working day, \
                 put it under `working_days`"
                    .into()
            }
            AdjustmentError::AlreadyDayOff { country, .. } => format!(
                "remove this entry; `garita calendar holidays --country {country} --year YEAR` \
                 lists the days off Garita already knows"
            ),
            AdjustmentError::AlreadyWorkingDay { .. } => {
                "a working day here makes a weekend or a holiday a business day; check the date \
                 against the decree, or remove the entry"
                    .into()
            }
            AdjustmentError::Twice { .. } => "keep one of the two entries".into(),
            AdjustmentError::Both { .. } => {
                "a day is either off or worked; keep the entry the decree says".into()
            }
            AdjustmentError::NoName => {
                "add `name = \"...\"`, for example the decree that sets the day".into()
            }
            AdjustmentError::NameTooLong { .. } => "shorten the name".into(),
        }
    }
}

/// The days every country's calendar gets on top of the law's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CalendarAdjustments {
    by_country: BTreeMap<Country, CountryAdjustments>,
}

impl CalendarAdjustments {
    /// No configured day.
    pub fn new() -> Self {
        Self::default()
    }

    /// True when nothing is configured.
    pub fn is_empty(&self) -> bool {
        self.by_country
            .values()
            .all(|c| c.days_off.is_empty() && c.working_days.is_empty())
    }

    /// Adds a day of `kind` to `country`'s calendar, after checking it
    /// against the law's calendar and the days already added.
    pub fn add(
        &mut self,
        country: Country,
        kind: AdjustmentKind,
        date: NaiveDate,
        name: &str,
    ) -> Result<(), AdjustmentError> {
        let name = checked_name(name)?;
        if !covered(date.year()) {
            return Err(AdjustmentError::YearNotCovered {
                date,
                first: FIRST_COVERED_YEAR,
                last: LAST_COVERED_YEAR,
            });
        }
        let law = BusinessCalendar::by_law(country);
        let days = self.by_country.entry(country).or_default();
        let (same, other) = match kind {
            AdjustmentKind::DayOff => (&days.days_off, &days.working_days),
            AdjustmentKind::WorkingDay => (&days.working_days, &days.days_off),
        };
        if same.contains_key(&date) {
            return Err(AdjustmentError::Twice { date, kind });
        }
        if other.contains_key(&date) {
            return Err(AdjustmentError::Both { date });
        }
        // The year is covered (checked above): the calendar answers.
        let law_day_off = law.holiday_on(date).ok().flatten().cloned();
        match kind {
            AdjustmentKind::DayOff => {
                if is_weekend(date) {
                    return Err(AdjustmentError::DayOffOnWeekend {
                        date,
                        weekday: weekday_name(date),
                    });
                }
                if let Some(holiday) = law_day_off {
                    return Err(AdjustmentError::AlreadyDayOff {
                        country,
                        date,
                        name: holiday.name.into_owned(),
                    });
                }
                days.days_off.insert(date, name);
            }
            AdjustmentKind::WorkingDay => {
                if law.is_business_day(date).unwrap_or(false) {
                    return Err(AdjustmentError::AlreadyWorkingDay {
                        country,
                        date,
                        weekday: weekday_name(date),
                    });
                }
                days.working_days.insert(date, name);
            }
        }
        Ok(())
    }
}

fn checked_name(name: &str) -> Result<String, AdjustmentError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AdjustmentError::NoName);
    }
    let chars = name.chars().count();
    if chars > MAX_ADJUSTMENT_NAME_CHARS {
        return Err(AdjustmentError::NameTooLong { chars });
    }
    Ok(name.to_owned())
}

fn weekday_name(date: NaiveDate) -> &'static str {
    match date.weekday() {
        chrono::Weekday::Mon => "Monday",
        chrono::Weekday::Tue => "Tuesday",
        chrono::Weekday::Wed => "Wednesday",
        chrono::Weekday::Thu => "Thursday",
        chrono::Weekday::Fri => "Friday",
        chrono::Weekday::Sat => "Saturday",
        chrono::Weekday::Sun => "Sunday",
    }
}

/// The business calendar of every country, with the operator's
/// [`CalendarAdjustments`] applied: what every count of business days for a
/// workflow uses. The default has none (the law's calendars). Cheap to
/// clone.
#[derive(Debug, Clone)]
pub struct Calendars {
    by_country: Arc<BTreeMap<Country, BusinessCalendar>>,
}

impl Default for Calendars {
    fn default() -> Self {
        Self::new(&CalendarAdjustments::default())
    }
}

impl Calendars {
    /// The calendars with `adjustments` applied.
    pub fn new(adjustments: &CalendarAdjustments) -> Self {
        let none = CountryAdjustments::default();
        let by_country = Country::ALL
            .into_iter()
            .map(|country| {
                let days = adjustments.by_country.get(&country).unwrap_or(&none);
                (country, BusinessCalendar::adjusted(country, days))
            })
            .collect();
        Self {
            by_country: Arc::new(by_country),
        }
    }

    /// `country`'s calendar.
    pub fn of(&self, country: Country) -> BusinessCalendar {
        self.by_country
            .get(&country)
            .cloned()
            // Every country is built in `new`; the law's calendar is the
            // right answer anyway.
            .unwrap_or_else(|| BusinessCalendar::by_law(country))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn add(
        adjustments: &mut CalendarAdjustments,
        kind: AdjustmentKind,
        date: &str,
    ) -> Result<(), AdjustmentError> {
        adjustments.add(Country::Ecuador, kind, day(date), "Decreto de prueba")
    }

    #[test]
    fn a_configured_day_off_and_working_day_change_the_business_days() {
        let mut decree = CalendarAdjustments::new();
        // Made-up decree: Friday 3 December 2027 off, Saturday 4 worked.
        add(&mut decree, AdjustmentKind::DayOff, "2027-12-03").unwrap();
        add(&mut decree, AdjustmentKind::WorkingDay, "2027-12-04").unwrap();
        // 10 August 2027 rests on Monday 9 by law; a decree moves it away.
        add(&mut decree, AdjustmentKind::WorkingDay, "2027-08-09").unwrap();
        let ecuador = Calendars::new(&decree).of(Country::Ecuador);
        assert_eq!(ecuador.is_business_day(day("2027-12-03")), Ok(false));
        assert_eq!(ecuador.is_business_day(day("2027-12-04")), Ok(true));
        assert_eq!(ecuador.is_business_day(day("2027-08-09")), Ok(true));
        // Thursday 2 December + 1 business day: the Saturday worked.
        assert_eq!(
            ecuador.add_business_days(day("2027-12-02"), 1),
            Ok(day("2027-12-04"))
        );
        let holidays = ecuador.holidays(2027).unwrap();
        let configured: Vec<_> = holidays.iter().filter(|h| h.configured).collect();
        assert_eq!(configured.len(), 1, "{holidays:?}");
        assert_eq!(configured[0].date, day("2027-12-03"));
        assert_eq!(configured[0].name, "Decreto de prueba");
        assert!(!holidays.iter().any(|h| h.date == day("2027-08-09")));
        let worked = ecuador.working_days(2027).unwrap();
        assert_eq!(worked.len(), 2);
        assert_eq!(
            worked[0].instead_of.as_deref(),
            Some("Primer Grito de Independencia")
        );
        assert_eq!(worked[1].instead_of, None);
        // The other countries and the law's calendar are untouched.
        let mexico = Calendars::new(&decree).of(Country::Mexico);
        assert_eq!(mexico.is_business_day(day("2027-12-03")), Ok(true));
        assert_eq!(
            BusinessCalendar::by_law(Country::Ecuador).is_business_day(day("2027-12-03")),
            Ok(true)
        );
    }

    #[test]
    fn days_that_would_change_nothing_are_refused_with_what_to_do() {
        let mut decree = CalendarAdjustments::new();
        let err = add(&mut decree, AdjustmentKind::DayOff, "2027-12-04").unwrap_err();
        assert_eq!(
            err.to_string(),
            "2027-12-04 is a Saturday, never a business day, so a day off on it changes nothing"
        );
        assert!(err.hint().contains("working_days"), "{}", err.hint());
        let err = add(&mut decree, AdjustmentKind::DayOff, "2027-08-09").unwrap_err();
        assert_eq!(
            err.to_string(),
            "2027-08-09 is already a day off by law (Primer Grito de Independencia) in EC"
        );
        assert!(err.hint().contains("garita calendar holidays --country EC"));
        let err = add(&mut decree, AdjustmentKind::WorkingDay, "2027-12-03").unwrap_err();
        assert_eq!(
            err.to_string(),
            "2027-12-03 (Friday) is already a business day in EC"
        );
        let err = add(&mut decree, AdjustmentKind::DayOff, "2040-03-05").unwrap_err();
        assert_eq!(
            err.to_string(),
            "2040-03-05 is outside the years Garita's calendar covers (2021–2035), so it would change nothing"
        );
        add(&mut decree, AdjustmentKind::DayOff, "2027-12-03").unwrap();
        assert_eq!(
            add(&mut decree, AdjustmentKind::DayOff, "2027-12-03"),
            Err(AdjustmentError::Twice {
                date: day("2027-12-03"),
                kind: AdjustmentKind::DayOff
            })
        );
        add(&mut decree, AdjustmentKind::WorkingDay, "2027-12-04").unwrap();
        assert_eq!(
            decree.add(
                Country::Ecuador,
                AdjustmentKind::DayOff,
                day("2027-12-04"),
                "x"
            ),
            Err(AdjustmentError::Both {
                date: day("2027-12-04")
            })
        );
        assert_eq!(
            decree.add(
                Country::Ecuador,
                AdjustmentKind::DayOff,
                day("2027-12-06"),
                "  "
            ),
            Err(AdjustmentError::NoName)
        );
        assert_eq!(
            decree.add(
                Country::Ecuador,
                AdjustmentKind::DayOff,
                day("2027-12-06"),
                &"x".repeat(MAX_ADJUSTMENT_NAME_CHARS + 1)
            ),
            Err(AdjustmentError::NameTooLong {
                chars: MAX_ADJUSTMENT_NAME_CHARS + 1
            })
        );
        // A refused day leaves nothing behind.
        assert_eq!(
            Calendars::new(&decree)
                .of(Country::Ecuador)
                .is_business_day(day("2027-12-06")),
            Ok(true)
        );
    }

    proptest! {
        /// Whatever day is added, it is accepted exactly when it changes
        /// the calendar, and then counting never lands on a configured day
        /// off and may land on a configured working day.
        #[test]
        fn an_accepted_day_always_changes_the_business_days(
            offset in 0i64..(15 * 365),
            country in prop::sample::select(Country::ALL.to_vec()),
            off in any::<bool>(),
        ) {
            let date = day("2021-01-01") + chrono::TimeDelta::days(offset);
            let kind = if off { AdjustmentKind::DayOff } else { AdjustmentKind::WorkingDay };
            let law = BusinessCalendar::by_law(country).is_business_day(date).unwrap();
            let mut adjustments = CalendarAdjustments::new();
            let added = adjustments.add(country, kind, date, "Día de prueba");
            // A day off is accepted on law business days only; a working
            // day on law days off only.
            prop_assert_eq!(added.is_ok(), law == off, "{:?}", added);
            let adjusted = Calendars::new(&adjustments).of(country);
            let now = adjusted.is_business_day(date).unwrap();
            if added.is_ok() {
                prop_assert_eq!(now, !law);
                if let Some(before) = date.pred_opt().filter(|d| d.year() >= FIRST_COVERED_YEAR) {
                    let next = adjusted.add_business_days(before, 1);
                    if let Ok(next) = next {
                        prop_assert!(adjusted.is_business_day(next).unwrap());
                        prop_assert_eq!(next == date, !off);
                    }
                }
            } else {
                prop_assert_eq!(now, law);
            }
        }
    }
}
