//! A run's state, rebuilt by replaying its events. Nothing else decides what a
//! run does next, so a resumed run behaves exactly as if it had never stopped.

use crate::expr::TemplateContext;
use std::collections::{BTreeMap, HashMap, VecDeque};

use chrono::{DateTime, Utc};

use crate::model::{StepKind, WaitFor, Workflow};
use crate::run::{RunEvent, RunId, StoredEvent};

/// What the current step has done so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct CurrentStep {
    /// Index in the workflow's steps.
    pub index: usize,
    /// Highest attempt started.
    pub attempt: u32,
    /// True when the last started attempt has no recorded outcome: it was in
    /// flight when the process stopped and must run again with the same key.
    pub in_flight: bool,
    /// How many times the in-flight attempt was resumed after the process
    /// stopped (reset by a new attempt and by lifting a quarantine).
    pub resumes: u32,
    /// When the attempt in flight started, and when it was last resumed.
    pub started_at: Option<DateTime<Utc>>,
    pub resumed_at: Option<DateTime<Utc>>,
    /// When the next attempt is due after a retryable failure.
    pub retry_at: Option<DateTime<Utc>>,
    /// Set when the step parked itself.
    pub waiting: Option<Parked>,
}

/// A parked step.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Parked {
    pub until: Option<DateTime<Utc>>,
    pub signal: Option<String>,
    pub task: Option<String>,
    pub children: Vec<RunId>,
    pub items: Vec<serde_json::Value>,
}

/// Where a run stands.
#[derive(Debug, Clone, Default)]
pub(crate) struct RunState {
    /// Outputs of finished steps (succeeded, timed-out-and-continued).
    pub outputs: BTreeMap<String, serde_json::Value>,
    /// The same outputs as templates see them (`{outputs, status}`),
    /// converted once: a run's templates read them many times.
    pub output_values: BTreeMap<String, minijinja::Value>,
    /// Steps skipped by `if:` or jumped over.
    pub skipped: Vec<String>,
    /// Index of the next step to work on.
    pub cursor: usize,
    /// The step at `cursor`, when it has started.
    pub current: Option<CurrentStep>,
    /// Signals received and not yet consumed, per name, oldest first.
    pub inbox: HashMap<String, VecDeque<serde_json::Value>>,
    /// Set once the run is over.
    pub finished: bool,
    /// When the run was created.
    pub created_at: Option<DateTime<Utc>>,
    /// Set aside after stopping the process twice in one step (until lifted).
    pub quarantined: bool,
}

impl RunState {
    /// Replays `events` against `workflow`.
    pub fn replay(workflow: &Workflow, events: &[StoredEvent]) -> Self {
        let mut state = Self::default();
        for stored in events {
            state.apply(workflow, &stored.event);
        }
        state
    }

    /// Records a finished step's output, in both forms: `outputs` and
    /// `output_values` must never disagree.
    fn set_output(&mut self, step: &str, output: serde_json::Value) {
        self.output_values
            .insert(step.to_owned(), step_value(&output));
        self.outputs.insert(step.to_owned(), output);
    }

    /// Applies one event. Unknown step ids (a workflow that no longer matches
    /// its history) are ignored here and caught by the executor.
    pub fn apply(&mut self, workflow: &Workflow, event: &RunEvent) {
        match event {
            RunEvent::RunCreated { at } => self.created_at = Some(*at),
            RunEvent::StepStarted { step, attempt, at } => {
                if let Some(index) = workflow.step_index(step) {
                    let current = self.current.get_or_insert_with(|| CurrentStep {
                        index,
                        ..Default::default()
                    });
                    if current.index != index {
                        *current = CurrentStep {
                            index,
                            ..Default::default()
                        };
                    }
                    current.attempt = *attempt;
                    current.in_flight = true;
                    current.resumes = 0;
                    current.started_at = Some(*at);
                    current.resumed_at = None;
                    current.retry_at = None;
                    self.cursor = index;
                }
            }
            RunEvent::StepResumed { at, .. } => {
                if let Some(current) = self.current.as_mut() {
                    current.resumes = current.resumes.saturating_add(1);
                    current.resumed_at = Some(*at);
                }
            }
            RunEvent::RunQuarantined { .. } => self.quarantined = true,
            RunEvent::QuarantineLifted { .. } => {
                self.quarantined = false;
                if let Some(current) = self.current.as_mut() {
                    current.resumes = 0;
                }
            }
            RunEvent::StepSkipped { step, .. } => {
                if let Some(index) = workflow.step_index(step) {
                    self.skipped.push(step.clone());
                    self.cursor = index + 1;
                    self.current = None;
                }
            }
            RunEvent::StepSucceeded { step, output, .. } => {
                if let Some(index) = workflow.step_index(step) {
                    if let StepKind::Wait(wait) = &workflow.steps[index].kind {
                        if let WaitFor::Signal { name } = &wait.wait_for {
                            let timed_out = output
                                .get("timed_out")
                                .and_then(|v| v.as_bool())
                                .unwrap_or(false);
                            if !timed_out {
                                if let Some(queue) = self.inbox.get_mut(name) {
                                    queue.pop_front();
                                }
                            }
                        }
                    }
                    self.set_output(step, output.clone());
                    self.cursor = index + 1;
                    self.current = None;
                }
            }
            RunEvent::StepFailed {
                step,
                attempt,
                retry_at,
                ..
            } => {
                if let Some(index) = workflow.step_index(step) {
                    let current = self.current.get_or_insert_with(|| CurrentStep {
                        index,
                        ..Default::default()
                    });
                    current.attempt = *attempt;
                    current.in_flight = false;
                    current.retry_at = *retry_at;
                    current.waiting = None;
                }
            }
            RunEvent::StepWaiting {
                step,
                until,
                signal,
                task,
                children,
                items,
                ..
            } => {
                if let Some(index) = workflow.step_index(step) {
                    let current = self.current.get_or_insert_with(|| CurrentStep {
                        index,
                        ..Default::default()
                    });
                    current.in_flight = false;
                    current.waiting = Some(Parked {
                        until: *until,
                        signal: signal.clone(),
                        task: task.clone(),
                        children: children.clone(),
                        items: items.clone(),
                    });
                }
            }
            RunEvent::SignalReceived { name, data, .. } => {
                self.inbox
                    .entry(name.clone())
                    .or_default()
                    .push_back(data.clone());
            }
            RunEvent::StepTimedOut { step, goto, .. } => {
                self.set_output(step, serde_json::json!({"timed_out": true}));
                if let Some(target) = goto.as_deref().and_then(|g| workflow.step_index(g)) {
                    let from = workflow.step_index(step).map_or(0, |i| i + 1);
                    for jumped in workflow.steps.iter().take(target).skip(from) {
                        self.skipped.push(jumped.id.clone());
                    }
                    self.cursor = target;
                    self.current = None;
                }
            }
            RunEvent::RunSucceeded { .. }
            | RunEvent::RunFailed { .. }
            | RunEvent::RunCancelled { .. } => {
                self.finished = true;
                self.current = None;
            }
        }
    }
}

/// A finished step's status as templates see it: a wait or task that ran
/// out of time (`on_timeout: continue` or `goto`) is `timed_out`, not
/// `succeeded`.
pub(crate) fn step_status(output: &serde_json::Value) -> &'static str {
    if output.get("timed_out").and_then(serde_json::Value::as_bool) == Some(true) {
        "timed_out"
    } else {
        "succeeded"
    }
}

/// A finished step as templates see it: `{outputs, status}`.
fn step_value(output: &serde_json::Value) -> minijinja::Value {
    [
        ("outputs", TemplateContext::value_of(output)),
        ("status", minijinja::Value::from(step_status(output))),
    ]
    .into_iter()
    .collect()
}
