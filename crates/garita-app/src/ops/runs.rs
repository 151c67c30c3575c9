//! Runs: listing them and showing one with its steps.

use chrono::{DateTime, Utc};
use garita_engine::executor::run_view;
use garita_engine::{RunFilter, RunStatus, Store, StoreError};
use serde::{Deserialize, Serialize};

pub use garita_engine::executor::{RunView, StepView};

use super::Session;
use crate::AppError;

/// Which runs to list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunQuery {
    /// Only runs in this status (`running`, `waiting`, `succeeded`,
    /// `failed`, `cancelled`); checked by the operation, so a front end
    /// passes what the user typed.
    pub status: Option<String>,
    /// Only runs of this workflow.
    pub workflow: Option<String>,
    /// At most this many, newest first ([`DEFAULT_LIMIT`] when not given).
    pub limit: Option<usize>,
}

/// How many runs a list shows when the query does not say.
pub const DEFAULT_LIMIT: usize = 50;

/// One run in a list. Fields are in name order, as the JSON was printed
/// before the operations were typed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRow {
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Failure message.
    pub error: Option<String>,
    /// Run id.
    pub id: String,
    /// The parent run of a `for_each` child.
    pub parent: Option<String>,
    /// Status.
    pub status: RunStatus,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Next wake-up, when waiting on time.
    pub wake_at: Option<DateTime<Utc>>,
    /// Workflow name.
    pub workflow: String,
}

/// Runs, newest first.
pub async fn list(session: &Session, query: RunQuery) -> Result<Vec<RunRow>, AppError> {
    let statuses = match query.status.as_deref() {
        None => Vec::new(),
        Some(s) => vec![parse_status(s)?],
    };
    let filter = RunFilter {
        statuses,
        workflow: query.workflow,
        limit: Some(query.limit.unwrap_or(DEFAULT_LIMIT)),
    };
    let list = session.backend.runs.list_runs(&filter).await?;
    Ok(list
        .into_iter()
        .map(|r| RunRow {
            created_at: r.created_at,
            error: r.error,
            id: r.id,
            parent: r.parent.map(|p| p.run_id),
            status: r.status,
            updated_at: r.updated_at,
            wake_at: r.wake_at,
            workflow: r.workflow,
        })
        .collect())
}

/// One run with its steps; `given` is its id or a unique prefix of it.
pub async fn show(session: &Session, given: &str) -> Result<RunView, AppError> {
    let store = session.backend.runs.as_ref();
    let id = resolve_run(store, given).await?;
    let record = store
        .run(&id)
        .await?
        .ok_or_else(|| StoreError::NoSuchRun(id.clone()))?;
    let workflow = session.engine.workflow_of(&record).await?;
    let events = store.events(&id).await?;
    Ok(run_view(&record, &workflow, &events))
}

fn parse_status(s: &str) -> Result<RunStatus, AppError> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|_| {
        AppError::Usage(format!("--status `{s}` is not a run status; use running, waiting, succeeded, failed or cancelled"))
    })
}

/// Finds a run by id or by a unique prefix of its id.
pub async fn resolve_run(store: &dyn Store, given: &str) -> Result<String, AppError> {
    if store.run(given).await?.is_some() {
        return Ok(given.to_owned());
    }
    let all = store.list_runs(&RunFilter::default()).await?;
    let matches: Vec<&str> = all
        .iter()
        .map(|r| r.id.as_str())
        .filter(|id| id.starts_with(given))
        .collect();
    match matches.as_slice() {
        [one] => Ok((*one).to_owned()),
        [] => Err(StoreError::NoSuchRun(given.to_owned()).into()),
        many => Err(AppError::Usage(format!(
            "`{given}` matches {} runs ({}, ...); give more of the id",
            many.len(),
            many.iter().take(3).copied().collect::<Vec<_>>().join(", ")
        ))),
    }
}
