//! `garita daemon`: the scheduled runner. It loads the workflows directory,
//! fires `schedule` triggers in their time zones (catching up on fires
//! missed while it was stopped, per each trigger's policy), fires `event`
//! triggers for the events queued in the store, wakes waiting runs when
//! their time comes, and resumes every unfinished run when it starts.
//!
//! `--once` does what is due now and exits (for a systemd timer or cron);
//! without it the daemon sleeps until the next due instant, reloads the
//! workflows on SIGHUP (or when the files change), and on SIGTERM/SIGINT
//! stops taking work and exits within the shutdown grace. See
//! docs/operations.md.

mod heap_release;
mod once;
mod run_pool;
mod service;
mod signals;
mod store_recovery;

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use garita_app::backend::Backend;
use garita_engine::executor::{Engine, EngineError};
use garita_engine::schedule::Scheduler;
use garita_engine::{RunId, RunStatus};

pub use garita_app::daemon_settings::{DaemonConfig, TOKEN_ENV};
pub use garita_app::schedule_control::ScheduleControl;

use crate::app::App;

pub async fn daemon(app: &App, once: bool, workflows: Option<&Path>) -> anyhow::Result<ExitCode> {
    let config = app.wiring().settings.daemon.resolve(workflows)?;
    if once {
        return once::run_once(app, &config).await;
    }
    // First, so a SIGTERM during start-up is handled rather than fatal.
    let mut signals = signals::Signals::install()?;
    // Before the store is opened: its segment buffers are such blocks.
    garita_app::memory::map_large_blocks_apart();
    loop {
        match service::serve(app, &config, &mut signals).await? {
            service::Served::Stopped(code) => return Ok(code),
            service::Served::StoreFailed(failure) => {
                let location = app.wiring().store_location();
                let waited = if location.is_postgres() {
                    store_recovery::wait_to_reconnect(&location.shown(), &failure, &mut signals)
                        .await
                } else {
                    store_recovery::wait_for_room(&app.wiring().store_dir(), &failure, &mut signals)
                        .await
                };
                match waited {
                    store_recovery::Waited::Room => {
                        tracing::info!(store = %location.shown(), "reopening the store")
                    }
                    store_recovery::Waited::Stopped(name) => {
                        tracing::info!(
                            signal = name,
                            "daemon stopped while waiting for disk space"
                        );
                        return Ok(ExitCode::SUCCESS);
                    }
                }
            }
        }
    }
}

/// The scheduler the daemon (and `simulate`) uses over `store`: schedule
/// state and the event queue live in the same store as the runs, and the
/// portal rules reconcile on its ticks.
pub fn scheduler(
    app: &App,
    engine: Arc<Engine>,
    backend: &Backend,
    config: &DaemonConfig,
) -> anyhow::Result<Scheduler> {
    let reconciler = app
        .wiring()
        .reconciler(backend.accounts.clone(), engine.clock().clone())?;
    Ok(
        Scheduler::new(engine, backend.schedules.clone(), config.scheduler.clone())
            .with_events(backend.accounts.clone())
            .with_reconciler(reconciler),
    )
}

/// Logs how driving a run ended.
fn log_driven(run: &RunId, result: &Result<RunStatus, EngineError>) {
    match result {
        Ok(RunStatus::Failed) => {
            tracing::warn!(run = %run, status = "failed", "run failed; `garita runs show {run}` says why")
        }
        // A drive ends at a wait or the end; a run still running was left
        // to the process whose lease holds it (a store daemons share).
        Ok(RunStatus::Running) => {
            tracing::debug!(run = %run, "run left to the process that holds its lease")
        }
        Ok(status) => tracing::info!(run = %run, status = %status, "run driven"),
        Err(e) => tracing::error!(run = %run, error = %e, "cannot drive run"),
    }
}
