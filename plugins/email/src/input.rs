//! The email connector's own kinds of input field, on top of the portal
//! kit's [`FieldReader`]: addresses (one or a list) and one-line header text.

use garita_portal_kit::FieldReader;
use garita_sdk::serde_json::Value;
use lettre::message::Mailbox;

use crate::address::{parse_mailbox, MailboxProblem};

/// Reading email fields.
pub(crate) trait EmailFields {
    /// One line of text that goes into a header: CR, LF and other control
    /// characters are refused, which is what makes header injection impossible.
    fn check_one_line(&mut self, path: &str, text: &str) -> bool;

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
}
