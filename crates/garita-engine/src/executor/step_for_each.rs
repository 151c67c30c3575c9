//! `for_each:` steps: child runs over a list, their concurrency and their
//! collected outputs.

use super::state::{step_status, CurrentStep, Parked};
use super::{EngineError, RunDriver, StepProgress};
use crate::model::{ForEachSpec, ParentStepReads, Step};
use crate::run::{ParentRef, RunEvent, RunId, RunRecord, RunStatus};
use serde_json::{json, Value};

/// Most items a `for_each` may fan out to.
const MAX_FAN_OUT: usize = 10_000;

impl RunDriver<'_, '_> {
    pub(super) async fn for_each(
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
                let items = match self.services.evaluator.eval_in(&spec.items, &ctx) {
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
            .services
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
            // Each child keeps a copy of the parent's step outputs, which
            // its templates read as `parent.steps.ID` or `steps.ID`. They
            // often hold the very list being iterated, so copying them all
            // into every child made a for_each over N items cost N² in
            // memory, store bytes and time (a daily watch over 1,000
            // accounts wrote about 1 MB per child). A child gets the steps
            // its body's templates read, as the parser found them
            // (`ForEachSpec::parent_steps`).
            let parent_steps = self.parent_steps_for(&spec.parent_steps);
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
                    .services
                    .lock_secrets()
                    .get(&self.batch.record.id)
                    .cloned()
                {
                    self.services.lock_secrets().insert(id.clone(), secret);
                }
                match self
                    .services
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
            .services
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
        let failed: Vec<(u32, String)> = all
            .iter()
            .filter(|r| r.status != RunStatus::Succeeded)
            .map(|r| {
                let index = r.parent.as_ref().map_or(0, |p| p.index);
                (
                    index,
                    r.error.clone().unwrap_or_else(|| r.status.to_string()),
                )
            })
            .collect();
        if !failed.is_empty() {
            let summary = failed_items_summary(&failed);
            self.record(RunEvent::StepFailed {
                step: step.id.clone(),
                attempt: 1,
                error: summary.clone(),
                retry_at: None,
                at: now,
            });
            self.fail(
                step,
                format!("{} of {} items failed: {summary}", failed.len(), all.len()),
            );
            return Ok(StepProgress::Stop);
        }
        let mut outputs = Vec::with_capacity(all.len());
        for child in &all {
            let events = self.services.store.events(&child.id).await?;
            let removed = super::view::pruned_count(child, &events);
            if removed > 0 {
                // Its step outputs are gone: failing the parent's step on
                // that would record a result the children never had.
                return Err(EngineError::Pruned {
                    run: child.id.clone(),
                    removed,
                });
            }
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

    /// The steps a child keeps, those `reads` names, as the parent's
    /// templates see them: its own copy from its parent, then its finished
    /// steps, then its skipped ones. Only those are cloned: the others often
    /// hold the very list being iterated.
    fn parent_steps_for(&self, reads: &ParentStepReads) -> Value {
        let mut steps = serde_json::Map::new();
        let copied = self
            .batch
            .record
            .scope
            .get("parent")
            .and_then(|p| p.get("steps"))
            .and_then(Value::as_object);
        for (id, step) in copied.into_iter().flatten() {
            if reads.includes(id) {
                steps.insert(id.clone(), step.clone());
            }
        }
        for (id, output) in &self.state.outputs {
            if reads.includes(id) {
                steps.insert(
                    id.clone(),
                    json!({"outputs": output, "status": step_status(output)}),
                );
            }
        }
        for id in self.state.skipped.iter().filter(|id| reads.includes(id)) {
            steps.insert(id.clone(), json!({"outputs": {}, "status": "skipped"}));
        }
        Value::Object(steps)
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

/// Distinct errors a failed `for_each` names, and items per error.
const NAMED_ERRORS: usize = 3;
const NAMED_ITEMS: usize = 5;

/// The children's failures, alike ones together: `items 0, 1, 2 and 497
/// more: ERROR`, at most [`NAMED_ERRORS`] errors. One line per item made a
/// review of 500 companies failing alike a 50 KB error in `runs show`, the
/// console and the log; the children keep every error.
fn failed_items_summary(failed: &[(u32, String)]) -> String {
    let mut groups: Vec<(&str, Vec<u32>)> = Vec::new();
    for (index, error) in failed {
        match groups.iter_mut().find(|(e, _)| *e == error.as_str()) {
            Some((_, items)) => items.push(*index),
            None => groups.push((error, vec![*index])),
        }
    }
    let mut parts: Vec<String> = groups
        .iter()
        .take(NAMED_ERRORS)
        .map(|(error, items)| {
            let named: Vec<String> = items.iter().take(NAMED_ITEMS).map(u32::to_string).collect();
            let which = match (items.len(), items.len().saturating_sub(NAMED_ITEMS)) {
                (1, _) => format!("item {}", named[0]),
                (_, 0) => format!("items {}", named.join(", ")),
                (_, more) => format!("items {} and {more} more", named.join(", ")),
            };
            format!("{which}: {error}")
        })
        .collect();
    if groups.len() > NAMED_ERRORS {
        let others: usize = groups[NAMED_ERRORS..].iter().map(|(_, i)| i.len()).sum();
        parts.push(format!(
            "{others} more with {} other errors (each child run has its own)",
            groups.len() - NAMED_ERRORS
        ));
    }
    parts.join("; ")
}

#[cfg(test)]
mod failed_items_tests {
    use super::failed_items_summary;

    #[test]
    fn alike_failures_are_named_once_with_their_items() {
        let failed: Vec<(u32, String)> = (0..500)
            .map(|i| (i, "undefined value".to_owned()))
            .collect();
        assert_eq!(
            failed_items_summary(&failed),
            "items 0, 1, 2, 3, 4 and 495 more: undefined value"
        );
    }

    #[test]
    fn distinct_failures_are_each_named_up_to_three() {
        let one = vec![(7, "boom".to_owned())];
        assert_eq!(failed_items_summary(&one), "item 7: boom");
        let failed: Vec<(u32, String)> = vec![
            (0, "a".into()),
            (1, "b".into()),
            (2, "a".into()),
            (3, "c".into()),
            (4, "d".into()),
            (5, "e".into()),
            (6, "d".into()),
        ];
        assert_eq!(
            failed_items_summary(&failed),
            "items 0, 2: a; item 1: b; item 3: c; 3 more with 2 other errors (each child run has its own)"
        );
    }
}
