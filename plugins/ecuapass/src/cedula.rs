//! Ecuadorian cédula de identidad: ten digits, a province, and a modulus-10 check digit.

use crate::province::is_valid_province_code;
use crate::validation::{
    ascii_digits, dropped_zero_hint, strip_separators, IdentifierKind, Issue, Validation,
};

/// The check digit (10th digit) of a cédula whose first nine digits are `first_nine`
/// (each 0–9).
///
/// Coefficients 2,1,2,1,... multiply the digits; a product above 9 counts as
/// the product minus 9; the check digit tops the sum up to a multiple of ten.
pub fn cedula_check_digit(first_nine: &[u8; 9]) -> u8 {
    let sum: u32 = first_nine
        .iter()
        .enumerate()
        .map(|(i, &digit)| {
            let coefficient = if i % 2 == 0 { 2 } else { 1 };
            let product = u32::from(digit) * coefficient;
            if product > 9 {
                product - 9
            } else {
                product
            }
        })
        .sum();
    // The sum is small, so the narrowing cannot lose anything.
    ((10 - sum % 10) % 10) as u8
}

/// Validates an Ecuadorian cédula (see the crate docs for the result shape).
///
/// ```
/// let verdict = ecuapass::validate_cedula("171003406-5");
/// assert!(verdict.valid);
/// assert_eq!(verdict.normalized, "1710034065");
/// ```
pub fn validate_cedula(input: &str) -> Validation {
    let normalized = strip_separators(input);
    let mut errors = Vec::new();
    if let Some(problem) = shape_problem(&normalized) {
        errors.push(problem);
        return Validation::from_parts(normalized, None, errors, Vec::new());
    }
    let Some(digits) = ascii_digits::<10>(&normalized) else {
        // shape_problem already guarantees ten ASCII digits; stay total anyway.
        return Validation::from_parts(normalized, None, errors, Vec::new());
    };
    let province = digits[0] * 10 + digits[1];
    if !is_valid_province_code(province) {
        errors.push(bad_province(province));
    }
    if digits[2] > 6 {
        errors.push(Issue::new(
            "cedula_bad_third_digit",
            format!(
                "El tercer dígito de una cédula va de 0 a 6; este es {}.",
                digits[2]
            ),
            format!(
                "A cédula's third digit is 0 to 6; this one is {}.",
                digits[2]
            ),
        ));
    }
    let mut first_nine = [0u8; 9];
    first_nine.copy_from_slice(&digits[..9]);
    let expected = cedula_check_digit(&first_nine);
    if expected != digits[9] {
        errors.push(Issue::new(
            "cedula_check_digit_mismatch",
            format!(
                "El dígito verificador no cuadra: con los nueve primeros dígitos debería ser {expected}, no {}. Revise que no falte ni sobre un número.",
                digits[9]
            ),
            format!(
                "The check digit does not match: the first nine digits call for {expected}, not {}. Look for a mistyped digit.",
                digits[9]
            ),
        ));
    }
    Validation::from_parts(
        normalized,
        Some(IdentifierKind::NaturalPerson),
        errors,
        Vec::new(),
    )
}

/// The first problem with the overall shape (empty, non-digits, length), if any.
fn shape_problem(normalized: &str) -> Option<Issue> {
    if normalized.is_empty() {
        return Some(Issue::new(
            "cedula_empty",
            "No se indicó ninguna cédula.",
            "No cédula was given.",
        ));
    }
    if !normalized.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Issue::new(
            "cedula_not_digits",
            "La cédula solo lleva dígitos; quite letras y otros signos.",
            "A cédula holds digits only; remove letters and other signs.",
        ));
    }
    if normalized.len() != 10 {
        let mut es = format!(
            "La cédula tiene 10 dígitos; se recibieron {}.",
            normalized.len()
        );
        let mut en = format!("A cédula has 10 digits; {} were given.", normalized.len());
        if let Some((hint_es, hint_en)) = dropped_zero_hint(
            normalized,
            10,
            |c| validate_cedula(c).valid,
            ("una cédula válida", "a valid cédula"),
        ) {
            es.push_str(&hint_es);
            en.push_str(&hint_en);
        }
        return Some(Issue::new("cedula_bad_length", es, en));
    }
    None
}

fn bad_province(province: u8) -> Issue {
    Issue::new(
        "cedula_bad_province",
        format!(
            "Los dos primeros dígitos ({province:02}) no corresponden a ninguna provincia (01 a 24, 30 o 50)."
        ),
        format!("The first two digits ({province:02}) are not a province code (01 to 24, 30 or 50)."),
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        // (input, valid, normalized, error codes)
        let cases: &[(&str, bool, &str, &[&str])] = &[
            ("1710034065", true, "1710034065", &[]),
            ("171003406-5", true, "1710034065", &[]),
            (" 17 1003 4065 ", true, "1710034065", &[]),
            ("0926687856", true, "0926687856", &[]),
            (
                "1710034066",
                false,
                "1710034066",
                &["cedula_check_digit_mismatch"],
            ),
            ("", false, "", &["cedula_empty"]),
            ("17100340", false, "17100340", &["cedula_bad_length"]),
            ("912345678", false, "912345678", &["cedula_bad_length"]),
            ("17100340655", false, "17100340655", &["cedula_bad_length"]),
            ("17100A4065", false, "17100A4065", &["cedula_not_digits"]),
            ("2510034065", false, "2510034065", &["cedula_bad_province"]),
            (
                "0010034065",
                false,
                "0010034065",
                &["cedula_bad_province", "cedula_check_digit_mismatch"],
            ),
            (
                "1770034062",
                false,
                "1770034062",
                &["cedula_bad_third_digit"],
            ),
        ];
        for (input, valid, normalized, codes) in cases {
            let verdict = validate_cedula(input);
            assert_eq!(verdict.valid, *valid, "{input}: {verdict:?}");
            assert_eq!(verdict.normalized, *normalized, "{input}");
            let got: Vec<&str> = verdict.errors.iter().map(|i| i.code).collect();
            assert_eq!(&got, codes, "{input}");
            assert!(verdict.warnings.is_empty(), "{input}");
        }
    }

    #[test]
    fn province_30_and_50_and_third_digit_6_are_accepted() {
        for first_nine in [[3, 0, 6, 1, 2, 3, 4, 5, 7], [5, 0, 1, 1, 2, 3, 4, 5, 7]] {
            let check = cedula_check_digit(&first_nine);
            let text: String = first_nine
                .iter()
                .chain([&check])
                .map(|d| char::from(b'0' + d))
                .collect();
            assert!(validate_cedula(&text).valid, "{text}");
        }
    }

    #[test]
    fn kind_is_natural_person() {
        assert_eq!(
            validate_cedula("1710034065").kind,
            Some(IdentifierKind::NaturalPerson)
        );
        assert_eq!(validate_cedula("abc").kind, None);
    }

    /// A strategy for valid cédulas as digit arrays.
    pub(crate) fn valid_cedula() -> impl Strategy<Value = [u8; 10]> {
        (
            prop_oneof![1u8..=24, Just(30u8), Just(50u8)],
            0u8..=6,
            proptest::array::uniform6(0u8..=9),
        )
            .prop_map(|(province, third, rest)| {
                let mut first_nine = [0u8; 9];
                first_nine[0] = province / 10;
                first_nine[1] = province % 10;
                first_nine[2] = third;
                first_nine[3..].copy_from_slice(&rest);
                let mut digits = [0u8; 10];
                digits[..9].copy_from_slice(&first_nine);
                digits[9] = cedula_check_digit(&first_nine);
                digits
            })
    }

    fn to_text(digits: &[u8]) -> String {
        digits.iter().map(|d| char::from(b'0' + d)).collect()
    }

    proptest! {
        #[test]
        fn generated_cedulas_pass(digits in valid_cedula()) {
            let verdict = validate_cedula(&to_text(&digits));
            prop_assert!(verdict.valid, "{:?}", verdict);
        }

        #[test]
        fn any_single_digit_change_is_caught(
            digits in valid_cedula(),
            position in 0usize..10,
            delta in 1u8..=9,
        ) {
            let mut changed = digits;
            changed[position] = (changed[position] + delta) % 10;
            let verdict = validate_cedula(&to_text(&changed));
            prop_assert!(!verdict.valid, "{} -> {} passed", to_text(&digits), to_text(&changed));
        }

        #[test]
        fn never_panics(input in "\\PC{0,20}") {
            let _ = validate_cedula(&input);
        }
    }

    #[test]
    fn a_cedula_missing_its_leading_zero_is_named_with_the_zero_restored() {
        let restored = (0..=9)
            .map(|d| format!("091234567{d}"))
            .find(|c| validate_cedula(c).valid)
            .expect("some check digit makes 091234567? valid");
        let verdict = validate_cedula(&restored[1..]);
        assert!(!verdict.valid);
        let issue = &verdict.errors[0];
        assert_eq!(issue.code, "cedula_bad_length");
        assert!(issue.message_es.contains(&restored), "{}", issue.message_es);
        assert!(
            issue.message_en.contains("leading zero"),
            "{}",
            issue.message_en
        );
        // Nine digits that no zero can mend get the plain length message.
        let other = validate_cedula("999999999");
        assert!(!other.errors[0].message_en.contains("leading zero"));
    }
}
