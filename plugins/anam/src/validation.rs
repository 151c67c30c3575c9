//! The result shape shared by every validator of this crate.

use serde::Serialize;
use serde_json::{json, Value};

/// One problem (error) or remark (warning) about a value, in both languages.
///
/// Programs match on [`Issue::code`], which is stable; the messages may be
/// reworded between versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    /// Stable snake_case code, for example `curp_check_digit_mismatch`.
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

/// What a validated value designates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentifierKind {
    /// A natural person: a 13-character RFC, or any CURP.
    Person,
    /// A company (persona moral): a 12-character RFC.
    Company,
    /// `XAXX010101000`, the RFC for sales to the general public.
    GenericPublic,
    /// `XEXX010101000`, the RFC for foreign residents without a Mexican one.
    GenericForeign,
    /// A Mexican postal code.
    PostalCode,
    /// An email address.
    Email,
}

impl IdentifierKind {
    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Person => "person",
            Self::Company => "company",
            Self::GenericPublic => "generic_public",
            Self::GenericForeign => "generic_foreign",
            Self::PostalCode => "postal_code",
            Self::Email => "email",
        }
    }
}

/// The verdict on one value.
///
/// `valid` is true exactly when `errors` is empty; warnings never make a value
/// invalid. `kind` is filled in as soon as the value's shape tells it, even
/// when a later rule fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Validation {
    /// Whether the value passed every rule.
    pub valid: bool,
    /// The value as it should be stored (separators removed, letters uppercased
    /// for RFC and CURP; trimmed with a lowercase domain for email).
    pub normalized: String,
    /// What the value designates, when that could be told.
    pub kind: Option<IdentifierKind>,
    /// Remarks that do not make the value invalid.
    pub warnings: Vec<Issue>,
    /// Reasons the value is invalid.
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

/// Removes whitespace, `-` and `.` (typed as separators) and uppercases the
/// rest, `ñ` included, so `"gode-561231 gr8"` becomes `"GODE561231GR8"`.
pub(crate) fn normalize_key(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        if c.is_whitespace() || c == '-' || c == '.' {
            continue;
        }
        if c.is_ascii() {
            out.push(c.to_ascii_uppercase());
        } else {
            out.extend(c.to_uppercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_key_strips_and_uppercases() {
        assert_eq!(normalize_key(" gode-561231.gr8 "), "GODE561231GR8");
        assert_eq!(normalize_key("peña"), "PEÑA");
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
            vec![Issue::new("e", "falla", "fails")],
            vec![],
        );
        assert!(!failed.valid);
        assert_eq!(failed.to_json(false)["errors"][0]["message"], "falla");
    }
}
