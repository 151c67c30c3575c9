//! The inventory CSV's columns: what the importer accepts and the exporter
//! writes (the same header, so an export imports back unchanged). The table
//! in docs/accounts.md describes each one.

use std::collections::{BTreeMap, HashSet};

/// Portal name: `ctpat`, `ecuapass`, `anam` or a plugin's name.
pub const PORTAL: &str = "portal";
/// The account's identifier on the portal.
pub const ACCOUNT: &str = "account";
/// Holder's full name.
pub const HOLDER_NAME: &str = "holder_name";
/// Holder's work email.
pub const HOLDER_EMAIL: &str = "holder_email";
/// Holder's employee id.
pub const EMPLOYEE_ID: &str = "employee_id";
/// Holder's cédula (Ecuapass) or CURP (ANAM).
pub const HOLDER_NATIONAL_ID: &str = "holder_national_id";
/// Company legal name.
pub const COMPANY: &str = "company";
/// Company tax id (RUC, RFC, IRS/EIN number).
pub const TAX_ID: &str = "tax_id";
/// Company CTPAT account number.
pub const CTPAT_ACCOUNT_NUMBER: &str = "ctpat_account_number";
/// Holder's role on the portal.
pub const ROLE: &str = "role";
/// Account status.
pub const STATUS: &str = "status";
/// Last sign-in date.
pub const LAST_SIGN_IN: &str = "last_sign_in";
/// Holder's IANA time zone.
pub const TIME_ZONE: &str = "time_zone";
/// Holder's language: `es` or `en`.
pub const LOCALE: &str = "locale";
/// Last day the holder's signing certificate (e.firma, TOKEN) is valid.
pub const CERTIFICATE_EXPIRES_ON: &str = "certificate_expires_on";
/// Day the holder last changed the account's password (a date, never a
/// password: the one column whose name may say "password").
pub const PASSWORD_CHANGED_ON: &str = "password_changed_on";
/// Prefix of free-attribute columns: `attr.site` sets attribute `site`.
pub const ATTRIBUTE_PREFIX: &str = "attr.";

/// Every fixed column, in the order the exporter writes them.
pub const COLUMNS: [&str; 16] = [
    PORTAL,
    ACCOUNT,
    HOLDER_NAME,
    HOLDER_EMAIL,
    EMPLOYEE_ID,
    HOLDER_NATIONAL_ID,
    COMPANY,
    TAX_ID,
    CTPAT_ACCOUNT_NUMBER,
    ROLE,
    STATUS,
    LAST_SIGN_IN,
    TIME_ZONE,
    LOCALE,
    CERTIFICATE_EXPIRES_ON,
    PASSWORD_CHANGED_ON,
];

/// Columns every file must have (and every new account must fill).
pub const REQUIRED: [&str; 6] = [PORTAL, ACCOUNT, HOLDER_NAME, HOLDER_EMAIL, COMPANY, TAX_ID];

/// A header cell, understood.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Column {
    /// One of [`COLUMNS`].
    Fixed(&'static str),
    /// `attr.NAME`.
    Attribute(String),
}

/// The values of one row (or of `accounts add`'s flags), by column. A column
/// that is absent leaves an existing account's value alone; a present but
/// empty one clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cells {
    /// Fixed columns present, with their (trimmed) values.
    pub fixed: BTreeMap<&'static str, String>,
    /// Attribute columns present, by attribute name.
    pub attributes: BTreeMap<String, String>,
}

/// A cell's value as every check sees it: trimmed, and in Unicode NFC. A
/// spreadsheet or a keyboard may write "Ñ" as an N followed by a combining
/// tilde; in NFC both are the one letter, so names, identifiers and account
/// keys compare alike whichever way they were typed.
pub fn cell_value(raw: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    raw.trim().nfc().collect()
}

impl Cells {
    /// The value of a fixed column, when the column is present.
    pub fn get(&self, column: &str) -> Option<&str> {
        self.fixed.get(column).map(String::as_str)
    }
}

/// Understands one header cell; `Err` says why it is refused.
pub fn classify(header: &str) -> Result<Column, String> {
    let name = header
        .trim()
        .trim_start_matches('\u{feff}')
        .to_ascii_lowercase();
    if looks_like_a_secret(&name) {
        return Err(format!(
            "column `{}` looks like a password column; Garita never stores portal passwords \
             (they stay with their holders), so remove the column from the file and import again",
            header.trim()
        ));
    }
    if let Some(attribute) = name.strip_prefix(ATTRIBUTE_PREFIX) {
        return if is_attribute_name(attribute) {
            Ok(Column::Attribute(attribute.to_owned()))
        } else {
            Err(format!(
                "column `{}`: an attribute name after `attr.` uses letters, digits, `_`, `-` and `.` (1 to 64 of them)",
                header.trim()
            ))
        };
    }
    COLUMNS
        .iter()
        .find(|c| **c == name)
        .map(|c| Column::Fixed(c))
        .ok_or_else(|| {
            format!(
                "unknown column `{}`; the columns are {} and `attr.NAME` for free attributes (see docs/accounts.md)",
                header.trim(),
                COLUMNS.join(", ")
            )
        })
}

/// Whether an attribute name is acceptable.
pub fn is_attribute_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
}

/// Column names that would hold a secret, in English or Spanish, refused
/// even as free attributes.
fn looks_like_a_secret(name: &str) -> bool {
    // The date of the last change is evidence, not a secret; only the
    // fixed column is let through (`attr.password_changed_on` is not).
    if name == PASSWORD_CHANGED_ON {
        return false;
    }
    let bare = name.strip_prefix(ATTRIBUTE_PREFIX).unwrap_or(name);
    const CONTAINS: [&str; 4] = ["password", "passwd", "contraseña", "contrasena"];
    const EXACT: [&str; 4] = ["pwd", "pass", "clave", "secret"];
    CONTAINS.iter().any(|word| bare.contains(word)) || EXACT.contains(&bare)
}

/// Checks a whole header: every cell understood, none repeated, every
/// required column present. `Err` holds one message per problem.
pub fn check_header(headers: &[String]) -> Result<Vec<Column>, Vec<String>> {
    let mut columns = Vec::with_capacity(headers.len());
    // A set, not `columns.contains`: a header of 100,000 columns took minutes
    // with the quadratic search (and a 256 MiB file can hold millions).
    let mut seen = HashSet::with_capacity(headers.len());
    let mut problems = Vec::new();
    for header in headers {
        match classify(header) {
            Ok(column) if seen.contains(&column) => {
                problems.push(format!("column `{}` appears twice", header.trim()));
            }
            Ok(column) => {
                seen.insert(column.clone());
                columns.push(column);
            }
            Err(message) => problems.push(message),
        }
    }
    for required in REQUIRED {
        if !seen.contains(&Column::Fixed(required)) {
            problems.push(format!("the required column `{required}` is missing"));
        }
    }
    if problems.is_empty() {
        Ok(columns)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_is_trimmed_and_composed() {
        assert_eq!(cell_value("  Pen\u{303}a \t"), "Peña");
        assert_eq!(cell_value("Peña"), "Peña");
        assert_eq!(cell_value("Jose\u{301}"), "José");
    }

    fn header(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn a_password_column_is_refused_with_the_reason() {
        for name in [
            "password",
            "Portal_Password",
            "attr.password",
            "contraseña",
            "clave",
        ] {
            let err = classify(name).unwrap_err();
            assert!(
                err.contains("never stores portal passwords"),
                "{name}: {err}"
            );
        }
        // The date of the last change is the one exception, as a fixed
        // column only.
        assert_eq!(
            classify("Password_Changed_On"),
            Ok(Column::Fixed(PASSWORD_CHANGED_ON))
        );
        assert!(classify("attr.password_changed_on").is_err());
        assert!(classify("password_changed").is_err());
        // A word that merely contains "clave" as part of a code name is fine.
        assert_eq!(
            classify("attr.clave_agente"),
            Ok(Column::Attribute("clave_agente".into()))
        );
    }

    #[test]
    fn the_full_header_is_understood_in_any_case() {
        let mut cells: Vec<String> = COLUMNS.iter().map(|c| c.to_uppercase()).collect();
        cells.push("attr.site".into());
        cells[0] = format!("\u{feff}{}", cells[0]);
        let columns = check_header(&cells).unwrap();
        assert_eq!(columns.len(), 17);
        assert_eq!(columns[16], Column::Attribute("site".into()));
    }

    #[test]
    fn missing_repeated_and_unknown_columns_are_each_reported() {
        let problems =
            check_header(&header(&["portal", "account", "account", "colour"])).unwrap_err();
        assert!(problems
            .iter()
            .any(|p| p.contains("`account` appears twice")));
        assert!(problems
            .iter()
            .any(|p| p.contains("unknown column `colour`")));
        for missing in ["holder_name", "holder_email", "company", "tax_id"] {
            assert!(
                problems.iter().any(|p| p.contains(missing)),
                "{missing}: {problems:?}"
            );
        }
    }

    #[test]
    fn a_header_of_a_hundred_thousand_columns_is_checked_in_linear_time() {
        // Found while testing bad input: `columns.contains` made this
        // quadratic (187 s for a 1.3 MB file in a debug build).
        let mut cells = header(&REQUIRED);
        cells.extend((0..100_000).map(|i| format!("attr.a{i}")));
        cells.push("attr.a7".into());
        let started = std::time::Instant::now();
        let problems = check_header(&cells).unwrap_err();
        assert_eq!(problems, ["column `attr.a7` appears twice"]);
        cells.pop();
        assert_eq!(check_header(&cells).unwrap().len(), 100_006);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn attribute_names_are_restricted() {
        assert!(classify("attr.").is_err());
        assert!(classify("attr.a b").is_err());
        assert!(is_attribute_name("cost_center.2"));
    }
}
