//! Runs and their events: the durable history from which a run's state is rebuilt.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A run id: a ULID, sortable by creation time. The ULID's time is at or
/// before the run's creation: [`crate::Engine::start`] takes it from the
/// clock, a schedule's or an event's run from the instant it stands for, a
/// `for_each` child is its parent's id with `.STEP.INDEX` after it.
pub type RunId = String;

/// The first run id whose ULID time is after `at`: every run created at or
/// before `at` sorts before it, so a pass over runs that finished before
/// `at` reads only ids below it.
pub fn ids_after(at: DateTime<Utc>) -> RunId {
    let millis = at.timestamp_millis().saturating_add(1).max(0) as u64;
    ulid::Ulid::from_parts(millis, 0).to_string()
}

/// Where a run is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Created or being driven.
    Running,
    /// Parked: waiting for a timer, a signal, a person or child runs.
    Waiting,
    /// Finished well.
    Succeeded,
    /// Finished with an error.
    Failed,
    /// Stopped by `garita cancel`.
    Cancelled,
    /// Set aside: the process stopped twice in a row while one of its steps
    /// was in flight, so it is not resumed automatically
    /// (`garita resume RUN --force` tries again).
    Quarantined,
}

impl RunStatus {
    /// True once nothing more will happen to the run.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Cancelled)
    }

    /// Lower-case name, as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Waiting => "waiting",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Quarantined => "quarantined",
        }
    }
}

impl std::fmt::Display for RunStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The summary row of a run, rewritten with every event so listing runs never
/// replays histories.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The id.
    pub id: RunId,
    /// The workflow's name.
    pub workflow: String,
    /// The workflow's source text at start, so a resumed run follows the
    /// definition it started with even if the file changed since.
    pub source: String,
    /// The file it came from, for messages.
    pub source_path: String,
    /// Inputs after defaults, with secret inputs replaced by `"***"`.
    pub inputs: serde_json::Value,
    /// Parent run and step, for a `for_each` child.
    pub parent: Option<ParentRef>,
    /// Current status.
    pub status: RunStatus,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When the last event was appended.
    pub updated_at: DateTime<Utc>,
    /// Number of events appended so far (the next event's sequence number).
    pub next_seq: u64,
    /// When the run next needs attention (a timer), if it is waiting on time.
    pub wake_at: Option<DateTime<Utc>>,
    /// The failure message of a failed run.
    pub error: Option<String>,
    /// Extra template variables of a `for_each` child (`item`/the `as:` name,
    /// `index`, and the parent's step outputs); `null` for top-level runs.
    #[serde(default)]
    pub scope: serde_json::Value,
}

/// Link from a child run to the `for_each` step that started it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParentRef {
    /// Parent run.
    pub run_id: RunId,
    /// The `for_each` step.
    pub step_id: String,
    /// Item index.
    pub index: u32,
}

/// One thing that happened to a run. Appended, never changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RunEvent {
    /// The run was created.
    RunCreated {
        /// When.
        at: DateTime<Utc>,
    },
    /// An attempt of a step began; the side effect may now happen.
    StepStarted {
        /// Step id.
        step: String,
        /// Attempt number, from 1.
        attempt: u32,
        /// When.
        at: DateTime<Utc>,
    },
    /// The process stopped while this attempt was in flight; it runs again
    /// with the same idempotency key. Made durable before the call, so a
    /// second stop in the same call is recognised.
    StepResumed {
        /// Step id.
        step: String,
        /// The attempt that was in flight.
        attempt: u32,
        /// When.
        at: DateTime<Utc>,
    },
    /// The run was set aside: the process stopped again during an attempt
    /// that had already been resumed once.
    RunQuarantined {
        /// Step id.
        step: String,
        /// The attempt that was in flight both times.
        attempt: u32,
        /// What happened, in words, with the instants.
        reason: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// Someone asked for a quarantined run to be tried again
    /// (`garita resume RUN --force`).
    QuarantineLifted {
        /// Who, when known.
        by: Option<String>,
        /// When.
        at: DateTime<Utc>,
    },
    /// The step's `if:` was false.
    StepSkipped {
        /// Step id.
        step: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// The step finished well.
    StepSucceeded {
        /// Step id.
        step: String,
        /// Attempt that succeeded.
        attempt: u32,
        /// The step's outputs.
        output: serde_json::Value,
        /// When.
        at: DateTime<Utc>,
    },
    /// An attempt failed.
    StepFailed {
        /// Step id.
        step: String,
        /// Attempt that failed.
        attempt: u32,
        /// Why.
        error: String,
        /// When the next attempt is due, if any is left.
        retry_at: Option<DateTime<Utc>>,
        /// When.
        at: DateTime<Utc>,
    },
    /// The step is parked until something happens.
    StepWaiting {
        /// Step id.
        step: String,
        /// Wake-up instant (timer, wait deadline, task due date).
        until: Option<DateTime<Utc>>,
        /// Signal name the step waits for.
        signal: Option<String>,
        /// Task id the step waits on.
        task: Option<String>,
        /// Child runs the step waits on.
        children: Vec<RunId>,
        /// The items of a `for_each` step, evaluated once when it starts.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        items: Vec<serde_json::Value>,
        /// When.
        at: DateTime<Utc>,
    },
    /// A signal arrived for the run.
    SignalReceived {
        /// Signal name.
        name: String,
        /// Its data.
        data: serde_json::Value,
        /// When.
        at: DateTime<Utc>,
    },
    /// A waiting step timed out and took its `on_timeout` branch.
    StepTimedOut {
        /// Step id.
        step: String,
        /// Where the run goes next (`goto`), if anywhere.
        goto: Option<String>,
        /// When.
        at: DateTime<Utc>,
    },
    /// The run finished well.
    RunSucceeded {
        /// Run outputs.
        outputs: serde_json::Value,
        /// When.
        at: DateTime<Utc>,
    },
    /// The run failed.
    RunFailed {
        /// Why.
        error: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// The run was cancelled.
    RunCancelled {
        /// Who or why, when known.
        reason: Option<String>,
        /// When.
        at: DateTime<Utc>,
    },
}

impl RunEvent {
    /// When the event happened.
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Self::RunCreated { at }
            | Self::StepStarted { at, .. }
            | Self::StepResumed { at, .. }
            | Self::RunQuarantined { at, .. }
            | Self::QuarantineLifted { at, .. }
            | Self::StepSkipped { at, .. }
            | Self::StepSucceeded { at, .. }
            | Self::StepFailed { at, .. }
            | Self::StepWaiting { at, .. }
            | Self::SignalReceived { at, .. }
            | Self::StepTimedOut { at, .. }
            | Self::RunSucceeded { at, .. }
            | Self::RunFailed { at, .. }
            | Self::RunCancelled { at, .. } => *at,
        }
    }
}

/// An event with its position in the run's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    /// 0-based sequence number within the run.
    pub seq: u64,
    /// The event.
    pub event: RunEvent,
}

/// Free-form labels kept with a run (reserved for later use by triggers).
pub type Labels = BTreeMap<String, String>;

#[cfg(test)]
mod id_bound_tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    #[test]
    fn every_id_made_at_or_before_an_instant_sorts_before_its_bound() {
        let at = Utc.with_ymd_and_hms(2027, 3, 3, 12, 0, 0).unwrap();
        let bound = ids_after(at);
        let ulid = |when: DateTime<Utc>, random: u128| {
            ulid::Ulid::from_parts(when.timestamp_millis() as u64, random).to_string()
        };
        let latest = ulid(at, u128::MAX);
        assert!(latest < bound);
        assert!(format!("{latest}.fan.12") < bound, "a child of the latest");
        assert!(ulid(at - Duration::days(400), 7) < bound);
        assert!(ulid(at + Duration::milliseconds(1), 0) >= bound);
    }
}
