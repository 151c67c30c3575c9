//! What a template may read at one place in a workflow: the context names
//! (`inputs`, `steps`, …) and which steps have run by then.

use garita_sdk::Manifest;

use super::parent_reads::ParentReadCollector;
use super::shape::{outputs_shape, Mismatch, Shape};
use super::step_index::StepIndex;
use super::template_reads::{Path, Segment};

/// Context names every template may read.
pub(crate) const ALWAYS: &[&str] = &["inputs", "steps", "run", "now", "today"];

/// Fields of `run`.
pub(crate) const RUN_FIELDS: &[&str] = &["id", "workflow", "started_at"];

/// Extra names available in a step's `outputs:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OutputsOf {
    /// Not inside `outputs:`.
    Nothing,
    /// A `uses:` or `for_each:` step: `result`.
    Result,
    /// A `wait:` step: `result` and `signal` (the signal's data).
    Wait,
    /// A `task:` step: `result` and `task` (the person's answer).
    Task,
}

/// Everything a template at one place may read.
#[derive(Debug, Clone)]
pub(crate) struct Scope<'a> {
    /// Declared input names.
    pub inputs: &'a [String],
    /// All steps of the file.
    pub steps: &'a StepIndex,
    /// The step list and position the template sits at; `None` when unknown
    /// (an unindexed list), which disables the ordering checks.
    pub at: Option<(usize, usize)>,
    /// Item variables of the enclosing `for_each` steps (their `as:` names).
    pub items: Vec<String>,
    /// The shape of each item variable, in the order of `items`.
    pub item_shapes: Vec<Shape<'a>>,
    /// Whether the template is inside a step's `outputs:`, and of what kind.
    pub outputs_of: OutputsOf,
    /// Inside a step's `outputs:`, the shape of `result`.
    pub result_shape: Shape<'a>,
    /// The loaded connectors, whose output schemas give steps' shapes.
    pub manifests: &'a [Manifest],
    /// One per enclosing `for_each`, outermost first: each learns which of
    /// its parent's steps its body reads. A read deep inside counts for
    /// every level, because each child passes on what its own children read.
    pub parent_reads: Vec<ParentReadCollector>,
}

impl<'a> Scope<'a> {
    /// The scope at the top level of the workflow, before step `position`.
    pub fn top(
        inputs: &'a [String],
        steps: &'a StepIndex,
        manifests: &'a [Manifest],
        position: usize,
    ) -> Self {
        Self {
            inputs,
            steps,
            at: Some((0, position)),
            items: Vec::new(),
            item_shapes: Vec::new(),
            outputs_of: OutputsOf::Nothing,
            result_shape: Shape::Unknown,
            manifests,
            parent_reads: Vec::new(),
        }
    }

    /// The same scope at another position of the same list.
    pub fn at_position(&self, position: usize) -> Self {
        let mut scope = self.clone();
        scope.at = self.at.map(|(list, _)| (list, position));
        scope.outputs_of = OutputsOf::Nothing;
        scope.result_shape = Shape::Unknown;
        scope
    }

    /// The scope inside a step's `outputs:`, where `result` has `result_shape`.
    pub fn in_outputs(&self, of: OutputsOf, result_shape: Shape<'a>) -> Self {
        let mut scope = self.clone();
        scope.outputs_of = of;
        scope.result_shape = result_shape;
        scope
    }

    /// The scope of the nested steps of a `for_each` step, whose items are
    /// named `item_var` and have `item_shape`. `list` is the nested list, when
    /// indexed; `reads` learns which of the parent's steps the body reads.
    pub fn nested(
        &self,
        list: Option<usize>,
        item_var: &str,
        item_shape: Shape<'a>,
        reads: ParentReadCollector,
    ) -> Self {
        let mut scope = self.clone();
        scope.parent_reads.push(reads);
        scope.at = list.map(|list| (list, 0));
        scope.items.push(item_var.to_owned());
        scope.item_shapes.push(item_shape);
        scope.outputs_of = OutputsOf::Nothing;
        scope.result_shape = Shape::Unknown;
        scope
    }

    /// The shape of an item variable, when `name` is one.
    pub fn item_shape(&self, name: &str) -> Option<Shape<'a>> {
        let at = self.items.iter().rposition(|i| i == name)?;
        Some(self.item_shapes.get(at).copied().unwrap_or(Shape::Unknown))
    }

    /// Where the shape of a value read from `root` starts: the shape, and
    /// how many of `segments` lead to it (`steps.ID.outputs` takes two).
    /// `None` for names whose values have no known shape.
    pub fn root_shape(&self, root: &str, segments: &[Segment]) -> Option<(Shape<'a>, usize)> {
        if let Some(shape) = self.item_shape(root) {
            return Some((shape, 0));
        }
        match (root, segments) {
            ("result", _) if self.outputs_of != OutputsOf::Nothing => Some((self.result_shape, 0)),
            ("steps", [Segment::Field(id), Segment::Field(outputs), ..])
                if outputs == "outputs" =>
            {
                let entry = self.steps.get(id)?;
                Some((outputs_shape(entry, self.manifests), 2))
            }
            _ => None,
        }
    }

    /// The shape of the value at `path`, as far as it is known.
    pub fn path_shape(&self, path: &Path) -> Result<Shape<'a>, Mismatch<'a>> {
        let Some((shape, consumed)) = self.root_shape(&path.root, &path.segments) else {
            return Ok(Shape::Unknown);
        };
        shape.follow(&path.segments[consumed..], self.manifests)
    }

    /// Every root name readable here.
    pub fn roots(&self) -> Vec<&str> {
        let mut roots: Vec<&str> = ALWAYS.to_vec();
        if !self.items.is_empty() {
            roots.extend(self.items.iter().map(String::as_str));
            roots.extend(["index", "parent"]);
        }
        match self.outputs_of {
            OutputsOf::Nothing => {}
            OutputsOf::Result => roots.push("result"),
            OutputsOf::Wait => roots.extend(["result", "signal"]),
            OutputsOf::Task => roots.extend(["result", "task"]),
        }
        roots
    }

    /// Why `root` is not available here, when it is a name that exists elsewhere.
    pub fn why_unavailable(&self, root: &str) -> Option<&'static str> {
        Some(match root {
            "result" => "`result` (the step's raw output) can only be read inside that step's `outputs:`",
            "signal" => {
                "`signal` can only be read inside the `outputs:` of a `wait: {signal: …}` step; later steps read `steps.<id>.outputs`"
            }
            "task" => "`task` (the answer) can only be read inside the `outputs:` of a `task:` step; later steps read `steps.<id>.outputs`",
            "index" | "item" | "parent" => {
                "`item`, `index` and `parent` only exist inside the `steps:` of a `for_each`"
            }
            _ => return None,
        })
    }
}
