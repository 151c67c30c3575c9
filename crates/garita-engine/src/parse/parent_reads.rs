//! Which of the parent's steps a `for_each` body reads, from the paths its
//! templates read (`steps.ID…`, `parent.steps.ID…`).
//!
//! Each child run keeps a copy of the parent step outputs it may read, in its
//! own record. Copying all of them made a `for_each` over a step's list cost
//! N² (each of N children held the whole list); a search of the body's text
//! for step ids erred the other way whenever an id was also a common word.
//! The parser knows every template's syntax tree, so it names the steps.

use std::cell::RefCell;
use std::rc::Rc;

use super::template_reads::{Path, Segment};
use crate::model::ParentStepReads;

/// What one path read in a `for_each` body says about the parent's steps.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ParentRead<'p> {
    /// Nothing: it reads an input, an item, `parent.run`, ….
    None,
    /// The output of this step.
    Step(&'p str),
    /// Any step: `steps` or `parent` as a whole, or a computed subscript.
    Any,
}

/// Classifies one path read inside a `for_each` body.
pub(crate) fn parent_read(path: &Path) -> ParentRead<'_> {
    let after_steps = match path.root.as_str() {
        "steps" => &path.segments[..],
        "parent" => match path.segments.split_first() {
            None => return ParentRead::Any,
            Some((Segment::Field(name), rest)) if name == "steps" => rest,
            Some((Segment::Field(_), _)) => return ParentRead::None,
            Some((Segment::Item, _)) => return ParentRead::Any,
        },
        _ => return ParentRead::None,
    };
    match after_steps.first() {
        Some(Segment::Field(id)) => ParentRead::Step(id),
        Some(Segment::Item) | None => ParentRead::Any,
    }
}

/// Gathers, while a `for_each` body is parsed, the parent steps it reads.
/// Shared by the scopes of the body (hence `Rc`; parsing is one thread).
#[derive(Debug, Clone)]
pub(crate) struct ParentReadCollector(Rc<RefCell<ParentStepReads>>);

impl ParentReadCollector {
    /// Nothing read yet.
    pub fn new() -> Self {
        Self(Rc::new(RefCell::new(ParentStepReads::Only(
            Default::default(),
        ))))
    }

    /// Notes one path the body reads.
    pub fn note(&self, path: &Path) {
        match parent_read(path) {
            ParentRead::None => {}
            ParentRead::Step(id) => self.0.borrow_mut().add(id),
            ParentRead::Any => self.note_any(),
        }
    }

    /// Notes a template whose reads are not known: every step may be read.
    pub fn note_any(&self) {
        *self.0.borrow_mut() = ParentStepReads::All;
    }

    /// What the body reads.
    pub fn finish(&self) -> ParentStepReads {
        self.0.borrow().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(root: &str, fields: &[&str]) -> Path {
        Path {
            root: root.into(),
            segments: fields
                .iter()
                .map(|f| {
                    if *f == "[]" {
                        Segment::Item
                    } else {
                        Segment::Field((*f).into())
                    }
                })
                .collect(),
        }
    }

    #[test]
    fn paths_name_the_parent_step_they_read() {
        let cases: &[(&str, &[&str], ParentRead<'_>)] = &[
            (
                "steps",
                &["user", "outputs", "email"],
                ParentRead::Step("user"),
            ),
            ("steps", &["user"], ParentRead::Step("user")),
            (
                "parent",
                &["steps", "group", "outputs"],
                ParentRead::Step("group"),
            ),
            ("steps", &[], ParentRead::Any),
            ("steps", &["[]"], ParentRead::Any),
            ("parent", &[], ParentRead::Any),
            ("parent", &["steps"], ParentRead::Any),
            ("parent", &["[]"], ParentRead::Any),
            ("parent", &["run"], ParentRead::None),
            ("inputs", &["user"], ParentRead::None),
            ("listed", &["key"], ParentRead::None),
        ];
        for (root, fields, expected) in cases {
            assert_eq!(
                &parent_read(&path(root, fields)),
                expected,
                "{root}.{fields:?}"
            );
        }
    }

    #[test]
    fn a_collector_keeps_the_ids_until_anything_may_be_read() {
        let collector = ParentReadCollector::new();
        collector.note(&path("steps", &["user", "outputs"]));
        collector.note(&path("parent", &["steps", "group"]));
        collector.note(&path("inputs", &["officer"]));
        let ParentStepReads::Only(ids) = collector.finish() else {
            panic!("expected only some steps");
        };
        assert_eq!(ids.into_iter().collect::<Vec<_>>(), ["group", "user"]);
        collector.note(&path("steps", &[]));
        assert_eq!(collector.finish(), ParentStepReads::All);
        collector.note(&path("steps", &["user"]));
        assert_eq!(collector.finish(), ParentStepReads::All);
    }
}
