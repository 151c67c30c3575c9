//! Whole-file tests of [`parse_workflow`]: valid files, and one case per kind
//! of mistake with the exact position it is reported at.

use garita_sdk::{ActionSpec, Manifest};
use serde_json::json;

use super::*;
use crate::model::{
    CatchUp, ForEachSpec, InputType, OnTimeout, ParentStepReads, StepKind, Trigger, WaitFor,
};

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

pub(super) const FULL: &str = r#"
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
                catch_up: CatchUp::Last,
                business_days: None,
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
            side_effects,
        } => {
            assert_eq!(
                (connector.as_str(), action.as_str()),
                ("ecuapass", "validate_ruc")
            );
            assert_eq!(with, &json!({"ruc": "${{ inputs.ruc }}"}));
            assert!(!side_effects, "validate_ruc declares none");
        }
        other => panic!("{other:?}"),
    }
    match &wf.steps[1].kind {
        StepKind::Task(task) => {
            assert_eq!(
                task.due,
                Some(crate::model::Due::Elapsed(std::time::Duration::from_secs(
                    3 * 86400
                )))
            );
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
            assert!(
                matches!(
                    fan.steps[0].kind,
                    StepKind::Uses {
                        side_effects: true,
                        ..
                    }
                ),
                "email.send declares side effects: {:?}",
                fan.steps[0].kind
            );
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

/// Asserts the problems of `source`, in order: each expectation is
/// `"line:col: part of the message"`.
#[track_caller]
fn expect(source: &str, expected: &[&str]) {
    let found = problems(source);
    let matches = found.len() == expected.len()
        && found.iter().zip(expected).all(|(f, e)| {
            let (pos, text) = e.split_once(": ").unwrap_or((e, ""));
            f.starts_with(&format!("{pos}: ")) && f.contains(text)
        });
    assert!(matches, "\nexpected: {expected:#?}\n   found: {found:#?}");
}

/// The first hint given for `source`.
fn first_hint(source: &str) -> String {
    parse(source)
        .err()
        .and_then(|d| d.0.into_iter().find_map(|d| d.hint))
        .unwrap_or_default()
}

#[test]
fn three_mistakes_three_diagnostics() {
    expect(
        "name: three\nstpes: []\nsteps:\n  - id: a\n    uses: ecuapas.validate_ruc\n    with: {ruc: \"0990000000001\"}\n  - id: b\n    wait: {for: soon}\n",
        &[
            "2:1: unknown key `stpes` in the workflow",
            "5:11: unknown connector `ecuapas`",
            "8:17: `for` of the `wait` of step `b` `soon` is not a duration",
        ],
    );
    assert_eq!(
        first_hint("name: x\nstpes: []\nsteps: [{id: a, wait: {for: 1h}}]\n"),
        "did you mean `steps`?"
    );
}

#[test]
fn yaml_level_problems() {
    expect(
        "name: x\nname: y\nsteps: [{id: a, wait: {for: 1h}}]\n",
        &["2:1: duplicate key `name`"],
    );
    expect(
        "name: x\nsteps: [{id: a, wait: &w {for: 1h}}]\n",
        &["2:26: anchors"],
    );
    expect("name: x\nsteps: [\n", &["3:1: this is not valid YAML"]);
    expect("", &["1:1: the file is empty"]);
    expect("- a\n- b\n", &["1:1: a workflow file must be a mapping"]);
}

#[test]
fn top_level_problems() {
    expect(
        "description: d\n",
        &[
            "1:1: the workflow is missing the required key `name`",
            "1:1: the workflow is missing the required key `steps`",
        ],
    );
    expect(
        "name: Bad Name\nsteps: [{id: a, wait: {for: 1h}}]\n",
        &["1:7: workflow name `Bad Name` is not valid"],
    );
    assert_eq!(
        first_hint("name: Bad Name\nsteps: [{id: a, wait: {for: 1h}}]\n"),
        "use lowercase letters, digits and `-`, e.g. `bad-name`"
    );
    expect(
        "name: x\nlocale: fr\nsteps: [{id: a, wait: {for: 1h}}]\n",
        &["2:9: `locale` must be `es` or `en`"],
    );
    expect(
        "name: x\ntime_zone: America/Guayaquill\nsteps: [{id: a, wait: {for: 1h}}]\n",
        &["2:12: `time_zone` `America/Guayaquill` is not a known IANA time zone"],
    );
    expect(
        "name: x\nsteps: {id: a}\n",
        &["2:8: `steps` must be a list of steps, not a mapping"],
    );
    expect("name: x\nsteps: []\n", &["2:8: `steps` is empty"]);
}

#[test]
fn input_problems() {
    let steps = "steps: [{id: a, wait: {for: 1h}}]\n";
    expect(
        &format!("name: x\ninputs:\n  n: {{type: numbr}}\n{steps}"),
        &["3:13: input `n` has unknown type `numbr`"],
    );
    expect(
        &format!("name: x\ninputs:\n  n: {{type: number, default: many}}\n{steps}"),
        &["3:30: the default of input `n` must be a number"],
    );
    expect(
        &format!("name: x\ninputs:\n  k: {{type: enum}}\n{steps}"),
        &["3:6: input `k` is an enum without `values`"],
    );
    expect(
        &format!("name: x\ninputs:\n  d: {{type: date, default: 2024-13-01}}\n{steps}"),
        &["3:28: the default of input `d` must be a date"],
    );
    expect(
        &format!("name: x\ninputs:\n  my-ruc: string\n{steps}"),
        &["3:3: input name `my-ruc` is not a valid name"],
    );
    expect(
        &format!("name: x\ninputs:\n  r: {{type: string, requird: true}}\n{steps}"),
        &["3:21: unknown key `requird` in input `r`"],
    );
    expect(
        &format!("name: x\ninputs:\n  r: {{required: true, default: a}}\n{steps}"),
        &["3:32: input `r` is `required: true` and has a `default`"],
    );
}

#[test]
fn trigger_problems() {
    let steps = "steps: [{id: a, wait: {for: 1h}}]\n";
    expect(
        &format!("name: x\non:\n  schedule: {{cron: \"0 8 * *\"}}\n{steps}"),
        &["3:20: `cron` `0 8 * *` is not a valid cron expression"],
    );
    expect(
        &format!("name: x\non:\n  schedule:\n    - cron: \"0 0 31 2 *\"\n{steps}"),
        &["4:13: `cron` `0 0 31 2 *` never fires"],
    );
    expect(&format!("name: x\non:\n  schedule:\n    - cron: \"0 8 * * *\"\n      time_zone: Mars/Base\n{steps}"), &["5:18: `time_zone` `Mars/Base` is not a known IANA time zone"]);
    expect(
        &format!("name: x\non:\n  schedule: {{cron: \"0 8 * * *\", catch_up: some}}\n{steps}"),
        &["3:43: `catch_up` must be `all`, `last` or `none`"],
    );
    expect(
        &format!("name: x\non:\n  schedule: {{cron: \"0 8 * * *\", business_days: us}}\n{steps}"),
        &["3:48: `business_days` must be `MX`, `EC` or `US`, not `us`"],
    );
    assert_eq!(
        first_hint(&format!(
            "name: x\non:\n  schedule: {{cron: \"0 8 * * *\", business_days: us}}\n{steps}"
        )),
        "write it in capitals: `US`"
    );
    expect(
        &format!("name: x\non:\n  schedule: {{cron: \"0 8 * * *\", business_days: [US]}}\n{steps}"),
        &["3:48: `business_days` must be `MX`, `EC` or `US`, not a list"],
    );
    expect(
        &format!("name: x\non:\n  shedule: {{cron: \"0 8 * * *\"}}\n{steps}"),
        &["3:3: unknown key `shedule` in `on`"],
    );
    expect(
        &format!("name: x\non: [manual, manul]\n{steps}"),
        &["2:14: unknown trigger `manul`"],
    );
    expect(
        &format!("name: x\non:\n  event: Account Offboarded\n{steps}"),
        &["3:10: event name `Account Offboarded` is not a valid name"],
    );
    let wf = parse(&format!(
        "name: x\non:\n  schedule: {{cron: \"0 9 1 * *\", time_zone: America/Guayaquil, business_days: EC}}\n{steps}"
    ))
    .unwrap();
    assert_eq!(
        wf.triggers,
        vec![Trigger::Schedule {
            cron: "0 9 1 * *".into(),
            time_zone: "America/Guayaquil".into(),
            catch_up: CatchUp::Last,
            business_days: Some(crate::calendar::Country::Ecuador),
        }]
    );
    let wf = parse(&format!("name: x\non: manual\n{steps}")).unwrap();
    assert_eq!(wf.triggers, vec![Trigger::Manual]);
    let wf = parse(&format!("name: x\ntime_zone: America/Mexico_City\non:\n  - manual\n  - schedule: \"0 9 1 1 *\"\n  - event: a.b\n{steps}")).unwrap();
    assert_eq!(
        wf.triggers,
        vec![
            Trigger::Manual,
            Trigger::Schedule {
                cron: "0 9 1 1 *".into(),
                time_zone: "America/Mexico_City".into(),
                catch_up: CatchUp::Last,
                business_days: None,
            },
            Trigger::Event { name: "a.b".into() },
        ]
    );
}

#[test]
fn step_shape_problems() {
    expect(
        "name: x\nsteps:\n  - id: a\n    name: nothing\n",
        &["3:5: step `a` does nothing"],
    );
    expect(
        "name: x\nsteps:\n  - id: a\n    wait: {for: 1h}\n    task: {title: t}\n",
        &["5:5: step `a` has both `wait:` and `task:`"],
    );
    expect(
        "name: x\nsteps:\n  - wait: {for: 1h}\n",
        &["3:5: this step is missing the required key `id`"],
    );
    expect(
        "name: x\nsteps:\n  - id: check-ruc\n    wait: {for: 1h}\n",
        &["3:9: step id `check-ruc` is not a valid name"],
    );
    expect(
        "name: x\nsteps:\n  - id: a\n    wait: {for: 1h}\n  - id: a\n    wait: {for: 2h}\n",
        &["5:9: duplicate step id `a`; it is already used by the step at line 3, column 5"],
    );
    expect(
        "name: x\nsteps:\n  - id: a\n    wait: {for: 1h}\n    with: {x: 1}\n",
        &["5:5: `with` only applies to `uses:` steps"],
    );
    expect(
        "name: x\nsteps:\n  - id: a\n    wait: {for: 1h}\n    timout: 1h\n",
        &["5:5: unknown key `timout` in step `a`"],
    );
    expect(
        "name: x\nsteps:\n  - just a string\n",
        &["3:5: a step must be a mapping"],
    );
}

#[test]
fn uses_problems() {
    expect(
        "name: x\nsteps:\n  - id: a\n    uses: validate_ruc\n",
        &["4:11: `uses: validate_ruc` of step `a` is not of the form CONNECTOR.ACTION"],
    );
    expect("name: x\nsteps:\n  - id: a\n    uses: ecuapass.validate_rut\n    with: {ruc: \"0990000000001\"}\n", &["4:11: connector `ecuapass` has no action `validate_rut`"]);
    assert_eq!(
        first_hint("name: x\nsteps:\n  - id: a\n    uses: ecuapass.validate_rut\n"),
        "did you mean `ecuapass.validate_ruc`?"
    );
    assert_eq!(
        first_hint("name: x\nsteps:\n  - id: a\n    uses: ecuapass.frobnicate\n"),
        "`ecuapass` offers: `validate_ruc`, `annual_update_guide`"
    );
    assert_eq!(
        first_hint("name: x\nsteps:\n  - id: a\n    uses: sftp.put\n"),
        "loaded connectors: `ecuapass`, `email`"
    );
    let none = parse_workflow(
        "wf.yaml",
        "name: x\nsteps:\n  - id: a\n    uses: sftp.put\n",
        &[],
    )
    .unwrap_err();
    assert_eq!(
        none.0[0].hint.as_deref(),
        Some("no connectors are loaded; check `garita plugins list`")
    );
}

#[test]
fn with_is_checked_against_the_input_schema() {
    // Missing required property: reported at `with`.
    expect(
        "name: x\nsteps:\n  - id: a\n    uses: ecuapass.validate_ruc\n    with: {strict: true}\n",
        &["5:11: `with` of step `a` does not match the input of `ecuapass.validate_ruc`: \"ruc\" is a required property"],
    );
    // No `with` at all: reported at `uses`.
    expect(
        "name: x\nsteps:\n  - id: a\n    uses: ecuapass.validate_ruc\n",
        &["4:11: `with` of step `a` does not match"],
    );
    // A wrong literal is reported at the value; an unexpected key at `with`.
    expect(
        "name: x\nsteps:\n  - id: a\n    uses: ecuapass.validate_ruc\n    with:\n      ruc: \"12\"\n      strict: yes\n      extra: 1\n",
        &[
            "6:12: `with` of step `a` does not match the input of `ecuapass.validate_ruc` at `/ruc`",
            "7:15: `with` of step `a` does not match the input of `ecuapass.validate_ruc` at `/strict`",
            "8:14: `with` of step `a` does not match the input of `ecuapass.validate_ruc` at `/extra`: Additional properties are not allowed",
        ],
    );
    // Templated values are left to run time.
    assert!(problems("name: x\ninputs: {ruc: string, strict: bool}\nsteps:\n  - id: a\n    uses: ecuapass.validate_ruc\n    with: {ruc: \"${{ inputs.ruc }}\", strict: \"${{ inputs.strict }}\"}\n").is_empty());
    assert_eq!(
        first_hint("name: x\nsteps:\n  - id: a\n    uses: ecuapass.validate_ruc\n    with: {}\n"),
        "`ecuapass.validate_ruc` takes: `ruc` (required), `strict`"
    );
    expect(
        "name: x\nsteps:\n  - id: a\n    uses: ecuapass.validate_ruc\n    with: [1]\n",
        &["5:11: `with` of step `a` must be a mapping"],
    );
}

#[test]
fn template_problems() {
    let head = "name: x\ninputs: {ruc: string}\nsteps:\n";
    expect(
        &format!("{head}  - id: a\n    task: {{title: \"${{{{ inputs.rcu }}}}\"}}\n"),
        &["5:19: `title` of the `task` of step `a` reads `inputs.rcu`, but no such input is declared"],
    );
    assert_eq!(
        first_hint(&format!(
            "{head}  - id: a\n    task: {{title: \"${{{{ inputs.rcu }}}}\"}}\n"
        )),
        "did you mean `ruc`?"
    );
    expect(
        &format!("{head}  - id: a\n    task: {{title: \"${{{{ steps.b.outputs.x }}}}\"}}\n  - id: b\n    wait: {{for: 1h}}\n"),
        &["5:19: `title` of the `task` of step `a` reads `steps.b`, but step `b` runs later"],
    );
    expect(
        &format!("{head}  - id: a\n    task: {{title: \"${{{{ steps.a.outputs }}}}\"}}\n"),
        &["5:19: `title` of the `task` of step `a` reads `steps.a`, the step it belongs to"],
    );
    expect(
        &format!("{head}  - id: a\n    task: {{title: \"${{{{ steps.nope.outputs }}}}\"}}\n"),
        &["5:19: `title` of the `task` of step `a` reads `steps.nope`, but there is no step `nope`"],
    );
    expect(
        &format!("{head}  - id: a\n    task: {{title: \"${{{{ inputs.ruc \"}}\n"),
        &["5:19: `title` of the `task` of step `a`: invalid template"],
    );
    expect(
        &format!("{head}  - id: a\n    if: inputs.ruc ==\n    wait: {{for: 1h}}\n"),
        &["5:9: the `if` of step `a`: invalid expression"],
    );
    expect(
        &format!("{head}  - id: a\n    task: {{title: \"${{{{ secrets.token }}}}\"}}\n"),
        &["5:19: `title` of the `task` of step `a` reads `secrets`, which does not exist here"],
    );
    expect(
        &format!("{head}  - id: a\n    task: {{title: \"${{{{ result.x }}}}\"}}\n"),
        &["5:19: `title` of the `task` of step `a` reads `result`, which does not exist here"],
    );
    expect(
        &format!("{head}  - id: a\n    uses: ecuapass.annual_update_guide\n    outputs: {{x: \"${{{{ result.x }}}}\"}}\n  - id: b\n    task: {{title: \"${{{{ steps.a.outputs.y }}}}\"}}\n"),
        &["8:19: `title` of the `task` of step `b` reads `steps.a.outputs.y`, but step `a` declares no output `y`"],
    );
    expect(
        &format!("{head}  - id: a\n    uses: ecuapass.annual_update_guide\n  - id: b\n    task: {{title: \"${{{{ steps.a.ok }}}}\"}}\n"),
        &["7:19: `title` of the `task` of step `b` reads `steps.a.ok`; a step only exposes `outputs` and `status`"],
    );
    expect(
        &format!("{head}  - id: a\n    wait: {{for: 1h}}\noutputs:\n  x: \"${{{{ item }}}}\"\n"),
        &["7:6: output `x` reads `item`, which does not exist here"],
    );
}

#[test]
fn for_each_scoping() {
    let head = "name: x\ninputs: {list: list}\nsteps:\n";
    // Nested steps see the item, the index, earlier nested steps and earlier outer steps.
    assert_eq!(
        problems(&format!(
            "{head}  - id: a\n    wait: {{for: 1h}}\n  - id: fan\n    for_each: inputs.list\n    as: acct\n    steps:\n      - id: n1\n        task: {{title: \"${{{{ acct.name }}}} ${{{{ index }}}} ${{{{ steps.a.outputs }}}}\"}}\n      - id: n2\n        task: {{title: \"${{{{ steps.n1.outputs }}}}\"}}\n"
        )),
        Vec::<String>::new()
    );
    expect(
        &format!("{head}  - id: fan\n    for_each: inputs.list\n    steps:\n      - id: n1\n        wait: {{for: 1h}}\n  - id: after\n    task: {{title: \"${{{{ steps.n1.outputs }}}}\"}}\n"),
        &["10:19: `title` of the `task` of step `after` reads `steps.n1`, which is a step inside the `for_each` step `fan`"],
    );
    expect(
        &format!("{head}  - id: fan\n    for_each: inputs.list\n    concurrency: 0\n    steps:\n      - id: n1\n        wait: {{for: 1h}}\n"),
        &["6:18: `concurrency` of step `fan` must be between 1 and 64, not 0"],
    );
    expect(
        &format!("{head}  - id: fan\n    for_each: inputs.list\n    as: inputs\n    steps:\n      - id: n1\n        wait: {{for: 1h}}\n"),
        &["6:9: `as` of step `fan` `inputs` would hide a name templates already use"],
    );
    expect(
        &format!("{head}  - id: fan\n    for_each: inputs.list\n"),
        &["4:5: step `fan` has `for_each` but no `steps`"],
    );
    expect(
        &format!(
            "{head}  - id: fan\n    for_each: [a, b]\n    steps: [{{id: n, wait: {{for: 1h}}}}]\n"
        ),
        &["5:15: the `for_each` of step `fan` must be an expression, not a literal list"],
    );
    // Nested problems are reported too.
    expect(
        &format!("{head}  - id: fan\n    for_each: inputs.list\n    steps:\n      - id: n1\n        wait: {{for: forever}}\n"),
        &["8:21: `for` of the `wait` of step `n1` `forever` is not a duration"],
    );
}

#[test]
fn timing_problems() {
    expect(
        "name: x\nsteps:\n  - id: a\n    uses: ecuapass.annual_update_guide\n    timeout: 30\n",
        &["5:14: `timeout` of step `a` `30` has no unit"],
    );
    expect(
        "name: x\nsteps:\n  - id: a\n    uses: ecuapass.annual_update_guide\n    retry: 0\n",
        &["5:12: `retry` of step `a` asks for 0 attempts; it must be at least 1"],
    );
    expect(
        "name: x\nsteps:\n  - id: a\n    uses: ecuapass.annual_update_guide\n    retry: {attempts: 3, backoff: 1m, max_backoff: 10s}\n",
        &["5:52: `max_backoff` of `retry` of step `a` is shorter than its `backoff`"],
    );
    expect(
        "name: x\nsteps:\n  - id: a\n    uses: ecuapass.annual_update_guide\n    retry: {attempts: 3, factor: 0.5}\n",
        &["5:34: `factor` of `retry` of step `a` must be between 1 and 10"],
    );
    expect(
        "name: x\nsteps:\n  - id: a\n    wait: {signal: reactivated}\n",
        &["4:11: the `wait` of step `a` waits for a signal but has no `timeout`"],
    );
    expect(
        "name: x\nsteps:\n  - id: a\n    wait: {for: 1h, until: 2025-01-01}\n",
        &["4:21: the `wait` of step `a` has both `for` and `until`"],
    );
    expect(
        "name: x\nsteps:\n  - id: a\n    wait: {until: next week}\n",
        &["4:19: `until` of the `wait` of step `a` `next week` is neither a date nor a template"],
    );
    expect(
        "name: x\nsteps:\n  - id: a\n    task: {title: t, on_timeout: continue}\n",
        &["4:34: `on_timeout` of the `task` of step `a` has no effect without `due`"],
    );
}

#[test]
fn goto_problems() {
    let tail = "  - id: b\n    wait: {for: 1h}\n";
    expect(
        &format!("name: x\nsteps:\n  - id: a\n    task: {{title: t, due: 1d, on_timeout: {{goto: c}}}}\n{tail}"),
        &["4:50: `on_timeout` of step `a` jumps to `c`, but there is no step `c`"],
    );
    expect(
        &format!("name: x\nsteps:\n{tail}  - id: a\n    task: {{title: t, due: 1d, on_timeout: {{goto: b}}}}\n"),
        &["6:50: `on_timeout` of step `a` jumps back to `b`, an earlier step"],
    );
    expect(
        "name: x\nsteps:\n  - id: a\n    task: {title: t, due: 1d, on_timeout: {goto: a}}\n",
        &["4:50: `on_timeout` of step `a` jumps to `a`, its own step"],
    );
    expect(
        &format!(
            "name: x\nsteps:\n  - id: a\n    task: {{title: t, due: 1d, on_timeout: skip}}\n{tail}"
        ),
        &["4:43: `on_timeout` of step `a` cannot be `skip`"],
    );
    let wf = parse(&format!("name: x\nsteps:\n  - id: a\n    task: {{title: t, due: 1d, on_timeout: {{goto: b}}}}\n{tail}")).unwrap();
    match &wf.steps[0].kind {
        StepKind::Task(task) => assert_eq!(task.on_timeout, OnTimeout::Goto("b".into())),
        other => panic!("{other:?}"),
    }
}

#[test]
fn task_form_must_be_an_object_schema() {
    expect(
        "name: x\nsteps:\n  - id: a\n    task: {title: t, fields: {type: 7}}\n",
        &["4:30: `fields` of the `task` of step `a` is not a valid JSON Schema"],
    );
    expect(
        "name: x\nsteps:\n  - id: a\n    task: {title: t, fields: {type: string}}\n",
        &["4:30: `fields` of the `task` of step `a` describes \"string\""],
    );
}

#[test]
fn display_format_is_path_line_col() {
    let err = parse("name: x\nstpes: []\nsteps: [{id: a, wait: {for: 1h}}]\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "wf.yaml:2:1: unknown key `stpes` in the workflow\n  hint: did you mean `steps`?"
    );
}

#[test]
fn windows_line_endings_and_bom_are_accepted() {
    let source = "\u{feff}name: x\r\nsteps:\r\n  - id: a\r\n    wait: {for: 1h}\r\n";
    let wf = parse(source).unwrap();
    assert_eq!(wf.steps[0].span, Span { line: 3, col: 5 });
    expect(
        "name: x\r\nsteps:\r\n  - id: a\r\n    wait: {for: 1}\r\n",
        &["4:17: `for` of the `wait` of step `a` `1` has no unit"],
    );
}

#[test]
fn a_file_of_thousands_of_unknown_references_stops_at_the_problem_limit() {
    // Found while testing bad input: 3,000 steps and 25,000 references to
    // steps that do not exist (849 KB) ran a "did you mean" search over every
    // step per reference, for more than 5 minutes in a debug build.
    let mut source = String::from("name: many\nsteps:\n");
    for i in 0..3_000 {
        source.push_str(&format!(
            "  - {{id: s{i:05}, uses: ecuapass.annual_update_guide}}\n"
        ));
    }
    let refs: Vec<String> = (0..25_000)
        .map(|i| format!("${{{{ steps.t{i:05}.outputs.x }}}}"))
        .collect();
    source.push_str(&format!(
        "  - id: last\n    uses: ecuapass.annual_update_guide\n    with: {{v: \"{}\"}}\n",
        refs.join(" ")
    ));
    let before = super::suggest::COMPARISONS.with(std::cell::Cell::get);
    let problems = parse(&source).unwrap_err().0;
    let comparisons = super::suggest::COMPARISONS.with(std::cell::Cell::get) - before;
    assert_eq!(problems.len(), limits::MAX_PROBLEMS + 1);
    assert!(
        problems
            .iter()
            .any(|p| p.message.contains("there is no step `t00000`")),
        "{problems:?}"
    );
    let last = problems.last().unwrap();
    assert!(
        last.message.contains("stopped after 200 problems"),
        "{last}"
    );
    // A guard against the per-reference search coming back (it took more
    // than 5 minutes), counted in work rather than seconds: at most one
    // search over the 3,001 steps per kept problem. The per-reference
    // search made 25,000 of them (75 million comparisons).
    let bound = (limits::MAX_PROBLEMS as u64 + 1) * 3_001;
    assert!(
        comparisons > 0,
        "the kept problems were searched for a suggestion"
    );
    assert!(
        comparisons <= bound,
        "{comparisons} edit distances computed, more than {bound}"
    );
}

#[test]
fn a_wait_for_business_days_reads_like_a_tasks_due() {
    let wf = parse(
        "name: x\nsteps:\n  - id: remind_later\n    wait: {for: {days: 3, business_days: EC}}\n",
    )
    .expect("parses");
    match &wf.steps[0].kind {
        StepKind::Wait(wait) => assert_eq!(
            wait.wait_for,
            WaitFor::BusinessDays {
                days: 3,
                calendar: crate::calendar::Country::Ecuador
            }
        ),
        other => panic!("{other:?}"),
    }
    let missing = problems("name: x\nsteps:\n  - id: w\n    wait: {for: {days: 3}}\n");
    assert!(
        missing.iter().any(|p| p.contains("does not say whose")),
        "{missing:?}"
    );
    let words = problems("name: x\nsteps:\n  - id: w\n    wait: {for: 3 business days}\n");
    assert!(
        words.iter().any(|p| p.contains("is not a duration")),
        "{words:?}"
    );
}

#[test]
fn a_signal_timeout_in_business_days_reads_like_a_tasks_due() {
    let wf = parse(
        "name: x\nsteps:\n  - id: reply\n    wait: {signal: cbp.replied, timeout: {days: 5, business_days: US}, on_timeout: continue}\n",
    )
    .expect("parses");
    match &wf.steps[0].kind {
        StepKind::Wait(wait) => {
            assert_eq!(
                wait.timeout,
                Some(crate::model::Due::BusinessDays {
                    days: 5,
                    calendar: crate::calendar::Country::UnitedStates
                })
            );
            assert_eq!(wait.on_timeout, OnTimeout::Continue);
        }
        other => panic!("{other:?}"),
    }
    // Elapsed time keeps its meaning.
    let wf = parse("name: x\nsteps:\n  - id: reply\n    wait: {signal: s, timeout: 7d}\n")
        .expect("parses");
    match &wf.steps[0].kind {
        StepKind::Wait(wait) => assert_eq!(
            wait.timeout,
            Some(crate::model::Due::Elapsed(std::time::Duration::from_secs(
                7 * 86_400
            )))
        ),
        other => panic!("{other:?}"),
    }
    let missing = problems(
        "name: x\nsteps:\n  - id: w\n    wait: {signal: s, timeout: {days: 3, business_days: FR}}\n",
    );
    assert!(
        missing
            .iter()
            .any(|p| p.contains("`business_days` must be `MX`, `EC` or `US`")),
        "{missing:?}"
    );
    let words = problems("name: x\nsteps:\n  - id: w\n    wait: {signal: s, timeout: 5bd}\n");
    assert!(
        words
            .iter()
            .any(|p| p.contains("`timeout` of the `wait` of step `w` `5bd` is not a duration")),
        "{words:?}"
    );
    // The workflow schema takes the same form.
    let schema = crate::schema::workflow_json_schema();
    let wait = &schema["$defs"]["wait"]["properties"];
    assert!(
        wait["timeout"].to_string().contains("business_days"),
        "{wait}"
    );
    assert!(wait["for"].to_string().contains("business_days"), "{wait}");
}

/// The `for_each` steps of a parsed workflow, by id, at any depth.
fn for_each_specs(steps: &[crate::model::Step], out: &mut Vec<(String, ForEachSpec)>) {
    for step in steps {
        if let StepKind::ForEach(spec) = &step.kind {
            out.push((step.id.clone(), spec.clone()));
            for_each_specs(&spec.steps, out);
        }
    }
}

fn parent_steps_of(source: &str) -> Vec<(String, ParentStepReads)> {
    let workflow = parse(source).unwrap_or_else(|d| panic!("{d:?}"));
    let mut specs = Vec::new();
    for_each_specs(&workflow.steps, &mut specs);
    specs
        .into_iter()
        .map(|(id, spec)| (id, spec.parent_steps))
        .collect()
}

fn only(ids: &[&str]) -> ParentStepReads {
    ParentStepReads::Only(ids.iter().map(|id| (*id).to_owned()).collect())
}

#[test]
fn a_for_each_knows_which_parent_steps_its_templates_read() {
    let source = r#"
name: x
inputs: {list: list}
steps:
  - id: user
    wait: {for: 1h}
  - id: group
    wait: {for: 1h}
  - id: deactivated
    wait: {for: 1h}
  - id: fan
    for_each: steps.deactivated.outputs
    as: acct
    steps:
      - id: n1
        if: steps.user.status == 'succeeded'
        task: {title: "the user group was deactivated: ${{ acct.name }} ${{ parent.run }}"}
      - id: inner
        for_each: inputs.list
        steps:
          - id: n2
            task: {title: "{% for o in parent.steps.group.outputs %}${{ o }}{% endfor %} ${{ steps.n1.status }}"}
"#;
    // The list `fan` iterates is evaluated in the parent, and prose that
    // happens to spell a step id reads nothing: `deactivated` is not copied.
    // A read inside the nested `for_each` counts for `fan` too, whose
    // children pass it on.
    assert_eq!(
        parent_steps_of(source),
        [
            ("fan".to_owned(), only(&["group", "n1", "user"])),
            ("inner".to_owned(), only(&["group", "n1"])),
        ]
    );
}

#[test]
fn a_for_each_whose_templates_read_steps_as_a_whole_copies_them_all() {
    let head = "name: x\ninputs: {list: list}\nsteps:\n  - id: user\n    wait: {for: 1h}\n  - id: fan\n    for_each: inputs.list\n    steps:\n      - id: n1\n        task: {title: \"";
    for template in [
        "${{ steps[item] }}",
        "${{ parent }}",
        "${{ parent.steps | length }}",
        "{% for id, step in steps | items %}${{ id }}{% endfor %}",
    ] {
        let reads = parent_steps_of(&format!("{head}{template}\"}}\n"));
        assert_eq!(
            reads,
            [("fan".to_owned(), ParentStepReads::All)],
            "{template}"
        );
    }
    let none = parent_steps_of(&format!("{head}${{{{ item }}}} ${{{{ index }}}}\"}}\n"));
    assert_eq!(none, [("fan".to_owned(), only(&[]))]);
}
