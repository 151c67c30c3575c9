//! `wait:` steps (for a duration, an instant or a signal) and what a timed
//! out wait or task does next (`on_timeout`).

use super::state::{CurrentStep, Parked};
use super::{EngineError, RunDriver, StepProgress};
use crate::model::{Due, OnTimeout, Step, WaitFor, WaitSpec};
use crate::run::RunEvent;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde_json::json;

impl RunDriver<'_, '_> {
    pub(super) fn wait(
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
                // A timeout in business days counts as a task's `due:` does.
                let timeout_at = spec.timeout.and_then(|t| {
                    t.deadline(now, &self.workflow.time_zone, self.services.calendars)
                });
                let (until, signal) = match &spec.wait_for {
                    WaitFor::Duration { duration } => {
                        let d =
                            chrono::Duration::from_std(*duration).unwrap_or(chrono::Duration::MAX);
                        (now.checked_add_signed(d), None)
                    }
                    WaitFor::BusinessDays { days, calendar } => {
                        let due = crate::model::Due::BusinessDays {
                            days: *days,
                            calendar: *calendar,
                        };
                        (
                            due.deadline(now, &self.workflow.time_zone, self.services.calendars),
                            None,
                        )
                    }
                    WaitFor::Until { at } => match self
                        .services
                        .evaluator
                        .render_in(at, &ctx)
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
                    WaitFor::Duration { duration } => match spec.timeout {
                        None => true,
                        Some(Due::Elapsed(t)) => t >= *duration,
                        // Validation refuses a timeout on a `for:` wait; a
                        // business-day one would end it by its own count.
                        Some(Due::BusinessDays { .. }) => false,
                    },
                    WaitFor::Until { .. } | WaitFor::BusinessDays { .. } => spec.timeout.is_none(),
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

    pub(super) fn timed_out(&mut self, step: &Step, on_timeout: &OnTimeout) -> StepProgress {
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
