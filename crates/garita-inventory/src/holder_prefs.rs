//! Checks of the holder's time zone and language: where and in which
//! language the holder is told deadlines. A misspelt zone is refused rather
//! than guessed (a wrong zone shows a wrong hour), but the message names the
//! closest real zone so the fix is one edit away.

use chrono_tz::{Tz, TZ_VARIANTS};
use garita_engine::account::Locale;

/// Edits (insertions, deletions, substitutions) beyond which a name is too
/// far from any zone to suggest one: a typo or two, not another city. A
/// short name allows fewer (one edit per six characters, at least one), or
/// "Pacific time" would suggest `Pacific/Niue`.
const MAX_SUGGESTION_DISTANCE: usize = 3;

/// An IANA time zone name known to chrono-tz (`America/Tijuana`), returned
/// as the database spells it.
pub fn time_zone(value: &str) -> Result<String, String> {
    let value = value.trim();
    if let Ok(zone) = value.parse::<Tz>() {
        return Ok(zone.name().to_owned());
    }
    let hint = match nearest_zone(value) {
        Some(name) => format!("; did you mean `{name}`?"),
        None => " (for example America/Tijuana or America/New_York)".to_owned(),
    };
    Err(format!("`{value}` is not an IANA time zone{hint}"))
}

/// The holder's language: `es` or `en`.
pub fn locale(value: &str) -> Result<Locale, String> {
    Locale::parse(value).ok_or_else(|| {
        format!(
            "`{}` is not a language Garita writes in; use `es` (Spanish) or `en` (English)",
            value.trim()
        )
    })
}

/// The zone whose name is closest to `given`: the same name in other case,
/// else the one fewest edits away (a few: see [`MAX_SUGGESTION_DISTANCE`]).
fn nearest_zone(given: &str) -> Option<&'static str> {
    let folded = given.to_ascii_lowercase();
    let names = || TZ_VARIANTS.iter().map(|zone| zone.name());
    if let Some(same) = names().find(|name| name.eq_ignore_ascii_case(given)) {
        return Some(same);
    }
    // A long cell cannot be a few edits from a zone name (the longest is
    // about 30 bytes); skipping it keeps a hostile file cheap to check.
    if folded.len() > 64 {
        return None;
    }
    names()
        .map(|name| (edit_distance(&folded, &name.to_ascii_lowercase()), name))
        .filter(|(distance, _)| *distance <= (folded.len() / 6).clamp(1, MAX_SUGGESTION_DISTANCE))
        .min()
        .map(|(_, name)| name)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn real_zones_are_accepted_as_the_database_spells_them() {
        assert_eq!(
            time_zone(" America/Tijuana ").as_deref(),
            Ok("America/Tijuana")
        );
        assert_eq!(time_zone("UTC").as_deref(), Ok("UTC"));
    }

    #[test]
    fn a_misspelt_zone_is_refused_with_the_nearest_name() {
        let err = time_zone("America/Tijuna").unwrap_err();
        assert!(err.contains("did you mean `America/Tijuana`"), "{err}");
        let err = time_zone("america/new_york").unwrap_err();
        assert!(err.contains("did you mean `America/New_York`"), "{err}");
        let err = time_zone("Pacific time").unwrap_err();
        assert!(err.contains("for example America/Tijuana"), "{err}");
    }

    #[test]
    fn locales_are_es_or_en() {
        assert_eq!(locale(" EN "), Ok(Locale::En));
        assert_eq!(locale("es"), Ok(Locale::Es));
        assert!(locale("fr").unwrap_err().contains("use `es`"));
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }

    proptest! {
        #[test]
        fn no_check_panics_on_any_input(value in "\\PC{0,80}") {
            let _ = time_zone(&value);
            let _ = locale(&value);
        }
    }
}
