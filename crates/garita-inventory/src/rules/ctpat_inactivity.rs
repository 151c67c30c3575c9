//! CTPAT: deactivation after the inactivity limit, and again after a
//! reactivation not followed by a sign-in that same day.
//!
//! Facts read: `last_sign_in`, the `reactivated_on` fact (recorded when a
//! deactivated account is set active again), the status. Days are CBP's
//! calendar days (`[connectors.ctpat] time_zone`, New York by default).

use chrono::{DateTime, Days, NaiveDate, Utc};
use garita_engine::account::{facts, Account, AccountFilter, AccountStatus, CTPAT_PORTAL};
use garita_engine::reconcile::{AccountRule, DueTransition};
use serde_json::json;

use super::AccountDeadline;
use crate::CtpatRule;

/// The transition after the inactivity limit.
pub const DEACTIVATED: &str = "ctpat.deactivated";
/// The transition after a reactivation day without a sign-in.
pub const RELOGIN_MISSED: &str = "ctpat.relogin_missed";

/// `ctpat.inactivity`.
#[derive(Debug, Clone)]
pub struct CtpatInactivity {
    rule: CtpatRule,
}

/// Where a CTPAT account stands, from its facts alone: what decides both
/// the transition due ([`AccountRule::due`]) and the deadline coming
/// ([`CtpatInactivity::deadline`]), so the two never disagree.
enum Standing {
    /// Reactivated and not signed in since: only the same-day sign-in matters.
    ReloginPending {
        reactivated_on: NaiveDate,
        last_sign_in: Option<NaiveDate>,
    },
    /// The inactivity limit counts from the last sign-in.
    Counting { last_sign_in: NaiveDate },
}

impl CtpatInactivity {
    /// The rule with the CTPAT settings in force.
    pub fn new(rule: CtpatRule) -> Self {
        Self { rule }
    }

    /// `None` for an account the rule leaves alone: another portal, a
    /// status past deactivation, no sign-in known and no reactivation.
    fn standing(&self, account: &Account) -> Option<Standing> {
        if account.portal != CTPAT_PORTAL || !account.status.can_still_deactivate() {
            return None;
        }
        let last_sign_in = account.last_sign_in;
        // A reactivation restarts the story: until a sign-in on (or after)
        // that day is recorded, the old inactivity is settled and only the
        // same-day sign-in matters.
        if let Some(reactivated_on) = facts::date(account, facts::REACTIVATED_ON) {
            if last_sign_in.is_none_or(|d| d < reactivated_on) {
                return Some(Standing::ReloginPending {
                    reactivated_on,
                    last_sign_in,
                });
            }
        }
        Some(Standing::Counting {
            last_sign_in: last_sign_in?,
        })
    }

    /// The deadline the account's facts hold, whether or not it has passed
    /// (a passed one stays until the reconciler applies its transition):
    /// the same-day sign-in after a reactivation, else the deactivation
    /// date the inactivity limit gives.
    pub fn deadline(&self, account: &Account) -> Option<AccountDeadline> {
        match self.standing(account)? {
            Standing::ReloginPending { reactivated_on, .. } => {
                Some(AccountDeadline::CtpatRelogin {
                    reactivated_on,
                    midnight: self.rule.relogin_midnight(reactivated_on)?,
                })
            }
            Standing::Counting { last_sign_in } => Some(AccountDeadline::CtpatDeactivation {
                last_sign_in,
                deactivates_on: self.rule.deactivates_on(last_sign_in)?,
            }),
        }
    }

    fn relogin_missed(
        &self,
        reactivated_on: NaiveDate,
        last_sign_in: Option<NaiveDate>,
    ) -> Option<DueTransition> {
        let effective_on = reactivated_on.checked_add_days(Days::new(1))?;
        let last = last_sign_in.map_or_else(|| "none recorded".to_owned(), |d| d.to_string());
        Some(DueTransition {
            name: RELOGIN_MISSED.into(),
            effective_on,
            status: Some(AccountStatus::Deactivated),
            reason: format!(
                "CBP reactivated the user on {reactivated_on} and no sign-in was recorded that day \
                 (last sign-in: {last}): the portal deactivated it again at midnight"
            ),
            event: Some(json!({
                "reactivated_on": reactivated_on.to_string(),
                "last_sign_in": last_sign_in.map(|d| d.to_string()),
            })),
        })
    }

    fn inactive(&self, last_sign_in: NaiveDate, today: NaiveDate) -> Option<DueTransition> {
        let effective_on = self.rule.deactivates_on(last_sign_in)?;
        if effective_on > today {
            return None;
        }
        let limit = self.rule.limit_days();
        Some(DueTransition {
            name: DEACTIVATED.into(),
            effective_on,
            status: Some(AccountStatus::Deactivated),
            reason: format!(
                "no CTPAT sign-in recorded since {last_sign_in}: CBP deactivates a user after \
                 {limit} days without one, so from {effective_on}"
            ),
            event: Some(json!({
                "last_sign_in": last_sign_in.to_string(),
                "deactivated_on": effective_on.to_string(),
                "days_inactive": (today - last_sign_in).num_days(),
                "limit_days": limit,
            })),
        })
    }
}

impl AccountRule for CtpatInactivity {
    fn name(&self) -> &str {
        "ctpat.inactivity"
    }

    fn candidates(&self, _now: DateTime<Utc>) -> AccountFilter {
        AccountFilter {
            portal: Some(CTPAT_PORTAL.into()),
            statuses: vec![AccountStatus::Active, AccountStatus::AtRisk],
            ..AccountFilter::default()
        }
    }

    fn due(&self, account: &Account, now: DateTime<Utc>) -> Option<DueTransition> {
        let today = self.today(now);
        match self.standing(account)? {
            Standing::ReloginPending {
                reactivated_on,
                last_sign_in,
            } => (today > reactivated_on)
                .then(|| self.relogin_missed(reactivated_on, last_sign_in))
                .flatten(),
            Standing::Counting { last_sign_in } => self.inactive(last_sign_in, today),
        }
    }

    fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        self.rule.today(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use garita_engine::account::{Company, Holder};

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    /// 12:00 in New York on that day.
    fn ny_noon(m: u32, d: u32) -> DateTime<Utc> {
        day(m, d).and_hms_opt(16, 0, 0).unwrap().and_utc()
    }

    fn rule() -> CtpatInactivity {
        CtpatInactivity::new(CtpatRule::from_section(serde_json::Value::Null).unwrap())
    }

    fn account(last: Option<NaiveDate>, status: AccountStatus) -> Account {
        let mut a = Account::new("ctpat", "ana@x.com", Holder::default(), Company::default());
        a.last_sign_in = last;
        a.status = status;
        a
    }

    #[test]
    fn deactivation_is_due_from_the_day_after_the_limit_whenever_it_is_looked_at() {
        let rule = rule();
        let a = account(Some(day(2, 2)), AccountStatus::Active);
        // 2 Feb + 45 days = 19 Mar is the last good day.
        assert_eq!(rule.due(&a, ny_noon(3, 19)), None);
        for looked_at in [ny_noon(3, 20), ny_noon(3, 25), ny_noon(12, 4)] {
            let due = rule.due(&a, looked_at).unwrap();
            assert_eq!(due.name, DEACTIVATED);
            assert_eq!(due.effective_on, day(3, 20), "the same key however late");
            assert_eq!(due.status, Some(AccountStatus::Deactivated));
            assert!(due.reason.contains("2026-02-02"), "{}", due.reason);
        }
        let at_risk = account(Some(day(2, 2)), AccountStatus::AtRisk);
        assert!(rule.due(&at_risk, ny_noon(3, 20)).is_some());
    }

    #[test]
    fn midnight_is_counted_in_new_york() {
        let rule = rule();
        let a = account(Some(day(2, 2)), AccountStatus::Active);
        // 03:00 UTC on 20 March is still 19 March in New York.
        let late_evening = day(3, 20).and_hms_opt(3, 0, 0).unwrap().and_utc();
        assert_eq!(rule.due(&a, late_evening), None);
        let after_midnight = day(3, 20).and_hms_opt(4, 30, 0).unwrap().and_utc();
        assert!(rule.due(&a, after_midnight).is_some());
    }

    #[test]
    fn accounts_without_a_sign_in_or_past_deactivation_are_left_alone() {
        let rule = rule();
        assert_eq!(
            rule.due(&account(None, AccountStatus::Active), ny_noon(6, 1)),
            None
        );
        for status in [
            AccountStatus::Deactivated,
            AccountStatus::Disabled,
            AccountStatus::Offboarded,
        ] {
            assert_eq!(
                rule.due(&account(Some(day(1, 1)), status), ny_noon(6, 1)),
                None
            );
        }
    }

    #[test]
    fn the_deadline_is_the_date_the_transition_takes_effect() {
        let rule = rule();
        let a = account(Some(day(2, 2)), AccountStatus::AtRisk);
        assert_eq!(
            rule.deadline(&a),
            Some(AccountDeadline::CtpatDeactivation {
                last_sign_in: day(2, 2),
                deactivates_on: day(3, 20),
            })
        );
        // The same date the reconciler applies.
        assert_eq!(
            rule.due(&a, ny_noon(3, 20)).unwrap().effective_on,
            day(3, 20)
        );
        for status in [AccountStatus::Deactivated, AccountStatus::Offboarded] {
            assert_eq!(rule.deadline(&account(Some(day(2, 2)), status)), None);
        }
        assert_eq!(rule.deadline(&account(None, AccountStatus::Active)), None);
    }

    #[test]
    fn after_a_reactivation_the_deadline_is_that_days_midnight_until_a_sign_in() {
        let rule = rule();
        let mut a = account(Some(day(1, 10)), AccountStatus::Active);
        facts::set(&mut a, facts::REACTIVATED_ON, day(4, 20));
        let midnight = DateTime::parse_from_rfc3339("2026-04-21T04:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            rule.deadline(&a),
            Some(AccountDeadline::CtpatRelogin {
                reactivated_on: day(4, 20),
                midnight,
            })
        );
        a.last_sign_in = Some(day(4, 20));
        assert_eq!(
            rule.deadline(&a),
            Some(AccountDeadline::CtpatDeactivation {
                last_sign_in: day(4, 20),
                deactivates_on: day(6, 5),
            })
        );
    }

    #[test]
    fn a_reactivation_needs_a_sign_in_the_same_day() {
        let rule = rule();
        let mut a = account(Some(day(1, 10)), AccountStatus::Active);
        facts::set(&mut a, facts::REACTIVATED_ON, day(4, 20));
        // The reactivation day itself: still time.
        assert_eq!(rule.due(&a, ny_noon(4, 20)), None);
        // The old inactivity does not deactivate it again.
        let due = rule.due(&a, ny_noon(4, 21)).unwrap();
        assert_eq!(due.name, RELOGIN_MISSED);
        assert_eq!(due.effective_on, day(4, 21));
        assert_eq!(due.status, Some(AccountStatus::Deactivated));
        // Noticed a week late: same key.
        assert_eq!(
            rule.due(&a, ny_noon(4, 28)).unwrap().effective_on,
            day(4, 21)
        );

        // Signed in that day: the 45-day clock starts again from there.
        a.last_sign_in = Some(day(4, 20));
        assert_eq!(rule.due(&a, ny_noon(4, 21)), None);
        let later = rule.due(&a, ny_noon(6, 5)).unwrap();
        assert_eq!(later.name, DEACTIVATED);
        assert_eq!(later.effective_on, day(6, 5));
    }
}
