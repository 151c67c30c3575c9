//! Collects every problem found in one file, so the author sees all of them at once.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::Span;

/// The problems found so far in one file.
#[derive(Debug)]
pub(crate) struct Problems<'p> {
    path: &'p str,
    found: Vec<Diagnostic>,
}

impl<'p> Problems<'p> {
    /// An empty collection for the file named `path`.
    pub fn new(path: &'p str) -> Self {
        Self {
            path,
            found: Vec::new(),
        }
    }

    /// Records a problem without a hint.
    pub fn error(&mut self, span: Span, message: impl Into<String>) {
        self.found.push(Diagnostic::new(self.path, span, message));
    }

    /// Records a problem with a hint saying what to do.
    pub fn error_hint(&mut self, span: Span, message: impl Into<String>, hint: impl Into<String>) {
        self.found
            .push(Diagnostic::new(self.path, span, message).with_hint(hint));
    }

    /// Records a problem with a hint when there is one.
    pub fn error_maybe_hint(
        &mut self,
        span: Span,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        let diagnostic = Diagnostic::new(self.path, span, message);
        self.found.push(match hint {
            Some(hint) => diagnostic.with_hint(hint),
            None => diagnostic,
        });
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    /// `Ok(value)` when nothing was found, else every problem, in file order.
    pub fn finish<T>(self, value: Option<T>) -> Result<T, Diagnostics> {
        let mut found = self.found;
        match value {
            Some(value) if found.is_empty() => Ok(value),
            _ => {
                if found.is_empty() {
                    // A mapping step gave up without saying why; never return an
                    // empty error list.
                    found.push(Diagnostic::new(
                        self.path,
                        Span { line: 1, col: 1 },
                        "the workflow could not be read (internal error: no problem was recorded)",
                    ));
                }
                found.sort_by_key(|d| (d.line, d.col));
                found.dedup();
                Err(Diagnostics(found))
            }
        }
    }
}
