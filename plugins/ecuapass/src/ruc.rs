//! Ecuadorian RUC (Registro Único de Contribuyentes): 13 digits whose third digit
//! says who the taxpayer is, each kind with its own check digit.

use crate::cedula::cedula_check_digit;
use crate::province::is_valid_province_code;
use crate::validation::{
    ascii_digits, dropped_zero_hint, strip_separators, IdentifierKind, Issue, Validation,
};

/// Weights of the modulus-11 check for public entities (first eight digits).
const PUBLIC_ENTITY_WEIGHTS: [u32; 8] = [3, 2, 7, 6, 5, 4, 3, 2];
/// Weights of the modulus-11 check for private companies (first nine digits).
const PRIVATE_COMPANY_WEIGHTS: [u32; 9] = [4, 3, 2, 7, 6, 5, 4, 3, 2];

/// The modulus-11 check digit of `digits` under `weights`, or `None` when the
/// remainder leaves 10, which no single digit can express (such a number is
/// never issued).
///
/// `digits` and `weights` are paired position by position.
pub fn modulus11_check_digit(digits: &[u8], weights: &[u32]) -> Option<u8> {
    let sum: u32 = digits
        .iter()
        .zip(weights)
        .map(|(&d, &w)| u32::from(d) * w)
        .sum();
    match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        // 1..=9 here, so the narrowing is exact.
        digit => Some(digit as u8),
    }
}

/// The check digit of a public-entity RUC (9th digit) from its first eight digits.
pub fn public_entity_check_digit(first_eight: &[u8; 8]) -> Option<u8> {
    modulus11_check_digit(first_eight, &PUBLIC_ENTITY_WEIGHTS)
}

/// The check digit of a private-company RUC (10th digit) from its first nine digits.
pub fn private_company_check_digit(first_nine: &[u8; 9]) -> Option<u8> {
    modulus11_check_digit(first_nine, &PRIVATE_COMPANY_WEIGHTS)
}

/// Validates an Ecuadorian RUC (see the crate docs for the result shape).
///
/// A wrong check digit is an error for natural persons but only a warning for
/// public entities and private companies: the SRI has issued such RUCs whose
/// check digit does not follow the published rule, so rejecting them would
/// refuse real taxpayers.
///
/// ```
/// let verdict = ecuapass::validate_ruc("1790011674001");
/// assert!(verdict.valid);
/// assert_eq!(verdict.kind, Some(ecuapass::IdentifierKind::PrivateCompany));
/// ```
pub fn validate_ruc(input: &str) -> Validation {
    let normalized = strip_separators(input);
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    if let Some(problem) = shape_problem(&normalized) {
        errors.push(problem);
        return Validation::from_parts(normalized, None, errors, warnings);
    }
    let Some(digits) = ascii_digits::<13>(&normalized) else {
        // shape_problem already guarantees 13 ASCII digits; stay total anyway.
        return Validation::from_parts(normalized, None, errors, warnings);
    };

    let province = digits[0] * 10 + digits[1];
    if !is_valid_province_code(province) {
        errors.push(Issue::new(
            "ruc_bad_province",
            format!("Los dos primeros dígitos ({province:02}) no son un código de provincia (01 a 24, 30 o 50)."),
            format!("The first two digits ({province:02}) are not a province code (01 to 24, 30 or 50)."),
        ));
    }

    let kind = match digits[2] {
        0..=5 => IdentifierKind::NaturalPerson,
        6 => IdentifierKind::PublicEntity,
        9 => IdentifierKind::PrivateCompany,
        other => {
            errors.push(Issue::new(
                "ruc_bad_third_digit",
                format!("El tercer dígito ({other}) no corresponde a ningún tipo de contribuyente: 0 a 5 persona natural, 6 entidad pública, 9 sociedad privada."),
                format!("The third digit ({other}) matches no kind of taxpayer: 0 to 5 natural person, 6 public entity, 9 private company."),
            ));
            return Validation::from_parts(normalized, None, errors, warnings);
        }
    };

    match kind {
        IdentifierKind::NaturalPerson => {
            let mut first_nine = [0u8; 9];
            first_nine.copy_from_slice(&digits[..9]);
            let expected = cedula_check_digit(&first_nine);
            if expected != digits[9] {
                errors.push(check_digit_issue(10, Some(expected), digits[9], kind));
            }
            if digits[10..] == [0, 0, 0] {
                errors.push(bad_establishment("000"));
            }
        }
        IdentifierKind::PublicEntity => {
            let mut first_eight = [0u8; 8];
            first_eight.copy_from_slice(&digits[..8]);
            let expected = public_entity_check_digit(&first_eight);
            if expected != Some(digits[8]) {
                warnings.push(check_digit_issue(9, expected, digits[8], kind));
            }
            if digits[9..] == [0, 0, 0, 0] {
                errors.push(bad_establishment("0000"));
            }
        }
        IdentifierKind::PrivateCompany => {
            let mut first_nine = [0u8; 9];
            first_nine.copy_from_slice(&digits[..9]);
            let expected = private_company_check_digit(&first_nine);
            if expected != Some(digits[9]) {
                warnings.push(check_digit_issue(10, expected, digits[9], kind));
            }
            if digits[10..] == [0, 0, 0] {
                errors.push(bad_establishment("000"));
            }
        }
    }
    Validation::from_parts(normalized, Some(kind), errors, warnings)
}

/// The first problem with the overall shape (empty, non-digits, length), if any.
fn shape_problem(normalized: &str) -> Option<Issue> {
    if normalized.is_empty() {
        return Some(Issue::new(
            "ruc_empty",
            "No se indicó ningún RUC.",
            "No RUC was given.",
        ));
    }
    if !normalized.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Issue::new(
            "ruc_not_digits",
            "El RUC solo lleva dígitos; quite letras y otros signos.",
            "A RUC holds digits only; remove letters and other signs.",
        ));
    }
    if normalized.len() != 13 {
        let mut es = format!(
            "El RUC tiene 13 dígitos; se recibieron {}.",
            normalized.len()
        );
        let mut en = format!("A RUC has 13 digits; {} were given.", normalized.len());
        if let Some((hint_es, hint_en)) = dropped_zero_hint(
            normalized,
            13,
            |r| validate_ruc(r).valid,
            ("un RUC válido", "a valid RUC"),
        ) {
            es.push_str(&hint_es);
            en.push_str(&hint_en);
        }
        return Some(Issue::new("ruc_bad_length", es, en));
    }
    None
}

fn check_digit_issue(
    position: usize,
    expected: Option<u8>,
    found: u8,
    kind: IdentifierKind,
) -> Issue {
    let (es_tail, en_tail) = match kind {
        IdentifierKind::NaturalPerson => (
            "Revise que no haya un dígito mal escrito.",
            "Look for a mistyped digit.",
        ),
        IdentifierKind::PublicEntity | IdentifierKind::PrivateCompany => (
            "El SRI no garantiza este dígito para entidades públicas ni sociedades, así que el RUC se acepta; confírmelo con el certificado del RUC.",
            "The SRI does not guarantee this digit for public entities and companies, so the RUC is accepted; confirm it against the RUC certificate.",
        ),
    };
    match expected {
        Some(expected) => Issue::new(
            "ruc_check_digit_mismatch",
            format!("El dígito verificador (posición {position}) debería ser {expected}, no {found}. {es_tail}"),
            format!("The check digit (position {position}) should be {expected}, not {found}. {en_tail}"),
        ),
        None => Issue::new(
            "ruc_check_digit_mismatch",
            format!("Con estos dígitos la regla del módulo 11 no deja ningún dígito verificador posible (posición {position}). {es_tail}"),
            format!("With these digits the modulus-11 rule leaves no possible check digit (position {position}). {en_tail}"),
        ),
    }
}

fn bad_establishment(zeros: &str) -> Issue {
    Issue::new(
        "ruc_bad_establishment",
        format!("El número de establecimiento del final no puede ser {zeros}; el principal es el 1 (por ejemplo …001)."),
        format!("The establishment number at the end cannot be {zeros}; the main one is 1 (for example …001)."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cedula::tests::valid_cedula;
    use proptest::prelude::*;

    fn codes(issues: &[Issue]) -> Vec<&'static str> {
        issues.iter().map(|i| i.code).collect()
    }

    fn to_text(digits: &[u8]) -> String {
        digits.iter().map(|d| char::from(b'0' + d)).collect()
    }

    #[test]
    fn known_private_company_ruc_passes() {
        let verdict = validate_ruc("1790011674001");
        assert!(verdict.valid);
        assert!(verdict.warnings.is_empty());
        assert_eq!(
            private_company_check_digit(&[1, 7, 9, 0, 0, 1, 1, 6, 7]),
            Some(4)
        );
    }

    #[test]
    fn table() {
        use IdentifierKind::*;
        // (input, valid, kind, error codes, warning codes)
        type Case = (
            &'static str,
            bool,
            Option<IdentifierKind>,
            &'static [&'static str],
            &'static [&'static str],
        );
        let cases: &[Case] = &[
            ("1790011674001", true, Some(PrivateCompany), &[], &[]),
            ("17-9001167-4001", true, Some(PrivateCompany), &[], &[]),
            (
                "1790011675001",
                true,
                Some(PrivateCompany),
                &[],
                &["ruc_check_digit_mismatch"],
            ),
            (
                "1790011674000",
                false,
                Some(PrivateCompany),
                &["ruc_bad_establishment"],
                &[],
            ),
            ("1710034065001", true, Some(NaturalPerson), &[], &[]),
            (
                "1710034066001",
                false,
                Some(NaturalPerson),
                &["ruc_check_digit_mismatch"],
                &[],
            ),
            (
                "1710034065000",
                false,
                Some(NaturalPerson),
                &["ruc_bad_establishment"],
                &[],
            ),
            ("1760013210001", true, Some(PublicEntity), &[], &[]),
            (
                "1760013220001",
                true,
                Some(PublicEntity),
                &[],
                &["ruc_check_digit_mismatch"],
            ),
            (
                "1760013210000",
                false,
                Some(PublicEntity),
                &["ruc_bad_establishment"],
                &[],
            ),
            ("1770011674001", false, None, &["ruc_bad_third_digit"], &[]),
            ("1780011674001", false, None, &["ruc_bad_third_digit"], &[]),
            (
                "9990011674001",
                false,
                Some(PrivateCompany),
                &["ruc_bad_province"],
                &["ruc_check_digit_mismatch"],
            ),
            ("179001167400", false, None, &["ruc_bad_length"], &[]),
            ("17900116740011", false, None, &["ruc_bad_length"], &[]),
            ("17900116740O1", false, None, &["ruc_not_digits"], &[]),
            ("  ", false, None, &["ruc_empty"], &[]),
        ];
        for (input, valid, kind, errors, warnings) in cases {
            let verdict = validate_ruc(input);
            assert_eq!(verdict.valid, *valid, "{input}: {verdict:?}");
            assert_eq!(verdict.kind, *kind, "{input}");
            assert_eq!(&codes(&verdict.errors), errors, "{input}");
            assert_eq!(&codes(&verdict.warnings), warnings, "{input}");
        }
    }

    #[test]
    fn impossible_check_digit_is_a_warning_for_companies() {
        // Find nine digits whose modulus-11 remainder leaves 10.
        let first_nine = [1, 7, 9, 0, 0, 0, 0, 0, 0];
        let mut candidate = first_nine;
        let found = (0..=9u8).find_map(|last| {
            candidate[8] = last;
            private_company_check_digit(&candidate)
                .is_none()
                .then_some(candidate)
        });
        let Some(nine) = found else {
            panic!("no impossible prefix in this family; pick another");
        };
        let text = format!("{}0001", to_text(&nine));
        let verdict = validate_ruc(&text);
        assert!(verdict.valid, "{verdict:?}");
        assert!(verdict.has_warning("ruc_check_digit_mismatch"));
    }

    #[test]
    fn modulus11_maps_eleven_to_zero() {
        // 1760001200001: the weighted sum is 66, a multiple of 11.
        assert_eq!(
            public_entity_check_digit(&[1, 7, 6, 0, 0, 0, 1, 2]),
            Some(0)
        );
        assert!(validate_ruc("1760001200001").valid);
    }

    fn natural_person_ruc() -> impl Strategy<Value = [u8; 13]> {
        (
            valid_cedula().prop_filter("third digit 0-5", |c| c[2] <= 5),
            1u16..=999,
        )
            .prop_map(|(cedula, establishment)| {
                let mut digits = [0u8; 13];
                digits[..10].copy_from_slice(&cedula);
                // establishment is at most 999, so each digit fits in a u8.
                digits[10] = (establishment / 100) as u8;
                digits[11] = (establishment / 10 % 10) as u8;
                digits[12] = (establishment % 10) as u8;
                digits
            })
    }

    fn company_ruc() -> impl Strategy<Value = [u8; 13]> {
        (
            prop_oneof![1u8..=24, Just(30u8), Just(50u8)],
            proptest::array::uniform6(0u8..=9),
            1u16..=999,
        )
            .prop_filter_map("check digit exists", |(province, middle, establishment)| {
                let mut first_nine = [province / 10, province % 10, 9, 0, 0, 0, 0, 0, 0];
                first_nine[3..].copy_from_slice(&middle);
                let check = private_company_check_digit(&first_nine)?;
                let mut digits = [0u8; 13];
                digits[..9].copy_from_slice(&first_nine);
                digits[9] = check;
                digits[10] = (establishment / 100) as u8;
                digits[11] = (establishment / 10 % 10) as u8;
                digits[12] = (establishment % 10) as u8;
                Some(digits)
            })
    }

    fn public_entity_ruc() -> impl Strategy<Value = [u8; 13]> {
        (
            prop_oneof![1u8..=24, Just(30u8), Just(50u8)],
            proptest::array::uniform5(0u8..=9),
            1u16..=9999,
        )
            .prop_filter_map("check digit exists", |(province, middle, establishment)| {
                let mut first_eight = [province / 10, province % 10, 6, 0, 0, 0, 0, 0];
                first_eight[3..].copy_from_slice(&middle);
                let check = public_entity_check_digit(&first_eight)?;
                let mut digits = [0u8; 13];
                digits[..8].copy_from_slice(&first_eight);
                digits[8] = check;
                digits[9] = (establishment / 1000) as u8;
                digits[10] = (establishment / 100 % 10) as u8;
                digits[11] = (establishment / 10 % 10) as u8;
                digits[12] = (establishment % 10) as u8;
                Some(digits)
            })
    }

    proptest! {
        #[test]
        fn generated_rucs_pass_cleanly(
            digits in prop_oneof![natural_person_ruc(), company_ruc(), public_entity_ruc()]
        ) {
            let verdict = validate_ruc(&to_text(&digits));
            prop_assert!(verdict.valid, "{:?}", verdict);
            prop_assert!(verdict.warnings.is_empty(), "{:?}", verdict);
        }

        /// Changing one of the first ten digits of a natural person's RUC is always
        /// rejected, except when the change moves the third digit to 6 or 9: that
        /// turns the number into an entity or company RUC, whose check digit is only
        /// advisory, so the guarantee there is that it is no longer read as the
        /// same person's RUC.
        #[test]
        fn single_digit_change_in_natural_person_ruc_is_caught(
            digits in natural_person_ruc(),
            position in 0usize..10,
            delta in 1u8..=9,
        ) {
            let mut changed = digits;
            changed[position] = (changed[position] + delta) % 10;
            let verdict = validate_ruc(&to_text(&changed));
            if position == 2 && changed[2] >= 6 {
                prop_assert_ne!(verdict.kind, Some(IdentifierKind::NaturalPerson));
            } else {
                prop_assert!(!verdict.valid, "{} -> {} passed", to_text(&digits), to_text(&changed));
            }
        }

        #[test]
        fn never_panics(input in "\\PC{0,20}") {
            let _ = validate_ruc(&input);
        }
    }

    #[test]
    fn a_ruc_missing_its_leading_zero_is_named_with_the_zero_restored() {
        // A natural person's RUC: a valid cédula of province 09 and 001.
        let cedula = (0..=9)
            .map(|d| format!("091234567{d}"))
            .find(|c| crate::validate_cedula(c).valid)
            .expect("some check digit makes 091234567? valid");
        let restored = format!("{cedula}001");
        assert!(validate_ruc(&restored).valid, "{restored}");
        let verdict = validate_ruc(&restored[1..]);
        let issue = &verdict.errors[0];
        assert_eq!(issue.code, "ruc_bad_length");
        assert!(issue.message_es.contains(&restored), "{}", issue.message_es);
        assert!(
            issue.message_en.contains("leading zero"),
            "{}",
            issue.message_en
        );
        // Twelve digits that no zero mends get the plain length message.
        let unmendable = "912345678002";
        assert!(!validate_ruc(&format!("0{unmendable}")).valid);
        assert!(!validate_ruc(unmendable).errors[0]
            .message_en
            .contains("leading zero"));
    }
}
