//! Email address syntax: a pragmatic subset of RFC 5322 (the dot-atom form
//! that real mailboxes use), without quoted local parts, comments or IP
//! literals, which portals do not accept either.

use crate::validation::{IdentifierKind, Issue, Validation};

/// Longest address a mail server must accept (RFC 5321 path limit minus the brackets).
const MAX_ADDRESS_LENGTH: usize = 254;
const MAX_LOCAL_LENGTH: usize = 64;
const MAX_LABEL_LENGTH: usize = 63;

/// Characters allowed in a dot-atom besides letters and digits (RFC 5322 `atext`).
fn is_atext(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~-".contains(&byte)
}

/// Validates an email address (see the crate docs for the result shape).
///
/// The normalised form is trimmed, with the domain in lowercase (domains are
/// case-insensitive; the local part is left as typed because in principle it
/// is not).
///
/// ```
/// let verdict = anam::validate_email(" Ana.Perez@Empresa.COM.mx ");
/// assert!(verdict.valid);
/// assert_eq!(verdict.normalized, "Ana.Perez@empresa.com.mx");
/// ```
pub fn validate_email(input: &str) -> Validation {
    let trimmed = input.trim();
    let mut errors = Vec::new();
    if trimmed.is_empty() {
        errors.push(Issue::new(
            "email_empty",
            "No se indicó ningún correo electrónico.",
            "No email address was given.",
        ));
        return Validation::from_parts(String::new(), None, errors, Vec::new());
    }
    let Some((local, domain)) = trimmed.rsplit_once('@') else {
        errors.push(Issue::new(
            "email_missing_at",
            "Falta la arroba (@) entre el nombre y el dominio.",
            "The @ between the name and the domain is missing.",
        ));
        return Validation::from_parts(trimmed.to_owned(), None, errors, Vec::new());
    };
    let normalized = format!("{local}@{}", domain.to_ascii_lowercase());

    if trimmed.chars().any(char::is_whitespace) {
        errors.push(Issue::new(
            "email_whitespace",
            "La dirección no puede llevar espacios.",
            "The address cannot contain spaces.",
        ));
    }
    if !trimmed.is_ascii() {
        errors.push(Issue::new(
            "email_non_ascii",
            "Use solo caracteres sin acentos ni ñ; un dominio internacional se escribe en su forma xn--.",
            "Use only characters without accents; an international domain is written in its xn-- form.",
        ));
    }
    if trimmed.len() > MAX_ADDRESS_LENGTH {
        errors.push(Issue::new(
            "email_too_long",
            format!("La dirección admite hasta {MAX_ADDRESS_LENGTH} caracteres."),
            format!("An address holds at most {MAX_ADDRESS_LENGTH} characters."),
        ));
    }
    if let Some(problem) = local_part_problem(local) {
        errors.push(problem);
    }
    if let Some(problem) = domain_problem(domain) {
        errors.push(problem);
    }
    let kind = errors.is_empty().then_some(IdentifierKind::Email);
    Validation::from_parts(normalized, kind, errors, Vec::new())
}

fn local_part_problem(local: &str) -> Option<Issue> {
    let bad = |es: &str, en: &str| {
        Some(Issue::new(
            "email_bad_local_part",
            es.to_owned(),
            en.to_owned(),
        ))
    };
    if local.is_empty() {
        return bad(
            "Falta el nombre antes de la arroba.",
            "The name before the @ is missing.",
        );
    }
    if local.len() > MAX_LOCAL_LENGTH {
        return bad(
            "La parte antes de la arroba admite hasta 64 caracteres.",
            "The part before the @ holds at most 64 characters.",
        );
    }
    if local.contains('@') {
        return bad(
            "La dirección lleva más de una arroba.",
            "The address has more than one @.",
        );
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return bad(
            "Antes de la arroba no puede haber un punto al inicio, al final ni dos seguidos.",
            "Before the @ a dot cannot come first, last or twice in a row.",
        );
    }
    if !local.bytes().all(|b| b == b'.' || is_atext(b)) {
        return bad(
            "Antes de la arroba solo caben letras, dígitos y los signos . ! # $ % & ' * + / = ? ^ _ ` { | } ~ -",
            "Before the @ only letters, digits and the signs . ! # $ % & ' * + / = ? ^ _ ` { | } ~ - are allowed.",
        );
    }
    None
}

fn domain_problem(domain: &str) -> Option<Issue> {
    let bad =
        |es: &str, en: &str| Some(Issue::new("email_bad_domain", es.to_owned(), en.to_owned()));
    if domain.is_empty() {
        return bad(
            "Falta el dominio después de la arroba.",
            "The domain after the @ is missing.",
        );
    }
    if !domain.contains('.') {
        return bad(
            "El dominio necesita al menos un punto (por ejemplo empresa.com.mx).",
            "The domain needs at least one dot (for example company.com).",
        );
    }
    for label in domain.split('.') {
        if label.is_empty() || label.len() > MAX_LABEL_LENGTH {
            return bad(
                "Cada parte del dominio entre puntos tiene de 1 a 63 caracteres.",
                "Each part of the domain between dots has 1 to 63 characters.",
            );
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            || label.starts_with('-')
            || label.ends_with('-')
        {
            return bad(
                "El dominio solo lleva letras, dígitos y guiones, sin guion al inicio ni al final de cada parte.",
                "The domain holds letters, digits and hyphens only, with no hyphen at the start or end of a part.",
            );
        }
    }
    let top_level = domain.rsplit('.').next().unwrap_or_default();
    if top_level.len() < 2 || top_level.bytes().all(|b| b.is_ascii_digit()) {
        return bad(
            "La terminación del dominio (.mx, .com, ...) tiene al menos dos caracteres y no es solo números.",
            "The domain ending (.mx, .com, ...) has at least two characters and is not all digits.",
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        let cases: &[(&str, bool, &[&str])] = &[
            ("ana@empresa.com.mx", true, &[]),
            ("ana.perez+aduana@sub.empresa.mx", true, &[]),
            ("o'brien@x-y.io", true, &[]),
            ("a@b.co", true, &[]),
            ("", false, &["email_empty"]),
            ("ana.empresa.mx", false, &["email_missing_at"]),
            ("@empresa.mx", false, &["email_bad_local_part"]),
            ("ana@", false, &["email_bad_domain"]),
            ("ana@empresa", false, &["email_bad_domain"]),
            ("a@b@empresa.mx", false, &["email_bad_local_part"]),
            (".ana@empresa.mx", false, &["email_bad_local_part"]),
            ("ana..p@empresa.mx", false, &["email_bad_local_part"]),
            ("an(a)@empresa.mx", false, &["email_bad_local_part"]),
            ("ana@-empresa.mx", false, &["email_bad_domain"]),
            ("ana@empresa..mx", false, &["email_bad_domain"]),
            ("ana@empresa.m", false, &["email_bad_domain"]),
            ("ana@10.0.0.1", false, &["email_bad_domain"]),
            ("ana@empre_sa.mx", false, &["email_bad_domain"]),
            (
                "ana maria@empresa.mx",
                false,
                &["email_whitespace", "email_bad_local_part"],
            ),
            (
                "peña@empresa.mx",
                false,
                &["email_non_ascii", "email_bad_local_part"],
            ),
        ];
        for (input, valid, codes) in cases {
            let verdict = validate_email(input);
            let got: Vec<&str> = verdict.errors.iter().map(|i| i.code).collect();
            assert_eq!(verdict.valid, *valid, "{input}: {verdict:?}");
            assert_eq!(&got, codes, "{input}");
        }
    }

    #[test]
    fn length_limits() {
        let long_local = format!("{}@empresa.mx", "a".repeat(65));
        assert!(validate_email(&long_local).has_error("email_bad_local_part"));
        let long_label = format!("ana@{}.mx", "a".repeat(64));
        assert!(validate_email(&long_label).has_error("email_bad_domain"));
        let long_address = format!("ana@{}.mx", vec!["a".repeat(60); 5].join("."));
        assert!(validate_email(&long_address).has_error("email_too_long"));
    }

    #[test]
    fn domain_is_lowercased_local_part_kept() {
        assert_eq!(
            validate_email(" Ana@EMPRESA.MX ").normalized,
            "Ana@empresa.mx"
        );
    }

    proptest! {
        #[test]
        fn well_formed_addresses_pass(
            local in "[a-z0-9_+-]{1,20}(\\.[a-z0-9_+-]{1,10}){0,2}",
            labels in proptest::collection::vec("[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", 1..3),
            tld in "[a-z]{2,6}",
        ) {
            let address = format!("{local}@{}.{tld}", labels.join("."));
            let verdict = validate_email(&address);
            prop_assert!(verdict.valid, "{}: {:?}", address, verdict);
        }

        #[test]
        fn never_panics(input in "\\PC{0,40}") {
            let _ = validate_email(&input);
        }
    }
}
