//! Where a `secret: true` input may go. Secrets may reach, in memory, the
//! `with:` of actions without side effects (a connector that needs a token
//! to look something up). They may not reach places that are stored or sent
//! in clear, where redaction would come too late or hide the whole value:
//! the `with:` of an action with side effects (an email is mailed and kept in
//! the outbox, a file is written), task texts (stored, shown to people and
//! mailed), step and run `outputs:` and `for_each` items (stored with the
//! run). See docs/operations.md, "Secrets".

use garita_sdk::Manifest;

use super::node::Node;
use super::problems::Problems;
use crate::model::Workflow;
use crate::secret_inputs::{read_by_expression, read_by_template, secret_input_names};

/// Reports every template that sends a secret input where it must not go.
/// Runs after the workflow was read, so only its `secret:` flags are needed.
pub(crate) fn check_secret_flow(
    root: &Node,
    workflow: &Workflow,
    manifests: &[Manifest],
    problems: &mut Problems<'_>,
) {
    let secrets = secret_input_names(workflow);
    if secrets.is_empty() {
        return;
    }
    let checker = Checker {
        secrets: &secrets,
        manifests,
    };
    let Some(entries) = root.as_mapping() else {
        return;
    };
    for entry in entries {
        match entry.key.as_str() {
            "steps" => checker.steps(&entry.value, problems),
            "outputs" => checker.templates(
                &entry.value,
                "`outputs` of the workflow",
                "run outputs are stored with the run",
                OUTPUTS_HINT,
                problems,
            ),
            _ => {}
        }
    }
}

const OUTPUTS_HINT: &str =
    "read `inputs.NAME` directly in the `with:` of the action that needs it, and leave it out of outputs";

struct Checker<'a> {
    secrets: &'a [String],
    manifests: &'a [Manifest],
}

impl Checker<'_> {
    fn steps(&self, node: &Node, problems: &mut Problems<'_>) {
        for step in node.as_sequence().unwrap_or_default() {
            self.step(step, problems);
        }
    }

    fn step(&self, node: &Node, problems: &mut Problems<'_>) {
        let Some(entries) = node.as_mapping() else {
            return;
        };
        let field = |key: &str| entries.iter().find(|e| e.key == key).map(|e| &e.value);
        let what = match field("id").and_then(Node::as_str) {
            Some(id) => format!("step `{id}`"),
            None => "this step".to_owned(),
        };
        if let (Some(target), Some(with)) = (field("uses").and_then(Node::as_str), field("with")) {
            if self.has_side_effects(target) {
                self.templates(
                    with,
                    &format!("`with` of {what}"),
                    &format!(
                        "`{target}` has side effects: what it is given leaves Garita or is recorded in clear \
                         (an email is mailed and kept in the outbox, a file is written)"
                    ),
                    "never mail or write a secret; send an instruction or a link instead, \
                     and pass secrets only to actions without side effects",
                    problems,
                );
            }
        }
        if let Some(task) = field("task") {
            for key in ["title", "body", "assignee"] {
                if let Some(text) = task
                    .as_mapping()
                    .and_then(|m| m.iter().find(|e| e.key == key))
                {
                    self.templates(
                        &text.value,
                        &format!("`{key}` of the `task` of {what}"),
                        "task texts are stored, shown to people and mailed",
                        "tell the person where to find the secret instead of showing it",
                        problems,
                    );
                }
            }
        }
        if let Some(outputs) = field("outputs") {
            self.templates(
                outputs,
                &format!("`outputs` of {what}"),
                "step outputs are stored with the run",
                OUTPUTS_HINT,
                problems,
            );
        }
        if let Some(items) = field("for_each") {
            if let Some(text) = items.as_str() {
                let read = read_by_expression(text, self.secrets);
                self.report(
                    items,
                    &read,
                    &format!("`for_each` of {what}"),
                    "the items are stored with the run and its child runs",
                    "loop over a list that is not secret",
                    problems,
                );
            }
        }
        if let Some(nested) = field("steps") {
            self.steps(nested, problems);
        }
    }

    /// Whether `CONNECTOR.ACTION` is a loaded action with side effects
    /// (unknown ones are reported by the step reader).
    fn has_side_effects(&self, target: &str) -> bool {
        let Some((connector, action)) = target.split_once('.') else {
            return false;
        };
        self.manifests
            .iter()
            .find(|m| m.name == connector)
            .and_then(|m| m.find(action))
            .is_some_and(|a| a.side_effects)
    }

    /// Checks every template string under `node`.
    fn templates(
        &self,
        node: &Node,
        what: &str,
        why: &str,
        hint: &str,
        problems: &mut Problems<'_>,
    ) {
        node.for_each_string(&mut |_, string_node, text| {
            let read = read_by_template(text, self.secrets);
            self.report(string_node, &read, what, why, hint, problems);
        });
    }

    fn report(
        &self,
        node: &Node,
        read: &std::collections::BTreeSet<String>,
        what: &str,
        why: &str,
        hint: &str,
        problems: &mut Problems<'_>,
    ) {
        for name in read {
            problems.error_hint(
                node.span,
                format!("{what} reads the secret input `{name}`, which must not go there: {why}"),
                hint,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::parse::parse_workflow;
    use crate::parse::tests::manifests;

    const HEAD: &str =
        "name: s\ninputs:\n  token: {type: string, secret: true}\n  ruc: {type: string}\nsteps:\n";

    /// `line:col: message` of every problem in `HEAD` + `steps`.
    fn problems(steps: &str) -> Vec<String> {
        match parse_workflow("wf.yaml", &format!("{HEAD}{steps}"), &manifests()) {
            Ok(_) => Vec::new(),
            Err(d) => {
                d.0.iter()
                    .map(|d| {
                        format!(
                            "{}:{}: {} ({})",
                            d.line,
                            d.col,
                            d.message,
                            d.hint.clone().unwrap_or_default()
                        )
                    })
                    .collect()
            }
        }
    }

    #[test]
    fn secrets_may_reach_actions_without_side_effects() {
        let found = problems(
            "  - id: check\n    uses: ecuapass.validate_ruc\n    with: {ruc: \"${{ inputs.token }}\"}\n  - id: mail\n    uses: email.send\n    with: {to: [a@example.com], subject: \"${{ inputs.ruc }}\"}\n",
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn a_secret_in_an_email_is_refused_where_it_is_written() {
        let found = problems(
            "  - id: mail\n    uses: email.send\n    with:\n      to: [a@example.com]\n      subject: hi\n      body: \"token ${{ inputs.token }}\"\n",
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("11:13: `with` of step `mail` reads the secret input `token`")
                && found[0].contains("`email.send` has side effects")
                && found[0].contains("never mail or write a secret"),
            "{found:?}"
        );
    }

    #[test]
    fn tasks_outputs_and_items_may_not_hold_secrets() {
        let found = problems(concat!(
            "  - id: ask\n    task: {title: \"Use ${{ inputs.token }}\"}\n",
            "  - id: keep\n    uses: ecuapass.annual_update_guide\n    outputs: {t: \"${{ inputs | tojson }}\"}\n",
            "  - id: each\n    for_each: \"${{ [inputs.token] }}\"\n    steps:\n      - id: inner\n        task: {title: \"${{ inputs.token }}\"}\n",
        ));
        let joined = found.join("\n");
        assert_eq!(found.len(), 4, "{joined}");
        assert!(
            joined.contains("`title` of the `task` of step `ask`"),
            "{joined}"
        );
        assert!(joined.contains("`outputs` of step `keep`"), "{joined}");
        assert!(joined.contains("`for_each` of step `each`"), "{joined}");
        assert!(
            joined.contains("`title` of the `task` of step `inner`"),
            "{joined}"
        );
    }
}
