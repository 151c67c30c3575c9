//! Which midnight ends a reactivated user's day.
//!
//! CBP says a reactivated user must sign in "that same day before
//! midnight" but not in which time zone it counts the day. Telling a holder
//! a midnight that turns out to be late costs a new reactivation request,
//! while telling one that is early costs nothing (the holder is told to sign
//! in at once anyway), so the deadline Garita gives is the earliest midnight
//! among the zones CBP could plausibly mean.
//!
//! Those are the zones of the United States where CTPAT is run and its
//! specialists work: Eastern (headquarters in Washington, D.C.), Central,
//! Mountain (with Arizona, which keeps standard time), Pacific, Alaska and
//! Hawaii — plus the zone the operator configured for the connector, in
//! case they know better. The midnight that ends a calendar date comes
//! first in the easternmost zone, so with the defaults it is New York's; the
//! list is kept whole so that a configured zone further east (Puerto Rico,
//! say, which keeps UTC-4 all year) moves the deadline earlier, never later.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::dates::{add_days, start_of_day};

/// The US zones CBP could count "that same day" in, east to west.
pub const US_ZONES: [Tz; 7] = [
    chrono_tz::America::New_York,
    chrono_tz::America::Chicago,
    chrono_tz::America::Denver,
    chrono_tz::America::Phoenix,
    chrono_tz::America::Los_Angeles,
    chrono_tz::America::Anchorage,
    chrono_tz::Pacific::Honolulu,
];

/// The plausible zones: `extra` (the configured or given zones) first, then
/// [`US_ZONES`], each once.
pub fn plausible_zones(extra: &[Tz]) -> Vec<Tz> {
    let mut zones: Vec<Tz> = Vec::with_capacity(extra.len() + US_ZONES.len());
    for zone in extra.iter().chain(US_ZONES.iter()) {
        if !zones.contains(zone) {
            zones.push(*zone);
        }
    }
    zones
}

/// The earliest midnight that ends `date` in any of `zones`, as a local
/// time of the zone it belongs to (the first such zone on a tie), or `None`
/// when `zones` is empty or the date is past chrono's range.
pub fn earliest_midnight(date: NaiveDate, zones: &[Tz]) -> Option<DateTime<Tz>> {
    let next_day = add_days(date, 1)?;
    zones
        .iter()
        .filter_map(|zone| start_of_day(next_day, *zone))
        .min_by_key(|midnight| midnight.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn new_york_ends_the_day_first_among_the_us_zones() {
        let zones = plausible_zones(&[]);
        for day in ["2026-01-15", "2026-03-08", "2026-07-04", "2026-11-01"] {
            let midnight = earliest_midnight(date(day), &zones).unwrap();
            assert_eq!(midnight.timezone(), chrono_tz::America::New_York, "{day}");
            assert_eq!(midnight.date_naive(), date(day).succ_opt().unwrap());
        }
    }

    #[test]
    fn a_configured_zone_further_east_makes_it_earlier_never_later() {
        let puerto_rico = chrono_tz::America::Puerto_Rico;
        let zones = plausible_zones(&[puerto_rico]);
        // In winter Puerto Rico (UTC-4) is an hour ahead of New York (UTC-5).
        let winter = earliest_midnight(date("2026-01-15"), &zones).unwrap();
        assert_eq!(winter.timezone(), puerto_rico);
        assert_eq!(winter.to_rfc3339(), "2026-01-16T00:00:00-04:00");
        // In summer they agree; a zone further west never wins.
        let west = plausible_zones(&[chrono_tz::America::Mexico_City]);
        let summer = earliest_midnight(date("2026-07-15"), &west).unwrap();
        assert_eq!(summer.to_rfc3339(), "2026-07-16T00:00:00-04:00");
    }

    #[test]
    fn zones_are_listed_once_with_the_given_ones_first() {
        let zones = plausible_zones(&[chrono_tz::America::New_York, chrono_tz::UTC]);
        assert_eq!(zones.len(), 8);
        assert_eq!(zones[0], chrono_tz::America::New_York);
        assert_eq!(zones[1], chrono_tz::UTC);
        assert!(earliest_midnight(date("2026-01-15"), &[]).is_none());
    }
}
