//! The province code that opens every cédula and RUC.

/// Whether `code` (the first two digits of a cédula or RUC) is a province code
/// the Registro Civil assigns: 01–24 for the provinces, 30 for Ecuadorians
/// registered abroad and 50 for the special range used for foreign residents.
pub fn is_valid_province_code(code: u8) -> bool {
    matches!(code, 1..=24 | 30 | 50)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_provinces_and_special_codes() {
        for code in (1..=24).chain([30, 50]) {
            assert!(is_valid_province_code(code), "{code}");
        }
    }

    #[test]
    fn rejects_everything_else() {
        for code in [0, 25, 29, 31, 49, 51, 99] {
            assert!(!is_valid_province_code(code), "{code}");
        }
    }
}
