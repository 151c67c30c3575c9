//! The long-running daemon: one loop that does what is due, then sleeps
//! until the next due instant, a finished run, a signal, a directory poll
//! or a command a client ran through the control API.

use std::process::ExitCode;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use garita_engine::schedule::{instant_text, Scheduler};

use super::run_pool::RunPool;
use super::signals::{Request, Signals};
use super::DaemonConfig;
use crate::app::App;
use crate::console::ConsoleServer;
use crate::control::protocol::Health;
use crate::control::server::ControlServer;
use crate::control::state::ControlState;
use garita_app::ops::retention::RetentionPass;
use garita_app::workflow_dir::{
    load_workflow_dir, log_refused, warn_if_empty, DirFingerprint, SharedDirStatus,
    WorkflowDirStatus,
};

/// Longest sleep between two looks at the store: bounds the delay in
/// noticing queued events and wall-clock jumps (NTP, a resumed laptop).
const MAX_IDLE: Duration = Duration::from_secs(30);

/// Sleep after a look that found due work already in flight, so the loop
/// does not spin while it finishes.
const BUSY_RETRY: Duration = Duration::from_secs(1);

/// How often the loop checks that its store can still write.
const STORE_CHECK: Duration = Duration::from_secs(5);

/// How a stretch of service ended.
pub enum Served {
    /// A signal stopped the daemon: exit with this code.
    Stopped(ExitCode),
    /// The store stopped accepting writes (a full disk): everything was let
    /// go; the store must be reopened once the disk has room.
    StoreFailed(garita_engine::StoreError),
}

/// Why the loop ended.
enum Stop {
    Signal(&'static str),
    StoreFailed(garita_engine::StoreError),
}

/// Serves until a signal stops the daemon or the store fails. `signals` are
/// installed once by the caller, so a SIGTERM during start-up, or while the
/// caller waits to reopen a failed store, is handled rather than fatal.
pub async fn serve(
    app: &App,
    config: &DaemonConfig,
    signals: &mut Signals,
) -> anyhow::Result<Served> {
    let dir = &config.workflows_dir;
    // Only an unreadable directory stops the daemon here; bad files are
    // refused and the others load.
    let set = load_workflow_dir(app.wiring(), dir, &[])?;
    // Checked before the store is opened: a wrong listener setting stops here.
    let control_tcp = app
        .wiring()
        .settings
        .daemon
        .control_tcp(std::env::var(super::TOKEN_ENV).ok())?;
    let web = app.wiring().settings.web.resolve()?;
    let backend = app.open_backend()?;
    let engine = app.engine(&backend);
    let clock = engine.clock().clone();
    let mut scheduler = super::scheduler(app, engine.clone(), &backend, config)?;
    let refused = set.refused;
    let loaded = scheduler.load(set.loaded).await?;
    tracing::info!(
        store = %app.wiring().store_location().shown(),
        workflows_dir = %dir.display(),
        workflows = loaded.workflows,
        refused_files = refused.len(),
        schedules = loaded.schedules,
        event_triggers = loaded.event_triggers,
        max_concurrent_runs = config.max_concurrent_runs,
        "daemon started"
    );
    log_refused(&refused);
    warn_if_empty(loaded.workflows, dir);
    let dir_status: SharedDirStatus = Arc::new(RwLock::new(WorkflowDirStatus {
        workflows: loaded.workflows,
        refused,
    }));
    garita_app::mail_transport::warn_if_mail_goes_only_to_files(app.wiring());
    // Commands from clients run on this same engine: a run they start,
    // signal or answer is driven by it, never by a second engine.
    let nudge = Arc::new(tokio::sync::Notify::new());
    // Other daemons' (and commands') writes to a shared store wake this
    // loop as the client commands do; polling covers lost word.
    if let Some(wakeups) = &backend.wakeups {
        match wakeups.listen(nudge.clone()).await {
            Ok(()) => tracing::debug!("listening for other processes' writes"),
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for other processes' writes; looking at the store every 30 s instead")
            }
        }
    }
    let (schedules, mut pause_requests) = super::ScheduleControl::channel();
    let store_dir = app.wiring().store_dir();
    let session = garita_app::Session::lent(
        app.shared_wiring(),
        backend.clone(),
        engine.clone(),
        schedules,
    );
    let checkpoints = session.clone();
    let mut next_checkpoint_look = tokio::time::Instant::now();
    let state = Arc::new(ControlState {
        session: garita_app::Session {
            workflows_dir: Some(dir.clone()),
            ..session
        },
        health: Health {
            service: crate::control::SERVICE_NAME.into(),
            pid: std::process::id(),
            store: std::fs::canonicalize(&store_dir).unwrap_or_else(|_| store_dir.clone()),
            version: env!("CARGO_PKG_VERSION").into(),
            workflows: 0,
            refused_files: Vec::new(),
            store_error: None,
        },
        workflow_dir: dir_status.clone(),
        nudge: nudge.clone(),
    });
    let console = match web {
        Some(web) => Some(ConsoleServer::start(state.session.clone(), web).await?),
        None => None,
    };
    if app.wiring().store_location().is_postgres() {
        // On PostgreSQL the local folder holds only the control socket and
        // files, and nothing else creates it.
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&store_dir)
            .map_err(|e| {
                anyhow::anyhow!(
                    "cannot create the local folder {} ([store] path) beside the PostgreSQL store: {e}",
                    store_dir.display()
                )
            })?;
    }
    let retention_session = state.session.clone();
    let control = ControlServer::start(
        state,
        &store_dir,
        control_tcp.as_ref(),
        config.control_limits,
    )
    .await?;
    let mut pool = RunPool::new(engine.clone(), config.max_concurrent_runs);
    let heap_release = super::heap_release::spawn();
    let unfinished = backend.runs.unfinished_runs().await?;
    if !unfinished.is_empty() {
        tracing::info!(runs = unfinished.len(), "resuming unfinished runs");
    }
    // A step in flight when the last process stopped is logged by the
    // engine (run, step, attempt) as it resumes it; a run that stops the
    // process twice in the same step is quarantined, not resumed again.
    engine.note_restart(&unfinished);
    for run in unfinished {
        tracing::debug!(run = %run, "resuming run");
        pool.submit(run);
    }
    let mut fingerprint = DirFingerprint::read(dir);
    let mut poll = tokio::time::interval(config.reload_poll.unwrap_or(MAX_IDLE));
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // A store other daemons share: a run one of them left in a step (it
    // died) is driven by nobody until someone looks again; its lease
    // expires and the next drive takes it over. One process per sled store
    // resumes such runs when it starts, so it never needs to look.
    let shared_store = app.wiring().store_location().is_postgres();
    // The backend opened, so the configured lifetime parsed.
    let lease_ttl = app
        .wiring()
        .lease_ttl()
        .unwrap_or(garita_engine::lease::DEFAULT_LEASE_TTL);
    let mut rescan = tokio::time::interval(lease_ttl);
    rescan.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut store_check = tokio::time::interval(STORE_CHECK);
    store_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let retention = app.wiring().settings.retention.clone();
    // Checked now, so a wrong value stops the daemon at start, not later.
    retention.cutoff(clock.now())?;
    let mut retention_pass = tokio::time::interval(garita_app::retention::PASS_EVERY);
    retention_pass.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut pruning: Option<tokio::task::JoinHandle<()>> = None;
    // What earlier passes settled, so a pass reads only what came due since
    // (a restarted daemon reads everything once).
    let passes = Arc::new(tokio::sync::Mutex::new(RetentionPass::default()));
    let stop = loop {
        let mut submitted = 0;
        match scheduler.tick().await {
            Ok(work) => {
                for started in &work.started {
                    if pool.submit(started.run.clone()) {
                        submitted += 1;
                    }
                }
                for run in &work.due_runs {
                    // `submit` refuses a run already in flight: one line per wake.
                    if pool.submit(run.clone()) {
                        tracing::info!(run = %run, "run woken");
                        submitted += 1;
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "scheduler tick failed; retrying"),
        }
        if tokio::time::Instant::now() >= next_checkpoint_look {
            next_checkpoint_look = tokio::time::Instant::now() + look_again(&checkpoints).await;
        }
        let sleep = match scheduler.next_due().await {
            Ok(Some(next)) => {
                let left = (next - clock.now()).to_std().unwrap_or(Duration::ZERO);
                if left.is_zero() && submitted == 0 {
                    BUSY_RETRY
                } else {
                    left.min(MAX_IDLE)
                }
            }
            Ok(None) => MAX_IDLE,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the next due instant");
                BUSY_RETRY
            }
        };
        tokio::select! {
            request = signals.next() => match request {
                Request::Stop(name) => break Stop::Signal(name),
                Request::Reload => {
                    tracing::info!(signal = "SIGHUP", "reloading workflows");
                    reload(app, config, &mut scheduler, &dir_status).await;
                    garita_app::audit_records::record_reload(backend.audit.as_ref(), clock.now(), dir, "SIGHUP", scheduler.workflows()).await;
                    fingerprint = DirFingerprint::read(dir);
                }
            },
            (run, result) = pool.next_done(), if !pool.is_idle() => super::log_driven(&run, &result),
            _ = poll.tick(), if config.reload_poll.is_some() => {
                let now = DirFingerprint::read(dir);
                if now != fingerprint {
                    tracing::info!(workflows_dir = %dir.display(), "workflow files changed; reloading");
                    reload(app, config, &mut scheduler, &dir_status).await;
                    garita_app::audit_records::record_reload(backend.audit.as_ref(), clock.now(), dir, "files changed", scheduler.workflows()).await;
                    fingerprint = now;
                }
            }
            Some(request) = pause_requests.recv() => {
                let result = scheduler.set_paused(&request.workflow, request.paused).await;
                let _ = request.reply.send(result);
            }
            _ = store_check.tick() => {
                let held = backend.health.clone();
                if let Ok(Some(failure)) = tokio::task::spawn_blocking(move || held.write_failure()).await {
                    break Stop::StoreFailed(failure);
                }
            }
            _ = rescan.tick(), if shared_store => match engine.running_runs().await {
                Ok(runs) => {
                    for run in runs {
                        // `submit` refuses a run this daemon drives; one another
                        // daemon drives is left to it by its lease.
                        if pool.submit(run.clone()) {
                            tracing::debug!(run = %run, "looking at a running run no driver of ours holds");
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot list the running runs; looking again later"),
            },
            _ = retention_pass.tick(), if retention.run_events_days.is_some() => {
                // One pass at a time; a long one delays the next.
                if pruning.as_ref().is_none_or(|p| p.is_finished()) {
                    pruning = Some(tokio::spawn(prune_pass(retention_session.clone(), retention.clone(), passes.clone())));
                }
            }
            _ = nudge.notified() => {}
            _ = tokio::time::sleep(sleep) => {}
        }
    };
    heap_release.abort();
    if let Some(pass) = pruning.take() {
        // Each run is pruned in its own commit: stopping between two loses nothing.
        pass.abort();
    }
    match &stop {
        Stop::Signal(name) => tracing::info!(
            signal = name,
            in_flight = pool.in_flight(),
            grace_secs = config.shutdown_grace.as_secs_f64(),
            "stopping: taking no new work, letting runs in flight finish"
        ),
        Stop::StoreFailed(e) => tracing::error!(
            error = %e,
            in_flight = pool.in_flight(),
            "the store cannot write any more (a full disk?): taking no new work; it is reopened once the disk has room, nothing acknowledged is lost"
        ),
    }
    // Clients first: no new command may start a run while the pool drains.
    if let Some(console) = console {
        console.stop(config.shutdown_grace).await;
    }
    control.stop(config.shutdown_grace).await;
    let abandoned = pool.drain(config.shutdown_grace).await;
    if abandoned > 0 {
        tracing::warn!(
            runs = abandoned,
            "runs still in a step were left; their progress is durable and they resume on the next start"
        );
    }
    drop(pool);
    drop(scheduler);
    drop(engine);
    drop(backend);
    match stop {
        Stop::Signal(_) => {
            tracing::info!(at = %instant_text(clock.now()), "daemon stopped");
            // The store (and its lock) goes with the last handle; leave now
            // rather than wait on a connector call abandoned mid-step.
            if abandoned > 0 {
                std::process::exit(0);
            }
            Ok(Served::Stopped(ExitCode::SUCCESS))
        }
        Stop::StoreFailed(e) => Ok(Served::StoreFailed(e)),
    }
}

/// The day's checkpoint, made when the log has none from today; how long
/// until the next look (it reads the log, so not on every tick).
async fn look_again(session: &garita_app::Session) -> Duration {
    use garita_app::ops::daily_checkpoint::{checkpoint_if_due, DailyCheckpoint};
    match checkpoint_if_due(session).await {
        Ok(DailyCheckpoint::Made {
            checkpoint,
            mailed_to,
        }) => {
            tracing::info!(
                size = checkpoint.size,
                root = %checkpoint.root,
                mailed_to = mailed_to.as_deref().unwrap_or(""),
                "daily audit checkpoint signed"
            );
            CHECKPOINT_LOOK
        }
        Ok(DailyCheckpoint::AlreadyMade(_) | DailyCheckpoint::NotConfigured) => CHECKPOINT_LOOK,
        Err(e) => {
            tracing::warn!(error = %e, "the daily audit checkpoint failed; trying again later");
            CHECKPOINT_LOOK
        }
    }
}

/// How often the daemon looks whether the day's checkpoint is made: a new
/// day is noticed within this.
const CHECKPOINT_LOOK: Duration = Duration::from_secs(300);

/// One retention pass: prunes the runs that finished before the cutoff
/// `[retention]` gives now.
async fn prune_pass(
    session: garita_app::Session,
    retention: garita_app::retention::RetentionSettings,
    passes: Arc<tokio::sync::Mutex<RetentionPass>>,
) {
    let now = session.engine.clock().now();
    let cutoff = match retention.cutoff(now) {
        Ok(Some(cutoff)) => cutoff,
        Ok(None) => return,
        Err(e) => {
            tracing::error!(error = %e, "retention pass skipped");
            return;
        }
    };
    let mut passes = passes.lock().await;
    match garita_app::ops::retention::prune_before_with(&session, &mut passes, cutoff).await {
        Ok(done) if done.runs_pruned > 0 => tracing::info!(
            runs = done.runs_pruned,
            events = done.events_removed,
            finished_before = %instant_text(cutoff),
            "retention: pruned the step events of finished runs"
        ),
        Ok(_) => {
            tracing::debug!(finished_before = %instant_text(cutoff), "retention: nothing to prune")
        }
        Err(e) => tracing::warn!(error = %e, "retention pass failed; the next pass tries again"),
    }
}

/// Reloads the workflows directory: the files that are valid together load,
/// a broken file that was loaded keeps its previous version, the others are
/// refused until fixed. Only an unreadable directory (or store trouble)
/// keeps the whole current set.
async fn reload(
    app: &App,
    config: &DaemonConfig,
    scheduler: &mut Scheduler,
    status: &SharedDirStatus,
) {
    let dir = &config.workflows_dir;
    let kept = scheduler.workflows().len();
    let set = match load_workflow_dir(app.wiring(), dir, scheduler.workflows()) {
        Ok(set) => set,
        Err(e) => {
            tracing::error!(
                error = %e,
                kept,
                "reload refused; the previous workflows stay in force"
            );
            return;
        }
    };
    let refused = set.refused;
    match scheduler.load(set.loaded).await {
        Ok(report) => {
            log_refused(&refused);
            warn_if_empty(report.workflows, dir);
            let refused_count = refused.len();
            // The health answer changes before the log says so: whoever reads
            // "workflows reloaded" and asks then sees the new state.
            *status.write().unwrap_or_else(|p| p.into_inner()) = WorkflowDirStatus {
                workflows: report.workflows,
                refused,
            };
            tracing::info!(
                workflows = report.workflows,
                refused_files = refused_count,
                schedules = report.schedules,
                event_triggers = report.event_triggers,
                "workflows reloaded"
            );
        }
        Err(e) => {
            tracing::error!(error = %e, kept, "reload refused; the previous workflows stay in force")
        }
    }
}
