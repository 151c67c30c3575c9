//! The context paths a template or expression reads (`steps.check.outputs.valid`,
//! `account.holder.name`), taken from minijinja's syntax tree, each marked
//! as guarded when the template itself allows it to be missing
//! (`| default(…)`, `is defined`).
//!
//! minijinja's own `undeclared_variables` lists dotted names but forgets the
//! guards and what a loop variable iterates over; the field checks need both.
//! The tree comes from minijinja's `unstable_machinery`: its API may change
//! between minijinja versions (Cargo.lock pins the version, and the tests of
//! this module fail when the tree changes shape).

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

use minijinja::machinery::ast::{CallArg, Expr, Stmt};
use minijinja::machinery::{parse, parse_expr, WhitespaceConfig};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::ValueKind;

/// One step along a path: a field, or any item of a list.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Segment {
    /// `.name` or `['name']`.
    Field(String),
    /// `[0]`, or the variable of a loop over the list.
    Item,
}

/// A path from a context name: `steps` then `check`, `outputs`, `valid`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Path {
    /// The context name it starts from.
    pub root: String,
    /// What follows.
    pub segments: Vec<Segment>,
}

impl Path {
    fn starts_with(&self, prefix: &Path) -> bool {
        self.root == prefix.root && self.segments.starts_with(&prefix.segments)
    }
}

/// One path a template reads.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Read {
    /// The path from a context name, through any loop variable it went
    /// through (`{% for a in steps.x.outputs.list %}${{ a.id }}` reads
    /// `steps.x.outputs.list[].id`).
    pub path: Path,
    /// How the template writes the start of the path when it goes through a
    /// template variable (`a` above), with how many segments of `path` that
    /// variable stands for; `None` when it starts at a context name.
    pub local: Option<(String, usize)>,
    /// Whether the template allows the value to be missing: it is given a
    /// `default`, or tested with `is defined` / `is undefined`.
    pub guarded: bool,
}

impl Read {
    /// The path as the template writes it, up to `upto` segments of `path`.
    pub fn shown(&self, upto: usize) -> String {
        let (mut text, skip) = match &self.local {
            Some((name, skip)) => (name.clone(), *skip),
            None => (self.path.root.clone(), 0),
        };
        for segment in self.path.segments.iter().take(upto).skip(skip) {
            match segment {
                Segment::Field(name) => {
                    text.push('.');
                    text.push_str(name);
                }
                Segment::Item => text.push_str("[]"),
            }
        }
        text
    }
}

/// Filters whose result has the items of their input (for loops) or, for
/// `default`, the input itself when present.
const SHAPE_KEEPING_FILTERS: &[&str] = &[
    "default",
    "d",
    "sort",
    "reverse",
    "list",
    "unique",
    "select",
    "reject",
    "selectattr",
    "rejectattr",
];

/// Tests that ask whether a value exists at all.
const EXISTENCE_TESTS: &[&str] = &["defined", "undefined"];

/// The reads of a template string in Garita's syntax; `None` when it does not
/// parse (the caller has reported that already).
pub(crate) fn template_reads(syntax: &SyntaxConfig, text: &str) -> Option<Vec<Read>> {
    let tree = catch_unwind(AssertUnwindSafe(|| {
        parse(
            text,
            "<template>",
            syntax.clone(),
            WhitespaceConfig::default(),
        )
    }))
    .ok()?
    .ok()?;
    let mut walker = Walker::default();
    walker.statement(&tree);
    Some(walker.finish())
}

/// The reads of a bare expression (`inputs.n > 2`).
pub(crate) fn expression_reads(text: &str) -> Option<Vec<Read>> {
    let expr = parse_bare(text)?;
    let mut walker = Walker::default();
    walker.expr(&expr, false);
    Some(walker.finish())
}

/// The path whose value (or, for a list, whose items) a bare expression
/// gives: `steps.x.outputs.accounts | sort(attribute='key')` gives the path
/// `steps.x.outputs.accounts`. `None` for anything computed.
pub(crate) fn expression_path(text: &str) -> Option<Path> {
    let expr = parse_bare(text)?;
    Walker::default().kept_path(&expr).map(|(path, _)| path)
}

fn parse_bare(text: &str) -> Option<Expr<'_>> {
    catch_unwind(AssertUnwindSafe(|| parse_expr(text)))
        .ok()?
        .ok()
}

/// A name a template assigns (`{% for a in … %}`, `{% set a = … %}`), with
/// the path it stands for when that is known.
type Binding = Option<Path>;

#[derive(Default)]
struct Walker<'s> {
    /// Template variables, innermost scope last.
    locals: Vec<HashMap<&'s str, Binding>>,
    reads: Vec<Read>,
    /// Paths tested with `is defined` / `is undefined`.
    tested: Vec<Path>,
}

impl<'s> Walker<'s> {
    fn finish(mut self) -> Vec<Read> {
        for read in &mut self.reads {
            if self.tested.iter().any(|t| read.path.starts_with(t)) {
                read.guarded = true;
            }
        }
        self.reads.sort();
        self.reads.dedup();
        self.reads
    }

    fn local(&self, name: &str) -> Option<&Binding> {
        self.locals.iter().rev().find_map(|scope| scope.get(name))
    }

    fn bind(&mut self, target: &Expr<'s>, binding: Binding) {
        if self.locals.is_empty() {
            self.locals.push(HashMap::new());
        }
        match target {
            Expr::Var(var) => {
                if let Some(scope) = self.locals.last_mut() {
                    scope.insert(var.id, binding);
                }
            }
            // Unpacking (`{% for k, v in … %}`): the parts have unknown paths.
            Expr::List(list) => {
                for item in &list.items {
                    self.bind(item, None);
                }
            }
            _ => {}
        }
    }

    /// The path `expr` reads, with the template variable it starts from
    /// (and how many segments that variable stands for), when it is a plain
    /// chain of names, fields and constant subscripts.
    fn path(&self, expr: &Expr<'s>) -> Option<(Path, Option<(String, usize)>)> {
        match expr {
            Expr::Var(var) => match self.local(var.id) {
                Some(Some(bound)) => Some((
                    bound.clone(),
                    Some((var.id.to_owned(), bound.segments.len())),
                )),
                Some(None) => None,
                None => Some((
                    Path {
                        root: var.id.to_owned(),
                        segments: Vec::new(),
                    },
                    None,
                )),
            },
            Expr::GetAttr(get) => {
                let (mut path, local) = self.path(&get.expr)?;
                path.segments.push(Segment::Field(get.name.to_owned()));
                Some((path, local))
            }
            Expr::GetItem(get) => {
                let Expr::Const(key) = &get.subscript_expr else {
                    return None;
                };
                let segment = match key.value.kind() {
                    ValueKind::String => Segment::Field(key.value.as_str()?.to_owned()),
                    ValueKind::Number => Segment::Item,
                    _ => return None,
                };
                let (mut path, local) = self.path(&get.expr)?;
                path.segments.push(segment);
                Some((path, local))
            }
            _ => None,
        }
    }

    /// Like [`Self::path`], looking through filters that keep the shape.
    fn kept_path(&self, expr: &Expr<'s>) -> Option<(Path, Option<(String, usize)>)> {
        match expr {
            Expr::Filter(filter) if SHAPE_KEEPING_FILTERS.contains(&filter.name) => {
                self.kept_path(filter.expr.as_ref()?)
            }
            _ => self.path(expr),
        }
    }

    fn record(&mut self, expr: &Expr<'s>, guarded: bool) -> bool {
        let Some((path, local)) = self.path(expr) else {
            return false;
        };
        self.reads.push(Read {
            path,
            local,
            guarded,
        });
        true
    }

    /// Records what `expr` reads; `guarded` when a `default` covers it.
    fn expr(&mut self, expr: &Expr<'s>, guarded: bool) {
        match expr {
            Expr::Var(_) => {
                self.record(expr, guarded);
            }
            Expr::GetAttr(get) => {
                if !self.record(expr, guarded) {
                    self.expr(&get.expr, guarded);
                }
            }
            Expr::GetItem(get) => {
                if !self.record(expr, guarded) {
                    self.expr(&get.expr, guarded);
                    self.expr(&get.subscript_expr, false);
                }
            }
            Expr::Const(_) => {}
            Expr::Slice(slice) => {
                self.expr(&slice.expr, guarded);
                for part in [&slice.start, &slice.stop, &slice.step]
                    .into_iter()
                    .flatten()
                {
                    self.expr(part, false);
                }
            }
            Expr::UnaryOp(op) => self.expr(&op.expr, guarded),
            Expr::BinOp(op) => {
                self.expr(&op.left, guarded);
                self.expr(&op.right, guarded);
            }
            Expr::Compare(compare) => {
                self.expr(&compare.expr, guarded);
                for op in &compare.ops {
                    self.expr(&op.expr, guarded);
                }
            }
            Expr::IfExpr(if_expr) => {
                self.expr(&if_expr.test_expr, guarded);
                self.expr(&if_expr.true_expr, guarded);
                if let Some(false_expr) = &if_expr.false_expr {
                    self.expr(false_expr, guarded);
                }
            }
            Expr::Filter(filter) => {
                let defaulted = matches!(filter.name, "default" | "d");
                if let Some(input) = &filter.expr {
                    self.expr(input, guarded || defaulted);
                }
                self.args(&filter.args);
            }
            Expr::Test(test) => {
                if EXISTENCE_TESTS.contains(&test.name) {
                    if let Some((path, _)) = self.path(&test.expr) {
                        self.tested.push(path);
                    }
                    self.expr(&test.expr, true);
                } else {
                    self.expr(&test.expr, guarded);
                }
                self.args(&test.args);
            }
            Expr::Call(call) => {
                match &call.expr {
                    // A method (`account.attributes.items()`): the object is
                    // read, the method name is not a field.
                    Expr::GetAttr(method) => self.expr(&method.expr, guarded),
                    callee => self.expr(callee, guarded),
                }
                self.args(&call.args);
            }
            Expr::List(list) => {
                for item in &list.items {
                    self.expr(item, guarded);
                }
            }
            Expr::Map(map) => {
                for (key, value) in map.keys.iter().zip(&map.values) {
                    self.expr(key, false);
                    self.expr(value, guarded);
                }
            }
        }
    }

    fn args(&mut self, args: &[CallArg<'s>]) {
        for arg in args {
            match arg {
                CallArg::Pos(expr)
                | CallArg::Kwarg(_, expr)
                | CallArg::PosSplat(expr)
                | CallArg::KwargSplat(expr) => self.expr(expr, false),
            }
        }
    }

    fn statements(&mut self, body: &[Stmt<'s>]) {
        for statement in body {
            self.statement(statement);
        }
    }

    fn scoped(&mut self, body: &[Stmt<'s>]) {
        self.locals.push(HashMap::new());
        self.statements(body);
        self.locals.pop();
    }

    fn statement(&mut self, statement: &Stmt<'s>) {
        match statement {
            Stmt::Template(template) => self.statements(&template.children),
            Stmt::EmitExpr(emit) => self.expr(&emit.expr, false),
            Stmt::ForLoop(for_loop) => {
                self.expr(&for_loop.iter, false);
                let items = self.kept_path(&for_loop.iter).map(|(mut path, _)| {
                    path.segments.push(Segment::Item);
                    path
                });
                self.locals.push(HashMap::new());
                self.bind(&for_loop.target, items);
                if let Some(scope) = self.locals.last_mut() {
                    scope.insert("loop", None);
                }
                if let Some(filter) = &for_loop.filter_expr {
                    self.expr(filter, false);
                }
                self.statements(&for_loop.body);
                self.locals.pop();
                self.scoped(&for_loop.else_body);
            }
            Stmt::IfCond(if_cond) => {
                self.expr(&if_cond.expr, false);
                self.scoped(&if_cond.true_body);
                self.scoped(&if_cond.false_body);
            }
            Stmt::WithBlock(with) => {
                self.locals.push(HashMap::new());
                for (target, value) in &with.assignments {
                    self.expr(value, false);
                    let bound = self.path(value).map(|(path, _)| path);
                    self.bind(target, bound);
                }
                self.statements(&with.body);
                self.locals.pop();
            }
            Stmt::Set(set) => {
                self.expr(&set.expr, false);
                let bound = self.path(&set.expr).map(|(path, _)| path);
                self.bind(&set.target, bound);
            }
            Stmt::SetBlock(set) => {
                self.bind(&set.target, None);
                if let Some(filter) = &set.filter {
                    self.expr(filter, false);
                }
                self.statements(&set.body);
            }
            Stmt::AutoEscape(auto) => {
                self.expr(&auto.enabled, false);
                self.statements(&auto.body);
            }
            Stmt::FilterBlock(block) => {
                self.expr(&block.filter, false);
                self.statements(&block.body);
            }
            Stmt::Do(call) => {
                self.expr(&call.call.expr, false);
                self.args(&call.call.args);
            }
            // Raw text reads nothing; macros, imports and blocks are refused
            // or have no context in workflow templates.
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syntax() -> SyntaxConfig {
        SyntaxConfig::builder()
            .variable_delimiters("${{", "}}")
            .build()
            .unwrap()
    }

    /// Each read as `path` or `path (guarded)`, loop variables shown as written.
    fn shown(reads: Vec<Read>) -> Vec<String> {
        reads
            .into_iter()
            .map(|r| {
                let text = format!("{}", Shown(&r));
                if r.guarded {
                    format!("{text} (guarded)")
                } else {
                    text
                }
            })
            .collect()
    }

    struct Shown<'a>(&'a Read);

    impl std::fmt::Display for Shown<'_> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            let mut text = self.0.path.root.clone();
            for segment in &self.0.path.segments {
                match segment {
                    Segment::Field(name) => {
                        text.push('.');
                        text.push_str(name);
                    }
                    Segment::Item => text.push_str("[]"),
                }
            }
            f.write_str(&text)
        }
    }

    fn template(text: &str) -> Vec<String> {
        shown(template_reads(&syntax(), text).unwrap())
    }

    fn expression(text: &str) -> Vec<String> {
        shown(expression_reads(text).unwrap())
    }

    #[test]
    fn plain_reads_are_dotted_paths() {
        assert_eq!(
            template("Hola ${{ account.holder.name }} (${{ steps.s.outputs['days left'] }})"),
            ["account.holder.name", "steps.s.outputs.days left"]
        );
        assert_eq!(
            expression("steps.s.outputs.stage == 'urgent' and inputs.n > 2"),
            ["inputs.n", "steps.s.outputs.stage"]
        );
    }

    #[test]
    fn defaults_and_existence_tests_guard_their_paths() {
        assert_eq!(
            template("${{ a.b.c | lower | default(x.y) }}"),
            ["a.b.c (guarded)", "x.y"]
        );
        assert_eq!(
            template("{% if a.b is defined %}${{ a.b.c }}{% endif %}${{ a.d }}"),
            ["a.b (guarded)", "a.b.c (guarded)", "a.d"]
        );
        assert_eq!(
            expression("inputs.when is none"),
            ["inputs.when"],
            "`is none` is not an existence test"
        );
    }

    #[test]
    fn loop_variables_read_the_items_of_their_list() {
        assert_eq!(
            template("{% for a in steps.l.outputs.accounts | sort(attribute='key') %}${{ a.holder.nmae }} ${{ loop.index }}{% endfor %}"),
            ["steps.l.outputs.accounts", "steps.l.outputs.accounts[].holder.nmae"]
        );
        let reads =
            template_reads(&syntax(), "{% for a in x.list %}${{ a.id }}{% endfor %}").unwrap();
        let through_a = reads.iter().find(|r| r.local.is_some()).unwrap();
        assert_eq!(through_a.shown(through_a.path.segments.len()), "a.id");
        // Computed lists and unpacked items have unknown paths: nothing read through them.
        assert_eq!(
            template("{% for k, v in x.items() %}${{ v.z }}{% endfor %}{% for i in range(3) %}${{ i.q }}{% endfor %}"),
            ["range", "x"]
        );
    }

    #[test]
    fn set_and_methods() {
        assert_eq!(
            template(
                "{% set h = account.holder %}${{ h.email }} ${{ account.attributes.get('site') }}"
            ),
            [
                "account.attributes",
                "account.holder",
                "account.holder.email"
            ]
        );
    }

    #[test]
    fn expression_paths_look_through_shape_keeping_filters() {
        let path =
            expression_path("steps.inv.outputs.accounts | default([]) | sort(attribute='key')")
                .unwrap();
        assert_eq!(path.root, "steps");
        assert_eq!(path.segments.len(), 3);
        assert_eq!(expression_path("steps.inv.outputs.accounts | length"), None);
        assert_eq!(expression_path("[1, 2]"), None);
    }
}
