//! A wall-clock time on a given day in a time zone, as one instant: what a
//! fire moved to a business day and a due date counted in business days
//! both need.

use chrono::{DateTime, LocalResult, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

/// Longest a spring-forward gap is searched for its end (real gaps are one
/// hour, a few historical ones two).
const MAX_GAP_MINUTES: i64 = 3 * 60;

/// The instant `time` on `day` in `zone`: the first of a repeated local
/// time, and for one skipped by a spring-forward change the first instant
/// after the gap (as `schedule/cron_trigger.rs` settles it).
pub fn at_local_time(zone: Tz, day: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    let wall = day.and_time(time);
    for minutes in 0..=MAX_GAP_MINUTES {
        let probe = wall + TimeDelta::minutes(minutes);
        match zone.from_local_datetime(&probe) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => {
                return Some(t.with_timezone(&Utc));
            }
            LocalResult::None => {}
        }
    }
    None
}
