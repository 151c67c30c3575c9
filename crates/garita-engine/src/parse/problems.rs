//! Collects every problem found in one file, so the author sees all of them at once.

use super::limits::MAX_PROBLEMS;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::Span;

/// The problems found so far in one file.
#[derive(Debug)]
pub(crate) struct Problems<'p> {
    path: &'p str,
    found: Vec<Diagnostic>,
    /// Problems past [`MAX_PROBLEMS`], counted but not kept.
    dropped: usize,
}

impl<'p> Problems<'p> {
    /// An empty collection for the file named `path`.
    pub fn new(path: &'p str) -> Self {
        Self {
            path,
            found: Vec::new(),
            dropped: 0,
        }
    }

    /// Records a problem without a hint.
    pub fn error(&mut self, span: Span, message: impl Into<String>) {
        self.push(Diagnostic::new(self.path, span, message));
    }

    /// Records a problem with a hint saying what to do.
    pub fn error_hint(&mut self, span: Span, message: impl Into<String>, hint: impl Into<String>) {
        self.push(Diagnostic::new(self.path, span, message).with_hint(hint));
    }

    /// Records a problem with a hint when there is one.
    pub fn error_maybe_hint(
        &mut self,
        span: Span,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        let diagnostic = Diagnostic::new(self.path, span, message);
        self.push(match hint {
            Some(hint) => diagnostic.with_hint(hint),
            None => diagnostic,
        });
    }

    /// Whether [`MAX_PROBLEMS`] were found: costly checks (suggestions) may
    /// stop looking, since nothing more will be shown.
    pub fn is_full(&self) -> bool {
        self.found.len() >= MAX_PROBLEMS
    }

    fn push(&mut self, diagnostic: Diagnostic) {
        if self.is_full() {
            self.dropped += 1;
        } else {
            self.found.push(diagnostic);
        }
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
                if self.dropped > 0 || found.len() >= MAX_PROBLEMS {
                    let last = found.last().map_or(1, |d| d.line);
                    found.push(
                        Diagnostic::new(
                            self.path,
                            Span { line: last, col: 1 },
                            format!(
                                "stopped after {MAX_PROBLEMS} problems; the rest of the file may have more"
                            ),
                        )
                        .with_hint("fix these and check the file again"),
                    );
                }
                Err(Diagnostics(found))
            }
        }
    }
}
