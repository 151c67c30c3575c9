//! Turns `Name <user@example.com>` or `user@example.com` into lettre's typed
//! [`Mailbox`].
//!
//! The display name is taken apart here and handed to lettre as a plain
//! value, which lettre then quotes or MIME-encodes itself, so a name can hold
//! accents, `ñ`, commas or quotes but can never add a header: control
//! characters (CR and LF among them) are refused before anything is built.

use std::str::FromStr;

use lettre::message::Mailbox;
use lettre::Address;

/// Why a text is not a mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MailboxProblem {
    /// A line break or other control character: a header-injection attempt or a typo.
    ControlCharacter,
    /// Not an address lettre accepts.
    Malformed,
}

/// Parses one mailbox.
pub(crate) fn parse_mailbox(text: &str) -> Result<Mailbox, MailboxProblem> {
    if text.chars().any(char::is_control) {
        return Err(MailboxProblem::ControlCharacter);
    }
    let text = text.trim();
    let (name, address) = match (text.rfind('<'), text.strip_suffix('>')) {
        (Some(open), Some(without_close)) => {
            (unquote(text[..open].trim()), &without_close[open + 1..])
        }
        _ => (String::new(), text),
    };
    let address = Address::from_str(address.trim()).map_err(|_| MailboxProblem::Malformed)?;
    let name = Some(name).filter(|name| !name.is_empty());
    Ok(Mailbox::new(name, address))
}

/// Removes the double quotes around a display name and their escapes.
fn unquote(name: &str) -> String {
    match name
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
    {
        Some(inner) => {
            let mut out = String::with_capacity(inner.len());
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                out.push(if c == '\\' {
                    chars.next().unwrap_or('\\')
                } else {
                    c
                });
            }
            out
        }
        None => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_and_named_addresses() {
        let plain = parse_mailbox("ana@example.com").unwrap();
        assert_eq!(plain.name, None);
        assert_eq!(plain.email.to_string(), "ana@example.com");
        let named = parse_mailbox("María José Núñez <mj@example.com>").unwrap();
        assert_eq!(named.name.as_deref(), Some("María José Núñez"));
        assert_eq!(named.email.to_string(), "mj@example.com");
    }

    #[test]
    fn unquotes_quoted_names() {
        let named = parse_mailbox(r#""Núñez, \"Pepe\"" <pepe@example.com>"#).unwrap();
        assert_eq!(named.name.as_deref(), Some(r#"Núñez, "Pepe""#));
    }

    #[test]
    fn refuses_line_breaks_and_garbage() {
        assert_eq!(
            parse_mailbox("Ana\r\nBcc: x@y.z <ana@example.com>"),
            Err(MailboxProblem::ControlCharacter)
        );
        assert_eq!(
            parse_mailbox("ana@example.com\nBcc: x@y.z"),
            Err(MailboxProblem::ControlCharacter)
        );
        assert_eq!(
            parse_mailbox("not an address"),
            Err(MailboxProblem::Malformed)
        );
        assert_eq!(
            parse_mailbox("a@b.com, c@d.com"),
            Err(MailboxProblem::Malformed)
        );
        assert_eq!(parse_mailbox("Ana <>"), Err(MailboxProblem::Malformed));
    }
}
