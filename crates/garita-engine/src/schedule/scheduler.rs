//! The scheduler: given the loaded workflows and the clock, which runs to
//! start (schedule fires, caught-up fires, events) and which waiting runs to
//! wake, now.
//!
//! It creates runs but does not drive them: the daemon drives them
//! concurrently, `--once` and `garita simulate` one after the other. A tick
//! with nothing due costs one heap peek, one timer-index read in the store
//! and one read of the event queue, whatever the number of runs, accounts or
//! workflows (see `tests/benches/tick.rs`).

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

use super::catch_up::{plan_catch_up, CatchUpPlan};
use super::error::ScheduleError;
use super::fire_run_id::{event_run_id, schedule_run_id};
use super::pause;
use super::state::{ScheduleStore, TriggerKey, TriggerState};
use super::timer_wheel::TimerWheel;
use super::trigger_inputs::{event_inputs, instant_text, schedule_inputs, ScheduleFire};
use super::view::{schedule_views, ScheduleView};
use super::workflow_set::{check_workflows, schedule_triggers, LoadedWorkflow, ScheduleTrigger};
use crate::account::{AccountStore, EmittedEvent};
use crate::executor::{Engine, EngineError};
use crate::model::Trigger;
use crate::reconcile::{ReconcileReport, Reconciler};
use crate::run::{RunId, RunStatus};
use crate::store::StoreError;

/// Most rounds of "start and wake, then drive" [`Scheduler::drive_due`] does
/// for one instant; a run that keeps coming due at the same instant (a retry
/// with no back-off) cannot hold it forever.
const MAX_SETTLE_ROUNDS: usize = 20;

/// Reconcile reports kept for [`Scheduler::take_reconciled`].
const MAX_KEPT_REPORTS: usize = 64;

/// Tunables of the scheduler.
#[derive(Debug, Clone)]
pub struct SchedulerSettings {
    /// How late a fire may be seen and still count as on time (default 10
    /// minutes); older fires follow the trigger's `catch_up` policy.
    pub on_time_window: TimeDelta,
    /// Most events consumed per tick (default 100); the rest wait for the next.
    pub events_per_tick: usize,
    /// How often the portal rules are evaluated (at the first tick, then
    /// whenever this much business time has passed, or the clock went
    /// back). A transition is due from a calendar day, so minutes of
    /// delay cost nothing; evaluating reads every candidate account.
    pub reconcile_every: TimeDelta,
}

impl Default for SchedulerSettings {
    fn default() -> Self {
        Self {
            on_time_window: TimeDelta::minutes(10),
            events_per_tick: 100,
            reconcile_every: TimeDelta::minutes(5),
        }
    }
}

/// Why the scheduler started a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartCause {
    /// A schedule trigger fired.
    Schedule {
        /// The trigger.
        trigger: TriggerKey,
        /// The instant the expression named.
        scheduled_for: DateTime<Utc>,
        /// True for a missed fire run late.
        catch_up: bool,
    },
    /// An emitted event matched an `event` trigger.
    Event {
        /// The event's id in the queue.
        id: u64,
        /// The event's name.
        name: String,
    },
}

/// A run the scheduler created (durably) and the caller should drive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartedRun {
    /// The new run.
    pub run: RunId,
    /// Its workflow's name.
    pub workflow: String,
    /// What started it.
    pub cause: StartCause,
}

/// The work a tick found due.
#[derive(Debug, Clone, Default)]
pub struct DueWork {
    /// Runs just created; drive each.
    pub started: Vec<StartedRun>,
    /// Waiting runs whose wake-up time has come; drive each.
    pub due_runs: Vec<RunId>,
    /// Runs that could not be started (logged).
    pub failures: usize,
    /// What the portal rules did this tick, when they were evaluated.
    pub reconciled: Option<ReconcileReport>,
}

impl DueWork {
    /// Every run to drive: the started ones, then the due ones.
    pub fn runs(&self) -> impl Iterator<Item = &RunId> {
        self.started
            .iter()
            .map(|s| &s.run)
            .chain(self.due_runs.iter())
    }

    /// True when nothing is to be driven.
    pub fn is_empty(&self) -> bool {
        self.started.is_empty() && self.due_runs.is_empty()
    }
}

/// A run [`Scheduler::drive_due`] drove, and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrivenRun {
    /// The run.
    pub run: RunId,
    /// Set when the scheduler started it; `None` for a woken run.
    pub started: Option<StartedRun>,
    /// Its status after driving (`None` if driving failed; the error is logged).
    pub status: Option<RunStatus>,
}

/// What [`Scheduler::load`] took in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// Workflows loaded.
    pub workflows: usize,
    /// Schedule triggers.
    pub schedules: usize,
    /// Event triggers.
    pub event_triggers: usize,
    /// Schedule triggers seen for the first time (they start from now).
    pub first_seen: Vec<TriggerKey>,
}

struct Entry {
    workflow: usize,
    trigger: ScheduleTrigger,
    state: TriggerState,
}

/// Fires schedule and event triggers of a set of workflows and finds due runs.
pub struct Scheduler {
    engine: Arc<Engine>,
    states: Arc<dyn ScheduleStore>,
    events: Option<Arc<dyn AccountStore>>,
    reconciler: Option<Reconciler>,
    last_reconcile: Option<DateTime<Utc>>,
    /// Reports that applied something, until [`Scheduler::take_reconciled`].
    reconciled: Vec<ReconcileReport>,
    settings: SchedulerSettings,
    workflows: Vec<LoadedWorkflow>,
    entries: BTreeMap<TriggerKey, Entry>,
    /// Event name → indexes into `workflows`.
    event_routes: BTreeMap<String, Vec<usize>>,
    wheel: TimerWheel,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("workflows", &self.workflows.len())
            .field("schedules", &self.entries.len())
            .finish_non_exhaustive()
    }
}

impl Scheduler {
    /// A scheduler with no workflows yet; see [`Scheduler::load`].
    pub fn new(
        engine: Arc<Engine>,
        states: Arc<dyn ScheduleStore>,
        settings: SchedulerSettings,
    ) -> Self {
        Self {
            engine,
            states,
            events: None,
            reconciler: None,
            last_reconcile: None,
            reconciled: Vec::new(),
            settings,
            workflows: Vec::new(),
            entries: BTreeMap::new(),
            event_routes: BTreeMap::new(),
            wheel: TimerWheel::new(),
        }
    }

    /// Also fires `event` triggers for the events queued in `source`.
    ///
    /// Consumption is at-least-once: an event is acknowledged after the runs
    /// it starts are durable, so a crash in between starts them again.
    pub fn with_events(mut self, source: Arc<dyn AccountStore>) -> Self {
        self.events = Some(source);
        self
    }

    /// The engine runs are started and driven with.
    /// Evaluates the portal rules with `reconciler` on the first tick and
    /// every `reconcile_every` after; the events its transitions queue are
    /// consumed in the same tick.
    pub fn with_reconciler(mut self, reconciler: Reconciler) -> Self {
        self.reconciler = Some(reconciler);
        self
    }

    /// The reports of the reconciles that applied something since the last
    /// call, oldest first (for `daemon --once` and `simulate`).
    pub fn take_reconciled(&mut self) -> Vec<ReconcileReport> {
        std::mem::take(&mut self.reconciled)
    }

    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// The loaded workflows.
    pub fn workflows(&self) -> &[LoadedWorkflow] {
        &self.workflows
    }

    /// Replaces the set of workflows, after checking it: on error nothing
    /// changes and the previous set stays in force. Each schedule trigger
    /// keeps its stored state; a trigger seen for the first time starts from
    /// now (recorded durably, so downtime after this counts as missed).
    pub async fn load(
        &mut self,
        workflows: Vec<LoadedWorkflow>,
    ) -> Result<LoadReport, ScheduleError> {
        check_workflows(&workflows)?;
        let now = self.engine.clock().now();
        let stored: BTreeMap<TriggerKey, TriggerState> =
            self.states.trigger_states().await?.into_iter().collect();
        let mut entries = BTreeMap::new();
        let mut routes: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        let mut report = LoadReport {
            workflows: workflows.len(),
            ..LoadReport::default()
        };
        for (index, loaded) in workflows.iter().enumerate() {
            for trigger in schedule_triggers(&loaded.workflow, self.engine.calendars())? {
                let state = match stored.get(&trigger.key) {
                    Some(state) => state.clone(),
                    None => {
                        let state = TriggerState::first_seen(now);
                        self.states.put_trigger_state(&trigger.key, &state).await?;
                        tracing::info!(
                            workflow = %loaded.workflow.name,
                            trigger = %trigger.key,
                            cron = trigger.cron.expression(),
                            time_zone = trigger.cron.zone().name(),
                            "new schedule: it fires from now on, with no catch-up of earlier fires"
                        );
                        report.first_seen.push(trigger.key.clone());
                        state
                    }
                };
                entries.insert(
                    trigger.key.clone(),
                    Entry {
                        workflow: index,
                        trigger,
                        state,
                    },
                );
            }
            for trigger in &loaded.workflow.triggers {
                if let Trigger::Event { name } = trigger {
                    routes.entry(name.clone()).or_default().push(index);
                    report.event_triggers += 1;
                }
            }
        }
        report.schedules = entries.len();
        self.wheel.clear();
        for (key, entry) in &entries {
            if let Some(next) = entry.trigger.cron.next_after(entry.state.covered_until) {
                self.wheel.push(next, key.clone());
            }
        }
        self.workflows = workflows;
        self.entries = entries;
        self.event_routes = routes;
        Ok(report)
    }

    /// Starts the runs due now: schedule fires (with catch-up of missed ones
    /// per policy), then events; and lists the waiting runs due now. Records
    /// each trigger's progress durably.
    pub async fn tick(&mut self) -> Result<DueWork, ScheduleError> {
        let now = self.engine.clock().now();
        let mut work = DueWork::default();
        while let Some((due, key)) = self.wheel.pop_due(now) {
            if let Err(e) = self.fire(&key, now, &mut work).await {
                // Look at it again next tick: its progress was not recorded.
                self.wheel.push(due, key);
                return Err(e);
            }
        }
        work.reconciled = self.reconcile_if_due(now).await?;
        self.consume_events(now, &mut work).await?;
        work.due_runs = self.engine.store().due_runs(now).await?;
        Ok(work)
    }

    /// Ticks and drives what is due, one run after the other, until nothing
    /// more is due at this instant. For `garita daemon --once` and `garita
    /// simulate`; the daemon drives concurrently instead.
    pub async fn drive_due(&mut self) -> Result<Vec<DrivenRun>, ScheduleError> {
        let mut driven = Vec::new();
        for _ in 0..MAX_SETTLE_ROUNDS {
            let work = self.tick().await?;
            if work.is_empty() {
                break;
            }
            let woken = work.due_runs.into_iter().map(|run| (run, None));
            let started = work.started.into_iter().map(|s| (s.run.clone(), Some(s)));
            for (run, started) in started.chain(woken) {
                let status = match self.engine.drive(&run).await {
                    Ok(status) => Some(status),
                    Err(EngineError::Store(e)) => return Err(e.into()),
                    Err(e) => {
                        tracing::error!(run = %run, error = %e, "cannot drive run");
                        None
                    }
                };
                driven.push(DrivenRun {
                    run,
                    started,
                    status,
                });
            }
        }
        Ok(driven)
    }

    /// The earliest instant something will be due: a schedule fire or a
    /// waiting run's timer. Events are not included (poll for them).
    pub async fn next_due(&self) -> Result<Option<DateTime<Utc>>, ScheduleError> {
        let wake = self.engine.store().next_wake().await?;
        Ok(match (self.wheel.next_due(), wake) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        })
    }

    /// Every schedule trigger with its state and next fire.
    pub fn schedules(&self) -> Result<Vec<ScheduleView>, ScheduleError> {
        let states: BTreeMap<TriggerKey, TriggerState> = self
            .entries
            .iter()
            .map(|(k, e)| (k.clone(), e.state.clone()))
            .collect();
        schedule_views(
            &self.workflows,
            &states,
            self.engine.clock().now(),
            self.engine.calendars(),
        )
    }

    /// Pauses or unpauses every schedule trigger of workflow `name`.
    pub async fn set_paused(
        &mut self,
        name: &str,
        paused: bool,
    ) -> Result<Vec<TriggerKey>, ScheduleError> {
        let now = self.engine.clock().now();
        let keys =
            pause::set_paused(self.states.as_ref(), &self.workflows, name, paused, now).await?;
        for key in &keys {
            if let (Some(entry), Some(state)) = (
                self.entries.get_mut(key),
                self.states.trigger_state(key).await?,
            ) {
                entry.state = state;
            }
        }
        Ok(keys)
    }

    /// Handles the due fires of one trigger and schedules its next look.
    async fn fire(
        &mut self,
        key: &TriggerKey,
        now: DateTime<Utc>,
        work: &mut DueWork,
    ) -> Result<(), ScheduleError> {
        let Some(entry) = self.entries.get(key) else {
            return Ok(());
        };
        let loaded = self.workflows[entry.workflow].clone();
        let trigger = entry.trigger.clone();
        // Another daemon sharing the store may have fired, paused or
        // resumed this trigger since this one last looked: its recorded
        // state is the truth.
        let mut state = self
            .states
            .trigger_state(key)
            .await?
            .unwrap_or_else(|| entry.state.clone());
        let plan = plan_catch_up(
            &trigger.cron,
            trigger.catch_up,
            state.covered_until,
            now,
            self.settings.on_time_window,
            state.paused,
        );
        log_plan(key, &trigger, &plan, state.paused);
        for fire in &plan.run {
            let inputs = schedule_inputs(
                &loaded.workflow,
                &ScheduleFire {
                    cron: trigger.cron.expression(),
                    zone: trigger.cron.zone(),
                    scheduled_for: fire.scheduled_for,
                    fired_at: now,
                    catch_up: fire.catch_up,
                },
            );
            let started = self
                .engine
                .start_as(
                    &loaded.workflow,
                    &loaded.source,
                    &loaded.path,
                    &inputs,
                    schedule_run_id(key, fire.scheduled_for),
                )
                .await;
            match started {
                Ok(run) => {
                    tracing::info!(
                        workflow = %loaded.workflow.name,
                        trigger = %key,
                        run = %run,
                        scheduled_for = %instant_text(fire.scheduled_for),
                        catch_up = fire.catch_up,
                        "schedule fired"
                    );
                    state.last_fire = Some(fire.scheduled_for);
                    work.started.push(StartedRun {
                        run,
                        workflow: loaded.workflow.name.clone(),
                        cause: StartCause::Schedule {
                            trigger: key.clone(),
                            scheduled_for: fire.scheduled_for,
                            catch_up: fire.catch_up,
                        },
                    });
                }
                Err(EngineError::Store(StoreError::RunExists(run))) => {
                    tracing::info!(
                        trigger = %key,
                        run = %run,
                        scheduled_for = %instant_text(fire.scheduled_for),
                        "schedule fire already started (by another daemon, or before a restart)"
                    );
                    state.last_fire = Some(fire.scheduled_for);
                }
                Err(EngineError::Store(e)) => return Err(e.into()),
                Err(e) => {
                    tracing::error!(
                        workflow = %loaded.workflow.name,
                        trigger = %key,
                        scheduled_for = %instant_text(fire.scheduled_for),
                        error = %e,
                        "schedule fired but the run could not be started"
                    );
                    work.failures += 1;
                }
            }
        }
        state.covered_until = plan.covered_until;
        self.states.put_trigger_state(key, &state).await?;
        if let Some(next) = trigger.cron.next_after(state.covered_until) {
            self.wheel.push(next, key.clone());
        } else {
            tracing::warn!(trigger = %key, cron = trigger.cron.expression(), "schedule will never fire again");
        }
        if let Some(entry) = self.entries.get_mut(key) {
            entry.state = state;
        }
        Ok(())
    }

    async fn reconcile_if_due(
        &mut self,
        now: DateTime<Utc>,
    ) -> Result<Option<ReconcileReport>, ScheduleError> {
        let Some(reconciler) = &self.reconciler else {
            return Ok(None);
        };
        let due = self
            .last_reconcile
            .is_none_or(|last| now < last || now - last >= self.settings.reconcile_every);
        if !due {
            return Ok(None);
        }
        let report = reconciler.reconcile().await?;
        self.last_reconcile = Some(now);
        if !report.applied.is_empty() {
            tracing::info!(
                applied = report.applied.len(),
                late = report.late().count(),
                evaluated = report.evaluated,
                "portal rules reconciled"
            );
            // The long-running daemon never takes them: keep the newest few.
            if self.reconciled.len() >= MAX_KEPT_REPORTS {
                self.reconciled.remove(0);
            }
            self.reconciled.push(report.clone());
        }
        Ok(Some(report))
    }

    /// Starts the runs of the pending events and acknowledges each.
    async fn consume_events(
        &mut self,
        now: DateTime<Utc>,
        work: &mut DueWork,
    ) -> Result<(), ScheduleError> {
        let Some(source) = self.events.clone() else {
            return Ok(());
        };
        for event in source.pending_events(self.settings.events_per_tick).await? {
            let targets = self
                .event_routes
                .get(&event.name)
                .cloned()
                .unwrap_or_default();
            let mut started = 0;
            for index in targets {
                let loaded = self.workflows[index].clone();
                if self.start_for_event(&loaded, &event, now, work).await? {
                    started += 1;
                }
            }
            source.ack_event(event.id).await?;
            tracing::info!(event = %event.name, id = event.id, runs = started, "event handled");
        }
        Ok(())
    }

    async fn start_for_event(
        &self,
        loaded: &LoadedWorkflow,
        event: &EmittedEvent,
        now: DateTime<Utc>,
        work: &mut DueWork,
    ) -> Result<bool, ScheduleError> {
        let inputs = event_inputs(&loaded.workflow, event, now);
        let id = event_run_id(&loaded.workflow.name, event.id, event.at);
        match self
            .engine
            .start_as(&loaded.workflow, &loaded.source, &loaded.path, &inputs, id)
            .await
        {
            Ok(run) => {
                tracing::info!(workflow = %loaded.workflow.name, event = %event.name, run = %run, "event fired");
                work.started.push(StartedRun {
                    run,
                    workflow: loaded.workflow.name.clone(),
                    cause: StartCause::Event {
                        id: event.id,
                        name: event.name.clone(),
                    },
                });
                Ok(true)
            }
            Err(EngineError::Store(StoreError::RunExists(run))) => {
                tracing::info!(workflow = %loaded.workflow.name, event = %event.name, run = %run, "event's run already started (by another daemon, or before a restart)");
                Ok(false)
            }
            Err(EngineError::Store(e)) => Err(e.into()),
            Err(e) => {
                tracing::error!(workflow = %loaded.workflow.name, event = %event.name, error = %e, "event fired but the run could not be started");
                work.failures += 1;
                Ok(false)
            }
        }
    }
}

/// Says what a plan catches up on or skips; the on-time fire is logged when it starts.
fn log_plan(key: &TriggerKey, trigger: &ScheduleTrigger, plan: &CatchUpPlan, paused: bool) {
    if paused && plan.skipped > 0 {
        tracing::info!(trigger = %key, skipped = plan.skipped, "schedule paused: fires skipped");
        return;
    }
    if plan.missed == 0 {
        return;
    }
    let running = plan.run.iter().filter(|f| f.catch_up).count();
    let missed = if plan.missed_more {
        format!("more than {}", plan.missed)
    } else {
        plan.missed.to_string()
    };
    tracing::info!(
        trigger = %key,
        policy = policy_name(trigger.catch_up),
        missed = %missed,
        running,
        skipped = plan.skipped,
        "catching up on missed fires"
    );
    if plan.capped {
        tracing::warn!(
            trigger = %key,
            cap = super::catch_up::MAX_CATCH_UP_RUNS,
            skipped = plan.skipped,
            "catch-up capped: only the most recent missed fires run"
        );
    }
}

/// The policy as workflows spell it.
fn policy_name(policy: crate::model::CatchUp) -> &'static str {
    match policy {
        crate::model::CatchUp::All => "all",
        crate::model::CatchUp::Last => "last",
        crate::model::CatchUp::None => "none",
    }
}
