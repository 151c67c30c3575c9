//! `garita schedules`: every schedule trigger of the workflows directory with
//! its workflow, cron, time zone, catch-up policy, last and next fire and
//! pause, and the workflow files refused (with their problems, exit code 1);
//! `pause` / `unpause WORKFLOW`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use garita_app::ops::schedules::{list_without_state, ScheduleList};
use garita_app::{AppError, Operations};
use garita_engine::schedule::{instant_text, ScheduleView};
use garita_engine::StoreError;

use crate::app::App;
use crate::cli::{GlobalArgs, SchedulesCommand};
use crate::control::daemon_operations::DaemonOperations;
use crate::output::{say, Table};
use garita_app::workflow_dir::RefusedFile;

/// `garita schedules`: through the daemon when one holds the store; else on
/// the store here, and, when another process holds it, the list without
/// the triggers' state rather than an error.
pub async fn schedules(
    global: &GlobalArgs,
    command: Option<SchedulesCommand>,
    workflows: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    // A relative directory is the caller's, also when a daemon reads it.
    let workflows = match workflows {
        Some(dir) if dir.is_relative() => Some(std::env::current_dir()?.join(dir)),
        other => other.map(Path::to_path_buf),
    };
    let command = command.unwrap_or(SchedulesCommand::List);
    let settings = garita_app::config::load(global.config.as_deref())?;
    if let Some(daemon) = DaemonOperations::find(global, &settings) {
        return run(&daemon, global.json, command, workflows).await;
    }
    garita_engine::schema::prewarm();
    let app = App::with_settings(global.clone(), settings)?;
    match app.session() {
        Ok(session) => run(&session, global.json, command, workflows).await,
        Err(e) if is_locked(&e) && matches!(command, SchedulesCommand::List) => {
            let dir = app
                .wiring()
                .settings
                .daemon
                .resolve(workflows.as_deref())?
                .workflows_dir;
            let why = format!("{e}; last fires and pauses are not shown");
            print_list(&list_without_state(app.wiring(), &dir, why)?, global.json)
        }
        Err(e) => Err(e),
    }
}

/// The store is held by another process (`Session::open` reports it as an
/// `AppError`).
fn is_locked(err: &anyhow::Error) -> bool {
    matches!(
        err.downcast_ref::<AppError>(),
        Some(AppError::Store(StoreError::Locked { .. }))
    )
}

/// Runs `command` on `ops` and renders its answer.
pub async fn run(
    ops: &dyn Operations,
    json: bool,
    command: SchedulesCommand,
    workflows: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    match command {
        SchedulesCommand::List => print_list(&ops.list_schedules(workflows).await?, json),
        SchedulesCommand::Pause { workflow } => print_paused(
            &ops.pause_schedules(&workflow, true, workflows).await?,
            json,
        ),
        SchedulesCommand::Unpause { workflow } => print_paused(
            &ops.pause_schedules(&workflow, false, workflows).await?,
            json,
        ),
    }
}

fn print_list(list: &ScheduleList, json: bool) -> anyhow::Result<ExitCode> {
    // Exit 1 with refused files, so a check in a script or a monitor notices.
    let code = if list.refused.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    };
    if let Some(note) = &list.state_unknown {
        crate::output::say_stderr!("note: {note}");
    }
    if json {
        crate::output::json(
            &serde_json::json!({"schedules": list.schedules, "refused": list.refused}),
        )?;
        return Ok(code);
    }
    if list.schedules.is_empty() {
        say!("no workflow in the workflows directory has a schedule trigger");
        print_refused(&list.refused);
        return Ok(code);
    }
    let mut table = Table::new(&[
        "WORKFLOW",
        "CRON",
        "TIME ZONE",
        "CATCH-UP",
        "LAST FIRE",
        "NEXT FIRE",
        "PAUSED",
    ]);
    for view in &list.schedules {
        table.row(row(view, list.state_unknown.is_some()));
    }
    table.print();
    print_refused(&list.refused);
    Ok(code)
}

/// The refused files after the schedules: each with its problems as
/// `garita validate` prints them.
fn print_refused(refused: &[RefusedFile]) {
    for file in refused {
        say!(
            "\nrefused: {} ({} problem(s); not loaded until fixed)",
            file.file,
            file.problems.len()
        );
        for problem in &file.problems {
            say!("  {problem}");
        }
    }
}

fn row(view: &ScheduleView, state_unknown: bool) -> Vec<String> {
    let unknown = || "?".to_owned();
    vec![
        view.workflow.clone(),
        view.cron.clone(),
        view.time_zone.clone(),
        serde_json::to_value(view.catch_up)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        if state_unknown {
            unknown()
        } else {
            view.last_fire.map_or_else(|| "-".to_owned(), instant_text)
        },
        view.next_fire
            .map_or_else(|| "never".to_owned(), instant_text),
        if state_unknown {
            unknown()
        } else if view.paused {
            "yes".to_owned()
        } else {
            "no".to_owned()
        },
    ]
}

fn print_paused(
    paused: &garita_app::ops::schedules::SchedulesPaused,
    json: bool,
) -> anyhow::Result<ExitCode> {
    if json {
        crate::output::json(paused)?;
    } else {
        let word = if paused.paused { "paused" } else { "unpaused" };
        say!(
            "{}: {} schedule(s) {word}",
            paused.workflow,
            paused.triggers.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}
