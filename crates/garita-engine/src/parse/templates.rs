//! Checks templates (`${{ … }}` in strings) and expressions (`if:`,
//! `for_each:`): that they parse, and that every name they read exists at
//! that point of the workflow.

use std::collections::BTreeSet;

use minijinja::syntax::SyntaxConfig;
use minijinja::Environment;

use super::node::Node;
use super::problems::Problems;
use super::scope::{Scope, RUN_FIELDS};
use super::shape::Mismatch;
use super::step_index::Reach;
use super::suggest::{did_you_mean, quoted_list};
use super::template_reads::{expression_reads, template_reads, Read, Segment};
use crate::expr::{self, Evaluator};

/// Parses templates and lists the names they read.
pub(crate) struct TemplateChecker {
    /// The run-time evaluator: its parse errors are the ones users will get.
    evaluator: Evaluator,
    /// Garita's template syntax, to read the templates' syntax trees.
    syntax: SyntaxConfig,
    /// Global functions (`range`, `dict`, …), which are not context names.
    globals: BTreeSet<String>,
}

impl std::fmt::Debug for TemplateChecker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TemplateChecker").finish_non_exhaustive()
    }
}

impl TemplateChecker {
    /// A checker using Garita's template syntax.
    pub fn new() -> Self {
        let syntax = SyntaxConfig::builder()
            .variable_delimiters("${{", "}}")
            .build()
            .unwrap_or_default();
        let globals = Environment::new()
            .globals()
            .map(|(name, _)| name.to_owned())
            .collect();
        Self {
            evaluator: Evaluator::new(),
            syntax,
            globals,
        }
    }

    /// Checks every string inside `node` that contains template syntax.
    pub fn check_value(
        &self,
        node: &Node,
        what: &str,
        scope: &Scope<'_>,
        problems: &mut Problems<'_>,
    ) {
        node.for_each_string(&mut |_, string_node, text| {
            if expr::has_template_syntax(text) {
                self.check_template(text, string_node, what, scope, problems);
            }
        });
    }

    /// Checks one template string.
    pub fn check_template(
        &self,
        text: &str,
        node: &Node,
        what: &str,
        scope: &Scope<'_>,
        problems: &mut Problems<'_>,
    ) {
        if let Err(err) = self.evaluator.check_template(text) {
            problems.error_hint(
                node.span,
                format!("{what}: {err}"),
                "templates look like `${{ inputs.name }}`; check the braces and quotes",
            );
            return;
        }
        match template_reads(&self.syntax, text) {
            Some(reads) => self.check_reads(reads, node, what, scope, problems),
            None => note_unknown_reads(scope),
        }
    }

    /// Checks an expression given bare (`inputs.n > 2`) or as one `${{ }}` block.
    pub fn check_expression(
        &self,
        text: &str,
        node: &Node,
        what: &str,
        scope: &Scope<'_>,
        problems: &mut Problems<'_>,
    ) {
        if let Err(err) = self.evaluator.check_expression(text) {
            problems.error_hint(
                node.span,
                format!("{what}: {err}"),
                "write an expression such as `inputs.kind == 'a'` (optionally inside `${{ }}`)",
            );
            return;
        }
        let bare = expr::single_expression(text).unwrap_or(text.trim());
        match expression_reads(bare) {
            Some(reads) => self.check_reads(reads, node, what, scope, problems),
            None => note_unknown_reads(scope),
        }
    }

    fn check_reads(
        &self,
        reads: Vec<Read>,
        node: &Node,
        what: &str,
        scope: &Scope<'_>,
        problems: &mut Problems<'_>,
    ) {
        for read in reads_once(reads) {
            for collector in &scope.parent_reads {
                collector.note(&read.path);
            }
            if read.local.is_none() {
                if self.globals.contains(&read.path.root) {
                    continue;
                }
                // Names, steps and their order first: a field of something
                // that is not there is not worth a second message.
                let fields: Vec<&str> = read
                    .path
                    .segments
                    .iter()
                    .map_while(|s| match s {
                        Segment::Field(name) => Some(name.as_str()),
                        Segment::Item => None,
                    })
                    .collect();
                if !check_path(
                    &read.path.root,
                    &fields,
                    read.guarded,
                    node,
                    what,
                    scope,
                    problems,
                ) {
                    continue;
                }
            }
            if !read.guarded {
                check_shape(&read, node, what, scope, problems);
            }
        }
    }
}

/// A template whose syntax tree could not be read: a `for_each` around it
/// must give its children every parent step.
fn note_unknown_reads(scope: &Scope<'_>) {
    for collector in &scope.parent_reads {
        collector.note_any();
    }
}

/// The reads of one template, each path once: unguarded when any of its
/// occurrences is.
fn reads_once(reads: Vec<Read>) -> Vec<Read> {
    let mut once: Vec<Read> = Vec::with_capacity(reads.len());
    for read in reads {
        match once
            .iter_mut()
            .find(|r| r.path == read.path && r.local == read.local)
        {
            Some(seen) => seen.guarded &= read.guarded,
            None => once.push(read),
        }
    }
    once
}

/// Reports a read of a field that the value's known shape does not have
/// (`account.holder.nmae` where the inventory's holders have `name`).
fn check_shape(
    read: &Read,
    node: &Node,
    what: &str,
    scope: &Scope<'_>,
    problems: &mut Problems<'_>,
) {
    let Some((shape, consumed)) = scope.root_shape(&read.path.root, &read.path.segments) else {
        return;
    };
    let Err(Mismatch {
        depth,
        known,
        declared,
    }) = shape.follow(&read.path.segments[consumed..], scope.manifests)
    else {
        return;
    };
    if declared && read.local.is_none() && depth == 0 {
        // `steps.ID.outputs.NAME` of a step declaring `outputs:` is
        // reported by the step checks, with the declared names.
        return;
    }
    let depth = consumed + depth;
    let Some(Segment::Field(missing)) = read.path.segments.get(depth) else {
        return;
    };
    let owner = read.shown(depth);
    let hint = did_you_mean(missing, known.iter().copied()).unwrap_or_else(|| {
        if known.is_empty() {
            format!("`{owner}` has no fields")
        } else {
            format!("`{owner}` has: {}", quoted_list(&known))
        }
    });
    problems.error_hint(
        node.span,
        format!(
            "{what} reads `{}`, but `{owner}` has no field `{missing}`",
            read.shown(read.path.segments.len())
        ),
        hint,
    );
}

/// Checks the name, step and field a template reads from the context
/// (`steps.check.outputs.ok`); false when it reported a problem. A
/// `guarded` read may name fields that are not declared.
fn check_path(
    root: &str,
    rest: &[&str],
    guarded: bool,
    node: &Node,
    what: &str,
    scope: &Scope<'_>,
    problems: &mut Problems<'_>,
) -> bool {
    if problems.is_full() {
        // Nothing more will be shown; the suggestions below cost a search
        // over every step per reference.
        return false;
    }
    let roots = scope.roots();
    if !roots.contains(&root) {
        let hint = scope
            .why_unavailable(root)
            .map(str::to_owned)
            .or_else(|| did_you_mean(root, roots.iter().copied()))
            .unwrap_or_else(|| format!("names available here: {}", quoted_list(&roots)));
        problems.error_hint(
            node.span,
            format!("{what} reads `{root}`, which does not exist here"),
            hint,
        );
        return false;
    }
    match (root, rest) {
        ("inputs", [name, ..]) if !guarded && !scope.inputs.iter().any(|i| i == name) => {
            let hint = did_you_mean(name, scope.inputs.iter().map(String::as_str))
                .unwrap_or_else(|| "declare it under `inputs:`".to_owned());
            problems.error_hint(
                node.span,
                format!("{what} reads `inputs.{name}`, but no such input is declared"),
                hint,
            );
            false
        }
        ("steps", [id, rest @ ..]) => {
            check_step_path(id, rest, guarded, node, what, scope, problems)
        }
        ("run", [field, ..]) if !guarded && !RUN_FIELDS.contains(field) => {
            let hint = did_you_mean(field, RUN_FIELDS.iter().copied());
            problems.error_maybe_hint(
                node.span,
                format!("{what} reads `run.{field}`, but runs have no such field"),
                hint,
            );
            false
        }
        _ => true,
    }
}

/// Checks `steps.ID.outputs.NAME`: the step exists, has run by this point, and
/// (when it declares `outputs:`) has that output.
fn check_step_path(
    id: &str,
    rest: &[&str],
    guarded: bool,
    node: &Node,
    what: &str,
    scope: &Scope<'_>,
    problems: &mut Problems<'_>,
) -> bool {
    let span = node.span;
    let Some((list, position)) = scope.at else {
        if scope.steps.get(id).is_none() {
            problems.error(
                span,
                format!("{what} reads `steps.{id}`, but there is no step `{id}`"),
            );
            return false;
        }
        return true;
    };
    match scope.steps.reach(id, list, position) {
        Reach::Visible => {}
        Reach::Unknown => {
            let visible = scope.steps.visible_from(list, position);
            let hint = did_you_mean(id, visible.iter().copied()).unwrap_or_else(|| {
                "a template can read the outputs of steps that ran before it".to_owned()
            });
            problems.error_hint(
                span,
                format!("{what} reads `steps.{id}`, but there is no step `{id}`"),
                hint,
            );
            return false;
        }
        Reach::Itself => {
            problems.error_hint(
                span,
                format!("{what} reads `steps.{id}`, the step it belongs to"),
                "a step cannot read its own outputs; inside its `outputs:` use `result`",
            );
            return false;
        }
        Reach::Later => {
            problems.error_hint(
                span,
                format!("{what} reads `steps.{id}`, but step `{id}` runs later"),
                "a template can only read steps that ran before it; move the step up or the reference down",
            );
            return false;
        }
        Reach::InsideForEach(for_each) => {
            problems.error_hint(
                span,
                format!("{what} reads `steps.{id}`, which is a step inside the `for_each` step `{for_each}`"),
                format!("nested steps run once per item; read their combined result from `steps.{for_each}.outputs`"),
            );
            return false;
        }
    }
    match rest {
        [] | ["outputs"] | ["status", ..] => true,
        ["outputs", output, ..] => {
            if let Some(declared) = scope.steps.get(id).and_then(|e| e.outputs.as_ref()) {
                if !guarded && !declared.iter().any(|d| d == output) {
                    let hint = did_you_mean(output, declared.iter().map(String::as_str))
                        .unwrap_or_else(|| {
                            format!("step `{id}` declares: {}", declared.join(", "))
                        });
                    problems.error_hint(
                        span,
                        format!("{what} reads `steps.{id}.outputs.{output}`, but step `{id}` declares no output `{output}`"),
                        hint,
                    );
                    return false;
                }
            }
            true
        }
        [other, ..] => {
            problems.error_hint(
                span,
                format!(
                    "{what} reads `steps.{id}.{other}`; a step only exposes `outputs` and `status`"
                ),
                format!("write `steps.{id}.outputs.{other}`"),
            );
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Span;
    use crate::parse::node::{NodeValue, Scalar};
    use crate::parse::scope::OutputsOf;
    use crate::parse::step_index::StepIndex;

    fn string_node(text: &str) -> Node {
        Node {
            span: Span { line: 4, col: 9 },
            value: NodeValue::Scalar(Scalar::Str(text.to_owned())),
        }
    }

    fn check(template: &str, outputs_of: OutputsOf) -> Vec<String> {
        let inputs = vec!["ruc".to_owned()];
        let steps = StepIndex::default();
        let mut scope = Scope::top(&inputs, &steps, &[], 0);
        scope.outputs_of = outputs_of;
        let mut problems = Problems::new("f");
        TemplateChecker::new().check_template(
            template,
            &string_node(template),
            "`with`",
            &scope,
            &mut problems,
        );
        problems
            .finish(Some(()))
            .err()
            .map(|d| d.0.iter().map(|d| d.to_string()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn known_names_pass() {
        assert!(check("RUC ${{ inputs.ruc }} on ${{ today }} ${{ run.id }} {% for i in range(2) %}${{ i }}{% endfor %}", OutputsOf::Nothing).is_empty());
        assert!(check("${{ result.valid }}", OutputsOf::Result).is_empty());
        assert!(check("${{ signal.by }}", OutputsOf::Wait).is_empty());
    }

    #[test]
    fn unknown_names_are_reported_with_hints() {
        let found = check("${{ input.ruc }}", OutputsOf::Nothing);
        assert!(
            found[0].contains("reads `input`") && found[0].contains("did you mean `inputs`?"),
            "{found:?}"
        );
        let found = check("${{ inputs.rcu }}", OutputsOf::Nothing);
        assert!(found[0].contains("did you mean `ruc`?"), "{found:?}");
        let found = check("${{ result }}", OutputsOf::Nothing);
        assert!(
            found[0].contains("inside that step's `outputs:`"),
            "{found:?}"
        );
        let found = check("${{ run.start }}", OutputsOf::Nothing);
        assert!(found[0].contains("runs have no such field"), "{found:?}");
    }

    #[test]
    fn syntax_errors_are_reported() {
        let found = check("${{ inputs.ruc ", OutputsOf::Nothing);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("f:4:9: `with`: invalid template"),
            "{found:?}"
        );
    }
}
