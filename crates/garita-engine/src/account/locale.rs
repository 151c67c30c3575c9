//! The language a holder reads: Garita's user-facing text exists in
//! Spanish (its default) and English.

use serde::{Deserialize, Serialize};

/// A holder's language for reminders and notices.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    /// Spanish.
    Es,
    /// English.
    En,
}

impl Locale {
    /// Every locale, in the order they are documented.
    pub const ALL: [Locale; 2] = [Self::Es, Self::En];

    /// The code, as stored, printed and accepted (`es`, `en`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Es => "es",
            Self::En => "en",
        }
    }

    /// Parses a code as [`Locale::as_str`] prints it (case and surrounding
    /// spaces ignored).
    pub fn parse(text: &str) -> Option<Self> {
        let folded = text.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|l| l.as_str() == folded)
    }
}

impl std::fmt::Display for Locale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for locale in Locale::ALL {
            assert_eq!(Locale::parse(locale.as_str()), Some(locale));
            let json = serde_json::to_string(&locale).unwrap();
            assert_eq!(json, format!("\"{locale}\""));
        }
        assert_eq!(Locale::parse(" EN "), Some(Locale::En));
        assert_eq!(Locale::parse("fr"), None);
        assert_eq!(Locale::parse("es-MX"), None);
    }
}
