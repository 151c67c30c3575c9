//! The run driver: replays a run's state and works on its steps in order,
//! recording each event in the batch; one file per step kind does the work
//! of that kind (step_uses, step_wait, step_task, step_for_each).

use super::context;
use super::driver_services::DriverServices;
use super::state::{CurrentStep, RunState};
use super::{ActionCall, Batch, EngineError};
use crate::expr::TemplateContext;
use crate::model::{Step, StepKind, Workflow};
use crate::run::{RunEvent, RunId, RunStatus};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// What happened when a step was worked on.
pub(super) enum StepProgress {
    /// Move on to the next step (state already updated).
    Next,
    /// The run is parked or finished; stop driving.
    Stop,
}

pub(super) struct RunDriver<'e, 'r> {
    pub(super) services: DriverServices<'e>,
    pub(super) workflow: &'e Workflow,
    pub(super) state: RunState,
    pub(super) batch: Batch<'r>,
    pub(super) touched: Vec<RunId>,
}

impl RunDriver<'_, '_> {
    pub(super) fn now(&self) -> DateTime<Utc> {
        self.services.clock.now()
    }

    pub(super) fn record(&mut self, event: RunEvent) {
        // Before the state sees it, so a resumed run reads what this one read.
        let event = self.batch.redactor.redact_event(event);
        self.state.apply(self.workflow, &event);
        self.batch.push(event);
    }

    pub(super) async fn commit(&mut self) -> Result<(), EngineError> {
        self.batch
            .commit(self.services.store)
            .await
            .map_err(EngineError::from)
    }

    pub(super) async fn run(&mut self) -> Result<(), EngineError> {
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
                self.services
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

    pub(super) fn finish_run(&mut self) {
        let now = self.now();
        let ctx = self.context(None);
        let mut outputs = serde_json::Map::new();
        for (name, template) in &self.workflow.outputs {
            match self.services.evaluator.resolve_in(template, &ctx) {
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

    pub(super) fn fail(&mut self, step: &Step, error: String) {
        let now = self.now();
        let message = format!("step `{}` (line {}): {error}", step.id, step.span.line);
        self.batch.fail_run(now, message);
        self.state.finished = true;
    }

    /// Sets the run aside: the process stopped twice during this attempt.
    pub(super) fn quarantine(&mut self, step: &Step, current: &CurrentStep) {
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

    pub(super) fn park(&mut self, until: Option<DateTime<Utc>>) {
        self.batch.record.status = RunStatus::Waiting;
        self.batch.record.wake_at = until;
    }

    pub(super) async fn work_on(&mut self, step: &Step) -> Result<StepProgress, EngineError> {
        let current = self
            .state
            .current
            .clone()
            .filter(|c| c.index == self.state.cursor);
        if current.is_none() {
            if let Some(condition) = &step.condition {
                let ctx = self.context(None);
                match self.services.evaluator.eval_bool_in(condition, &ctx) {
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

    pub(super) fn step_outputs(&self, step: &Step, raw: Value) -> Result<Value, String> {
        self.step_outputs_with(step, raw, None)
    }

    /// Applies a step's `outputs:` templates over `result` (the raw output)
    /// and, for waits and tasks, `signal` (the signal's data) or `task` (the answer).
    pub(super) fn step_outputs_with(
        &self,
        step: &Step,
        raw: Value,
        extra: Option<(&str, Value)>,
    ) -> Result<Value, String> {
        if step.outputs.is_empty() {
            return Ok(raw);
        }
        let mut values = self.context_values(Some(&raw));
        if let Some((name, value)) = extra {
            values.insert(name.to_owned(), TemplateContext::value_of(&value));
        }
        let ctx = TemplateContext::from_values(values);
        let mut out = serde_json::Map::new();
        for (name, template) in &step.outputs {
            let v = self
                .services
                .evaluator
                .resolve_in(template, &ctx)
                .map_err(|e| format!("`{name}`: {e}"))?;
            out.insert(name.clone(), v);
        }
        Ok(Value::Object(out))
    }

    /// The template context: `inputs`, `steps`, `run`, `now`, `today`, plus a
    /// child's scope (`item`, `index`, `parent`) and `result` inside `outputs:`.
    pub(super) fn context(&self, result: Option<&Value>) -> TemplateContext {
        TemplateContext::from_values(self.context_values(result))
    }

    /// [`Self::context`] by name, to add to. Step outputs come converted
    /// from the run's state; the rest is small.
    pub(super) fn context_values(
        &self,
        result: Option<&Value>,
    ) -> BTreeMap<String, minijinja::Value> {
        let now = self.now();
        let mut inputs = match &self.batch.record.inputs {
            Value::Object(m) => m.clone(),
            _ => serde_json::Map::new(),
        };
        if let Some(secret) = self.services.lock_secrets().get(&self.batch.record.id) {
            for (k, v) in secret {
                inputs.insert(k.clone(), v.clone());
            }
        }
        let today = context::local_date(now, &self.workflow.time_zone);
        let value = |json: &Value| TemplateContext::value_of(json);
        let mut ctx = BTreeMap::new();
        ctx.insert("inputs".to_owned(), value(&Value::Object(inputs)));
        ctx.insert(
            "run".to_owned(),
            value(&json!({
                "id": self.batch.record.id,
                "workflow": self.workflow.name,
                "started_at": self.batch.record.created_at.to_rfc3339(),
            })),
        );
        ctx.insert("now".to_owned(), value(&json!(now.to_rfc3339())));
        ctx.insert("today".to_owned(), value(&json!(today)));
        if let Value::Object(scope) = &self.batch.record.scope {
            for (k, v) in scope {
                ctx.insert(k.clone(), value(v));
            }
        }
        // After the scope: `steps` starts from the `parent` just converted.
        let steps = self.steps_value(ctx.get("parent"));
        ctx.insert("steps".to_owned(), steps);
        if let Some(result) = result {
            ctx.insert("result".to_owned(), value(result));
        }
        ctx
    }

    /// `steps` as templates see it: the parent's copy (from `parent`, the
    /// scope's value already converted), then this run's finished steps
    /// (converted when they finished), then its skipped ones.
    fn steps_value(&self, parent: Option<&minijinja::Value>) -> minijinja::Value {
        let mut steps: BTreeMap<String, minijinja::Value> = BTreeMap::new();
        if let Some(copied) = parent.and_then(|p| p.get_attr("steps").ok()) {
            if let Ok(ids) = copied.try_iter() {
                for id in ids {
                    if let (Some(name), Ok(step)) = (id.as_str(), copied.get_item(&id)) {
                        steps.insert(name.to_owned(), step);
                    }
                }
            }
        }
        for (id, step) in &self.state.output_values {
            steps.insert(id.clone(), step.clone());
        }
        for id in &self.state.skipped {
            steps.insert(
                id.clone(),
                TemplateContext::value_of(&json!({"outputs": {}, "status": "skipped"})),
            );
        }
        steps.into_iter().collect()
    }
}
