//! `garita calendar holidays --country EC --year 2027`: the days off of a
//! country and year as every business-day count uses them (the law's, and
//! the configuration's `[calendar]`), and the configured working days.
//! Answered from the configuration alone: no store is opened.

use std::process::ExitCode;

use chrono::{Datelike, NaiveDate};
use garita_engine::calendar::{Country, Holiday, WorkingDay};
use serde::Serialize;

use crate::cli::GlobalArgs;
use crate::output::say;
use crate::usage::UsageError;

/// What `--json` prints.
#[derive(Serialize)]
struct YearDays {
    country: Country,
    year: i32,
    days_off: Vec<Holiday>,
    working_days: Vec<WorkingDay>,
}

pub fn holidays(global: &GlobalArgs, country: &str, year: Option<i32>) -> anyhow::Result<ExitCode> {
    let country: Country = country
        .parse()
        .map_err(|e: garita_engine::calendar::CalendarError| UsageError(e.to_string()))?;
    let settings = garita_app::config::load(global.config.as_deref())?;
    let year = match year {
        Some(year) => year,
        None => match &global.now {
            Some(now) => garita_app::wiring::parse_now(now)?.year(),
            None => chrono::Utc::now().year(),
        },
    };
    let calendar = settings.calendar.calendars().of(country);
    let days = YearDays {
        country,
        year,
        days_off: calendar.holidays(year)?,
        working_days: calendar.working_days(year)?,
    };
    if global.json {
        crate::output::json(&days)?;
        return Ok(ExitCode::SUCCESS);
    }
    say!("Days off in {country} in {year}, besides Saturdays and Sundays:");
    for day in &days.days_off {
        let note = match (day.configured, day.moved_from) {
            (true, _) => " [configured]".to_owned(),
            (false, Some(from)) => format!(" (moved from {})", dated(from)),
            (false, None) => String::new(),
        };
        say!("  {}  {}{note}", dated(day.date), day.name);
    }
    if days.working_days.is_empty() {
        say!("No working day configured in {year}.");
    } else {
        say!("Working days configured in {year}:");
        for day in &days.working_days {
            let note = day
                .instead_of
                .as_ref()
                .map(|h| format!(" (instead of the day off {h})"))
                .unwrap_or_default();
            say!("  {}  {}{note}", dated(day.date), day.name);
        }
    }
    if settings.calendar.adjustments().is_empty() {
        say!("No day is configured in [calendar]; decrees are added there (docs/accounts.md).");
    }
    Ok(ExitCode::SUCCESS)
}

/// `2027-12-03 Fri`.
fn dated(date: NaiveDate) -> String {
    date.format("%Y-%m-%d %a").to_string()
}
