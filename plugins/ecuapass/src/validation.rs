//! The result shape shared by every identifier validator of this crate.

use serde::Serialize;
use serde_json::{json, Value};

/// One problem (error) or remark (warning) about an identifier, in both languages.
///
/// Programs match on [`Issue::code`], which is stable; the messages may be
/// reworded between versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    /// Stable snake_case code, for example `ruc_check_digit_mismatch`.
    pub code: &'static str,
    /// The explanation in Spanish.
    pub message_es: String,
    /// The explanation in English.
    pub message_en: String,
}

impl Issue {
    /// An issue with its code and both translations.
    pub fn new(
        code: &'static str,
        message_es: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        Self {
            code,
            message_es: message_es.into(),
            message_en: message_en.into(),
        }
    }

    /// The message in the requested language.
    pub fn message(&self, english: bool) -> &str {
        if english {
            &self.message_en
        } else {
            &self.message_es
        }
    }

    /// The JSON form used in action outputs: `{code, message, message_es, message_en}`,
    /// where `message` is the one in the caller's locale.
    pub fn to_json(&self, english: bool) -> Value {
        json!({
            "code": self.code,
            "message": self.message(english),
            "message_es": self.message_es,
            "message_en": self.message_en,
        })
    }
}

/// What kind of taxpayer or person an Ecuadorian identifier designates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentifierKind {
    /// A person: every cédula, and a RUC whose third digit is 0–5.
    NaturalPerson,
    /// A public-sector entity: RUC whose third digit is 6.
    PublicEntity,
    /// A private company (sociedad): RUC whose third digit is 9.
    PrivateCompany,
}

impl IdentifierKind {
    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NaturalPerson => "natural_person",
            Self::PublicEntity => "public_entity",
            Self::PrivateCompany => "private_company",
        }
    }
}

/// The verdict on one identifier.
///
/// `valid` is true exactly when `errors` is empty; warnings never make an
/// identifier invalid. `kind` is filled in as soon as the identifier's shape
/// tells it, even when a later rule fails, so a caller can still say
/// "this looks like a company RUC, but ...".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Validation {
    /// Whether the identifier passed every rule.
    pub valid: bool,
    /// The input with spaces, dashes and dots removed.
    pub normalized: String,
    /// What the identifier designates, when that could be told.
    pub kind: Option<IdentifierKind>,
    /// Remarks that do not make the identifier invalid.
    pub warnings: Vec<Issue>,
    /// Reasons the identifier is invalid.
    pub errors: Vec<Issue>,
}

impl Validation {
    /// Builds a verdict; validity follows from `errors`.
    pub(crate) fn from_parts(
        normalized: String,
        kind: Option<IdentifierKind>,
        errors: Vec<Issue>,
        warnings: Vec<Issue>,
    ) -> Self {
        Self {
            valid: errors.is_empty(),
            normalized,
            kind,
            warnings,
            errors,
        }
    }

    /// Whether an error with this code was reported.
    pub fn has_error(&self, code: &str) -> bool {
        self.errors.iter().any(|issue| issue.code == code)
    }

    /// Whether a warning with this code was reported.
    pub fn has_warning(&self, code: &str) -> bool {
        self.warnings.iter().any(|issue| issue.code == code)
    }

    /// The JSON form returned by the validation actions (see the crate docs).
    pub fn to_json(&self, english: bool) -> Value {
        json!({
            "valid": self.valid,
            "normalized": self.normalized,
            "kind": self.kind.map(IdentifierKind::as_str),
            "warnings": self.warnings.iter().map(|i| i.to_json(english)).collect::<Vec<_>>(),
            "errors": self.errors.iter().map(|i| i.to_json(english)).collect::<Vec<_>>(),
        })
    }
}

/// Removes the separators people type inside identifiers (whitespace, `-`, `.`)
/// and keeps everything else, so that stray letters are still reported.
pub(crate) fn strip_separators(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '.')
        .collect()
}

/// The decimal digits of `normalized`, or `None` if any character is not an ASCII digit.
pub(crate) fn ascii_digits<const N: usize>(normalized: &str) -> Option<[u8; N]> {
    let bytes = normalized.as_bytes();
    if bytes.len() != N {
        return None;
    }
    let mut digits = [0u8; N];
    for (slot, byte) in digits.iter_mut().zip(bytes) {
        if !byte.is_ascii_digit() {
            return None;
        }
        *slot = byte - b'0';
    }
    Some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_separators_removes_spaces_dashes_and_dots_only() {
        assert_eq!(strip_separators(" 17-100.340 65\t"), "1710034065");
        assert_eq!(strip_separators("17A"), "17A");
    }

    #[test]
    fn ascii_digits_requires_exact_length_and_digits() {
        assert_eq!(ascii_digits::<3>("123"), Some([1, 2, 3]));
        assert_eq!(ascii_digits::<3>("12"), None);
        assert_eq!(ascii_digits::<3>("12a"), None);
    }

    #[test]
    fn validity_follows_errors_only() {
        let warned = Validation::from_parts(
            "x".into(),
            None,
            vec![],
            vec![Issue::new("w", "aviso", "warning")],
        );
        assert!(warned.valid);
        let failed = Validation::from_parts(
            "x".into(),
            None,
            vec![Issue::new("e", "error", "error")],
            vec![],
        );
        assert!(!failed.valid);
        assert_eq!(failed.to_json(true)["errors"][0]["message"], "error");
    }
}
