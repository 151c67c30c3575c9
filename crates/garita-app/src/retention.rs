//! `[retention]` of garita.toml: how long a finished run keeps its
//! step-level events before the daemon removes them (`garita runs prune`
//! does the same by hand). What is kept and why is in docs/operations.md,
//! "Retention".
//!
//! The default removes nothing: how long records must be kept for an
//! OEA/CTPAT review is the operator's decision, not Garita's. A run's
//! summary, its outputs and its audit entries (which hold every event's
//! digest) are never removed, nor are accounts' histories.

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

/// How often, with `run_events_days` set, the daemon prunes the runs past
/// their retention (and once when it starts); `garita simulate` does the
/// same in virtual time. Each pass prunes every finished run older than
/// the cutoff that still has step events, so a pass missed while the
/// daemon was down is made up by the next one: the effect follows from the
/// state, never from the day.
pub const PASS_EVERY: std::time::Duration = std::time::Duration::from_secs(6 * 3600);

use crate::AppError;

/// `[retention]` of garita.toml.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RetentionSettings {
    /// Days after a run finished (its last change) before the daemon
    /// removes its step-level events. Unset (the default): the daemon
    /// removes nothing.
    pub run_events_days: Option<u32>,
}

impl RetentionSettings {
    /// The cutoff in force at `now`: runs that finished before it are due
    /// for pruning; `None` when retention is off.
    pub fn cutoff(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, AppError> {
        let Some(days) = self.run_events_days else {
            return Ok(None);
        };
        if days == 0 {
            return Err(AppError::Config(
                "[retention] run_events_days = 0 would remove the step events of runs the moment they finish; give a number of days (docs/operations.md, \"Retention\"), or remove the key to keep everything".into(),
            ));
        }
        Ok(now.checked_sub_signed(Duration::days(i64::from(days))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_prunes_nothing_and_zero_days_is_refused() {
        let now = Utc::now();
        assert_eq!(RetentionSettings::default().cutoff(now).unwrap(), None);
        let year = RetentionSettings {
            run_events_days: Some(365),
        };
        assert_eq!(year.cutoff(now).unwrap(), Some(now - Duration::days(365)));
        let zero = RetentionSettings {
            run_events_days: Some(0),
        };
        let err = zero.cutoff(now).unwrap_err().to_string();
        assert!(err.contains("run_events_days"), "{err}");
    }
}
