//! YAML workflow files → validated [`Workflow`]s, reporting every problem at once.
//!
//! Reading happens in three passes over one file:
//! 1. [`yaml_tree`] turns the text into a tree of nodes that remember their
//!    line and column, enforcing the [`limits`];
//! 2. [`step_index`] records every step id and where it sits, so references
//!    can be judged before the steps are read;
//! 3. [`workflow_file`] and the modules it calls map the tree onto the
//!    [`model`](crate::model), checking names, types, templates, connectors and
//!    references, and recording every problem rather than stopping at the first.
//!
//! The language itself is described in `docs/workflows.md`.

use garita_sdk::Manifest;

use crate::diagnostic::Diagnostics;
use crate::model::{Span, Workflow};

mod calendar;
mod due;
mod fields;
mod file_schema;
mod for_each;
mod inputs;
pub mod limits;
mod node;
mod on_timeout;
mod parent_reads;
mod problems;
mod retry;
mod scalars;
mod scope;
mod secret_flow;
mod shape;
mod step_index;
mod steps;
mod suggest;
mod task;
mod template_reads;
mod templates;
mod triggers;
mod uses;
mod wait;
mod workflow_file;
mod yaml_tree;

#[cfg(test)]
mod doc_examples;
#[cfg(test)]
mod field_tests;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub(crate) use file_schema::workflow_file_schema;
use problems::Problems;
use steps::StepReader;
use templates::TemplateChecker;

/// Parses and validates one workflow file. `path` is used only in messages;
/// `manifests` are the loaded connectors, used to check `uses:` and `with:`.
///
/// On failure every problem found is returned, in file order, each with its
/// line and column and, when there is one, a hint.
pub fn parse_workflow(
    path: &str,
    source: &str,
    manifests: &[Manifest],
) -> Result<Workflow, Diagnostics> {
    let mut problems = Problems::new(path);
    let Some(root) = yaml_tree::read_tree(source, &mut problems) else {
        if problems.is_empty() {
            problems.error_hint(
                Span { line: 1, col: 1 },
                "the file is empty",
                "a workflow needs at least `name:` and `steps:`; see docs/workflows.md",
            );
        }
        return problems.finish(None);
    };
    let templates = TemplateChecker::new();
    let reader = StepReader {
        templates: &templates,
        manifests,
    };
    let workflow = workflow_file::read_workflow(&root, &reader, &mut problems);
    if let Some(workflow) = &workflow {
        secret_flow::check_secret_flow(&root, workflow, manifests, &mut problems);
    }
    problems.finish(workflow)
}

/// Reads a YAML text into JSON with the same rules (and limits) as workflow
/// files: YAML 1.2 core schema, no anchors or aliases, no duplicate keys.
/// Used to check workflow files against [`crate::schema::workflow_json_schema`].
pub fn yaml_to_json(path: &str, source: &str) -> Result<serde_json::Value, Diagnostics> {
    let mut problems = Problems::new(path);
    let root = yaml_tree::read_tree(source, &mut problems);
    let value = root.map_or(serde_json::Value::Null, |n| n.to_json());
    problems.finish(Some(value))
}
