//! The workflows the scheduler may start, and the checks a set must pass
//! before the scheduler takes it (so a reload never swaps in a broken set).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::cron_trigger::CronTrigger;
use super::error::ScheduleError;
use super::state::TriggerKey;
use super::trigger_inputs::unfillable_by_schedule;
use crate::model::{CatchUp, Trigger, Workflow};

/// A validated workflow with the source it was parsed from, as runs store it.
#[derive(Debug, Clone)]
pub struct LoadedWorkflow {
    /// The parsed workflow.
    pub workflow: Arc<Workflow>,
    /// Its source text (stored with every run it starts).
    pub source: Arc<str>,
    /// The file it came from, for messages.
    pub path: String,
}

/// One `schedule` trigger of a workflow, parsed.
#[derive(Debug, Clone)]
pub struct ScheduleTrigger {
    /// Its key (workflow name, position under `on:`).
    pub key: TriggerKey,
    /// Expression and zone.
    pub cron: CronTrigger,
    /// Missed-fire policy.
    pub catch_up: CatchUp,
}

/// The `schedule` triggers of `workflow`, parsed.
pub fn schedule_triggers(workflow: &Workflow) -> Result<Vec<ScheduleTrigger>, ScheduleError> {
    let mut out = Vec::new();
    for (index, trigger) in workflow.triggers.iter().enumerate() {
        if let Trigger::Schedule {
            cron,
            time_zone,
            catch_up,
        } = trigger
        {
            out.push(ScheduleTrigger {
                key: TriggerKey::new(workflow.name.clone(), index as u32),
                cron: CronTrigger::parse(cron, time_zone)?,
                catch_up: *catch_up,
            });
        }
    }
    Ok(out)
}

/// Checks what the workflow parser cannot see: that names are unique in the
/// set, that each schedule parses, and that scheduled runs can get every
/// required input. Reports every problem at once.
pub fn check_workflows(workflows: &[LoadedWorkflow]) -> Result<(), ScheduleError> {
    let mut problems = Vec::new();
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for loaded in workflows {
        let name = loaded.workflow.name.as_str();
        if let Some(first) = seen.insert(name, &loaded.path) {
            problems.push(
                ScheduleError::DuplicateWorkflow {
                    name: name.to_owned(),
                    first: first.to_owned(),
                    second: loaded.path.clone(),
                }
                .to_string(),
            );
        }
        match schedule_triggers(&loaded.workflow) {
            Ok(triggers) if !triggers.is_empty() => {
                let missing = unfillable_by_schedule(&loaded.workflow);
                if !missing.is_empty() {
                    problems.push(format!(
                        "{}: workflow `{name}` is scheduled but needs input(s) {} that a schedule cannot give; declare a `default:` for each, or make them optional",
                        loaded.path,
                        missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
                    ));
                }
            }
            Ok(_) => {}
            Err(e) => problems.push(format!("{}: {e}", loaded.path)),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ScheduleError::Invalid { problems })
    }
}
