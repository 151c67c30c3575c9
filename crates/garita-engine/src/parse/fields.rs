//! Reading the keys of one YAML mapping while remembering which were asked
//! for, so that everything left over is reported as unknown with a suggestion.

use super::node::{Entry, Node};
use super::problems::Problems;
use super::suggest::did_you_mean;
use crate::model::Span;

/// The keys of one mapping, read one by one.
#[derive(Debug)]
pub(crate) struct Fields<'n> {
    /// Where the mapping starts.
    pub span: Span,
    entries: &'n [Entry],
    used: Vec<bool>,
    known: Vec<&'static str>,
}

impl<'n> Fields<'n> {
    /// The fields of `node`, or `None` (with a problem recorded) when it is
    /// not a mapping. `what` names the node in messages (`a step`).
    pub fn of(node: &'n Node, what: &str, problems: &mut Problems<'_>) -> Option<Self> {
        match node.as_mapping() {
            Some(entries) => Some(Self::new(node.span, entries)),
            None => {
                problems.error(
                    node.span,
                    format!(
                        "{what} must be a mapping of `key: value` lines, not {}",
                        node.kind_name()
                    ),
                );
                None
            }
        }
    }

    fn new(span: Span, entries: &'n [Entry]) -> Self {
        Self {
            span,
            entries,
            used: vec![false; entries.len()],
            known: Vec::new(),
        }
    }

    /// The entry under `key`, marking it as understood.
    pub fn entry(&mut self, key: &'static str) -> Option<&'n Entry> {
        self.known.push(key);
        let at = self.entries.iter().position(|e| e.key == key)?;
        self.used[at] = true;
        Some(&self.entries[at])
    }

    /// The value under `key`, marking it as understood.
    pub fn get(&mut self, key: &'static str) -> Option<&'n Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// The value under `key`; records a problem when it is missing.
    pub fn require(
        &mut self,
        key: &'static str,
        what: &str,
        problems: &mut Problems<'_>,
    ) -> Option<&'n Node> {
        let found = self.get(key);
        if found.is_none() {
            problems.error(
                self.span,
                format!("{what} is missing the required key `{key}`"),
            );
        }
        found
    }

    /// Whether `key` is present (without marking it understood).
    pub fn has(&self, key: &str) -> bool {
        self.entries.iter().any(|e| e.key == key)
    }

    /// Where `key` is written, if present.
    pub fn key_span(&self, key: &str) -> Option<Span> {
        self.entries
            .iter()
            .find(|e| e.key == key)
            .map(|e| e.key_span)
    }

    /// Reports every key that was never asked for, suggesting the closest known one.
    pub fn finish(self, what: &str, problems: &mut Problems<'_>) {
        for (entry, used) in self.entries.iter().zip(&self.used) {
            if !used {
                let hint = did_you_mean(&entry.key, self.known.iter().copied());
                problems.error_maybe_hint(
                    entry.key_span,
                    format!("unknown key `{}` in {what}", entry.key),
                    hint,
                );
            }
        }
    }
}
