//! Dated facts about an account that the portal rules read: kept as
//! attributes (so the CSV, `accounts list` and the export show them) under
//! fixed names, always as `YYYY-MM-DD`.
//!
//! A rule decides from facts, never from "what happened today": the
//! reactivation day of a CTPAT user, the day an Ecuapass operator's annual
//! update was confirmed. Writers (`accounts.set_status`,
//! `accounts.record_evidence`, `garita accounts add`) record them; the rules
//! in `garita-inventory` read them.

use chrono::NaiveDate;

use super::{Account, AccountStatus, CTPAT_PORTAL};

/// The day the authority reactivated the account (CTPAT: the user must sign
/// in that same day).
pub const REACTIVATED_ON: &str = "reactivated_on";

/// The day the account's yearly data update was confirmed (Ecuapass: due
/// every January).
pub const ANNUAL_UPDATE_ON: &str = "annual_update_on";

/// The day a request to reactivate the (deactivated) account was drafted:
/// the user is in a request under way, so another request leaves them out
/// (CTPAT: one request to CBP lists the users of one account). Cleared when
/// the account is reactivated, so a later deactivation is asked for again.
pub const REACTIVATION_REQUESTED_ON: &str = "reactivation_requested_on";

/// Every fact name, for validating writers' input.
pub const ALL: [&str; 3] = [REACTIVATED_ON, ANNUAL_UPDATE_ON, REACTIVATION_REQUESTED_ON];

/// Whether `name` is a known fact.
pub fn is_fact(name: &str) -> bool {
    ALL.contains(&name)
}

/// The fact `name` of `account` as a date; `None` when absent or not a date
/// (a hand-edited CSV cell: the rule then acts as if it were unknown).
pub fn date(account: &Account, name: &str) -> Option<NaiveDate> {
    let text = account.attributes.get(name)?;
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

/// Records fact `name` as `on`.
pub fn set(account: &mut Account, name: &str, on: NaiveDate) {
    account
        .attributes
        .insert(name.to_owned(), on.format("%Y-%m-%d").to_string());
}

/// A CTPAT account going from deactivated back to active was reactivated by
/// CBP: record the day (unless the writer already did), so the rules know
/// the old inactivity is settled and the same-day sign-in is now due.
pub fn note_reactivation(previous: AccountStatus, account: &mut Account, on: NaiveDate) {
    let reactivated = previous == AccountStatus::Deactivated
        && account.status.can_still_deactivate()
        && account.portal == CTPAT_PORTAL;
    if reactivated && date(account, REACTIVATED_ON).is_none_or(|known| known < on) {
        set(account, REACTIVATED_ON, on);
    }
    if reactivated {
        // The request that asked for it is settled.
        account.attributes.remove(REACTIVATION_REQUESTED_ON);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::{Company, Holder};

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn account(portal: &str, status: AccountStatus) -> Account {
        let mut a = Account::new(
            portal,
            "ana@example.com",
            Holder::default(),
            Company::default(),
        );
        a.status = status;
        a
    }

    #[test]
    fn facts_round_trip_as_dates_and_bad_text_reads_as_unknown() {
        let mut a = account("ctpat", AccountStatus::Active);
        assert_eq!(date(&a, REACTIVATED_ON), None);
        set(&mut a, REACTIVATED_ON, day(4, 20));
        assert_eq!(a.attributes[REACTIVATED_ON], "2026-04-20");
        assert_eq!(date(&a, REACTIVATED_ON), Some(day(4, 20)));
        a.attributes
            .insert(ANNUAL_UPDATE_ON.into(), "20/01/2026".into());
        assert_eq!(date(&a, ANNUAL_UPDATE_ON), None);
        assert!(is_fact("annual_update_on") && !is_fact("site"));
    }

    #[test]
    fn only_a_ctpat_deactivated_to_active_move_is_a_reactivation() {
        let mut a = account("ctpat", AccountStatus::Active);
        note_reactivation(AccountStatus::Deactivated, &mut a, day(4, 20));
        assert_eq!(date(&a, REACTIVATED_ON), Some(day(4, 20)));
        // A later write of the same move keeps the newer day only.
        note_reactivation(AccountStatus::Deactivated, &mut a, day(4, 10));
        assert_eq!(date(&a, REACTIVATED_ON), Some(day(4, 20)));

        // The request under way is settled by the reactivation.
        let mut requested = account("ctpat", AccountStatus::Active);
        set(&mut requested, REACTIVATION_REQUESTED_ON, day(4, 18));
        note_reactivation(AccountStatus::Deactivated, &mut requested, day(4, 20));
        assert!(!requested.attributes.contains_key(REACTIVATION_REQUESTED_ON));

        let mut offboarded = account("ctpat", AccountStatus::Offboarded);
        note_reactivation(AccountStatus::Deactivated, &mut offboarded, day(4, 20));
        assert_eq!(date(&offboarded, REACTIVATED_ON), None);
        let mut from_risk = account("ctpat", AccountStatus::Active);
        note_reactivation(AccountStatus::AtRisk, &mut from_risk, day(4, 20));
        assert_eq!(date(&from_risk, REACTIVATED_ON), None);
        let mut ecuapass = account("ecuapass", AccountStatus::Active);
        note_reactivation(AccountStatus::Deactivated, &mut ecuapass, day(4, 20));
        assert_eq!(date(&ecuapass, REACTIVATED_ON), None);
    }
}
