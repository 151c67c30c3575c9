//! Executor tests on the in-memory store, a manual clock and a scripted connector.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use garita_sdk::{ActionError, IdempotencyKey, InvokeContext, Manifest};
use serde_json::{json, Value};

use super::commit_deferral::MAX_UNCOMMITTED_EVENTS;
use super::*;
use crate::clock::ManualClock;
use crate::memory_store::MemoryStore;
use crate::model::*;
use crate::task::Task;

/// Records every call; `flaky` fails with a retryable error until its counter runs out.
#[derive(Default)]
struct Scripted {
    calls: Mutex<Vec<(String, IdempotencyKey, Value)>>,
    flaky_failures_left: Mutex<u32>,
}

#[async_trait]
impl Connectors for Scripted {
    fn manifests(&self) -> Vec<Manifest> {
        Vec::new()
    }

    async fn invoke(
        &self,
        connector: &str,
        action: &str,
        ctx: InvokeContext,
        input: Value,
    ) -> Result<Value, ActionError> {
        self.calls.lock().unwrap().push((
            format!("{connector}.{action}"),
            ctx.idempotency_key.clone(),
            input.clone(),
        ));
        match action {
            "set" => Ok(input),
            "flaky" => {
                let mut left = self.flaky_failures_left.lock().unwrap();
                if *left > 0 {
                    *left -= 1;
                    Err(ActionError::retryable("server busy"))
                } else {
                    Ok(json!({"ok": true}))
                }
            }
            "fail" => Err(ActionError::permanent("refused")),
            "slow" => {
                tokio::time::sleep(Duration::from_millis(900)).await;
                Ok(json!({"slow": true}))
            }
            _ => Err(ActionError::unknown_action(action)),
        }
    }
}

fn step(id: &str, kind: StepKind) -> Step {
    Step {
        id: id.into(),
        name: None,
        condition: None,
        kind,
        retry: RetryPolicy::default(),
        timeout: None,
        outputs: BTreeMap::new(),
        span: Span { line: 1, col: 1 },
    }
}

/// A step calling `core.ACTION`, declared with side effects (the strict case).
fn uses(id: &str, action: &str, with: Value) -> Step {
    step(
        id,
        StepKind::Uses {
            connector: "core".into(),
            action: action.into(),
            with,
            side_effects: true,
        },
    )
}

/// A step calling `core.ACTION`, declared free of side effects.
fn pure(id: &str, action: &str, with: Value) -> Step {
    step(
        id,
        StepKind::Uses {
            connector: "core".into(),
            action: action.into(),
            with,
            side_effects: false,
        },
    )
}

fn workflow(steps: Vec<Step>) -> Workflow {
    Workflow {
        name: "t".into(),
        description: None,
        locale: "es".into(),
        time_zone: "America/Guayaquil".into(),
        inputs: vec![InputDef {
            name: "who".into(),
            kind: InputType::String,
            required: false,
            default: Some(json!("Ana")),
            secret: false,
            description: None,
        }],
        triggers: vec![],
        steps,
        outputs: BTreeMap::new(),
    }
}

struct Harness {
    engine: Engine,
    store: Arc<MemoryStore>,
    clock: Arc<ManualClock>,
    connectors: Arc<Scripted>,
}

/// An engine on `store` and `connectors`, with a manual clock at
/// 2026-01-05 13:00 UTC; the "source" of a test workflow is its JSON form.
fn engine_on(
    store: Arc<MemoryStore>,
    connectors: Arc<dyn Connectors>,
) -> (Engine, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 1, 5, 13, 0, 0).unwrap(),
    ));
    let loader: WorkflowLoader = Arc::new(|path, source| {
        serde_json::from_str(source).map_err(|e| {
            crate::Diagnostics(vec![crate::Diagnostic::new(
                path,
                Span { line: 1, col: 1 },
                e.to_string(),
            )])
        })
    });
    let engine = Engine::new(
        store,
        connectors,
        clock.clone(),
        loader,
        EngineSettings::default(),
    );
    (engine, clock)
}

fn harness() -> Harness {
    let store = Arc::new(MemoryStore::new());
    let connectors = Arc::new(Scripted::default());
    let (engine, clock) = engine_on(store.clone(), connectors.clone());
    Harness {
        engine,
        store,
        clock,
        connectors,
    }
}

impl Harness {
    async fn start(&self, wf: &Workflow, inputs: &[(&str, Value)]) -> RunId {
        let source = serde_json::to_string(wf).unwrap();
        let inputs: BTreeMap<String, Value> = inputs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        self.engine
            .start(wf, &source, "t.yaml", &inputs)
            .await
            .unwrap()
    }

    fn calls(&self) -> Vec<(String, IdempotencyKey, Value)> {
        self.connectors.calls.lock().unwrap().clone()
    }
}

#[tokio::test]
async fn steps_run_in_order_and_see_earlier_outputs() {
    let h = harness();
    let wf = workflow(vec![
        uses("a", "set", json!({"greeting": "hola ${{ inputs.who }}"})),
        uses(
            "b",
            "set",
            json!({"echo": "${{ steps.a.outputs.greeting }}", "n": "${{ 1 + 2 }}"}),
        ),
    ]);
    let run = h.start(&wf, &[]).await;
    assert_eq!(h.engine.drive(&run).await.unwrap(), RunStatus::Succeeded);
    let calls = h.calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[1].2, json!({"echo": "hola Ana", "n": 3}));
    assert_eq!(calls[0].1.to_string(), format!("{run}/a/1"));
}

#[tokio::test]
async fn a_step_in_flight_at_a_crash_runs_again_with_the_same_key_and_finished_steps_do_not() {
    let h = harness();
    let wf = workflow(vec![
        uses("a", "set", json!({"x": 1})),
        uses("b", "set", json!({"x": 2})),
    ]);
    let run = h.start(&wf, &[]).await;
    // Simulate a crash: step a finished, step b started but never recorded an outcome.
    let mut record = h.store.run(&run).await.unwrap().unwrap();
    let at = h.clock.now();
    h.store
        .append(
            &mut record,
            &[
                RunEvent::StepStarted {
                    step: "a".into(),
                    attempt: 1,
                    at,
                },
                RunEvent::StepSucceeded {
                    step: "a".into(),
                    attempt: 1,
                    output: json!({"x": 1}),
                    at,
                },
                RunEvent::StepStarted {
                    step: "b".into(),
                    attempt: 1,
                    at,
                },
            ],
        )
        .await
        .unwrap();
    assert_eq!(h.engine.drive(&run).await.unwrap(), RunStatus::Succeeded);
    let calls = h.calls();
    assert_eq!(
        calls.len(),
        1,
        "only the in-flight step runs again: {calls:?}"
    );
    assert_eq!(calls[0].1.to_string(), format!("{run}/b/1"));
}

#[tokio::test]
async fn retryable_failures_park_the_run_until_the_backoff_passes() {
    let h = harness();
    *h.connectors.flaky_failures_left.lock().unwrap() = 2;
    let mut s = uses("call", "flaky", json!({}));
    s.retry = RetryPolicy {
        attempts: 3,
        initial_backoff: Duration::from_secs(10),
        factor: 2.0,
        max_backoff: Duration::from_secs(60),
    };
    let run = h.start(&workflow(vec![s]), &[]).await;
    assert_eq!(h.engine.drive(&run).await.unwrap(), RunStatus::Waiting);
    let rec = h.store.run(&run).await.unwrap().unwrap();
    assert_eq!(
        rec.wake_at,
        Some(h.clock.now() + chrono::Duration::seconds(10))
    );
    // Not due yet: nothing happens.
    assert!(h.engine.wake_due().await.unwrap().is_empty());
    h.clock.advance(chrono::Duration::seconds(10));
    assert_eq!(
        h.engine.wake_due().await.unwrap(),
        vec![(run.clone(), RunStatus::Waiting)]
    );
    h.clock.advance(chrono::Duration::seconds(20));
    assert_eq!(h.engine.drive(&run).await.unwrap(), RunStatus::Succeeded);
    let attempts: Vec<u32> = h.calls().iter().map(|c| c.1.attempt).collect();
    assert_eq!(attempts, vec![1, 2, 3]);
}

#[tokio::test]
async fn permanent_failure_fails_the_run_without_retry() {
    let h = harness();
    let mut s = uses("call", "fail", json!({}));
    s.retry.attempts = 5;
    let run = h
        .start(&workflow(vec![s, uses("never", "set", json!({}))]), &[])
        .await;
    assert_eq!(h.engine.drive(&run).await.unwrap(), RunStatus::Failed);
    assert_eq!(h.calls().len(), 1);
    let rec = h.store.run(&run).await.unwrap().unwrap();
    assert!(rec.error.unwrap().contains("refused"));
}

#[tokio::test]
async fn false_condition_skips_the_step() {
    let h = harness();
    let mut s = uses("maybe", "set", json!({}));
    s.condition = Some("inputs.who == 'Luis'".into());
    let run = h
        .start(
            &workflow(vec![
                s,
                uses(
                    "after",
                    "set",
                    json!({"skipped": "${{ steps.maybe.status }}"}),
                ),
            ]),
            &[],
        )
        .await;
    assert_eq!(h.engine.drive(&run).await.unwrap(), RunStatus::Succeeded);
    let calls = h.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].2, json!({"skipped": "skipped"}));
}

#[tokio::test]
async fn missing_template_value_fails_the_step_with_its_name() {
    let h = harness();
    let run = h
        .start(
            &workflow(vec![uses("a", "set", json!({"x": "${{ inputs.nope }}"}))]),
            &[],
        )
        .await;
    assert_eq!(h.engine.drive(&run).await.unwrap(), RunStatus::Failed);
    let err = h.store.run(&run).await.unwrap().unwrap().error.unwrap();
    assert!(
        err.contains("step `a`") && err.contains("inputs.nope"),
        "{err}"
    );
    assert!(h.calls().is_empty());
}

fn wait(id: &str, wait_for: WaitFor, timeout: Option<Duration>, on_timeout: OnTimeout) -> Step {
    step(
        id,
        StepKind::Wait(WaitSpec {
            wait_for,
            timeout: timeout.map(crate::model::Due::Elapsed),
            on_timeout,
        }),
    )
}

#[tokio::test]
async fn a_signal_wakes_a_waiting_run_and_its_data_is_the_step_output() {
    let h = harness();
    let wf = workflow(vec![
        wait(
            "w",
            WaitFor::Signal {
                name: "reactivated".into(),
            },
            Some(Duration::from_secs(86400)),
            OnTimeout::Fail,
        ),
        uses(
            "after",
            "set",
            json!({"on": "${{ steps.w.outputs.data.date }}"}),
        ),
    ]);
    let run = h.start(&wf, &[]).await;
    assert_eq!(h.engine.drive(&run).await.unwrap(), RunStatus::Waiting);
    let outcome = h
        .engine
        .signal(&run, "reactivated", json!({"date": "2026-01-06"}))
        .await
        .unwrap();
    assert_eq!(outcome, SignalOutcome::Delivered(RunStatus::Succeeded));
    assert_eq!(h.calls()[0].2, json!({"on": "2026-01-06"}));
}

#[tokio::test]
async fn a_signal_sent_early_is_kept_for_the_wait() {
    let h = harness();
    let wf = workflow(vec![
        wait(
            "pause",
            WaitFor::Duration {
                duration: Duration::from_secs(60),
            },
            None,
            OnTimeout::Fail,
        ),
        wait(
            "w",
            WaitFor::Signal { name: "go".into() },
            Some(Duration::from_secs(600)),
            OnTimeout::Fail,
        ),
    ]);
    let run = h.start(&wf, &[]).await;
    assert_eq!(h.engine.drive(&run).await.unwrap(), RunStatus::Waiting);
    assert_eq!(
        h.engine.signal(&run, "go", json!(1)).await.unwrap(),
        SignalOutcome::Queued(RunStatus::Waiting)
    );
    h.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(h.engine.drive(&run).await.unwrap(), RunStatus::Succeeded);
}

#[tokio::test]
async fn signal_timeouts_follow_on_timeout() {
    for (on_timeout, expected, after_ran) in [
        (OnTimeout::Fail, RunStatus::Failed, false),
        (OnTimeout::Continue, RunStatus::Succeeded, true),
        (OnTimeout::Goto("last".into()), RunStatus::Succeeded, false),
    ] {
        let h = harness();
        let wf = workflow(vec![
            wait(
                "w",
                WaitFor::Signal { name: "s".into() },
                Some(Duration::from_secs(3600)),
                on_timeout.clone(),
            ),
            uses("after", "set", json!({"step": "after"})),
            // Templates see the timeout, whether the step's output came
            // from this drive or a replay.
            uses(
                "last",
                "set",
                json!({"step": "last", "timed_out": "${{ steps.w.outputs.timed_out }}", "w": "${{ steps.w.status }}"}),
            ),
        ]);
        let run = h.start(&wf, &[]).await;
        assert_eq!(h.engine.drive(&run).await.unwrap(), RunStatus::Waiting);
        h.clock.advance(chrono::Duration::hours(2));
        assert_eq!(
            h.engine.wake_due().await.unwrap(),
            vec![(run.clone(), expected)],
            "{on_timeout:?}"
        );
        let ran: Vec<String> = h
            .calls()
            .iter()
            .map(|c| c.2["step"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            ran.contains(&"after".to_owned()),
            after_ran,
            "{on_timeout:?}: {ran:?}"
        );
        if expected == RunStatus::Succeeded {
            let last = h.calls().last().map(|c| c.2.clone());
            assert_eq!(
                last,
                Some(json!({"step": "last", "timed_out": true, "w": "timed_out"})),
                "{on_timeout:?}"
            );
        }
    }
}

#[tokio::test]
async fn signal_to_a_finished_run_is_refused() {
    let h = harness();
    let run = h
        .start(&workflow(vec![uses("a", "set", json!({}))]), &[])
        .await;
    h.engine.drive(&run).await.unwrap();
    assert!(matches!(
        h.engine.signal(&run, "x", json!(null)).await,
        Err(EngineError::Finished { .. })
    ));
}

#[tokio::test]
async fn for_each_fans_out_to_children_and_collects_their_outputs() {
    let h = harness();
    let fan = step(
        "fan",
        StepKind::ForEach(ForEachSpec {
            items: "inputs.list".into(),
            item_var: "account".into(),
            concurrency: 2,
            steps: vec![uses(
                "greet",
                "set",
                json!({"hi": "${{ account }}", "i": "${{ index }}"}),
            )],
            parent_steps: ParentStepReads::Only(Default::default()),
        }),
    );
    let mut wf = workflow(vec![
        fan,
        uses("sum", "set", json!({"n": "${{ steps.fan.outputs.count }}"})),
    ]);
    wf.inputs.push(InputDef {
        name: "list".into(),
        kind: InputType::List,
        required: true,
        default: None,
        secret: false,
        description: None,
    });
    let run = h.start(&wf, &[("list", json!(["a", "b", "c"]))]).await;
    assert_eq!(h.engine.drive(&run).await.unwrap(), RunStatus::Succeeded);
    let calls = h.calls();
    let his: Vec<Value> = calls
        .iter()
        .filter(|c| c.0 == "core.set")
        .map(|c| c.2.clone())
        .collect();
    assert!(his.contains(&json!({"hi": "a", "i": 0})));
    assert!(his.contains(&json!({"hi": "c", "i": 2})));
    assert_eq!(his.last().unwrap(), &json!({"n": 3}));
    let children = h.store.children(&run, "fan").await.unwrap();
    assert_eq!(children.len(), 3);
}

#[tokio::test]
async fn a_null_key_of_with_is_left_out_but_nulls_inside_values_stay() {
    let h = harness();
    let wf = workflow(vec![
        uses(
            "accounts",
            "set",
            json!({"list": [{"key": "ctpat:ana@example.com", "role": null}], "cc": null}),
        ),
        uses(
            "company",
            "set",
            json!({"accounts": "${{ steps.accounts.outputs.list }}"}),
        ),
        uses(
            "line",
            "set",
            json!({"text": "{% for a in steps.company.outputs.accounts %}${{ a.key }}{% if a.role %}, ${{ a.role }}{% endif %}{% endfor %}"}),
        ),
    ]);
    let run = h.start(&wf, &[]).await;
    assert_eq!(h.engine.drive(&run).await.unwrap(), RunStatus::Succeeded);
    let calls = h.calls();
    let inputs: Vec<&Value> = calls.iter().map(|c| &c.2).collect();
    assert_eq!(
        inputs[0],
        &json!({"list": [{"key": "ctpat:ana@example.com", "role": null}]}),
        "the null key of with: is left out, the null inside the list stays"
    );
    assert_eq!(
        inputs[1],
        &json!({"accounts": [{"key": "ctpat:ana@example.com", "role": null}]})
    );
    assert_eq!(inputs[2], &json!({"text": "ctpat:ana@example.com"}));
}

/// A for_each over the list a previous step produced, whose body reads
/// `parent.steps` or not; `reads` is what the parser would have found.
fn fan_over_a_step_output(body: Value, reads: &[&str]) -> Workflow {
    let fan = step(
        "fan",
        StepKind::ForEach(ForEachSpec {
            items: "steps.inventory.outputs.list".into(),
            item_var: "account".into(),
            concurrency: 4,
            steps: vec![uses("each", "set", body)],
            parent_steps: ParentStepReads::Only(reads.iter().map(|r| (*r).to_owned()).collect()),
        }),
    );
    workflow(vec![
        uses(
            "inventory",
            "set",
            json!({"list": ["a", "b", "c"], "officer": "oficial@example.com"}),
        ),
        fan,
    ])
}

/// The inputs of the children's `core.set` calls (those with a `who`).
fn children_calls(h: &Harness) -> Vec<Value> {
    h.calls()
        .iter()
        .filter(|c| c.0 == "core.set" && c.2.get("who").is_some())
        .map(|c| c.2.clone())
        .collect()
}

#[tokio::test]
async fn children_read_the_parents_steps_when_their_body_names_parent() {
    let h = harness();
    let wf = fan_over_a_step_output(
        json!({"to": "${{ parent.steps.inventory.outputs.officer }}", "who": "${{ account }}"}),
        &["inventory"],
    );
    let run = h.start(&wf, &[]).await;
    assert_eq!(h.engine.drive(&run).await.unwrap(), RunStatus::Succeeded);
    let sent = children_calls(&h);
    assert_eq!(sent.len(), 3);
    assert!(sent.contains(&json!({"to": "oficial@example.com", "who": "b"})));
    let children = h.store.children(&run, "fan").await.unwrap();
    assert_eq!(
        children[0].scope["parent"]["steps"]["inventory"]["outputs"]["officer"],
        "oficial@example.com"
    );
}

#[tokio::test]
async fn children_read_the_parents_steps_as_their_own_steps_by_id() {
    let h = harness();
    let wf = fan_over_a_step_output(
        json!({"to": "${{ steps.inventory.outputs.officer }}", "who": "${{ account }}"}),
        &["inventory"],
    );
    let run = h.start(&wf, &[]).await;
    assert_eq!(h.engine.drive(&run).await.unwrap(), RunStatus::Succeeded);
    let sent = children_calls(&h);
    assert_eq!(sent.len(), 3);
    assert!(sent.contains(&json!({"to": "oficial@example.com", "who": "c"})));
}

#[tokio::test]
async fn children_whose_body_reads_no_parent_step_carry_no_copy_of_its_steps() {
    // The copy made a for_each over N items cost N² (each child held the
    // list); a body that names none of the parent's steps gets none.
    let h = harness();
    let wf = fan_over_a_step_output(json!({"who": "${{ account }}", "i": "${{ index }}"}), &[]);
    let run = h.start(&wf, &[]).await;
    assert_eq!(h.engine.drive(&run).await.unwrap(), RunStatus::Succeeded);
    let children = h.store.children(&run, "fan").await.unwrap();
    assert_eq!(children.len(), 3);
    for child in &children {
        assert_eq!(child.scope["parent"]["run"], json!(run));
        assert_eq!(
            child.scope["parent"]["steps"],
            json!({}),
            "{:?}",
            child.scope
        );
    }
    let whos: Vec<Value> = h
        .calls()
        .iter()
        .filter_map(|c| c.2.get("who").cloned())
        .collect();
    assert_eq!(whos.len(), 3);
}

#[tokio::test]
async fn bad_inputs_are_all_reported() {
    let h = harness();
    let mut wf = workflow(vec![]);
    wf.inputs.push(InputDef {
        name: "year".into(),
        kind: InputType::Number,
        required: true,
        default: None,
        secret: false,
        description: None,
    });
    let given: BTreeMap<String, Value> = [("wh0".to_string(), json!("x"))].into();
    let err = h
        .engine
        .start(&wf, "{}", "t.yaml", &given)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("did you mean `who`"), "{err}");
    assert!(err.contains("missing required input `year`"), "{err}");
}

#[tokio::test]
async fn secret_inputs_never_reach_the_store() {
    let h = harness();
    let mut wf = workflow(vec![uses("a", "set", json!({"pw": "${{ inputs.token }}"}))]);
    wf.inputs.push(InputDef {
        name: "token".into(),
        kind: InputType::String,
        required: true,
        default: None,
        secret: true,
        description: None,
    });
    let run = h.start(&wf, &[("token", json!("s3cr3t-value"))]).await;
    h.engine.drive(&run).await.unwrap();
    assert_eq!(h.calls()[0].2, json!({"pw": "s3cr3t-value"}));
    let rec = h.store.run(&run).await.unwrap().unwrap();
    assert_eq!(rec.inputs["token"], json!("***"));
}

fn task_step(id: &str, due: Option<Duration>, on_timeout: OnTimeout) -> Step {
    step(
        id,
        StepKind::Task(TaskSpec {
            title: "Confirm the update for ${{ inputs.who }}".into(),
            body: Some("Please confirm.".into()),
            assignee: Some("oficial@example.com".into()),
            due: due.map(crate::model::Due::Elapsed),
            fields: Some(
                json!({"type": "object", "required": ["date"], "properties": {"date": {"type": "string"}}}),
            ),
            on_timeout,
        }),
    )
}

#[tokio::test]
async fn a_task_waits_and_its_answer_is_the_step_output() {
    let h = harness();
    let wf = workflow(vec![
        task_step(
            "confirm",
            Some(Duration::from_secs(86400 * 3)),
            OnTimeout::Fail,
        ),
        uses(
            "after",
            "set",
            json!({"date": "${{ steps.confirm.outputs.fields.date }}", "by": "${{ steps.confirm.outputs.outcome }}"}),
        ),
    ]);
    let run = h.start(&wf, &[]).await;
    assert_eq!(h.engine.drive(&run).await.unwrap(), RunStatus::Waiting);
    let open = h
        .store
        .list_tasks(&TaskFilter {
            statuses: vec![TaskStatus::Open],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].title, "Confirm the update for Ana");
    assert_eq!(open[0].assignee.as_deref(), Some("oficial@example.com"));

    // A wrong answer changes nothing.
    let err = h
        .engine
        .answer_task(&open[0].id, TaskStatus::Completed, json!({}), None, None)
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::TaskFields { .. }), "{err}");
    assert_eq!(
        h.store.task(&open[0].id).await.unwrap().unwrap().status,
        TaskStatus::Open
    );

    let status = h
        .engine
        .answer_task(
            &open[0].id,
            TaskStatus::Completed,
            json!({"date": "2026-01-07"}),
            Some("hecho".into()),
            None,
        )
        .await
        .unwrap();
    assert_eq!(status, RunStatus::Succeeded);
    assert_eq!(
        h.calls()[0].2,
        json!({"date": "2026-01-07", "by": "completed"})
    );
    assert_eq!(
        h.store.task(&open[0].id).await.unwrap().unwrap().status,
        TaskStatus::Completed
    );
    // Answering twice is refused.
    assert!(matches!(
        h.engine
            .answer_task(
                &open[0].id,
                TaskStatus::Completed,
                json!({"date": "x"}),
                None,
                None
            )
            .await,
        Err(EngineError::TaskClosed { .. })
    ));
}

#[tokio::test]
async fn an_overdue_task_never_approves_silently() {
    let h = harness();
    let wf = workflow(vec![
        task_step(
            "approve",
            Some(Duration::from_secs(3600)),
            OnTimeout::Goto("escalate".into()),
        ),
        uses("send", "set", json!({"what": "approved"})),
        uses("escalate", "set", json!({"what": "escalated"})),
    ]);
    let run = h.start(&wf, &[]).await;
    assert_eq!(h.engine.drive(&run).await.unwrap(), RunStatus::Waiting);
    h.clock.advance(chrono::Duration::hours(2));
    assert_eq!(
        h.engine.wake_due().await.unwrap(),
        vec![(run.clone(), RunStatus::Succeeded)]
    );
    let whats: Vec<Value> = h.calls().iter().map(|c| c.2["what"].clone()).collect();
    assert_eq!(whats, vec![json!("escalated")]);
    let tasks = h.store.list_tasks(&TaskFilter::default()).await.unwrap();
    assert_eq!(tasks[0].status, TaskStatus::Expired);
}

#[tokio::test]
async fn cancelling_a_run_closes_its_open_tasks() {
    let h = harness();
    let run = h
        .start(&workflow(vec![task_step("t", None, OnTimeout::Fail)]), &[])
        .await;
    let status = h.engine.drive(&run).await.unwrap();
    assert_eq!(
        status,
        RunStatus::Waiting,
        "{:?}",
        h.store.run(&run).await.unwrap().unwrap().error
    );
    h.engine
        .cancel(&run, Some("no longer needed".into()))
        .await
        .unwrap();
    let tasks = h.store.list_tasks(&TaskFilter::default()).await.unwrap();
    assert_eq!(tasks[0].status, TaskStatus::Cancelled);
}

#[tokio::test]
async fn wait_and_task_outputs_see_signal_and_task() {
    let h = harness();
    let mut w = wait(
        "w",
        WaitFor::Signal { name: "go".into() },
        Some(Duration::from_secs(600)),
        OnTimeout::Fail,
    );
    w.outputs.insert("date".into(), json!("${{ signal.date }}"));
    let mut t = task_step("t", None, OnTimeout::Fail);
    t.outputs
        .insert("confirmed_on".into(), json!("${{ task.fields.date }}"));
    let wf = workflow(vec![
        w,
        t,
        uses(
            "after",
            "set",
            json!({"a": "${{ steps.w.outputs.date }}", "b": "${{ steps.t.outputs.confirmed_on }}"}),
        ),
    ]);
    let run = h.start(&wf, &[]).await;
    h.engine.drive(&run).await.unwrap();
    h.engine
        .signal(&run, "go", json!({"date": "2026-02-01"}))
        .await
        .unwrap();
    let task = h
        .store
        .list_tasks(&TaskFilter::default())
        .await
        .unwrap()
        .remove(0);
    let status = h
        .engine
        .answer_task(
            &task.id,
            TaskStatus::Completed,
            json!({"date": "2026-02-02"}),
            None,
            None,
        )
        .await
        .unwrap();
    assert_eq!(status, RunStatus::Succeeded);
    assert_eq!(
        h.calls()[0].2,
        json!({"a": "2026-02-01", "b": "2026-02-02"})
    );
}

#[tokio::test]
async fn for_each_never_has_more_unfinished_children_than_its_concurrency() {
    let h = harness();
    let fan = step(
        "fan",
        StepKind::ForEach(ForEachSpec {
            items: "[1, 2, 3, 4, 5]".into(),
            item_var: "item".into(),
            concurrency: 2,
            steps: vec![wait(
                "w",
                WaitFor::Signal { name: "go".into() },
                Some(Duration::from_secs(86400)),
                OnTimeout::Fail,
            )],
            parent_steps: ParentStepReads::All,
        }),
    );
    let run = h.start(&workflow(vec![fan]), &[]).await;
    assert_eq!(h.engine.drive(&run).await.unwrap(), RunStatus::Waiting);
    assert_eq!(h.store.children(&run, "fan").await.unwrap().len(), 2);
    for round in 0..5 {
        let children = h.store.children(&run, "fan").await.unwrap();
        let unfinished: Vec<_> = children
            .iter()
            .filter(|c| !c.status.is_terminal())
            .collect();
        assert!(
            unfinished.len() <= 2,
            "round {round}: {} unfinished",
            unfinished.len()
        );
        h.engine
            .signal(&unfinished[0].id, "go", json!(round))
            .await
            .unwrap();
    }
    assert_eq!(
        h.store.run(&run).await.unwrap().unwrap().status,
        RunStatus::Succeeded
    );
    assert_eq!(h.store.children(&run, "fan").await.unwrap().len(), 5);
}

#[tokio::test]
async fn a_timed_out_wait_reads_as_timed_out_and_goto_skips_are_shown() {
    for (on_timeout, skipped_shown) in [
        (OnTimeout::Continue, false),
        (OnTimeout::Goto("last".into()), true),
    ] {
        let h = harness();
        let wf = workflow(vec![
            wait(
                "w",
                WaitFor::Signal { name: "s".into() },
                Some(Duration::from_secs(60)),
                on_timeout.clone(),
            ),
            uses("middle", "set", json!({"seen": "${{ steps.w.status }}"})),
            uses("last", "set", json!({"seen": "${{ steps.w.status }}"})),
        ]);
        let run = h.start(&wf, &[]).await;
        h.engine.drive(&run).await.unwrap();
        h.clock.advance(chrono::Duration::minutes(2));
        h.engine.wake_due().await.unwrap();
        assert!(
            h.calls()
                .iter()
                .all(|c| c.2 == json!({"seen": "timed_out"})),
            "{on_timeout:?}: {:?}",
            h.calls()
        );
        let record = h.store.run(&run).await.unwrap().unwrap();
        let view = run_view(&record, &wf, &h.store.events(&run).await.unwrap());
        assert_eq!(view.steps[0].status, "timed_out");
        assert_eq!(
            view.steps[1].status == "skipped",
            skipped_shown,
            "{on_timeout:?}"
        );
    }
}

/// What `answer_task` writes first: the answer on the task record. A crash
/// before its second write (the signal to the run) leaves only this.
async fn record_answer_only(h: &Harness, task_id: &str, date: &str) {
    let mut task = h.store.task(task_id).await.unwrap().unwrap();
    task.status = TaskStatus::Completed;
    task.answer = Some(TaskAnswer {
        outcome: TaskStatus::Completed,
        fields: json!({"date": date}),
        note: None,
        by: Some("oficial@example.com".into()),
        at: h.clock.now(),
    });
    h.store.put_task(&task).await.unwrap();
}

#[tokio::test]
async fn an_answer_recorded_on_the_task_but_never_signalled_still_moves_the_run() {
    // Found by tests/tests/crash_loop.rs: the daemon killed between the two
    // writes of an answer left the task completed and the run waiting on it
    // for ever (the task could not be answered again).
    let h = harness();
    let wf = workflow(vec![
        task_step("confirm", None, OnTimeout::Fail),
        uses(
            "after",
            "set",
            json!({"date": "${{ steps.confirm.outputs.fields.date }}"}),
        ),
    ]);
    let run = h.start(&wf, &[]).await;
    assert_eq!(h.engine.drive(&run).await.unwrap(), RunStatus::Waiting);
    record_answer_only(&h, &format!("{run}.confirm.1"), "2026-01-07").await;

    assert_eq!(h.engine.drive(&run).await.unwrap(), RunStatus::Succeeded);
    assert_eq!(h.calls()[0].2, json!({"date": "2026-01-07"}));
}

#[tokio::test]
async fn a_task_step_run_again_after_a_crash_keeps_the_task_it_created() {
    // The process died after creating the task and before the run recorded
    // that it waits on it; meanwhile the task was answered.
    let h = harness();
    let wf = workflow(vec![
        task_step("confirm", None, OnTimeout::Fail),
        uses(
            "after",
            "set",
            json!({"date": "${{ steps.confirm.outputs.fields.date }}"}),
        ),
    ]);
    let run = h.start(&wf, &[]).await;
    assert_eq!(h.engine.drive(&run).await.unwrap(), RunStatus::Waiting);
    let id = format!("{run}.confirm.1");
    let created = h.store.task(&id).await.unwrap().unwrap();
    // Rewind the run to "task step started" with a fresh run over the same
    // task id: copy the run's first events (created, step started) only.
    let events = h.store.events(&run).await.unwrap();
    let started = events
        .iter()
        .position(|e| matches!(e.event, RunEvent::StepStarted { .. }))
        .unwrap();
    let mut record = h.store.run(&run).await.unwrap().unwrap();
    let replayed: Vec<RunEvent> = events[..=started].iter().map(|e| e.event.clone()).collect();
    let crashed = format!("{run}X");
    record.id = crashed.clone();
    record.next_seq = 0;
    record.status = RunStatus::Running;
    record.wake_at = None;
    h.store.create_run(&mut record, &replayed).await.unwrap();
    let crashed_id = format!("{crashed}.confirm.1");
    h.store
        .put_task(&Task {
            id: crashed_id.clone(),
            run_id: crashed.clone(),
            ..created
        })
        .await
        .unwrap();
    record_answer_only(&h, &crashed_id, "2026-01-08").await;
    // The answer's signal reaches the run, which does not wait for it yet.
    let answer =
        serde_json::to_value(h.store.task(&crashed_id).await.unwrap().unwrap().answer).unwrap();
    h.engine
        .signal(&crashed, &signal_for(&crashed_id), answer)
        .await
        .unwrap();

    assert_eq!(
        h.engine.drive(&crashed).await.unwrap(),
        RunStatus::Succeeded
    );
    assert_eq!(h.calls().last().unwrap().2, json!({"date": "2026-01-08"}));
    let task = h.store.task(&crashed_id).await.unwrap().unwrap();
    assert_eq!(
        task.status,
        TaskStatus::Completed,
        "the re-run must not reopen an answered task: {task:?}"
    );
}

/// How long `nap` takes: well past the commit deferral's time bound.
const NAP: Duration = Duration::from_millis(20);

/// Answers `set` with its input (`nap` too, after [`NAP`]) and notes, per
/// call, which steps the store already holds as started and as succeeded:
/// what a crash at that moment would leave.
struct DurableAtCall {
    store: Arc<MemoryStore>,
    seen: Mutex<Vec<SeenAtCall>>,
}

/// A step called, with the steps the store then held as started and as succeeded.
type SeenAtCall = (String, Vec<String>, Vec<String>);

#[async_trait]
impl Connectors for DurableAtCall {
    fn manifests(&self) -> Vec<Manifest> {
        Vec::new()
    }

    async fn invoke(
        &self,
        _connector: &str,
        action: &str,
        ctx: InvokeContext,
        input: Value,
    ) -> Result<Value, ActionError> {
        let key = ctx.idempotency_key;
        let (mut started, mut succeeded) = (Vec::new(), Vec::new());
        for stored in self.store.events(&key.run_id).await.unwrap() {
            match stored.event {
                RunEvent::StepStarted { step, .. } => started.push(step),
                RunEvent::StepSucceeded { step, .. } => succeeded.push(step),
                _ => {}
            }
        }
        self.seen
            .lock()
            .unwrap()
            .push((key.step_id, started, succeeded));
        if action == "nap" {
            tokio::time::sleep(NAP).await;
        }
        Ok(input)
    }
}

fn durable_at_call_engine() -> (Engine, Arc<DurableAtCall>, Arc<MemoryStore>) {
    let store = Arc::new(MemoryStore::new());
    let connectors = Arc::new(DurableAtCall {
        store: store.clone(),
        seen: Mutex::new(Vec::new()),
    });
    let (engine, _clock) = engine_on(store.clone(), connectors.clone());
    (engine, connectors, store)
}

#[tokio::test]
async fn only_steps_with_side_effects_are_durable_as_started_before_their_call() {
    let (engine, connectors, store) = durable_at_call_engine();
    let wf = workflow(vec![
        pure("check", "set", json!({"x": 1})),
        uses("send", "set", json!({"x": 2})),
        pure("after", "set", json!({"x": 3})),
    ]);
    let source = serde_json::to_string(&wf).unwrap();
    let run = engine
        .start(&wf, &source, "t.yaml", &BTreeMap::new())
        .await
        .unwrap();
    assert_eq!(engine.drive(&run).await.unwrap(), RunStatus::Succeeded);
    let seen = connectors.seen.lock().unwrap().clone();
    let at = |step: &str| seen.iter().find(|(s, _, _)| s == step).unwrap().1.clone();
    // A crash during `check` would just run it again: nothing to record first.
    assert_eq!(at("check"), Vec::<String>::new());
    // A crash during `send` must leave `send` recorded as started.
    assert_eq!(at("send"), vec!["check".to_string(), "send".to_string()]);
    assert_eq!(at("after"), vec!["check".to_string(), "send".to_string()]);
    // Whatever waited for a later commit is durable once the run settles.
    let started_at_end = store
        .events(&run)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| {
            matches!(
                e.event,
                RunEvent::StepStarted { .. } | RunEvent::StepSucceeded { .. }
            )
        })
        .count();
    assert_eq!(started_at_end, 6);
}

#[tokio::test]
async fn a_long_chain_of_side_effect_free_steps_still_commits_as_it_goes() {
    let (engine, connectors, _store) = durable_at_call_engine();
    let steps = (0..200)
        .map(|i| pure(&format!("s{i}"), "set", json!({"i": i})))
        .collect();
    let wf = workflow(steps);
    let source = serde_json::to_string(&wf).unwrap();
    let run = engine
        .start(&wf, &source, "t.yaml", &BTreeMap::new())
        .await
        .unwrap();
    assert_eq!(engine.drive(&run).await.unwrap(), RunStatus::Succeeded);
    let seen = connectors.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 200);
    // Each step adds two events; at most MAX_UNCOMMITTED_EVENTS wait at once.
    for (i, (_, started, _)) in seen.iter().enumerate() {
        // Started so far, this one included, but not yet durable.
        let behind = (i + 1).saturating_sub(started.len());
        assert!(
            2 * behind <= MAX_UNCOMMITTED_EVENTS + 2,
            "call {i}: only {} starts durable",
            started.len()
        );
    }
    assert!(seen[199].1.len() >= 150, "{}", seen[199].1.len());
}

/// Starts and drives a run of `steps` on `engine` to its end.
async fn drive_to_success(engine: &Engine, steps: Vec<Step>) -> RunId {
    let wf = workflow(steps);
    let source = serde_json::to_string(&wf).unwrap();
    let run = engine
        .start(&wf, &source, "t.yaml", &BTreeMap::new())
        .await
        .unwrap();
    assert_eq!(engine.drive(&run).await.unwrap(), RunStatus::Succeeded);
    run
}

#[tokio::test]
async fn a_slow_side_effect_free_step_is_durable_before_the_next_step_starts() {
    let (engine, connectors, _store) = durable_at_call_engine();
    drive_to_success(
        &engine,
        vec![
            pure("nap1", "nap", json!({})),
            pure("nap2", "nap", json!({})),
            pure("after", "set", json!({})),
        ],
    )
    .await;
    let seen = connectors.seen.lock().unwrap().clone();
    let succeeded_at = |step: &str| seen.iter().find(|(s, _, _)| s == step).unwrap().2.clone();
    // A crash during nap2 or after would not run nap1 (or nap2) again.
    assert_eq!(succeeded_at("nap2"), ["nap1"]);
    assert_eq!(succeeded_at("after"), ["nap1", "nap2"]);
}

#[tokio::test]
async fn a_slow_step_with_side_effects_is_durable_as_finished_before_the_next_step_starts() {
    let (engine, connectors, _store) = durable_at_call_engine();
    drive_to_success(
        &engine,
        vec![
            uses("send", "nap", json!({})),
            pure("after", "set", json!({})),
        ],
    )
    .await;
    let seen = connectors.seen.lock().unwrap().clone();
    // Its start was durable before its call; its end, before the next step.
    assert_eq!(seen[0], ("send".into(), vec!["send".into()], vec![]));
    assert_eq!(seen[1].2, ["send"]);
}

/// Answers at once and notes, per call, how many events of the run the
/// store holds: calls that see the same number share one commit.
struct CommittedAtCall {
    store: Arc<MemoryStore>,
    committed: Mutex<Vec<u64>>,
}

#[async_trait]
impl Connectors for CommittedAtCall {
    fn manifests(&self) -> Vec<Manifest> {
        Vec::new()
    }

    async fn invoke(
        &self,
        _connector: &str,
        _action: &str,
        ctx: InvokeContext,
        input: Value,
    ) -> Result<Value, ActionError> {
        let run = self.store.run(&ctx.idempotency_key.run_id).await.unwrap();
        let durable = run.map_or(0, |r| r.next_seq);
        self.committed.lock().unwrap().push(durable);
        Ok(input)
    }
}

#[tokio::test]
async fn fast_side_effect_free_steps_share_commits() {
    let store = Arc::new(MemoryStore::new());
    let connectors = Arc::new(CommittedAtCall {
        store: store.clone(),
        committed: Mutex::new(Vec::new()),
    });
    let (engine, _clock) = engine_on(store.clone(), connectors.clone());
    let steps = (0..200)
        .map(|i| pure(&format!("s{i}"), "set", json!({"i": i})))
        .collect();
    drive_to_success(&engine, steps).await;
    let committed = connectors.committed.lock().unwrap().clone();
    assert_eq!(committed.len(), 200);
    let commits: std::collections::BTreeSet<u64> = committed.into_iter().collect();
    // 400 events at most 64 to a commit is at least 7 commits; the time bound
    // adds one per 5 ms of work. One commit per step would be 200.
    assert!(
        commits.len() <= 50,
        "{} commits seen by 200 fast steps",
        commits.len()
    );
}

/// Appends `events` to `run` as if an earlier process had written them.
async fn history(h: &Harness, run: &str, events: &[RunEvent]) {
    let mut record = h.store.run(run).await.unwrap().unwrap();
    h.store.append(&mut record, events).await.unwrap();
}

#[tokio::test]
async fn a_resumed_step_is_recorded_as_resumed_before_it_is_called_again() {
    let h = harness();
    let wf = workflow(vec![uses("a", "set", json!({"x": 1}))]);
    let run = h.start(&wf, &[]).await;
    let at = h.clock.now();
    history(
        &h,
        &run,
        &[RunEvent::StepStarted {
            step: "a".into(),
            attempt: 1,
            at,
        }],
    )
    .await;
    assert_eq!(h.engine.drive(&run).await.unwrap(), RunStatus::Succeeded);
    assert_eq!(h.calls().len(), 1);
    let events = h.store.events(&run).await.unwrap();
    let resumed = events
        .iter()
        .position(
            |e| matches!(&e.event, RunEvent::StepResumed { step, attempt: 1, .. } if step == "a"),
        )
        .expect("a StepResumed event");
    let succeeded = events
        .iter()
        .position(|e| matches!(e.event, RunEvent::StepSucceeded { .. }))
        .unwrap();
    assert!(resumed < succeeded);
}

#[tokio::test]
async fn a_step_that_stopped_the_process_twice_quarantines_its_run_until_forced() {
    let h = harness();
    let wf = workflow(vec![
        uses("a", "set", json!({"x": 1})),
        uses("b", "set", json!({"x": 2})),
    ]);
    let run = h.start(&wf, &[]).await;
    let at = h.clock.now();
    // Started, resumed after a first stop, and never finished: a second stop.
    history(
        &h,
        &run,
        &[
            RunEvent::StepStarted {
                step: "a".into(),
                attempt: 1,
                at,
            },
            RunEvent::StepResumed {
                step: "a".into(),
                attempt: 1,
                at,
            },
        ],
    )
    .await;
    assert_eq!(h.engine.drive(&run).await.unwrap(), RunStatus::Quarantined);
    assert!(
        h.calls().is_empty(),
        "the poison call is not made a third time"
    );
    let record = h.store.run(&run).await.unwrap().unwrap();
    let reason = record.error.clone().unwrap();
    assert!(reason.contains("step `a`"), "{reason}");
    assert!(reason.contains("attempt 1"), "{reason}");
    assert!(
        reason.contains(&format!("garita resume {run} --force")),
        "{reason}"
    );
    let view = run_view(&record, &wf, &h.store.events(&run).await.unwrap());
    assert_eq!(view.steps[0].status, "quarantined");

    // Resuming everything leaves it alone; it stays unfinished, not failed.
    let resumed = h.engine.resume_all().await.unwrap();
    assert_eq!(resumed, vec![(run.clone(), RunStatus::Quarantined)]);
    assert!(h.calls().is_empty());

    // Forced: the step runs once more with the same key and the run goes on.
    let status = h
        .engine
        .lift_quarantine(&run, Some("ana@example.com".into()))
        .await
        .unwrap();
    assert_eq!(status, RunStatus::Succeeded);
    let calls = h.calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].1.to_string(), format!("{run}/a/1"));
    let events = h.store.events(&run).await.unwrap();
    assert!(events.iter().any(|e| matches!(
        &e.event,
        RunEvent::QuarantineLifted { by: Some(by), .. } if by == "ana@example.com"
    )));
    // Only a quarantined run can be forced.
    let err = h.engine.lift_quarantine(&run, None).await.unwrap_err();
    assert!(err.to_string().contains("not quarantined"), "{err}");
}

/// Two engines on one store sharing one lease table, as two daemons on one
/// database: (engine, its owner name).
fn two_processes() -> (Harness, Engine, Arc<crate::lease::LocalLeases>) {
    let h = harness();
    let leases = Arc::new(crate::lease::LocalLeases::new());
    let ttl = Duration::from_millis(300);
    let Harness {
        engine,
        store,
        clock,
        connectors,
    } = h;
    let engine = engine.with_leases(leases.clone(), "daemon-a".into(), ttl);
    let (other, _) = engine_on(store.clone(), connectors.clone());
    let other = other.with_leases(leases.clone(), "daemon-b".into(), ttl);
    (
        Harness {
            engine,
            store,
            clock,
            connectors,
        },
        other,
        leases,
    )
}

#[tokio::test]
async fn a_run_leased_by_another_process_is_left_to_it() {
    use crate::lease::RunLeases;
    let (h, _other, leases) = two_processes();
    let wf = workflow(vec![uses("a", "set", json!({"x": 1}))]);
    let run = h.start(&wf, &[]).await;
    assert!(leases
        .claim(&run, "daemon-b", Duration::from_secs(60))
        .await
        .unwrap()
        .granted());
    assert_eq!(h.engine.drive(&run).await.unwrap(), RunStatus::Running);
    assert!(
        h.calls().is_empty(),
        "no step may start under another's lease"
    );
    leases.release(&run, "daemon-b").await.unwrap();
    assert_eq!(h.engine.drive(&run).await.unwrap(), RunStatus::Succeeded);
    assert_eq!(h.calls().len(), 1);
    // The driver gave its lease up when the run ended.
    assert!(leases
        .claim(&run, "daemon-b", Duration::from_secs(1))
        .await
        .unwrap()
        .granted());
}

#[tokio::test]
async fn an_expired_lease_is_taken_over_and_the_run_finishes_once() {
    use crate::lease::{LeaseOutcome, RunLeases};
    let (h, _other, leases) = two_processes();
    let wf = workflow(vec![uses("a", "set", json!({"x": 1}))]);
    let run = h.start(&wf, &[]).await;
    // A daemon that died holding the run: its lease is never renewed.
    leases
        .claim(&run, "dead-daemon", Duration::from_millis(50))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(120)).await;
    assert_eq!(h.engine.drive(&run).await.unwrap(), RunStatus::Succeeded);
    assert_eq!(h.calls().len(), 1);
    assert_eq!(
        leases
            .claim(&run, "dead-daemon", Duration::from_secs(1))
            .await
            .unwrap(),
        LeaseOutcome::Granted { taken_over: false },
        "released after the run ended"
    );
}

#[tokio::test]
async fn a_long_step_keeps_its_lease_by_heartbeat() {
    let (h, other, _leases) = two_processes();
    let wf = workflow(vec![uses("a", "slow", json!({}))]);
    let run = h.start(&wf, &[]).await;
    let driving = h.engine.drive(&run);
    let intruder = async {
        // Well past the 300 ms lease: only renewals keep daemon-a the holder.
        tokio::time::sleep(Duration::from_millis(600)).await;
        other.drive(&run).await.unwrap()
    };
    let (mine, theirs) = tokio::join!(driving, intruder);
    assert_eq!(mine.unwrap(), RunStatus::Succeeded);
    assert_eq!(theirs, RunStatus::Running, "the other daemon left it alone");
    assert_eq!(h.calls().len(), 1, "the slow step ran once");
}

#[tokio::test]
async fn a_signal_to_a_run_held_elsewhere_waits_then_says_so() {
    use crate::lease::RunLeases;
    let (h, _other, leases) = two_processes();
    let wf = workflow(vec![uses("a", "set", json!({"x": 1}))]);
    let run = h.start(&wf, &[]).await;
    leases
        .claim(&run, "daemon-b", Duration::from_secs(60))
        .await
        .unwrap();
    let err = h.engine.signal(&run, "go", json!({})).await.unwrap_err();
    assert!(
        matches!(&err, EngineError::DrivenElsewhere { owner, .. } if owner == "daemon-b"),
        "{err}"
    );
    assert!(err.to_string().contains("nothing was recorded"), "{err}");
    let events = h.store.events(&run).await.unwrap();
    assert_eq!(
        events.len(),
        1,
        "only RunCreated: the signal was not recorded"
    );
}

#[tokio::test]
async fn a_run_left_in_a_step_by_a_dead_daemon_is_listed_and_taken_over() {
    use crate::lease::RunLeases;
    let (h, other, leases) = two_processes();
    let wf = workflow(vec![uses("a", "set", json!({"x": 1}))]);
    let left = h.start(&wf, &[]).await;
    let waiting_wf = workflow(vec![wait(
        "wait",
        WaitFor::Signal { name: "go".into() },
        Some(Duration::from_secs(3600)),
        OnTimeout::Fail,
    )]);
    let waiting = h.start(&waiting_wf, &[]).await;
    assert_eq!(h.engine.drive(&waiting).await.unwrap(), RunStatus::Waiting);
    // The dead daemon held `left` when it stopped; its lease is not renewed.
    leases
        .claim(&left, "dead-daemon", Duration::from_millis(50))
        .await
        .unwrap();
    assert_eq!(other.running_runs().await.unwrap(), vec![left.clone()]);
    tokio::time::sleep(Duration::from_millis(120)).await;
    assert_eq!(other.drive(&left).await.unwrap(), RunStatus::Succeeded);
    assert!(other.running_runs().await.unwrap().is_empty());
}
