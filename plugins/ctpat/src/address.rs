//! Email-address validation for addresses written into drafts and lists.

use email_address::{EmailAddress, Options};

/// Whether `text` is one plain email address (`user@example.com`, no display
/// name) whose domain has at least two labels, as any real mailbox's has.
pub(crate) fn is_valid(text: &str) -> bool {
    let options = Options::default()
        .without_display_text()
        .without_domain_literal()
        .with_required_tld();
    EmailAddress::parse_with_options(text.trim(), options).is_ok()
}

/// The form used to compare addresses: trimmed and lower-cased.
///
/// Mail providers treat the local part case-insensitively in practice, and
/// the CTPAT portal's list is typed by hand, so `Ana@X.com` and `ana@x.com`
/// are the same person.
pub(crate) fn comparable(text: &str) -> String {
    text.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_addresses_only() {
        assert!(is_valid("ana.perez@empresa.com.mx"));
        assert!(!is_valid("Ana <ana@empresa.com>"));
        assert!(!is_valid("ana@localhost"));
        assert!(!is_valid("ana"));
        assert!(!is_valid("ana@empresa.com\r\nBcc: x@y.z"));
    }

    #[test]
    fn compares_case_insensitively() {
        assert_eq!(
            comparable(" Ana@Empresa.COM "),
            comparable("ana@empresa.com")
        );
    }
}
