//! Expressions and templates, on minijinja.
//!
//! In workflow files a string may contain `${{ expression }}` blocks; `{% ... %}`
//! blocks work as in Jinja for bodies with loops. A string that is exactly one
//! `${{ ... }}` block evaluates to the expression's native value (a list stays a
//! list); anything else renders to a string. `if:` conditions are bare
//! expressions (a surrounding `${{ }}` is accepted too).
//!
//! Besides minijinja's own filters, `prose_date` and `prose_datetime` write
//! dates and times in words in the reader's language and zone, for mail
//! (`expr/prose_dates.rs`).
//!
//! Undefined values are errors (strict mode), and every evaluation is bounded by
//! fuel so a template cannot loop forever.

mod early_close;
mod link_filters;
mod prose_dates;
pub use prose_dates::date_in_words;
mod size_guards;

pub(crate) use early_close::compile_expression;

use minijinja::syntax::SyntaxConfig;
use minijinja::{Environment, UndefinedBehavior, Value};

/// Fuel for one evaluation: generous for real templates, fatal for runaway loops.
const FUEL: u64 = 200_000;

/// Longest rendered string accepted (1 MiB): rendering stops there.
const MAX_OUTPUT: usize = size_guards::MAX_BUILT;
/// Most bytes of strings and lists one render or evaluation may build in
/// all (16 MiB): every `~`, `+`, `*` and filter result counts, so a template
/// that doubles a string thirty times fails its step instead of taking the
/// server's memory (minijinja's fuel counts instructions, not bytes).
pub const MAX_BUILT_PER_RENDER: usize = 16 << 20;

/// A template or expression failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ExprError {
    /// What went wrong, in minijinja's words plus ours.
    pub message: String,
}

impl ExprError {
    fn from_mj(what: &str, source: &str, err: minijinja::Error) -> Self {
        let mut message = format!("{what} `{}`: {}", abbreviate(source), err.kind());
        if let Some(detail) = err.detail() {
            message.push_str(": ");
            message.push_str(detail);
        }
        Self { message }
    }
}

fn abbreviate(text: &str) -> String {
    let mut out: String = text.chars().take(80).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

/// Evaluates workflow expressions and renders templates.
#[derive(Debug)]
pub struct Evaluator {
    env: Environment<'static>,
}

impl Default for Evaluator {
    fn default() -> Self {
        Self::new()
    }
}

impl Evaluator {
    /// An evaluator with Garita's syntax, strict undefined handling and fuel.
    pub fn new() -> Self {
        let mut env = Environment::new();
        if let Ok(syntax) = SyntaxConfig::builder()
            .variable_delimiters("${{", "}}")
            .build()
        {
            env.set_syntax(syntax);
        }
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_fuel(Some(FUEL));
        env.set_keep_trailing_newline(true);
        size_guards::install(&mut env);
        prose_dates::install(&mut env);
        link_filters::install(&mut env);
        Self { env }
    }

    /// Checks that `template` parses, without evaluating it.
    pub fn check_template(&self, template: &str) -> Result<(), ExprError> {
        refuse_forbidden(template)?;
        // Compiling folds constants (`'x' * 10**8`): under the budget too.
        within_budget(|| self.env.template_from_str(template))
            .map(|_| ())
            .map_err(|e| ExprError::from_mj("invalid template", template, e))
    }

    /// Checks that `expr` parses as an expression.
    pub fn check_expression(&self, expr: &str) -> Result<(), ExprError> {
        within_budget(|| compile_expression(&self.env, strip_braces(expr)))
            .map(|_| ())
            .map_err(|e| ExprError::from_mj("invalid expression", expr, e))
    }

    /// Evaluates a bare expression (or one wrapped in `${{ }}`) to JSON.
    pub fn eval(
        &self,
        expr: &str,
        ctx: &serde_json::Value,
    ) -> Result<serde_json::Value, ExprError> {
        self.eval_in(expr, &TemplateContext::from_json(ctx))
    }

    /// [`Self::eval`] in a context converted beforehand.
    pub fn eval_in(
        &self,
        expr: &str,
        ctx: &TemplateContext,
    ) -> Result<serde_json::Value, ExprError> {
        let compiled = within_budget(|| compile_expression(&self.env, strip_braces(expr)))
            .map_err(|e| ExprError::from_mj("invalid expression", expr, e))?;
        let value = within_budget(|| compiled.eval(ctx.0.clone()))
            .map_err(|e| ExprError::from_mj("cannot evaluate", expr, e))?;
        if value.is_undefined() {
            // Strict mode only complains when an undefined value is used; a
            // whole expression that is undefined is a missing value too.
            return Err(ExprError {
                message: format!("`{}` is undefined: no such value in this run (check the name and that the step producing it ran before)", abbreviate(strip_braces(expr))),
            });
        }
        // Converting may iterate a lazy sequence: it builds values too.
        within_budget(|| Ok(to_json(&value, expr)))
            .map_err(|e| ExprError::from_mj("cannot evaluate", expr, e))?
    }

    /// Evaluates a condition: the expression's truthiness.
    pub fn eval_bool(&self, expr: &str, ctx: &serde_json::Value) -> Result<bool, ExprError> {
        self.eval_bool_in(expr, &TemplateContext::from_json(ctx))
    }

    /// [`Self::eval_bool`] in a context converted beforehand.
    pub fn eval_bool_in(&self, expr: &str, ctx: &TemplateContext) -> Result<bool, ExprError> {
        let compiled = within_budget(|| compile_expression(&self.env, strip_braces(expr)))
            .map_err(|e| ExprError::from_mj("invalid expression", expr, e))?;
        let value = within_budget(|| compiled.eval(ctx.0.clone()))
            .map_err(|e| ExprError::from_mj("cannot evaluate", expr, e))?;
        Ok(value.is_true())
    }

    /// Renders a template string, stopping once the output passes 1 MiB.
    pub fn render(&self, template: &str, ctx: &serde_json::Value) -> Result<String, ExprError> {
        self.render_in(template, &TemplateContext::from_json(ctx))
    }

    /// [`Self::render`] in a context converted beforehand.
    pub fn render_in(&self, template: &str, ctx: &TemplateContext) -> Result<String, ExprError> {
        refuse_forbidden(template)?;
        let compiled = within_budget(|| self.env.template_from_str(template))
            .map_err(|e| ExprError::from_mj("cannot render", template, e))?;
        let mut out = CappedOutput::default();
        let rendered = within_budget(|| compiled.render_captured_to(ctx.0.clone(), &mut out));
        if out.overflowed {
            return Err(ExprError {
                message: format!(
                    "template `{}` rendered more than {MAX_OUTPUT} bytes, the limit; rendering stopped there",
                    abbreviate(template)
                ),
            });
        }
        rendered.map_err(|e| ExprError::from_mj("cannot render", template, e))?;
        String::from_utf8(out.bytes).map_err(|_| ExprError {
            message: format!(
                "template `{}` rendered bytes that are not UTF-8",
                abbreviate(template)
            ),
        })
    }

    /// Resolves every template inside a JSON value: strings that are exactly one
    /// `${{ }}` block become the expression's value; other strings with
    /// template syntax are rendered; everything else is kept.
    pub fn resolve(
        &self,
        value: &serde_json::Value,
        ctx: &serde_json::Value,
    ) -> Result<serde_json::Value, ExprError> {
        self.resolve_in(value, &TemplateContext::from_json(ctx))
    }

    /// [`Self::resolve`] in a context converted beforehand.
    pub fn resolve_in(
        &self,
        value: &serde_json::Value,
        ctx: &TemplateContext,
    ) -> Result<serde_json::Value, ExprError> {
        use serde_json::Value as J;
        Ok(match value {
            J::String(s) => {
                if let Some(inner) = single_expression(s) {
                    self.eval_in(inner, ctx)?
                } else if has_template_syntax(s) {
                    J::String(self.render_in(s, ctx)?)
                } else {
                    J::String(s.clone())
                }
            }
            J::Array(items) => J::Array(
                items
                    .iter()
                    .map(|v| self.resolve_in(v, ctx))
                    .collect::<Result<_, _>>()?,
            ),
            J::Object(map) => J::Object(
                map.iter()
                    .map(|(k, v)| Ok((k.clone(), self.resolve_in(v, ctx)?)))
                    .collect::<Result<_, ExprError>>()?,
            ),
            other => other.clone(),
        })
    }
}

/// What templates read, converted once to minijinja's values. Converting a
/// run's context (every step's outputs, often an inventory of accounts) was
/// most of an evaluation's cost, and it was done again for every template of
/// a step's `with:`; minijinja's values are shared on clone, so one
/// conversion serves them all.
#[derive(Debug, Clone)]
pub struct TemplateContext(Value);

impl TemplateContext {
    /// A context from its JSON form.
    pub fn from_json(ctx: &serde_json::Value) -> Self {
        Self(Value::from_serialize(ctx))
    }

    /// A context from names and values already converted (their keys in
    /// order, as a JSON object's would be).
    pub fn from_values(values: std::collections::BTreeMap<String, Value>) -> Self {
        Self(values.into_iter().collect())
    }

    /// A JSON value as templates see it, to be put in a context later.
    pub fn value_of(json: &serde_json::Value) -> Value {
        Value::from_serialize(json)
    }
}

/// Runs `f` (one render or evaluation) with the byte budget of
/// [`MAX_BUILT_PER_RENDER`]: the context is converted before, so only what
/// the template itself builds counts.
///
/// The budget is checked once more after `f`: an iteration that reaches the
/// budget ends early rather than failing (an iterator cannot fail), and the
/// VM reports that only at its next instruction. Without this check the
/// last instruction's cut-short value, or a conversion done outside the
/// VM, would pass as a result.
fn within_budget<T>(
    f: impl FnOnce() -> Result<T, minijinja::Error>,
) -> Result<T, minijinja::Error> {
    minijinja::budget::with_byte_budget(MAX_BUILT_PER_RENDER, || {
        let result = f();
        minijinja::budget::check()?;
        result
    })
}

/// The rendered bytes, up to [`MAX_OUTPUT`]; a write past it fails, which
/// stops the render before a runaway template fills memory.
#[derive(Default)]
struct CappedOutput {
    bytes: Vec<u8>,
    overflowed: bool,
}

impl std::io::Write for CappedOutput {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > MAX_OUTPUT {
            self.overflowed = true;
            return Err(std::io::Error::other("template output limit reached"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn refuse_forbidden(template: &str) -> Result<(), ExprError> {
    match size_guards::forbidden_statement(template) {
        Some(statement) => Err(ExprError {
            message: format!(
                "template `{}` uses `{{% {statement} %}}`; macros are not available in workflow templates (they can recurse without bound): write the text out, or loop with `{{% for %}}`",
                abbreviate(template)
            ),
        }),
        None => Ok(()),
    }
}

/// True when a string contains `${{`, `{%` or `{#`.
pub fn has_template_syntax(s: &str) -> bool {
    s.contains("${{") || s.contains("{%") || s.contains("{#")
}

/// If `s` is exactly `${{ expr }}` (surrounding whitespace allowed), returns `expr`.
pub fn single_expression(s: &str) -> Option<&str> {
    let t = s.trim();
    let inner = t.strip_prefix("${{")?.strip_suffix("}}")?;
    if inner.contains("${{") || inner.contains("}}") {
        return None;
    }
    Some(inner.trim())
}

fn strip_braces(expr: &str) -> &str {
    single_expression(expr).unwrap_or(expr.trim())
}

fn to_json(value: &Value, expr: &str) -> Result<serde_json::Value, ExprError> {
    serde_json::to_value(value).map_err(|e| ExprError {
        message: format!(
            "expression `{}` produced a value that is not JSON: {e}",
            abbreviate(expr)
        ),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn exact_expression_keeps_native_type() {
        let ev = Evaluator::new();
        let ctx = json!({"inputs": {"list": [1, 2, 3]}});
        assert_eq!(
            ev.resolve(&json!("${{ inputs.list }}"), &ctx).unwrap(),
            json!([1, 2, 3])
        );
        assert_eq!(
            ev.resolve(&json!("n=${{ inputs.list | length }}"), &ctx)
                .unwrap(),
            json!("n=3")
        );
    }

    #[test]
    fn missing_value_is_an_error() {
        let ev = Evaluator::new();
        let err = ev
            .resolve(&json!("${{ inputs.nope }}"), &json!({"inputs": {}}))
            .unwrap_err();
        assert!(err.message.contains("inputs.nope"), "{}", err.message);
    }

    #[test]
    fn runaway_loop_is_bounded() {
        let ev = Evaluator::new();
        let err = ev
            .render(
                "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
                &json!({}),
            )
            .unwrap_err();
        assert!(err.message.contains("ran out of fuel"), "{}", err.message);
    }

    #[test]
    fn output_past_the_limit_stops_the_render() {
        let ev = Evaluator::new();
        let err = ev
            .render(
                "{% for i in range(100000) %}${{ 'x' * 100 }}{% endfor %}",
                &json!({}),
            )
            .unwrap_err();
        assert!(
            err.message.contains("rendered more than 1048576 bytes"),
            "{}",
            err.message
        );
        let fits = ev
            .render(
                "{% for i in range(1000) %}${{ 'x' * 100 }}{% endfor %}",
                &json!({}),
            )
            .unwrap();
        assert_eq!(fits.len(), 100_000);
    }

    #[test]
    fn macros_are_refused_before_they_run() {
        let ev = Evaluator::new();
        let template = "{% macro f(s) %}${{ f(s ~ s) }}{% endmacro %}${{ f('x') }}";
        let err = ev.check_template(template).unwrap_err();
        assert!(
            err.message.contains("macros are not available"),
            "{}",
            err.message
        );
        let err = ev.render(template, &json!({})).unwrap_err();
        assert!(
            err.message.contains("macros are not available"),
            "{}",
            err.message
        );
    }

    /// `{% set a = 'xxxxxxxx' %}` then `{% set a = a ~ a %}` thirty times:
    /// 8 bytes doubled to 8 GiB, in thirty instructions.
    fn doubling(times: usize) -> String {
        let mut template = String::from("{% set a = 'xxxxxxxx' %}");
        for _ in 0..times {
            template.push_str("{% set a = a ~ a %}");
        }
        template.push_str("${{ a | length }}");
        template
    }

    fn assert_over_budget(result: Result<impl std::fmt::Debug, ExprError>, what: &str) {
        // A bomb that got through may be huge: show its start only.
        let err = match result {
            Ok(value) => panic!("{what}: {}", abbreviate(&format!("{value:?}"))),
            Err(err) => err,
        };
        assert!(
            err.message.contains("would build more than 16777216 bytes"),
            "{what}: {}",
            err.message
        );
    }

    #[test]
    fn a_string_doubled_thirty_times_fails_on_the_byte_budget() {
        let ev = Evaluator::new();
        assert_over_budget(ev.render(&doubling(30), &json!({})), "doubling");
        // Below the budget the same template works: 8 << 20 bytes.
        assert_eq!(ev.render(&doubling(20), &json!({})).unwrap(), "8388608");
    }

    #[test]
    fn repetition_and_concatenation_bombs_fail_before_they_allocate() {
        let ev = Evaluator::new();
        let ctx = json!({});
        assert_over_budget(
            ev.eval("(['x' * 10**8] * 1000) | map('upper') | list", &ctx),
            "list bomb",
        );
        assert_over_budget(ev.eval("'x' * 10**8", &ctx), "string repetition");
        assert_over_budget(ev.eval("([1] * 10**9) | list", &ctx), "list repetition");
        assert_over_budget(ev.eval("[1] * 10**9", &ctx), "lazy list repetition");
        assert_over_budget(
            ev.render(
                "{% set a = 'x' * 10**7 %}{% set b = a + a %}${{ (b + b) | length }}",
                &ctx,
            ),
            "concatenation with +",
        );
        assert_over_budget(
            ev.render(
                "{% set a = 'x' * 10**6 %}{% for i in range(100) %}${{ (a ~ i) | length }}{% endfor %}",
                &ctx,
            ),
            "a loop that builds a string each time",
        );
    }

    /// One filter call can turn a string that fits the budget into far
    /// more memory than the string: a 16 MB string is sixteen million
    /// one-character values in `list`, sixteen million one-item lists in
    /// `batch(1)`; a count alone makes `slice` build that many lists. These
    /// must stop at the budget while they iterate, or before they reserve,
    /// not after they built gigabytes.
    const EXPANDING_BOMBS: [&str; 10] = [
        "('x' * 16000000) | list",
        "('x' * 16000000) | list | length",
        "('x' * 16000000) | batch(1) | list | length",
        "('x' * 16000000) | slice(16000000) | list | length",
        "('x' * 16000000) | map('upper') | list | length",
        "('x' * 16000000) | sort | length",
        "('x' * 16000000) | reverse | list | length",
        // A count that makes lists whatever the input: a billion empty
        // slices, a last batch filled up to a billion items.
        "[1, 2, 3] | slice(10**9) | length",
        "[1, 2, 3] | batch(10**9, 0) | list | length",
        "('x' * 16000000) | batch(1) | map('list') | list | length",
    ];

    /// Set in the child process that [`filters_that_expand_a_string_stop_at_the_budget_without_allocating`]
    /// starts under an address-space limit.
    const BOMB_CHILD: &str = "GARITA_EXPR_BOMB_CHILD";

    /// Address space for that child (1 GiB): the tests need under 100 MiB;
    /// without the budget stopping the iteration, `batch(1)` alone reaches
    /// 1.6 GiB, and `slice(10**9)` asks for 24 GB at once (which aborts
    /// any process on a machine with less memory than that).
    const BOMB_CHILD_ADDRESS_SPACE_KIB: u64 = 1 << 20;

    #[test]
    #[cfg(target_os = "linux")]
    fn filters_that_expand_a_string_stop_at_the_budget_without_allocating() {
        if std::env::var_os(BOMB_CHILD).is_some() {
            let ev = Evaluator::new();
            for bomb in EXPANDING_BOMBS {
                assert_over_budget(ev.eval(bomb, &json!({})), bomb);
            }
            assert_over_budget(
                ev.render(
                    "{% set s = 'x' * 16000000 %}${{ s | batch(1) | list | length }}",
                    &json!({}),
                ),
                "batch in a template",
            );
            // A large batch size alone builds nothing large.
            assert_eq!(
                ev.eval("[1, 2, 3] | batch(10**9) | list | length", &json!({}))
                    .unwrap(),
                json!(1)
            );
            return;
        }
        // The same test again, in a child whose address space is limited:
        // an allocation past the limit aborts it, which fails this test.
        let exe = std::env::current_exe().expect("the test binary's path");
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "ulimit -v {BOMB_CHILD_ADDRESS_SPACE_KIB} && exec \"$0\" \"$@\""
            ))
            .arg(exe)
            .args([
                "expr::tests::filters_that_expand_a_string_stop_at_the_budget_without_allocating",
                "--exact",
                "--test-threads=1",
            ])
            .env(BOMB_CHILD, "1")
            .output()
            .expect("start the test binary again");
        assert!(
            out.status.success(),
            "the child under a {BOMB_CHILD_ADDRESS_SPACE_KIB} KiB address space failed ({}):\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("1 passed"),
            "the child ran the test: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }

    #[test]
    fn the_budget_is_per_render_and_leaves_ordinary_templates_alone() {
        let ev = Evaluator::new();
        let ctx = json!({"inputs": {"who": "Ana", "items": [1, 2, 3]}});
        for _ in 0..50 {
            // 8 MiB each time: the budget starts again with every render.
            assert_eq!(ev.render(&doubling(20), &json!({})).unwrap(), "8388608");
        }
        assert_eq!(
            ev.render(
                "hola ${{ inputs.who ~ '!' }} ${{ inputs.items | join(',') }}",
                &ctx
            )
            .unwrap(),
            "hola Ana! 1,2,3"
        );
        // A large context does not count: only what the template builds.
        let big = json!({"text": "y".repeat(20 << 20)});
        assert_eq!(ev.eval("text | length", &big).unwrap(), json!(20 << 20));
    }

    #[test]
    fn conditions() {
        let ev = Evaluator::new();
        let ctx = json!({"inputs": {"n": 3}});
        assert!(ev.eval_bool("inputs.n > 2", &ctx).unwrap());
        assert!(!ev.eval_bool("${{ inputs.n > 5 }}", &ctx).unwrap());
    }

    #[test]
    fn a_context_built_from_converted_parts_reads_as_its_json_form() {
        let ev = Evaluator::new();
        let json = json!({
            "inputs": {"n": 3, "list": [1, {"a": null}]},
            "steps": {"x": {"outputs": {"accounts": [{"key": "ctpat:a", "n": 1.5}]}, "status": "succeeded"}},
            "today": "2026-03-03",
        });
        let whole = TemplateContext::from_json(&json);
        let parts = TemplateContext::from_values(
            json.as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), TemplateContext::value_of(v)))
                .collect(),
        );
        for template in [
            "${{ inputs | tojson }}|${{ steps | tojson }}|${{ today }}",
            "{% for k, v in steps | items %}${{ k }}=${{ v.status }}{% endfor %}",
            "${{ steps.x.outputs.accounts | map(attribute='key') | list }} ${{ steps is mapping }}",
        ] {
            assert_eq!(
                ev.render_in(template, &whole).unwrap(),
                ev.render_in(template, &parts).unwrap(),
                "{template}"
            );
        }
        assert_eq!(
            ev.eval_in("steps.x.outputs", &parts).unwrap(),
            json["steps"]["x"]["outputs"]
        );
    }
}
