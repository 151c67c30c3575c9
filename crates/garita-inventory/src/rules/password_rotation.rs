//! Periodic password change (the OEA security profile, 9.2: automated
//! systems use individual accounts that require a periodic password
//! change).
//!
//! Facts read: the account's `password_changed_on` (a date, never a
//! password), the portal's interval (`[rules.password_change]`, 90 days by
//! default, per portal in `portals`) and the status. The next change falls
//! due `interval_days` after the last one; reminders go `reminder_days`
//! before (14 and 3 by default) and on the day, on the holder's calendar.
//! Each is a transition that leaves the status alone and queues an event,
//! so each is sent once, and one missed while Garita was not looking is
//! sent at the next look (only the latest that passed). Recording the
//! change (`garita accounts password-changed`) moves the date, and with it
//! every reminder to a new key.

use std::collections::BTreeMap;

use chrono::{DateTime, Days, NaiveDate, Utc};
use garita_engine::account::{Account, AccountFilter, AccountStatus};
use garita_engine::reconcile::{AccountRule, DueTransition};
use serde::Deserialize;
use serde_json::json;

use super::holder_clock::{holder_locale, holder_today, holders_in_place, prose_date};
use crate::InventoryError;

/// A reminder before the change falls due.
pub const CHANGE_DUE_SOON: &str = "password.change_due_soon";
/// The reminder on the day it falls due.
pub const CHANGE_DUE: &str = "password.change_due";

/// `[rules.password_change]` of garita.toml.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordChangeSettings {
    /// Days between changes on every portal without its own interval.
    pub interval_days: u32,
    /// Days before the change falls due that get a reminder.
    pub reminder_days: Vec<u32>,
    /// Days between changes on a portal, by portal name (`ecuapass = 60`).
    pub portals: BTreeMap<String, u32>,
}

impl Default for PasswordChangeSettings {
    fn default() -> Self {
        Self {
            interval_days: 90,
            reminder_days: vec![14, 3],
            portals: BTreeMap::new(),
        }
    }
}

/// Longest interval accepted: ten years.
const MAX_INTERVAL: u32 = 3653;

impl PasswordChangeSettings {
    /// The settings, checked: intervals of 1 to 3653 days, each reminder
    /// day shorter than every interval (a reminder before the last change
    /// would be nonsense).
    pub fn checked(mut self) -> Result<Self, InventoryError> {
        let bad = |what: String| Err(InventoryError::PasswordChangeSection(what));
        let intervals = std::iter::once(("interval_days".to_owned(), self.interval_days)).chain(
            self.portals
                .iter()
                .map(|(p, d)| (format!("portals.{p}"), *d)),
        );
        let mut shortest = u32::MAX;
        for (name, days) in intervals {
            if !(1..=MAX_INTERVAL).contains(&days) {
                return bad(format!("{name} = {days}: give 1 to {MAX_INTERVAL} days"));
            }
            shortest = shortest.min(days);
        }
        if let Some(day) = self
            .reminder_days
            .iter()
            .find(|d| **d == 0 || **d >= shortest)
        {
            return bad(format!(
                "reminder_days has {day}: each must be at least 1 and fewer than the shortest interval ({shortest} days); the reminder on the day is always sent"
            ));
        }
        self.reminder_days.sort_unstable_by(|a, b| b.cmp(a));
        self.reminder_days.dedup();
        self.portals = self
            .portals
            .into_iter()
            .map(|(p, d)| (p.trim().to_lowercase(), d))
            .collect();
        Ok(self)
    }

    /// Days between changes on `portal`.
    pub fn interval_for(&self, portal: &str) -> u32 {
        self.portals
            .get(portal)
            .copied()
            .unwrap_or(self.interval_days)
    }
}

/// One reminder of a password change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordReminder {
    /// The day it is due (on the holder's calendar).
    pub on: NaiveDate,
    /// How many days before the change falls due (0: the day itself).
    pub days_before: u32,
}

impl PasswordReminder {
    /// The transition (and event) name.
    pub fn transition(&self) -> &'static str {
        if self.days_before == 0 {
            CHANGE_DUE
        } else {
            CHANGE_DUE_SOON
        }
    }
}

/// The day the next change falls due after one on `changed_on`. The one
/// place it is computed (the rule, `accounts check` and any calendar of
/// deadlines use it).
pub fn password_change_due_on(changed_on: NaiveDate, interval_days: u32) -> Option<NaiveDate> {
    changed_on.checked_add_days(Days::new(u64::from(interval_days)))
}

/// Every reminder of the change after `changed_on`, earliest first:
/// `reminder_days` before the due day (farthest first), and the day itself.
pub fn password_reminders(
    changed_on: NaiveDate,
    interval_days: u32,
    reminder_days: &[u32],
) -> Vec<PasswordReminder> {
    let Some(due_on) = password_change_due_on(changed_on, interval_days) else {
        return Vec::new();
    };
    let mut before: Vec<u32> = reminder_days
        .iter()
        .copied()
        .filter(|d| *d > 0 && *d < interval_days)
        .collect();
    before.sort_unstable_by(|a, b| b.cmp(a));
    before.dedup();
    before
        .into_iter()
        .chain([0])
        .filter_map(|days_before| {
            let on = due_on.checked_sub_days(Days::new(u64::from(days_before)))?;
            Some(PasswordReminder { on, days_before })
        })
        .collect()
}

/// `password.rotation`.
#[derive(Debug, Clone)]
pub struct PasswordRotation {
    settings: PasswordChangeSettings,
}

impl PasswordRotation {
    /// The rule with `settings` (checked: see [`PasswordChangeSettings::checked`]).
    pub fn new(settings: PasswordChangeSettings) -> Self {
        Self { settings }
    }

    /// The settings in force.
    pub fn settings(&self) -> &PasswordChangeSettings {
        &self.settings
    }
}

impl AccountRule for PasswordRotation {
    fn name(&self) -> &str {
        "password.rotation"
    }

    fn candidates(&self, _now: DateTime<Utc>) -> AccountFilter {
        // A disabled or deactivated account still has its password; an
        // offboarded one is to be removed, not kept fresh.
        holders_in_place()
    }

    fn due(&self, account: &Account, now: DateTime<Utc>) -> Option<DueTransition> {
        if account.status == AccountStatus::Offboarded {
            return None;
        }
        let changed_on = account.password_changed_on?;
        let interval = self.settings.interval_for(&account.portal);
        let due_on = password_change_due_on(changed_on, interval)?;
        let today = holder_today(account, now);
        let reminder = password_reminders(changed_on, interval, &self.settings.reminder_days)
            .into_iter()
            .rfind(|r| r.on <= today)?;
        let days_left = (due_on - today).num_days();
        Some(DueTransition {
            name: reminder.transition().into(),
            effective_on: reminder.on,
            status: None,
            reason: format!(
                "password last changed on {changed_on}; on {} it is changed every {interval} days, \
                 so the next change is due on {due_on} ({} reminder)",
                account.portal,
                match reminder.days_before {
                    0 => "the day's".to_owned(),
                    n => format!("{n}-day"),
                }
            ),
            event: Some(json!({
                "changed_on": changed_on.to_string(),
                "changed_on_text": prose_date(changed_on, holder_locale(account)),
                "due_on": due_on.to_string(),
                "due_on_text": prose_date(due_on, holder_locale(account)),
                "interval_days": interval,
                "days_before": reminder.days_before,
                "days_left": days_left,
                "portal": account.portal,
            })),
        })
    }

    fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        now.date_naive()
    }

    fn today_for(&self, account: &Account, now: DateTime<Utc>) -> NaiveDate {
        holder_today(account, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use garita_engine::account::{Company, Holder};
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// Noon in Guayaquil (UTC−5).
    fn ec_noon(d: NaiveDate) -> DateTime<Utc> {
        d.and_hms_opt(17, 0, 0).unwrap().and_utc()
    }

    fn account(changed_on: Option<NaiveDate>) -> Account {
        let mut a = Account::new(
            "ecuapass",
            "RZAMBRANO1",
            Holder::default(),
            Company::default(),
        );
        a.password_changed_on = changed_on;
        a
    }

    #[test]
    fn reminders_come_before_the_interval_runs_out_and_on_the_day() {
        let rule = PasswordRotation::new(PasswordChangeSettings::default().checked().unwrap());
        let a = account(Some(day(2026, 1, 5)));
        // 5 January + 90 days = 5 April.
        assert_eq!(
            password_change_due_on(day(2026, 1, 5), 90),
            Some(day(2026, 4, 5))
        );
        assert_eq!(rule.due(&a, ec_noon(day(2026, 3, 21))), None);
        let cases = [
            (day(2026, 3, 22), CHANGE_DUE_SOON, day(2026, 3, 22), 14),
            (day(2026, 4, 2), CHANGE_DUE_SOON, day(2026, 4, 2), 3),
            (day(2026, 4, 5), CHANGE_DUE, day(2026, 4, 5), 0),
            (day(2026, 6, 1), CHANGE_DUE, day(2026, 4, 5), -57),
        ];
        for (looked_at, name, effective_on, days_left) in cases {
            let due = rule.due(&a, ec_noon(looked_at)).unwrap();
            assert_eq!((due.name.as_str(), due.effective_on), (name, effective_on));
            assert_eq!(due.status, None);
            assert_eq!(due.event.unwrap()["days_left"], days_left, "{looked_at}");
        }
        assert_eq!(rule.due(&account(None), ec_noon(day(2026, 6, 1))), None);
    }

    #[test]
    fn a_portal_may_have_its_own_interval() {
        let settings = PasswordChangeSettings {
            portals: BTreeMap::from([("Ecuapass".to_owned(), 60)]),
            ..PasswordChangeSettings::default()
        }
        .checked()
        .unwrap();
        assert_eq!(settings.interval_for("ecuapass"), 60);
        assert_eq!(settings.interval_for("anam"), 90);
        let rule = PasswordRotation::new(settings);
        let due = rule.due(&account(Some(day(2026, 1, 5))), ec_noon(day(2026, 3, 6)));
        assert_eq!(due.unwrap().name, CHANGE_DUE);
    }

    #[test]
    fn wrong_settings_are_refused_with_the_setting_named() {
        let zero = PasswordChangeSettings {
            interval_days: 0,
            ..PasswordChangeSettings::default()
        };
        assert!(zero
            .checked()
            .unwrap_err()
            .to_string()
            .contains("interval_days = 0"));
        let long_reminder = PasswordChangeSettings {
            portals: BTreeMap::from([("anam".to_owned(), 10)]),
            ..PasswordChangeSettings::default()
        };
        let err = long_reminder.checked().unwrap_err().to_string();
        assert!(
            err.contains("reminder_days has 14") && err.contains("10 days"),
            "{err}"
        );
    }

    proptest! {
        /// The due day is the change plus the interval; the reminders are
        /// within the interval, strictly increasing, and end on the due day.
        #[test]
        fn reminders_lie_between_the_change_and_the_due_day(
            start in 0i64..40_000,
            interval in 1u32..1000,
            reminders in proptest::collection::vec(0u32..1000, 0..5),
        ) {
            let changed_on = day(2000, 1, 1) + chrono::Duration::days(start);
            let due_on = password_change_due_on(changed_on, interval).unwrap();
            prop_assert_eq!((due_on - changed_on).num_days(), i64::from(interval));
            let all = password_reminders(changed_on, interval, &reminders);
            prop_assert_eq!(all.last().map(|r| r.on), Some(due_on));
            for pair in all.windows(2) {
                prop_assert!(pair[0].on < pair[1].on);
            }
            for r in &all {
                prop_assert!(r.on > changed_on);
            }
        }
    }
}
