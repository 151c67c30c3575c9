//! Signing certificates: reminders before the certificate a holder signs
//! with on a portal expires.
//!
//! Which certificate depends on the portal: in Mexico, the e.firma SAT
//! issues (valid four years), with which VUCEM and SAT filings are signed;
//! in Ecuador, the certificate on the TOKEN an Ecuapass user signs with
//! (for instance the agreement on electronic channels that closes the
//! January data update), whose validity depends on the entity that issued
//! it. Either way the date is the account's `certificate_expires_on`, and
//! a certificate that lapses stops its holder from signing until a new one
//! is issued.
//!
//! Reminders fall 60, 30 and 7 days before that day and on the day itself,
//! counted on the holder's calendar (`holder_clock`). Each is a transition
//! that leaves the status alone and queues an event, so each is sent once
//! (its key is the account, the transition and the reminder's day). A
//! reminder whose day passed while Garita was not looking is sent at the
//! next look, and only the latest one that passed: a holder back from a
//! month's outage hears "7 days left", not also "30 days left". Recording
//! a renewal is setting the new date (`accounts add
//! --certificate-expires-on`, an import), which the account's history keeps
//! as evidence with the old and new date; the new date's reminders are new
//! keys.

use chrono::{DateTime, Days, NaiveDate, Utc};
use garita_engine::account::{Account, AccountFilter, AccountStatus};
use garita_engine::reconcile::{AccountRule, DueTransition};
use serde_json::json;

use super::holder_clock::{holder_locale, holder_today, holders_in_place, prose_date};

/// A reminder before the expiry day.
pub const EXPIRING: &str = "certificate.expiring";
/// The reminder on the expiry day.
pub const EXPIRED: &str = "certificate.expired";
/// Days before the expiry day that get a reminder, farthest first.
pub const DAYS_BEFORE: [u32; 3] = [60, 30, 7];

/// One reminder of a certificate's expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CertificateReminder {
    /// The day it is due (on the holder's calendar).
    pub on: NaiveDate,
    /// How many days before the expiry day that is (0: the day itself).
    pub days_before: u32,
}

impl CertificateReminder {
    /// The transition (and event) name: [`EXPIRING`], or [`EXPIRED`] on
    /// the day.
    pub fn transition(&self) -> &'static str {
        if self.days_before == 0 {
            EXPIRED
        } else {
            EXPIRING
        }
    }
}

/// Every reminder of a certificate that expires on `expires_on`, earliest
/// first: 60, 30 and 7 days before, and the day itself. The one place these
/// days are computed (the rule and any calendar of deadlines use it).
pub fn certificate_reminders(expires_on: NaiveDate) -> Vec<CertificateReminder> {
    DAYS_BEFORE
        .iter()
        .copied()
        .chain([0])
        .filter_map(|days_before| {
            let on = expires_on.checked_sub_days(Days::new(u64::from(days_before)))?;
            Some(CertificateReminder { on, days_before })
        })
        .collect()
}

/// The reminder due as of `today`: the latest whose day has come (earlier
/// ones it supersedes are never sent late); none before the first.
pub fn certificate_reminder_due(
    expires_on: NaiveDate,
    today: NaiveDate,
) -> Option<CertificateReminder> {
    certificate_reminders(expires_on)
        .into_iter()
        .rfind(|r| r.on <= today)
}

/// What the certificate of an account on `portal` is usually called.
pub fn certificate_name(portal: &str) -> &'static str {
    match portal {
        "anam" => "e.firma",
        "ecuapass" => "TOKEN",
        _ => "certificate",
    }
}

/// `certificate.expiry`.
#[derive(Debug, Clone, Copy, Default)]
pub struct CertificateExpiry;

impl AccountRule for CertificateExpiry {
    fn name(&self) -> &str {
        "certificate.expiry"
    }

    fn candidates(&self, _now: DateTime<Utc>) -> AccountFilter {
        // A holder who left is offboarded: their certificate is revoked
        // with its issuer, not renewed.
        holders_in_place()
    }

    fn due(&self, account: &Account, now: DateTime<Utc>) -> Option<DueTransition> {
        if account.status == AccountStatus::Offboarded {
            return None;
        }
        let expires_on = account.certificate_expires_on?;
        let today = holder_today(account, now);
        let reminder = certificate_reminder_due(expires_on, today)?;
        let days_left = (expires_on - today).num_days();
        let certificate = certificate_name(&account.portal);
        let reason = if days_left > 0 {
            format!(
                "the holder's signing certificate ({certificate}) expires on {expires_on}: \
                 reminder {} days before (sent with {days_left} days left)",
                reminder.days_before
            )
        } else {
            format!(
                "the holder's signing certificate ({certificate}) expires on {expires_on}: \
                 reminder on the day (sent {} days after it)",
                -days_left
            )
        };
        Some(DueTransition {
            name: reminder.transition().into(),
            effective_on: reminder.on,
            status: None,
            reason,
            event: Some(json!({
                "expires_on": expires_on.to_string(),
                "expires_on_text": prose_date(expires_on, holder_locale(account)),
                "days_before": reminder.days_before,
                "days_left": days_left,
                "certificate": certificate,
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
    use garita_engine::account::{Company, Holder, Locale};
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// Noon in Mexico City (UTC−6) on that day.
    fn mx_noon(d: NaiveDate) -> DateTime<Utc> {
        d.and_hms_opt(18, 0, 0).unwrap().and_utc()
    }

    fn efirma(expires_on: NaiveDate) -> Account {
        let mut a = Account::new("anam", "slozano.aab", Holder::default(), Company::default());
        a.certificate_expires_on = Some(expires_on);
        a
    }

    #[test]
    fn reminders_fall_60_30_and_7_days_before_and_on_the_day() {
        let days: Vec<(NaiveDate, u32)> = certificate_reminders(day(2027, 3, 15))
            .iter()
            .map(|r| (r.on, r.days_before))
            .collect();
        assert_eq!(
            days,
            [
                (day(2027, 1, 14), 60),
                (day(2027, 2, 13), 30),
                (day(2027, 3, 8), 7),
                (day(2027, 3, 15), 0),
            ]
        );
    }

    #[test]
    fn each_reminder_is_due_from_its_day_with_its_own_key() {
        let rule = CertificateExpiry;
        let a = efirma(day(2027, 3, 15));
        assert_eq!(rule.due(&a, mx_noon(day(2027, 1, 13))), None);
        let cases = [
            (day(2027, 1, 14), EXPIRING, day(2027, 1, 14), 60),
            (day(2027, 2, 12), EXPIRING, day(2027, 1, 14), 31),
            (day(2027, 2, 13), EXPIRING, day(2027, 2, 13), 30),
            (day(2027, 3, 8), EXPIRING, day(2027, 3, 8), 7),
            (day(2027, 3, 15), EXPIRED, day(2027, 3, 15), 0),
            (day(2028, 1, 1), EXPIRED, day(2027, 3, 15), -292),
        ];
        for (looked_at, name, effective_on, days_left) in cases {
            let due = rule.due(&a, mx_noon(looked_at)).unwrap();
            assert_eq!(
                (due.name.as_str(), due.effective_on),
                (name, effective_on),
                "{looked_at}"
            );
            assert_eq!(due.status, None, "a reminder leaves the status alone");
            let event = due.event.unwrap();
            assert_eq!(event["days_left"], days_left, "{looked_at}");
            assert_eq!(event["certificate"], "e.firma");
            assert_eq!(event["expires_on_text"], "15 de marzo de 2027");
        }
    }

    #[test]
    fn the_day_is_the_holders() {
        let rule = CertificateExpiry;
        let mut a = efirma(day(2027, 3, 15));
        // 04:00 UTC on 8 March is still the 7th in Mexico City...
        let early = day(2027, 3, 8).and_hms_opt(4, 0, 0).unwrap().and_utc();
        assert_eq!(rule.due(&a, early).unwrap().effective_on, day(2027, 2, 13));
        // ...and already the 8th for a holder in Madrid, in English.
        a.time_zone = Some("Europe/Madrid".into());
        a.locale = Some(Locale::En);
        let due = rule.due(&a, early).unwrap();
        assert_eq!(due.effective_on, day(2027, 3, 8));
        assert_eq!(due.event.unwrap()["expires_on_text"], "March 15, 2027");
        assert_eq!(rule.today_for(&a, early), day(2027, 3, 8));
    }

    #[test]
    fn no_date_or_a_holder_who_left_gets_nothing() {
        let rule = CertificateExpiry;
        let mut a = efirma(day(2027, 3, 15));
        a.certificate_expires_on = None;
        assert_eq!(rule.due(&a, mx_noon(day(2027, 3, 15))), None);
        let mut gone = efirma(day(2027, 3, 15));
        gone.status = AccountStatus::Offboarded;
        assert_eq!(rule.due(&gone, mx_noon(day(2027, 3, 15))), None);
    }

    proptest! {
        /// For any expiry and any day: the reminder due is the latest whose
        /// day has come, it never precedes the first, the same reminder stays
        /// due until the next one's day, and the days are 60, 30, 7, 0 before.
        #[test]
        fn the_due_reminder_is_the_latest_that_has_come(
            expires in 0i64..40_000,
            offset in -400i64..400,
        ) {
            let expires_on = day(2000, 1, 1) + chrono::Duration::days(expires);
            let today = expires_on + chrono::Duration::days(offset);
            let all = certificate_reminders(expires_on);
            prop_assert_eq!(all.len(), 4);
            for (r, before) in all.iter().zip([60i64, 30, 7, 0]) {
                prop_assert_eq!((expires_on - r.on).num_days(), before);
            }
            match certificate_reminder_due(expires_on, today) {
                None => prop_assert!(today < all[0].on),
                Some(due) => {
                    prop_assert!(due.on <= today);
                    let next = all.iter().find(|r| r.on > due.on);
                    prop_assert!(next.is_none_or(|n| n.on > today));
                    // The day after still has the same one due, unless the
                    // next reminder's day came.
                    let tomorrow = today.succ_opt().unwrap();
                    let again = certificate_reminder_due(expires_on, tomorrow).unwrap();
                    prop_assert!(again == due || next.is_some_and(|n| n.on == tomorrow));
                }
            }
        }
    }
}
