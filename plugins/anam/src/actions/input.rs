//! Reading an action's JSON input field by field, collecting every problem
//! instead of stopping at the first.

use garita_sdk::{ActionError, FieldError};
use serde_json::{Map, Value};

use crate::problem::Problem;
use crate::validation::Issue;

/// A reader over one input object that records a [`Problem`] for every
/// mistyped or unexpected field (and, on request, missing ones).
pub(crate) struct InputReader<'a> {
    object: &'a Map<String, Value>,
    english: bool,
    problems: Vec<Problem>,
}

impl<'a> InputReader<'a> {
    /// Starts reading `input`, which must be an object with no fields outside `allowed`.
    pub(crate) fn new(
        input: &'a Value,
        allowed: &[&str],
        english: bool,
    ) -> Result<Self, ActionError> {
        let Some(object) = input.as_object() else {
            return Err(ActionError::invalid(
                if english {
                    "the input must be a JSON object"
                } else {
                    "la entrada debe ser un objeto JSON"
                },
                vec![FieldError::new(
                    "",
                    if english {
                        "expected an object"
                    } else {
                        "se esperaba un objeto"
                    },
                )],
            ));
        };
        let mut problems = Vec::new();
        for key in object.keys() {
            if !allowed.contains(&key.as_str()) {
                problems.push(Problem::new(
                    format!("/{key}"),
                    Issue::new(
                        "unknown_field",
                        format!(
                            "Campo desconocido; se esperaba uno de: {}.",
                            allowed.join(", ")
                        ),
                        format!("Unknown field; expected one of: {}.", allowed.join(", ")),
                    ),
                ));
            }
        }
        Ok(Self {
            object,
            english,
            problems,
        })
    }

    /// A string field that must be present and not blank.
    pub(crate) fn required_str(&mut self, name: &str) -> Option<&'a str> {
        let present = self.object.get(name).is_some_and(|v| !v.is_null());
        let value = self.optional_str(name);
        if value.is_none() && !(present && self.has_problem(name)) {
            self.problems.push(Problem::new(
                format!("/{name}"),
                Issue::new(
                    "required",
                    "Este campo es obligatorio.",
                    "This field is required.",
                ),
            ));
        }
        value
    }

    /// A string field that may be absent or `null`; blank counts as absent.
    pub(crate) fn optional_str(&mut self, name: &str) -> Option<&'a str> {
        match self.object.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) if text.trim().is_empty() => None,
            Some(Value::String(text)) => Some(text.as_str()),
            Some(_) => {
                self.wrong_type(name, "texto", "a string");
                None
            }
        }
    }

    /// A boolean field that may be absent or `null`.
    pub(crate) fn optional_bool(&mut self, name: &str) -> Option<bool> {
        match self.object.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(flag)) => Some(*flag),
            Some(_) => {
                self.wrong_type(name, "true o false", "true or false");
                None
            }
        }
    }

    /// `Ok` when nothing was wrong, else an `InvalidInput` listing every problem.
    pub(crate) fn finish(self) -> Result<(), ActionError> {
        if self.problems.is_empty() {
            return Ok(());
        }
        let summary = if self.english {
            format!("{} problem(s) in the input", self.problems.len())
        } else {
            format!("{} problema(s) en la entrada", self.problems.len())
        };
        let fields = self
            .problems
            .iter()
            .map(|p| p.to_field_error(self.english))
            .collect();
        Err(ActionError::invalid(summary, fields))
    }

    fn has_problem(&self, name: &str) -> bool {
        let path = format!("/{name}");
        self.problems.iter().any(|p| p.path == path)
    }

    fn wrong_type(&mut self, name: &str, es: &str, en: &str) {
        self.problems.push(Problem::new(
            format!("/{name}"),
            Issue::new(
                "wrong_type",
                format!("Se esperaba {es}."),
                format!("Expected {en}."),
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn collects_every_problem() {
        let input = json!({"a": 1, "b": "  ", "flag": "yes", "extra": true});
        let mut reader = InputReader::new(&input, &["a", "b", "c", "flag"], true).unwrap();
        assert_eq!(reader.required_str("a"), None);
        assert_eq!(reader.required_str("b"), None);
        assert_eq!(reader.optional_str("c"), None);
        assert_eq!(reader.optional_bool("flag"), None);
        let Err(ActionError::InvalidInput { fields, .. }) = reader.finish() else {
            panic!("expected invalid input");
        };
        let found: Vec<(&str, &str)> = fields
            .iter()
            .map(|f| (f.path.as_str(), f.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("/extra", "Unknown field; expected one of: a, b, c, flag."),
                ("/a", "Expected a string."),
                ("/b", "This field is required."),
                ("/flag", "Expected true or false."),
            ]
        );
    }

    #[test]
    fn finish_turns_problems_into_invalid_input() {
        let input = json!({});
        let mut reader = InputReader::new(&input, &["rfc"], false).unwrap();
        reader.required_str("rfc");
        let Err(ActionError::InvalidInput { fields, .. }) = reader.finish() else {
            panic!("expected invalid input");
        };
        assert_eq!(fields[0].path, "/rfc");
        assert_eq!(fields[0].message, "Este campo es obligatorio.");
    }
}
