//! A first pass over the step tree: every step id with where it sits, so that
//! references (`steps.X`, `goto: X`) can be told apart as unknown, later, or
//! hidden inside a `for_each`, before the steps themselves are read.

use std::collections::{BTreeMap, HashMap};

use super::node::Node;
use super::problems::Problems;
use crate::model::Span;

/// One step as seen by the first pass.
#[derive(Debug, Clone)]
pub(crate) struct StepEntry {
    /// The id.
    pub id: String,
    /// Where the step starts.
    pub span: Span,
    /// The step list it belongs to (0 is the workflow's own `steps:`).
    pub list: usize,
    /// Its position in that list.
    pub position: usize,
    /// Names declared under its `outputs:`, when it declares any.
    pub outputs: Option<Vec<String>>,
    /// The text of each declared output written as a string, for the shape
    /// of what it gives (`accounts: "${{ result.accounts }}"`).
    pub output_texts: BTreeMap<String, String>,
    /// What the step runs, as far as its output shape depends on it.
    pub target: StepTarget,
}

/// What a step runs, for the shape of its result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StepTarget {
    /// `uses: CONNECTOR.ACTION`.
    Uses {
        /// The connector.
        connector: String,
        /// The action.
        action: String,
    },
    /// `for_each:`.
    ForEach,
    /// A `task:`, a `wait:`, or a step too broken to tell.
    Other,
}

/// One step list: the workflow's, or the `steps:` of a `for_each`.
#[derive(Debug, Clone)]
struct StepList {
    /// The `for_each` step owning this list (index into `entries`).
    owner: Option<usize>,
}

/// Every step id of a file with its place.
#[derive(Debug, Default)]
pub(crate) struct StepIndex {
    entries: Vec<StepEntry>,
    lists: Vec<StepList>,
    by_id: HashMap<String, usize>,
}

/// Where a step reference points, relative to the step making it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Reach<'a> {
    /// An earlier step whose outputs exist at this point.
    Visible,
    /// The step making the reference.
    Itself,
    /// A step that runs after this point.
    Later,
    /// A step inside a `for_each` that does not enclose this point.
    InsideForEach(&'a str),
    /// No step has this id.
    Unknown,
}

impl StepIndex {
    /// Indexes the steps under a workflow's `steps:` node, reporting duplicate ids.
    pub fn build(steps: Option<&Node>, problems: &mut Problems<'_>) -> Self {
        let mut index = Self::default();
        if let Some(steps) = steps {
            index.add_list(steps, None, problems);
        }
        index
    }

    fn add_list(&mut self, steps: &Node, owner: Option<usize>, problems: &mut Problems<'_>) {
        let Some(items) = steps.as_sequence() else {
            return;
        };
        let list = self.lists.len();
        self.lists.push(StepList { owner });
        for (position, step) in items.iter().enumerate() {
            let Some(fields) = step.as_mapping() else {
                continue;
            };
            let value_of = |key: &str| fields.iter().find(|e| e.key == key).map(|e| &e.value);
            let Some(id_node) = value_of("id") else {
                continue;
            };
            let Some(id) = id_node.scalar_text() else {
                continue;
            };
            if let Some(&first) = self.by_id.get(&id) {
                let first = self.entries[first].span;
                problems.error_hint(
                    id_node.span,
                    format!("duplicate step id `{id}`; it is already used by the step at line {}, column {}", first.line, first.col),
                    "step ids must be unique in the whole file, nested steps included; rename one of them",
                );
                continue;
            }
            let output_entries = value_of("outputs").and_then(Node::as_mapping);
            let outputs =
                output_entries.map(|entries| entries.iter().map(|e| e.key.clone()).collect());
            let output_texts = output_entries
                .into_iter()
                .flatten()
                .filter_map(|e| Some((e.key.clone(), e.value.as_str()?.to_owned())))
                .collect();
            let target = match (
                value_of("uses").and_then(Node::as_str),
                value_of("for_each"),
            ) {
                (Some(uses), _) => match uses.split_once('.') {
                    Some((connector, action)) => StepTarget::Uses {
                        connector: connector.to_owned(),
                        action: action.to_owned(),
                    },
                    None => StepTarget::Other,
                },
                (None, Some(_)) => StepTarget::ForEach,
                (None, None) => StepTarget::Other,
            };
            let at = self.entries.len();
            self.entries.push(StepEntry {
                id: id.clone(),
                span: step.span,
                list,
                position,
                outputs,
                output_texts,
                target,
            });
            self.by_id.insert(id, at);
            if let Some(nested) = value_of("steps") {
                self.add_list(nested, Some(at), problems);
            }
        }
    }

    /// The entry of a step id.
    pub fn get(&self, id: &str) -> Option<&StepEntry> {
        self.by_id.get(id).map(|&at| &self.entries[at])
    }

    /// The list that the `for_each` step `owner` holds, if indexed.
    pub fn list_owned_by(&self, owner: &str) -> Option<usize> {
        let owner = *self.by_id.get(owner)?;
        self.lists.iter().position(|l| l.owner == Some(owner))
    }

    /// The ids whose outputs exist at `position` of `list`: earlier steps of
    /// the list, then earlier steps of each enclosing list.
    pub fn visible_from(&self, list: usize, position: usize) -> Vec<&str> {
        let mut visible = Vec::new();
        let mut point = Some((list, position));
        while let Some((list, position)) = point {
            visible.extend(
                self.entries
                    .iter()
                    .filter(|e| e.list == list && e.position < position)
                    .map(|e| e.id.as_str()),
            );
            point = self.owner_point(list);
        }
        visible
    }

    /// The ids after `position` in `list`, in order.
    pub fn later_in_list(&self, list: usize, position: usize) -> Vec<&str> {
        self.entries
            .iter()
            .filter(|e| e.list == list && e.position > position)
            .map(|e| e.id.as_str())
            .collect()
    }

    /// How step `target` relates to `position` of `list` (the step at that
    /// position is the one referring, if any).
    pub fn reach(&self, target: &str, list: usize, position: usize) -> Reach<'_> {
        let Some(entry) = self.get(target) else {
            return Reach::Unknown;
        };
        // The lists enclosing the referring point, innermost first, each with
        // the position the point has in it.
        let mut chain = Vec::new();
        let mut point = Some((list, position));
        while let Some((list, position)) = point {
            chain.push((list, position));
            point = self.owner_point(list);
        }
        if let Some(&(_, position)) = chain.iter().find(|(list, _)| *list == entry.list) {
            return match entry.position.cmp(&position) {
                std::cmp::Ordering::Less => Reach::Visible,
                std::cmp::Ordering::Equal => Reach::Itself,
                std::cmp::Ordering::Greater => Reach::Later,
            };
        }
        // Not on the chain: it sits inside a for_each off the chain. Name the
        // for_each step that hides it, the one whose list is on the chain.
        let mut hidden_by = None;
        let mut list = entry.list;
        while !chain.iter().any(|(l, _)| *l == list) {
            let Some(owner) = self.lists.get(list).and_then(|l| l.owner) else {
                break;
            };
            hidden_by = Some(self.entries[owner].id.as_str());
            list = self.entries[owner].list;
        }
        match hidden_by {
            Some(for_each) => Reach::InsideForEach(for_each),
            None => Reach::Later,
        }
    }

    /// The list and position of the `for_each` step owning `list`.
    fn owner_point(&self, list: usize) -> Option<(usize, usize)> {
        let owner = self.lists.get(list)?.owner?;
        Some((self.entries[owner].list, self.entries[owner].position))
    }
}
