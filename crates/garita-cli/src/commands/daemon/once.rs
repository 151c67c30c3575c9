//! `garita daemon --once`: resume unfinished runs, catch up schedules per
//! policy, fire due schedules and events, wake due runs, then exit.
//!
//! Refused workflow files do not stop the pass: the valid workflows fire and
//! runs are driven, the refused files are printed with their problems, and
//! the exit code is 1 (not all the work was done), as for a failed run.

use std::process::ExitCode;

use garita_engine::schedule::{instant_text, StartCause};
use garita_engine::RunStatus;
use serde_json::{json, Value};

use super::DaemonConfig;
use crate::app::App;
use crate::output::say;
use garita_app::workflow_dir::{load_workflow_dir, log_refused, warn_if_empty, RefusedFile};

pub async fn run_once(app: &App, config: &DaemonConfig) -> anyhow::Result<ExitCode> {
    let set = load_workflow_dir(app.wiring(), &config.workflows_dir, &[])?;
    let backend = app.open_backend()?;
    let engine = app.engine(&backend);
    let mut scheduler = super::scheduler(app, engine.clone(), &backend, config)?;
    let refused = set.refused;
    let loaded = scheduler.load(set.loaded).await?;
    log_refused(&refused);
    warn_if_empty(loaded.workflows, &config.workflows_dir);
    tracing::info!(
        workflows = loaded.workflows,
        refused_files = refused.len(),
        schedules = loaded.schedules,
        event_triggers = loaded.event_triggers,
        now = %instant_text(engine.clock().now()),
        "daemon --once"
    );
    garita_app::mail_transport::warn_if_mail_goes_only_to_files(app.wiring());
    let resumed = engine.resume_all().await?;
    for (run, status) in &resumed {
        super::log_driven(run, &Ok(*status));
    }
    let driven = scheduler.drive_due().await?;
    let reconciled = scheduler.take_reconciled();
    let transitions: Vec<_> = reconciled.iter().flat_map(|r| r.applied.iter()).collect();
    let mut failed = resumed
        .iter()
        .filter(|(_, s)| *s == RunStatus::Failed)
        .count();
    let mut rows = Vec::new();
    for run in &driven {
        if run.started.is_none() {
            tracing::info!(run = %run.run, "run woken");
        }
        match &run.status {
            Some(status) => super::log_driven(&run.run, &Ok(*status)),
            None => tracing::error!(run = %run.run, "run could not be driven"),
        }
        if run.status.is_none_or(|s| s == RunStatus::Failed) {
            failed += 1;
        }
        let status = run.status.map_or("error", RunStatus::as_str);
        let row = match run.started.as_ref().map(|s| (&s.workflow, &s.cause)) {
            Some((
                workflow,
                StartCause::Schedule {
                    scheduled_for,
                    catch_up,
                    ..
                },
            )) => {
                json!({"run": run.run, "status": status, "workflow": workflow, "cause": if *catch_up { "catch_up" } else { "schedule" }, "scheduled_for": instant_text(*scheduled_for)})
            }
            Some((workflow, StartCause::Event { name, id })) => {
                json!({"run": run.run, "status": status, "workflow": workflow, "cause": "event", "event": name, "event_id": id})
            }
            None => json!({"run": run.run, "status": status, "cause": "woken"}),
        };
        rows.push(row);
    }
    if app.global.json {
        let resumed: Vec<Value> = resumed
            .iter()
            .map(|(run, status)| json!({"run": run, "status": status}))
            .collect();
        crate::output::json(&json!({
            "resumed": resumed,
            "reconciled": transitions,
            "driven": rows,
            "refused": refused
        }))?;
    } else {
        for report in &reconciled {
            for line in garita_app::reconcile::describe(report) {
                say!("{line}");
            }
        }
        for (run, status) in &resumed {
            say!("{run} {status} (resumed)");
        }
        for row in &rows {
            let cause = match row["cause"].as_str() {
                Some("schedule" | "catch_up") => format!(
                    "{} {} for {}",
                    row["workflow"].as_str().unwrap_or_default(),
                    if row["cause"] == "catch_up" {
                        "caught up"
                    } else {
                        "scheduled"
                    },
                    row["scheduled_for"].as_str().unwrap_or_default()
                ),
                Some("event") => format!(
                    "{} on event {}",
                    row["workflow"].as_str().unwrap_or_default(),
                    row["event"].as_str().unwrap_or_default()
                ),
                _ => "woken".to_owned(),
            };
            say!(
                "{} {} ({cause})",
                row["run"].as_str().unwrap_or_default(),
                row["status"].as_str().unwrap_or_default()
            );
        }
        if resumed.is_empty() && rows.is_empty() && transitions.is_empty() {
            say!("nothing due");
        }
        print_refused(&refused, loaded.workflows);
    }
    Ok(if failed > 0 || !refused.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The refused files and their problems, after the pass's own lines, on
/// stderr (what a cron or timer mails to the operator).
fn print_refused(refused: &[RefusedFile], workflows: usize) {
    if refused.is_empty() {
        return;
    }
    for file in refused {
        for problem in &file.problems {
            crate::output::say_stderr!("{problem}");
        }
    }
    let files: Vec<&str> = refused.iter().map(|r| r.file.as_str()).collect();
    crate::output::say_stderr!(
        "{} workflow file(s) refused and not run: {}; the pass ran with the {workflows} valid workflow(s). Fix them (`garita validate FILE`); the next pass loads them",
        refused.len(),
        files.join(", ")
    );
}
