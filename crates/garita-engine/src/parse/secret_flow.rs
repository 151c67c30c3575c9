//! Where a `secret: true` input may go. Secrets may reach, in memory, the
//! `with:` of actions without side effects (a connector that needs a token
//! to look something up). They may not reach places that are stored or sent
//! in clear, where redaction would come too late or hide the whole value:
//! the `with:` of an action with side effects (an email is mailed and kept in
//! the outbox, a file is written), task texts (stored, shown to people and
//! mailed), step and run `outputs:` and `for_each` items (stored with the
//! run). See docs/operations.md, "Secrets".

use std::collections::BTreeSet;

use garita_sdk::Manifest;

use super::node::Node;
use super::problems::Problems;
use crate::model::Workflow;
use crate::secret_inputs::{
    secret_input_names, secret_reads_in_expression, secret_reads_in_template, SecretRead,
};

/// Reports every template that sends a secret input, or anything derived
/// from one, where it must not go. A step whose inputs read a secret has
/// secret outputs (`steps.ID`), followed through every later step, so a
/// filter (`| upper`, `| reverse`, `| list | join`) or a `core.set` in
/// between launders nothing. Runs after the workflow was read, so only its
/// `secret:` flags are needed.
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
    let mut checker = Checker {
        secrets: &secrets,
        manifests,
        tainted: Vec::new(),
    };
    let Some(entries) = root.as_mapping() else {
        return;
    };
    // Steps first, whatever the order in the file: the workflow's outputs
    // read what the steps made.
    if let Some(steps) = entries.iter().find(|e| e.key == "steps") {
        checker.steps(&steps.value, problems);
    }
    if let Some(outputs) = entries.iter().find(|e| e.key == "outputs") {
        checker.templates(
            &outputs.value,
            "`outputs` of the workflow",
            "run outputs are stored with the run",
            OUTPUTS_HINT,
            problems,
        );
    }
}

const OUTPUTS_HINT: &str =
    "read `inputs.NAME` directly in the `with:` of the action that needs it, and leave it out of outputs";

/// The action whose outputs are its inputs, stored with the run.
const SET_ACTION: &str = "core.set";

struct Checker<'a> {
    secrets: &'a [String],
    manifests: &'a [Manifest],
    /// Steps whose outputs derive from a secret, in order, with how.
    tainted: Vec<(String, String)>,
}

impl Checker<'_> {
    fn steps(&mut self, node: &Node, problems: &mut Problems<'_>) -> bool {
        let mut any = false;
        for step in node.as_sequence().unwrap_or_default() {
            any |= self.step(step, problems);
        }
        any
    }

    /// Checks one step; true when its outputs derive from a secret.
    fn step(&mut self, node: &Node, problems: &mut Problems<'_>) -> bool {
        let Some(entries) = node.as_mapping() else {
            return false;
        };
        let field = |key: &str| entries.iter().find(|e| e.key == key).map(|e| &e.value);
        let id = field("id").and_then(Node::as_str).map(str::to_owned);
        let what = match &id {
            Some(id) => format!("step `{id}`"),
            None => "this step".to_owned(),
        };
        let target = field("uses").and_then(Node::as_str).map(str::to_owned);
        if let (Some(target), Some(with)) = (target.as_deref(), field("with")) {
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
            } else if target == SET_ACTION {
                self.templates(
                    with,
                    &format!("`with` of {what}"),
                    "`core.set` stores its values with the run (they are its outputs), and a value computed from a secret is no longer recognised to be hidden",
                    "pass the secret directly (`${{ inputs.NAME }}`) to the action that needs it instead of setting it aside",
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
                let read = secret_reads_in_expression(text, self.secrets, &self.tainted_ids());
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
        // What the step reads, anywhere but in its nested steps, decides
        // whether its outputs are secret.
        let mut read = BTreeSet::new();
        let tainted = self.tainted_ids();
        for entry in entries {
            match entry.key.as_str() {
                "steps" | "id" => {}
                "if" | "for_each" => {
                    if let Some(text) = entry.value.as_str() {
                        read.extend(secret_reads_in_expression(text, self.secrets, &tainted));
                    }
                }
                _ => entry.value.for_each_string(&mut |_, _, text| {
                    read.extend(secret_reads_in_template(text, self.secrets, &tainted));
                }),
            }
        }
        let mut derived = !read.is_empty();
        if let Some(nested) = field("steps") {
            derived |= self.steps(nested, problems);
        }
        if derived {
            if let Some(id) = id {
                let how = match target {
                    Some(target) => format!("step `{id}` ({target})"),
                    None => format!("step `{id}`"),
                };
                let from: Vec<String> = read.iter().map(|r| self.label(r)).collect();
                let origin = if from.is_empty() {
                    format!("derives from a secret through the steps nested in {how}")
                } else {
                    format!("derives from {} through {how}", from.join(" and "))
                };
                self.tainted.push((id, origin));
            }
        }
        derived
    }

    fn tainted_ids(&self) -> Vec<String> {
        self.tainted.iter().map(|(id, _)| id.clone()).collect()
    }

    /// How a secret read is named in a message.
    fn label(&self, read: &SecretRead) -> String {
        match read {
            SecretRead::Input(name) => format!("the secret input `{name}`"),
            SecretRead::Step(id) => {
                let origin = self
                    .tainted
                    .iter()
                    .find(|(t, _)| t == id)
                    .map_or("derives from a secret", |(_, o)| o.as_str());
                format!("`steps.{id}` (it {origin})")
            }
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
        let tainted = self.tainted_ids();
        node.for_each_string(&mut |_, string_node, text| {
            let read = secret_reads_in_template(text, self.secrets, &tainted);
            self.report(string_node, &read, what, why, hint, problems);
        });
    }

    fn report(
        &self,
        node: &Node,
        read: &BTreeSet<SecretRead>,
        what: &str,
        why: &str,
        hint: &str,
        problems: &mut Problems<'_>,
    ) {
        for secret in read {
            let label = self.label(secret);
            problems.error_hint(
                node.span,
                format!("{what} reads {label}, which must not go there: {why}"),
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

#[cfg(test)]
mod laundering_tests {
    use crate::parse::parse_workflow;
    use crate::parse::tests::manifests;

    const HEAD: &str =
        "name: s\ninputs:\n  token: {type: string, secret: true}\n  ruc: {type: string}\nsteps:\n";

    fn problems(steps: &str) -> Vec<String> {
        match parse_workflow("wf.yaml", &format!("{HEAD}{steps}"), &manifests()) {
            Ok(_) => Vec::new(),
            Err(d) => {
                d.0.iter()
                    .map(|d| format!("{}:{}: {}", d.line, d.col, d.message))
                    // The test manifests have no `core`; only the secret rules count.
                    .filter(|m| !m.contains("unknown connector `core`"))
                    .collect()
            }
        }
    }

    /// A side-effect-free lookup given `value`, then an email with its output.
    fn through_lookup(value: &str) -> String {
        format!(
            "  - id: masked\n    uses: ecuapass.validate_ruc\n    with: {{ruc: \"{value}\"}}\n  - id: mail\n    uses: email.send\n    with: {{to: [a@example.com], subject: hi, body: \"${{{{ steps.masked.outputs }}}}\"}}\n"
        )
    }

    #[test]
    fn every_transformation_of_a_secret_is_still_secret() {
        for value in [
            "${{ inputs.token | upper }}",
            "${{ inputs.token | reverse }}",
            "${{ inputs.token | list | join(' ') }}",
            "x${{ inputs.token ~ 'y' }}",
            "${{ '%s!' | format(inputs.token) }}",
            "{% set t = inputs.token %}${{ t }}",
            "{% for c in inputs.token %}${{ c }}{% endfor %}",
        ] {
            let found = problems(&through_lookup(value));
            assert_eq!(found.len(), 1, "{value}: {found:?}");
            assert!(
                found[0].starts_with("11:")
                    && found[0].contains("reads `steps.masked` (it derives from the secret input `token` through step `masked` (ecuapass.validate_ruc))")
                    && found[0].contains("`email.send` has side effects"),
                "{value}: {found:?}"
            );
        }
    }

    #[test]
    fn a_chain_of_steps_is_followed_and_named() {
        let found = problems(concat!(
            "  - id: a\n    uses: ecuapass.validate_ruc\n    with: {ruc: \"${{ inputs.token | upper }}\"}\n",
            "  - id: b\n    uses: ecuapass.validate_ruc\n    with: {ruc: \"${{ steps.a.outputs.normalized }}\"}\n",
            "  - id: ask\n    task: {title: \"${{ steps.b.outputs }}\"}\n",
        ));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains("reads `steps.b` (it derives from `steps.a` (it derives from the secret input `token` through step `a`")
                && found[0].contains("through step `b`"),
            "{found:?}"
        );
    }

    #[test]
    fn core_set_may_not_hold_a_secret_and_its_outputs_are_secret() {
        let found = problems(concat!(
            "  - id: keep\n    uses: core.set\n    with: {v: \"${{ inputs.token | upper }}\"}\n",
            "  - id: mail\n    uses: email.send\n    with: {to: [a@example.com], subject: \"${{ steps.keep.outputs.v }}\"}\n",
        ));
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].contains("`core.set` stores its values with the run"),
            "{found:?}"
        );
        assert!(found[1].contains("reads `steps.keep`"), "{found:?}");
    }

    #[test]
    fn what_is_not_derived_from_a_secret_stays_usable() {
        let found = problems(concat!(
            "  - id: check\n    uses: ecuapass.validate_ruc\n    with: {ruc: \"${{ inputs.ruc | upper }}\"}\n",
            "  - id: lookup\n    uses: ecuapass.validate_ruc\n    with: {ruc: \"${{ inputs.token }}\"}\n",
            "  - id: mail\n    uses: email.send\n    with: {to: [a@example.com], subject: \"${{ steps.check.outputs }}\"}\n",
            "  - id: keep\n    uses: core.set\n    with: {v: \"${{ inputs.ruc }}\"}\n",
        ));
        assert!(found.is_empty(), "{found:?}");
    }
}
