//! The result shape shared by every validator of this crate.

pub use garita_portal_kit::Issue;
use garita_portal_kit::KindName;
use serde::Serialize;

/// The verdict on one value of this portal (the portal kit's, with this
/// portal's kinds).
pub type Validation = garita_portal_kit::Validation<IdentifierKind>;

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

impl KindName for IdentifierKind {
    fn as_str(self) -> &'static str {
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
}
