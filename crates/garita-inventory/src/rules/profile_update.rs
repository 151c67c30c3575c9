//! The yearly security-profile update of an Empresa Certificada (Mexico).
//!
//! A company certified under the SAT's Empresa Certificada scheme (the
//! OEA security profile of annex 1 of the RGCE) must bring its security
//! profile up to date every year (regla 7.2.1, third paragraph, fraction
//! III, as the profile's own instructions say). The rule fixes no day of
//! the year, so each company chooses one: the officer sets
//! `attr.profile_update_due` (`MM-DD`, say `03-31`) on the one account
//! whose holder answers for the profile, usually the legal
//! representative's ANAM account. That account is the company's: the
//! reminders go to its holder, and recording the update (`garita accounts
//! profile-updated ACCOUNT [--on DATE]`) sets `attr.profile_updated_on`
//! on it and writes its own audit entry (`compliance.profile_update`).
//!
//! Each year's cycle opens [`WINDOW_DAYS`] before the due day: an update
//! recorded on or after that day counts for the year, and a cycle with one
//! recorded sends nothing more. Otherwise reminders fall 30 and 7 days
//! before the due day and on it, on the holder's calendar, each once; as
//! with the other reminders, after downtime only the latest one that
//! passed is sent. A late update still counts for its cycle until the next
//! one opens.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use garita_engine::account::{Account, AccountFilter, AccountStatus};
use garita_engine::reconcile::{AccountRule, DueTransition};
use serde_json::json;

use super::holder_clock::{holder_locale, holder_today, holders_in_place, prose_date};

/// Attribute holding the company's yearly due day, `MM-DD`.
pub const DUE_ATTRIBUTE: &str = "profile_update_due";
/// Attribute holding the day the latest update was recorded, `YYYY-MM-DD`.
pub const DONE_ATTRIBUTE: &str = "profile_updated_on";
/// A reminder before the due day.
pub const DUE_SOON: &str = "profile.update_due_soon";
/// The reminder on the due day.
pub const DUE: &str = "profile.update_due";
/// Days before the due day that get a reminder, farthest first.
pub const DAYS_BEFORE: [u32; 2] = [30, 7];
/// Days before the due day from which a recorded update counts for the year.
pub const WINDOW_DAYS: u64 = 90;

/// A company's yearly due day, `MM-DD`, read from `attr.profile_update_due`.
/// 29 February falls on 28 February in common years.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearlyDay {
    month: u32,
    day: u32,
}

impl YearlyDay {
    /// Reads `MM-DD`; `None` when it is not a day of the year.
    pub fn parse(text: &str) -> Option<Self> {
        let (month, day) = text.trim().split_once('-')?;
        if month.len() != 2 || day.len() != 2 {
            return None;
        }
        let parsed = Self {
            month: month.parse().ok()?,
            day: day.parse().ok()?,
        };
        // 2024 is a leap year: every day of any year exists in it.
        NaiveDate::from_ymd_opt(2024, parsed.month, parsed.day)?;
        Some(parsed)
    }

    /// The day in `year`.
    pub fn in_year(self, year: i32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(year, self.month, self.day)
            .or_else(|| NaiveDate::from_ymd_opt(year, self.month, self.day - 1))
    }
}

/// One reminder of a yearly update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProfileReminder {
    /// The day it is due (on the holder's calendar).
    pub on: NaiveDate,
    /// The due day it reminds of.
    pub due_on: NaiveDate,
    /// How many days before the due day that is (0: the day itself).
    pub days_before: u32,
}

impl ProfileReminder {
    /// The transition (and event) name: [`DUE_SOON`], or [`DUE`] on the day.
    pub fn transition(&self) -> &'static str {
        if self.days_before == 0 {
            DUE
        } else {
            DUE_SOON
        }
    }
}

/// The due day of the cycle in force on `today`: the latest whose window
/// (from [`WINDOW_DAYS`] before it) has opened.
pub fn current_due_on(due: YearlyDay, today: NaiveDate) -> Option<NaiveDate> {
    (today.year() - 1..=today.year() + 1)
        .rev()
        .filter_map(|year| due.in_year(year))
        .find(|on| window_opens(*on) <= today)
}

/// The first day an update counts for the cycle due on `due_on`.
pub fn window_opens(due_on: NaiveDate) -> NaiveDate {
    due_on
        .checked_sub_days(Days::new(WINDOW_DAYS))
        .unwrap_or(due_on)
}

/// Every reminder of the cycle due on `due_on`, earliest first.
pub fn profile_reminders(due_on: NaiveDate) -> Vec<ProfileReminder> {
    DAYS_BEFORE
        .iter()
        .copied()
        .chain([0])
        .filter_map(|days_before| {
            let on = due_on.checked_sub_days(Days::new(u64::from(days_before)))?;
            Some(ProfileReminder {
                on,
                due_on,
                days_before,
            })
        })
        .collect()
}

/// The reminder due on `today` for a company due every year on `due`, whose
/// latest recorded update is `updated_on`: none once the cycle has one.
pub fn profile_reminder_due(
    due: YearlyDay,
    updated_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<ProfileReminder> {
    let due_on = current_due_on(due, today)?;
    if updated_on.is_some_and(|done| done >= window_opens(due_on)) {
        return None;
    }
    profile_reminders(due_on)
        .into_iter()
        .rfind(|r| r.on <= today)
}

/// The account's yearly due day, when it carries one that reads.
pub fn due_day(account: &Account) -> Option<YearlyDay> {
    account
        .attributes
        .get(DUE_ATTRIBUTE)
        .and_then(|text| YearlyDay::parse(text))
}

/// The account's latest recorded update, when it has one that reads.
pub fn updated_on(account: &Account) -> Option<NaiveDate> {
    account
        .attributes
        .get(DONE_ATTRIBUTE)
        .and_then(|text| NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok())
}

/// `profile.update`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProfileUpdate;

impl AccountRule for ProfileUpdate {
    fn name(&self) -> &str {
        "profile.update"
    }

    fn candidates(&self, _now: DateTime<Utc>) -> AccountFilter {
        // An offboarded holder answers for nothing: the officer moves the
        // due day to whoever replaces them.
        holders_in_place()
    }

    fn due(&self, account: &Account, now: DateTime<Utc>) -> Option<DueTransition> {
        if account.status == AccountStatus::Offboarded {
            return None;
        }
        let due = due_day(account)?;
        let last = updated_on(account);
        let today = holder_today(account, now);
        let reminder = profile_reminder_due(due, last, today)?;
        let days_left = (reminder.due_on - today).num_days();
        let company = &account.company.legal_name;
        let reason = if days_left >= 0 {
            format!(
                "the yearly security-profile update of {company} is due on {}: reminder {} days before",
                reminder.due_on, reminder.days_before
            )
        } else {
            format!(
                "the yearly security-profile update of {company} was due on {} and none is recorded \
                 (reminder on the day, sent {} days after it)",
                reminder.due_on, -days_left
            )
        };
        let locale = holder_locale(account);
        Some(DueTransition {
            name: reminder.transition().into(),
            effective_on: reminder.on,
            status: None,
            reason,
            event: Some(json!({
                "due_on": reminder.due_on.to_string(),
                "due_on_text": prose_date(reminder.due_on, locale),
                "days_before": reminder.days_before,
                "days_left": days_left,
                "last_updated_on": last.map(|d| d.to_string()),
                "company": company,
                "tax_id": account.company.tax_id,
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

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// Noon in Mexico City (UTC−6) on that day.
    fn mx_noon(d: NaiveDate) -> DateTime<Utc> {
        d.and_hms_opt(18, 0, 0).unwrap().and_utc()
    }

    fn account(due: &str, done: Option<&str>) -> Account {
        let mut a = Account::new(
            "anam",
            "rlegal.aab",
            Holder::default(),
            Company {
                legal_name: "Agencia Aduanal Bajío S.C.".into(),
                tax_id: "ABA110815PL2".into(),
                ctpat_account_number: None,
            },
        );
        a.attributes.insert(DUE_ATTRIBUTE.into(), due.into());
        if let Some(done) = done {
            a.attributes.insert(DONE_ATTRIBUTE.into(), done.into());
        }
        a
    }

    #[test]
    fn yearly_days_read_as_month_and_day_only() {
        assert_eq!(
            YearlyDay::parse("03-31").and_then(|d| d.in_year(2027)),
            Some(day(2027, 3, 31))
        );
        assert_eq!(
            YearlyDay::parse("02-29").and_then(|d| d.in_year(2027)),
            Some(day(2027, 2, 28))
        );
        assert_eq!(
            YearlyDay::parse("02-29").and_then(|d| d.in_year(2028)),
            Some(day(2028, 2, 29))
        );
        for wrong in ["3-31", "2027-03-31", "13-01", "04-31", "", "marzo"] {
            assert_eq!(YearlyDay::parse(wrong), None, "{wrong}");
        }
    }

    #[test]
    fn reminders_fall_30_and_7_days_before_and_on_the_day() {
        let rule = ProfileUpdate;
        let a = account("03-31", None);
        let due = |d| rule.due(&a, mx_noon(d)).map(|t| (t.name, t.effective_on));
        assert_eq!(due(day(2027, 2, 28)), None);
        assert_eq!(
            due(day(2027, 3, 1)),
            Some((DUE_SOON.into(), day(2027, 3, 1)))
        );
        assert_eq!(
            due(day(2027, 3, 23)),
            Some((DUE_SOON.into(), day(2027, 3, 1)))
        );
        assert_eq!(
            due(day(2027, 3, 24)),
            Some((DUE_SOON.into(), day(2027, 3, 24)))
        );
        assert_eq!(due(day(2027, 3, 31)), Some((DUE.into(), day(2027, 3, 31))));
        // Late and still not recorded: the day's reminder stands, once.
        assert_eq!(due(day(2027, 9, 1)), Some((DUE.into(), day(2027, 3, 31))));
        // The next cycle opens 90 days before 31 March 2028.
        assert_eq!(due(day(2028, 1, 1)), None);
        assert_eq!(
            due(day(2028, 3, 1)),
            Some((DUE_SOON.into(), day(2028, 3, 1)))
        );
    }

    #[test]
    fn an_update_recorded_in_the_window_silences_the_year_and_only_that_year() {
        let rule = ProfileUpdate;
        let early = account("03-31", Some("2027-01-15"));
        assert_eq!(rule.due(&early, mx_noon(day(2027, 3, 31))), None);
        // The window opens on 31 December 2026; the day before counted
        // for the year before, not this one.
        let too_early = account("03-31", Some("2026-12-30"));
        assert!(rule.due(&too_early, mx_noon(day(2027, 3, 31))).is_some());
        // A late update counts for its cycle, not for the next.
        let late = account("03-31", Some("2027-05-10"));
        assert_eq!(rule.due(&late, mx_noon(day(2027, 6, 1))), None);
        assert_eq!(
            rule.due(&late, mx_noon(day(2028, 3, 31))).map(|t| t.name),
            Some(DUE.into())
        );
    }

    #[test]
    fn nothing_without_a_readable_day_or_for_someone_who_left() {
        let rule = ProfileUpdate;
        let now = mx_noon(day(2027, 3, 31));
        assert_eq!(rule.due(&account("31/03", None), now), None);
        let mut gone = account("03-31", None);
        gone.status = AccountStatus::Offboarded;
        assert_eq!(rule.due(&gone, now), None);
    }
}
