//! `garita schedules`: every schedule trigger of the workflows directory with
//! its workflow, cron, time zone, catch-up policy, last and next fire and
//! pause, and the workflow files refused (with their problems, exit code 1);
//! `pause` / `unpause WORKFLOW`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use garita_engine::schedule::{
    instant_text, schedule_views, set_paused, ScheduleStore, ScheduleView, TriggerKey, TriggerState,
};
use garita_engine::StoreError;

use super::daemon::workflow_dir::{load_workflow_dir, RefusedFile};
use crate::app::App;
use crate::cli::SchedulesCommand;
use crate::output::{say, Table};

pub async fn schedules(
    app: &App,
    command: Option<SchedulesCommand>,
    workflows: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let config = app.settings.daemon.resolve(workflows)?;
    // The files as they are now: the same sorting the daemon does, so a
    // refused file shows here with its problems while the rest are listed.
    let set = load_workflow_dir(app, &config.workflows_dir, &[])?;
    match command.unwrap_or(SchedulesCommand::List) {
        SchedulesCommand::List => list(app, &set.loaded, &set.refused).await,
        SchedulesCommand::Pause { workflow } => pause(app, &set.loaded, &workflow, true).await,
        SchedulesCommand::Unpause { workflow } => pause(app, &set.loaded, &workflow, false).await,
    }
}

async fn list(
    app: &App,
    loaded: &[garita_engine::schedule::LoadedWorkflow],
    refused: &[RefusedFile],
) -> anyhow::Result<ExitCode> {
    // Exit 1 with refused files, so a check in a script or a monitor notices.
    let code = if refused.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    };
    // The running daemon holds the store: show the schedules without their
    // state rather than fail.
    let (states, note) = match app.open_store() {
        Ok(store) => {
            let states: BTreeMap<TriggerKey, TriggerState> =
                store.trigger_states().await?.into_iter().collect();
            (states, None)
        }
        Err(e) => match e.downcast_ref::<StoreError>() {
            Some(StoreError::Locked { .. }) => (
                BTreeMap::new(),
                Some(format!("{e}; last fires and pauses are not shown")),
            ),
            _ => return Err(e),
        },
    };
    let views = schedule_views(loaded, &states, app.clock.now())?;
    if let Some(note) = &note {
        crate::output::say_stderr!("note: {note}");
    }
    if app.global.json {
        crate::output::json(&serde_json::json!({"schedules": views, "refused": refused}))?;
        return Ok(code);
    }
    if views.is_empty() {
        say!("no workflow in the workflows directory has a schedule trigger");
        print_refused(refused);
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
    for view in &views {
        table.row(row(view, note.is_some()));
    }
    table.print();
    print_refused(refused);
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

async fn pause(
    app: &App,
    loaded: &[garita_engine::schedule::LoadedWorkflow],
    workflow: &str,
    paused: bool,
) -> anyhow::Result<ExitCode> {
    // In the daemon, the store it holds; the pause goes through its
    // scheduler, whose in-memory state would overwrite a pause written here.
    let store = app.open_store()?;
    let keys = match app.daemon_schedules() {
        Some(daemon) => daemon.set_paused(workflow, paused).await?,
        None => set_paused(store.as_ref(), loaded, workflow, paused, app.clock.now()).await?,
    };
    super::audit::record_pause(&store, app.clock.now(), workflow, paused, &keys).await?;
    let word = if paused { "paused" } else { "unpaused" };
    if app.global.json {
        let triggers: Vec<String> = keys.iter().map(ToString::to_string).collect();
        crate::output::json(
            &serde_json::json!({"workflow": workflow, "paused": paused, "triggers": triggers}),
        )?;
    } else {
        say!("{workflow}: {} schedule(s) {word}", keys.len());
    }
    Ok(ExitCode::SUCCESS)
}
