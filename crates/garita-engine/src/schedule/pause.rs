//! Pausing and unpausing every schedule trigger of a workflow.

use chrono::{DateTime, Utc};

use super::error::ScheduleError;
use super::state::{ScheduleStore, TriggerKey, TriggerState};
use super::workflow_set::{schedule_triggers, LoadedWorkflow};

/// Pauses (or unpauses) the schedule triggers of the workflow named `name`
/// among `workflows`, durably, and returns their keys.
///
/// Unpausing covers every fire up to `now`: the fires skipped while paused
/// are not caught up, even when the daemon was stopped during the pause.
pub async fn set_paused(
    states: &dyn ScheduleStore,
    workflows: &[LoadedWorkflow],
    name: &str,
    paused: bool,
    now: DateTime<Utc>,
) -> Result<Vec<TriggerKey>, ScheduleError> {
    let loaded = workflows
        .iter()
        .find(|w| w.workflow.name == name)
        .ok_or_else(|| ScheduleError::UnknownWorkflow(name.to_owned()))?;
    // Only the triggers' keys are used: the days off do not matter.
    let triggers = schedule_triggers(&loaded.workflow, &crate::calendar::Calendars::default())?;
    if triggers.is_empty() {
        return Err(ScheduleError::NotScheduled(name.to_owned()));
    }
    let mut keys = Vec::with_capacity(triggers.len());
    for trigger in triggers {
        let mut state = states
            .trigger_state(&trigger.key)
            .await?
            .unwrap_or_else(|| TriggerState::first_seen(now));
        if state.paused && !paused {
            state.covered_until = state.covered_until.max(now);
        }
        state.paused = paused;
        states.put_trigger_state(&trigger.key, &state).await?;
        keys.push(trigger.key);
    }
    Ok(keys)
}
