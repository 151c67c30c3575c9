//! Rule transitions as the store records them: a change a portal rule
//! derived from an account's facts (CTPAT deactivated on a date, Ecuapass
//! update missed for a year), applied at most once per
//! [`TransitionKey`] — account, transition and effective date — however
//! often the rules are evaluated, after whatever downtime.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{AccountKey, AccountUpdate, NewEvent};

/// What makes a transition unique: the same account, the same transition
/// and the same effective date are the same transition, whenever it is
/// noticed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TransitionKey {
    /// The account it happened to.
    pub account: AccountKey,
    /// Dotted transition name, such as `ctpat.deactivated` (also the name of
    /// the event it emits, if any).
    pub name: String,
    /// The day the rule says it took effect (not the day it was noticed).
    pub effective_on: NaiveDate,
}

impl std::fmt::Display for TransitionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} {}", self.account, self.name, self.effective_on)
    }
}

/// One transition to apply, atomically: the account write (with its
/// history entry), the event, and the record of the key.
#[derive(Debug, Clone, PartialEq)]
pub struct TransitionWrite {
    /// Its identity.
    pub key: TransitionKey,
    /// The account's revision the rule read; a store finding another one
    /// answers [`TransitionOutcome::Stale`] and writes nothing (the account
    /// changed since: evaluate again).
    pub expected_revision: u64,
    /// The account as the transition leaves it, and the reason for its
    /// history entry (nothing is written for it when nothing differs).
    pub update: AccountUpdate,
    /// The event to queue with it, if the transition announces itself.
    pub event: Option<NewEvent>,
}

/// What the store did with a [`TransitionWrite`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransitionOutcome {
    /// Written: account, history, event and key, in one durable commit.
    Applied,
    /// Its key was recorded before: nothing written.
    AlreadyApplied,
    /// The account changed (or vanished) since the rule read it: nothing
    /// written.
    Stale,
}

/// The record a store keeps per applied key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedTransition {
    /// Its identity.
    pub key: TransitionKey,
    /// The business instant it was applied at (the engine's clock).
    pub applied_at: DateTime<Utc>,
    /// The id of the event queued with it, if any.
    #[serde(default)]
    pub event_id: Option<u64>,
}
