//! Whole-file tests of [`parse_workflow`]: valid files, and one case per kind
//! of mistake with the exact position it is reported at.

use garita_sdk::{ActionSpec, Manifest};
use serde_json::json;

use super::*;
use crate::model::{CatchUp, InputType, OnTimeout, StepKind, Trigger, WaitFor};

/// Connectors the test files use.
pub(super) fn manifests() -> Vec<Manifest> {
    vec![
        Manifest::new("ecuapass", "1.0.0", "Ecuapass")
            .action(
                ActionSpec::new("validate_ruc", "Checks a RUC").input_schema(json!({
                    "type": "object",
                    "required": ["ruc"],
                    "properties": {"ruc": {"type": "string", "pattern": "^[0-9]{13}$"}, "strict": {"type": "boolean"}},
                    "additionalProperties": false
                })),
            )
            .action(ActionSpec::new("annual_update_guide", "Guide")),
        Manifest::new("email", "1.0.0", "Email").action(
            ActionSpec::new("send", "Sends an email")
                .input_schema(json!({
                    "type": "object",
                    "required": ["to", "subject"],
                    "properties": {
                        "to": {"type": "array", "items": {"type": "string"}},
                        "subject": {"type": "string"},
                        "body": {"type": "string"}
                    }
                }))
                .with_side_effects(),
        ),
    ]
}

fn parse(source: &str) -> Result<Workflow, Diagnostics> {
    parse_workflow("wf.yaml", source, &manifests())
}

/// `line:col: message` of every problem.
fn problems(source: &str) -> Vec<String> {
    match parse(source) {
        Ok(_) => Vec::new(),
        Err(d) => {
            d.0.iter()
                .map(|d| format!("{}:{}: {}", d.line, d.col, d.message))
                .collect()
        }
    }
}

const FULL: &str = r#"
name: ctpat-reminder
description: Reminds people to sign in.
locale: es
time_zone: America/Guayaquil
inputs:
  ruc: {type: string, required: true, description: The company RUC, secret: false}
  kind: {type: enum, values: [a, b], default: a}
  when: {type: date}
  accounts: {type: list, default: []}
on:
  manual: {}
  schedule:
    - cron: "0 8 * * 1-5"
      time_zone: America/Guayaquil
      catch_up: last
  event:
    - account.offboarded
    - {name: account.reactivated}
steps:
  - id: check
    name: Validate the RUC
    if: ${{ inputs.kind == 'a' }}
    uses: ecuapass.validate_ruc
    with: {ruc: "${{ inputs.ruc }}"}
    retry: {attempts: 3, backoff: 10s, factor: 2, max_backoff: 5m}
    timeout: 30s
    outputs: {ok: "${{ result.valid }}"}
  - id: approve
    task:
      title: "Approve ${{ inputs.ruc }}"
      body: "Markdown ${{ steps.check.outputs.ok }}"
      assignee: officer@example.com
      due: 3d
      fields: {type: object, properties: {date: {type: string}}}
      on_timeout: {goto: fan}
  - id: pause
    wait:
      signal: reactivated
      timeout: 7d
      on_timeout: continue
    outputs: {by: "${{ signal.by }}"}
  - id: fan
    for_each: ${{ inputs.accounts }}
    as: account
    concurrency: 2
    steps:
      - id: notify
        if: index < 10 and steps.check.outputs.ok
        uses: email.send
        with:
          to: ["${{ account.email }}"]
          subject: "Hola ${{ account.name }}"
        retry: 2
      - id: settle
        wait: {for: 2h}
outputs:
  summary: "${{ steps.check.outputs.ok }} / ${{ steps.pause.outputs.by }}"
"#;

#[test]
fn full_example_parses() {
    let wf = match parse(FULL) {
        Ok(wf) => wf,
        Err(d) => panic!("{d}"),
    };
    assert_eq!(wf.name, "ctpat-reminder");
    assert_eq!(wf.locale, "es");
    assert_eq!(wf.time_zone, "America/Guayaquil");
    assert_eq!(wf.inputs.len(), 4);
    assert!(wf.inputs[0].required);
    assert_eq!(
        wf.inputs[1].kind,
        InputType::Enum {
            values: vec!["a".into(), "b".into()]
        }
    );
    assert_eq!(wf.inputs[1].default, Some(json!("a")));
    assert_eq!(
        wf.triggers,
        vec![
            Trigger::Manual,
            Trigger::Schedule {
                cron: "0 8 * * 1-5".into(),
                time_zone: "America/Guayaquil".into(),
                catch_up: CatchUp::Last
            },
            Trigger::Event {
                name: "account.offboarded".into()
            },
            Trigger::Event {
                name: "account.reactivated".into()
            },
        ]
    );
    assert_eq!(wf.steps.len(), 4);
    let check = &wf.steps[0];
    assert_eq!(check.span, Span { line: 21, col: 5 });
    assert_eq!(
        check.condition.as_deref(),
        Some("${{ inputs.kind == 'a' }}")
    );
    assert_eq!(check.retry.attempts, 3);
    assert_eq!(check.retry.initial_backoff.as_secs(), 10);
    assert_eq!(check.retry.max_backoff.as_secs(), 300);
    assert_eq!(check.timeout.map(|t| t.as_secs()), Some(30));
    assert_eq!(check.outputs.get("ok"), Some(&json!("${{ result.valid }}")));
    match &check.kind {
        StepKind::Uses {
            connector,
            action,
            with,
        } => {
            assert_eq!(
                (connector.as_str(), action.as_str()),
                ("ecuapass", "validate_ruc")
            );
            assert_eq!(with, &json!({"ruc": "${{ inputs.ruc }}"}));
        }
        other => panic!("{other:?}"),
    }
    match &wf.steps[1].kind {
        StepKind::Task(task) => {
            assert_eq!(task.due.map(|d| d.as_secs()), Some(3 * 86400));
            assert_eq!(task.on_timeout, OnTimeout::Goto("fan".into()));
            assert!(task.fields.is_some());
        }
        other => panic!("{other:?}"),
    }
    match &wf.steps[2].kind {
        StepKind::Wait(wait) => {
            assert_eq!(
                wait.wait_for,
                WaitFor::Signal {
                    name: "reactivated".into()
                }
            );
            assert_eq!(wait.on_timeout, OnTimeout::Continue);
        }
        other => panic!("{other:?}"),
    }
    match &wf.steps[3].kind {
        StepKind::ForEach(fan) => {
            assert_eq!(fan.item_var, "account");
            assert_eq!(fan.concurrency, 2);
            assert_eq!(fan.steps.len(), 2);
            assert_eq!(fan.steps[0].retry.attempts, 2);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(wf.outputs.len(), 1);
}

#[test]
fn minimal_workflow_gets_defaults() {
    let wf = parse("name: x\nsteps:\n  - id: a\n    wait: {for: 1h}\n").unwrap();
    assert_eq!(wf.locale, "es");
    assert_eq!(wf.time_zone, "UTC");
    assert!(wf.triggers.is_empty());
    assert!(wf.inputs.is_empty());
    assert_eq!(wf.steps[0].retry, crate::model::RetryPolicy::default());
}
