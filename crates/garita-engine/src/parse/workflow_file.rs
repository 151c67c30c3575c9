//! The top level of a workflow file: `name`, `description`, `locale`,
//! `time_zone`, `inputs`, `on`, `steps`, `outputs`.

use std::collections::BTreeMap;

use super::calendar;
use super::fields::Fields;
use super::inputs::read_inputs;
use super::node::Node;
use super::problems::Problems;
use super::scalars;
use super::scope::Scope;
use super::step_index::StepIndex;
use super::steps::StepReader;
use super::triggers::read_triggers;
use crate::model::Workflow;

/// Accepted `locale:` values.
pub(crate) const LOCALES: &[&str] = &["es", "en"];

/// `locale:` when absent.
pub(crate) const DEFAULT_LOCALE: &str = "es";

/// `time_zone:` when absent.
pub(crate) const DEFAULT_TIME_ZONE: &str = "UTC";

/// Longest workflow name.
const MAX_NAME_LEN: usize = 64;

/// Reads a whole workflow from the document's root node.
pub(crate) fn read_workflow(
    root: &Node,
    reader: &StepReader<'_>,
    problems: &mut Problems<'_>,
) -> Option<Workflow> {
    let mut fields = Fields::of(root, "a workflow file", problems)?;
    let name = fields
        .require("name", "the workflow", problems)
        .and_then(|n| read_name(n, problems));
    let description = fields
        .get("description")
        .and_then(|n| scalars::text(n, "`description`", problems));
    let locale = match fields.get("locale") {
        Some(n) => read_locale(n, problems),
        None => Some(DEFAULT_LOCALE.to_owned()),
    };
    let time_zone = match fields.get("time_zone") {
        Some(n) => calendar::time_zone(n, "`time_zone`", problems),
        None => Some(DEFAULT_TIME_ZONE.to_owned()),
    };
    let inputs = fields
        .get("inputs")
        .map(|n| read_inputs(n, problems))
        .unwrap_or_default();
    let input_names: Vec<String> = inputs.iter().map(|i| i.name.clone()).collect();
    let triggers = fields
        .get("on")
        .map(|n| {
            read_triggers(
                n,
                time_zone.as_deref().unwrap_or(DEFAULT_TIME_ZONE),
                problems,
            )
        })
        .unwrap_or_default();
    let steps_node = fields.require("steps", "the workflow", problems);
    let index = StepIndex::build(steps_node, problems);
    let steps = steps_node.map(|n| {
        reader.read_steps(
            n,
            &Scope::top(&input_names, &index, reader.manifests, 0),
            problems,
        )
    });
    let outputs = match fields.get("outputs") {
        Some(n) => {
            // Run outputs are evaluated once the last step is done: every
            // top-level step may be read.
            let end = steps_node.and_then(Node::as_sequence).map_or(0, <[_]>::len);
            reader.read_outputs(
                n,
                "`outputs` of the workflow",
                &Scope::top(&input_names, &index, reader.manifests, end),
                problems,
            )
        }
        None => Some(BTreeMap::new()),
    };
    fields.finish("the workflow", problems);
    Some(Workflow {
        name: name?,
        description,
        locale: locale?,
        time_zone: time_zone?,
        inputs,
        triggers,
        steps: steps?,
        outputs: outputs?,
    })
}

/// `[a-z0-9][a-z0-9-]*`, as used in file names and `garita runs list`.
fn read_name(node: &Node, problems: &mut Problems<'_>) -> Option<String> {
    let name = scalars::text(node, "`name`", problems)?;
    let valid = !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && !name.starts_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if valid {
        return Some(name);
    }
    let suggestion: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .trim_matches('-')
        .to_owned();
    let hint = if suggestion.is_empty() || suggestion.len() > MAX_NAME_LEN {
        format!("use lowercase letters, digits and `-`, at most {MAX_NAME_LEN} characters")
    } else {
        format!("use lowercase letters, digits and `-`, e.g. `{suggestion}`")
    };
    problems.error_hint(
        node.span,
        format!("workflow name `{name}` is not valid"),
        hint,
    );
    None
}

fn read_locale(node: &Node, problems: &mut Problems<'_>) -> Option<String> {
    let locale = scalars::text(node, "`locale`", problems)?;
    if LOCALES.contains(&locale.as_str()) {
        return Some(locale);
    }
    problems.error_hint(
        node.span,
        format!("`locale` must be `es` or `en`, not `{locale}`"),
        "texts for people are in Spanish (`es`, the default) or English (`en`)",
    );
    None
}
