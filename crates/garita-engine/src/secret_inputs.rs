//! Which secret inputs a template, an expression or a step reads.
//!
//! Validation uses it to refuse a secret where it would be stored or sent in
//! clear, and the executor to notice, before a step runs, that the step needs
//! secret values this process never received (they are kept in memory only,
//! by the process that started the run).

use std::collections::BTreeSet;
use std::sync::OnceLock;

use minijinja::syntax::SyntaxConfig;
use minijinja::Environment;
use serde_json::Value;

use crate::expr;
use crate::model::{Step, StepKind, WaitFor, Workflow};

/// The names of the inputs `workflow` declares `secret: true`.
pub fn secret_input_names(workflow: &Workflow) -> Vec<String> {
    workflow
        .inputs
        .iter()
        .filter(|d| d.secret)
        .map(|d| d.name.clone())
        .collect()
}

/// An environment with Garita's template syntax, used only to list the
/// names a template reads (never to render).
fn names_env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        if let Ok(syntax) = SyntaxConfig::builder()
            .variable_delimiters("${{", "}}")
            .build()
        {
            env.set_syntax(syntax);
        }
        env
    })
}

/// The secret inputs (among `secrets`) that the template `text` reads. A
/// template reading `inputs` as a whole (`${{ inputs | tojson }}`,
/// `inputs[name]`) reads every secret. A template that does not parse reads
/// none here (validation reports it elsewhere).
pub fn read_by_template(text: &str, secrets: &[String]) -> BTreeSet<String> {
    inputs_only(secret_reads_in_template(text, secrets, &[]))
}

/// The secret inputs that the expression `text` (bare, or one `${{ }}`
/// block) reads.
pub fn read_by_expression(text: &str, secrets: &[String]) -> BTreeSet<String> {
    inputs_only(secret_reads_in_expression(text, secrets, &[]))
}

/// The secret input names among `reads` (with no tainted steps given,
/// that is all of them).
fn inputs_only(reads: BTreeSet<SecretRead>) -> BTreeSet<String> {
    reads
        .into_iter()
        .filter_map(|read| match read {
            SecretRead::Input(name) => Some(name),
            SecretRead::Step(_) => None,
        })
        .collect()
}

/// The secret inputs read by every string template inside `value`.
pub fn read_by_value(value: &Value, secrets: &[String]) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    visit_strings(value, &mut |text| {
        found.extend(read_by_template(text, secrets));
    });
    found
}

/// The secret inputs the step itself reads when it runs: its `if:`, `with:`,
/// task texts, `wait.until`, `for_each` items and `outputs:`. The nested
/// steps of a `for_each` run in child runs and are judged there.
pub fn read_by_step(step: &Step, secrets: &[String]) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    if secrets.is_empty() {
        return found;
    }
    if let Some(condition) = &step.condition {
        found.extend(read_by_expression(condition, secrets));
    }
    match &step.kind {
        StepKind::Uses { with, .. } => found.extend(read_by_value(with, secrets)),
        StepKind::Task(task) => {
            for text in [
                Some(&task.title),
                task.body.as_ref(),
                task.assignee.as_ref(),
            ]
            .into_iter()
            .flatten()
            {
                found.extend(read_by_template(text, secrets));
            }
        }
        StepKind::Wait(wait) => {
            if let WaitFor::Until { at } = &wait.wait_for {
                found.extend(read_by_template(at, secrets));
            }
        }
        StepKind::ForEach(spec) => found.extend(read_by_expression(&spec.items, secrets)),
    }
    for template in step.outputs.values() {
        found.extend(read_by_value(template, secrets));
    }
    found
}

/// Why `step` cannot run in this process, when it reads secret inputs whose
/// values this process does not hold (`has_secrets` says whether it holds
/// the run's; asked only when the step reads a secret). Secret inputs are
/// kept in memory only by the process that started the run, never in the
/// store, so a run resumed elsewhere must not go on with a placeholder.
pub fn unavailable(
    workflow: &Workflow,
    step: &Step,
    has_secrets: impl FnOnce() -> bool,
) -> Option<String> {
    let secrets = secret_input_names(workflow);
    let read = read_by_step(step, &secrets);
    if read.is_empty() || has_secrets() {
        return None;
    }
    let names: Vec<String> = read.iter().map(|n| format!("`{n}`")).collect();
    Some(format!(
        "this step reads the secret input {names}; this run's secret inputs were kept in memory only \
         by the process that started it (they are never stored), and this process does not have them; \
         start the run again with `garita run` and let it finish in that process (or under `garita daemon`)",
        names = names.join(", ")
    ))
}

fn visit_strings(value: &Value, visit: &mut dyn FnMut(&str)) {
    match value {
        Value::String(text) => visit(text),
        Value::Array(items) => items.iter().for_each(|v| visit_strings(v, visit)),
        Value::Object(map) => map.values().for_each(|v| visit_strings(v, visit)),
        _ => {}
    }
}

/// Which of `secrets` the dotted paths (`inputs.token`, `steps.a.outputs`) read.
/// What a template or expression reads that is secret: a secret input, or
/// the outputs of a step that was given one (anything derived from a
/// secret is secret: `inputs.token | upper` through `core.set` is still the
/// token).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SecretRead {
    /// `inputs.NAME`, a `secret: true` input (or `inputs` as a whole).
    Input(String),
    /// `steps.ID`, a step whose inputs read a secret.
    Step(String),
}

/// The secret reads (inputs among `secrets`, steps among `tainted`) of
/// the template `text`; reading `steps` or `inputs` as a whole reads every
/// one of them.
pub fn secret_reads_in_template(
    text: &str,
    secrets: &[String],
    tainted: &[String],
) -> BTreeSet<SecretRead> {
    if (secrets.is_empty() && tainted.is_empty()) || !expr::has_template_syntax(text) {
        return BTreeSet::new();
    }
    match names_env().template_from_str(text) {
        Ok(template) => reads_in_paths(template.undeclared_variables(true), secrets, tainted),
        Err(_) => BTreeSet::new(),
    }
}

/// [`secret_reads_in_template`] for an expression (bare or one `${{ }}`).
pub fn secret_reads_in_expression(
    text: &str,
    secrets: &[String],
    tainted: &[String],
) -> BTreeSet<SecretRead> {
    if secrets.is_empty() && tainted.is_empty() {
        return BTreeSet::new();
    }
    let bare = expr::single_expression(text).unwrap_or(text.trim());
    match expr::compile_expression(names_env(), bare) {
        Ok(expression) => reads_in_paths(expression.undeclared_variables(true), secrets, tainted),
        Err(_) => BTreeSet::new(),
    }
}

fn reads_in_paths(
    paths: impl IntoIterator<Item = String>,
    secrets: &[String],
    tainted: &[String],
) -> BTreeSet<SecretRead> {
    let paths: Vec<String> = paths.into_iter().collect();
    let mut found: BTreeSet<SecretRead> = secrets_in_paths(paths.iter().cloned(), secrets)
        .into_iter()
        .map(SecretRead::Input)
        .collect();
    for path in &paths {
        let mut segments = path.split('.');
        if segments.next() != Some("steps") {
            continue;
        }
        match segments.next() {
            None => found.extend(tainted.iter().cloned().map(SecretRead::Step)),
            Some(id) => {
                if let Some(step) = tainted.iter().find(|t| *t == id) {
                    found.insert(SecretRead::Step(step.clone()));
                }
            }
        }
    }
    found
}

fn secrets_in_paths(
    paths: impl IntoIterator<Item = String>,
    secrets: &[String],
) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for path in paths {
        let mut segments = path.split('.');
        if segments.next() != Some("inputs") {
            continue;
        }
        match segments.next() {
            // `inputs` as a whole: every secret goes with it.
            None => found.extend(secrets.iter().cloned()),
            Some(name) => {
                if let Some(secret) = secrets.iter().find(|s| *s == name) {
                    found.insert(secret.clone());
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets() -> Vec<String> {
        vec!["token".to_owned()]
    }

    #[test]
    fn templates_reading_a_secret_are_found() {
        let s = secrets();
        assert_eq!(
            read_by_template("Bearer ${{ inputs.token }}", &s),
            BTreeSet::from(["token".to_owned()])
        );
        assert!(read_by_template("${{ inputs.ruc }} ${{ steps.a.outputs }}", &s).is_empty());
        assert!(read_by_template("no template here: inputs.token", &s).is_empty());
        assert_eq!(read_by_template("${{ inputs | tojson }}", &s).len(), 1);
        assert_eq!(read_by_template("${{ inputs['token'] }}", &s).len(), 1);
        assert_eq!(
            read_by_template("{% for k in [1] %}${{ inputs.token }}{% endfor %}", &s).len(),
            1
        );
    }

    #[test]
    fn expressions_and_values_are_searched() {
        let s = secrets();
        assert_eq!(read_by_expression("inputs.token == 'x'", &s).len(), 1);
        assert_eq!(read_by_expression("${{ inputs.token }}", &s).len(), 1);
        assert!(read_by_expression("inputs.other", &s).is_empty());
        let with = serde_json::json!({"a": ["${{ inputs.token }}"], "b": "plain"});
        assert_eq!(read_by_value(&with, &s).len(), 1);
        assert!(read_by_value(&with, &[]).is_empty());
    }
}
