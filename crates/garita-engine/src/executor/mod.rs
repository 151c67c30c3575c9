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

mod commit_deferral;
mod context;
mod inputs;
mod signal_name;
mod state;
mod view;

pub use signal_name::{check_signal_name, MAX_SIGNAL_NAME_CHARS};

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use garita_sdk::{ActionError, IdempotencyKey, InvokeContext};
use serde_json::{json, Value};

pub use inputs::{redact_inputs, resolve_inputs, InputErrors};
pub use view::{run_view, RunView, StepView};

use crate::clock::Clock;
use crate::connectors::Connectors;
use crate::diagnostic::Diagnostics;
use crate::expr::Evaluator;
use crate::model::{ForEachSpec, OnTimeout, Step, StepKind, TaskSpec, WaitFor, WaitSpec, Workflow};
use crate::run::{ParentRef, RunEvent, RunId, RunRecord, RunStatus};
use crate::secret_redactor::{self, SecretRedactor};
use crate::store::{Store, StoreError};
use crate::task::{signal_for, Task, TaskAnswer, TaskFilter, TaskStatus};
use commit_deferral::{is_slow_step, OldestUncommitted, MAX_UNCOMMITTED_EVENTS};
use state::{CurrentStep, Parked, RunState};

/// Most items a `for_each` may fan out to.
const MAX_FAN_OUT: usize = 10_000;

/// The action a `uses` step calls.
struct ActionCall<'s> {
    connector: &'s str,
    action: &'s str,
    with: &'s Value,
    side_effects: bool,
}

/// Why the engine could not do what was asked. A step failing is not an
/// `EngineError`: it is recorded in the run, which ends `failed`.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The store failed; the run is unchanged past its last durable event.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The inputs do not fit the workflow.
    #[error("{0}")]
    Inputs(#[from] InputErrors),
    /// The workflow stored with a run no longer validates (a connector was removed).
    #[error("the workflow of run {run} no longer validates:\n{diagnostics}")]
    Workflow {
        /// The run.
        run: RunId,
        /// What is wrong.
        diagnostics: Diagnostics,
    },
    /// The operation needs a run that is still going.
    #[error("run {run} is already {status}; nothing to do")]
    Finished {
        /// The run.
        run: RunId,
        /// Its final status.
        status: RunStatus,
    },
    /// `resume RUN --force` of a run that is not quarantined.
    #[error("run {run} is {status}, not quarantined; `--force` is only for a quarantined run (`garita resume` drives the others)")]
    NotQuarantined {
        /// The run.
        run: RunId,
        /// Its status.
        status: RunStatus,
    },
    /// The signal name breaks the rule of [`check_signal_name`]; nothing was recorded.
    #[error("signal not delivered to run {run}: {problem}")]
    BadSignalName {
        /// The run.
        run: RunId,
        /// What is wrong with the name.
        problem: String,
    },
    /// No such run.
    #[error("no run with id `{0}`; `garita runs list` shows the runs in this store")]
    NoSuchRun(RunId),
    /// No such task.
    #[error("no task with id `{0}`; `garita tasks list` shows the open tasks")]
    NoSuchTask(String),
    /// The task was already answered or closed.
    #[error("task `{id}` is already {status}; only open tasks can be answered")]
    TaskClosed {
        /// The task.
        id: String,
        /// Its status.
        status: TaskStatus,
    },
    /// The answer's fields do not fit the task's schema; nothing was recorded.
    #[error("the answer to task `{id}` does not fit its fields; nothing was recorded:\n{}", .problems.join("\n"))]
    TaskFields {
        /// The task.
        id: String,
        /// Each problem.
        problems: Vec<String>,
    },
}

/// Settings of the engine that come from configuration.
#[derive(Debug, Clone, Default)]
pub struct EngineSettings {
    /// Each connector's configuration section, handed to it in [`InvokeContext::config`].
    pub connector_config: BTreeMap<String, Value>,
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
        }
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

    fn take_recovering(&self, run: &str) -> bool {
        self.recovering
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(run)
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
            let _guard = self.acquire(run).await;
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
        }
        self.drive(run).await
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
        let resolved = resolve_inputs(workflow, inputs)?;
        let now = self.clock.now();
        let id =
            ulid::Ulid::from_parts(now.timestamp_millis().max(0) as u64, rand_bits()).to_string();
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
        let _guard = self.acquire(run).await;
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
        drop(_guard);
        tracing::info!(run, signal = name, waiting_for_it, "signal received");
        if waiting_for_it {
            Ok(SignalOutcome::Delivered(self.drive(run).await?))
        } else {
            Ok(SignalOutcome::Queued(record.status))
        }
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
        let guard = self.acquire(&run_of_task).await;
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
        // Delivering the answer takes the guard again.
        drop(guard);
        match self.signal(&task.run_id, &signal_for(id), data).await? {
            SignalOutcome::Delivered(status) | SignalOutcome::Queued(status) => Ok(status),
        }
    }

    /// Cancels a run and its unfinished children.
    pub async fn cancel(&self, run: &str, reason: Option<String>) -> Result<(), EngineError> {
        let mut pending = vec![run.to_owned()];
        while let Some(id) = pending.pop() {
            let _guard = self.acquire(&id).await;
            let mut record = self
                .store
                .run(&id)
                .await?
                .ok_or_else(|| EngineError::NoSuchRun(id.clone()))?;
            if record.status.is_terminal() {
                if id == run {
                    return Err(EngineError::Finished {
                        run: id,
                        status: record.status,
                    });
                }
                continue;
            }
            let workflow = self.workflow_of(&record).await?;
            let events = self.store.events(&id).await?;
            let state = RunState::replay(&workflow, &events);
            if let Some(parked) = state.current.as_ref().and_then(|c| c.waiting.as_ref()) {
                pending.extend(parked.children.iter().cloned());
            }
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
            self.close_open_tasks(&id, TaskStatus::Cancelled).await?;
            tracing::info!(run = %id, "run cancelled");
        }
        Ok(())
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

    /// The workflow a run follows (its stored source, parsed).
    pub async fn workflow_of(&self, record: &RunRecord) -> Result<Arc<Workflow>, EngineError> {
        let top = self.parse_cached(&record.id, &record.source, &record.source_path)?;
        let Some(parent) = &record.parent else {
            return Ok(top);
        };
        // A child follows the nested steps of its ancestors' for_each steps.
        let mut chain = vec![parent.clone()];
        let mut cursor = self.store.run(&parent.run_id).await?;
        while let Some(rec) = cursor {
            match &rec.parent {
                Some(p) => {
                    chain.push(p.clone());
                    cursor = self.store.run(&p.run_id).await?;
                }
                None => break,
            }
        }
        let mut workflow = (*top).clone();
        for link in chain.iter().rev() {
            let nested = workflow
                .steps
                .iter()
                .find(|s| s.id == link.step_id)
                .and_then(|s| match &s.kind {
                    StepKind::ForEach(spec) => Some(spec.steps.clone()),
                    _ => None,
                });
            let Some(steps) = nested else {
                return Err(EngineError::Workflow {
                    run: record.id.clone(),
                    diagnostics: Diagnostics(vec![crate::Diagnostic::new(
                        &record.source_path,
                        crate::Span { line: 1, col: 1 },
                        format!(
                            "the for_each step `{}` of the parent run no longer exists",
                            link.step_id
                        ),
                    )]),
                });
            };
            workflow.steps = steps;
            workflow.outputs = BTreeMap::new();
        }
        Ok(Arc::new(workflow))
    }

    fn parse_cached(
        &self,
        run: &str,
        source: &str,
        path: &str,
    ) -> Result<Arc<Workflow>, EngineError> {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        source.hash(&mut hasher);
        path.hash(&mut hasher);
        let key = hasher.finish();
        if let Some(found) = self
            .parsed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
        {
            return Ok(found.clone());
        }
        let workflow =
            (self.loader)(path, source).map_err(|diagnostics| EngineError::Workflow {
                run: run.to_owned(),
                diagnostics,
            })?;
        let workflow = Arc::new(workflow);
        self.parsed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, workflow.clone());
        Ok(workflow)
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

    fn lock_secrets(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<RunId, serde_json::Map<String, Value>>> {
        self.secrets.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn acquire(&self, run: &str) -> ActiveGuard<'_> {
        loop {
            {
                let mut active = self.active.lock().unwrap_or_else(|p| p.into_inner());
                if active.insert(run.to_owned()) {
                    return ActiveGuard {
                        engine: self,
                        run: run.to_owned(),
                    };
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
    }

    /// Drives one run as far as it goes; returns other runs that now need driving.
    async fn drive_one(&self, run: &str) -> Result<Vec<RunId>, EngineError> {
        let _guard = self.acquire(run).await;
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
        let state = RunState::replay(&workflow, &events);
        let mut driver = RunDriver {
            engine: self,
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

struct ActiveGuard<'a> {
    engine: &'a Engine,
    run: RunId,
}

impl Drop for ActiveGuard<'_> {
    fn drop(&mut self) {
        self.engine
            .active
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.run);
    }
}

fn rand_bits() -> u128 {
    use std::collections::hash_map::RandomState;
    use std::hash::BuildHasher;
    let a = RandomState::new().hash_one(std::time::SystemTime::now());
    let b = RandomState::new().hash_one(std::process::id());
    ((a as u128) << 64 | b as u128) & ((1u128 << 80) - 1)
}

/// Events recorded but not yet durable, with the run's summary.
struct Batch<'r> {
    record: &'r mut RunRecord,
    pending: Vec<RunEvent>,
    /// How long `pending` has waited, to bound the deferral of commits.
    oldest_pending: OldestUncommitted,
    /// Status and wake-up time as last stored, to notice a summary change
    /// that comes without new events (a parent parking after creating children).
    stored: (RunStatus, Option<DateTime<Utc>>),
    /// Secret values kept out of events, errors and logs.
    redactor: SecretRedactor,
}

impl<'r> Batch<'r> {
    fn new(record: &'r mut RunRecord) -> Self {
        let stored = (record.status, record.wake_at);
        Self {
            record,
            pending: Vec::new(),
            oldest_pending: OldestUncommitted::default(),
            stored,
            redactor: SecretRedactor::default(),
        }
    }

    fn push(&mut self, event: RunEvent) {
        self.record.updated_at = event.at();
        self.pending.push(event);
        self.oldest_pending.recorded();
    }

    /// True when what waits for a commit should not wait any longer: too
    /// many events, or the oldest has waited too long.
    fn commit_due(&self) -> bool {
        self.pending.len() >= MAX_UNCOMMITTED_EVENTS || self.oldest_pending.overdue()
    }

    fn fail_run(&mut self, at: DateTime<Utc>, error: String) {
        let error = self.redactor.redact_text(&error);
        tracing::warn!(run = %self.record.id, %error, "run failed");
        self.record.status = RunStatus::Failed;
        self.record.wake_at = None;
        self.record.error = Some(error.clone());
        self.push(RunEvent::RunFailed { error, at });
    }

    /// Makes everything recorded so far durable. Called before every side
    /// effect and before the driver returns.
    async fn commit(&mut self, store: &dyn Store) -> Result<(), StoreError> {
        let summary_changed = self.stored != (self.record.status, self.record.wake_at);
        if self.pending.is_empty() && !summary_changed {
            return Ok(());
        }
        let events = std::mem::take(&mut self.pending);
        self.oldest_pending.committed();
        store.append(self.record, &events).await?;
        self.stored = (self.record.status, self.record.wake_at);
        Ok(())
    }
}

/// What happened when a step was worked on.
enum StepProgress {
    /// Move on to the next step (state already updated).
    Next,
    /// The run is parked or finished; stop driving.
    Stop,
}

struct RunDriver<'e, 'r> {
    engine: &'e Engine,
    workflow: &'e Workflow,
    state: RunState,
    batch: Batch<'r>,
    touched: Vec<RunId>,
}

impl RunDriver<'_, '_> {
    fn now(&self) -> DateTime<Utc> {
        self.engine.clock.now()
    }

    fn record(&mut self, event: RunEvent) {
        // Before the state sees it, so a resumed run reads what this one read.
        let event = self.batch.redactor.redact_event(event);
        self.state.apply(self.workflow, &event);
        self.batch.push(event);
    }

    async fn commit(&mut self) -> Result<(), EngineError> {
        self.batch
            .commit(self.engine.store.as_ref())
            .await
            .map_err(EngineError::from)
    }

    async fn run(&mut self) -> Result<(), EngineError> {
        self.batch.record.status = RunStatus::Running;
        self.batch.record.wake_at = None;
        loop {
            if self.state.finished {
                return Ok(());
            }
            let Some(step) = self.workflow.steps.get(self.state.cursor) else {
                self.finish_run();
                return Ok(());
            };
            let secrets_here = || {
                self.engine
                    .lock_secrets()
                    .contains_key(&self.batch.record.id)
            };
            if let Some(problem) =
                crate::secret_inputs::unavailable(self.workflow, step, secrets_here)
            {
                self.fail(step, problem);
                return Ok(());
            }
            match self.work_on(step).await? {
                StepProgress::Next => continue,
                StepProgress::Stop => return Ok(()),
            }
        }
    }

    fn finish_run(&mut self) {
        let now = self.now();
        let ctx = self.context(None);
        let mut outputs = serde_json::Map::new();
        for (name, template) in &self.workflow.outputs {
            match self.engine.evaluator.resolve(template, &ctx) {
                Ok(v) => {
                    outputs.insert(name.clone(), v);
                }
                Err(e) => {
                    self.batch
                        .fail_run(now, format!("run output `{name}`: {e}"));
                    self.state.finished = true;
                    return;
                }
            }
        }
        self.batch.record.status = RunStatus::Succeeded;
        self.batch.record.wake_at = None;
        self.record(RunEvent::RunSucceeded {
            outputs: Value::Object(outputs),
            at: now,
        });
        tracing::info!(run = %self.batch.record.id, "run succeeded");
    }

    fn fail(&mut self, step: &Step, error: String) {
        let now = self.now();
        let message = format!("step `{}` (line {}): {error}", step.id, step.span.line);
        self.batch.fail_run(now, message);
        self.state.finished = true;
    }

    /// Sets the run aside: the process stopped twice during this attempt.
    fn quarantine(&mut self, step: &Step, current: &CurrentStep) {
        let now = self.now();
        let when = |at: Option<DateTime<Utc>>| {
            at.map_or_else(|| "an unknown time".to_owned(), |at| at.to_rfc3339())
        };
        let reason = format!(
            "the process stopped twice in a row while step `{}` (line {}, attempt {}) was in flight: started at {}, resumed at {}, and it never finished. It is not run a third time on its own: look in the daemon's log around those times for what ended the process, then `garita resume {} --force` to try again, or `garita cancel {}`",
            step.id,
            step.span.line,
            current.attempt,
            when(current.started_at),
            when(current.resumed_at),
            self.batch.record.id,
            self.batch.record.id,
        );
        tracing::error!(run = %self.batch.record.id, step = %step.id, attempt = current.attempt, "run quarantined: the process stopped twice while this step was in flight");
        self.batch.record.status = RunStatus::Quarantined;
        self.batch.record.wake_at = None;
        self.batch.record.error = Some(reason.clone());
        self.record(RunEvent::RunQuarantined {
            step: step.id.clone(),
            attempt: current.attempt,
            reason,
            at: now,
        });
    }

    fn park(&mut self, until: Option<DateTime<Utc>>) {
        self.batch.record.status = RunStatus::Waiting;
        self.batch.record.wake_at = until;
    }

    async fn work_on(&mut self, step: &Step) -> Result<StepProgress, EngineError> {
        let current = self
            .state
            .current
            .clone()
            .filter(|c| c.index == self.state.cursor);
        if current.is_none() {
            if let Some(condition) = &step.condition {
                let ctx = self.context(None);
                match self.engine.evaluator.eval_bool(condition, &ctx) {
                    Ok(true) => {}
                    Ok(false) => {
                        let now = self.now();
                        self.record(RunEvent::StepSkipped {
                            step: step.id.clone(),
                            at: now,
                        });
                        return Ok(StepProgress::Next);
                    }
                    Err(e) => {
                        self.fail(step, format!("`if:` {e}"));
                        return Ok(StepProgress::Stop);
                    }
                }
            }
        }
        match &step.kind {
            StepKind::Uses {
                connector,
                action,
                with,
                side_effects,
            } => {
                let call = ActionCall {
                    connector,
                    action,
                    with,
                    side_effects: *side_effects,
                };
                self.uses(step, current, call).await
            }
            StepKind::Wait(spec) => self.wait(step, current, spec),
            StepKind::Task(spec) => self.task(step, current, spec).await,
            StepKind::ForEach(spec) => self.for_each(step, current, spec).await,
        }
    }

    async fn uses(
        &mut self,
        step: &Step,
        current: Option<CurrentStep>,
        call: ActionCall<'_>,
    ) -> Result<StepProgress, EngineError> {
        let ActionCall {
            connector,
            action,
            with,
            side_effects,
        } = call;
        let now = self.now();
        let resuming = current.as_ref().is_some_and(|c| c.in_flight);
        let attempt = match &current {
            // In flight when the process stopped, and already resumed once
            // since: the call itself is what stops the process. Set aside.
            Some(c) if c.in_flight && c.resumes > 0 => {
                self.quarantine(step, c);
                return Ok(StepProgress::Stop);
            }
            // In flight when the process stopped: same attempt, same key.
            Some(c) if c.in_flight => {
                tracing::warn!(run = %self.batch.record.id, step = %step.id, attempt = c.attempt, "resuming a step that was in flight when the process stopped");
                c.attempt
            }
            Some(c) => {
                if let Some(at) = c.retry_at {
                    if at > now {
                        self.park(Some(at));
                        return Ok(StepProgress::Stop);
                    }
                }
                c.attempt + 1
            }
            None => 1,
        };
        let ctx = self.context(None);
        let input = match self.engine.evaluator.resolve(with, &ctx) {
            Ok(v) => drop_nulls(v),
            Err(e) => {
                self.fail(step, format!("`with:` {e}"));
                return Ok(StepProgress::Stop);
            }
        };
        if resuming {
            self.record(RunEvent::StepResumed {
                step: step.id.clone(),
                attempt,
                at: now,
            });
        } else {
            self.record(RunEvent::StepStarted {
                step: step.id.clone(),
                attempt,
                at: now,
            });
        }
        let recovering = self.engine.take_recovering(&self.batch.record.id);
        // The side effect may happen next: everything before it must be
        // durable. A side-effect-free call may simply run again after a
        // crash, so its start waits for the next commit (one per run of such
        // steps instead of one per step), unless the batch has grown long or
        // old (commit_deferral.rs): then the steps that finished before this
        // one are made durable first.
        if side_effects || resuming || recovering || self.batch.commit_due() {
            self.commit().await?;
        }
        let deadline = step
            .timeout
            .and_then(|t| chrono::Duration::from_std(t).ok())
            .map(|t| now + t);
        let invoke_ctx = InvokeContext {
            idempotency_key: IdempotencyKey {
                run_id: self.batch.record.id.clone(),
                step_id: step.id.clone(),
                attempt,
            },
            locale: self.workflow.locale.clone(),
            time_zone: self.workflow.time_zone.clone(),
            now,
            deadline,
            config: self
                .engine
                .settings
                .connector_config
                .get(connector)
                .cloned()
                .unwrap_or(Value::Null),
        };
        tracing::debug!(run = %self.batch.record.id, step = %step.id, attempt, "calling {connector}.{action}");
        let call_started = std::time::Instant::now();
        let call = self
            .engine
            .connectors
            .invoke(connector, action, invoke_ctx, input);
        let result = match step.timeout {
            Some(limit) => match tokio::time::timeout(limit, call).await {
                Ok(r) => r,
                Err(_) => Err(ActionError::retryable(format!(
                    "{connector}.{action} did not answer within {}",
                    humantime::format_duration(limit)
                ))),
            },
            None => call.await,
        };
        let slow = is_slow_step(call_started.elapsed());
        let now = self.now();
        match result {
            Ok(raw) => {
                let output = match self.step_outputs(step, raw) {
                    Ok(o) => o,
                    Err(e) => {
                        self.record(RunEvent::StepFailed {
                            step: step.id.clone(),
                            attempt,
                            error: e.clone(),
                            retry_at: None,
                            at: now,
                        });
                        self.fail(step, format!("`outputs:` {e}"));
                        return Ok(StepProgress::Stop);
                    }
                };
                self.record(RunEvent::StepSucceeded {
                    step: step.id.clone(),
                    attempt,
                    output,
                    at: now,
                });
                // A slow step is not run again for a crash during the next
                // one. (A failed attempt stops the drive, which commits.) A
                // resumed step's outcome is made durable at once: only a stop
                // during the call itself may then count as its second stop
                // (quarantine), not one during the steps after it.
                if slow || resuming {
                    self.commit().await?;
                }
                Ok(StepProgress::Next)
            }
            Err(error) => {
                let message = self
                    .batch
                    .redactor
                    .redact_text(&format!("{connector}.{action}: {error}"));
                let retry_at = if error.is_retryable() && attempt < step.retry.attempts {
                    let mut delay = step.retry.backoff_after(attempt);
                    if let ActionError::Retryable {
                        retry_after_ms: Some(ms),
                        ..
                    } = &error
                    {
                        delay = delay.max(std::time::Duration::from_millis(*ms));
                    }
                    chrono::Duration::from_std(delay).ok().map(|d| now + d)
                } else {
                    None
                };
                tracing::warn!(run = %self.batch.record.id, step = %step.id, attempt, %message, "step attempt failed");
                self.record(RunEvent::StepFailed {
                    step: step.id.clone(),
                    attempt,
                    error: message.clone(),
                    retry_at,
                    at: now,
                });
                match retry_at {
                    Some(at) => {
                        self.park(Some(at));
                        Ok(StepProgress::Stop)
                    }
                    None => {
                        let tries = if attempt > 1 {
                            format!(" after {attempt} attempts")
                        } else {
                            String::new()
                        };
                        self.fail(step, format!("{message}{tries}"));
                        Ok(StepProgress::Stop)
                    }
                }
            }
        }
    }

    fn wait(
        &mut self,
        step: &Step,
        current: Option<CurrentStep>,
        spec: &WaitSpec,
    ) -> Result<StepProgress, EngineError> {
        let now = self.now();
        let parked = current.as_ref().and_then(|c| c.waiting.clone());
        let parked = match parked {
            Some(p) => p,
            None => {
                let ctx = self.context(None);
                let timeout_at = spec
                    .timeout
                    .and_then(|t| chrono::Duration::from_std(t).ok())
                    .map(|t| now + t);
                let (until, signal) = match &spec.wait_for {
                    WaitFor::Duration { duration } => {
                        let d =
                            chrono::Duration::from_std(*duration).unwrap_or(chrono::Duration::MAX);
                        (now.checked_add_signed(d), None)
                    }
                    WaitFor::Until { at } => match self
                        .engine
                        .evaluator
                        .render(at, &ctx)
                        .map_err(|e| e.to_string())
                        .and_then(|text| parse_instant(text.trim(), &self.workflow.time_zone))
                    {
                        Ok(instant) => (Some(instant), None),
                        Err(e) => {
                            self.fail(step, format!("`wait.until`: {e}"));
                            return Ok(StepProgress::Stop);
                        }
                    },
                    WaitFor::Signal { name } => (timeout_at, Some(name.clone())),
                };
                let until = match (&spec.wait_for, until, timeout_at) {
                    (WaitFor::Signal { .. }, u, _) => u,
                    (_, Some(u), Some(t)) => Some(u.min(t)),
                    (_, u, t) => u.or(t),
                };
                let parked = Parked {
                    until,
                    signal: signal.clone(),
                    ..Default::default()
                };
                self.record(RunEvent::StepStarted {
                    step: step.id.clone(),
                    attempt: 1,
                    at: now,
                });
                self.record(RunEvent::StepWaiting {
                    step: step.id.clone(),
                    until,
                    signal,
                    task: None,
                    children: Vec::new(),
                    items: Vec::new(),
                    at: now,
                });
                parked
            }
        };
        if let Some(name) = &parked.signal {
            if let Some(data) = self.state.inbox.get(name).and_then(|q| q.front()).cloned() {
                let raw = json!({"signal": name, "data": data, "timed_out": false});
                let output = match self.step_outputs_with(step, raw, Some(("signal", data))) {
                    Ok(o) => o,
                    Err(e) => {
                        self.fail(step, format!("`outputs:` {e}"));
                        return Ok(StepProgress::Stop);
                    }
                };
                self.record(RunEvent::StepSucceeded {
                    step: step.id.clone(),
                    attempt: 1,
                    output,
                    at: now,
                });
                return Ok(StepProgress::Next);
            }
            match parked.until {
                Some(deadline) if deadline <= now => {
                    return Ok(self.timed_out(step, &spec.on_timeout))
                }
                other => {
                    self.park(other);
                    return Ok(StepProgress::Stop);
                }
            }
        }
        match parked.until {
            Some(deadline) if deadline <= now => {
                // A timer wait that reached its own end succeeded; one cut
                // short by its timeout follows on_timeout.
                let natural_end = match &spec.wait_for {
                    WaitFor::Duration { duration } => spec.timeout.is_none_or(|t| t >= *duration),
                    WaitFor::Until { .. } => spec.timeout.is_none(),
                    WaitFor::Signal { .. } => false,
                };
                if natural_end {
                    self.record(RunEvent::StepSucceeded {
                        step: step.id.clone(),
                        attempt: 1,
                        output: json!({"waited_until": deadline.to_rfc3339(), "timed_out": false}),
                        at: now,
                    });
                    Ok(StepProgress::Next)
                } else {
                    Ok(self.timed_out(step, &spec.on_timeout))
                }
            }
            other => {
                self.park(other);
                Ok(StepProgress::Stop)
            }
        }
    }

    async fn task(
        &mut self,
        step: &Step,
        current: Option<CurrentStep>,
        spec: &TaskSpec,
    ) -> Result<StepProgress, EngineError> {
        let now = self.now();
        let parked = match current.as_ref().and_then(|c| c.waiting.clone()) {
            Some(p) => p,
            None => {
                let in_flight = current.as_ref().is_some_and(|c| c.in_flight);
                let attempt = current.as_ref().map_or(1, |c| {
                    if c.in_flight {
                        c.attempt
                    } else {
                        c.attempt + 1
                    }
                });
                let ctx = self.context(None);
                let render = |t: &str| self.engine.evaluator.render(t, &ctx);
                let rendered = (|| {
                    let title = render(&spec.title)?;
                    let body = spec
                        .body
                        .as_deref()
                        .map(render)
                        .transpose()?
                        .unwrap_or_default();
                    let assignee = spec.assignee.as_deref().map(render).transpose()?;
                    Ok::<_, crate::expr::ExprError>((title, body, assignee))
                })();
                let (title, body, assignee) = match rendered {
                    Ok(r) => r,
                    Err(e) => {
                        self.fail(step, format!("`task:` {e}"));
                        return Ok(StepProgress::Stop);
                    }
                };
                let due = spec
                    .due
                    .and_then(|d| chrono::Duration::from_std(d).ok())
                    .and_then(|d| now.checked_add_signed(d));
                let id = format!("{}.{}.{attempt}", self.batch.record.id, step.id);
                if !in_flight {
                    self.record(RunEvent::StepStarted {
                        step: step.id.clone(),
                        attempt,
                        at: now,
                    });
                }
                // Creating the task is a side effect: the start must be durable first.
                self.commit().await?;
                let task = Task {
                    id: id.clone(),
                    run_id: self.batch.record.id.clone(),
                    step_id: step.id.clone(),
                    workflow: self.workflow.name.clone(),
                    title: title.trim().to_owned(),
                    body,
                    assignee: assignee
                        .map(|a| a.trim().to_owned())
                        .filter(|a| !a.is_empty()),
                    due,
                    fields: spec.fields.clone(),
                    status: TaskStatus::Open,
                    created_at: now,
                    answer: None,
                };
                // Run again after a crash, the step keeps the task it already
                // created: it may have been answered since.
                let created = in_flight && self.engine.store.task(&id).await?.is_some();
                if !created {
                    self.engine.store.put_task(&task).await?;
                }
                tracing::info!(run = %self.batch.record.id, step = %step.id, task = %id, "task created");
                let signal = signal_for(&id);
                self.record(RunEvent::StepWaiting {
                    step: step.id.clone(),
                    until: due,
                    signal: Some(signal.clone()),
                    task: Some(id.clone()),
                    children: Vec::new(),
                    items: Vec::new(),
                    at: now,
                });
                Parked {
                    until: due,
                    signal: Some(signal),
                    task: Some(id),
                    ..Default::default()
                }
            }
        };
        let signal = parked.signal.clone().unwrap_or_default();
        let inboxed = self
            .state
            .inbox
            .get(&signal)
            .and_then(|q| q.front())
            .cloned();
        let answer = match inboxed {
            Some(answer) => Some(answer),
            None => self.recorded_answer(parked.task.as_deref()).await?,
        };
        if let Some(answer) = answer {
            let output = match self.step_outputs_with(step, answer.clone(), Some(("task", answer)))
            {
                Ok(o) => o,
                Err(e) => {
                    self.fail(step, format!("`outputs:` {e}"));
                    return Ok(StepProgress::Stop);
                }
            };
            self.record(RunEvent::StepSucceeded {
                step: step.id.clone(),
                attempt: current.map_or(1, |c| c.attempt),
                output,
                at: now,
            });
            return Ok(StepProgress::Next);
        }
        match parked.until {
            Some(due) if due <= now => {
                if let Some(id) = &parked.task {
                    if let Some(mut task) = self.engine.store.task(id).await? {
                        if task.status == TaskStatus::Open {
                            task.status = TaskStatus::Expired;
                            self.engine.store.put_task(&task).await?;
                        }
                    }
                }
                Ok(self.timed_out(step, &spec.on_timeout))
            }
            other => {
                self.park(other);
                Ok(StepProgress::Stop)
            }
        }
    }

    /// The answer recorded on task `id` whose signal never reached the run:
    /// `answer_task` writes the task, then the signal, and a crash in between
    /// leaves the answer only on the task.
    async fn recorded_answer(&self, id: Option<&str>) -> Result<Option<Value>, EngineError> {
        let Some(id) = id else {
            return Ok(None);
        };
        let Some(task) = self.engine.store.task(id).await? else {
            return Ok(None);
        };
        Ok(match (task.status, task.answer) {
            (TaskStatus::Completed | TaskStatus::Rejected, Some(answer)) => {
                serde_json::to_value(answer).ok()
            }
            _ => None,
        })
    }

    fn timed_out(&mut self, step: &Step, on_timeout: &OnTimeout) -> StepProgress {
        let now = self.now();
        tracing::info!(run = %self.batch.record.id, step = %step.id, "wait timed out");
        match on_timeout {
            OnTimeout::Fail => {
                self.record(RunEvent::StepTimedOut {
                    step: step.id.clone(),
                    goto: None,
                    at: now,
                });
                self.fail(step, "timed out".to_owned());
                StepProgress::Stop
            }
            OnTimeout::Continue => {
                self.record(RunEvent::StepSucceeded {
                    step: step.id.clone(),
                    attempt: 1,
                    output: json!({"timed_out": true}),
                    at: now,
                });
                StepProgress::Next
            }
            OnTimeout::Goto(target) => {
                self.record(RunEvent::StepTimedOut {
                    step: step.id.clone(),
                    goto: Some(target.clone()),
                    at: now,
                });
                StepProgress::Next
            }
        }
    }

    async fn for_each(
        &mut self,
        step: &Step,
        current: Option<CurrentStep>,
        spec: &ForEachSpec,
    ) -> Result<StepProgress, EngineError> {
        let now = self.now();
        let parked = match current.and_then(|c| c.waiting) {
            Some(p) => p,
            None => {
                let ctx = self.context(None);
                let items = match self.engine.evaluator.eval(&spec.items, &ctx) {
                    Ok(Value::Array(items)) => items,
                    Ok(other) => {
                        self.fail(
                            step,
                            format!("`for_each` must give a list, got {}", kind_of(&other)),
                        );
                        return Ok(StepProgress::Stop);
                    }
                    Err(e) => {
                        self.fail(step, format!("`for_each`: {e}"));
                        return Ok(StepProgress::Stop);
                    }
                };
                if items.len() > MAX_FAN_OUT {
                    self.fail(
                        step,
                        format!(
                            "`for_each` gave {} items; the limit is {MAX_FAN_OUT}",
                            items.len()
                        ),
                    );
                    return Ok(StepProgress::Stop);
                }
                let children: Vec<RunId> = (0..items.len())
                    .map(|i| format!("{}.{}.{i}", self.batch.record.id, step.id))
                    .collect();
                self.record(RunEvent::StepStarted {
                    step: step.id.clone(),
                    attempt: 1,
                    at: now,
                });
                self.record(RunEvent::StepWaiting {
                    step: step.id.clone(),
                    until: None,
                    signal: None,
                    task: None,
                    children: children.clone(),
                    items: items.clone(),
                    at: now,
                });
                Parked {
                    children,
                    items,
                    ..Default::default()
                }
            }
        };
        let existing = self
            .engine
            .store
            .children(&self.batch.record.id, &step.id)
            .await?;
        let unfinished = existing.iter().filter(|r| !r.status.is_terminal()).count();
        let mut room = (spec.concurrency as usize).saturating_sub(unfinished);
        let mut to_create = Vec::new();
        for (index, id) in parked.children.iter().enumerate() {
            if room == 0 {
                break;
            }
            if existing.iter().any(|r| &r.id == id) {
                continue;
            }
            to_create.push((index, id.clone()));
            room -= 1;
        }
        if !to_create.is_empty() {
            // Children are created after the parent's decision is durable, so
            // a crash in between re-creates exactly the same (deterministic) ids.
            self.commit().await?;
            let parent_steps = self.steps_context();
            for (index, id) in to_create {
                let item = parked.items.get(index).cloned().unwrap_or(Value::Null);
                let mut scope = serde_json::Map::new();
                scope.insert(spec.item_var.clone(), item);
                scope.insert("index".into(), json!(index));
                scope.insert(
                    "parent".into(),
                    json!({"run": self.batch.record.id, "steps": parent_steps}),
                );
                let mut child = RunRecord {
                    id: id.clone(),
                    workflow: format!("{}/{}", self.workflow.name, step.id),
                    source: self.batch.record.source.clone(),
                    source_path: self.batch.record.source_path.clone(),
                    inputs: self.batch.record.inputs.clone(),
                    parent: Some(ParentRef {
                        run_id: self.batch.record.id.clone(),
                        step_id: step.id.clone(),
                        index: index as u32,
                    }),
                    status: RunStatus::Running,
                    created_at: now,
                    updated_at: now,
                    next_seq: 0,
                    wake_at: None,
                    error: None,
                    scope: Value::Object(scope),
                };
                if let Some(secret) = self
                    .engine
                    .lock_secrets()
                    .get(&self.batch.record.id)
                    .cloned()
                {
                    self.engine.lock_secrets().insert(id.clone(), secret);
                }
                match self
                    .engine
                    .store
                    .create_run(&mut child, &[RunEvent::RunCreated { at: now }])
                    .await
                {
                    Ok(()) => {}
                    Err(e) => return Err(e.into()),
                }
                self.touched.push(id);
            }
            self.park(None);
            return Ok(StepProgress::Stop);
        }
        let all = self
            .engine
            .store
            .children(&self.batch.record.id, &step.id)
            .await?;
        let done = all.iter().filter(|r| r.status.is_terminal()).count();
        if done < parked.children.len() {
            // Unfinished children exist (or are still to be created next time a child ends).
            for child in all.iter().filter(|r| r.status == RunStatus::Running) {
                self.touched.push(child.id.clone());
            }
            self.park(None);
            return Ok(StepProgress::Stop);
        }
        let failed: Vec<String> = all
            .iter()
            .filter(|r| r.status != RunStatus::Succeeded)
            .map(|r| {
                let index = r.parent.as_ref().map_or(0, |p| p.index);
                format!(
                    "item {index}: {}",
                    r.error.clone().unwrap_or_else(|| r.status.to_string())
                )
            })
            .collect();
        if !failed.is_empty() {
            self.record(RunEvent::StepFailed {
                step: step.id.clone(),
                attempt: 1,
                error: failed.join("; "),
                retry_at: None,
                at: now,
            });
            self.fail(
                step,
                format!(
                    "{} of {} items failed: {}",
                    failed.len(),
                    all.len(),
                    failed.join("; ")
                ),
            );
            return Ok(StepProgress::Stop);
        }
        let mut outputs = Vec::with_capacity(all.len());
        for child in &all {
            let events = self.engine.store.events(&child.id).await?;
            let out = events
                .iter()
                .rev()
                .find_map(|e| match &e.event {
                    RunEvent::RunSucceeded { .. } => Some(child_steps_output(&events)),
                    _ => None,
                })
                .unwrap_or(Value::Null);
            outputs.push(out);
        }
        self.record(RunEvent::StepSucceeded {
            step: step.id.clone(),
            attempt: 1,
            output: json!({"items": outputs, "count": all.len()}),
            at: now,
        });
        Ok(StepProgress::Next)
    }

    fn step_outputs(&self, step: &Step, raw: Value) -> Result<Value, String> {
        self.step_outputs_with(step, raw, None)
    }

    /// Applies a step's `outputs:` templates over `result` (the raw output)
    /// and, for waits and tasks, `signal` (the signal's data) or `task` (the answer).
    fn step_outputs_with(
        &self,
        step: &Step,
        raw: Value,
        extra: Option<(&str, Value)>,
    ) -> Result<Value, String> {
        if step.outputs.is_empty() {
            return Ok(raw);
        }
        let mut ctx = self.context(Some(&raw));
        if let (Some((name, value)), Some(map)) = (extra, ctx.as_object_mut()) {
            map.insert(name.to_owned(), value);
        }
        let mut out = serde_json::Map::new();
        for (name, template) in &step.outputs {
            let v = self
                .engine
                .evaluator
                .resolve(template, &ctx)
                .map_err(|e| format!("`{name}`: {e}"))?;
            out.insert(name.clone(), v);
        }
        Ok(Value::Object(out))
    }

    fn steps_context(&self) -> Value {
        let mut steps = match self
            .batch
            .record
            .scope
            .get("parent")
            .and_then(|p| p.get("steps"))
        {
            Some(Value::Object(parent)) => parent.clone(),
            _ => serde_json::Map::new(),
        };
        for (id, output) in &self.state.outputs {
            steps.insert(
                id.clone(),
                json!({"outputs": output, "status": step_status(output)}),
            );
        }
        for id in &self.state.skipped {
            steps.insert(id.clone(), json!({"outputs": {}, "status": "skipped"}));
        }
        Value::Object(steps)
    }

    /// The template context: `inputs`, `steps`, `run`, `now`, `today`, plus a
    /// child's scope (`item`, `index`, `parent`) and `result` inside `outputs:`.
    fn context(&self, result: Option<&Value>) -> Value {
        let now = self.now();
        let mut inputs = match &self.batch.record.inputs {
            Value::Object(m) => m.clone(),
            _ => serde_json::Map::new(),
        };
        if let Some(secret) = self.engine.lock_secrets().get(&self.batch.record.id) {
            for (k, v) in secret {
                inputs.insert(k.clone(), v.clone());
            }
        }
        let today = context::local_date(now, &self.workflow.time_zone);
        let mut ctx = serde_json::Map::new();
        ctx.insert("inputs".into(), Value::Object(inputs));
        ctx.insert("steps".into(), self.steps_context());
        ctx.insert(
            "run".into(),
            json!({
                "id": self.batch.record.id,
                "workflow": self.workflow.name,
                "started_at": self.batch.record.created_at.to_rfc3339(),
            }),
        );
        ctx.insert("now".into(), json!(now.to_rfc3339()));
        ctx.insert("today".into(), json!(today));
        if let Value::Object(scope) = &self.batch.record.scope {
            for (k, v) in scope {
                ctx.insert(k.clone(), v.clone());
            }
        }
        if let Some(result) = result {
            ctx.insert("result".into(), result.clone());
        }
        Value::Object(ctx)
    }
}

/// The outputs of a finished child: each step id → its output.
fn child_steps_output(events: &[crate::run::StoredEvent]) -> Value {
    let mut out = serde_json::Map::new();
    for e in events {
        if let RunEvent::StepSucceeded { step, output, .. } = &e.event {
            out.insert(step.clone(), output.clone());
        }
    }
    Value::Object(out)
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Parses an RFC 3339 instant, or a `YYYY-MM-DD` date meaning midnight in `zone`.
pub fn parse_instant(text: &str, zone: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("`{text}` is neither an RFC 3339 instant nor a YYYY-MM-DD date"))?;
    let tz: chrono_tz::Tz = zone
        .parse()
        .map_err(|_| format!("unknown time zone `{zone}`"))?;
    let midnight = date
        .and_hms_opt(0, 0, 0)
        .ok_or_else(|| format!("`{text}` has no midnight"))?;
    tz.from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| format!("midnight of {text} does not exist in {zone}"))
}

#[cfg(test)]
mod tests;

/// A `with:` key whose value is `null` (an optional input that was not given)
/// is left out, so connectors see an absent field rather than a null one.
fn drop_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, drop_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(drop_nulls).collect()),
        other => other,
    }
}

/// A finished step's status as templates see it: a wait or task that ran out
/// of time (`on_timeout: continue` or `goto`) is `timed_out`, not `succeeded`.
fn step_status(output: &Value) -> &'static str {
    if output.get("timed_out").and_then(Value::as_bool) == Some(true) {
        "timed_out"
    } else {
        "succeeded"
    }
}
