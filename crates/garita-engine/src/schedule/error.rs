//! What can go wrong in the scheduler, with what to do about it.

use crate::executor::EngineError;
use crate::store::StoreError;

/// A scheduler failure. A run that fails is not one: it is recorded in the
/// run. These are problems with a trigger's definition or with the store.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    /// The cron expression does not parse (the workflow validator normally
    /// catches this first).
    #[error("cron expression `{expression}` is not valid: {detail}; use five fields such as `0 8 * * 1-5`")]
    InvalidCron {
        /// The expression as written.
        expression: String,
        /// croner's message.
        detail: String,
    },
    /// The time zone is not an IANA name.
    #[error("`{0}` is not a known IANA time zone; use a name such as `America/Guayaquil`")]
    UnknownTimeZone(String),
    /// Two workflow files use the same `name`, so their schedules would share state.
    #[error("workflow name `{name}` is used by both {first} and {second}; give each workflow its own name")]
    DuplicateWorkflow {
        /// The name.
        name: String,
        /// The first file.
        first: String,
        /// The second file.
        second: String,
    },
    /// A set of workflows the scheduler refuses; every problem is listed.
    #[error("{}", .problems.join("\n"))]
    Invalid {
        /// Each problem, starting with its file.
        problems: Vec<String>,
    },
    /// No workflow of that name is loaded.
    #[error("no loaded workflow is named `{0}`; `garita schedules` lists the scheduled workflows")]
    UnknownWorkflow(String),
    /// The workflow has no `schedule` trigger to pause.
    #[error("workflow `{0}` has no schedule trigger")]
    NotScheduled(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The engine refused to start or drive a run.
    #[error(transparent)]
    Engine(#[from] EngineError),
}
