//! Why the engine could not do what was asked.

use super::inputs::InputErrors;
use crate::diagnostic::Diagnostics;
use crate::run::{RunId, RunStatus};
use crate::store::StoreError;
use crate::task::TaskStatus;

/// Why the engine could not do what was asked. A step failing is not an
/// `EngineError`: it is recorded in the run, which ends `failed`.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The store failed; the run is unchanged past its last durable event.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The inputs do not fit the workflow.
    #[error("{0}")]
    Inputs(#[from] InputErrors),
    /// The workflow stored with a run no longer validates (a connector was removed).
    #[error("the workflow of run {run} no longer validates:\n{diagnostics}")]
    Workflow {
        /// The run.
        run: RunId,
        /// What is wrong.
        diagnostics: Diagnostics,
    },
    /// The operation needs a run that is still going.
    #[error("run {run} is already {status}; nothing to do")]
    Finished {
        /// The run.
        run: RunId,
        /// Its final status.
        status: RunStatus,
    },
    /// `resume RUN --force` of a run that is not quarantined.
    #[error("run {run} is {status}, not quarantined; `--force` is only for a quarantined run (`garita resume` drives the others)")]
    NotQuarantined {
        /// The run.
        run: RunId,
        /// Its status.
        status: RunStatus,
    },
    /// The signal name breaks the rule of [`check_signal_name`]; nothing was recorded.
    #[error("signal not delivered to run {run}: {problem}")]
    BadSignalName {
        /// The run.
        run: RunId,
        /// What is wrong with the name.
        problem: String,
    },
    /// No such run.
    #[error("no run with id `{0}`; `garita runs list` shows the runs in this store")]
    NoSuchRun(RunId),
    /// No such task.
    #[error("no task with id `{0}`; `garita tasks list` shows the open tasks")]
    NoSuchTask(String),
    /// The task was already answered or closed.
    #[error("task `{id}` is already {status}; only open tasks can be answered")]
    TaskClosed {
        /// The task.
        id: String,
        /// Its status.
        status: TaskStatus,
    },
    /// Another process sharing the store drives the run and kept its
    /// lease longer than this one waited; nothing was recorded.
    #[error("run {run} is being driven by another garita process ({owner}); nothing was recorded, try again in a moment")]
    DrivenElsewhere {
        /// The run.
        run: RunId,
        /// The process holding its lease.
        owner: String,
    },
    /// Replaying the run would need events that retention removed
    /// (`garita runs prune`); nothing was recorded. Its summary, outputs
    /// and audit entries remain (`garita runs show`, `garita audit export`).
    #[error("run {run} cannot be replayed: retention removed {removed} of its step events (`garita runs prune`), so its state cannot be rebuilt; nothing was recorded. Its summary and outputs remain (`garita runs show {run}`) and its audit entries keep every event's digest (`garita audit export`)")]
    Pruned {
        /// The run.
        run: RunId,
        /// Events removed.
        removed: u64,
    },
    /// The answer's fields do not fit the task's schema; nothing was recorded.
    #[error("the answer to task `{id}` does not fit its fields; nothing was recorded:\n{}", .problems.join("\n"))]
    TaskFields {
        /// The task.
        id: String,
        /// Each problem.
        problems: Vec<String>,
    },
}
