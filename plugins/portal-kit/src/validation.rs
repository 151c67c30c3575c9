//! The verdict every identifier validator of a portal connector returns:
//! valid or not, the normalised value, what it designates, and its issues
//! in both languages. Each portal names its own kinds ([`KindName`]).

use serde::Serialize;
use serde_json::{json, Value};

/// One problem (error) or remark (warning) about a value, in both languages.
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

/// What a portal's validated values can designate, named as in JSON.
pub trait KindName: Copy {
    /// The snake_case name used in JSON.
    fn as_str(self) -> &'static str;
}

/// The verdict on one value.
///
/// `valid` is true exactly when `errors` is empty; warnings never make a value
/// invalid. `kind` is filled in as soon as the value's shape tells it, even
/// when a later rule fails, so a caller can still say "this looks like a
/// company RUC, but ...".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Validation<K> {
    /// Whether the value passed every rule.
    pub valid: bool,
    /// The value as it should be stored (what normalising means is the
    /// portal's: separators removed, letters uppercased, ...).
    pub normalized: String,
    /// What the value designates, when that could be told.
    pub kind: Option<K>,
    /// Remarks that do not make the value invalid.
    pub warnings: Vec<Issue>,
    /// Reasons the value is invalid.
    pub errors: Vec<Issue>,
}

impl<K: KindName> Validation<K> {
    /// Builds a verdict; validity follows from `errors`.
    pub fn from_parts(
        normalized: String,
        kind: Option<K>,
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

    /// The JSON form returned by validation actions (see
    /// [`crate::schemas::validation`]).
    pub fn to_json(&self, english: bool) -> Value {
        json!({
            "valid": self.valid,
            "normalized": self.normalized,
            "kind": self.kind.map(K::as_str),
            "warnings": self.warnings.iter().map(|i| i.to_json(english)).collect::<Vec<_>>(),
            "errors": self.errors.iter().map(|i| i.to_json(english)).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
    struct Thing;

    impl KindName for Thing {
        fn as_str(self) -> &'static str {
            "thing"
        }
    }

    #[test]
    fn validity_follows_errors_only_and_json_speaks_the_locale() {
        let warned = Validation::from_parts(
            "x".into(),
            Some(Thing),
            vec![],
            vec![Issue::new("w", "aviso", "warning")],
        );
        assert!(warned.valid && warned.has_warning("w"));
        assert_eq!(warned.to_json(false)["kind"], "thing");
        let failed: Validation<Thing> = Validation::from_parts(
            "x".into(),
            None,
            vec![Issue::new("e", "falla", "fails")],
            vec![],
        );
        assert!(!failed.valid && failed.has_error("e"));
        assert_eq!(failed.to_json(false)["errors"][0]["message"], "falla");
        assert_eq!(failed.to_json(true)["errors"][0]["message"], "fails");
        assert!(failed.to_json(true)["kind"].is_null());
    }
}
