//! Mexican RFC (Registro Federal de Contribuyentes), the SAT's taxpayer key:
//! 13 characters for persons, 12 for companies.

use crate::calendar::{yymmdd_exists, Century};
use crate::inconvenient_words::is_inconvenient_for_rfc;
use crate::validation::{normalize_key, IdentifierKind, Issue, Validation};

/// The RFC the SAT assigns for operations with the general public.
pub const GENERIC_PUBLIC_RFC: &str = "XAXX010101000";
/// The RFC the SAT assigns for foreign residents without a Mexican RFC.
pub const GENERIC_FOREIGN_RFC: &str = "XEXX010101000";

/// The value of a character in the SAT check-digit table: digits 0–9, `A`–`N`
/// 10–23, `&` 24, `O`–`Z` 25–36, space 37, `Ñ` 38.
fn check_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(u32::from(c) - u32::from('0')),
        'A'..='N' => Some(u32::from(c) - u32::from('A') + 10),
        '&' => Some(24),
        'O'..='Z' => Some(u32::from(c) - u32::from('O') + 25),
        ' ' => Some(37),
        'Ñ' => Some(38),
        _ => None,
    }
}

/// The SAT check digit for the first 11 (company) or 12 (person) characters
/// of an RFC, or `None` for another length or a character outside the table.
///
/// A company's RFC is padded with a leading space to 12, each character is
/// weighted 13 down to 2, and the digit is `11 - sum % 11`, with 11 written
/// `0` and 10 written `A`.
pub fn rfc_check_digit(without_check: &str) -> Option<char> {
    let mut padded = [' '; 12];
    let count = without_check.chars().count();
    let offset = match count {
        11 => 1,
        12 => 0,
        _ => return None,
    };
    for (slot, c) in padded[offset..].iter_mut().zip(without_check.chars()) {
        *slot = c;
    }
    let mut sum = 0u32;
    for (i, c) in (0u32..).zip(padded) {
        sum += check_value(c)? * (13 - i);
    }
    Some(match 11 - sum % 11 {
        11 => '0',
        10 => 'A',
        digit => char::from_digit(digit, 10)?,
    })
}

/// Validates a Mexican RFC (see the crate docs for the result shape).
///
/// A check digit that does not match is only a warning: a small share of RFCs
/// the SAT has really issued fail the published algorithm.
///
/// ```
/// let verdict = anam::validate_rfc("gode561231gr8");
/// assert!(verdict.valid);
/// assert_eq!(verdict.normalized, "GODE561231GR8");
/// assert_eq!(verdict.kind, Some(anam::IdentifierKind::Person));
/// ```
pub fn validate_rfc(input: &str) -> Validation {
    let normalized = normalize_key(input);
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    if normalized.is_empty() {
        errors.push(Issue::new(
            "rfc_empty",
            "No se indicó ningún RFC.",
            "No RFC was given.",
        ));
        return Validation::from_parts(normalized, None, errors, warnings);
    }
    match normalized.as_str() {
        GENERIC_PUBLIC_RFC => {
            return Validation::from_parts(
                normalized,
                Some(IdentifierKind::GenericPublic),
                errors,
                warnings,
            )
        }
        GENERIC_FOREIGN_RFC => {
            return Validation::from_parts(
                normalized,
                Some(IdentifierKind::GenericForeign),
                errors,
                warnings,
            )
        }
        _ => {}
    }
    let chars: Vec<char> = normalized.chars().collect();
    let kind = match chars.len() {
        13 => IdentifierKind::Person,
        12 => IdentifierKind::Company,
        other if without_homoclave(&chars) => {
            errors.push(Issue::new(
                "rfc_no_homoclave",
                format!("Al RFC le falta la homoclave: los tres caracteres que el SAT asigna al final (tiene {other}; completo tiene 13 para una persona física o 12 para una persona moral). Cópielo de la constancia de situación fiscal."),
                format!("The RFC lacks its homoclave: the three characters the SAT assigns at the end (it has {other}; a complete one has 13 for a person or 12 for a company). Copy it from the tax status certificate (constancia de situación fiscal)."),
            ));
            return Validation::from_parts(normalized, None, errors, warnings);
        }
        other => {
            errors.push(Issue::new(
                "rfc_bad_length",
                format!("El RFC tiene 13 caracteres (persona física) o 12 (persona moral); este tiene {other}."),
                format!("An RFC has 13 characters (person) or 12 (company); this one has {other}."),
            ));
            return Validation::from_parts(normalized, None, errors, warnings);
        }
    };
    let letter_count = chars.len() - 9;
    let (letters, rest) = chars.split_at(letter_count);
    let (date, homoclave) = rest.split_at(6);

    let letter_ok = |c: &char| {
        c.is_ascii_uppercase() || *c == 'Ñ' || (kind == IdentifierKind::Company && *c == '&')
    };
    if !letters.iter().all(letter_ok) {
        errors.push(match kind {
            IdentifierKind::Person => Issue::new(
                "rfc_bad_letters",
                "Los cuatro primeros caracteres del RFC de una persona son letras (A–Z o Ñ).",
                "The first four characters of a person's RFC are letters (A–Z or Ñ).",
            ),
            _ => Issue::new(
                "rfc_bad_letters",
                "Los tres primeros caracteres del RFC de una empresa son letras (A–Z, Ñ o &).",
                "The first three characters of a company's RFC are letters (A–Z, Ñ or &).",
            ),
        });
    }
    match yymmdd_exists(date, Century::Either) {
        Some(true) => {}
        Some(false) => errors.push(Issue::new(
            "rfc_bad_date",
            format!(
                "La fecha {} (AAMMDD) no existe.",
                date.iter().collect::<String>()
            ),
            format!(
                "The date {} (YYMMDD) does not exist.",
                date.iter().collect::<String>()
            ),
        )),
        None => errors.push(Issue::new(
            "rfc_bad_date",
            "Después de las letras vienen seis dígitos con la fecha (AAMMDD).",
            "The letters are followed by six digits with the date (YYMMDD).",
        )),
    }
    // SAT's structure: the two characters it assigns are 1-9 or a letter
    // (the first only A to V), then the check digit, 0-9 or A.
    let homoclave_ok = matches!(homoclave[0], '1'..='9' | 'A'..='V')
        && matches!(homoclave[1], '1'..='9' | 'A'..='Z')
        && matches!(homoclave[2], '0'..='9' | 'A');
    if !homoclave_ok {
        errors.push(Issue::new(
            "rfc_bad_homoclave",
            format!(
                "La homoclave «{}» (tres últimos caracteres) no tiene la forma que asigna el SAT: un dígito del 1 al 9 o una letra de la A a la V, luego un dígito del 1 al 9 o una letra, y al final el dígito verificador (0 a 9 o A).",
                homoclave.iter().collect::<String>()
            ),
            format!(
                "The homoclave \"{}\" (last three characters) does not have the form the SAT assigns: a digit 1 to 9 or a letter A to V, then a digit 1 to 9 or a letter, and last the check digit (0 to 9 or A).",
                homoclave.iter().collect::<String>()
            ),
        ));
    }
    if kind == IdentifierKind::Person {
        let word: String = letters.iter().collect();
        if is_inconvenient_for_rfc(&word) {
            errors.push(Issue::new(
                "rfc_inconvenient_word",
                format!("Ningún RFC empieza con «{word}»: el SAT cambia la última letra por X en esos casos. Revise la captura."),
                format!("No RFC starts with \"{word}\": the SAT replaces the last letter with X in that case. Check the typing."),
            ));
        }
    }
    if errors.is_empty() {
        let body: String = chars[..chars.len() - 1].iter().collect();
        let found = chars[chars.len() - 1];
        if let Some(expected) = rfc_check_digit(&body) {
            if expected != found {
                warnings.push(Issue::new(
                    "rfc_check_digit_mismatch",
                    format!("El dígito verificador calculado es {expected}, no {found}. Algunos RFC reales no siguen el cálculo publicado; confírmelo con la constancia de situación fiscal."),
                    format!("The computed check digit is {expected}, not {found}. Some real RFCs do not follow the published algorithm; confirm it against the tax status certificate."),
                ));
            }
        }
    }
    Validation::from_parts(normalized, Some(kind), errors, warnings)
}

/// Letters then six digits and nothing after: an RFC whose homoclave was
/// left off (10 characters for a person, 9 for a company).
fn without_homoclave(chars: &[char]) -> bool {
    let letters = match chars.len() {
        10 => 4,
        9 => 3,
        _ => return false,
    };
    chars[..letters]
        .iter()
        .all(|c| c.is_ascii_uppercase() || *c == 'Ñ' || *c == '&')
        && chars[letters..].iter().all(char::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn check_digit_matches_known_rfcs() {
        assert_eq!(rfc_check_digit("GODE561231GR"), Some('8'));
        assert_eq!(rfc_check_digit("SAT970701NN"), Some('3'));
        assert_eq!(rfc_check_digit("CACX7605101P"), Some('8'));
        assert_eq!(rfc_check_digit("SAT970701N"), None);
        assert_eq!(rfc_check_digit("SAT97070#NN"), None);
    }

    #[test]
    fn table() {
        use IdentifierKind::*;
        type Case = (
            &'static str,
            bool,
            &'static str,
            Option<IdentifierKind>,
            &'static [&'static str],
            &'static [&'static str],
        );
        let cases: &[Case] = &[
            (
                "GODE561231GR8",
                true,
                "GODE561231GR8",
                Some(Person),
                &[],
                &[],
            ),
            (
                "gode-561231-gr8",
                true,
                "GODE561231GR8",
                Some(Person),
                &[],
                &[],
            ),
            (
                "SAT970701NN3",
                true,
                "SAT970701NN3",
                Some(Company),
                &[],
                &[],
            ),
            (
                "CACX7605101P8",
                true,
                "CACX7605101P8",
                Some(Person),
                &[],
                &[],
            ),
            (
                "GODE561231GR9",
                true,
                "GODE561231GR9",
                Some(Person),
                &[],
                &["rfc_check_digit_mismatch"],
            ),
            (
                "XAXX010101000",
                true,
                "XAXX010101000",
                Some(GenericPublic),
                &[],
                &[],
            ),
            (
                "xexx-010101-000",
                true,
                "XEXX010101000",
                Some(GenericForeign),
                &[],
                &[],
            ),
            ("", false, "", None, &["rfc_empty"], &[]),
            (
                "GODE561231G",
                false,
                "GODE561231G",
                None,
                &["rfc_bad_length"],
                &[],
            ),
            (
                "G0DE561231GR8",
                false,
                "G0DE561231GR8",
                Some(Person),
                &["rfc_bad_letters"],
                &[],
            ),
            (
                "GODE990229GR8",
                false,
                "GODE990229GR8",
                Some(Person),
                &["rfc_bad_date"],
                &[],
            ),
            (
                "GODE000229GR8",
                true,
                "GODE000229GR8",
                Some(Person),
                &[],
                &["rfc_check_digit_mismatch"],
            ),
            (
                "GODE561331GR8",
                false,
                "GODE561331GR8",
                Some(Person),
                &["rfc_bad_date"],
                &[],
            ),
            (
                "GODE5612A1GR8",
                false,
                "GODE5612A1GR8",
                Some(Person),
                &["rfc_bad_date"],
                &[],
            ),
            (
                "GODE561231G#8",
                false,
                "GODE561231G#8",
                Some(Person),
                &["rfc_bad_homoclave"],
                &[],
            ),
            (
                "GODE561231GRB",
                false,
                "GODE561231GRB",
                Some(Person),
                &["rfc_bad_homoclave"],
                &[],
            ),
            (
                "GODE561231XU4",
                false,
                "GODE561231XU4",
                Some(Person),
                &["rfc_bad_homoclave"],
                &[],
            ),
            (
                "GODE5612310CA",
                false,
                "GODE5612310CA",
                Some(Person),
                &["rfc_bad_homoclave"],
                &[],
            ),
            (
                "GODE561231",
                false,
                "GODE561231",
                None,
                &["rfc_no_homoclave"],
                &[],
            ),
            (
                "ABC970701",
                false,
                "ABC970701",
                None,
                &["rfc_no_homoclave"],
                &[],
            ),
            (
                "CACA7605101P8",
                false,
                "CACA7605101P8",
                Some(Person),
                &["rfc_inconvenient_word"],
                &[],
            ),
            (
                "PUTO7605101P8",
                false,
                "PUTO7605101P8",
                Some(Person),
                &["rfc_inconvenient_word"],
                &[],
            ),
            (
                "A&B970701NN3",
                true,
                "A&B970701NN3",
                Some(Company),
                &[],
                &[],
            ),
            (
                "AÑB970701NN3",
                true,
                "AÑB970701NN3",
                Some(Company),
                &[],
                &[],
            ),
            (
                "A&BC970701NN3",
                false,
                "A&BC970701NN3",
                Some(Person),
                &["rfc_bad_letters"],
                &[],
            ),
        ];
        for (input, valid, normalized, kind, errors, warnings) in cases {
            let verdict = validate_rfc(input);
            let got_errors: Vec<&str> = verdict.errors.iter().map(|i| i.code).collect();
            let got_warnings: Vec<&str> = verdict.warnings.iter().map(|i| i.code).collect();
            assert_eq!(verdict.valid, *valid, "{input}: {verdict:?}");
            assert_eq!(verdict.normalized, *normalized, "{input}");
            assert_eq!(verdict.kind, *kind, "{input}");
            assert_eq!(&got_errors, errors, "{input}");
            assert_eq!(&got_warnings, warnings, "{input}");
        }
    }

    /// Valid RFC bodies (everything but the check digit) with an existing date.
    fn rfc_body(letter_count: usize) -> impl Strategy<Value = String> {
        let letters = proptest::collection::vec(
            prop_oneof![8 => proptest::char::range('A', 'Z'), 1 => Just('Ñ'), 1 => Just('&')],
            letter_count,
        );
        (letters, 0u32..100, 1u32..=12, 1u32..=28, "[1-9A-V][1-9A-Z]")
            .prop_map(|(letters, yy, mm, dd, homoclave)| {
                let letters: String = letters.into_iter().collect();
                format!("{letters}{yy:02}{mm:02}{dd:02}{homoclave}")
            })
            .prop_filter("persons use no &", move |body| {
                letter_count == 3 || !body.contains('&')
            })
            .prop_filter("no inconvenient word", |body| {
                body.chars().count() != 12
                    || !is_inconvenient_for_rfc(&body.chars().take(4).collect::<String>())
            })
    }

    proptest! {
        #[test]
        fn generated_rfcs_pass_without_warnings(body in prop_oneof![rfc_body(4), rfc_body(3)]) {
            let check = rfc_check_digit(&body).unwrap();
            let rfc = format!("{body}{check}");
            let verdict = validate_rfc(&rfc);
            prop_assert!(verdict.valid, "{:?}", verdict);
            prop_assert!(verdict.warnings.is_empty(), "{:?}", verdict);
        }

        #[test]
        fn never_panics(input in "\\PC{0,20}") {
            let _ = validate_rfc(&input);
        }
    }
}
