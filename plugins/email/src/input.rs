//! The email connector's own kinds of input field, on top of the portal
//! kit's [`FieldReader`]: addresses (one or a list) and one-line header text.

use garita_portal_kit::FieldReader;
use garita_sdk::serde_json::Value;
use lettre::message::Mailbox;

use crate::address::{parse_mailbox, MailboxProblem};

/// The longest run of characters without whitespace that a subject or a
/// display name may hold (900). Header lines can be folded only at
/// whitespace and may not pass 998 characters (RFC 5322; servers answer
/// `500 Line too long`); the 98 left over are room for the field name and
/// the quotes and comma around a name. No real subject or name comes close.
pub(crate) const MAX_UNBROKEN_RUN: usize = crate::header_fold::MAX_LINE - 98;

/// Reading email fields.
pub(crate) trait EmailFields {
    /// One line of text that goes into a header: CR, LF and other control
    /// characters are refused, which is what makes header injection impossible.
    fn check_one_line(&mut self, path: &str, text: &str) -> bool;

    /// Header text that can be folded into lines of at most 998 characters:
    /// no run without whitespace longer than [`MAX_UNBROKEN_RUN`].
    fn check_foldable(&mut self, path: &str, text: &str) -> bool;

    /// A field holding one address or a list of them; absent means empty.
    fn mailboxes(&mut self, field: &str) -> Vec<Mailbox>;
}

impl EmailFields for FieldReader<'_> {
    fn check_one_line(&mut self, path: &str, text: &str) -> bool {
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

    fn check_foldable(&mut self, path: &str, text: &str) -> bool {
        let longest = longest_unbroken_run(text);
        if longest > MAX_UNBROKEN_RUN {
            self.fail(
                path,
                format!("tiene una palabra de {longest} caracteres sin espacios; una línea de cabecera admite como máximo 998 (RFC 5322), así que una palabra admite como máximo {MAX_UNBROKEN_RUN}"),
                format!("has a word of {longest} characters without a space; a header line holds at most 998 characters (RFC 5322), so a word may have at most {MAX_UNBROKEN_RUN}"),
            );
            return false;
        }
        true
    }

    fn mailboxes(&mut self, field: &str) -> Vec<Mailbox> {
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
                Some(Ok(mailbox)) => {
                    let name = mailbox.name.as_deref().unwrap_or_default();
                    if self.check_foldable(&path, name) {
                        mailboxes.push(mailbox);
                    }
                }
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
}

/// The length of the longest run of `text` without whitespace, as lettre
/// writes it: a quote or backslash is escaped, so it counts twice.
fn longest_unbroken_run(text: &str) -> usize {
    text.split(char::is_whitespace)
        .map(|word| {
            word.chars()
                .map(|c| if matches!(c, '"' | '\\') { 2 } else { 1 })
                .sum::<usize>()
        })
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use garita_sdk::serde_json::json;
    use garita_sdk::{ActionError, InvokeContext};

    #[test]
    fn reads_one_address_or_a_list_and_points_at_bad_items() {
        let ctx = InvokeContext::for_test();
        let input = json!({"to": "a@x.com", "cc": ["b@x.com", "nope", 3]});
        let mut reader = FieldReader::new(&ctx, &input);
        assert_eq!(reader.mailboxes("to").len(), 1);
        assert_eq!(reader.mailboxes("cc").len(), 1);
        assert!(reader.mailboxes("bcc").is_empty());
        let ActionError::InvalidInput { fields, .. } = reader.finish(Some(())).unwrap_err() else {
            panic!("expected invalid input")
        };
        let paths: Vec<_> = fields.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["/cc/1", "/cc/2"]);
    }

    #[test]
    fn refuses_a_word_too_long_for_a_header_line_in_a_name() {
        let ctx = InvokeContext::for_test();
        let word = "x".repeat(MAX_UNBROKEN_RUN);
        let quotes = "\"".repeat(MAX_UNBROKEN_RUN / 2 + 1);
        let input = json!({
            "to": [format!("{word} <a@x.com>"), format!("{word}x <b@x.com>"), format!("Ana{quotes} <c@x.com>")],
        });
        let mut reader = FieldReader::new(&ctx, &input);
        assert_eq!(reader.mailboxes("to").len(), 1);
        let ActionError::InvalidInput { fields, .. } = reader.finish(Some(())).unwrap_err() else {
            panic!("expected invalid input")
        };
        let paths: Vec<_> = fields.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["/to/1", "/to/2"]);
        assert!(fields[0].message.contains("901"), "{}", fields[0].message);
    }
}
