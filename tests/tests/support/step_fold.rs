//! Which steps of a run finished and which were in flight, folded from its
//! events. Shared by the crash tests on sled and on PostgreSQL, which read
//! the events from different stores but ask the same question after a kill.

// The sled test reads every field; the PostgreSQL one only `in_flight`.
#![allow(dead_code)]

use std::collections::BTreeSet;

use garita_engine::{RunEvent, RunStatus};

/// (run id, step id).
pub type StepKey = (String, String);

/// One run as its events tell it.
#[derive(Debug, Clone, Default)]
pub struct RunSteps {
    pub status: Option<RunStatus>,
    /// Steps with a `StepSucceeded`.
    pub succeeded: BTreeSet<String>,
    /// Steps whose last event is a `StepStarted`: the action may have run.
    pub in_flight: BTreeSet<String>,
    /// The last event, for messages about a run that did not finish.
    pub last_event: Option<String>,
    /// Problems in the history itself (a step that succeeded twice, an
    /// attempt started twice).
    pub problems: Vec<String>,
}

/// Folds a run's events into which steps finished and which are in flight.
pub fn steps_of<'a>(events: impl Iterator<Item = &'a RunEvent>) -> RunSteps {
    let mut out = RunSteps::default();
    let mut started = BTreeSet::<(String, u32)>::new();
    for event in events {
        match event {
            RunEvent::StepStarted { step, attempt, .. } => {
                if !started.insert((step.clone(), *attempt)) {
                    out.problems
                        .push(format!("step `{step}` attempt {attempt} started twice"));
                }
                out.in_flight.insert(step.clone());
            }
            RunEvent::StepSucceeded { step, .. } => {
                if !out.succeeded.insert(step.clone()) {
                    out.problems.push(format!("step `{step}` succeeded twice"));
                }
                out.in_flight.remove(step);
            }
            RunEvent::StepFailed { step, .. }
            | RunEvent::StepWaiting { step, .. }
            | RunEvent::StepSkipped { step, .. }
            | RunEvent::StepTimedOut { step, .. } => {
                out.in_flight.remove(step);
            }
            _ => {}
        }
    }
    out
}
