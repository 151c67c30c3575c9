//! The portal rules as the CLI wires them: the `[rules]` section, the
//! reconciler over the store, and how its report reads. Commands that
//! change the facts (`accounts import|add|touch`, `restore`) reconcile
//! right after their write, so the first thing an officer sees after an
//! import is which accounts were already past a deadline; the daemon's
//! scheduler reconciles on its own ticks.

use std::sync::Arc;

use garita_engine::account::AccountStore;
use garita_engine::reconcile::{ReconcileReport, ReconciledTransition, Reconciler};
use garita_engine::Clock;
use serde::Deserialize;

use crate::ctpat_rule;
use crate::error::AppError;
use crate::wiring::App;

/// `[rules]` of garita.toml.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RulesSettings {
    /// The compliance officer's address, put into every event a rule
    /// transition queues so the workflows it starts (the alert, the
    /// reactivation request) write to them; unset, each workflow's own
    /// `officer` default applies.
    pub officer: Option<String>,
    /// `[rules.password_change]`: how often each portal's passwords are
    /// changed, and the reminders before (docs/accounts.md).
    pub password_change: garita_inventory::rules::PasswordChangeSettings,
}

impl App {
    /// The shipped portal rules over `accounts`, at `clock` (the engine's:
    /// virtual in `simulate`).
    pub fn reconciler(
        &self,
        accounts: Arc<dyn AccountStore>,
        clock: Arc<dyn Clock>,
    ) -> Result<Reconciler, AppError> {
        let ctpat = ctpat_rule::from_app(self)?;
        let password_change = self.password_change()?;
        Ok(Reconciler::new(
            accounts,
            clock,
            garita_inventory::rules::shipped_rules(ctpat, password_change),
        )
        .with_officer(self.settings.rules.officer.clone()))
    }
}

impl App {
    /// `[rules.password_change]`, checked.
    pub fn password_change(
        &self,
    ) -> Result<garita_inventory::rules::PasswordChangeSettings, AppError> {
        self.settings
            .rules
            .password_change
            .clone()
            .checked()
            .map_err(|e| AppError::Config(e.to_string()))
    }
}

/// Applies the rules to `accounts` now (after a command changed the facts).
pub async fn reconcile_now(
    app: &App,
    accounts: Arc<dyn AccountStore>,
) -> Result<ReconcileReport, AppError> {
    Ok(app
        .reconciler(accounts, app.clock.clone())?
        .reconcile()
        .await?)
}

/// Transitions listed one per line; the rest are counted (an import of
/// thousands of long-idle accounts must not bury its own summary).
const SHOWN: usize = 20;

/// The report as lines for a person; empty when nothing was applied.
pub fn describe(report: &ReconcileReport) -> Vec<String> {
    describe_applied(&report.applied)
}

/// The transitions a reconcile applied, as lines for a person; empty when
/// there are none.
pub fn describe_applied(applied: &[ReconciledTransition]) -> Vec<String> {
    if applied.is_empty() {
        return Vec::new();
    }
    // Accounts, not transitions: one account may be past two deadlines
    // (a deactivation and a password change).
    let late = applied
        .iter()
        .filter(|t| t.days_late > 0)
        .map(|t| t.account.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let mut lines = Vec::with_capacity(applied.len() + 2);
    lines.push(if late > 0 {
        format!(
            "{late} account(s) were already past a deadline; the portal rules applied {} transition(s):",
            applied.len()
        )
    } else {
        format!(
            "the portal rules applied {} transition(s):",
            applied.len()
        )
    });
    for t in applied.iter().take(SHOWN) {
        let when = match t.days_late {
            0 => "today".to_owned(),
            1 => "1 day ago".to_owned(),
            n => format!("{n} days ago"),
        };
        // A reminder (certificate, password) changes no status.
        let effect = if t.status_before == t.status_after {
            "reminder".to_owned()
        } else {
            format!("{} -> {}", t.status_before, t.status_after)
        };
        lines.push(format!(
            "  {}  {} on {} ({when}): {effect}",
            t.account, t.transition, t.effective_on
        ));
    }
    if applied.len() > SHOWN {
        lines.push(format!(
            "  ... and {} more (`garita accounts list --status deactivated|disabled`, or --json for all)",
            applied.len() - SHOWN
        ));
    }
    if applied.iter().any(|t| t.event.is_some()) {
        lines.push(
            "their events are queued: the running daemon (or `garita daemon --once`) starts the \
             workflows that alert the officer and follow up (docs/accounts.md, \"Portal rules\")"
                .to_owned(),
        );
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone, Utc};
    use garita_engine::reconcile::ReconciledTransition;
    use garita_engine::AccountStatus;

    fn transition(days_late: i64, event: bool) -> ReconciledTransition {
        ReconciledTransition {
            account: "ctpat:ana@x.com".into(),
            transition: "ctpat.deactivated".into(),
            effective_on: NaiveDate::from_ymd_opt(2026, 3, 20).unwrap(),
            days_late,
            status_before: AccountStatus::Active,
            status_after: AccountStatus::Deactivated,
            reason: "r".into(),
            event: event.then(|| "ctpat.deactivated".into()),
        }
    }

    fn report(applied: Vec<ReconciledTransition>) -> ReconcileReport {
        ReconcileReport {
            at: Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, 0).unwrap(),
            evaluated: 3,
            applied,
            already_applied: 0,
            stale: 0,
        }
    }

    #[test]
    fn a_long_report_lists_twenty_and_counts_the_rest() {
        let lines = describe(&report(vec![transition(3, false); 25]));
        assert_eq!(lines.len(), 1 + 20 + 1, "{lines:#?}");
        assert!(lines[21].starts_with("  ... and 5 more"), "{}", lines[21]);
    }

    #[test]
    fn nothing_applied_says_nothing() {
        assert!(describe(&report(Vec::new())).is_empty());
    }

    #[test]
    fn late_transitions_are_counted_and_each_named_with_its_date() {
        let lines = describe(&report(vec![transition(259, true), transition(0, false)]));
        assert_eq!(
            lines[0],
            "1 account(s) were already past a deadline; the portal rules applied 2 transition(s):"
        );
        assert_eq!(
            lines[1],
            "  ctpat:ana@x.com  ctpat.deactivated on 2026-03-20 (259 days ago): active -> deactivated"
        );
        assert!(lines[2].contains("(today)"));
        assert!(lines[3].contains("events are queued"));
    }

    #[test]
    fn a_reminder_says_so_instead_of_an_unchanged_status() {
        let mut reminder = transition(2, true);
        reminder.transition = "certificate.expiring".into();
        reminder.status_after = AccountStatus::Active;
        let lines = describe(&report(vec![reminder]));
        assert_eq!(
            lines[1],
            "  ctpat:ana@x.com  certificate.expiring on 2026-03-20 (2 days ago): reminder"
        );
    }
}
