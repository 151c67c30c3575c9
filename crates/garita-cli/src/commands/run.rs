//! `garita run`, `resume`, `cancel`, `signal`: commands that move runs forward.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use garita_engine::executor::{run_view, Engine, SignalOutcome};
use garita_engine::{RunStatus, Store};
use serde_json::Value;

use crate::app::App;
use crate::output::say;
use crate::usage::UsageError;
use garita_app::backend::Backend;
use garita_app::ops::runs::resolve_run;

/// `garita run` keeps driving a run whose next wake-up is at most this far
/// away (a retry back-off), instead of leaving it for `resume` or the daemon.
const INLINE_WAIT_LIMIT: chrono::Duration = chrono::Duration::seconds(30);

pub async fn run(
    app: &App,
    file: &Path,
    inputs: &[String],
    input_files: &[std::path::PathBuf],
    no_wait: bool,
) -> anyhow::Result<ExitCode> {
    let given = super::run_inputs::gather(app, inputs, input_files)?;
    let (workflow, source) = app.load_workflow(file)?;
    warn_of_secrets_on_the_command_line(&workflow, inputs);
    let store = app.open_store()?;
    let engine = app.engine(&Backend::sled(&store));
    let id = engine
        .start(&workflow, &source, &file.display().to_string(), &given)
        .await?;
    if !app.global.json {
        crate::output::say_stderr!("run {id} started ({})", workflow.name);
    }
    let status = drive_settled(app, &engine, store.as_ref(), &id, no_wait).await?;
    report(app, &engine, store.as_ref(), &id, status).await
}

/// Drives a run; while it only waits for a short retry back-off on the real
/// clock, sleeps and drives again.
async fn drive_settled(
    app: &App,
    engine: &Engine,
    store: &dyn Store,
    id: &str,
    no_wait: bool,
) -> anyhow::Result<RunStatus> {
    loop {
        let status = engine.drive(id).await?;
        if status != RunStatus::Waiting || no_wait || app.pinned_clock {
            return Ok(status);
        }
        let record = store
            .run(id)
            .await?
            .context("the run vanished from the store")?;
        let Some(wake) = record.wake_at else {
            return Ok(status);
        };
        let left = wake - engine.clock().now();
        if left > INLINE_WAIT_LIMIT {
            return Ok(status);
        }
        tokio::time::sleep(left.to_std().unwrap_or_default()).await;
    }
}

async fn report(
    app: &App,
    engine: &Engine,
    store: &dyn Store,
    id: &str,
    status: RunStatus,
) -> anyhow::Result<ExitCode> {
    let record = store
        .run(id)
        .await?
        .context("the run vanished from the store")?;
    if app.global.json {
        let workflow = engine.workflow_of(&record).await?;
        let events = store.events(id).await?;
        crate::output::json(&run_view(&record, &workflow, &events))?;
    } else {
        match (status, &record.wake_at, &record.error) {
            (RunStatus::Waiting, Some(at), _) => say!("{id} waiting (until {})", at.to_rfc3339()),
            (_, _, Some(error)) if status == RunStatus::Failed => {
                say!("{id} failed");
                crate::output::say_stderr!("error: {error}");
            }
            _ => say!("{id} {status}"),
        }
    }
    Ok(exit_for(status))
}

fn exit_for(status: RunStatus) -> ExitCode {
    match status {
        RunStatus::Failed => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    }
}

pub async fn resume(app: &App) -> anyhow::Result<ExitCode> {
    let store = app.open_store()?;
    let engine = app.engine(&Backend::sled(&store));
    let results = engine.resume_all().await?;
    let failed = results
        .iter()
        .filter(|(_, s)| *s == RunStatus::Failed)
        .count();
    let quarantined: Vec<&str> = results
        .iter()
        .filter(|(_, s)| *s == RunStatus::Quarantined)
        .map(|(id, _)| id.as_str())
        .collect();
    if app.global.json {
        let list: Vec<Value> = results
            .iter()
            .map(|(id, s)| serde_json::json!({"run": id, "status": s}))
            .collect();
        crate::output::json(&list)?;
    } else if results.is_empty() {
        say!("no unfinished runs");
    } else {
        for (id, status) in &results {
            say!("{id} {status}");
        }
        for id in &quarantined {
            say!("note: {id} is quarantined and was not driven; `garita runs show {id}` says why, `garita resume {id} --force` tries it again");
        }
    }
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `garita resume RUN --force`: a quarantined run is tried again.
pub async fn force_resume(app: &App, run: &str, by: Option<String>) -> anyhow::Result<ExitCode> {
    let store = app.open_store()?;
    let id = resolve_run(store.as_ref(), run).await?;
    let engine = app.engine(&Backend::sled(&store));
    let by = garita_app::identity::author(by, &app.settings);
    let status = engine.lift_quarantine(&id, Some(by)).await?;
    if app.global.json {
        crate::output::json(&serde_json::json!({"run": id, "status": status}))?;
    } else {
        say!("{id} {status}");
    }
    Ok(exit_for(status))
}

pub async fn cancel(app: &App, run: &str, reason: Option<String>) -> anyhow::Result<ExitCode> {
    let store = app.open_store()?;
    let id = resolve_run(store.as_ref(), run).await?;
    let engine = app.engine(&Backend::sled(&store));
    engine.cancel(&id, reason).await?;
    if app.global.json {
        crate::output::json(&serde_json::json!({"run": id, "status": "cancelled"}))?;
    } else {
        say!("{id} cancelled");
    }
    Ok(ExitCode::SUCCESS)
}

/// Largest `--data` of a signal: it is recorded in the run's event log.
const MAX_SIGNAL_DATA_BYTES: usize = 64 * 1024;

pub async fn signal(
    app: &App,
    run: &str,
    name: &str,
    data: Option<&str>,
) -> anyhow::Result<ExitCode> {
    garita_engine::executor::check_signal_name(name).map_err(UsageError)?;
    if let Some(text) = data.filter(|t| t.len() > MAX_SIGNAL_DATA_BYTES) {
        return Err(UsageError(format!(
            "--data is {} bytes; signal data is limited to {MAX_SIGNAL_DATA_BYTES} bytes \
             (send the facts a workflow needs, and a link to anything longer)",
            text.len()
        ))
        .into());
    }
    let data: Value = match data {
        Some(text) => serde_json::from_str(text).map_err(|e| {
            UsageError(format!(
                "--data must be JSON (for example '{{\"date\":\"2026-01-06\"}}'): {e}"
            ))
        })?,
        None => Value::Null,
    };
    let store = app.open_store()?;
    let id = resolve_run(store.as_ref(), run).await?;
    let engine = app.engine(&Backend::sled(&store));
    let outcome = engine.signal(&id, name, data).await?;
    let (delivered, status) = match outcome {
        SignalOutcome::Delivered(s) => (true, s),
        SignalOutcome::Queued(s) => (false, s),
    };
    if app.global.json {
        crate::output::json(
            &serde_json::json!({"run": id, "signal": name, "delivered": delivered, "status": status}),
        )?;
    } else if delivered {
        say!("{id} {status} (signal `{name}` delivered)");
    } else {
        say!("{id} {status} (signal `{name}` kept: the run is not waiting for it yet)");
    }
    Ok(exit_for(status))
}

/// A secret given as `--input KEY=VALUE` was readable by every user of the
/// machine while the command ran (`ps`): say so, and what to do instead. A
/// warning, not a refusal: scripts that do it keep working.
fn warn_of_secrets_on_the_command_line(
    workflow: &garita_engine::model::Workflow,
    inputs: &[String],
) {
    let secrets = garita_engine::secret_inputs::secret_input_names(workflow);
    for pair in inputs {
        if let Some((key, value)) = pair.split_once('=') {
            if value != super::run_inputs::STDIN_NAME && secrets.iter().any(|s| s == key.trim()) {
                crate::output::say_stderr!(
                    "warning: the secret input `{}` was given on the command line, which every user of this machine can read while it runs (ps); use `--input {}=-` (standard input) or `--input-file FILE` instead",
                    key.trim(),
                    key.trim()
                );
            }
        }
    }
}
