//! The portal rules, as [`AccountRule`]s for the engine's reconciler: each
//! says, from an account's facts alone, which transition it is due now
//! (see `garita_engine::reconcile` for why that makes missed days harmless).
//!
//! | rule | transition | when | status | event |
//! |---|---|---|---|---|
//! | `ctpat.inactivity` | `ctpat.deactivated` | the day after `inactivity_limit_days` (45) without a sign-in | deactivated | yes |
//! | `ctpat.inactivity` | `ctpat.relogin_missed` | the day after a reactivation with no sign-in that day | deactivated | yes |
//! | `ecuapass.annual_update` | `ecuapass.update_missed` | 1 February, no update recorded this year | disabled | yes |
//!
//! ANAM's sources give no dated rule for existing accounts (a password is
//! recovered on demand; registration is validated by the authority), so
//! ANAM has none yet; a new rule is one more [`AccountRule`] in
//! [`shipped_rules`].

mod ctpat_inactivity;
mod ecuapass_annual_update;

use std::sync::Arc;

use garita_engine::reconcile::AccountRule;

pub use ctpat_inactivity::CtpatInactivity;
pub use ecuapass_annual_update::EcuapassAnnualUpdate;

use crate::CtpatRule;

/// Every rule Garita ships, with the CTPAT settings in force.
pub fn shipped_rules(ctpat: CtpatRule) -> Vec<Arc<dyn AccountRule>> {
    vec![
        Arc::new(CtpatInactivity::new(ctpat)),
        Arc::new(EcuapassAnnualUpdate),
    ]
}
