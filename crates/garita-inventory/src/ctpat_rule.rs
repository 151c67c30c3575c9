//! The CTPAT deactivation rule as the inventory applies it, delegated to the
//! `ctpat` connector's own functions and settings so both always agree: a
//! user who last signed in on day D is deactivated from day
//! D + `inactivity_limit_days` + 1 (`[connectors.ctpat]`, default 45); a
//! user reactivated on day R must sign in before the earliest plausible
//! midnight that ends R (`ctpat::plausible_zones`).

use chrono::{DateTime, NaiveDate, Utc};
use ctpat::CtpatConfig;
use garita_sdk::InvokeContext;

use crate::InventoryError;

/// The CTPAT settings in force, and what follows from them.
#[derive(Debug, Clone)]
pub struct CtpatRule {
    config: CtpatConfig,
}

impl CtpatRule {
    /// Reads a `[connectors.ctpat]` section (`null`: defaults).
    pub fn from_section(section: serde_json::Value) -> Result<Self, InventoryError> {
        // Only the configuration is read here (no date, no run): English
        // messages, like the rest of the command line.
        let ctx = InvokeContext::builder()
            .config(section)
            .locale("en")
            .build();
        let config = CtpatConfig::from_context(&ctx)
            .map_err(|e| InventoryError::CtpatSection(e.to_string()))?;
        Ok(Self { config })
    }

    /// Today's date in the CTPAT time zone (`[connectors.ctpat] time_zone`,
    /// default America/New_York): the calendar CBP counts days in.
    pub fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&self.config.time_zone).date_naive()
    }

    /// Days without a sign-in CBP tolerates (`inactivity_limit_days`, default 45).
    pub fn limit_days(&self) -> i64 {
        self.config.inactivity_limit_days
    }

    /// The first day CBP deactivates a user whose last sign-in was `last_sign_in`.
    pub fn deactivates_on(&self, last_sign_in: NaiveDate) -> Option<NaiveDate> {
        ctpat::inactivity_status(last_sign_in, last_sign_in, &self.config).map(|s| s.deactivates_on)
    }

    /// The instant by which a user CBP reactivated on `reactivated_on` must
    /// have signed in (exclusive): the earliest plausible midnight ending that
    /// day, as `ctpat.reactivation_deadline` answers it (the configured zone
    /// and the US zones; CBP does not say which it counts in).
    pub fn relogin_midnight(&self, reactivated_on: NaiveDate) -> Option<DateTime<Utc>> {
        let zones = ctpat::plausible_zones::plausible_zones(&[self.config.time_zone]);
        ctpat::plausible_zones::earliest_midnight(reactivated_on, &zones)
            .map(|midnight| midnight.with_timezone(&Utc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    #[test]
    fn the_default_limit_deactivates_forty_six_days_after_the_sign_in() {
        let rule = CtpatRule::from_section(serde_json::Value::Null).unwrap();
        assert_eq!(rule.deactivates_on(day(1, 1)), Some(day(2, 16)));
    }

    #[test]
    fn the_limit_comes_from_the_section() {
        let rule = CtpatRule::from_section(
            serde_json::json!({"inactivity_limit_days": 30, "reminder_days": [10]}),
        )
        .unwrap();
        assert_eq!(rule.deactivates_on(day(1, 1)), Some(day(2, 1)));
        let err =
            CtpatRule::from_section(serde_json::json!({"inactivity_limit_days": -1})).unwrap_err();
        assert!(err.to_string().contains("inactivity_limit_days"), "{err}");
    }

    #[test]
    fn a_reactivated_user_has_until_new_york_midnight() {
        let rule = CtpatRule::from_section(serde_json::Value::Null).unwrap();
        // 9 March 2026 is daylight time in New York (UTC-4).
        let midnight = rule.relogin_midnight(day(3, 9)).unwrap();
        assert_eq!(midnight.to_rfc3339(), "2026-03-10T04:00:00+00:00");
        // 15 January: standard time (UTC-5).
        let midnight = rule.relogin_midnight(day(1, 15)).unwrap();
        assert_eq!(midnight.to_rfc3339(), "2026-01-16T05:00:00+00:00");
    }

    #[test]
    fn today_is_the_new_york_date() {
        let rule = CtpatRule::from_section(serde_json::Value::Null).unwrap();
        let late_evening = DateTime::parse_from_rfc3339("2026-03-10T02:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(rule.today(late_evening), day(3, 9));
    }
}
