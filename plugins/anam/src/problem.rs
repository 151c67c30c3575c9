//! A problem tied to one field of an action's input.

use garita_sdk::FieldError;
use serde_json::{json, Value};

use crate::validation::Issue;

/// An [`Issue`] found in one input field, located by a JSON Pointer path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// JSON Pointer to the field (`/curp`); empty for the input as a whole.
    pub path: String,
    /// What is wrong, with its stable code and both translations.
    pub issue: Issue,
}

impl Problem {
    /// A problem at `path`.
    pub fn new(path: impl Into<String>, issue: Issue) -> Self {
        Self {
            path: path.into(),
            issue,
        }
    }

    /// The JSON form: `{path, code, message, message_es, message_en}`.
    pub fn to_json(&self, english: bool) -> Value {
        json!({
            "path": self.path,
            "code": self.issue.code,
            "message": self.issue.message(english),
            "message_es": self.issue.message_es,
            "message_en": self.issue.message_en,
        })
    }

    /// The SDK's field error, with the message in the requested language.
    pub fn to_field_error(&self, english: bool) -> FieldError {
        FieldError::new(self.path.clone(), self.issue.message(english))
    }
}
