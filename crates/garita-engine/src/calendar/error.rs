//! What a business-calendar question can fail with.

use super::Country;

/// A question the calendar refuses to answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The date's year is outside the years whose holidays Garita ships.
    #[error(
        "Garita knows the public holidays of {country} from {first} to {last}; {year} is outside \
         those years, so whether a day of it is a business day is not known; update Garita \
         (the calendar's data is in garita-engine's calendar module)"
    )]
    YearNotCovered {
        /// The calendar's country.
        country: Country,
        /// The year asked about.
        year: i32,
        /// First covered year.
        first: i32,
        /// Last covered year.
        last: i32,
    },
    /// A month number outside 1–12.
    #[error("there is no month {month} in {year}; months are numbered 1 to 12")]
    NoSuchMonth {
        /// The year asked about.
        year: i32,
        /// The month number given.
        month: u32,
    },
    /// A country code Garita has no calendar for.
    #[error("`{0}` is not a country Garita has a business calendar for; use `MX`, `EC` or `US`")]
    UnknownCountry(String),
}
