//! The `ctpat` connector: what Garita knows about US CBP's CTPAT portal.
//!
//! CBP deactivates a portal user who has not signed in for more than 45 days;
//! the user can still sign in but can do nothing on the company's account.
//! Getting the user back takes an email to the company's CBP supply chain
//! security specialist, and once reactivated the user must sign in that same
//! day before midnight. Member companies must also keep the list of enabled
//! emails current. This connector turns those rules into four
//! side-effect-free actions:
//!
//! | action | answers |
//! |---|---|
//! | `ctpat.inactivity_status` | days inactive, deactivation date, stage, whether a reminder is due |
//! | `ctpat.reactivation_request` | the English email draft to the CBP specialist |
//! | `ctpat.reactivation_deadline` | the instant by which a reactivated user must sign in (the earliest plausible midnight: CBP does not say its zone) |
//! | `ctpat.email_list_review` | which enabled emails to add, remove and keep |
//!
//! Settings come from `[connectors.ctpat]` (see [`CtpatConfig`]):
//! `inactivity_limit_days` (45), `reminder_days` (`[30, 38, 43]`),
//! `time_zone` (`America/New_York`, the calendar "today" is read in) and
//! `cbp_specialist_email`. Every count of days is a difference of calendar
//! dates, so it stays right across daylight-saving changes.

mod actions;
mod address;
mod config;
mod dates;
pub mod plausible_zones;

pub use actions::email_list_review::{
    review, InventoryAccount, Kept, Removal, RemovalReason, Review,
};
pub use actions::inactivity_status::{inactivity_status, InactivityStatus, Stage};
pub use actions::reactivation_deadline::{end_of_day, hours_between};
pub use actions::reactivation_request::{draft, DeactivatedUser, EmailDraft, ReactivationFacts};
pub use config::{
    CtpatConfig, DEFAULT_INACTIVITY_LIMIT_DAYS, DEFAULT_REMINDER_DAYS, DEFAULT_TIME_ZONE,
};

use garita_sdk::serde_json::Value;
use garita_sdk::{ActionError, Connector, InvokeContext, Manifest};

/// The connector's name: the part before the dot in `ctpat.ACTION`.
pub const CONNECTOR_NAME: &str = "ctpat";

/// The CTPAT connector. Stateless: every answer follows from the input, the
/// settings and `ctx.now`.
#[derive(Debug, Default, Clone, Copy)]
pub struct CtpatConnector;

impl Connector for CtpatConnector {
    fn manifest(&self) -> Manifest {
        Manifest::new(
            CONNECTOR_NAME,
            env!("CARGO_PKG_VERSION"),
            "CTPAT portal (US CBP): inactivity stages, reactivation email and deadline, enabled-email list review.",
        )
        .action(actions::inactivity_status::spec())
        .action(actions::reactivation_request::spec())
        .action(actions::reactivation_deadline::spec())
        .action(actions::email_list_review::spec())
    }

    fn invoke(
        &self,
        ctx: &InvokeContext,
        action: &str,
        input: Value,
    ) -> Result<Value, ActionError> {
        match action {
            actions::inactivity_status::NAME => actions::inactivity_status::run(ctx, &input),
            actions::reactivation_request::NAME => actions::reactivation_request::run(ctx, &input),
            actions::reactivation_deadline::NAME => {
                actions::reactivation_deadline::run(ctx, &input)
            }
            actions::email_list_review::NAME => actions::email_list_review::run(ctx, &input),
            other => Err(ActionError::unknown_action(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use garita_sdk::serde_json::json;

    #[test]
    fn the_manifest_lists_four_side_effect_free_actions_with_schemas() {
        let manifest = CtpatConnector.manifest();
        assert_eq!(manifest.name, "ctpat");
        let names: Vec<_> = manifest.actions.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "inactivity_status",
                "reactivation_request",
                "reactivation_deadline",
                "email_list_review"
            ]
        );
        for action in &manifest.actions {
            assert!(!action.side_effects, "{}", action.name);
            assert_eq!(action.input_schema["type"], "object", "{}", action.name);
            assert_eq!(action.output_schema["type"], "object", "{}", action.name);
        }
    }

    #[test]
    fn dispatches_by_action_name() {
        let ctx = InvokeContext::for_test();
        let out = CtpatConnector
            .invoke(
                &ctx,
                "inactivity_status",
                json!({"last_sign_in": "1969-12-01"}),
            )
            .unwrap();
        assert_eq!(
            out["days_inactive"], 30,
            "the test context's now is the epoch, still 1969-12-31 in New York"
        );
        let err = CtpatConnector.invoke(&ctx, "nope", json!({})).unwrap_err();
        assert!(!err.is_retryable());
    }
}

// Makes the cdylib loadable by the Garita host (the C ABI entry point). Gated
// because the garita binary links this crate statically next to other
// connectors, and each export defines the same symbol.
#[cfg(feature = "cdylib")]
garita_sdk::export_connector!(CtpatConnector);
