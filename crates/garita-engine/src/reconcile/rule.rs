//! [`AccountRule`]: what a portal rule must say about an account.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use crate::account::{Account, AccountFilter, AccountStatus};

/// A transition a rule finds due for one account.
#[derive(Debug, Clone, PartialEq)]
pub struct DueTransition {
    /// Dotted name (`ctpat.deactivated`); the event it emits has this name.
    pub name: String,
    /// The day the transition took effect by the rule (in the portal's
    /// calendar), however late it is noticed.
    pub effective_on: NaiveDate,
    /// The status it leaves the account in; `None` leaves the status alone.
    pub status: Option<AccountStatus>,
    /// Why, as a sentence that reads alone in the account's history: the
    /// facts that imply it.
    pub reason: String,
    /// When the transition announces itself: the event's data (the
    /// reconciler adds the account key, effective date and transition key).
    /// Workflows with an `event:` trigger of the same name start on it.
    pub event: Option<Value>,
}

/// A portal rule, evaluated from the facts at any time.
///
/// Contract (what makes reconciling safe):
/// - [`AccountRule::due`] depends only on the account and `now`, never on
///   which day it was last evaluated;
/// - once the transition it returns is applied, evaluating the account
///   again returns either nothing or the same transition (same name and
///   effective date: the key the store keeps it from repeating) until the
///   facts change;
/// - when several transitions were missed, it returns the latest one that
///   still matters (a deactivation supersedes the reminders before it).
pub trait AccountRule: Send + Sync {
    /// The rule's name, for logs and reports (`ctpat.inactivity`).
    fn name(&self) -> &str;

    /// The accounts worth evaluating as of `now`: a filter the store serves
    /// (the portal, the statuses the rule can move from).
    fn candidates(&self, now: DateTime<Utc>) -> AccountFilter;

    /// The transition `account` is due as of `now`, if any.
    fn due(&self, account: &Account, now: DateTime<Utc>) -> Option<DueTransition>;

    /// Today in the portal's calendar, for reporting how late a transition
    /// was applied.
    fn today(&self, now: DateTime<Utc>) -> NaiveDate;

    /// Today in the calendar the rule counts `account`'s days in. Rules
    /// that count in the holder's own zone (a certificate's expiry reminders)
    /// answer per account; the default is [`AccountRule::today`].
    fn today_for(&self, account: &Account, now: DateTime<Utc>) -> NaiveDate {
        let _ = account;
        self.today(now)
    }
}
