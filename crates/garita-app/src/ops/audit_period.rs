//! The `--from`/`--to` of `garita audit export`: a day (UTC, `--to` included)
//! or an RFC 3339 instant (`--to` excluded).

use chrono::{DateTime, Days, NaiveDate, Utc};

use crate::AppError;

/// Which end of the period a bound is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    From,
    To,
}

/// The instant `text` stands for as the `end` of a period: a day starts at
/// its UTC midnight, and a `--to` day is included (its end is the next
/// midnight).
pub fn bound(text: &str, end: End) -> Result<DateTime<Utc>, AppError> {
    let option = match end {
        End::From => "--from",
        End::To => "--to",
    };
    if let Ok(day) = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        let day = match end {
            End::From => Some(day),
            End::To => day.checked_add_days(Days::new(1)),
        };
        if let Some(midnight) = day.and_then(|d| d.and_hms_opt(0, 0, 0)) {
            return Ok(midnight.and_utc());
        }
    }
    DateTime::parse_from_rfc3339(text.trim())
        .map(|at| at.with_timezone(&Utc))
        .map_err(|_| {
            AppError::Usage(format!(
                "{option} must be a day such as 2026-01-31 (UTC) or an RFC 3339 instant such as 2026-01-31T08:00:00-05:00, got `{text}`"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_cover_whole_utc_days_and_instants_are_exact() {
        assert_eq!(
            bound("2026-01-31", End::From).unwrap().to_rfc3339(),
            "2026-01-31T00:00:00+00:00"
        );
        assert_eq!(
            bound("2026-01-31", End::To).unwrap().to_rfc3339(),
            "2026-02-01T00:00:00+00:00"
        );
        assert_eq!(
            bound("2026-01-31T08:00:00-05:00", End::To)
                .unwrap()
                .to_rfc3339(),
            "2026-01-31T13:00:00+00:00"
        );
        let err = bound("31/01/2026", End::To).unwrap_err().to_string();
        assert!(err.contains("--to") && err.contains("31/01/2026"), "{err}");
    }
}
