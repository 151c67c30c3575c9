//! The result shape shared by every identifier validator of this crate.

pub use garita_portal_kit::Issue;
use garita_portal_kit::KindName;
use serde::Serialize;

/// The verdict on one value of this portal (the portal kit's, with this
/// portal's kinds).
pub type Validation = garita_portal_kit::Validation<IdentifierKind>;

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

impl KindName for IdentifierKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::NaturalPerson => "natural_person",
            Self::PublicEntity => "public_entity",
            Self::PrivateCompany => "private_company",
        }
    }
}

/// The sentence (Spanish, English) that tells someone a spreadsheet dropped
/// the leading zero of `digits`: when it is one digit short and, with a zero
/// in front, `is_valid`. Provinces 01 to 09 start with that zero, which a
/// spreadsheet drops when it reads the column as a number. `valid_one`
/// names the value in each language ("una cédula válida", "a valid cédula").
pub(crate) fn dropped_zero_hint(
    digits: &str,
    full_len: usize,
    is_valid: impl Fn(&str) -> bool,
    (valid_es, valid_en): (&str, &str),
) -> Option<(String, String)> {
    if digits.len() + 1 != full_len {
        return None;
    }
    let restored = format!("0{digits}");
    is_valid(&restored).then(|| {
        (
            format!(" Parece que una hoja de cálculo quitó el cero inicial: con él es {restored}, {valid_es}. Guarde la columna como texto."),
            format!(" A spreadsheet seems to have dropped the leading zero: with it, {restored} is {valid_en}. Keep the column as text."),
        )
    })
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
}
