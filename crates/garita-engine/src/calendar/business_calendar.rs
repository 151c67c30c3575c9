//! [`BusinessCalendar`]: which days of a country are business days, and
//! counting in them.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Serialize;

use super::adjustments::CountryAdjustments;
use super::{ecuador, mexico, united_states};
use super::{CalendarError, Country, FIRST_COVERED_YEAR, LAST_COVERED_YEAR};

/// A public day off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holiday {
    /// The day people rest.
    pub date: NaiveDate,
    /// Its name in the country's language (for a configured day, the name
    /// the operator gave it).
    pub name: Cow<'static, str>,
    /// The holiday's own date when the law moves the rest to another day
    /// (then that date is a working day, unless it is a weekend).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<NaiveDate>,
    /// True for a day off the operator added in `[calendar]` (a decree),
    /// false for one Garita computes from the law.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub configured: bool,
}

impl Holiday {
    pub(super) fn on(date: NaiveDate, name: &'static str) -> Self {
        Self {
            date,
            name: Cow::Borrowed(name),
            moved_from: None,
            configured: false,
        }
    }

    pub(super) fn moved(date: NaiveDate, from: NaiveDate, name: &'static str) -> Self {
        Self {
            date,
            name: Cow::Borrowed(name),
            moved_from: Some(from),
            configured: false,
        }
    }
}

/// A day the operator made a working day in `[calendar]` although the law's
/// calendar rests on it: a Saturday or Sunday worked to make up for a
/// bridge, or a holiday a decree moved to another day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkingDay {
    /// The day people work.
    pub date: NaiveDate,
    /// Why, as the operator wrote it.
    pub name: String,
    /// The law's holiday that would have rested on it, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instead_of: Option<String>,
}

/// The business days of one country: Monday to Friday, less its public days
/// off, plus the working days an operator configured, for the years
/// [`FIRST_COVERED_YEAR`]..=[`LAST_COVERED_YEAR`]. Every question about a
/// date outside them is a [`CalendarError::YearNotCovered`]. Cheap to clone.
///
/// Code that counts business days for a workflow takes its calendar from
/// [`super::Calendars`], which carries the operator's `[calendar]`
/// configuration; [`BusinessCalendar::by_law`] alone ignores it.
#[derive(Debug, Clone)]
pub struct BusinessCalendar {
    country: Country,
    days_off: Arc<BTreeMap<NaiveDate, Holiday>>,
    /// Days worked although the law's calendar rests (configured).
    working_days: Arc<BTreeMap<NaiveDate, WorkingDay>>,
}

impl BusinessCalendar {
    /// The calendar of `country` as the law alone sets it, without the
    /// days an operator configured.
    pub fn by_law(country: Country) -> Self {
        let rules: fn(i32) -> Vec<Holiday> = match country {
            Country::Mexico => mexico::holidays,
            Country::Ecuador => ecuador::holidays,
            Country::UnitedStates => united_states::holidays,
        };
        let mut days_off = BTreeMap::new();
        // One year past the range: its New Year's Day may rest on
        // 31 December of the last covered year.
        for year in FIRST_COVERED_YEAR..=LAST_COVERED_YEAR + 1 {
            for holiday in rules(year) {
                if covered(holiday.date.year()) {
                    // Two holidays resting on one day give one day off; the
                    // first listed keeps the name.
                    days_off.entry(holiday.date).or_insert(holiday);
                }
            }
        }
        Self {
            country,
            days_off: Arc::new(days_off),
            working_days: Arc::new(BTreeMap::new()),
        }
    }

    /// The law's calendar of `country` with `adjustments` applied: their
    /// days off added, their working days taken out of the days off. The
    /// adjustments were checked against the law's calendar when they were
    /// added ([`super::CalendarAdjustments`]).
    pub(super) fn adjusted(country: Country, adjustments: &CountryAdjustments) -> Self {
        let law = Self::by_law(country);
        let mut days_off = (*law.days_off).clone();
        let mut working_days = BTreeMap::new();
        for (date, name) in &adjustments.working_days {
            let instead_of = days_off.remove(date).map(|h| h.name.into_owned());
            working_days.insert(
                *date,
                WorkingDay {
                    date: *date,
                    name: name.clone(),
                    instead_of,
                },
            );
        }
        for (date, name) in &adjustments.days_off {
            days_off.insert(
                *date,
                Holiday {
                    date: *date,
                    name: Cow::Owned(name.clone()),
                    moved_from: None,
                    configured: true,
                },
            );
        }
        Self {
            country,
            days_off: Arc::new(days_off),
            working_days: Arc::new(working_days),
        }
    }

    /// Whose calendar this is.
    pub fn country(&self) -> Country {
        self.country
    }

    /// The days off falling in `year`, in date order.
    pub fn holidays(&self, year: i32) -> Result<Vec<Holiday>, CalendarError> {
        self.check_year(year)?;
        let (first, last) = (year_start(year), year_start(year + 1));
        Ok(self
            .days_off
            .range(first..last)
            .map(|(_, holiday)| holiday.clone())
            .collect())
    }

    /// The configured working days falling in `year`, in date order.
    pub fn working_days(&self, year: i32) -> Result<Vec<WorkingDay>, CalendarError> {
        self.check_year(year)?;
        let (first, last) = (year_start(year), year_start(year + 1));
        Ok(self
            .working_days
            .range(first..last)
            .map(|(_, day)| day.clone())
            .collect())
    }

    /// The day off on `date`, if it is one (weekends are not listed).
    pub fn holiday_on(&self, date: NaiveDate) -> Result<Option<&Holiday>, CalendarError> {
        self.check_year(date.year())?;
        Ok(self.days_off.get(&date))
    }

    /// True when `date` is a Monday to Friday that is not a day off, or a
    /// configured working day.
    pub fn is_business_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        self.check_year(date.year())?;
        Ok(self.working_days.contains_key(&date)
            || (!is_weekend(date) && !self.days_off.contains_key(&date)))
    }

    /// `date` itself when it is a business day, else the first business day
    /// after it.
    pub fn next_business_day(&self, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        let mut day = date;
        while !self.is_business_day(day)? {
            day = self.day_after(day)?;
        }
        Ok(day)
    }

    /// The `n`th business day after `date` (`date` itself not counted,
    /// whatever it is); with `n` = 0, [`Self::next_business_day`] of `date`.
    pub fn add_business_days(&self, date: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let mut day = self.next_business_day(date)?;
        let mut left = n;
        if day != date {
            // `date` was not a business day: the first one after it counts.
            left = left.saturating_sub(1);
            if n == 0 {
                return Ok(day);
            }
        }
        while left > 0 {
            day = self.next_business_day(self.day_after(day)?)?;
            left -= 1;
        }
        Ok(day)
    }

    /// The first business day of `month` (1–12) of `year`.
    pub fn first_business_day_of(&self, year: i32, month: u32) -> Result<NaiveDate, CalendarError> {
        let first = NaiveDate::from_ymd_opt(year, month, 1)
            .ok_or(CalendarError::NoSuchMonth { year, month })?;
        self.next_business_day(first)
    }

    fn day_after(&self, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        let next = date
            .succ_opt()
            .ok_or_else(|| self.not_covered(date.year()))?;
        self.check_year(next.year())?;
        Ok(next)
    }

    fn check_year(&self, year: i32) -> Result<(), CalendarError> {
        if covered(year) {
            Ok(())
        } else {
            Err(self.not_covered(year))
        }
    }

    fn not_covered(&self, year: i32) -> CalendarError {
        CalendarError::YearNotCovered {
            country: self.country,
            year,
            first: FIRST_COVERED_YEAR,
            last: LAST_COVERED_YEAR,
        }
    }
}

pub(super) fn covered(year: i32) -> bool {
    (FIRST_COVERED_YEAR..=LAST_COVERED_YEAR).contains(&year)
}

pub(super) fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// 1 January of `year`; past chrono's range, its last day (the range is
/// only used to bound a lookup of covered years).
fn year_start(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MAX)
}
