//! The portal rules, as [`AccountRule`]s for the engine's reconciler: each
//! says, from an account's facts alone, which transition it is due now
//! (see `garita_engine::reconcile` for why that makes missed days harmless).
//!
//! | rule | transition | when | status | event |
//! |---|---|---|---|---|
//! | `ctpat.inactivity` | `ctpat.deactivated` | the day after `inactivity_limit_days` (45) without a sign-in | deactivated | yes |
//! | `ctpat.inactivity` | `ctpat.relogin_missed` | the day after a reactivation with no sign-in that day | deactivated | yes |
//! | `ecuapass.annual_update` | `ecuapass.update_missed` | 1 February, no update recorded this year | disabled | yes |
//! | `certificate.expiry` | `certificate.expiring` | 60, 30 and 7 days before `certificate_expires_on` | unchanged | yes |
//! | `certificate.expiry` | `certificate.expired` | on `certificate_expires_on` | unchanged | yes |
//! | `password.rotation` | `password.change_due_soon` | `reminder_days` before `password_changed_on` + interval | unchanged | yes |
//! | `password.rotation` | `password.change_due` | on `password_changed_on` + interval (90 days) | unchanged | yes |
//! | `profile.update` | `profile.update_due_soon` | 30 and 7 days before `attr.profile_update_due` (`MM-DD`) each year | unchanged | yes |
//! | `profile.update` | `profile.update_due` | on that day, unless `attr.profile_updated_on` is in the year's window | unchanged | yes |
//!
//! The last three count days on the holder's calendar (`holder_clock`) and
//! send reminders: each once, and after downtime only the latest one that
//! passed.
//!
//! ANAM's sources give no dated rule for existing accounts (a password is
//! recovered on demand; registration is validated by the authority), so
//! ANAM has none yet; a new rule is one more [`AccountRule`] in
//! [`shipped_rules`].
//!
//! The same rules say which dates are coming ([`AccountDeadline`], from
//! [`ShippedDeadlines`]): the calendar feed shows them, computed by the code
//! that applies them, so a date in the calendar is the date the account's
//! status changes. A deadline a later rule knows (a certificate's expiry, a
//! password's rotation) is one more variant and one more line in
//! [`ShippedDeadlines::for_account`].

pub mod certificate_expiry;
mod ctpat_inactivity;
mod deadline;
mod ecuapass_annual_update;
pub mod holder_clock;
pub mod password_rotation;
pub mod profile_update;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use garita_engine::account::Account;
use garita_engine::reconcile::AccountRule;

pub use certificate_expiry::{certificate_reminder_due, certificate_reminders, CertificateExpiry};
pub use ctpat_inactivity::CtpatInactivity;
pub use deadline::AccountDeadline;
pub use ecuapass_annual_update::EcuapassAnnualUpdate;
pub use password_rotation::{
    password_change_due_on, password_reminders, PasswordChangeSettings, PasswordRotation,
};
pub use profile_update::ProfileUpdate;

use crate::CtpatRule;

/// Every rule Garita ships, with the CTPAT and password-change settings
/// in force.
pub fn shipped_rules(
    ctpat: CtpatRule,
    password_change: PasswordChangeSettings,
) -> Vec<Arc<dyn AccountRule>> {
    vec![
        Arc::new(CtpatInactivity::new(ctpat)),
        Arc::new(EcuapassAnnualUpdate),
        Arc::new(CertificateExpiry),
        Arc::new(PasswordRotation::new(password_change)),
        Arc::new(ProfileUpdate),
    ]
}

/// The shipped rules that know deadlines, with the CTPAT and
/// password-change settings in force.
#[derive(Debug, Clone)]
pub struct ShippedDeadlines {
    ctpat: CtpatInactivity,
    ecuapass: EcuapassAnnualUpdate,
    password: PasswordRotation,
}

impl ShippedDeadlines {
    /// The rules of [`shipped_rules`], for their deadlines.
    pub fn new(ctpat: CtpatRule, password_change: PasswordChangeSettings) -> Self {
        Self {
            ctpat: CtpatInactivity::new(ctpat),
            ecuapass: EcuapassAnnualUpdate,
            password: PasswordRotation::new(password_change),
        }
    }

    /// Every deadline the account's facts hold as of `now`.
    pub fn for_account(&self, account: &Account, now: DateTime<Utc>) -> Vec<AccountDeadline> {
        // As the rules that remind of them: an offboarded holder's
        // certificate is revoked and their password removed, not renewed.
        let kept = account.status != garita_engine::account::AccountStatus::Offboarded;
        let certificate = account
            .certificate_expires_on
            .filter(|_| kept)
            .map(|expires_on| AccountDeadline::CertificateExpiry { expires_on });
        let password = account
            .password_changed_on
            .filter(|_| kept)
            .and_then(|changed_on| {
                let interval = self.password.settings().interval_for(&account.portal);
                password_change_due_on(changed_on, interval)
                    .map(|due_on| AccountDeadline::PasswordChange { changed_on, due_on })
            });
        [
            self.ctpat.deadline(account),
            self.ecuapass.next_window(account, now),
            certificate,
            password,
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}
