//! `garita simulate --from DATE --to DATE`: the daemon's logic in virtual
//! time over a copy of the store, printing day by day what would happen.
//!
//! The real store is only read (copied, or backed up by the daemon that
//! holds it: see `store_copy.rs`); the copy is opened instead, with
//! connectors whose side effects are captured (see `capture.rs`). A
//! [`ManualClock`] starts at `--from` and jumps to each next due instant (a
//! schedule fire, a waiting run's timer) or local midnight, whichever comes
//! first, until `--to`. At each instant the simulation does what the daemon
//! would: fire and catch up schedules, consume events, wake due runs and
//! drive them; tasks are answered as they appear per `--assume`.
//!
//! Schedule state is taken as of `--from`: a trigger whose stored progress
//! is later than `--from` is rewound to it (so simulating a past month shows
//! that month's fires); one whose progress is earlier catches up at
//! `--from` as the daemon would on starting then.

mod assume;
mod capture;
mod daemon_backup;
mod store_copy;
mod timeline;
mod window;

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use garita_engine::calendar::Calendars;
use garita_engine::executor::{Engine, EngineSettings};
use garita_engine::reconcile::ReconcileReport;
use garita_engine::schedule::{
    instant_text, schedule_triggers, DrivenRun, LoadedWorkflow, ScheduleStore, Scheduler,
    StartCause, TriggerKey,
};
use garita_engine::{Clock, ManualClock, RunStatus, TaskFilter, TaskStatus};
use garita_store::{Durability, SledStore, StoreOptions};
use serde_json::{json, Value};

use crate::app::App;
use crate::output::say;
use assume::TaskAssumption;
use capture::{performed_on_the_copy, recipients, CapturingConnectors};
use garita_app::backend::Backend;
use garita_app::ops::retention::RetentionPass;
use garita_app::retention::{RetentionSettings, PASS_EVERY};
use garita_app::workflow_dir::load_or_explain;
use store_copy::StoreCopy;
use timeline::{Happening, Timeline};
use window::SimWindow;

/// Most rounds of "answer the new tasks, then look again" at one instant.
const MAX_TASK_ROUNDS: usize = 50;

/// The command-line arguments of `garita simulate`.
pub struct SimulateArgs<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub time_zone: &'a str,
    pub workflows: Option<&'a Path>,
    pub assume: &'a [String],
    /// `--summary`: print the totals only.
    pub summary: bool,
    /// `--keep-store DIR`: leave the simulated store there.
    pub keep_store: Option<&'a Path>,
}

pub async fn simulate(app: &App, args: SimulateArgs<'_>) -> anyhow::Result<ExitCode> {
    let max_days = if args.summary {
        window::MAX_DAYS_SUMMARY
    } else {
        window::MAX_DAYS
    };
    let window = SimWindow::parse(args.from, args.to, args.time_zone, max_days)?;
    let retention = app.wiring().settings.retention.clone();
    // A wrong value stops here, as it stops the daemon at start.
    retention.cutoff(window.start)?;
    let assumption = TaskAssumption::parse(args.assume)?;
    let config = app.wiring().settings.daemon.resolve(args.workflows)?;
    let workflows = load_or_explain(app.wiring(), &config.workflows_dir)?;
    let location = app.wiring().store_location();
    if location.is_postgres() {
        anyhow::bail!(
            "simulate works on a copy of a store directory and does not read a PostgreSQL store ({}) yet; copy the database into a directory first (`garita store copy --from URL --to DIR`), then run `garita simulate --store DIR`",
            location.shown()
        );
    }
    let real = app.wiring().store_dir();
    let options = StoreOptions {
        cache_capacity: app.wiring().settings.store.cache_mb.clamp(1, 64 * 1024) * 1024 * 1024,
        // A throwaway copy needs no protection against power loss.
        durability: Durability::ProcessCrash,
    };
    let copy = StoreCopy::take(
        &real,
        options.clone(),
        app.wiring().clock.now(),
        args.keep_store,
    )?;
    // The simulation's private copy is always an embedded store, whatever
    // the real one is: it is thrown away at the end.
    let backend = Backend::sled(&Arc::new(SledStore::open(&copy.path(), options)?));
    let clock = Arc::new(ManualClock::new(window.start));
    // The daemon's connector stack over the copy (inventory lookups read the
    // copy), with side effects captured in front of it.
    let capture = Arc::new(CapturingConnectors::new(Arc::new(
        app.wiring().outbox_connectors(&backend),
    )));
    let mut connector_config = app.wiring().connector_config();
    if let Some(email) = connector_config
        .get_mut("email")
        .and_then(Value::as_object_mut)
    {
        email.insert(
            "outbox_dir".into(),
            json!(copy.outbox().display().to_string()),
        );
    }
    let engine = Arc::new(Engine::new(
        backend.runs.clone(),
        capture.clone(),
        clock.clone(),
        app.wiring().loader(),
        EngineSettings {
            connector_config,
            calendars: app.wiring().settings.calendar.calendars(),
        },
    ));
    rewind_schedules(backend.schedules.as_ref(), &workflows, window.start).await?;
    let triggers = trigger_descriptions(&workflows)?;
    let mut scheduler = super::daemon::scheduler(app, engine.clone(), &backend, &config)?;
    scheduler.load(workflows).await?;

    let mut sim = Simulation {
        engine,
        backend,
        clock,
        capture,
        assumption,
        triggers,
        timeline: Timeline::new(window, args.summary),
        seen_tasks: HashSet::new(),
        last_status: BTreeMap::new(),
        retention,
        next_prune: window.start,
        passes: RetentionPass::default(),
    };
    sim.run(&mut scheduler, window).await?;

    let still_waiting = sim
        .last_status
        .values()
        .filter(|s| !s.is_terminal())
        .count();
    if app.global.json {
        let header = json!({
            "from": instant_text(window.start),
            "to": instant_text(window.end),
            "time_zone": window.zone.name(),
            "store": real.display().to_string(),
            "assume": sim.assumption.describe(),
        });
        crate::output::json(&sim.timeline.to_json(header, still_waiting))?;
    } else {
        let taken = copy.daemon_pid.map_or_else(String::new, |pid| {
            format!(" (a backup the running daemon, pid {pid}, took)")
        });
        eprintln!(
            "simulating {} to {} ({}) on a copy of {}{taken}; {}; nothing is sent or written",
            instant_text(window.start),
            instant_text(window.end),
            window.zone.name(),
            real.display(),
            sim.assumption.describe()
        );
        sim.timeline.print(still_waiting);
        if let Some(kept) = args.keep_store {
            say!(
                "the simulated store is kept in {} (open it with --store)",
                kept.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Sets each known trigger's progress to `start` when it is later, so the
/// simulated period's fires are all shown.
async fn rewind_schedules(
    states: &dyn ScheduleStore,
    workflows: &[LoadedWorkflow],
    start: DateTime<Utc>,
) -> anyhow::Result<()> {
    for loaded in workflows {
        // Only the keys are used: the days off do not matter.
        for trigger in schedule_triggers(&loaded.workflow, &Calendars::default())? {
            if let Some(mut state) = states.trigger_state(&trigger.key).await? {
                if state.covered_until > start {
                    state.covered_until = start;
                    states.put_trigger_state(&trigger.key, &state).await?;
                }
            }
        }
    }
    Ok(())
}

/// Each schedule trigger's cron and zone, for the report.
fn trigger_descriptions(
    workflows: &[LoadedWorkflow],
) -> anyhow::Result<BTreeMap<TriggerKey, (String, String)>> {
    let mut out = BTreeMap::new();
    for loaded in workflows {
        // The cron and zone only: the days off do not matter.
        for trigger in schedule_triggers(&loaded.workflow, &Calendars::default())? {
            out.insert(
                trigger.key,
                (
                    trigger.cron.expression().to_owned(),
                    trigger.cron.zone().name().to_owned(),
                ),
            );
        }
    }
    Ok(out)
}

struct Simulation {
    engine: Arc<Engine>,
    backend: Backend,
    clock: Arc<ManualClock>,
    capture: Arc<CapturingConnectors>,
    assumption: TaskAssumption,
    triggers: BTreeMap<TriggerKey, (String, String)>,
    timeline: Timeline,
    seen_tasks: HashSet<String>,
    /// Each run's last known status.
    last_status: BTreeMap<String, RunStatus>,
    /// `[retention]`, applied in virtual time as the daemon applies it.
    retention: RetentionSettings,
    /// When the next retention pass is due (virtual time).
    next_prune: DateTime<Utc>,
    /// What earlier passes settled, as the daemon keeps it.
    passes: RetentionPass,
}

impl Simulation {
    async fn run(&mut self, scheduler: &mut Scheduler, window: SimWindow) -> anyhow::Result<()> {
        self.accounts_of_the_day(window).await?;
        for (run, status) in self.engine.resume_all().await? {
            let workflow = self.workflow_of(&run).await;
            self.timeline.push(
                self.clock.now(),
                Happening::RunResumed {
                    run: run.clone(),
                    workflow,
                },
            );
            self.note_status(&run, status).await?;
        }
        loop {
            let driven = scheduler.drive_due().await?;
            self.observe_reconciled(scheduler.take_reconciled());
            self.observe(driven).await?;
            self.settle_tasks().await?;
            self.observe_captured();
            self.prune_if_due().await?;
            let now = self.clock.now();
            let midnight = window.next_midnight(now);
            let due = scheduler.next_due().await?.unwrap_or(midnight);
            // Something still due now (a run that keeps failing to drive)
            // must not hold the clock.
            let next = due.min(midnight).max(now + TimeDelta::seconds(1));
            if next >= window.end {
                break;
            }
            self.clock.set(next);
            if window.day_of(next) != window.day_of(now) {
                self.accounts_of_the_day(window).await?;
            }
        }
        Ok(())
    }

    /// A retention pass when one is due, as the daemon makes one when it
    /// starts and every [`PASS_EVERY`] after, with the same code.
    async fn prune_if_due(&mut self) -> anyhow::Result<()> {
        let now = self.clock.now();
        if now < self.next_prune {
            return Ok(());
        }
        self.next_prune = now + TimeDelta::from_std(PASS_EVERY)?;
        let Some(cutoff) = self.retention.cutoff(now)? else {
            return Ok(());
        };
        let done = self
            .passes
            .prune(self.backend.runs.as_ref(), cutoff, now)
            .await?;
        if done.runs_pruned > 0 {
            self.timeline.push(
                now,
                Happening::Pruned {
                    runs: done.runs_pruned,
                    events: done.events_removed,
                    finished_before: instant_text(cutoff),
                },
            );
        }
        Ok(())
    }

    /// Records the rule transitions the scheduler's reconciles applied.
    fn observe_reconciled(&mut self, reports: Vec<ReconcileReport>) {
        for report in reports {
            for t in report.applied {
                self.timeline.push(
                    report.at,
                    Happening::RuleTransition {
                        account: t.account,
                        transition: t.transition,
                        effective_on: t.effective_on.to_string(),
                        days_late: t.days_late,
                        status_before: t.status_before.to_string(),
                        status_after: t.status_after.to_string(),
                        event: t.event,
                    },
                );
            }
        }
    }

    /// Records what drive_due did.
    async fn observe(&mut self, driven: Vec<DrivenRun>) -> anyhow::Result<()> {
        let now = self.clock.now();
        for run in driven {
            if let Some(started) = &run.started {
                let trigger = match &started.cause {
                    StartCause::Schedule {
                        trigger,
                        scheduled_for,
                        catch_up,
                    } => {
                        let (cron, zone) = self.triggers.get(trigger).cloned().unwrap_or_default();
                        json!({"kind": "schedule", "cron": cron, "time_zone": zone, "scheduled_for": instant_text(*scheduled_for), "catch_up": catch_up})
                    }
                    StartCause::Event { id, name } => {
                        json!({"kind": "event", "name": name, "event_id": id})
                    }
                };
                self.timeline.push(
                    now,
                    Happening::RunStarted {
                        run: run.run.clone(),
                        workflow: started.workflow.clone(),
                        trigger,
                    },
                );
            }
            // Side effects happened while driving: show them before the finish.
            self.observe_captured();
            if let Some(status) = run.status {
                self.note_status(&run.run, status).await?;
            }
        }
        Ok(())
    }

    /// Records a run's new status; a finish is a happening. A child run that
    /// finished may have let its parent finish in the same drive (the last
    /// item of a `for_each`), so the parents' statuses are noted too.
    async fn note_status(&mut self, run: &str, status: RunStatus) -> anyhow::Result<()> {
        let mut next = Some((run.to_owned(), status));
        while let Some((run, status)) = next.take() {
            let record = self.note_one(&run, status).await?;
            if let Some(parent) = record.and_then(|r| r.parent) {
                if let Some(up) = self.backend.runs.run(&parent.run_id).await? {
                    next = Some((up.id, up.status));
                }
            }
        }
        Ok(())
    }

    /// Records one run's new status; returns its record when it finished now.
    async fn note_one(
        &mut self,
        run: &str,
        status: RunStatus,
    ) -> anyhow::Result<Option<garita_engine::RunRecord>> {
        let before = self.last_status.insert(run.to_owned(), status);
        if status.is_terminal() && before != Some(status) {
            let record = self.backend.runs.run(run).await?;
            let finished = record.clone();
            self.timeline.push(
                self.clock.now(),
                Happening::RunFinished {
                    run: run.to_owned(),
                    workflow: record
                        .as_ref()
                        .map(|r| r.workflow.clone())
                        .unwrap_or_default(),
                    status: status.to_string(),
                    error: record.and_then(|r| r.error),
                },
            );
            return Ok(finished);
        }
        Ok(None)
    }

    fn observe_captured(&mut self) {
        for call in self.capture.take_calls() {
            let what = if (call.connector.as_str(), call.action.as_str()) == ("email", "send") {
                Happening::Email {
                    run: call.run,
                    step: call.step,
                    to: recipients(&call.input),
                    subject: call.input["subject"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                }
            } else if performed_on_the_copy(&call.connector) {
                let text = |v: &Value| v.as_str().map(str::to_owned);
                let event = if call.connector == garita_engine::inventory::EVENT {
                    text(&call.input["name"])
                } else {
                    text(&call.input["emit"]["name"])
                };
                Happening::Inventory {
                    run: call.run,
                    step: call.step,
                    action: format!("{}.{}", call.connector, call.action),
                    account: text(&call.input["account"]),
                    status: text(&call.input["status"]),
                    event,
                }
            } else {
                Happening::SideEffect {
                    run: call.run,
                    step: call.step,
                    connector: call.connector,
                    action: call.action,
                }
            };
            self.timeline.push(call.at, what);
        }
    }

    /// Reports new tasks and answers them per `--assume`, until no new task
    /// appears at this instant.
    async fn settle_tasks(&mut self) -> anyhow::Result<()> {
        for _ in 0..MAX_TASK_ROUNDS {
            let filter = TaskFilter {
                statuses: vec![TaskStatus::Open],
                ..TaskFilter::default()
            };
            // A store that keeps no tasks has none to report.
            let open = self
                .backend
                .runs
                .list_tasks(&filter)
                .await
                .unwrap_or_default();
            let new: Vec<_> = open
                .into_iter()
                .filter(|t| self.seen_tasks.insert(t.id.clone()))
                .collect();
            if new.is_empty() {
                return Ok(());
            }
            for task in new {
                self.timeline.push(
                    self.clock.now(),
                    Happening::TaskCreated {
                        task: task.id.clone(),
                        run: task.run_id.clone(),
                        workflow: task.workflow.clone(),
                        title: task.title.clone(),
                        assignee: task.assignee.clone(),
                        due: task.due.map(instant_text),
                    },
                );
                let (outcome, fields, note) = match &self.assumption {
                    TaskAssumption::Open => continue,
                    TaskAssumption::Complete(fields) => {
                        (TaskStatus::Completed, fields.clone(), None)
                    }
                    TaskAssumption::Reject => (
                        TaskStatus::Rejected,
                        json!({}),
                        Some("rejected in a simulation (--assume task:reject)".to_owned()),
                    ),
                };
                let by = Some("garita simulate".to_owned());
                match self
                    .engine
                    .answer_task(&task.id, outcome, fields, note, by)
                    .await
                {
                    Ok(status) => {
                        self.timeline.push(
                            self.clock.now(),
                            Happening::TaskAnswered {
                                task: task.id.clone(),
                                outcome: outcome.to_string(),
                            },
                        );
                        self.observe_captured();
                        self.note_status(&task.run_id, status).await?;
                    }
                    Err(e) => self.timeline.push(
                        self.clock.now(),
                        Happening::TaskAnswerRefused {
                            task: task.id.clone(),
                            error: e.to_string().replace('\n', "; "),
                        },
                    ),
                }
            }
        }
        Ok(())
    }

    /// CTPAT accounts the portal deactivates on the current local day.
    async fn accounts_of_the_day(&mut self, window: SimWindow) -> anyhow::Result<()> {
        let now = self.clock.now();
        let day = window.day_of(now);
        let accounts = match self
            .backend
            .accounts
            .accounts_deactivating_between(day, day)
            .await
        {
            Ok(accounts) => accounts,
            Err(e) => {
                tracing::debug!(error = %e, "no account inventory to look at");
                return Ok(());
            }
        };
        for account in accounts {
            self.timeline.push(
                now,
                Happening::AccountDeactivates {
                    account: account.key().to_string(),
                    holder: if account.holder.email.is_empty() {
                        account.holder.name.clone()
                    } else {
                        format!("{} <{}>", account.holder.name, account.holder.email)
                    },
                    company: account.company.legal_name.clone(),
                    last_sign_in: account.last_sign_in.map(|d| d.to_string()),
                },
            );
        }
        Ok(())
    }

    async fn workflow_of(&self, run: &str) -> String {
        match self.backend.runs.run(run).await {
            Ok(Some(record)) => record.workflow,
            _ => String::new(),
        }
    }
}
