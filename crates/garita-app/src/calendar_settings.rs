//! `[calendar]` of garita.toml: the days off and working days an operator
//! adds to the law's business calendars, one decree at a time (Ecuador's
//! Executive, and at times Mexico's, decrees rest days each year that no
//! rule predicts; see docs/accounts.md, "Business days").
//!
//! ```toml
//! [[calendar.EC.days_off]]
//! date = 2027-11-02          # a TOML date, or the string "2027-11-02"
//! name = "Decreto Ejecutivo N.º ..."
//!
//! [[calendar.EC.working_days]]
//! date = 2027-11-06          # a Saturday worked to make up for it
//! name = "Recuperación, Decreto Ejecutivo N.º ..."
//! ```
//!
//! The section is read here, from the file's text, rather than through the
//! `config` crate with the other sections, because a wrong day must be
//! reported where it is (`garita.toml:12:8`), and `config` keeps no
//! positions. Every problem is reported at once, each with its place, the
//! field, what is wrong and what to do. Each day is checked against the
//! law's calendar ([`CalendarAdjustments::add`]): a day that would change
//! nothing is a mistake, most likely a wrong date.

use std::ops::Range;

use chrono::NaiveDate;
use garita_engine::calendar::{AdjustmentKind, CalendarAdjustments, Calendars, Country};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::error::AppError;

/// The `[calendar]` in force: what was configured, and the calendars built
/// from it (cheap to clone).
#[derive(Debug, Clone, Default)]
pub struct CalendarSettings {
    adjustments: CalendarAdjustments,
    calendars: Calendars,
}

impl CalendarSettings {
    /// The business calendars with the configured days applied.
    pub fn calendars(&self) -> Calendars {
        self.calendars.clone()
    }

    /// The configured days.
    pub fn adjustments(&self) -> &CalendarAdjustments {
        &self.adjustments
    }
}

/// Reads `[calendar]` from `text`, the configuration file `shown` names in
/// messages. No section: no configured day.
pub fn read(shown: &str, text: &str) -> Result<CalendarSettings, AppError> {
    let mut reader = Reader {
        shown,
        text,
        problems: Vec::new(),
        adjustments: CalendarAdjustments::new(),
    };
    match DeTable::parse(text) {
        Ok(document) => {
            if let Some((key, section)) = document
                .get_ref()
                .iter()
                .find(|(key, _)| key.get_ref() == "calendar")
            {
                reader.section(key.span(), section);
            }
        }
        Err(e) => reader.problem(
            e.span().unwrap_or(0..0),
            "calendar",
            format!("the file is not valid TOML: {}", e.message()),
            "fix the TOML syntax first",
        ),
    }
    if reader.problems.is_empty() {
        let calendars = Calendars::new(&reader.adjustments);
        Ok(CalendarSettings {
            adjustments: reader.adjustments,
            calendars,
        })
    } else {
        Err(AppError::Config(format!(
            "the [calendar] section of the configuration has {} problem(s); nothing was started:\n{}",
            reader.problems.len(),
            reader.problems.join("\n")
        )))
    }
}

/// Refuses `GARITA_CALENDAR__…` variables: `[calendar]` is a list of dated
/// days, which environment variables cannot spell, and silently ignoring
/// one would leave a decree out.
pub fn refuse_environment(names: impl Iterator<Item = String>) -> Result<(), AppError> {
    let names: Vec<String> = names
        .filter(|n| n.to_ascii_uppercase().starts_with("GARITA_CALENDAR__"))
        .collect();
    if names.is_empty() {
        Ok(())
    } else {
        Err(AppError::Config(format!(
            "{} set(s) `[calendar]` through the environment, which Garita does not read; write \
             the days in the configuration file's [calendar] section (docs/accounts.md) and \
             unset the variable(s)",
            names.join(", ")
        )))
    }
}

struct Reader<'t> {
    shown: &'t str,
    text: &'t str,
    problems: Vec<String>,
    adjustments: CalendarAdjustments,
}

impl Reader<'_> {
    fn section(&mut self, key_span: Range<usize>, section: &Spanned<DeValue<'_>>) {
        let Some(countries) = self.table(key_span, "calendar", section) else {
            return;
        };
        for (code, days) in countries.iter() {
            let path = format!("calendar.{}", code.get_ref());
            let Ok(country) = code.get_ref().parse::<Country>() else {
                let upper = code.get_ref().to_ascii_uppercase();
                let hint = if upper.parse::<Country>().is_ok() {
                    format!("write the code in capitals: [calendar.{upper}]")
                } else {
                    "use `MX`, `EC` or `US`: [calendar.EC]".to_owned()
                };
                self.problem(
                    code.span(),
                    &path,
                    format!(
                        "`{}` is not a country Garita has a business calendar for",
                        code.get_ref()
                    ),
                    hint,
                );
                continue;
            };
            let Some(lists) = self.table(code.span(), &path, days) else {
                continue;
            };
            for (list_key, list) in lists.iter() {
                let list_path = format!("{path}.{}", list_key.get_ref());
                let kind = match &**list_key.get_ref() {
                    "days_off" => AdjustmentKind::DayOff,
                    "working_days" => AdjustmentKind::WorkingDay,
                    other => {
                        self.problem(
                            list_key.span(),
                            &list_path,
                            format!("`{other}` is not a key of [calendar.{country}]"),
                            "its keys are `days_off` (extra days off) and `working_days` (days \
                             worked although the law rests)",
                        );
                        continue;
                    }
                };
                self.list(country, kind, &list_path, list);
            }
        }
    }

    fn list(
        &mut self,
        country: Country,
        kind: AdjustmentKind,
        path: &str,
        list: &Spanned<DeValue<'_>>,
    ) {
        let DeValue::Array(items) = list.get_ref() else {
            self.problem(
                list.span(),
                path,
                "must be a list of days".to_owned(),
                format!(
                    "write each day as [[{path}]] with `date = 2027-11-02` and `name = \"...\"` \
                     under it"
                ),
            );
            return;
        };
        for (index, item) in items.iter().enumerate() {
            let item_path = format!("{path}[{index}]");
            self.day(country, kind, &item_path, item);
        }
    }

    fn day(
        &mut self,
        country: Country,
        kind: AdjustmentKind,
        path: &str,
        item: &Spanned<DeValue<'_>>,
    ) {
        let DeValue::Table(fields) = item.get_ref() else {
            self.problem(
                item.span(),
                path,
                "must be a day with `date` and `name`".to_owned(),
                "write `{ date = 2027-11-02, name = \"...\" }`",
            );
            return;
        };
        let mut date: Option<(NaiveDate, Range<usize>)> = None;
        let mut name: Option<String> = None;
        let mut complete = true;
        for (key, value) in fields.iter() {
            let field_path = format!("{path}.{}", key.get_ref());
            match &**key.get_ref() {
                "date" => match date_of(value.get_ref()) {
                    Some(d) => date = Some((d, value.span())),
                    None => {
                        complete = false;
                        self.problem(
                            value.span(),
                            &field_path,
                            format!("`{}` is not a date", shown_value(self.text, value.span())),
                            "write a date as year-month-day: `date = 2027-11-02`",
                        );
                    }
                },
                "name" => match value.get_ref() {
                    DeValue::String(text) => name = Some(text.to_string()),
                    _ => {
                        complete = false;
                        self.problem(
                            value.span(),
                            &field_path,
                            "must be text".to_owned(),
                            "write it in quotes: `name = \"Decreto Ejecutivo N.º ...\"`",
                        );
                    }
                },
                other => self.problem(
                    key.span(),
                    &field_path,
                    format!("`{other}` is not a field of a configured day"),
                    "a day has `date` and `name` only",
                ),
            }
        }
        if !complete {
            return;
        }
        let Some((date, date_span)) = date else {
            self.problem(
                item.span(),
                path,
                "has no `date`".to_owned(),
                "add `date = 2027-11-02` (the day the decree sets)",
            );
            return;
        };
        let Some(name) = name else {
            self.problem(
                item.span(),
                path,
                "has no `name`".to_owned(),
                "add `name = \"...\"`, for example the decree that sets the day",
            );
            return;
        };
        if let Err(e) = self.adjustments.add(country, kind, date, &name) {
            self.problem(date_span, &format!("{path}.date"), e.to_string(), e.hint());
        }
    }

    fn table<'a, 'i>(
        &mut self,
        key_span: Range<usize>,
        path: &str,
        value: &'a Spanned<DeValue<'i>>,
    ) -> Option<&'a DeTable<'i>> {
        match value.get_ref() {
            DeValue::Table(table) => Some(table),
            _ => {
                self.problem(
                    key_span,
                    path,
                    "must be a table".to_owned(),
                    "write the days under [[calendar.EC.days_off]] or [[calendar.EC.working_days]] \
                     (docs/accounts.md)",
                );
                None
            }
        }
    }

    fn problem(
        &mut self,
        span: Range<usize>,
        path: &str,
        message: String,
        hint: impl std::fmt::Display,
    ) {
        let (line, column) = line_and_column(self.text, span.start);
        self.problems.push(format!(
            "{}:{line}:{column}: {path}: {message}\n  hint: {hint}",
            self.shown
        ));
    }
}

/// A TOML local date (`2027-11-02`), or a string holding one.
fn date_of(value: &DeValue<'_>) -> Option<NaiveDate> {
    match value {
        DeValue::Datetime(datetime) if datetime.time.is_none() && datetime.offset.is_none() => {
            let date = datetime.date?;
            NaiveDate::from_ymd_opt(
                i32::from(date.year),
                u32::from(date.month),
                u32::from(date.day),
            )
        }
        DeValue::String(text) => NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok(),
        _ => None,
    }
}

/// The value's text as written, shortened for a message.
fn shown_value(text: &str, span: Range<usize>) -> String {
    let raw = text.get(span).unwrap_or("").trim();
    let mut shown: String = raw.chars().take(40).collect();
    if raw.chars().count() > 40 {
        shown.push('…');
    }
    shown
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).unwrap_or("").chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn problems(text: &str) -> String {
        match read("garita.toml", text) {
            Ok(settings) => panic!("accepted: {:?}", settings.adjustments()),
            Err(AppError::Config(message)) => message,
            Err(other) => panic!("{other:?}"),
        }
    }

    #[test]
    fn no_section_means_the_law_calendar() {
        let settings = read("garita.toml", "[store]\npath = \"x\"\n").unwrap();
        assert!(settings.adjustments().is_empty());
    }

    #[test]
    fn days_off_and_working_days_in_both_spellings() {
        let text = "\
[[calendar.EC.days_off]]
date = 2027-12-03
name = \"Decreto de prueba\"

[[calendar.EC.working_days]]
date = \"2027-12-04\"
name = \"Recuperación\"

[calendar.MX]
days_off = [{ date = 2027-12-03, name = \"Decreto de prueba\" }]
";
        let settings = read("garita.toml", text).unwrap();
        let calendars = settings.calendars();
        let ecuador = calendars.of(Country::Ecuador);
        assert_eq!(ecuador.is_business_day(day("2027-12-03")), Ok(false));
        assert_eq!(ecuador.is_business_day(day("2027-12-04")), Ok(true));
        let mexico = calendars.of(Country::Mexico);
        assert_eq!(mexico.is_business_day(day("2027-12-03")), Ok(false));
        assert_eq!(mexico.is_business_day(day("2027-12-04")), Ok(false));
        let us = calendars.of(Country::UnitedStates);
        assert_eq!(us.is_business_day(day("2027-12-03")), Ok(true));
    }

    #[test]
    fn every_problem_is_reported_with_its_place_field_and_what_to_do() {
        let text = "\
[store]
path = \"x\"

[[calendar.ec.days_off]]
date = 2027-12-03
name = \"a\"

[[calendar.EC.days_off]]
date = 2027-12-04
name = \"Sábado\"

[[calendar.EC.days_off]]
date = \"3/12/2027\"
name = \"b\"

[[calendar.EC.days_off]]
name = \"sin fecha\"

[[calendar.EC.working_days]]
date = 2027-12-06
name = \"Lunes\"
reason = \"x\"

[calendar.EC]
holidays = []
";
        let message = problems(text);
        let expected = [
            "garita.toml:4:12: calendar.ec: `ec` is not a country Garita has a business calendar for\n  hint: write the code in capitals: [calendar.EC]",
            "garita.toml:9:8: calendar.EC.days_off[0].date: 2027-12-04 is a Saturday, never a business day, so a day off on it changes nothing\n  hint: check the date against the decree; if the decree makes this day a working day, put it under `working_days`",
            "garita.toml:13:8: calendar.EC.days_off[1].date: `\"3/12/2027\"` is not a date\n  hint: write a date as year-month-day: `date = 2027-11-02`",
            "calendar.EC.days_off[2]: has no `date`\n  hint: add `date = 2027-11-02`",
            "garita.toml:22:1: calendar.EC.working_days[0].reason: `reason` is not a field of a configured day",
            "garita.toml:20:8: calendar.EC.working_days[0].date: 2027-12-06 (Monday) is already a business day in EC",
            "calendar.EC.holidays: `holidays` is not a key of [calendar.EC]",
        ];
        for line in expected {
            assert!(message.contains(line), "missing {line:?} in:\n{message}");
        }
        assert!(message.contains("has 7 problem(s)"), "{message}");
    }

    #[test]
    fn the_environment_cannot_set_days() {
        let refused = refuse_environment(
            ["GARITA_STORE__PATH", "GARITA_CALENDAR__EC__DAYS_OFF"]
                .into_iter()
                .map(String::from),
        )
        .unwrap_err();
        assert!(refused
            .to_string()
            .contains("GARITA_CALENDAR__EC__DAYS_OFF"));
        assert!(refuse_environment(["GARITA_STORE__PATH".to_owned()].into_iter()).is_ok());
    }

    #[test]
    fn line_and_column_count_characters() {
        assert_eq!(line_and_column("ab\nñx = 1", 5), (2, 2));
        assert_eq!(line_and_column("a", 99), (1, 2));
    }

    proptest! {
        /// Whatever is written as a day's date, reading never panics, and
        /// a refusal names the file with a line inside it.
        #[test]
        fn any_date_text_is_read_or_refused_with_a_place(date in "\\PC{0,16}") {
            let text = format!(
                "[[calendar.EC.days_off]]\ndate = \"{}\"\nname = \"x\"\n",
                date.replace(['\\', '"'], "")
            );
            match read("garita.toml", &text) {
                Ok(settings) => prop_assert!(!settings.adjustments().is_empty()),
                Err(AppError::Config(message)) => {
                    let place = message.lines().nth(1).unwrap_or("");
                    prop_assert!(place.starts_with("garita.toml:"), "{}", message);
                    let line: usize = place.split(':').nth(1).and_then(|l| l.parse().ok()).unwrap_or(0);
                    prop_assert!((1..=4).contains(&line), "{}", message);
                }
                Err(other) => prop_assert!(false, "{:?}", other),
            }
        }

        /// Every weekday of the covered years that the law works is
        /// accepted as a day off, in either spelling, and then is not a
        /// business day.
        #[test]
        fn a_law_working_day_becomes_a_day_off(
            offset in 0i64..(15 * 365),
            quoted in any::<bool>(),
        ) {
            let date = day("2021-01-01") + chrono::TimeDelta::days(offset);
            let law = Calendars::default().of(Country::Ecuador);
            prop_assume!(law.is_business_day(date).unwrap());
            let written = if quoted { format!("\"{date}\"") } else { date.to_string() };
            let text = format!("[calendar.EC]\ndays_off = [{{ date = {written}, name = \"d\" }}]\n");
            let settings = read("garita.toml", &text).unwrap();
            prop_assert!(!settings.calendars().of(Country::Ecuador).is_business_day(date).unwrap());
        }
    }
}
