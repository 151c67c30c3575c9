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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
        before: None,
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

/// A run to start: the workflow's source and name, and its inputs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StartRun {
    /// The workflow file's name, as recorded with the run.
    pub file: String,
    /// The workflow file's contents (YAML).
    pub source: String,
    /// The inputs, by name (typed against the workflow's inputs).
    pub inputs: serde_json::Map<String, serde_json::Value>,
    /// Return as soon as the run waits, even for a short retry back-off.
    pub no_wait: bool,
}

/// A run and where it is now. Fields in name order, as printed before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RunMoved {
    /// Run id.
    pub run: String,
    /// Its status.
    pub status: RunStatus,
}

/// What delivering a signal did. Fields in name order, as printed before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SignalSent {
    /// True when the run was waiting for it; false when it is kept until
    /// the run waits for it.
    pub delivered: bool,
    /// Run id.
    pub run: String,
    /// The signal's name.
    pub signal: String,
    /// The run's status afterwards.
    pub status: RunStatus,
}

/// A run keeps being driven while its next wake-up is at most this far away
/// (a retry back-off), instead of being left for `resume` or the daemon.
const INLINE_WAIT_LIMIT: chrono::Duration = chrono::Duration::seconds(30);

/// Largest signal data: it is recorded in the run's event log.
pub const MAX_SIGNAL_DATA_BYTES: usize = 64 * 1024;

/// Refuses signal data of `len` bytes when over [`MAX_SIGNAL_DATA_BYTES`].
pub fn check_signal_data_len(len: usize) -> Result<(), AppError> {
    if len > MAX_SIGNAL_DATA_BYTES {
        return Err(AppError::Usage(format!(
            "--data is {len} bytes; signal data is limited to {MAX_SIGNAL_DATA_BYTES} bytes \
             (send the facts a workflow needs, and a link to anything longer)"
        )));
    }
    Ok(())
}

/// Starts a run of the workflow in `request` and drives it until it waits
/// or ends; answers the run with its steps.
pub async fn start(session: &Session, request: StartRun) -> Result<RunView, AppError> {
    let workflow = session.app.parse_workflow(&request.file, &request.source)?;
    let id = begin(session, &workflow, &request).await?;
    drive_to_rest(session, &id, request.no_wait).await
}

/// Starts a run of `workflow` (already parsed and validated from
/// `request.source`) without driving it; answers its id. With
/// [`drive_to_rest`], what [`start`] does, for a front end that says the
/// run started before it is driven (a long step may take minutes).
pub async fn begin(
    session: &Session,
    workflow: &garita_engine::Workflow,
    request: &StartRun,
) -> Result<String, AppError> {
    let inputs = request.inputs.clone().into_iter().collect();
    Ok(session
        .engine
        .start(workflow, &request.source, &request.file, &inputs)
        .await?)
}

/// Drives a run until it waits (for longer than a short retry back-off, or
/// at all with `no_wait`) or ends; answers the run with its steps.
pub async fn drive_to_rest(
    session: &Session,
    id: &str,
    no_wait: bool,
) -> Result<RunView, AppError> {
    settle(session, id, no_wait).await?;
    show(session, id).await
}

/// Drives a run; while it only waits for a short retry back-off on the real
/// clock, sleeps and drives again.
async fn settle(session: &Session, id: &str, no_wait: bool) -> Result<RunStatus, AppError> {
    loop {
        let status = session.engine.drive(id).await?;
        if status != RunStatus::Waiting || no_wait || session.app.pinned_clock {
            return Ok(status);
        }
        let record = session
            .backend
            .runs
            .run(id)
            .await?
            .ok_or_else(|| StoreError::NoSuchRun(id.to_owned()))?;
        let Some(wake) = record.wake_at else {
            return Ok(status);
        };
        let left = wake - session.engine.clock().now();
        if left > INLINE_WAIT_LIMIT {
            return Ok(status);
        }
        tokio::time::sleep(left.to_std().unwrap_or_default()).await;
    }
}

/// Drives every unfinished run as far as it can go now.
pub async fn resume_all(session: &Session) -> Result<Vec<RunMoved>, AppError> {
    let results = session.engine.resume_all().await?;
    Ok(results
        .into_iter()
        .map(|(run, status)| RunMoved { run, status })
        .collect())
}

/// Tries a quarantined run again, recorded as asked by `by`.
pub async fn force_resume(
    session: &Session,
    given: &str,
    by: String,
) -> Result<RunMoved, AppError> {
    let id = resolve_run(session.backend.runs.as_ref(), given).await?;
    let status = session.engine.lift_quarantine(&id, Some(by)).await?;
    Ok(RunMoved { run: id, status })
}

/// Cancels a run and its child runs.
pub async fn cancel(
    session: &Session,
    given: &str,
    reason: Option<String>,
) -> Result<RunMoved, AppError> {
    let id = resolve_run(session.backend.runs.as_ref(), given).await?;
    session.engine.cancel(&id, reason).await?;
    Ok(RunMoved {
        run: id,
        status: RunStatus::Cancelled,
    })
}

/// Delivers the signal `name` with `data` to a run (kept when the run is
/// not waiting for it yet).
pub async fn signal(
    session: &Session,
    given: &str,
    name: &str,
    data: serde_json::Value,
) -> Result<SignalSent, AppError> {
    garita_engine::executor::check_signal_name(name).map_err(AppError::Usage)?;
    check_signal_data_len(data.to_string().len())?;
    let id = resolve_run(session.backend.runs.as_ref(), given).await?;
    let outcome = session.engine.signal(&id, name, data).await?;
    let (delivered, status) = match outcome {
        garita_engine::executor::SignalOutcome::Delivered(s) => (true, s),
        garita_engine::executor::SignalOutcome::Queued(s) => (false, s),
    };
    Ok(SignalSent {
        delivered,
        run: id,
        signal: name.to_owned(),
        status,
    })
}
