//! What `garita runs show` prints: a run and each of its steps, derived from the events.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::Workflow;
use crate::run::{RunEvent, RunRecord, RunStatus, StoredEvent};

/// One step as seen from outside.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StepView {
    /// Step id.
    pub id: String,
    /// `pending`, `running`, `waiting`, `retrying`, `succeeded`, `skipped`, `failed`, `timed_out`, `quarantined`,
    /// or `pruned` (a finished run whose step events retention removed).
    pub status: String,
    /// Attempts started.
    pub attempts: u32,
    /// First start.
    pub started_at: Option<DateTime<Utc>>,
    /// When it ended.
    pub ended_at: Option<DateTime<Utc>>,
    /// Its outputs, once succeeded.
    pub outputs: Option<Value>,
    /// The last error.
    pub error: Option<String>,
    /// What it waits for, while waiting.
    pub waiting_for: Option<String>,
}

/// A run with its steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RunView {
    /// Run id.
    pub id: String,
    /// Workflow name.
    pub workflow: String,
    /// Status.
    pub status: RunStatus,
    /// Inputs (secrets redacted).
    pub inputs: Value,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Next wake-up, when waiting on time.
    pub wake_at: Option<DateTime<Utc>>,
    /// Failure message.
    pub error: Option<String>,
    /// Run outputs, when succeeded.
    pub outputs: Option<Value>,
    /// Parent run, for a for_each child.
    pub parent: Option<String>,
    /// Steps in workflow order.
    pub steps: Vec<StepView>,
    /// Number of events in the history.
    pub events: usize,
    /// Step-level events removed by retention (`garita runs prune`): the
    /// run's summary, outputs and audit entries remain, its steps'
    /// details do not (their status reads `pruned`).
    #[serde(default)]
    pub events_pruned: u64,
}

/// Builds the view of a run from its record, workflow and events.
pub fn run_view(record: &RunRecord, workflow: &Workflow, events: &[StoredEvent]) -> RunView {
    let mut steps: Vec<StepView> = workflow
        .steps
        .iter()
        .map(|s| StepView {
            id: s.id.clone(),
            status: "pending".into(),
            attempts: 0,
            started_at: None,
            ended_at: None,
            outputs: None,
            error: None,
            waiting_for: None,
        })
        .collect();
    let mut outputs = None;
    for stored in events {
        let find = |steps: &mut Vec<StepView>, id: &str| steps.iter().position(|s| s.id == id);
        match &stored.event {
            RunEvent::StepStarted { step, attempt, at } => {
                if let Some(i) = find(&mut steps, step) {
                    let s = &mut steps[i];
                    s.attempts = s.attempts.max(*attempt);
                    s.started_at.get_or_insert(*at);
                    s.status = "running".into();
                }
            }
            RunEvent::StepSkipped { step, at } => {
                if let Some(i) = find(&mut steps, step) {
                    steps[i].status = "skipped".into();
                    steps[i].ended_at = Some(*at);
                }
            }
            RunEvent::StepSucceeded {
                step, output, at, ..
            } => {
                if let Some(i) = find(&mut steps, step) {
                    let s = &mut steps[i];
                    let timed_out = output.get("timed_out").and_then(serde_json::Value::as_bool);
                    s.status = if timed_out == Some(true) {
                        "timed_out"
                    } else {
                        "succeeded"
                    }
                    .into();
                    s.ended_at = Some(*at);
                    s.outputs = Some(output.clone());
                    s.waiting_for = None;
                }
            }
            RunEvent::StepFailed {
                step,
                error,
                retry_at,
                at,
                ..
            } => {
                if let Some(i) = find(&mut steps, step) {
                    let s = &mut steps[i];
                    s.error = Some(error.clone());
                    if let Some(r) = retry_at {
                        s.status = "retrying".into();
                        s.waiting_for = Some(format!("retry at {}", r.to_rfc3339()));
                    } else {
                        s.status = "failed".into();
                        s.ended_at = Some(*at);
                    }
                }
            }
            RunEvent::StepWaiting {
                step,
                until,
                signal,
                task,
                children,
                ..
            } => {
                if let Some(i) = find(&mut steps, step) {
                    let s = &mut steps[i];
                    s.status = "waiting".into();
                    s.waiting_for = Some(match (signal, task, until) {
                        (Some(name), _, Some(t)) => {
                            format!("signal `{name}` (until {})", t.to_rfc3339())
                        }
                        (Some(name), _, None) => format!("signal `{name}`"),
                        (_, Some(task), _) => format!("task {task}"),
                        (_, _, Some(t)) => format!("time {}", t.to_rfc3339()),
                        _ if !children.is_empty() => format!("{} child runs", children.len()),
                        _ => "an event".into(),
                    });
                }
            }
            RunEvent::StepTimedOut { step, goto, at } => {
                if let Some(i) = find(&mut steps, step) {
                    steps[i].status = "timed_out".into();
                    steps[i].ended_at = Some(*at);
                    steps[i].waiting_for = None;
                    // Steps jumped over by a `goto` never run: skipped, as templates see them.
                    if let Some(target) = goto.as_deref().and_then(|g| find(&mut steps, g)) {
                        for jumped in steps.iter_mut().take(target).skip(i + 1) {
                            jumped.status = "skipped".into();
                        }
                    }
                }
            }
            RunEvent::RunQuarantined { step, reason, .. } => {
                if let Some(i) = find(&mut steps, step) {
                    steps[i].status = "quarantined".into();
                    steps[i].error = Some(reason.clone());
                }
            }
            RunEvent::QuarantineLifted { .. } => {
                for s in steps.iter_mut().filter(|s| s.status == "quarantined") {
                    s.status = "running".into();
                }
            }
            RunEvent::RunSucceeded { outputs: o, .. } => outputs = Some(o.clone()),
            RunEvent::RunCreated { .. }
            | RunEvent::StepResumed { .. }
            | RunEvent::SignalReceived { .. }
            | RunEvent::RunFailed { .. }
            | RunEvent::RunCancelled { .. } => {}
        }
    }
    let events_pruned = pruned_count(record, events);
    if events_pruned > 0 {
        for s in steps.iter_mut().filter(|s| s.status == "pending") {
            s.status = "pruned".into();
        }
    }
    if record.status.is_terminal() {
        for s in &mut steps {
            if s.status == "running" || s.status == "waiting" || s.status == "retrying" {
                s.status = if record.status == RunStatus::Cancelled {
                    "cancelled".into()
                } else {
                    "failed".into()
                };
                s.waiting_for = None;
            }
        }
    }
    RunView {
        id: record.id.clone(),
        workflow: record.workflow.clone(),
        status: record.status,
        inputs: record.inputs.clone(),
        created_at: record.created_at,
        updated_at: record.updated_at,
        wake_at: record.wake_at,
        error: record.error.clone(),
        outputs,
        parent: record.parent.as_ref().map(|p| p.run_id.clone()),
        steps,
        events: events.len(),
        events_pruned,
    }
}

/// How many of a run's events retention removed: a finished run keeps its
/// numbering, so the stored events fall short of `next_seq` by that many.
pub fn pruned_count(record: &RunRecord, events: &[StoredEvent]) -> u64 {
    if !record.status.is_terminal() {
        return 0;
    }
    record.next_seq.saturating_sub(events.len() as u64)
}
