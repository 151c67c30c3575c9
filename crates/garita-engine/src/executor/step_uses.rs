//! `uses:` steps: calling a connector action, with retries, time limits,
//! resumption after a stop and quarantine.

use super::commit_deferral::is_slow_step;
use super::state::CurrentStep;
use super::{EngineError, RunDriver, StepProgress};
use crate::model::Step;
use crate::run::RunEvent;
use garita_sdk::{ActionError, IdempotencyKey, InvokeContext};
use serde_json::Value;

/// The action a `uses` step calls.
pub(super) struct ActionCall<'s> {
    pub(super) connector: &'s str,
    pub(super) action: &'s str,
    pub(super) with: &'s Value,
    pub(super) side_effects: bool,
}

impl RunDriver<'_, '_> {
    pub(super) async fn uses(
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
        let input = match self.services.evaluator.resolve_in(with, &ctx) {
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
        let recovering = self.services.take_recovering(&self.batch.record.id);
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
                .services
                .connector_config
                .get(connector)
                .cloned()
                .unwrap_or(Value::Null),
        };
        tracing::debug!(run = %self.batch.record.id, step = %step.id, attempt, "calling {connector}.{action}");
        let call_started = std::time::Instant::now();
        let call = self
            .services
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
}

/// A `with:` key whose value is `null` (an optional input that was not given)
/// is left out, so connectors see an absent field rather than a null one.
/// Only the keys of `with:` itself: a null inside a value is data (an
/// account's `role`, say, in a list of accounts handed on) and stays, or a
/// template reading it later finds it missing, which is an error.
fn drop_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            Value::Object(map.into_iter().filter(|(_, v)| !v.is_null()).collect())
        }
        other => other,
    }
}
