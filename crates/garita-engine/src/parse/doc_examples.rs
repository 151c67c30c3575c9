//! The examples of `docs/workflows.md` are tested: every YAML block is valid
//! YAML for Garita, and every complete workflow (one with `name` and `steps`)
//! matches the published JSON Schema. Whether they pass `garita validate`
//! with the real connectors' manifests (which the engine cannot depend on) is
//! checked end to end by `tests/tests/doc_examples.rs`, for every doc.

use serde_json::{json, Value};

use super::yaml_to_json;
use crate::schema::{check_value, workflow_json_schema};

const DOC: &str = include_str!("../../../../docs/workflows.md");

/// (line of the opening fence, text) of every ```yaml block.
fn yaml_blocks(doc: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (number, line) in doc.lines().enumerate() {
        match (&mut current, line.trim_end()) {
            (None, "```yaml") => current = Some((number + 1, String::new())),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some((_, text)), _) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

fn is_complete(value: &Value) -> bool {
    value.get("name").is_some() && value.get("steps").is_some()
}

#[test]
fn every_yaml_block_reads() {
    let blocks = yaml_blocks(DOC);
    assert!(
        blocks.len() >= 10,
        "found only {} yaml blocks",
        blocks.len()
    );
    for (line, text) in blocks {
        if let Err(problems) = yaml_to_json("docs/workflows.md", &text) {
            panic!("block at line {line}:\n{problems}");
        }
    }
}

#[test]
fn complete_examples_match_the_schema() {
    let schema = workflow_json_schema();
    let mut complete = 0;
    for (line, text) in yaml_blocks(DOC) {
        let Ok(value) = yaml_to_json("docs/workflows.md", &text) else {
            continue;
        };
        if !is_complete(&value) {
            continue;
        }
        complete += 1;
        if let Err(problems) = check_value(&schema, &value) {
            panic!("block at line {line} does not match the schema: {problems:#?}");
        }
    }
    assert!(complete >= 4, "found only {complete} complete examples");
}

#[test]
fn the_schema_is_a_valid_schema() {
    assert_eq!(crate::schema::check_schema(&workflow_json_schema()), Ok(()));
}

#[test]
fn wrong_workflows_do_not_match_the_schema() {
    let schema = workflow_json_schema();
    let wrong = [
        // misspelt top-level key
        json!({"name": "x", "stpes": [], "steps": [{"id": "a", "wait": {"for": "1h"}}]}),
        // no steps
        json!({"name": "x"}),
        // a step with two kinds
        json!({"name": "x", "steps": [{"id": "a", "wait": {"for": "1h"}, "uses": "c.d"}]}),
        // a step with no kind
        json!({"name": "x", "steps": [{"id": "a"}]}),
        // `with` on a wait
        json!({"name": "x", "steps": [{"id": "a", "wait": {"for": "1h"}, "with": {}}]}),
        // a signal wait without timeout
        json!({"name": "x", "steps": [{"id": "a", "wait": {"signal": "s"}}]}),
        // a duration without unit
        json!({"name": "x", "steps": [{"id": "a", "uses": "c.d", "timeout": 30}]}),
        // zero attempts
        json!({"name": "x", "steps": [{"id": "a", "uses": "c.d", "retry": 0}]}),
        // bad names
        json!({"name": "Bad Name", "steps": [{"id": "a", "wait": {"for": "1h"}}]}),
        json!({"name": "x", "steps": [{"id": "check-ruc", "wait": {"for": "1h"}}]}),
        // enum without values
        json!({"name": "x", "inputs": {"k": {"type": "enum"}}, "steps": [{"id": "a", "wait": {"for": "1h"}}]}),
        // unknown trigger
        json!({"name": "x", "on": {"shedule": "0 8 * * *"}, "steps": [{"id": "a", "wait": {"for": "1h"}}]}),
        // concurrency 0
        json!({"name": "x", "steps": [{"id": "a", "for_each": "inputs.l", "concurrency": 0, "steps": [{"id": "b", "wait": {"for": "1h"}}]}]}),
    ];
    for value in wrong {
        assert!(check_value(&schema, &value).is_err(), "accepted: {value}");
    }
}

#[test]
fn test_workflows_match_the_schema() {
    let value = yaml_to_json("full", super::tests::FULL).unwrap();
    assert_eq!(check_value(&workflow_json_schema(), &value), Ok(()));
}
