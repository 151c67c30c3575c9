//! Property tests: no input makes the parser panic, and generated valid
//! workflows always parse back to what was generated.

use proptest::prelude::*;

use super::parse_workflow;
use super::tests::{manifests, FULL};
use crate::model::StepKind;

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(source in any::<String>()) {
        let _ = parse_workflow("p.yaml", &source, &manifests());
    }

    #[test]
    fn yaml_like_text_never_panics(source in "[a-z_:{}\\[\\], \n\t#&*!|>'\"?%@`~$.0-9-]{0,300}") {
        if let Err(d) = parse_workflow("p.yaml", &source, &manifests()) {
            prop_assert!(!d.0.is_empty());
            for diagnostic in &d.0 {
                prop_assert!(diagnostic.line >= 1 && diagnostic.col >= 1);
            }
        }
    }

    #[test]
    fn damaged_workflows_never_panic(cuts in proptest::collection::vec((0usize..2000, 0usize..40, "[ :{}\\[\\]\n$-]{0,3}"), 1..4)) {
        let mut source = FULL.to_owned();
        for (at, len, insert) in cuts {
            let start = floor_char_boundary(&source, at.min(source.len()));
            let end = floor_char_boundary(&source, (start + len).min(source.len()));
            source.replace_range(start..end, &insert);
        }
        let _ = parse_workflow("p.yaml", &source, &manifests());
    }

    #[test]
    fn generated_workflows_parse(spec in workflow_spec()) {
        let source = spec.render();
        let parsed = parse_workflow("gen.yaml", &source, &manifests());
        let workflow = match parsed {
            Ok(workflow) => workflow,
            Err(d) => return Err(TestCaseError::fail(format!("{d}\n---\n{source}"))),
        };
        let as_json = super::yaml_to_json("gen.yaml", &source).map_err(|d| TestCaseError::fail(d.to_string()))?;
        let schema_check = crate::schema::check_value(&crate::schema::workflow_json_schema(), &as_json);
        prop_assert!(schema_check.is_ok(), "{:?}\n---\n{}", schema_check, source);
        prop_assert_eq!(&workflow.name, &spec.name);
        prop_assert_eq!(workflow.inputs.len(), spec.inputs.len());
        prop_assert_eq!(workflow.steps.len(), spec.steps.len());
        for (step, generated) in workflow.steps.iter().zip(&spec.steps) {
            prop_assert_eq!(&step.id, &generated.id);
            let same_kind = matches!(
                (&step.kind, &generated.kind),
                (StepKind::Uses { .. }, GenKind::Validate | GenKind::Email)
                    | (StepKind::Task(_), GenKind::Task)
                    | (StepKind::Wait(_), GenKind::Wait(_))
                    | (StepKind::ForEach(_), GenKind::ForEach(_))
            );
            prop_assert!(same_kind, "{:?} vs {:?}", step.kind, generated.kind);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Every slot that goes to a third-party parser (minijinja, croner,
    /// humantime, chrono-tz, jsonschema) gets hostile text.
    #[test]
    fn hostile_values_in_every_slot_never_panic(
        template in "[ -~]{0,40}",
        cron in "[0-9*/,LW#?@a-zA-Z -]{0,30}",
        duration in "[0-9a-zµ .-]{0,20}",
        zone in "[A-Za-z/_+0-9-]{0,30}",
        schema_type in "[a-z0-9]{0,10}",
    ) {
        let quoted = |s: &str| serde_json::Value::String(s.to_owned()).to_string();
        let source = format!(
            "name: hostile\ntime_zone: {zone}\non:\n  schedule: [{{cron: {cron}, time_zone: {zone}}}]\nsteps:\n  - id: a\n    if: {template}\n    uses: email.send\n    with: {{to: [x], subject: {template}, body: b}}\n    timeout: {duration}\n    retry: {{attempts: 2, backoff: {duration}}}\n  - id: b\n    task: {{title: {template}, due: {duration}, fields: {{type: {schema_type}}}}}\n  - id: c\n    wait: {{until: {template}, timeout: {duration}}}\n  - id: d\n    for_each: {template}\n    steps: [{{id: e, wait: {{for: {duration}}}}}]\n",
            zone = quoted(&zone),
            cron = quoted(&cron),
            template = quoted(&template),
            duration = quoted(&duration),
            schema_type = quoted(&schema_type),
        );
        let _ = parse_workflow("hostile.yaml", &source, &manifests());
    }
}

fn floor_char_boundary(s: &str, mut at: usize) -> usize {
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// A workflow to render as YAML.
#[derive(Debug, Clone)]
struct WorkflowSpec {
    name: String,
    inputs: Vec<(String, &'static str)>,
    steps: Vec<GenStep>,
}

#[derive(Debug, Clone)]
struct GenStep {
    id: String,
    kind: GenKind,
}

#[derive(Debug, Clone)]
enum GenKind {
    Validate,
    Email,
    Task,
    Wait(&'static str),
    ForEach(Vec<GenStep>),
}

fn workflow_spec() -> impl Strategy<Value = WorkflowSpec> {
    let name = "[a-z][a-z0-9-]{0,20}";
    let inputs = proptest::collection::vec(
        prop_oneof![
            Just("string"),
            Just("number"),
            Just("bool"),
            Just("date"),
            Just("list")
        ],
        0..4,
    );
    let leaf = prop_oneof![
        Just(GenKind::Validate),
        Just(GenKind::Email),
        Just(GenKind::Task),
        prop_oneof![
            Just("30s"),
            Just("5m"),
            Just("2h"),
            Just("7d"),
            Just("1h 30m")
        ]
        .prop_map(GenKind::Wait),
    ];
    let kind = prop_oneof![
        4 => leaf.clone(),
        1 => proptest::collection::vec(leaf, 1..3).prop_map(|kinds| {
            GenKind::ForEach(kinds.into_iter().map(|kind| GenStep { id: String::new(), kind }).collect())
        }),
    ];
    (name, inputs, proptest::collection::vec(kind, 1..6)).prop_map(|(name, inputs, kinds)| {
        let inputs = inputs
            .into_iter()
            .enumerate()
            .map(|(i, t)| (format!("in_{i}"), t))
            .collect();
        let steps = kinds
            .into_iter()
            .enumerate()
            .map(|(i, kind)| {
                let kind = match kind {
                    GenKind::ForEach(children) => GenKind::ForEach(
                        children
                            .into_iter()
                            .enumerate()
                            .map(|(j, child)| GenStep {
                                id: format!("s{i}_c{j}"),
                                kind: child.kind,
                            })
                            .collect(),
                    ),
                    other => other,
                };
                GenStep {
                    id: format!("s{i}"),
                    kind,
                }
            })
            .collect();
        WorkflowSpec {
            name,
            inputs,
            steps,
        }
    })
}

impl WorkflowSpec {
    fn render(&self) -> String {
        let mut out = format!(
            "name: {}\ndescription: generated\ntime_zone: America/Guayaquil\n",
            self.name
        );
        if !self.inputs.is_empty() {
            out.push_str("inputs:\n");
            for (name, kind) in &self.inputs {
                out.push_str(&format!("  {name}: {{type: {kind}}}\n"));
            }
        }
        out.push_str("on:\n  schedule:\n    - cron: \"0 8 * * 1-5\"\nsteps:\n");
        let mut earlier = Vec::new();
        for step in &self.steps {
            render_step(&mut out, step, 2, &earlier, &self.inputs, None);
            earlier.push(step.id.clone());
        }
        out
    }
}

/// Renders one step at `indent`, reading the outputs of the last earlier
/// step and an input when there are any, so references get exercised.
fn render_step(
    out: &mut String,
    step: &GenStep,
    indent: usize,
    earlier: &[String],
    inputs: &[(String, &str)],
    item: Option<&str>,
) {
    let pad = " ".repeat(indent);
    out.push_str(&format!("{pad}- id: {}\n", step.id));
    let reference = match (earlier.last(), inputs.first(), item) {
        (_, _, Some(item)) => format!("${{{{ {item} }}}}"),
        (Some(prev), _, _) => format!("${{{{ steps.{prev}.outputs }}}}"),
        (None, Some((input, _)), _) => format!("${{{{ inputs.{input} }}}}"),
        (None, None, None) => "${{ run.id }}".to_owned(),
    };
    match &step.kind {
        GenKind::Validate => {
            out.push_str(&format!("{pad}  uses: ecuapass.validate_ruc\n{pad}  with: {{ruc: \"{reference}\"}}\n{pad}  retry: 2\n"));
        }
        GenKind::Email => {
            out.push_str(&format!(
                "{pad}  uses: email.send\n{pad}  with:\n{pad}    to: [ops@example.com]\n{pad}    subject: \"Aviso {reference}\"\n{pad}  timeout: 1m\n"
            ));
        }
        GenKind::Task => {
            out.push_str(&format!("{pad}  task:\n{pad}    title: \"Revisar {reference}\"\n{pad}    due: 3d\n{pad}    on_timeout: continue\n"));
        }
        GenKind::Wait(duration) => out.push_str(&format!("{pad}  wait: {{for: {duration}}}\n")),
        GenKind::ForEach(children) => {
            out.push_str(&format!(
                "{pad}  for_each: ${{{{ [1, 2, 3] }}}}\n{pad}  as: entry\n{pad}  steps:\n"
            ));
            let mut visible = earlier.to_vec();
            for child in children {
                render_step(out, child, indent + 4, &visible, inputs, Some("entry"));
                visible.push(child.id.clone());
            }
        }
    }
}
