//! Dates and times written as people write them in a letter, in the
//! reader's language: the `prose_date` and `prose_datetime` filters.
//!
//! ```text
//! ${{ '2026-03-16' | prose_date('es') }}            16 de marzo de 2026
//! ${{ '2026-03-16' | prose_date('en') }}            March 16, 2026
//! ${{ deadline | prose_datetime('es', 'America/Tijuana') }}
//!     las 21:00 (hora del Pacífico) del 20 de abril de 2026
//! ${{ deadline | prose_datetime('en', 'America/Tijuana') }}
//!     9:00 PM Pacific Time on April 20, 2026
//! ```
//!
//! Mail goes to people, not parsers: an ISO timestamp to the second
//! (`2026-04-21T03:59:59Z`) makes the reader do the conversion, and often
//! into the wrong zone. `prose_datetime` therefore needs the reader's zone
//! and names it; a midnight is "la medianoche del 20 al 21 de abril", which
//! no one reads as the wrong night.
//!
//! The language is a locale such as `es`, `en` or `en-US`: one starting
//! with `en` gives English, anything else Spanish (Garita's default
//! language; an account's unexpected locale must not fail its reminder).
//! The value is a date (`YYYY-MM-DD`), an instant (RFC 3339, converted to
//! the zone) or a wall-clock time without offset (`YYYY-MM-DDTHH:MM[:SS]`,
//! taken as already in the zone).

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeZone, Timelike};
use chrono_tz::Tz;
use minijinja::{Environment, Error, ErrorKind};

/// Installs the filters in `env`.
pub fn install(env: &mut Environment<'static>) {
    env.add_filter("prose_date", prose_date);
    env.add_filter("prose_datetime", prose_datetime);
}

/// The reader's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Language {
    Spanish,
    English,
}

impl Language {
    fn of(locale: Option<&str>) -> Self {
        match locale {
            Some(locale) if locale.trim().to_ascii_lowercase().starts_with("en") => Self::English,
            _ => Self::Spanish,
        }
    }
}

/// What a template handed the filter.
enum Moment {
    Date(NaiveDate),
    Instant(DateTime<chrono::FixedOffset>),
    WallClock(NaiveDateTime),
}

/// `value | prose_date(locale='es', time_zone=none)`: the date in words.
/// An instant is read in `time_zone` (required for an instant, since the
/// date depends on it).
fn prose_date(
    value: String,
    locale: Option<String>,
    time_zone: Option<String>,
) -> Result<String, Error> {
    let language = Language::of(locale.as_deref());
    let date = match parse_moment(&value)? {
        Moment::Date(date) => date,
        Moment::WallClock(local) => local.date(),
        Moment::Instant(instant) => match time_zone {
            Some(zone) => instant.with_timezone(&zone_named(&zone)?).date_naive(),
            None => {
                return Err(invalid(format!(
                    "prose_date: `{value}` is an instant; give the reader's time zone (prose_date('es', 'America/New_York')), the date depends on it"
                )))
            }
        },
    };
    Ok(date_words(date, language))
}

/// `value | prose_datetime(locale, time_zone)`: the time and date in words,
/// in the reader's zone, which is named.
fn prose_datetime(value: String, locale: String, time_zone: String) -> Result<String, Error> {
    let language = Language::of(Some(&locale));
    let zone = zone_named(&time_zone)?;
    let local = match parse_moment(&value)? {
        Moment::Instant(instant) => instant.with_timezone(&zone).naive_local(),
        Moment::WallClock(local) => zone
            .from_local_datetime(&local)
            .earliest()
            .map(|at| at.naive_local())
            .ok_or_else(|| {
                invalid(format!(
                    "prose_datetime: {value} does not exist in {time_zone} (a daylight-saving gap)"
                ))
            })?,
        Moment::Date(_) => {
            return Err(invalid(format!(
                "prose_datetime: `{value}` is a date without a time; use prose_date for it"
            )))
        }
    };
    let zone_name = zone_words(zone, language);
    let date = local.date();
    let (hour, minute) = (local.hour(), local.minute());
    Ok(match language {
        Language::Spanish if (hour, minute) == (0, 0) => {
            // The night that ends one day and starts the next.
            let before = date.pred_opt().unwrap_or(date);
            format!("la medianoche ({zone_name}) {}", night_words(before, date))
        }
        Language::Spanish => {
            let article = if hour == 1 { "la" } else { "las" };
            format!(
                "{article} {hour}:{minute:02} ({zone_name}) del {}",
                date_words(date, language)
            )
        }
        Language::English if (hour, minute) == (0, 0) => {
            let before = date.pred_opt().unwrap_or(date);
            format!(
                "midnight {zone_name} at the end of {}",
                date_words(before, language)
            )
        }
        Language::English => {
            let (twelve, half) = match hour {
                0 => (12, "AM"),
                1..=11 => (hour, "AM"),
                12 => (12, "PM"),
                _ => (hour - 12, "PM"),
            };
            format!(
                "{twelve}:{minute:02} {half} {zone_name} on {}",
                date_words(date, language)
            )
        }
    })
}

const MONTHS_ES: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn month(date: NaiveDate, language: Language) -> &'static str {
    let index = date.month0() as usize % 12;
    match language {
        Language::Spanish => MONTHS_ES[index],
        Language::English => MONTHS_EN[index],
    }
}

/// `date` in words in `locale`, as the `prose_date` filter writes it
/// ("16 de marzo de 2026", "March 16, 2026"): for Rust code that writes to
/// people, so every text Garita sends spells dates one way.
pub fn date_in_words(date: NaiveDate, locale: crate::account::Locale) -> String {
    let language = match locale {
        crate::account::Locale::Es => Language::Spanish,
        crate::account::Locale::En => Language::English,
    };
    date_words(date, language)
}

/// "16 de marzo de 2026" or "March 16, 2026".
fn date_words(date: NaiveDate, language: Language) -> String {
    match language {
        Language::Spanish => format!(
            "{} de {} de {}",
            date.day(),
            month(date, language),
            date.year()
        ),
        Language::English => format!("{} {}, {}", month(date, language), date.day(), date.year()),
    }
}

/// "del 20 al 21 de abril de 2026", "del 30 de abril al 1 de mayo de 2026",
/// "del 31 de diciembre de 2026 al 1 de enero de 2027".
fn night_words(before: NaiveDate, after: NaiveDate) -> String {
    let language = Language::Spanish;
    if before.year() != after.year() {
        format!(
            "del {} al {}",
            date_words(before, language),
            date_words(after, language)
        )
    } else if before.month() != after.month() {
        format!(
            "del {} de {} al {}",
            before.day(),
            month(before, language),
            date_words(after, language)
        )
    } else {
        format!("del {} al {}", before.day(), date_words(after, language))
    }
}

/// The zone as its people call it; a zone not listed is named by its city.
fn zone_words(zone: Tz, language: Language) -> String {
    let named = |es: &str, en: &str| match language {
        Language::Spanish => es.to_owned(),
        Language::English => en.to_owned(),
    };
    use chrono_tz::America as Am;
    match zone {
        Am::New_York
        | Am::Detroit
        | Am::Toronto
        | Am::Indiana::Indianapolis
        | Am::Kentucky::Louisville => named("hora del Este", "Eastern Time"),
        Am::Chicago | Am::Winnipeg | Am::Matamoros => named("hora del Centro", "Central Time"),
        Am::Mexico_City | Am::Monterrey | Am::Merida | Am::Bahia_Banderas => {
            named("hora del centro de México", "Central Mexico time")
        }
        Am::Denver | Am::Boise | Am::Edmonton | Am::Ojinaga | Am::Ciudad_Juarez => {
            named("hora de la Montaña", "Mountain Time")
        }
        Am::Phoenix => named("hora de Arizona", "Arizona time"),
        Am::Hermosillo => named("hora de Sonora", "Sonora time"),
        Am::Mazatlan => named("hora del Pacífico mexicano", "Mexican Pacific time"),
        Am::Chihuahua => named("hora de Chihuahua", "Chihuahua time"),
        Am::Cancun => named("hora de Quintana Roo", "Quintana Roo time"),
        Am::Los_Angeles | Am::Tijuana | Am::Vancouver => named("hora del Pacífico", "Pacific Time"),
        Am::Anchorage => named("hora de Alaska", "Alaska Time"),
        Am::Puerto_Rico => named("hora del Atlántico", "Atlantic Time"),
        Am::Guayaquil => named("hora de Ecuador", "Ecuador time"),
        Tz::Pacific__Galapagos => named("hora de Galápagos", "Galápagos time"),
        Tz::Pacific__Honolulu => named("hora de Hawái", "Hawaii Time"),
        Tz::UTC | Tz::Etc__UTC => "UTC".to_owned(),
        other => {
            let city = other
                .name()
                .rsplit('/')
                .next()
                .unwrap_or(other.name())
                .replace('_', " ");
            named(&format!("hora de {city}"), &format!("{city} time"))
        }
    }
}

fn parse_moment(text: &str) -> Result<Moment, Error> {
    let text = text.trim();
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(Moment::Date(date));
    }
    if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
        return Ok(Moment::Instant(instant));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(local) = NaiveDateTime::parse_from_str(text, format) {
            return Ok(Moment::WallClock(local));
        }
    }
    Err(invalid(format!(
        "`{text}` is not a date (YYYY-MM-DD) or a time (RFC 3339, e.g. 2026-04-21T04:00:00Z)"
    )))
}

fn zone_named(name: &str) -> Result<Tz, Error> {
    name.trim().parse::<Tz>().map_err(|_| {
        invalid(format!(
            "`{name}` is not an IANA time zone (e.g. America/Mexico_City, America/Guayaquil)"
        ))
    })
}

fn invalid(message: String) -> Error {
    Error::new(ErrorKind::InvalidOperation, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(value: &str, locale: &str, zone: Option<&str>) -> String {
        prose_date(value.into(), Some(locale.into()), zone.map(str::to_owned)).unwrap()
    }

    fn datetime(value: &str, locale: &str, zone: &str) -> String {
        prose_datetime(value.into(), locale.into(), zone.into()).unwrap()
    }

    #[test]
    fn dates_read_as_in_a_letter() {
        assert_eq!(date("2026-03-16", "es", None), "16 de marzo de 2026");
        assert_eq!(date("2026-03-16", "en", None), "March 16, 2026");
        assert_eq!(date("2026-03-16", "en-US", None), "March 16, 2026");
        assert_eq!(date("2026-01-01", "fr", None), "1 de enero de 2026");
    }

    #[test]
    fn an_instant_takes_the_date_of_the_readers_zone() {
        // 03:00 UTC on the 21st is still the 20th in Tijuana.
        let at = "2026-04-21T03:00:00Z";
        assert_eq!(
            date(at, "es", Some("America/Tijuana")),
            "20 de abril de 2026"
        );
        assert_eq!(date(at, "es", Some("UTC")), "21 de abril de 2026");
        let err = prose_date(at.into(), Some("es".into()), None).unwrap_err();
        assert!(err.to_string().contains("time zone"), "{err}");
    }

    #[test]
    fn a_time_is_said_in_the_readers_zone_and_names_it() {
        // Midnight in New York (EDT) is 21:00 in Tijuana (PDT).
        let midnight = "2026-04-21T04:00:00Z";
        assert_eq!(
            datetime(midnight, "es", "America/Tijuana"),
            "las 21:00 (hora del Pacífico) del 20 de abril de 2026"
        );
        assert_eq!(
            datetime(midnight, "en", "America/Los_Angeles"),
            "9:00 PM Pacific Time on April 20, 2026"
        );
        assert_eq!(
            datetime(midnight, "es", "America/New_York"),
            "la medianoche (hora del Este) del 20 al 21 de abril de 2026"
        );
        assert_eq!(
            datetime(midnight, "en", "America/New_York"),
            "midnight Eastern Time at the end of April 20, 2026"
        );
        assert_eq!(
            datetime("2026-04-30T23:00:00-05:00", "es", "America/Guayaquil"),
            "las 23:00 (hora de Ecuador) del 30 de abril de 2026"
        );
        assert_eq!(
            datetime("2026-05-01T05:00:00Z", "es", "America/Guayaquil"),
            "la medianoche (hora de Ecuador) del 30 de abril al 1 de mayo de 2026"
        );
        assert_eq!(
            datetime("2027-01-01T06:00:00Z", "es", "America/Mexico_City"),
            "la medianoche (hora del centro de México) del 31 de diciembre de 2026 al 1 de enero de 2027"
        );
        assert_eq!(
            datetime("2026-03-16T13:05", "es", "America/Bogota"),
            "las 13:05 (hora de Bogota) del 16 de marzo de 2026"
        );
        assert_eq!(
            datetime("2026-03-16T01:30:00-06:00", "es", "America/Mexico_City"),
            "la 1:30 (hora del centro de México) del 16 de marzo de 2026"
        );
        assert_eq!(
            datetime("2026-03-16T12:15:00-04:00", "en", "America/New_York"),
            "12:15 PM Eastern Time on March 16, 2026"
        );
    }

    #[test]
    fn wrong_values_are_errors_that_say_what_is_expected() {
        for (value, zone, wanted) in [
            ("16/03/2026", "UTC", "YYYY-MM-DD"),
            ("2026-03-16", "UTC", "prose_date"),
            ("2026-03-16T10:00:00Z", "Mars/Olympus", "IANA"),
        ] {
            let err = prose_datetime(value.into(), "es".into(), zone.into()).unwrap_err();
            assert!(err.to_string().contains(wanted), "{value}: {err}");
        }
    }

    #[test]
    fn the_filters_are_installed_in_workflow_templates() {
        let evaluator = crate::expr::Evaluator::new();
        let ctx = serde_json::json!({"on": "2026-03-16", "at": "2026-04-21T04:00:00Z"});
        assert_eq!(
            evaluator
                .render("${{ on | prose_date('es') }}; ${{ at | prose_datetime('en', 'America/Tijuana') }}", &ctx)
                .unwrap(),
            "16 de marzo de 2026; 9:00 PM Pacific Time on April 20, 2026"
        );
    }
}
