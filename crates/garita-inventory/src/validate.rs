//! Checks of single inventory fields. Identifiers go through the connectors'
//! own validators (RUC and cédula: `ecuapass`; RFC, CURP and email: `anam`),
//! so the inventory accepts exactly what the connectors accept. Each check
//! returns the value to store (normalised) or a message saying what is wrong
//! and what is expected.

use chrono::NaiveDate;

/// Longest free-text value (names, roles, attributes).
const MAX_TEXT: usize = 300;
/// Longest identifier (user ID, username, employee id).
const MAX_IDENTIFIER: usize = 64;

/// Free text: no control characters, not too long. Returns it trimmed.
pub fn text(value: &str, max: Option<usize>) -> Result<String, String> {
    let max = max.unwrap_or(MAX_TEXT);
    let value = value.trim();
    if value.chars().any(char::is_control) {
        return Err("must not contain control characters (tabs, line breaks)".into());
    }
    if value.chars().count() > max {
        return Err(format!("is longer than {max} characters"));
    }
    Ok(value.to_owned())
}

/// An email address, checked by `anam::validate_email`; returned normalised.
pub fn email(value: &str) -> Result<String, String> {
    let verdict = anam::validate_email(value);
    match verdict.errors.first() {
        None => Ok(verdict.normalized),
        Some(issue) => Err(format!(
            "`{}` is not an email address: {}",
            value.trim(),
            issue.message_en
        )),
    }
}

/// A date written `YYYY-MM-DD` that exists and is not after `today`.
pub fn date(value: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let date = calendar_date(value)?;
    if date > today {
        return Err(format!("{date} is after today ({today})"));
    }
    Ok(date)
}

/// A real date written `YYYY-MM-DD`, past or future (a certificate's
/// expiry date is usually ahead).
pub fn calendar_date(value: &str) -> Result<NaiveDate, String> {
    let value = value.trim();
    let shaped = value.len() == 10
        && value.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    let parsed = shaped
        .then(|| NaiveDate::parse_from_str(value, "%Y-%m-%d").ok())
        .flatten();
    let Some(date) = parsed else {
        return Err(format!(
            "`{value}` is not a date written YYYY-MM-DD (for example 2026-03-05)"
        ));
    };
    Ok(date)
}

/// The account identifier on `portal`: the sign-in email for CTPAT, else a
/// user ID or username without spaces.
pub fn identifier(portal: &str, value: &str) -> Result<String, String> {
    if portal == "ctpat" {
        return email(value).map_err(|e| format!("a CTPAT account is its sign-in email: {e}"));
    }
    let value = value.trim();
    if value.is_empty() {
        return Err("is empty".into());
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "`{value}` must not contain spaces or control characters"
        ));
    }
    if value.chars().count() > MAX_IDENTIFIER {
        return Err(format!("is longer than {MAX_IDENTIFIER} characters"));
    }
    Ok(value.to_owned())
}

/// A short code (employee id): no spaces at the ends, no control characters.
pub fn code(value: &str) -> Result<String, String> {
    text(value, Some(MAX_IDENTIFIER))
}

/// An Ecuadorian RUC, checked by `ecuapass::validate_ruc`.
pub fn ruc(value: &str) -> Result<String, String> {
    let verdict = ecuapass::validate_ruc(value);
    match verdict.errors.first() {
        None => Ok(verdict.normalized),
        Some(issue) => Err(format!(
            "`{}` is not a valid RUC: {}",
            value.trim(),
            issue.message_en
        )),
    }
}

/// An Ecuadorian cédula, checked by `ecuapass::validate_cedula`.
pub fn cedula(value: &str) -> Result<String, String> {
    let verdict = ecuapass::validate_cedula(value);
    match verdict.errors.first() {
        None => Ok(verdict.normalized),
        Some(issue) => Err(format!(
            "`{}` is not a valid cédula: {}",
            value.trim(),
            issue.message_en
        )),
    }
}

/// A Mexican RFC, checked by `anam::validate_rfc`.
pub fn rfc(value: &str) -> Result<String, String> {
    let verdict = anam::validate_rfc(value);
    match verdict.errors.first() {
        None => Ok(verdict.normalized),
        Some(issue) => Err(format!(
            "`{}` is not a valid RFC: {}",
            value.trim(),
            issue.message_en
        )),
    }
}

/// A Mexican CURP, checked by `anam::validate_curp`.
pub fn curp(value: &str) -> Result<String, String> {
    let verdict = anam::validate_curp(value);
    match verdict.errors.first() {
        None => Ok(verdict.normalized),
        Some(issue) => Err(format!(
            "`{}` is not a valid CURP: {}",
            value.trim(),
            issue.message_en
        )),
    }
}

/// A US IRS number as CBP uses it: an EIN (`NN-NNNNNNN`), optionally with
/// CBP's two-character suffix; returned as `NN-NNNNNNN[XX]`.
pub fn irs_number(value: &str) -> Result<String, String> {
    let compact: String = value
        .trim()
        .chars()
        .filter(|c| *c != '-' && *c != ' ')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    // Only ASCII can fit, and it makes the byte split below safe.
    let ascii = compact.is_ascii();
    let (digits, suffix) = compact.split_at(if ascii { compact.len().min(9) } else { 0 });
    let fits = ascii
        && digits.len() == 9
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (suffix.is_empty()
            || (suffix.len() == 2 && suffix.bytes().all(|b| b.is_ascii_alphanumeric())));
    if fits {
        Ok(format!("{}-{}{}", &digits[..2], &digits[2..], suffix))
    } else {
        Err(format!(
            "`{}` is not an IRS/EIN number (NN-NNNNNNN, optionally followed by CBP's two-character suffix)",
            value.trim()
        ))
    }
}

/// The company's tax id, by portal: a RUC for Ecuapass, an RFC for ANAM; for
/// CTPAT an IRS/EIN number, or the RUC or RFC of a foreign member company;
/// for another portal any short code.
pub fn tax_id(portal: &str, value: &str) -> Result<String, String> {
    match portal {
        "ecuapass" => ruc(value),
        "anam" => rfc(value),
        "ctpat" => irs_number(value).or_else(|irs| {
            let compact: String = value
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect();
            if compact.len() == 13 && compact.bytes().all(|b| b.is_ascii_digit()) {
                ruc(value)
            } else if compact.len() == 12 || compact.len() == 13 {
                rfc(value)
            } else {
                Err(format!(
                    "{irs}; a foreign member company may give its RUC or RFC instead"
                ))
            }
        }),
        _ => non_empty(code(value)?),
    }
}

/// The holder's national id, by portal: a cédula for Ecuapass, a CURP for
/// ANAM; for other portals any short code.
pub fn national_id(portal: &str, value: &str) -> Result<String, String> {
    match portal {
        "ecuapass" => cedula(value),
        "anam" => curp(value),
        _ => code(value),
    }
}

/// A CTPAT account number: letters, digits and `-`, at most 20.
pub fn ctpat_account_number(value: &str) -> Result<String, String> {
    let value = value.trim();
    if (1..=20).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        Ok(value.to_ascii_uppercase())
    } else {
        Err(format!(
            "`{value}` is not a CTPAT account number (letters, digits and `-`, at most 20)"
        ))
    }
}

fn non_empty(value: String) -> Result<String, String> {
    if value.is_empty() {
        Err("is empty".into())
    } else {
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 10).unwrap()
    }

    #[test]
    fn dates_are_strict_and_not_in_the_future() {
        assert_eq!(
            date(" 2026-03-05 ", today()),
            NaiveDate::from_ymd_opt(2026, 3, 5).ok_or(String::new())
        );
        for bad in ["2026-3-5", "05/03/2026", "2026-02-30", "20260305", ""] {
            assert!(
                date(bad, today()).unwrap_err().contains("YYYY-MM-DD"),
                "{bad}"
            );
        }
        assert!(date("2026-03-11", today())
            .unwrap_err()
            .contains("after today"));
    }

    #[test]
    fn identifiers_go_through_the_connectors_validators() {
        assert_eq!(ruc("1790011674001").as_deref(), Ok("1790011674001"));
        assert!(ruc("1790011674000").is_err(), "establishment 000");
        assert_eq!(cedula("171003406-5").as_deref(), Ok("1710034065"));
        assert!(cedula("1710034066").is_err());
        assert_eq!(rfc("gode561231gr8").as_deref(), Ok("GODE561231GR8"));
        assert!(rfc("GODE561331GR8").is_err());
        assert!(email("ana.example.com")
            .unwrap_err()
            .contains("not an email"));
        assert_eq!(email(" Ana@Example.COM ").as_deref(), Ok("Ana@example.com"));
    }

    #[test]
    fn tax_ids_follow_the_portal() {
        assert_eq!(tax_id("ctpat", "12-3456789").as_deref(), Ok("12-3456789"));
        assert_eq!(
            tax_id("ctpat", "123456789ab").as_deref(),
            Ok("12-3456789AB")
        );
        assert_eq!(
            tax_id("ctpat", "1790011674001").as_deref(),
            Ok("1790011674001")
        );
        assert!(tax_id("ctpat", "12-345").unwrap_err().contains("IRS/EIN"));
        assert!(tax_id("ecuapass", "12-3456789")
            .unwrap_err()
            .contains("RUC"));
        assert!(tax_id("anam", "1790011674001").unwrap_err().contains("RFC"));
        assert_eq!(tax_id("acme", "X-1").as_deref(), Ok("X-1"));
        assert!(tax_id("acme", " ").is_err());
    }

    #[test]
    fn account_identifiers_by_portal() {
        assert!(identifier("ctpat", "not-an-email")
            .unwrap_err()
            .contains("sign-in email"));
        assert_eq!(
            identifier("ecuapass", " JPEREZ01 ").as_deref(),
            Ok("JPEREZ01")
        );
        assert!(identifier("anam", "ana lopez").is_err());
        assert!(identifier("anam", "").is_err());
    }

    proptest! {
        #[test]
        fn no_check_panics_on_any_input(value in "\\PC{0,40}|[0-9\\-]{0,16}") {
            let _ = text(&value, None);
            let _ = email(&value);
            let _ = date(&value, today());
            for portal in ["ctpat", "ecuapass", "anam", "other"] {
                let _ = identifier(portal, &value);
                let _ = tax_id(portal, &value);
                let _ = national_id(portal, &value);
            }
            let _ = ctpat_account_number(&value);
        }

        #[test]
        fn irs_numbers_normalise_idempotently(digits in "[0-9]{9}", suffix in "([A-Z0-9]{2})?") {
            let once = irs_number(&format!("{digits}{suffix}")).unwrap();
            prop_assert_eq!(irs_number(&once).unwrap(), once.clone());
            prop_assert_eq!(&once[2..3], "-");
        }

        #[test]
        fn every_real_date_up_to_today_is_accepted(days in 0i64..40_000) {
            let d = today() - chrono::Duration::days(days);
            prop_assert_eq!(date(&d.format("%Y-%m-%d").to_string(), today()), Ok(d));
        }

        #[test]
        fn text_with_a_control_character_is_refused(a in "[a-z]{0,5}", b in "[a-z]{0,5}", c in "[\\x00-\\x08\\x0b\\x0e-\\x1f]") {
            let value = format!("x{a}{c}{b}x");
            prop_assert!(text(&value, None).is_err());
        }
    }
}
