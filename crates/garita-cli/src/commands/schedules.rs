//! `garita schedules`: every schedule trigger of the workflows directory with
//! its workflow, cron, time zone, catch-up policy, last and next fire and
//! pause; `pause` / `unpause WORKFLOW`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use garita_engine::schedule::{
    instant_text, schedule_views, set_paused, ScheduleStore, ScheduleView, TriggerKey, TriggerState,
};
use garita_engine::StoreError;

use super::daemon::workflow_dir::load_or_explain;
use crate::app::App;
use crate::cli::SchedulesCommand;
use crate::output::{say, Table};

pub async fn schedules(
    app: &App,
    command: Option<SchedulesCommand>,
    workflows: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let config = app.settings.daemon.resolve(workflows)?;
    let loaded = load_or_explain(app, &config.workflows_dir)?;
    match command.unwrap_or(SchedulesCommand::List) {
        SchedulesCommand::List => list(app, &loaded).await,
        SchedulesCommand::Pause { workflow } => pause(app, &loaded, &workflow, true).await,
        SchedulesCommand::Unpause { workflow } => pause(app, &loaded, &workflow, false).await,
    }
}

async fn list(
    app: &App,
    loaded: &[garita_engine::schedule::LoadedWorkflow],
) -> anyhow::Result<ExitCode> {
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
        crate::output::json(&views)?;
        return Ok(ExitCode::SUCCESS);
    }
    if views.is_empty() {
        say!("no workflow in the workflows directory has a schedule trigger");
        return Ok(ExitCode::SUCCESS);
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
    Ok(ExitCode::SUCCESS)
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
