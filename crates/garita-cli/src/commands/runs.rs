//! `garita runs list|show`

use std::process::ExitCode;

use anyhow::Context;
use garita_engine::executor::run_view;
use garita_engine::{RunFilter, RunStatus, Store};

use crate::app::App;
use crate::cli::RunsCommand;
use crate::output::say;
use crate::output::Table;
use crate::usage::UsageError;
use garita_app::backend::Backend;

pub async fn runs(app: &App, command: RunsCommand) -> anyhow::Result<ExitCode> {
    let store = app.open_store()?;
    match command {
        RunsCommand::List {
            status,
            workflow,
            limit,
        } => {
            let statuses = match status.as_deref() {
                None => Vec::new(),
                Some(s) => vec![parse_status(s)?],
            };
            let filter = RunFilter {
                statuses,
                workflow,
                limit: Some(limit),
            };
            let list = store.list_runs(&filter).await?;
            if app.global.json {
                let rows: Vec<serde_json::Value> = list
                    .iter()
                    .map(|r| {
                        serde_json::json!({
                            "id": r.id, "workflow": r.workflow, "status": r.status,
                            "created_at": r.created_at, "updated_at": r.updated_at,
                            "wake_at": r.wake_at, "error": r.error, "parent": r.parent.as_ref().map(|p| &p.run_id),
                        })
                    })
                    .collect();
                crate::output::json(&rows)?;
            } else {
                let mut table = Table::new(&["RUN", "WORKFLOW", "STATUS", "CREATED", "NOTE"]);
                for r in &list {
                    let note = match (&r.error, &r.wake_at) {
                        (Some(e), _) => e.chars().take(60).collect(),
                        (None, Some(w)) => format!("wakes {}", w.to_rfc3339()),
                        _ => String::new(),
                    };
                    table.row(vec![
                        r.id.clone(),
                        r.workflow.clone(),
                        r.status.to_string(),
                        r.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                        note,
                    ]);
                }
                table.print();
            }
        }
        RunsCommand::Show { run } => {
            let id = resolve_run(store.as_ref(), &run).await?;
            let record = store
                .run(&id)
                .await?
                .context("the run vanished from the store")?;
            let engine = app.engine(&Backend::sled(&store));
            let workflow = engine.workflow_of(&record).await?;
            let events = store.events(&id).await?;
            let view = run_view(&record, &workflow, &events);
            if app.global.json {
                crate::output::json(&view)?;
            } else {
                say!("run       {}", view.id);
                say!("workflow  {}", view.workflow);
                say!("status    {}", view.status);
                say!("created   {}", view.created_at.to_rfc3339());
                if let Some(w) = view.wake_at {
                    say!("wakes     {}", w.to_rfc3339());
                }
                if let Some(e) = &view.error {
                    say!("error     {e}");
                }
                say!();
                let mut table =
                    Table::new(&["STEP", "STATUS", "ATTEMPTS", "STARTED", "ENDED", "DETAIL"]);
                for s in &view.steps {
                    let t = |d: Option<chrono::DateTime<chrono::Utc>>| {
                        d.map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string())
                            .unwrap_or_default()
                    };
                    let detail = s
                        .waiting_for
                        .clone()
                        .or_else(|| s.error.clone())
                        .or_else(|| {
                            s.outputs
                                .as_ref()
                                .map(|o| o.to_string().chars().take(60).collect())
                        })
                        .unwrap_or_default();
                    table.row(vec![
                        s.id.clone(),
                        s.status.clone(),
                        s.attempts.to_string(),
                        t(s.started_at),
                        t(s.ended_at),
                        detail,
                    ]);
                }
                table.print();
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_status(s: &str) -> Result<RunStatus, UsageError> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|_| {
        UsageError(format!("--status `{s}` is not a run status; use running, waiting, succeeded, failed or cancelled"))
    })
}

/// Finds a run by id or by a unique prefix of its id.
pub async fn resolve_run(store: &dyn Store, given: &str) -> anyhow::Result<String> {
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
        [] => Err(garita_engine::StoreError::NoSuchRun(given.to_owned()).into()),
        many => Err(UsageError(format!(
            "`{given}` matches {} runs ({}, ...); give more of the id",
            many.len(),
            many.iter().take(3).copied().collect::<Vec<_>>().join(", ")
        ))
        .into()),
    }
}
