//! Reads an action's JSON input field by field, collecting every problem with
//! its JSON Pointer path so the caller sees all of them at once.

use garita_sdk::serde_json::{Map, Value};
use garita_sdk::{ActionError, FieldError, InvokeContext};
use lettre::message::Mailbox;

use crate::address::{parse_mailbox, MailboxProblem};
use garita_portal_kit::pick_for;

/// A cursor over one JSON object of input that remembers the problems found.
pub(crate) struct InputReader<'a> {
    ctx: &'a InvokeContext,
    object: Option<&'a Map<String, Value>>,
    errors: Vec<FieldError>,
}

impl<'a> InputReader<'a> {
    /// Starts reading `input`, which must be a JSON object.
    pub(crate) fn new(ctx: &'a InvokeContext, input: &'a Value) -> Self {
        let mut reader = Self {
            ctx,
            object: input.as_object(),
            errors: Vec::new(),
        };
        if reader.object.is_none() {
            reader.fail(
                "",
                "la entrada debe ser un objeto JSON",
                "the input must be a JSON object",
            );
        }
        reader
    }

    /// Records a problem at `path` (a JSON Pointer).
    pub(crate) fn fail(
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
    pub(crate) fn refuse_unknown(&mut self, known: &[&str]) {
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
            self.fail(
                format!("/{key}"),
                format!(
                    "campo desconocido; los campos válidos son: {}",
                    known.join(", ")
                ),
                format!("unknown field; the valid fields are: {}", known.join(", ")),
            );
        }
    }

    /// The raw value of `field`, treating JSON `null` as absent.
    pub(crate) fn raw(&self, field: &str) -> Option<&'a Value> {
        self.object
            .and_then(|o| o.get(field))
            .filter(|v| !v.is_null())
    }

    /// A string field that may be absent (returned as is, not trimmed).
    pub(crate) fn optional_text(&mut self, field: &str) -> Option<String> {
        let value = self.raw(field)?;
        match value.as_str() {
            Some(text) => Some(text.to_owned()),
            None => {
                self.fail(format!("/{field}"), "debe ser un texto", "must be a string");
                None
            }
        }
    }

    /// A string field that must be present.
    pub(crate) fn required_text(&mut self, field: &str) -> Option<String> {
        if self.raw(field).is_none() {
            self.fail(
                format!("/{field}"),
                "falta este dato obligatorio",
                "this required field is missing",
            );
            return None;
        }
        self.optional_text(field)
    }

    /// One line of text that goes into a header: CR, LF and other control
    /// characters are refused, which is what makes header injection impossible.
    pub(crate) fn check_one_line(&mut self, path: &str, text: &str) -> bool {
        if text.chars().any(char::is_control) {
            self.fail(
                path,
                "no puede contener saltos de línea (CR/LF) ni caracteres de control: iría en una cabecera del correo",
                "must not contain line breaks (CR/LF) or control characters: it goes into an email header",
            );
            return false;
        }
        true
    }

    /// A field holding one address or a list of them; absent means empty.
    pub(crate) fn mailboxes(&mut self, field: &str) -> Vec<Mailbox> {
        let items: Vec<(String, &Value)> = match self.raw(field) {
            None => return Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| (format!("/{field}/{i}"), item))
                .collect(),
            Some(single) => vec![(format!("/{field}"), single)],
        };
        let mut mailboxes = Vec::with_capacity(items.len());
        for (path, item) in items {
            match item.as_str().map(parse_mailbox) {
                Some(Ok(mailbox)) => mailboxes.push(mailbox),
                Some(Err(MailboxProblem::ControlCharacter)) => self.fail(
                    path,
                    "la dirección contiene un salto de línea o un carácter de control",
                    "the address contains a line break or a control character",
                ),
                Some(Err(MailboxProblem::Malformed)) => self.fail(
                    path,
                    format!("`{}` no es una dirección válida (use nombre@dominio o Nombre <nombre@dominio>)", item.as_str().unwrap_or_default()),
                    format!("`{}` is not a valid address (use name@domain or Name <name@domain>)", item.as_str().unwrap_or_default()),
                ),
                None => self.fail(path, "debe ser un texto con una dirección de correo", "must be a string holding an email address"),
            }
        }
        mailboxes
    }

    /// The array at `field`, if present; anything else but an array is a problem.
    pub(crate) fn optional_array(&mut self, field: &str) -> Option<&'a Vec<Value>> {
        let value = self.raw(field)?;
        if value.as_array().is_none() {
            self.fail(
                format!("/{field}"),
                "debe ser una lista",
                "must be an array",
            );
        }
        value.as_array()
    }

    /// `Ok(value)` when no problem was found, otherwise one
    /// [`ActionError::InvalidInput`] listing every problem.
    pub(crate) fn finish<T>(self, value: T) -> Result<T, ActionError> {
        if self.errors.is_empty() {
            return Ok(value);
        }
        let message = pick_for(
            self.ctx,
            format!("la entrada tiene {} problema(s)", self.errors.len()),
            format!("the input has {} problem(s)", self.errors.len()),
        );
        Err(ActionError::invalid(message, self.errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use garita_sdk::serde_json::json;

    #[test]
    fn reads_one_address_or_a_list_and_points_at_bad_items() {
        let ctx = InvokeContext::for_test();
        let input = json!({"to": "a@x.com", "cc": ["b@x.com", "nope", 3]});
        let mut reader = InputReader::new(&ctx, &input);
        assert_eq!(reader.mailboxes("to").len(), 1);
        assert_eq!(reader.mailboxes("cc").len(), 1);
        assert!(reader.mailboxes("bcc").is_empty());
        let ActionError::InvalidInput { fields, .. } = reader.finish(()).unwrap_err() else {
            panic!("expected invalid input")
        };
        let paths: Vec<_> = fields.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["/cc/1", "/cc/2"]);
    }
}
