//! Schedule triggers as `garita schedules` shows them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::error::ScheduleError;
use super::state::{TriggerKey, TriggerState};
use super::workflow_set::{schedule_triggers, LoadedWorkflow};
use crate::model::CatchUp;

/// One schedule trigger with its state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ScheduleView {
    /// The workflow's name.
    pub workflow: String,
    /// The file it came from.
    pub path: String,
    /// Position of the trigger under `on:`.
    pub index: u32,
    /// The cron expression.
    pub cron: String,
    /// Its IANA zone.
    pub time_zone: String,
    /// Missed-fire policy.
    pub catch_up: CatchUp,
    /// Scheduled instant of the last fire that started a run.
    pub last_fire: Option<DateTime<Utc>>,
    /// The next fire after `now`.
    pub next_fire: Option<DateTime<Utc>>,
    /// Whether fires are skipped.
    pub paused: bool,
    /// False when the daemon has never seen this trigger (it will start from
    /// the moment it first does, without catching up).
    pub seen: bool,
}

/// Every schedule trigger of `workflows`, in file order, with its stored
/// state and its next fire in `calendars` (for those kept to business days).
pub fn schedule_views(
    workflows: &[LoadedWorkflow],
    states: &BTreeMap<TriggerKey, TriggerState>,
    now: DateTime<Utc>,
    calendars: &crate::calendar::Calendars,
) -> Result<Vec<ScheduleView>, ScheduleError> {
    let mut out = Vec::new();
    for loaded in workflows {
        for trigger in schedule_triggers(&loaded.workflow, calendars)? {
            let state = states.get(&trigger.key);
            out.push(ScheduleView {
                workflow: loaded.workflow.name.clone(),
                path: loaded.path.clone(),
                index: trigger.key.index,
                cron: trigger.cron.expression().to_owned(),
                time_zone: trigger.cron.zone().name().to_owned(),
                catch_up: trigger.catch_up,
                last_fire: state.and_then(|s| s.last_fire),
                next_fire: trigger.cron.next_after(now),
                paused: state.is_some_and(|s| s.paused),
                seen: state.is_some(),
            });
        }
    }
    Ok(out)
}
