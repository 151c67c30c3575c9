//! Mexican postal codes (código postal): five digits, from 01000 to 99999.

use crate::validation::{IdentifierKind, Issue, Validation};

/// Validates a Mexican postal code (see the crate docs for the result shape).
///
/// The first two digits stand for the state, and `00` is assigned to none, so
/// anything below 01000 cannot be a real code.
///
/// ```
/// assert!(anam::validate_postal_code("06600").valid);
/// assert!(!anam::validate_postal_code("00999").valid);
/// ```
pub fn validate_postal_code(input: &str) -> Validation {
    let normalized: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '.')
        .collect();
    let mut errors = Vec::new();
    if normalized.is_empty() {
        errors.push(Issue::new(
            "postal_code_empty",
            "No se indicó ningún código postal.",
            "No postal code was given.",
        ));
    } else if !normalized.bytes().all(|b| b.is_ascii_digit()) {
        errors.push(Issue::new(
            "postal_code_not_digits",
            "El código postal solo lleva dígitos.",
            "A postal code holds digits only.",
        ));
    } else if normalized.len() != 5 {
        errors.push(Issue::new(
            "postal_code_bad_length",
            format!(
                "El código postal tiene 5 dígitos; se recibieron {}.",
                normalized.len()
            ),
            format!(
                "A postal code has 5 digits; {} were given.",
                normalized.len()
            ),
        ));
    } else if normalized.as_str() < "01000" {
        errors.push(Issue::new(
            "postal_code_out_of_range",
            "Los códigos postales de México van del 01000 al 99999.",
            "Mexican postal codes run from 01000 to 99999.",
        ));
    }
    let kind = errors.is_empty().then_some(IdentifierKind::PostalCode);
    Validation::from_parts(normalized, kind, errors, Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        let cases: &[(&str, bool, &str, &[&str])] = &[
            ("06600", true, "06600", &[]),
            (" 01000 ", true, "01000", &[]),
            ("99999", true, "99999", &[]),
            ("00999", false, "00999", &["postal_code_out_of_range"]),
            ("00000", false, "00000", &["postal_code_out_of_range"]),
            ("6600", false, "6600", &["postal_code_bad_length"]),
            ("066000", false, "066000", &["postal_code_bad_length"]),
            ("06A00", false, "06A00", &["postal_code_not_digits"]),
            ("", false, "", &["postal_code_empty"]),
        ];
        for (input, valid, normalized, codes) in cases {
            let verdict = validate_postal_code(input);
            let got: Vec<&str> = verdict.errors.iter().map(|i| i.code).collect();
            assert_eq!(verdict.valid, *valid, "{input}");
            assert_eq!(verdict.normalized, *normalized, "{input}");
            assert_eq!(&got, codes, "{input}");
        }
    }

    proptest! {
        #[test]
        fn every_code_in_range_passes(code in 1000u32..=99999) {
            let text = format!("{code:05}");
            prop_assert!(validate_postal_code(&text).valid, "{}", text);
        }
    }
}
