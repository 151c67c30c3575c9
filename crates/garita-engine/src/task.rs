//! Human tasks: a question a `task:` step asks a person, and the answer.
//!
//! A task step parks its run on the internal signal `task:<id>`; answering the
//! task (`garita tasks complete|reject`) records the answer on the task and
//! delivers that signal, so the answer travels through the run's event log like
//! any other state change and survives restarts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a task is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Waiting for a person.
    Open,
    /// Answered and accepted.
    Completed,
    /// Answered with a refusal.
    Rejected,
    /// Its due date passed; the step took its `on_timeout` branch.
    Expired,
    /// Its run ended (failed or cancelled) before anyone answered.
    Cancelled,
}

impl TaskStatus {
    /// Lower-case name, as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Completed => "completed",
            Self::Rejected => "rejected",
            Self::Expired => "expired",
            Self::Cancelled => "cancelled",
        }
    }
}

impl std::fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A person's answer to a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TaskAnswer {
    /// `completed` or `rejected`.
    pub outcome: TaskStatus,
    /// The fields filled in (checked against the task's schema).
    pub fields: serde_json::Value,
    /// A free note.
    pub note: Option<String>,
    /// Who answered or rejected it. `garita tasks complete|reject` always
    /// names someone (`--by`, else the configured or OS user); `None` only
    /// in answers recorded before that, and from callers of the engine that
    /// pass none.
    pub by: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// A task for a person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Task {
    /// `<run id>.<step id>.<attempt>`: deterministic, so re-creating it after a crash is harmless.
    pub id: String,
    /// The run waiting on it.
    pub run_id: String,
    /// The step that asked.
    pub step_id: String,
    /// The workflow's name.
    pub workflow: String,
    /// Rendered title.
    pub title: String,
    /// Rendered Markdown body.
    pub body: String,
    /// Who should answer (an email), when known.
    pub assignee: Option<String>,
    /// When it is due.
    pub due: Option<DateTime<Utc>>,
    /// JSON Schema of the fields to fill in.
    pub fields: Option<serde_json::Value>,
    /// Status.
    pub status: TaskStatus,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// The answer, once given.
    pub answer: Option<TaskAnswer>,
}

impl Task {
    /// The internal signal name a task step waits on.
    pub fn signal_name(&self) -> String {
        signal_for(&self.id)
    }
}

/// The internal signal name for task `id`.
pub fn signal_for(id: &str) -> String {
    format!("task:{id}")
}

/// Which tasks to list.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    /// Only these statuses (empty: all).
    pub statuses: Vec<TaskStatus>,
    /// Only tasks assigned to this email (case-insensitive).
    pub assignee: Option<String>,
    /// Only tasks of this run.
    pub run_id: Option<String>,
}

impl TaskFilter {
    /// Whether `task` passes the filter.
    pub fn matches(&self, task: &Task) -> bool {
        (self.statuses.is_empty() || self.statuses.contains(&task.status))
            && self.assignee.as_ref().is_none_or(|a| {
                task.assignee
                    .as_ref()
                    .is_some_and(|t| t.eq_ignore_ascii_case(a))
            })
            && self.run_id.as_ref().is_none_or(|r| &task.run_id == r)
    }
}
