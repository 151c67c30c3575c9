//! `garita run`, `resume`, `cancel`, `signal`: commands that move runs
//! forward. The inputs and the workflow file are read here (the caller's
//! files, also when a daemon runs the workflow); the operations do the rest.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use garita_app::ops::runs::{self, check_signal_data_len, RunMoved, RunView, StartRun};
use garita_app::Operations;
use garita_engine::RunStatus;
use serde_json::Value;

use crate::app::App;
use crate::cli::GlobalArgs;
use crate::control::daemon_operations::DaemonOperations;
use crate::output::say;
use crate::usage::UsageError;

/// `garita run`: through the daemon when one holds the store, else here.
pub async fn run(
    global: &GlobalArgs,
    file: &Path,
    inputs: &[String],
    input_files: &[PathBuf],
    no_wait: bool,
) -> anyhow::Result<ExitCode> {
    let given = super::run_inputs::gather(inputs, input_files)?;
    let source = garita_app::wiring::read_workflow_source(file)?;
    let request = StartRun {
        file: file.display().to_string(),
        source,
        inputs: given.into_iter().collect(),
        no_wait,
    };
    let settings = garita_app::config::load(global.config.as_deref())?;
    if let Some(daemon) = DaemonOperations::find(global, &settings) {
        let view = daemon.start_run(request).await?;
        return finish(global.json, &view, inputs);
    }
    garita_engine::schema::prewarm();
    let app = App::with_settings(global.clone(), settings)?;
    // Checked before the store is opened: a workflow that does not
    // validate leaves no store behind.
    let workflow = app
        .wiring()
        .parse_workflow(&request.file, &request.source)?;
    let secrets = garita_engine::secret_inputs::secret_input_names(&workflow);
    warn_of_secrets_on_the_command_line(&secrets, inputs);
    let session = app.session()?;
    let id = runs::begin(&session, &workflow, &request).await?;
    // Said at once: a long step may take minutes to settle.
    if !global.json {
        crate::output::say_stderr!("run {id} started ({})", workflow.name);
    }
    let view = runs::drive_to_rest(&session, &id, request.no_wait).await?;
    report(global.json, &view)
}

/// After a run the daemon started and drove: warns of secrets given on
/// the command line (the run's inputs show which are secret: their values
/// are recorded as `***`), says the run started and reports where it is.
fn finish(json: bool, view: &RunView, inputs: &[String]) -> anyhow::Result<ExitCode> {
    let secrets: Vec<String> = match &view.inputs {
        Value::Object(given) => given
            .iter()
            .filter(|(_, v)| v.as_str() == Some("***"))
            .map(|(k, _)| k.clone())
            .collect(),
        _ => Vec::new(),
    };
    warn_of_secrets_on_the_command_line(&secrets, inputs);
    if !json {
        crate::output::say_stderr!("run {} started ({})", view.id, view.workflow);
    }
    report(json, view)
}

fn report(json: bool, view: &RunView) -> anyhow::Result<ExitCode> {
    let id = &view.id;
    if json {
        crate::output::json(view)?;
    } else {
        match (view.status, &view.wake_at, &view.error) {
            (RunStatus::Waiting, Some(at), _) => say!("{id} waiting (until {})", at.to_rfc3339()),
            (RunStatus::Failed, _, Some(error)) => {
                say!("{id} failed");
                crate::output::say_stderr!("error: {error}");
            }
            (status, _, _) => say!("{id} {status}"),
        }
    }
    Ok(exit_for(view.status))
}

fn exit_for(status: RunStatus) -> ExitCode {
    match status {
        RunStatus::Failed => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    }
}

pub async fn resume(ops: &dyn Operations, json: bool) -> anyhow::Result<ExitCode> {
    let results = ops.resume_runs().await?;
    let failed = results
        .iter()
        .filter(|r| r.status == RunStatus::Failed)
        .count();
    if json {
        crate::output::json(&results)?;
    } else if results.is_empty() {
        say!("no unfinished runs");
    } else {
        for r in &results {
            say!("{} {}", r.run, r.status);
        }
        for r in results
            .iter()
            .filter(|r| r.status == RunStatus::Quarantined)
        {
            let id = &r.run;
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
pub async fn force_resume(
    ops: &dyn Operations,
    json: bool,
    run: &str,
    by: Option<String>,
) -> anyhow::Result<ExitCode> {
    let moved = ops.force_resume_run(run, by).await?;
    print_moved(json, &moved)?;
    Ok(exit_for(moved.status))
}

pub async fn cancel(
    ops: &dyn Operations,
    json: bool,
    run: &str,
    reason: Option<String>,
) -> anyhow::Result<ExitCode> {
    let moved = ops.cancel_run(run, reason).await?;
    print_moved(json, &moved)?;
    Ok(ExitCode::SUCCESS)
}

fn print_moved(json: bool, moved: &RunMoved) -> anyhow::Result<()> {
    if json {
        crate::output::json(moved)?;
    } else {
        say!("{} {}", moved.run, moved.status);
    }
    Ok(())
}

pub async fn signal(
    ops: &dyn Operations,
    json: bool,
    run: &str,
    name: &str,
    data: Option<&str>,
) -> anyhow::Result<ExitCode> {
    // Usage mistakes first, before any store or daemon is asked.
    garita_engine::executor::check_signal_name(name).map_err(UsageError)?;
    if let Some(text) = data {
        check_signal_data_len(text.len())?;
    }
    let data: Value = match data {
        Some(text) => serde_json::from_str(text).map_err(|e| {
            UsageError(format!(
                "--data must be JSON (for example '{{\"date\":\"2026-01-06\"}}'): {e}"
            ))
        })?,
        None => Value::Null,
    };
    let sent = ops.signal_run(run, name, data).await?;
    let (id, status) = (&sent.run, sent.status);
    if json {
        crate::output::json(&sent)?;
    } else if sent.delivered {
        say!("{id} {status} (signal `{name}` delivered)");
    } else {
        say!("{id} {status} (signal `{name}` kept: the run is not waiting for it yet)");
    }
    Ok(exit_for(status))
}

/// A secret given as `--input KEY=VALUE` was readable by every user of the
/// machine while the command ran (`ps`): say so, and what to do instead. A
/// warning, not a refusal: scripts that do it keep working.
fn warn_of_secrets_on_the_command_line(secrets: &[String], inputs: &[String]) {
    for pair in inputs {
        if let Some((key, value)) = pair.split_once('=') {
            let key = key.trim();
            if value != super::run_inputs::STDIN_NAME && secrets.iter().any(|s| s == key) {
                crate::output::say_stderr!(
                    "warning: the secret input `{key}` was given on the command line, which every user of this machine can read while it runs (ps); use `--input {key}=-` (standard input) or `--input-file FILE` instead"
                );
            }
        }
    }
}
