//! Reading an action's JSON input field by field, collecting every problem
//! instead of stopping at the first.

use garita_sdk::{ActionError, FieldError};
use serde_json::{Map, Value};

/// A reader over one input object that records a [`FieldError`] for every
/// missing, mistyped or unexpected field.
pub(crate) struct InputReader<'a> {
    object: &'a Map<String, Value>,
    english: bool,
    problems: Vec<FieldError>,
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
                problems.push(FieldError::new(
                    format!("/{key}"),
                    if english {
                        format!("unknown field; expected one of: {}", allowed.join(", "))
                    } else {
                        format!(
                            "campo desconocido; se esperaba uno de: {}",
                            allowed.join(", ")
                        )
                    },
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
        match self.optional_str(name) {
            Some(value) => Some(value),
            None if self.has_problem(name) => None,
            None => {
                let message = if self.english {
                    "this field is required"
                } else {
                    "este campo es obligatorio"
                };
                self.problems
                    .push(FieldError::new(format!("/{name}"), message));
                None
            }
        }
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

    /// An integer field that may be absent or `null`.
    pub(crate) fn optional_i64(&mut self, name: &str) -> Option<i64> {
        match self.object.get(name) {
            None | Some(Value::Null) => None,
            Some(value) => match value.as_i64() {
                Some(number) => Some(number),
                None => {
                    self.wrong_type(name, "un número entero", "an integer");
                    None
                }
            },
        }
    }

    /// Records a problem found by the caller's own checks.
    pub(crate) fn problem(&mut self, name: &str, message: impl Into<String>) {
        self.problems
            .push(FieldError::new(format!("/{name}"), message));
    }

    /// Records problems produced elsewhere (they carry their own paths).
    pub(crate) fn extend(&mut self, problems: Vec<FieldError>) {
        self.problems.extend(problems);
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
        Err(ActionError::invalid(summary, self.problems))
    }

    fn has_problem(&self, name: &str) -> bool {
        let path = format!("/{name}");
        self.problems.iter().any(|p| p.path == path)
    }

    fn wrong_type(&mut self, name: &str, es: &str, en: &str) {
        let message = if self.english {
            format!("expected {en}")
        } else {
            format!("se esperaba {es}")
        };
        self.problems
            .push(FieldError::new(format!("/{name}"), message));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn collects_every_problem() {
        let input = json!({"a": 1, "b": "  ", "extra": true});
        let mut reader = InputReader::new(&input, &["a", "b", "c"], true).unwrap();
        assert_eq!(reader.required_str("a"), None);
        assert_eq!(reader.required_str("b"), None);
        assert_eq!(reader.optional_str("c"), None);
        let Err(ActionError::InvalidInput { fields, .. }) = reader.finish() else {
            panic!("expected invalid input");
        };
        let paths: Vec<&str> = fields.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["/extra", "/a", "/b"]);
        assert_eq!(fields[1].message, "expected a string");
    }

    #[test]
    fn rejects_non_objects() {
        assert!(InputReader::new(&json!([1]), &[], false).is_err());
    }
}
