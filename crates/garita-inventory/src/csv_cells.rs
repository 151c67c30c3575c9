//! Spreadsheet formula injection: a cell that starts with `=`, `+`, `-`, `@`,
//! a tab or a carriage return may run as a formula when the exported file is
//! opened in a spreadsheet. The exporter prefixes such cells with a single
//! quote, which spreadsheets show as text; the importer removes that quote
//! again, so an exported file imports back to the same values.

/// Characters that make a spreadsheet read a cell as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether `cell`, once its leading quotes are set aside, starts like a formula.
fn formula_like_after_quotes(cell: &str) -> bool {
    cell.trim_start_matches('\'').starts_with(FORMULA_STARTS)
}

/// The cell as written to an exported file: a formula-like cell gets a
/// leading `'`. A cell that already is quote + formula gets one more quote,
/// so [`unescape_formula`] gives back exactly the original.
pub fn escape_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    if formula_like_after_quotes(cell) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// The inverse of [`escape_formula`], applied to every imported cell.
pub fn unescape_formula(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if formula_like_after_quotes(rest) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formula_cells_are_quoted() {
        assert_eq!(
            escape_formula("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(escape_formula("+1"), "'+1");
        assert_eq!(escape_formula("-1"), "'-1");
        assert_eq!(escape_formula("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(escape_formula("\tx"), "'\tx");
        assert_eq!(escape_formula("\rx"), "'\rx");
        assert_eq!(escape_formula("Ana"), "Ana");
        assert_eq!(escape_formula("'quoted"), "'quoted");
        assert_eq!(escape_formula("'=x"), "''=x");
    }

    proptest! {
        #[test]
        fn export_never_starts_a_formula_and_import_gives_the_value_back(cell in "['=+@\\-\\t\\r]{0,3}\\PC{0,12}") {
            let escaped = escape_formula(&cell);
            prop_assert!(!escaped.starts_with(FORMULA_STARTS));
            prop_assert_eq!(unescape_formula(&escaped), cell.as_str());
        }
    }
}
