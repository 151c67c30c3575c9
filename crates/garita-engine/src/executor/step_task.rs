//! `task:` steps: a task for a person, its answer and its due date.

use super::state::{CurrentStep, Parked};
use super::{EngineError, RunDriver, StepProgress};
use crate::model::{Step, TaskSpec};
use crate::run::RunEvent;
use crate::task::{signal_for, Task, TaskStatus};
use serde_json::Value;

impl RunDriver<'_, '_> {
    pub(super) async fn task(
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
                let render = |t: &str| self.services.evaluator.render_in(t, &ctx);
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
                let due = spec.due.and_then(|d| {
                    d.deadline(now, &self.workflow.time_zone, self.services.calendars)
                });
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
                let created = in_flight && self.services.store.task(&id).await?.is_some();
                if !created {
                    self.services.store.put_task(&task).await?;
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
                    if let Some(mut task) = self.services.store.task(id).await? {
                        if task.status == TaskStatus::Open {
                            task.status = TaskStatus::Expired;
                            self.services.store.put_task(&task).await?;
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
    pub(super) async fn recorded_answer(
        &self,
        id: Option<&str>,
    ) -> Result<Option<Value>, EngineError> {
        let Some(id) = id else {
            return Ok(None);
        };
        let Some(task) = self.services.store.task(id).await? else {
            return Ok(None);
        };
        Ok(match (task.status, task.answer) {
            (TaskStatus::Completed | TaskStatus::Rejected, Some(answer)) => {
                serde_json::to_value(answer).ok()
            }
            _ => None,
        })
    }
}
