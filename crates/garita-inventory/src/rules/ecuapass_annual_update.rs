//! Ecuapass: Resolución SENAE-DGN-2016-0364-RE asks every foreign-trade
//! operator to update its registration data in January; SENAE disables the
//! user ID of whoever does not.
//!
//! Facts read: the `annual_update_on` fact (recorded by the annual-update
//! campaign's evidence step, or the CSV column `attr.annual_update_on`), the
//! status, and when Garita started tracking the account. Days are Ecuador's
//! (America/Guayaquil, UTC−5 all year).
//!
//! An account Garita only learnt of after 1 February is not declared to have
//! missed that year's update: nothing says it had to be in the inventory,
//! and saying so would be a guess. The first reconcile after an import
//! reports what is unknown instead of inventing it.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::America::Guayaquil;
use garita_engine::account::{facts, Account, AccountFilter, AccountStatus};
use garita_engine::reconcile::{AccountRule, DueTransition};
use serde_json::json;

use super::AccountDeadline;

/// The portal's name in the inventory.
const PORTAL: &str = "ecuapass";
/// January ended without this year's update recorded.
pub const UPDATE_MISSED: &str = "ecuapass.update_missed";

/// `ecuapass.annual_update`.
#[derive(Debug, Clone, Copy, Default)]
pub struct EcuapassAnnualUpdate;

fn first_of(year: i32, month: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, 1)
}

impl EcuapassAnnualUpdate {
    /// Whether the account's recorded update counts for `year`.
    fn updated_in(account: &Account, year: i32) -> bool {
        facts::date(account, facts::ANNUAL_UPDATE_ON).is_some_and(|d| d.year() == year)
    }

    /// The day `year`'s window has closed: 1 February, when the rule acts.
    fn closed_on(year: i32) -> Option<NaiveDate> {
        first_of(year, 2)
    }

    /// The January the account must update in next, as of `now`: this one
    /// while it is January in Ecuador, else the next (the campaign's year,
    /// as `ecuapass-annual-update` counts it); a year whose update is
    /// already recorded moves it on to the following one. `None` for
    /// another portal or an account that can no longer be updated.
    pub fn next_window(&self, account: &Account, now: DateTime<Utc>) -> Option<AccountDeadline> {
        if account.portal != PORTAL || !account.status.can_still_deactivate() {
            return None;
        }
        let today = self.today(now);
        let mut year = if today.month() == 1 {
            today.year()
        } else {
            today.year() + 1
        };
        if Self::updated_in(account, year) {
            year += 1;
        }
        Some(AccountDeadline::EcuapassAnnualUpdate {
            year,
            opens_on: first_of(year, 1)?,
            closes_on: Self::closed_on(year)?.pred_opt()?,
        })
    }
}

impl AccountRule for EcuapassAnnualUpdate {
    fn name(&self) -> &str {
        "ecuapass.annual_update"
    }

    fn candidates(&self, _now: DateTime<Utc>) -> AccountFilter {
        AccountFilter {
            portal: Some(PORTAL.into()),
            statuses: vec![AccountStatus::Active, AccountStatus::AtRisk],
            ..AccountFilter::default()
        }
    }

    fn due(&self, account: &Account, now: DateTime<Utc>) -> Option<DueTransition> {
        if account.portal != PORTAL || !account.status.can_still_deactivate() {
            return None;
        }
        let today = self.today(now);
        let this_february = Self::closed_on(today.year())?;
        // The latest 1 February on or before today closes that year's window.
        let deadline = if today >= this_february {
            this_february
        } else {
            Self::closed_on(today.year() - 1)?
        };
        let tracked_since = account.created_at.with_timezone(&Guayaquil).date_naive();
        let year = deadline.year();
        if !Self::updated_in(account, year) && tracked_since < deadline {
            let last = facts::date(account, facts::ANNUAL_UPDATE_ON);
            return Some(DueTransition {
                name: UPDATE_MISSED.into(),
                effective_on: deadline,
                status: Some(AccountStatus::Disabled),
                reason: format!(
                    "no Ecuapass annual update recorded for {year} by 31 January (last recorded: {}): \
                     SENAE disables the user ID of an operator that misses it \
                     (Resolución SENAE-DGN-2016-0364-RE); check the portal",
                    last.map_or_else(|| "none".to_owned(), |d| d.to_string())
                ),
                event: Some(json!({
                    "year": year,
                    "annual_update_on": last.map(|d| d.to_string()),
                })),
            });
        }
        // January itself is the campaign's business (`ecuapass-annual-update`:
        // guides, reminders, escalation); the rule acts on the deadline only.
        None
    }

    fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&Guayaquil).date_naive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use garita_engine::account::{Company, Holder};

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// 12:00 in Guayaquil.
    fn gye_noon(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        day(y, m, d).and_hms_opt(17, 0, 0).unwrap().and_utc()
    }

    fn account(created: NaiveDate, updated: Option<&str>) -> Account {
        let mut a = Account::new(
            "ecuapass",
            "RZAMBRANO1",
            Holder::default(),
            Company::default(),
        );
        a.created_at = created.and_hms_opt(15, 0, 0).unwrap().and_utc();
        if let Some(u) = updated {
            a.attributes
                .insert(facts::ANNUAL_UPDATE_ON.into(), u.into());
        }
        a
    }

    #[test]
    fn the_first_of_february_without_an_update_is_a_missed_update_however_late_it_is_seen() {
        let rule = EcuapassAnnualUpdate;
        let a = account(day(2026, 6, 1), Some("2026-01-19"));
        // 31 January 23:00 in Guayaquil is 1 February 04:00 UTC: still January.
        let last_hour = day(2027, 2, 1).and_hms_opt(4, 0, 0).unwrap().and_utc();
        assert_eq!(rule.due(&a, last_hour), None);
        for looked_at in [
            gye_noon(2027, 2, 1),
            gye_noon(2027, 3, 15),
            gye_noon(2027, 12, 31),
        ] {
            let due = rule.due(&a, looked_at).unwrap();
            assert_eq!(due.name, UPDATE_MISSED);
            assert_eq!(due.effective_on, day(2027, 2, 1));
            assert_eq!(due.status, Some(AccountStatus::Disabled));
            assert_eq!(due.event.as_ref().unwrap()["year"], 2027);
        }
        // The next January looks at the year before first.
        let due = rule.due(&a, gye_noon(2028, 1, 10)).unwrap();
        assert_eq!(due.name, UPDATE_MISSED);
        assert_eq!(due.effective_on, day(2027, 2, 1));
    }

    #[test]
    fn an_account_learnt_of_after_the_deadline_is_not_said_to_have_missed_it() {
        let rule = EcuapassAnnualUpdate;
        let imported_in_december = account(day(2026, 12, 4), None);
        assert_eq!(rule.due(&imported_in_december, gye_noon(2026, 12, 4)), None);
        // Its first January is another matter.
        assert_eq!(rule.due(&imported_in_december, gye_noon(2027, 1, 31)), None);
        assert_eq!(
            rule.due(&imported_in_december, gye_noon(2027, 2, 2))
                .unwrap()
                .name,
            UPDATE_MISSED
        );
    }

    #[test]
    fn an_update_recorded_for_the_year_settles_it() {
        let rule = EcuapassAnnualUpdate;
        let done = account(day(2026, 6, 1), Some("2027-01-12"));
        assert_eq!(rule.due(&done, gye_noon(2027, 2, 1)), None);
        // Recorded late (after SENAE was asked to enable it again): settled too.
        let late = account(day(2026, 6, 1), Some("2027-02-10"));
        assert_eq!(rule.due(&late, gye_noon(2027, 3, 1)), None);
        // A year-old update does not count for this year.
        let old = account(day(2025, 6, 1), Some("2026-01-12"));
        assert!(rule.due(&old, gye_noon(2027, 2, 1)).is_some());
    }

    fn window(year: i32) -> Option<AccountDeadline> {
        Some(AccountDeadline::EcuapassAnnualUpdate {
            year,
            opens_on: day(year, 1, 1),
            closes_on: day(year, 1, 31),
        })
    }

    #[test]
    fn the_next_window_is_this_january_while_it_lasts_then_the_next() {
        let rule = EcuapassAnnualUpdate;
        let a = account(day(2026, 6, 1), Some("2026-01-19"));
        assert_eq!(rule.next_window(&a, gye_noon(2026, 12, 5)), window(2027));
        assert_eq!(rule.next_window(&a, gye_noon(2027, 1, 31)), window(2027));
        // 31 January 23:00 in Guayaquil is 1 February 04:00 UTC: still January.
        let last_hour = day(2027, 2, 1).and_hms_opt(4, 0, 0).unwrap().and_utc();
        assert_eq!(rule.next_window(&a, last_hour), window(2027));
        assert_eq!(rule.next_window(&a, gye_noon(2027, 2, 1)), window(2028));
        // This January's update recorded: the next January is what is left.
        let done = account(day(2026, 6, 1), Some("2027-01-12"));
        assert_eq!(rule.next_window(&done, gye_noon(2027, 1, 20)), window(2028));
    }

    #[test]
    fn a_disabled_or_other_account_has_no_window() {
        let rule = EcuapassAnnualUpdate;
        let mut disabled = account(day(2025, 1, 1), None);
        disabled.status = AccountStatus::Disabled;
        assert_eq!(rule.next_window(&disabled, gye_noon(2026, 12, 5)), None);
        let mut other = account(day(2025, 1, 1), None);
        other.portal = "anam".into();
        assert_eq!(rule.next_window(&other, gye_noon(2026, 12, 5)), None);
    }

    #[test]
    fn other_portals_and_settled_statuses_are_left_alone() {
        let rule = EcuapassAnnualUpdate;
        let mut a = account(day(2025, 1, 1), None);
        a.status = AccountStatus::Disabled;
        assert_eq!(rule.due(&a, gye_noon(2026, 3, 1)), None);
        let mut other = account(day(2025, 1, 1), None);
        other.portal = "anam".into();
        assert_eq!(rule.due(&other, gye_noon(2026, 3, 1)), None);
    }
}
