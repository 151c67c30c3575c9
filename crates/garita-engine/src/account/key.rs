//! [`AccountKey`]: what makes two inventory rows the same account.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// An account's identity: its portal and its identifier on the portal, both
/// trimmed and lower-cased, so `CTPAT, Ana@Example.com ` and
/// `ctpat,ana@example.com` are the same account; the identifier is also in
/// Unicode NFC, so an `Ñ` typed as N plus a combining tilde names the same
/// account as the precomposed letter. Printed (and parsed) as
/// `portal:identifier`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AccountKey {
    portal: String,
    identifier: String,
}

impl AccountKey {
    /// The key of `identifier` on `portal`, normalised.
    pub fn new(portal: &str, identifier: &str) -> Self {
        Self {
            portal: Self::normalise_portal(portal),
            identifier: identifier.trim().nfc().collect::<String>().to_lowercase(),
        }
    }

    /// A portal name as stored: trimmed, lower case.
    pub fn normalise_portal(portal: &str) -> String {
        portal.trim().to_ascii_lowercase()
    }

    /// Parses `portal:identifier`; `None` when there is no colon or either
    /// side is empty.
    pub fn parse(text: &str) -> Option<Self> {
        let (portal, identifier) = text.split_once(':')?;
        let key = Self::new(portal, identifier);
        (!key.portal.is_empty() && !key.identifier.is_empty()).then_some(key)
    }

    /// The normalised portal name.
    pub fn portal(&self) -> &str {
        &self.portal
    }

    /// The normalised identifier.
    pub fn identifier(&self) -> &str {
        &self.identifier
    }
}

impl std::fmt::Display for AccountKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.portal, self.identifier)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_combining_tilde_names_the_same_account_as_the_precomposed_letter() {
        assert_eq!(
            AccountKey::new("ecuapass", "PEN\u{303}A1"),
            AccountKey::new("ecuapass", "PEÑA1")
        );
        assert_eq!(
            AccountKey::new("ecuapass", "PEN\u{303}A1").identifier(),
            "peña1"
        );
    }

    #[test]
    fn case_and_spaces_do_not_make_a_new_account() {
        assert_eq!(
            AccountKey::new(" CTPAT", "Ana@Example.com "),
            AccountKey::new("ctpat", "ana@example.com")
        );
        assert_ne!(AccountKey::new("ctpat", "a"), AccountKey::new("anam", "a"));
    }

    #[test]
    fn parses_what_it_prints() {
        let key = AccountKey::parse("Ecuapass:JPerez01").unwrap();
        assert_eq!(key.portal(), "ecuapass");
        assert_eq!(key.identifier(), "jperez01");
        assert_eq!(AccountKey::parse(&key.to_string()), Some(key));
        assert_eq!(AccountKey::parse("no-colon"), None);
        assert_eq!(AccountKey::parse(":x"), None);
        assert_eq!(AccountKey::parse("ctpat: "), None);
    }

    proptest! {
        #[test]
        fn normalising_is_idempotent(portal in "[A-Za-z ]{0,8}", id in "\\PC{0,20}") {
            let key = AccountKey::new(&portal, &id);
            prop_assert_eq!(AccountKey::new(key.portal(), key.identifier()), key.clone());
            if !key.portal().is_empty() && !key.identifier().is_empty() && !key.portal().contains(':') {
                prop_assert_eq!(AccountKey::parse(&key.to_string()), Some(key));
            }
        }
    }
}
