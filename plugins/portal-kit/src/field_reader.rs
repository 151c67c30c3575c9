//! Reads an action's JSON input field by field, collecting every problem with
//! its JSON Pointer path (in the caller's language) so the caller sees all
//! of them at once. Connectors add their own field kinds (dates, addresses)
//! on top with [`FieldReader::raw`] and [`FieldReader::fail`].

use garita_sdk::serde_json::{Map, Value};
use garita_sdk::{ActionError, FieldError, InvokeContext};

use crate::pick_for;

/// A cursor over one JSON object of input that remembers the problems found.
pub struct FieldReader<'a> {
    ctx: &'a InvokeContext,
    object: Option<&'a Map<String, Value>>,
    prefix: String,
    errors: Vec<FieldError>,
}

impl<'a> FieldReader<'a> {
    /// Starts reading `input`, which must be a JSON object.
    pub fn new(ctx: &'a InvokeContext, input: &'a Value) -> Self {
        let mut reader = Self {
            ctx,
            object: input.as_object(),
            prefix: String::new(),
            errors: Vec::new(),
        };
        if reader.object.is_none() {
            let message = pick_for(
                ctx,
                "la entrada debe ser un objeto JSON",
                "the input must be a JSON object",
            );
            reader.errors.push(FieldError::new("", message));
        }
        reader
    }

    /// The JSON Pointer of `field` inside the object being read.
    pub fn path(&self, field: &str) -> String {
        format!("{}/{}", self.prefix, field)
    }

    /// Records a problem at `path` (a full JSON Pointer).
    pub fn fail(
        &mut self,
        path: impl Into<String>,
        spanish: impl Into<String>,
        english: impl Into<String>,
    ) {
        let message = pick_for(self.ctx, spanish, english);
        self.errors.push(FieldError::new(path, message));
    }

    /// Refuses every field not in `known`: the schemas declare
    /// `additionalProperties: false`, and a misspelt optional field silently
    /// ignored would be worse than an error.
    pub fn refuse_unknown(&mut self, known: &[&str]) {
        let unknown: Vec<String> = self
            .object
            .map(|object| {
                object
                    .keys()
                    .filter(|key| !known.contains(&key.as_str()))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        for key in unknown {
            let path = self.path(&key);
            self.fail(
                path,
                format!(
                    "campo desconocido; los campos válidos son: {}",
                    known.join(", ")
                ),
                format!("unknown field; the valid fields are: {}", known.join(", ")),
            );
        }
    }

    /// The raw value of `field`, treating JSON `null` as absent.
    pub fn raw(&self, field: &str) -> Option<&'a Value> {
        self.object
            .and_then(|o| o.get(field))
            .filter(|v| !v.is_null())
    }

    /// Whether `field` is present (not absent, not `null`); records that a
    /// required field is missing when it is not. Connectors' own required
    /// kinds (dates, zones) start with it.
    pub fn require(&mut self, field: &str) -> bool {
        if self.raw(field).is_some() {
            return true;
        }
        let path = self.path(field);
        self.fail(
            path,
            "falta este dato obligatorio",
            "this required field is missing",
        );
        false
    }

    /// A string field that may be absent; present but empty (after trimming)
    /// or not a string is a problem. Returns the trimmed text.
    pub fn optional_str(&mut self, field: &str) -> Option<String> {
        let value = self.raw(field)?;
        let path = self.path(field);
        match value.as_str().map(str::trim) {
            Some("") => {
                self.fail(path, "no puede estar vacío", "must not be empty");
                None
            }
            Some(text) => Some(text.to_owned()),
            None => {
                self.fail(path, "debe ser un texto", "must be a string");
                None
            }
        }
    }

    /// A string field that must be present and not empty.
    pub fn required_str(&mut self, field: &str) -> Option<String> {
        if !self.require(field) {
            return None;
        }
        self.optional_str(field)
    }

    /// A string field that may be absent, returned as given (not trimmed;
    /// empty allowed): a subject or a body.
    pub fn optional_text(&mut self, field: &str) -> Option<String> {
        let value = self.raw(field)?;
        match value.as_str() {
            Some(text) => Some(text.to_owned()),
            None => {
                let path = self.path(field);
                self.fail(path, "debe ser un texto", "must be a string");
                None
            }
        }
    }

    /// A string field that must be present, returned as given.
    pub fn required_text(&mut self, field: &str) -> Option<String> {
        if !self.require(field) {
            return None;
        }
        self.optional_text(field)
    }

    /// A one-line text (a name, a number): CR, LF and other control
    /// characters are refused because the text may end up in an email header.
    pub fn required_line(&mut self, field: &str) -> Option<String> {
        let text = self.required_str(field)?;
        if text.chars().any(char::is_control) {
            let path = self.path(field);
            self.fail(
                path,
                "debe ser una sola línea, sin saltos de línea ni caracteres de control",
                "must be a single line, without line breaks or control characters",
            );
            return None;
        }
        Some(text)
    }

    /// An array field that may be absent.
    pub fn optional_array(&mut self, field: &str) -> Option<&'a Vec<Value>> {
        let value = self.raw(field)?;
        match value.as_array() {
            Some(items) => Some(items),
            None => {
                let path = self.path(field);
                self.fail(path, "debe ser una lista", "must be an array");
                None
            }
        }
    }

    /// An array field that must be present.
    pub fn required_array(&mut self, field: &str) -> Option<&'a Vec<Value>> {
        if !self.require(field) {
            return None;
        }
        self.optional_array(field)
    }

    /// A reader for the object at `value`, whose pointer is `path`; its
    /// problems are merged back with [`FieldReader::absorb`].
    pub fn nested(&self, value: &'a Value, path: String) -> FieldReader<'a> {
        let mut reader = FieldReader {
            ctx: self.ctx,
            object: value.as_object(),
            prefix: path.clone(),
            errors: Vec::new(),
        };
        if reader.object.is_none() {
            reader.fail(path, "debe ser un objeto", "must be an object");
        }
        reader
    }

    /// Takes over the problems of a nested reader.
    pub fn absorb(&mut self, nested: FieldReader<'a>) {
        self.errors.extend(nested.errors);
    }

    /// Whether no problem has been found so far.
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }

    /// `Ok(value)` when no problem was found, otherwise one
    /// [`ActionError::InvalidInput`] listing every problem.
    pub fn finish<T>(self, value: Option<T>) -> Result<T, ActionError> {
        match value {
            Some(value) if self.errors.is_empty() => Ok(value),
            _ => {
                let message = pick_for(
                    self.ctx,
                    format!("la entrada tiene {} problema(s)", self.errors.len().max(1)),
                    format!("the input has {} problem(s)", self.errors.len().max(1)),
                );
                Err(ActionError::invalid(message, self.errors))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use garita_sdk::serde_json::json;

    #[test]
    fn collects_every_missing_field_with_its_path() {
        let ctx = InvokeContext::for_test();
        let input = json!({"b": "  "});
        let mut reader = FieldReader::new(&ctx, &input);
        let a = reader.required_str("a");
        let b = reader.required_str("b");
        let err = reader.finish(a.zip(b)).unwrap_err();
        let ActionError::InvalidInput { fields, .. } = err else {
            panic!("expected invalid input")
        };
        let paths: Vec<_> = fields.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["/a", "/b"]);
    }

    #[test]
    fn refuses_line_breaks_in_one_line_fields() {
        let ctx = InvokeContext::for_test();
        let input = json!({"name": "ACME\r\nBcc: x@y.z"});
        let mut reader = FieldReader::new(&ctx, &input);
        let name = reader.required_line("name");
        assert!(reader.finish(name).is_err());
    }

    #[test]
    fn refuses_unknown_fields_such_as_typos() {
        let ctx = InvokeContext::for_test();
        let input = json!({"last_sign_in": "2026-01-01", "tody": "2026-02-01"});
        let mut reader = FieldReader::new(&ctx, &input);
        reader.refuse_unknown(&["last_sign_in", "today"]);
        let err = reader.finish(Some(())).unwrap_err();
        assert!(err.to_string().contains("/tody"), "{err}");
    }

    #[test]
    fn refuses_input_that_is_not_an_object() {
        let ctx = InvokeContext::for_test();
        let input = json!([1]);
        let reader = FieldReader::new(&ctx, &input);
        assert!(reader.finish(Some(())).is_err());
    }
}
