//! The durable executor.
//!
//! A run is driven step by step. Before a step's side effect starts, every
//! event recorded so far is appended to the [`Store`] and made durable
//! ([`Store::append`] returns only then). After a crash the run's state is
//! rebuilt from its events ([`state::RunState`]): finished steps never run
//! again, and the step that was in flight runs again with the same idempotency
//! key (run id, step id, attempt).
//!
//! A run that waits (a timer, a signal, a person, child runs) is parked in the
//! store with its wake-up time and holds no thread and no task; whoever wakes it
//! (`garita resume`, the daemon) calls [`Engine::drive`] again.
//!
//! Where things are: this file is the engine's front (start, drive, signal,
//! answer, cancel, resume); `engine_error.rs` its errors; `workflow_cache.rs`
//! the parsed workflows by source; `run_guard.rs` one driver per run;
//! `driver.rs` the run driver, which holds only the `driver_services.rs`
//! parts of the engine; `batch.rs` its commit batch (`commit_deferral.rs`
//! says when a commit may wait); one file per step kind (`step_uses.rs`,
//! `step_wait.rs`, `step_task.rs`, `step_for_each.rs`); `state.rs` the
//! replay; `view.rs` what `runs show` prints.

mod batch;
mod commit_deferral;
mod context;
mod driver;
mod driver_services;
mod engine_error;
mod inputs;
mod run_guard;
mod signal_name;
mod state;
mod step_for_each;
mod step_task;
mod step_uses;
mod step_wait;
mod view;
mod workflow_cache;

use batch::Batch;
use driver::{RunDriver, StepProgress};
use driver_services::{DriverServices, SecretInputs};
pub use engine_error::EngineError;
use step_uses::ActionCall;
pub use step_wait::parse_instant;

pub use signal_name::{check_signal_name, MAX_SIGNAL_NAME_CHARS};

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

pub use inputs::{redact_inputs, resolve_inputs, InputErrors};
pub use view::{run_view, RunView, StepView};

use crate::clock::Clock;
use crate::connectors::Connectors;
use crate::diagnostic::Diagnostics;
use crate::expr::Evaluator;
use crate::lease::{self, LocalLeases, RunLeases};
use crate::model::Workflow;
use crate::run::{RunEvent, RunId, RunRecord, RunStatus, StoredEvent};
use crate::secret_redactor::{self, SecretRedactor};
use crate::store::Store;
use crate::task::{signal_for, Task, TaskAnswer, TaskFilter, TaskStatus};
use state::RunState;

/// Settings of the engine that come from configuration.
#[derive(Debug, Clone, Default)]
pub struct EngineSettings {
    /// Each connector's configuration section, handed to it in [`InvokeContext::config`].
    pub connector_config: BTreeMap<String, Value>,
    /// The business calendars tasks, waits and schedules count in: the
    /// law's days off with the operator's `[calendar]` applied.
    pub calendars: crate::calendar::Calendars,
}

/// Parses workflow sources for the engine (so the engine can re-read the
/// definition stored with a run). The CLI passes [`crate::parse::parse_workflow`]
/// with the loaded manifests.
pub type WorkflowLoader = Arc<dyn Fn(&str, &str) -> Result<Workflow, Diagnostics> + Send + Sync>;

/// The executor: drives runs against a store, connectors and a clock.
pub struct Engine {
    store: Arc<dyn Store>,
    connectors: Arc<dyn Connectors>,
    clock: Arc<dyn Clock>,
    loader: WorkflowLoader,
    settings: EngineSettings,
    evaluator: Evaluator,
    /// Parsed workflows by source hash, so resuming thousands of runs of the
    /// same file parses it once.
    parsed: Mutex<HashMap<u64, Arc<Workflow>>>,
    /// Runs being driven in this process: a second driver of the same run waits its turn.
    active: Mutex<HashSet<RunId>>,
    /// Secret inputs, kept only in memory (never in the store).
    secrets: Mutex<HashMap<RunId, serde_json::Map<String, Value>>>,
    /// Secret values of the connectors' configuration, redacted from every run.
    config_secrets: SecretRedactor,
    /// Runs found unfinished when this process started: the next step each
    /// calls has its start made durable first, even a side-effect-free one,
    /// so that a call that ends the process is seen as in flight next time
    /// (and a run that does it again is quarantined, not resumed forever).
    recovering: Mutex<HashSet<RunId>>,
    /// Who drives which run among the processes sharing the store.
    leases: Arc<dyn RunLeases>,
    /// This engine's name as a lease owner.
    lease_owner: String,
    /// How long a lease lasts unless renewed.
    lease_ttl: Duration,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").finish_non_exhaustive()
    }
}

/// The outcome of delivering a signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignalOutcome {
    /// The run was waiting for it and went on.
    Delivered(RunStatus),
    /// The run was not waiting for it yet; it is kept for the first wait on that name.
    Queued(RunStatus),
}

impl Engine {
    /// An engine over these parts.
    pub fn new(
        store: Arc<dyn Store>,
        connectors: Arc<dyn Connectors>,
        clock: Arc<dyn Clock>,
        loader: WorkflowLoader,
        settings: EngineSettings,
    ) -> Self {
        let config_secrets = SecretRedactor::new(secret_redactor::config_secret_values(
            &settings.connector_config,
            &|name| std::env::var(name).ok(),
        ));
        Self {
            store,
            connectors,
            clock,
            loader,
            settings,
            evaluator: Evaluator::new(),
            parsed: Mutex::new(HashMap::new()),
            active: Mutex::new(HashSet::new()),
            secrets: Mutex::new(HashMap::new()),
            config_secrets,
            recovering: Mutex::new(HashSet::new()),
            leases: Arc::new(LocalLeases::new()),
            lease_owner: lease::process_owner(),
            lease_ttl: lease::DEFAULT_LEASE_TTL,
        }
    }

    /// Drives runs under `leases` as `owner` (see [`crate::lease`]): for a
    /// store several processes share. The default is leases in this
    /// process's memory, right for a store only one process can open.
    pub fn with_leases(mut self, leases: Arc<dyn RunLeases>, owner: String, ttl: Duration) -> Self {
        self.leases = leases;
        self.lease_owner = owner;
        self.lease_ttl = ttl;
        self
    }

    /// The business calendars this engine counts in (with `[calendar]`);
    /// the scheduler keeps business-day schedules to them too.
    pub fn calendars(&self) -> &crate::calendar::Calendars {
        &self.settings.calendars
    }

    /// This engine's name as a lease owner.
    pub fn lease_owner(&self) -> &str {
        &self.lease_owner
    }

    /// Says that `runs` were left unfinished by an earlier process (the
    /// daemon calls this at start for the runs it resumes; [`Engine::resume_all`]
    /// does it itself).
    pub fn note_restart(&self, runs: &[RunId]) {
        self.recovering
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(runs.iter().cloned());
    }

    /// The parts of the engine a run driver uses.
    fn services(&self) -> DriverServices<'_> {
        DriverServices {
            store: self.store.as_ref(),
            connectors: self.connectors.as_ref(),
            clock: self.clock.as_ref(),
            evaluator: &self.evaluator,
            connector_config: &self.settings.connector_config,
            calendars: &self.settings.calendars,
            secrets: &self.secrets,
            recovering: &self.recovering,
        }
    }

    /// Lets a quarantined run be driven again: records who asked and drives
    /// it. The step that was in flight runs once more with the same key; if
    /// the process stops in it again, the run is quarantined again.
    pub async fn lift_quarantine(
        &self,
        run: &str,
        by: Option<String>,
    ) -> Result<RunStatus, EngineError> {
        {
            let guard = self.acquire(run).await?;
            let lifted = self.lift_quarantine_leased(run, by).await;
            guard.release().await;
            lifted?;
        }
        self.drive(run).await
    }

    async fn lift_quarantine_leased(
        &self,
        run: &str,
        by: Option<String>,
    ) -> Result<(), EngineError> {
        let mut record = self
            .store
            .run(run)
            .await?
            .ok_or_else(|| EngineError::NoSuchRun(run.to_owned()))?;
        if record.status != RunStatus::Quarantined {
            return Err(EngineError::NotQuarantined {
                run: run.to_owned(),
                status: record.status,
            });
        }
        let now = self.clock.now();
        record.status = RunStatus::Running;
        record.error = None;
        record.updated_at = now;
        tracing::warn!(
            run,
            by = by.as_deref().unwrap_or("-"),
            "quarantine lifted; the run is tried again"
        );
        self.store
            .append(&mut record, &[RunEvent::QuarantineLifted { by, at: now }])
            .await?;
        Ok(())
    }

    /// The store this engine writes to.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The engine's clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Creates a run of `workflow` (parsed from `source`, read from `path`) with
    /// `inputs` (checked and typed here), durably, without driving it.
    pub async fn start(
        &self,
        workflow: &Workflow,
        source: &str,
        path: &str,
        inputs: &BTreeMap<String, Value>,
    ) -> Result<RunId, EngineError> {
        let now = self.clock.now();
        let id =
            ulid::Ulid::from_parts(now.timestamp_millis().max(0) as u64, rand_bits()).to_string();
        self.start_as(workflow, source, path, inputs, id).await
    }

    /// Like [`Engine::start`], with the run's id chosen by the caller: a
    /// schedule fire names its run after the trigger and the instant, so a
    /// fire started twice (by two daemons, or again after a crash) is
    /// refused by the store with [`StoreError::RunExists`](crate::StoreError::RunExists).
    pub async fn start_as(
        &self,
        workflow: &Workflow,
        source: &str,
        path: &str,
        inputs: &BTreeMap<String, Value>,
        id: RunId,
    ) -> Result<RunId, EngineError> {
        let resolved = resolve_inputs(workflow, inputs)?;
        let now = self.clock.now();
        let mut record = RunRecord {
            id: id.clone(),
            workflow: workflow.name.clone(),
            source: source.to_owned(),
            source_path: path.to_owned(),
            inputs: redact_inputs(workflow, &resolved),
            parent: None,
            status: RunStatus::Running,
            created_at: now,
            updated_at: now,
            next_seq: 0,
            wake_at: None,
            error: None,
            scope: Value::Null,
        };
        if workflow.inputs.iter().any(|d| d.secret) {
            self.lock_secrets().insert(id.clone(), resolved);
        }
        self.store
            .create_run(&mut record, &[RunEvent::RunCreated { at: now }])
            .await?;
        tracing::info!(run = %id, workflow = %workflow.name, "run created");
        Ok(id)
    }

    /// Drives a run (and any child or parent runs it touches) until it is
    /// waiting or finished, and returns its status.
    pub async fn drive(&self, run: &str) -> Result<RunStatus, EngineError> {
        // Runs touched by a drive (children created by a for_each, a parent
        // whose child finished) are driven in waves, each wave concurrently,
        // so a fan-out's children progress side by side.
        let mut wave: Vec<RunId> = vec![run.to_owned()];
        while !wave.is_empty() {
            let results =
                futures_util::future::join_all(wave.iter().map(|id| self.drive_one(id))).await;
            let mut next: Vec<RunId> = Vec::new();
            let mut seen: HashSet<RunId> = HashSet::new();
            for result in results {
                for other in result? {
                    if seen.insert(other.clone()) {
                        next.push(other);
                    }
                }
            }
            wave = next;
        }
        let record = self
            .store
            .run(run)
            .await?
            .ok_or_else(|| EngineError::NoSuchRun(run.to_owned()))?;
        Ok(record.status)
    }

    /// Drives every unfinished run once; returns each run's status afterwards.
    pub async fn resume_all(&self) -> Result<Vec<(RunId, RunStatus)>, EngineError> {
        let ids = self.store.unfinished_runs().await?;
        self.note_restart(&ids);
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let status = self.drive(&id).await?;
            out.push((id, status));
        }
        Ok(out)
    }

    /// Unfinished runs whose status is running: in a step now, or left in
    /// one by a process that stopped. On a store several daemons share, a
    /// daemon lists them again from time to time: a run whose daemon died
    /// is driven by nobody until someone looks, and driving it then takes
    /// its expired lease over (a run another daemon still drives is left
    /// to it).
    pub async fn running_runs(&self) -> Result<Vec<RunId>, EngineError> {
        let mut running = Vec::new();
        for id in self.store.unfinished_runs().await? {
            if let Some(record) = self.store.run(&id).await? {
                if record.status == RunStatus::Running {
                    running.push(id);
                }
            }
        }
        Ok(running)
    }

    /// Drives the waiting runs whose wake-up time has come.
    pub async fn wake_due(&self) -> Result<Vec<(RunId, RunStatus)>, EngineError> {
        let ids = self.store.due_runs(self.clock.now()).await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let status = self.drive(&id).await?;
            out.push((id, status));
        }
        Ok(out)
    }

    /// Delivers signal `name` with `data` to a run. A run that is not (yet)
    /// waiting for it keeps it for its first wait on that name; a finished run
    /// refuses it.
    pub async fn signal(
        &self,
        run: &str,
        name: &str,
        data: Value,
    ) -> Result<SignalOutcome, EngineError> {
        check_signal_name(name).map_err(|problem| EngineError::BadSignalName {
            run: run.to_owned(),
            problem,
        })?;
        let guard = self.acquire(run).await?;
        let recorded = self.record_signal(run, name, data).await;
        guard.release().await;
        let (status, waiting_for_it) = recorded?;
        tracing::info!(run, signal = name, waiting_for_it, "signal received");
        if waiting_for_it {
            Ok(SignalOutcome::Delivered(self.drive(run).await?))
        } else {
            Ok(SignalOutcome::Queued(status))
        }
    }

    /// Appends a received signal; returns the run's status and whether the
    /// run was waiting for it.
    async fn record_signal(
        &self,
        run: &str,
        name: &str,
        data: Value,
    ) -> Result<(RunStatus, bool), EngineError> {
        let mut record = self
            .store
            .run(run)
            .await?
            .ok_or_else(|| EngineError::NoSuchRun(run.to_owned()))?;
        if record.status.is_terminal() {
            return Err(EngineError::Finished {
                run: run.to_owned(),
                status: record.status,
            });
        }
        let workflow = self.workflow_of(&record).await?;
        let events = self.store.events(run).await?;
        refuse_gaps(&record, &events)?;
        let state = RunState::replay(&workflow, &events);
        let waiting_for_it = state
            .current
            .as_ref()
            .and_then(|c| c.waiting.as_ref())
            .and_then(|p| p.signal.as_deref())
            == Some(name);
        let now = self.clock.now();
        record.updated_at = now;
        self.store
            .append(
                &mut record,
                &[RunEvent::SignalReceived {
                    name: name.to_owned(),
                    data,
                    at: now,
                }],
            )
            .await?;
        Ok((record.status, waiting_for_it))
    }

    /// Answers an open task (`outcome` is `Completed` or `Rejected`) and
    /// delivers the answer to the waiting run; returns the run's status after.
    /// The fields are checked against the task's schema first: a wrong answer
    /// changes nothing.
    pub async fn answer_task(
        &self,
        id: &str,
        outcome: TaskStatus,
        fields: Value,
        note: Option<String>,
        by: Option<String>,
    ) -> Result<RunStatus, EngineError> {
        let run_of_task = self
            .store
            .task(id)
            .await?
            .ok_or_else(|| EngineError::NoSuchTask(id.to_owned()))?
            .run_id;
        // Two people answering the same task at once: the check that it is
        // still open and the write of the answer happen under the run's
        // guard (which also covers creating and cancelling its tasks), so the
        // second one finds it closed instead of overwriting the first answer.
        let guard = self.acquire(&run_of_task).await?;
        let recorded = self.record_answer(id, outcome, fields, note, by).await;
        // Delivering the answer takes the guard again.
        guard.release().await;
        let (task, data) = recorded?;
        match self.signal(&task.run_id, &signal_for(id), data).await? {
            SignalOutcome::Delivered(status) | SignalOutcome::Queued(status) => Ok(status),
        }
    }

    /// Checks and stores an answer to an open task; returns the task and the
    /// signal data that delivers the answer.
    async fn record_answer(
        &self,
        id: &str,
        outcome: TaskStatus,
        fields: Value,
        note: Option<String>,
        by: Option<String>,
    ) -> Result<(Task, Value), EngineError> {
        let mut task = self
            .store
            .task(id)
            .await?
            .ok_or_else(|| EngineError::NoSuchTask(id.to_owned()))?;
        if task.status != TaskStatus::Open {
            return Err(EngineError::TaskClosed {
                id: id.to_owned(),
                status: task.status,
            });
        }
        if outcome == TaskStatus::Completed {
            if let Some(schema) = &task.fields {
                if let Err(problems) = crate::schema::check_value(schema, &fields) {
                    let problems = problems
                        .into_iter()
                        .map(|(at, message)| {
                            if at.is_empty() {
                                message
                            } else {
                                format!("{at}: {message}")
                            }
                        })
                        .collect();
                    return Err(EngineError::TaskFields {
                        id: id.to_owned(),
                        problems,
                    });
                }
            }
        }
        let answer = TaskAnswer {
            outcome,
            fields,
            note,
            by,
            at: self.clock.now(),
        };
        let data = serde_json::to_value(&answer).unwrap_or(Value::Null);
        task.status = outcome;
        task.answer = Some(answer);
        self.store.put_task(&task).await?;
        Ok((task, data))
    }

    /// Cancels a run and its unfinished children.
    pub async fn cancel(&self, run: &str, reason: Option<String>) -> Result<(), EngineError> {
        let mut pending = vec![run.to_owned()];
        while let Some(id) = pending.pop() {
            let guard = self.acquire(&id).await?;
            let cancelled = self.cancel_one(&id, run, &reason).await;
            guard.release().await;
            pending.extend(cancelled?);
        }
        Ok(())
    }

    /// Cancels run `id` (part of cancelling `requested`); returns its
    /// children still to cancel. A finished child is left alone; a finished
    /// `requested` run is an error.
    async fn cancel_one(
        &self,
        id: &str,
        requested: &str,
        reason: &Option<String>,
    ) -> Result<Vec<RunId>, EngineError> {
        let mut record = self
            .store
            .run(id)
            .await?
            .ok_or_else(|| EngineError::NoSuchRun(id.to_owned()))?;
        if record.status.is_terminal() {
            if id == requested {
                return Err(EngineError::Finished {
                    run: id.to_owned(),
                    status: record.status,
                });
            }
            return Ok(Vec::new());
        }
        let workflow = self.workflow_of(&record).await?;
        let events = self.store.events(id).await?;
        let state = RunState::replay(&workflow, &events);
        let children = state
            .current
            .as_ref()
            .and_then(|c| c.waiting.as_ref())
            .map(|parked| parked.children.clone())
            .unwrap_or_default();
        let now = self.clock.now();
        record.status = RunStatus::Cancelled;
        record.updated_at = now;
        record.wake_at = None;
        record.error = reason.clone().or_else(|| Some("cancelled".into()));
        self.store
            .append(
                &mut record,
                &[RunEvent::RunCancelled {
                    reason: reason.clone(),
                    at: now,
                }],
            )
            .await?;
        self.close_open_tasks(id, TaskStatus::Cancelled).await?;
        tracing::info!(run = %id, "run cancelled");
        Ok(children)
    }

    async fn close_open_tasks(&self, run: &str, status: TaskStatus) -> Result<(), EngineError> {
        let filter = TaskFilter {
            statuses: vec![TaskStatus::Open],
            run_id: Some(run.to_owned()),
            ..Default::default()
        };
        let open = match self.store.list_tasks(&filter).await {
            Ok(list) => list,
            // A store without tasks has none to close.
            Err(_) => return Ok(()),
        };
        for mut task in open {
            task.status = status;
            self.store.put_task(&task).await?;
        }
        Ok(())
    }

    /// What must be redacted from run `run`: the configuration's secrets
    /// and the values of the run's secret inputs known to this process.
    fn redactor_for(&self, workflow: &Workflow, run: &str) -> SecretRedactor {
        match self.lock_secrets().get(run) {
            Some(inputs) => self
                .config_secrets
                .with(secret_redactor::secret_input_values(workflow, inputs)),
            None => self.config_secrets.clone(),
        }
    }

    fn lock_secrets(&self) -> std::sync::MutexGuard<'_, SecretInputs> {
        self.secrets.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Drives one run as far as it goes; returns other runs that now need driving.
    async fn drive_one(&self, run: &str) -> Result<Vec<RunId>, EngineError> {
        let Some(guard) = self.acquire_to_drive(run).await? else {
            return Ok(Vec::new());
        };
        let touched = self.with_heartbeat(run, self.drive_leased(run)).await;
        guard.release().await;
        touched
    }

    /// Drives one run whose lease this engine holds.
    async fn drive_leased(&self, run: &str) -> Result<Vec<RunId>, EngineError> {
        let mut record = self
            .store
            .run(run)
            .await?
            .ok_or_else(|| EngineError::NoSuchRun(run.to_owned()))?;
        if record.status.is_terminal() {
            return Ok(Vec::new());
        }
        if record.status == RunStatus::Quarantined {
            tracing::warn!(run, "run is quarantined, not resumed; `garita runs show {run}` says why, `garita resume {run} --force` tries again");
            return Ok(Vec::new());
        }
        let workflow = match self.workflow_of(&record).await {
            Ok(w) => w,
            Err(EngineError::Workflow { diagnostics, .. }) => {
                let mut batch = Batch::new(&mut record);
                batch.fail_run(
                    self.clock.now(),
                    format!("the workflow stored with this run no longer validates: {diagnostics}"),
                );
                let parent = batch.record.parent.as_ref().map(|p| p.run_id.clone());
                batch.commit(self.store.as_ref()).await?;
                return Ok(parent.into_iter().collect());
            }
            Err(other) => return Err(other),
        };
        let events = self.store.events(run).await?;
        refuse_gaps(&record, &events)?;
        let state = RunState::replay(&workflow, &events);
        let mut driver = RunDriver {
            services: self.services(),
            workflow: &workflow,
            state,
            batch: Batch::new(&mut record),
            touched: Vec::new(),
        };
        driver.batch.redactor = self.redactor_for(&workflow, run);
        driver.run().await?;
        let touched = std::mem::take(&mut driver.touched);
        let mut touched = touched;
        let finished = driver.batch.record.status.is_terminal();
        let parent = driver
            .batch
            .record
            .parent
            .as_ref()
            .map(|p| p.run_id.clone());
        driver.batch.commit(self.store.as_ref()).await?;
        if finished {
            self.lock_secrets().remove(run);
            touched.extend(parent);
        }
        Ok(touched)
    }
}

fn rand_bits() -> u128 {
    use std::collections::hash_map::RandomState;
    use std::hash::BuildHasher;
    let a = RandomState::new().hash_one(std::time::SystemTime::now());
    let b = RandomState::new().hash_one(std::process::id());
    ((a as u128) << 64 | b as u128) & ((1u128 << 80) - 1)
}

#[cfg(test)]
mod tests;

/// Refuses to replay a history with events missing (only retention removes
/// events, and only of finished runs, which are never replayed; a gap in
/// an unfinished run would rebuild a wrong state and repeat finished steps).
fn refuse_gaps(record: &RunRecord, events: &[StoredEvent]) -> Result<(), EngineError> {
    let removed = record.next_seq.saturating_sub(events.len() as u64);
    if removed > 0 {
        return Err(EngineError::Pruned {
            run: record.id.clone(),
            removed,
        });
    }
    Ok(())
}
