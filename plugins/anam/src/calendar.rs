//! Whether a `YYMMDD` date written in an RFC or CURP exists.

/// Whether `year`-`month`-`day` is a real Gregorian date.
pub(crate) fn date_exists(year: u32, month: u32, day: u32) -> bool {
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days_in_month).contains(&day)
}

fn is_leap_year(year: u32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// The century an identifier's two-digit year belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Century {
    /// 1900–1999.
    Nineteenth,
    /// 2000–2099.
    Twentieth,
    /// Unknown: the date is accepted if it exists in either century.
    Either,
}

/// Reads six ASCII digits `YYMMDD` and tells whether that date exists in `century`.
/// Returns `None` when the characters are not six digits.
pub(crate) fn yymmdd_exists(chars: &[char], century: Century) -> Option<bool> {
    if chars.len() != 6 || !chars.iter().all(char::is_ascii_digit) {
        return None;
    }
    let number = |i: usize| -> u32 {
        let tens = chars[i].to_digit(10).unwrap_or(0);
        let units = chars[i + 1].to_digit(10).unwrap_or(0);
        tens * 10 + units
    };
    let (yy, month, day) = (number(0), number(2), number(4));
    let in_1900s = date_exists(1900 + yy, month, day);
    let in_2000s = date_exists(2000 + yy, month, day);
    Some(match century {
        Century::Nineteenth => in_1900s,
        Century::Twentieth => in_2000s,
        Century::Either => in_1900s || in_2000s,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn dates_exist_or_not() {
        assert!(date_exists(2000, 2, 29));
        assert!(!date_exists(1900, 2, 29));
        assert!(!date_exists(1999, 2, 29));
        assert!(date_exists(1996, 2, 29));
        assert!(!date_exists(2023, 4, 31));
        assert!(!date_exists(2023, 13, 1));
        assert!(!date_exists(2023, 0, 1));
        assert!(!date_exists(2023, 1, 0));
    }

    #[test]
    fn two_digit_years_try_the_centuries_asked_for() {
        // 29 February of '99 exists in neither 1999 nor 2099.
        assert_eq!(
            yymmdd_exists(&chars("990229"), Century::Either),
            Some(false)
        );
        // '00 is a leap year in 2000 but not in 1900.
        assert_eq!(yymmdd_exists(&chars("000229"), Century::Either), Some(true));
        assert_eq!(
            yymmdd_exists(&chars("000229"), Century::Nineteenth),
            Some(false)
        );
        assert_eq!(
            yymmdd_exists(&chars("000229"), Century::Twentieth),
            Some(true)
        );
        assert_eq!(yymmdd_exists(&chars("0002A9"), Century::Either), None);
    }
}
