//! Schedules: every schedule trigger of a workflows directory with its
//! state, the files refused, and pausing or unpausing a workflow's triggers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use garita_engine::schedule::{schedule_views, set_paused, ScheduleView, TriggerKey, TriggerState};
use serde::{Deserialize, Serialize};

use super::Session;
use crate::workflow_dir::{load_workflow_dir, RefusedFile};
use crate::{App, AppError};

/// The schedules of a workflows directory. Fields in name order, as the
/// JSON was printed before the operations were typed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ScheduleList {
    /// Workflow files not loaded, with their problems.
    pub refused: Vec<RefusedFile>,
    /// Every schedule trigger with its last and next fire and pause.
    pub schedules: Vec<ScheduleView>,
    /// Set when the triggers' state could not be read (the store is held
    /// by another process): last fires and pauses are then unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_unknown: Option<String>,
}

/// What pausing (or unpausing) a workflow's schedules did. Fields in name
/// order, as printed before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SchedulesPaused {
    /// True for a pause, false for an unpause.
    pub paused: bool,
    /// The triggers changed, as `WORKFLOW#INDEX`.
    pub triggers: Vec<String>,
    /// The workflow.
    pub workflow: String,
}

/// The workflows directory an operation reads: `given`, else the one the
/// daemon serving the session loaded, else the configured one.
pub fn workflows_dir(session: &Session, given: Option<PathBuf>) -> Result<PathBuf, AppError> {
    match given.or_else(|| session.workflows_dir.clone()) {
        Some(dir) => Ok(dir),
        None => Ok(session.app.settings.daemon.resolve(None)?.workflows_dir),
    }
}

/// Every schedule trigger of `dir` with its stored state, and the files
/// refused (sorted as the daemon sorts them, so a refused file shows here
/// with its problems while the rest are listed).
pub async fn list(session: &Session, dir: &Path) -> Result<ScheduleList, AppError> {
    let set =
        load_workflow_dir(&session.app, dir, &[]).map_err(|e| AppError::Refused(e.to_string()))?;
    let states: BTreeMap<TriggerKey, TriggerState> = session
        .backend
        .schedules
        .trigger_states()
        .await?
        .into_iter()
        .collect();
    let schedules = schedule_views(
        &set.loaded,
        &states,
        session.app.clock.now(),
        &session.app.settings.calendar.calendars(),
    )?;
    Ok(ScheduleList {
        refused: set.refused,
        schedules,
        state_unknown: None,
    })
}

/// [`list`] without a store (another process holds it): the triggers with
/// their next fires, their state unknown for the reason `why`.
pub fn list_without_state(app: &App, dir: &Path, why: String) -> Result<ScheduleList, AppError> {
    let set = load_workflow_dir(app, dir, &[]).map_err(|e| AppError::Refused(e.to_string()))?;
    let schedules = schedule_views(
        &set.loaded,
        &BTreeMap::new(),
        app.clock.now(),
        &app.settings.calendar.calendars(),
    )?;
    Ok(ScheduleList {
        refused: set.refused,
        schedules,
        state_unknown: Some(why),
    })
}

/// Pauses (or unpauses) every schedule trigger of `workflow` and records it
/// in the audit log. In the daemon the change goes through its scheduler,
/// whose in-memory state would overwrite a pause written behind its back.
pub async fn pause(
    session: &Session,
    dir: &Path,
    workflow: &str,
    paused: bool,
) -> Result<SchedulesPaused, AppError> {
    let now = session.app.clock.now();
    let keys = match &session.schedules {
        Some(daemon) => daemon.set_paused(workflow, paused).await?,
        None => {
            let set = load_workflow_dir(&session.app, dir, &[])
                .map_err(|e| AppError::Refused(e.to_string()))?;
            set_paused(
                session.backend.schedules.as_ref(),
                &set.loaded,
                workflow,
                paused,
                now,
            )
            .await?
        }
    };
    crate::audit_records::record_pause(
        session.backend.audit.as_ref(),
        now,
        workflow,
        paused,
        &keys,
    )
    .await?;
    Ok(SchedulesPaused {
        paused,
        triggers: keys.iter().map(ToString::to_string).collect(),
        workflow: workflow.to_owned(),
    })
}
