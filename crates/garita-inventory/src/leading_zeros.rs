//! Leading zeros a spreadsheet dropped. Ecuadorian cédulas and RUCs of the
//! provinces 01 to 09 start with `0`; a spreadsheet that reads the column
//! as a number turns `0912345678` into `912345678`. Such a value is invalid
//! as it is, and valid with the zero put back: that is the only case
//! repaired, so a value that is valid (or wrong for another reason) is never
//! touched. Repairing is opt-in (`accounts import --fix-leading-zeros`),
//! and every repaired cell is reported.

use crate::columns::{self, Cells};
use crate::validate;

/// One cell whose leading zero was put back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repair {
    /// The column.
    pub column: &'static str,
    /// The value as the file had it.
    pub from: String,
    /// The value with its leading zero.
    pub to: String,
}

impl Repair {
    /// What the import reports for it.
    pub fn message(&self) -> String {
        format!(
            "`{}` had lost its leading zero (a spreadsheet read the column as a number); imported as `{}`",
            self.from, self.to
        )
    }
}

/// A column's check: portal and value to the normalised value, or why not.
type CellCheck = fn(&str, &str) -> Result<String, String>;

/// The columns whose identifiers may start with a zero, with their check.
fn check_of(column: &str) -> Option<CellCheck> {
    match column {
        columns::TAX_ID => Some(validate::tax_id),
        columns::HOLDER_NATIONAL_ID => Some(validate::national_id),
        _ => None,
    }
}

/// `value` of `column` on `portal` with its dropped leading zero put back,
/// when it is all digits, one short of a cédula (10) or RUC (13), invalid
/// as it is and valid with the zero.
pub fn repaired(portal: &str, column: &str, value: &str) -> Option<String> {
    let check = check_of(column)?;
    let value = value.trim();
    let short = matches!(value.len(), 9 | 12) && value.bytes().all(|b| b.is_ascii_digit());
    if !short || check(portal, value).is_ok() {
        return None;
    }
    let restored = format!("0{value}");
    check(portal, &restored).ok()
}

/// Every cell of `cells` on `portal` that [`repaired`] would change.
pub fn repairs(cells: &Cells, portal: &str) -> Vec<Repair> {
    [columns::TAX_ID, columns::HOLDER_NATIONAL_ID]
        .into_iter()
        .filter_map(|column| {
            let from = cells.get(column)?;
            let to = repaired(portal, column, from)?;
            Some(Repair {
                column,
                from: from.to_owned(),
                to,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_cedula_and_a_ruc_of_the_first_provinces_get_their_zero_back() {
        assert_eq!(
            repaired("ecuapass", columns::TAX_ID, "990017514001").as_deref(),
            Some("0990017514001")
        );
        assert_eq!(
            repaired("ctpat", columns::TAX_ID, "990017514001").as_deref(),
            Some("0990017514001"),
            "a foreign member company's RUC on CTPAT"
        );
        let cedula = "0926687856";
        assert!(
            validate::cedula(cedula).is_ok(),
            "the fixture is a valid cédula"
        );
        assert_eq!(
            repaired("ecuapass", columns::HOLDER_NATIONAL_ID, &cedula[1..]).as_deref(),
            Some(cedula)
        );
    }

    #[test]
    fn valid_values_other_columns_and_other_mistakes_are_left_alone() {
        assert_eq!(repaired("ecuapass", columns::TAX_ID, "0990017514001"), None);
        assert_eq!(
            repaired("ecuapass", columns::TAX_ID, "000000000000"),
            None,
            "not valid with a zero either"
        );
        assert_eq!(repaired("ecuapass", columns::ACCOUNT, "990017514001"), None);
        assert_eq!(repaired("anam", columns::TAX_ID, "990017514001"), None);
        assert_eq!(repaired("ecuapass", columns::TAX_ID, "99-0017514001"), None);
    }

    proptest! {
        /// A repair always gives a valid value that is the original with
        /// one `0` in front, and never fires on a valid value.
        #[test]
        fn a_repair_is_one_zero_in_front_of_an_invalid_value(digits in "[0-9]{9}|[0-9]{12}", national in any::<bool>()) {
            let column = if national { columns::HOLDER_NATIONAL_ID } else { columns::TAX_ID };
            if let Some(to) = repaired("ecuapass", column, &digits) {
                prop_assert_eq!(&to, &format!("0{digits}"));
                prop_assert!(validate::national_id("ecuapass", &to).is_ok() || validate::tax_id("ecuapass", &to).is_ok());
                prop_assert!(check_of(column).map(|c| c("ecuapass", &digits).is_err()).unwrap_or(false));
            }
        }
    }
}
