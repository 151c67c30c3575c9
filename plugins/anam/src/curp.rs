//! Mexican CURP (Clave Única de Registro de Población), RENAPO's 18-character
//! personal key.

use crate::calendar::{yymmdd_exists, Century};
use crate::inconvenient_words::is_inconvenient_for_curp;
use crate::validation::{normalize_key, IdentifierKind, Issue, Validation};

/// Birth-state codes: the 32 federal entities, plus `NE` (nacido en el
/// extranjero) for people born abroad. Sorted, for binary search.
pub const CURP_STATE_CODES: [&str; 33] = [
    "AS", "BC", "BS", "CC", "CH", "CL", "CM", "CS", "DF", "DG", "GR", "GT", "HG", "JC", "MC", "MN",
    "MS", "NE", "NL", "NT", "OC", "PL", "QR", "QT", "SL", "SP", "SR", "TC", "TL", "TS", "VZ", "YN",
    "ZS",
];

/// The value of a character in RENAPO's check table: `0`–`9` are 0–9, `A`–`N`
/// 10–23, `Ñ` 24, `O`–`Z` 25–36.
fn check_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(u32::from(c) - u32::from('0')),
        'A'..='N' => Some(u32::from(c) - u32::from('A') + 10),
        'Ñ' => Some(24),
        'O'..='Z' => Some(u32::from(c) - u32::from('O') + 25),
        _ => None,
    }
}

/// The check digit (18th character) for the first 17 characters of a CURP, or
/// `None` for another length or a character outside the table.
///
/// Each character's value is weighted 18 down to 2; the digit tops the sum up
/// to a multiple of ten.
pub fn curp_check_digit(first_seventeen: &str) -> Option<char> {
    let mut sum = 0u32;
    let mut count = 0u32;
    for c in first_seventeen.chars() {
        if count == 17 {
            return None;
        }
        sum += check_value(c)? * (18 - count);
        count += 1;
    }
    if count != 17 {
        return None;
    }
    char::from_digit((10 - sum % 10) % 10, 10)
}

fn is_consonant(c: char) -> bool {
    c.is_ascii_uppercase() && !matches!(c, 'A' | 'E' | 'I' | 'O' | 'U')
}

/// Validates a CURP (see the crate docs for the result shape).
///
/// The 17th character tells the century of the birth date (a digit before
/// 2000, a letter from 2000 on), so the date is checked in that century. A
/// wrong check digit is an error: RENAPO computes it for every CURP.
///
/// ```
/// let verdict = anam::validate_curp("AAOD850103HGRBCN02");
/// assert!(verdict.valid);
/// ```
pub fn validate_curp(input: &str) -> Validation {
    let normalized = normalize_key(input);
    let mut errors = Vec::new();
    if normalized.is_empty() {
        errors.push(Issue::new(
            "curp_empty",
            "No se indicó ninguna CURP.",
            "No CURP was given.",
        ));
        return Validation::from_parts(normalized, None, errors, Vec::new());
    }
    let chars: Vec<char> = normalized.chars().collect();
    if chars.len() != 18 {
        errors.push(Issue::new(
            "curp_bad_length",
            format!("La CURP tiene 18 caracteres; esta tiene {}.", chars.len()),
            format!("A CURP has 18 characters; this one has {}.", chars.len()),
        ));
        return Validation::from_parts(normalized, None, errors, Vec::new());
    }

    let letters = &chars[..4];
    let letters_ok = letters.iter().all(char::is_ascii_uppercase)
        && matches!(letters[1], 'A' | 'E' | 'I' | 'O' | 'U' | 'X');
    if !letters_ok {
        errors.push(Issue::new(
            "curp_bad_letters",
            "Los cuatro primeros caracteres son letras (A–Z) y el segundo es una vocal o X.",
            "The first four characters are letters (A–Z) and the second is a vowel or X.",
        ));
    }
    let differentiator = chars[16];
    let century = if differentiator.is_ascii_digit() {
        Century::Nineteenth
    } else if differentiator.is_ascii_uppercase() {
        Century::Twentieth
    } else {
        errors.push(Issue::new(
            "curp_bad_differentiator",
            "El carácter 17 es un dígito (nacidos antes de 2000) o una letra (desde 2000).",
            "Character 17 is a digit (born before 2000) or a letter (born 2000 or later).",
        ));
        Century::Either
    };
    let date: String = chars[4..10].iter().collect();
    match yymmdd_exists(&chars[4..10], century) {
        Some(true) => {}
        Some(false) => {
            let (es_century, en_century) = match century {
                Century::Nineteenth => (
                    " en el siglo XX (el carácter 17 es un dígito)",
                    " in the 1900s (character 17 is a digit)",
                ),
                Century::Twentieth => (
                    " a partir del 2000 (el carácter 17 es una letra)",
                    " from 2000 on (character 17 is a letter)",
                ),
                Century::Either => ("", ""),
            };
            errors.push(Issue::new(
                "curp_bad_date",
                format!("La fecha de nacimiento {date} (AAMMDD) no existe{es_century}."),
                format!("The birth date {date} (YYMMDD) does not exist{en_century}."),
            ));
        }
        None => errors.push(Issue::new(
            "curp_bad_date",
            "Los caracteres 5 a 10 son la fecha de nacimiento en dígitos (AAMMDD).",
            "Characters 5 to 10 are the birth date in digits (YYMMDD).",
        )),
    }
    if !matches!(chars[10], 'H' | 'M' | 'X') {
        errors.push(Issue::new(
            "curp_bad_sex",
            format!(
                "El carácter 11 indica el sexo: H, M o X; aquí hay «{}».",
                chars[10]
            ),
            format!(
                "Character 11 gives the sex: H, M or X; here it is \"{}\".",
                chars[10]
            ),
        ));
    }
    let state: String = chars[11..13].iter().collect();
    if CURP_STATE_CODES.binary_search(&state.as_str()).is_err() {
        errors.push(Issue::new(
            "curp_bad_state",
            format!("«{state}» no es una clave de entidad de nacimiento (por ejemplo DF, JC, NL; NE para nacidos en el extranjero)."),
            format!("\"{state}\" is not a birth-state code (for example DF, JC, NL; NE for people born abroad)."),
        ));
    }
    if !chars[13..16].iter().all(|&c| is_consonant(c)) {
        errors.push(Issue::new(
            "curp_bad_consonants",
            "Los caracteres 14 a 16 son consonantes internas de los apellidos y el nombre.",
            "Characters 14 to 16 are inner consonants of the surnames and the given name.",
        ));
    }
    let word: String = letters.iter().collect();
    if is_inconvenient_for_curp(&word) {
        errors.push(Issue::new(
            "curp_inconvenient_word",
            format!("Ninguna CURP empieza con «{word}»: RENAPO cambia la segunda letra por X en esos casos. Revise la captura."),
            format!("No CURP starts with \"{word}\": RENAPO replaces the second letter with X in that case. Check the typing."),
        ));
    }
    let body: String = chars[..17].iter().collect();
    let found = chars[17];
    match curp_check_digit(&body) {
        Some(expected) if expected == found => {}
        Some(expected) => errors.push(Issue::new(
            "curp_check_digit_mismatch",
            format!("El dígito verificador debería ser {expected}, no {found}. Revise que no haya un carácter mal escrito."),
            format!("The check digit should be {expected}, not {found}. Look for a mistyped character."),
        )),
        // A character outside the table was already reported by the positional rules.
        None => {}
    }
    Validation::from_parts(normalized, Some(IdentifierKind::Person), errors, Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_curps_pass() {
        for curp in [
            "AAMR780430MGRBRN00",
            "AAOD850103HGRBCN02",
            "AUHC350422HPLBRL08",
            "AARJ990531HMSCMN09",
        ] {
            let verdict = validate_curp(curp);
            assert!(verdict.valid, "{curp}: {verdict:?}");
            assert_eq!(verdict.kind, Some(IdentifierKind::Person));
        }
    }

    fn with_check(body: &str) -> String {
        format!("{body}{}", curp_check_digit(body).unwrap())
    }

    #[test]
    fn table() {
        let cases: Vec<(String, bool, &[&str])> = vec![
            ("aaod-850103-hgrbcn02".into(), true, &[]),
            (
                "AAOD850103HGRBCN03".into(),
                false,
                &["curp_check_digit_mismatch"],
            ),
            ("".into(), false, &["curp_empty"]),
            ("AAOD850103HGRBCN0".into(), false, &["curp_bad_length"]),
            (
                with_check("A1OD850103HGRBCN0"),
                false,
                &["curp_bad_letters"],
            ),
            (
                with_check("ABOD850103HGRBCN0"),
                false,
                &["curp_bad_letters"],
            ),
            (with_check("AAOD990229HGRBCN0"), false, &["curp_bad_date"]),
            // 29 February 2000 exists, 1900 does not: the differentiator decides.
            (with_check("AAOD000229HGRBCNA"), true, &[]),
            (with_check("AAOD000229HGRBCN0"), false, &["curp_bad_date"]),
            (with_check("AAOD851303HGRBCN0"), false, &["curp_bad_date"]),
            (with_check("AAOD850103XGRBCN0"), true, &[]),
            (with_check("AAOD850103FGRBCN0"), false, &["curp_bad_sex"]),
            (with_check("AAOD850103HNEBCN0"), true, &[]),
            (with_check("AAOD850103HXXBCN0"), false, &["curp_bad_state"]),
            (
                with_check("AAOD850103HGRBAN0"),
                false,
                &["curp_bad_consonants"],
            ),
            (
                "AAOD850103HGRBCN#2".into(),
                false,
                &["curp_bad_differentiator"],
            ),
            (
                with_check("BACA850103HGRBCN0"),
                false,
                &["curp_inconvenient_word"],
            ),
            (with_check("BXCA850103HGRBCN0"), true, &[]),
        ];
        for (input, valid, codes) in &cases {
            let verdict = validate_curp(input);
            let got: Vec<&str> = verdict.errors.iter().map(|i| i.code).collect();
            assert_eq!(verdict.valid, *valid, "{input}: {verdict:?}");
            assert_eq!(&got, codes, "{input}");
            assert!(verdict.warnings.is_empty());
        }
    }

    #[test]
    fn state_codes_are_sorted() {
        assert!(CURP_STATE_CODES.windows(2).all(|w| w[0] < w[1]));
    }

    fn valid_curp() -> impl Strategy<Value = String> {
        let letter = proptest::char::range('A', 'Z');
        let vowel = prop_oneof![
            Just('A'),
            Just('E'),
            Just('I'),
            Just('O'),
            Just('U'),
            Just('X')
        ];
        let consonant =
            proptest::char::range('A', 'Z').prop_filter("consonant", |&c| is_consonant(c));
        (
            (letter.clone(), vowel, letter.clone(), letter.clone()),
            (0u32..100, 1u32..=12, 1u32..=28),
            prop_oneof![Just('H'), Just('M'), Just('X')],
            proptest::sample::select(CURP_STATE_CODES.to_vec()),
            proptest::collection::vec(consonant, 3),
            prop_oneof![proptest::char::range('0', '9'), letter],
        )
            .prop_map(
                |((a, b, c, d), (yy, mm, dd), sex, state, consonants, differentiator)| {
                    let consonants: String = consonants.into_iter().collect();
                    let body = format!(
                        "{a}{b}{c}{d}{yy:02}{mm:02}{dd:02}{sex}{state}{consonants}{differentiator}"
                    );
                    with_check(&body)
                },
            )
            .prop_filter("no inconvenient word", |curp| {
                !is_inconvenient_for_curp(&curp[..4])
            })
    }

    proptest! {
        #[test]
        fn generated_curps_pass(curp in valid_curp()) {
            let verdict = validate_curp(&curp);
            prop_assert!(verdict.valid, "{:?}", verdict);
        }

        #[test]
        fn altered_check_digit_is_rejected(curp in valid_curp(), delta in 1u32..=9) {
            let mut chars: Vec<char> = curp.chars().collect();
            let digit = chars[17].to_digit(10).unwrap();
            chars[17] = char::from_digit((digit + delta) % 10, 10).unwrap();
            let altered: String = chars.into_iter().collect();
            let verdict = validate_curp(&altered);
            prop_assert!(!verdict.valid);
            prop_assert!(verdict.has_error("curp_check_digit_mismatch"));
        }

        #[test]
        fn never_panics(input in "\\PC{0,24}") {
            let _ = validate_curp(&input);
        }
    }
}
