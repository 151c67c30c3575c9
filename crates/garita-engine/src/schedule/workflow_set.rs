//! The workflows the scheduler may start, and the checks a set must pass
//! before the scheduler takes it (so a reload never swaps in a broken set).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::cron_trigger::CronTrigger;
use super::error::ScheduleError;
use super::state::TriggerKey;
use super::trigger_inputs::unfillable_by_schedule;
use crate::calendar::Calendars;
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
    /// Expression, zone and, when the schedule keeps to business days,
    /// their calendar.
    pub cron: CronTrigger,
    /// Missed-fire policy.
    pub catch_up: CatchUp,
}

/// The `schedule` triggers of `workflow`, parsed; one kept to business
/// days keeps to its country's calendar in `calendars` (the law's days off
/// with the operator's `[calendar]`).
pub fn schedule_triggers(
    workflow: &Workflow,
    calendars: &Calendars,
) -> Result<Vec<ScheduleTrigger>, ScheduleError> {
    let mut out = Vec::new();
    for (index, trigger) in workflow.triggers.iter().enumerate() {
        if let Trigger::Schedule {
            cron,
            time_zone,
            catch_up,
            business_days,
        } = trigger
        {
            let mut parsed = CronTrigger::parse(cron, time_zone)?;
            if let Some(country) = business_days {
                parsed = parsed.on_business_days(calendars.of(*country));
            }
            out.push(ScheduleTrigger {
                key: TriggerKey::new(workflow.name.clone(), index as u32),
                cron: parsed,
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
    let problems: Vec<String> = problems_by_workflow(workflows)
        .into_iter()
        .flatten()
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ScheduleError::Invalid { problems })
    }
}

/// The problems of each workflow as a member of the set, by position in
/// `workflows` (empty: it may be loaded), each as `file:line:col: message`.
/// A name claimed by several files is a problem of every one of them: which
/// file was meant cannot be told, and loading either could run the wrong
/// one. So a caller can refuse just the files at fault and load the rest.
pub fn problems_by_workflow(workflows: &[LoadedWorkflow]) -> Vec<Vec<String>> {
    let mut claims: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, loaded) in workflows.iter().enumerate() {
        claims
            .entry(loaded.workflow.name.as_str())
            .or_default()
            .push(index);
    }
    workflows
        .iter()
        .enumerate()
        .map(|(index, loaded)| {
            let mut problems = Vec::new();
            let name = loaded.workflow.name.as_str();
            let others: Vec<&str> = claims
                .get(name)
                .into_iter()
                .flatten()
                .filter(|other| **other != index)
                .map(|other| workflows[*other].path.as_str())
                .collect();
            if !others.is_empty() {
                let duplicate = ScheduleError::DuplicateWorkflow {
                    name: name.to_owned(),
                    first: loaded.path.clone(),
                    second: others.join(" and "),
                };
                problems.push(at_key(loaded, "name", &duplicate.to_string()));
            }
            // Whether a trigger parses does not depend on the days off.
            match schedule_triggers(&loaded.workflow, &Calendars::default()) {
                Ok(triggers) if !triggers.is_empty() => {
                    let missing = unfillable_by_schedule(&loaded.workflow);
                    if !missing.is_empty() {
                        problems.push(at_key(loaded, "on", &format!(
                            "workflow `{name}` is scheduled but needs input(s) {} that a schedule cannot give; declare a `default:` for each, or make them optional",
                            missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
                        )));
                    }
                }
                Ok(_) => {}
                Err(e) => problems.push(at_key(loaded, "on", &e.to_string())),
            }
            problems
        })
        .collect()
}

/// `file:line:col: message`, at the top-level `key:` of the workflow's
/// source (the set-level checks work on the parsed workflow, which keeps no
/// positions), else at 1:1.
fn at_key(loaded: &LoadedWorkflow, key: &str, message: &str) -> String {
    let line = loaded
        .source
        .lines()
        .position(|line| {
            line.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map_or(1, |index| index + 1);
    format!("{}:{line}:1: {message}", loaded.path)
}
