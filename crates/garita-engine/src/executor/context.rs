//! Small pieces of the template context that depend on time zones.

use chrono::{DateTime, Utc};

/// The calendar date of `now` in `zone` (UTC when the zone is unknown).
pub(crate) fn local_date(now: DateTime<Utc>, zone: &str) -> String {
    match zone.parse::<chrono_tz::Tz>() {
        Ok(tz) => now.with_timezone(&tz).format("%Y-%m-%d").to_string(),
        Err(_) => now.format("%Y-%m-%d").to_string(),
    }
}
