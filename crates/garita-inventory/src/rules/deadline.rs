//! [`AccountDeadline`]: a date a portal rule knows is coming for an account.

use chrono::{DateTime, NaiveDate, Utc};

/// A deadline an account's facts hold, as the rule that acts on it computes
/// it. Days are the portal's calendar days; an instant is exact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountDeadline {
    /// CTPAT: CBP deactivates the user from `deactivates_on` (the rule's
    /// `ctpat.deactivated`) unless the holder signs in before that day.
    CtpatDeactivation {
        /// The sign-in the limit counts from.
        last_sign_in: NaiveDate,
        /// The first day the user is deactivated.
        deactivates_on: NaiveDate,
    },
    /// CTPAT: a user reactivated on `reactivated_on` must sign in that same
    /// day; CBP deactivates it again at `midnight` (`ctpat.relogin_missed`).
    CtpatRelogin {
        /// The day CBP reactivated the user.
        reactivated_on: NaiveDate,
        /// The earliest plausible midnight ending that day (exclusive).
        midnight: DateTime<Utc>,
    },
    /// Ecuapass: `year`'s registration update, from `opens_on` (1 January)
    /// to `closes_on` (31 January) included, in Ecuador's days; SENAE
    /// disables the user ID the next day (`ecuapass.update_missed`).
    EcuapassAnnualUpdate {
        /// The campaign's year.
        year: i32,
        /// The window's first day.
        opens_on: NaiveDate,
        /// The window's last day.
        closes_on: NaiveDate,
    },
    /// The holder's signing certificate (e.firma, Ecuapass TOKEN) stops
    /// working on `expires_on` (the rule `certificate.expiry` reminds
    /// before it).
    CertificateExpiry {
        /// The day it expires.
        expires_on: NaiveDate,
    },
    /// The portal password must be changed by `due_on`, `interval_days`
    /// after `changed_on` (the rule `password.rotation`).
    PasswordChange {
        /// The last change recorded.
        changed_on: NaiveDate,
        /// The day the next change is due.
        due_on: NaiveDate,
    },
}
