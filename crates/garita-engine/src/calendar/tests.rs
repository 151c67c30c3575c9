//! Every day off of 2027 (the coming year when this was written) for each
//! country, by exact date; the edges of the covered years; and properties of
//! business-day counting over the whole covered range.

use chrono::{Datelike, NaiveDate, Weekday};
use proptest::prelude::*;

use super::*;

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn days_off(country: Country, year: i32) -> Vec<(String, String)> {
    BusinessCalendar::by_law(country)
        .holidays(year)
        .unwrap()
        .into_iter()
        .map(|h| (h.date.to_string(), h.name.into_owned()))
        .collect()
}

fn owned(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(d, n)| ((*d).to_owned(), (*n).to_owned()))
        .collect()
}

#[test]
fn united_states_2027_federal_holidays_on_their_observed_days() {
    assert_eq!(
        days_off(Country::UnitedStates, 2027),
        owned(&[
            ("2027-01-01", "New Year's Day"),
            ("2027-01-18", "Birthday of Martin Luther King, Jr."),
            ("2027-02-15", "Washington's Birthday"),
            ("2027-05-31", "Memorial Day"),
            // 19 June is a Saturday: observed the Friday before.
            ("2027-06-18", "Juneteenth National Independence Day"),
            // 4 July is a Sunday: observed the Monday after.
            ("2027-07-05", "Independence Day"),
            ("2027-09-06", "Labor Day"),
            ("2027-10-11", "Columbus Day"),
            ("2027-11-11", "Veterans Day"),
            ("2027-11-25", "Thanksgiving Day"),
            // 25 December is a Saturday.
            ("2027-12-24", "Christmas Day"),
            // 1 January 2028 is a Saturday: observed on the last day of 2027.
            ("2027-12-31", "New Year's Day"),
        ])
    );
}

#[test]
fn mexico_2027_days_off() {
    assert_eq!(
        days_off(Country::Mexico, 2027),
        owned(&[
            ("2027-01-01", "Año Nuevo"),
            ("2027-02-01", "Día de la Constitución"),
            ("2027-03-15", "Natalicio de Benito Juárez"),
            // A Saturday, and Mexico does not move it.
            ("2027-05-01", "Día del Trabajo"),
            ("2027-09-16", "Día de la Independencia"),
            ("2027-11-15", "Día de la Revolución"),
            ("2027-12-25", "Navidad"),
        ])
    );
}

#[test]
fn ecuador_2027_rest_days_after_the_moves() {
    assert_eq!(
        days_off(Country::Ecuador, 2027),
        owned(&[
            ("2027-01-01", "Año Nuevo"),
            // Easter is 28 March 2027.
            ("2027-02-08", "Carnaval (lunes)"),
            ("2027-02-09", "Carnaval (martes)"),
            ("2027-03-26", "Viernes Santo"),
            // 1 May is a Saturday: the Friday before.
            ("2027-04-30", "Día del Trabajo"),
            ("2027-05-24", "Batalla de Pichincha"),
            // 10 August is a Tuesday: the Monday before.
            ("2027-08-09", "Primer Grito de Independencia"),
            // 9 October is a Saturday: the Friday before.
            ("2027-10-08", "Independencia de Guayaquil"),
            // 2 November is a Tuesday: the Monday before; 3 November a
            // Wednesday: the Friday after.
            ("2027-11-01", "Día de los Difuntos"),
            ("2027-11-05", "Independencia de Cuenca"),
            // 25 December is a Saturday.
            ("2027-12-24", "Navidad"),
            // 1 January 2028 is a Saturday: the Friday before.
            ("2027-12-31", "Año Nuevo"),
        ])
    );
}

#[test]
fn a_moved_holiday_leaves_its_own_date_a_working_day() {
    let ecuador = BusinessCalendar::by_law(Country::Ecuador);
    // 10 August 2027, a Tuesday, rests on Monday the 9th.
    assert_eq!(ecuador.is_business_day(day("2027-08-10")), Ok(true));
    assert_eq!(ecuador.is_business_day(day("2027-08-09")), Ok(false));
    let moved = ecuador.holiday_on(day("2027-08-09")).unwrap().unwrap();
    assert_eq!(moved.moved_from, Some(day("2027-08-10")));
}

#[test]
fn mexico_rests_on_inauguration_day_every_six_years() {
    let mexico = BusinessCalendar::by_law(Country::Mexico);
    assert_eq!(mexico.is_business_day(day("2024-10-01")), Ok(false));
    assert_eq!(mexico.is_business_day(day("2030-10-01")), Ok(false));
    assert_eq!(mexico.is_business_day(day("2027-10-01")), Ok(true));
}

#[test]
fn the_first_business_day_of_2027_is_monday_the_4th_everywhere() {
    for country in Country::ALL {
        let calendar = BusinessCalendar::by_law(country);
        assert_eq!(
            calendar.first_business_day_of(2027, 1),
            Ok(day("2027-01-04")),
            "{country}"
        );
    }
    let us = BusinessCalendar::by_law(Country::UnitedStates);
    assert_eq!(us.first_business_day_of(2027, 4), Ok(day("2027-04-01")));
    assert!(matches!(
        us.first_business_day_of(2027, 13),
        Err(CalendarError::NoSuchMonth { .. })
    ));
}

#[test]
fn counting_business_days_skips_weekends_and_holidays() {
    let us = BusinessCalendar::by_law(Country::UnitedStates);
    // Thursday 2027-11-25 is Thanksgiving.
    assert_eq!(
        us.add_business_days(day("2027-11-24"), 1),
        Ok(day("2027-11-26"))
    );
    assert_eq!(
        us.add_business_days(day("2027-11-24"), 2),
        Ok(day("2027-11-29"))
    );
    assert_eq!(
        us.add_business_days(day("2027-11-24"), 0),
        Ok(day("2027-11-24"))
    );
    // From a holiday: the first business day after it is the first counted.
    assert_eq!(
        us.add_business_days(day("2027-11-25"), 0),
        Ok(day("2027-11-26"))
    );
    assert_eq!(
        us.add_business_days(day("2027-11-25"), 1),
        Ok(day("2027-11-26"))
    );
    assert_eq!(
        us.add_business_days(day("2027-11-25"), 2),
        Ok(day("2027-11-29"))
    );
    assert_eq!(
        us.next_business_day(day("2027-12-24")),
        Ok(day("2027-12-27"))
    );
}

#[test]
fn years_outside_the_data_are_refused_with_the_covered_range() {
    let mexico = BusinessCalendar::by_law(Country::Mexico);
    let err = mexico
        .is_business_day(day("2036-01-02"))
        .expect_err("2036 is not covered");
    assert_eq!(
        err,
        CalendarError::YearNotCovered {
            country: Country::Mexico,
            year: 2036,
            first: FIRST_COVERED_YEAR,
            last: LAST_COVERED_YEAR
        }
    );
    assert!(err.to_string().contains("from 2021 to 2035"), "{err}");
    assert!(mexico.holidays(2020).is_err());
    // Counting past the last covered day is refused too, not guessed.
    assert!(mexico.add_business_days(day("2035-12-28"), 10).is_err());
    // The last covered day answers.
    assert_eq!(mexico.is_business_day(day("2035-12-31")), Ok(true));
}

#[test]
fn the_coming_year_is_covered() {
    // Written on 2026-12-05: the data must reach at least the year after.
    const { assert!(LAST_COVERED_YEAR >= 2027) };
}

#[test]
fn country_codes_parse_upper_case_only() {
    assert_eq!("US".parse(), Ok(Country::UnitedStates));
    assert_eq!("MX".parse(), Ok(Country::Mexico));
    assert_eq!("EC".parse(), Ok(Country::Ecuador));
    assert_eq!(
        "us".parse::<Country>(),
        Err(CalendarError::UnknownCountry("us".into()))
    );
}

fn covered_day() -> impl Strategy<Value = NaiveDate> {
    let first = NaiveDate::from_ymd_opt(FIRST_COVERED_YEAR, 1, 1).unwrap();
    // Leave a month at the end so counting forward stays in the data.
    let last = NaiveDate::from_ymd_opt(LAST_COVERED_YEAR, 11, 30).unwrap();
    let span = (last - first).num_days();
    (0..=span).prop_map(move |offset| first + chrono::TimeDelta::days(offset))
}

fn any_country() -> impl Strategy<Value = Country> {
    prop::sample::select(Country::ALL.to_vec())
}

proptest! {
    #[test]
    fn add_business_days_never_lands_on_a_weekend_or_holiday(
        country in any_country(),
        start in covered_day(),
        n in 0u32..15,
    ) {
        let calendar = BusinessCalendar::by_law(country);
        let landed = calendar.add_business_days(start, n).unwrap();
        prop_assert!(!matches!(landed.weekday(), Weekday::Sat | Weekday::Sun));
        prop_assert_eq!(calendar.holiday_on(landed).unwrap(), None);
        prop_assert!(landed >= start);
    }

    #[test]
    fn add_business_days_counts_exactly_n_business_days(
        country in any_country(),
        start in covered_day(),
        n in 1u32..15,
    ) {
        let calendar = BusinessCalendar::by_law(country);
        let landed = calendar.add_business_days(start, n).unwrap();
        let counted = start
            .iter_days()
            .skip(1)
            .take_while(|d| *d <= landed)
            .filter(|d| calendar.is_business_day(*d).unwrap())
            .count();
        prop_assert_eq!(counted, n as usize);
    }

    #[test]
    fn next_business_day_is_idempotent_on_business_days(
        country in any_country(),
        start in covered_day(),
    ) {
        let calendar = BusinessCalendar::by_law(country);
        let next = calendar.next_business_day(start).unwrap();
        prop_assert!(calendar.is_business_day(next).unwrap());
        prop_assert_eq!(calendar.next_business_day(next).unwrap(), next);
        if calendar.is_business_day(start).unwrap() {
            prop_assert_eq!(next, start);
        }
        // Nothing in between is a business day.
        prop_assert!(start
            .iter_days()
            .take_while(|d| *d < next)
            .all(|d| !calendar.is_business_day(d).unwrap()));
    }

    #[test]
    fn every_year_has_its_days_off_on_weekdays_or_as_the_law_leaves_them(
        country in any_country(),
        year in FIRST_COVERED_YEAR..=LAST_COVERED_YEAR,
    ) {
        let holidays = BusinessCalendar::by_law(country).holidays(year).unwrap();
        // Mexico keeps weekend holidays on the weekend, and Ecuador does for
        // 2 and 3 November when the other one is the rest day next to it;
        // every other day off is a weekday.
        let left_on_a_weekend = |h: &Holiday| {
            country == Country::Mexico
                || (country == Country::Ecuador
                    && h.moved_from.is_none()
                    && h.date.month() == 11
                    && matches!(h.date.day(), 2 | 3))
        };
        prop_assert!(holidays.iter().all(|h| left_on_a_weekend(h)
            || !matches!(h.date.weekday(), Weekday::Sat | Weekday::Sun)));
        prop_assert!(holidays.len() >= 7);
        prop_assert!(holidays.iter().all(|h| h.date.year() == year));
    }
}
