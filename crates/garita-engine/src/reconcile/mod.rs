//! Portal rules that reconcile from state.
//!
//! A portal rule ([`AccountRule`]) looks at an account's facts — last
//! sign-in, reactivation day, annual-update day, status — and says which
//! transition it is due as of now: "this CTPAT user has been deactivated
//! since 20 March", "this Ecuapass operator missed its January update". The
//! [`Reconciler`] evaluates every rule over the inventory and applies each
//! due transition through [`AccountStore::apply_transitions`], which records
//! each one's [`TransitionKey`] (account, transition, effective date) in the same
//! commit as the status change and the event. So:
//!
//! - a rule's effect depends on the state, never on being awake on a given
//!   day: a daemon that was down on the deactivation day applies it on its
//!   first tick, with the date it took effect;
//! - each transition happens once: a second evaluation, a restart, a second
//!   `daemon --once` or a re-import finds its key and does nothing;
//! - an account written between the rule's read and the write (a sign-in
//!   recorded meanwhile) makes the write stale, and the next evaluation
//!   decides on the new facts.
//!
//! Rules are pure and know no store; the concrete ones (CTPAT, Ecuapass)
//! live in `garita-inventory`, beside the validators that know the portals.
//!
//! [`AccountStore::apply_transitions`]: crate::account::AccountStore::apply_transitions
//! [`TransitionKey`]: crate::account::TransitionKey

mod reconciler;
mod rule;
#[cfg(test)]
mod tests;

pub use reconciler::{ReconcileReport, ReconciledTransition, Reconciler};
pub use rule::{AccountRule, DueTransition};
