//! Four-letter words that the authorities never issue at the start of an RFC
//! or CURP: when a name would produce one, the SAT replaces its last letter
//! with `X` and RENAPO its second letter. An identifier that starts with one
//! of them was therefore typed or invented wrong.

/// SAT's list for the four letters of a person's RFC (annex of its RFC algorithm).
/// Sorted, for binary search.
pub const RFC_INCONVENIENT_WORDS: [&str; 41] = [
    "BUEI", "BUEY", "CACA", "CACO", "CAGA", "CAGO", "CAKA", "CAKO", "COGE", "COJA", "COJE", "COJI",
    "COJO", "CULO", "FETO", "GUEY", "JOTO", "KACA", "KACO", "KAGA", "KAGO", "KAKA", "KOGE", "KOJO",
    "KULO", "MAME", "MAMO", "MEAR", "MEAS", "MEON", "MION", "MOCO", "MULA", "PEDA", "PEDO", "PENE",
    "PUTA", "PUTO", "QULO", "RATA", "RUIN",
];

/// RENAPO's list for the four letters of a CURP (annex 2 of the CURP
/// instructions). Sorted, for binary search.
pub const CURP_INCONVENIENT_WORDS: [&str; 81] = [
    "BACA", "BAKA", "BUEI", "BUEY", "CACA", "CACO", "CAGA", "CAGO", "CAKA", "CAKO", "COGE", "COGI",
    "COJA", "COJE", "COJI", "COJO", "COLA", "CULO", "FALO", "FETO", "GETA", "GUEI", "GUEY", "JETA",
    "JOTO", "KACA", "KACO", "KAGA", "KAGO", "KAKA", "KAKO", "KOGE", "KOGI", "KOJA", "KOJE", "KOJI",
    "KOJO", "KOLA", "KULO", "LILO", "LOCA", "LOCO", "LOKA", "LOKO", "MAME", "MAMO", "MEAR", "MEAS",
    "MEON", "MIAR", "MION", "MOCO", "MOKO", "MULA", "MULO", "NACA", "NACO", "PEDA", "PEDO", "PENE",
    "PIPI", "PITO", "POPO", "PUTA", "PUTO", "QULO", "RATA", "ROBA", "ROBE", "ROBO", "RUIN", "SENO",
    "TETA", "VACA", "VAGA", "VAGO", "VAKA", "VUEI", "VUEY", "WUEI", "WUEY",
];

/// Whether the four letters open no person's RFC.
pub fn is_inconvenient_for_rfc(letters: &str) -> bool {
    RFC_INCONVENIENT_WORDS.binary_search(&letters).is_ok()
}

/// Whether the four letters open no CURP.
pub fn is_inconvenient_for_curp(letters: &str) -> bool {
    CURP_INCONVENIENT_WORDS.binary_search(&letters).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_sorted_and_unique_for_binary_search() {
        assert!(RFC_INCONVENIENT_WORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(CURP_INCONVENIENT_WORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn every_word_is_four_ascii_letters() {
        for word in RFC_INCONVENIENT_WORDS
            .iter()
            .chain(&CURP_INCONVENIENT_WORDS)
        {
            assert!(
                word.len() == 4 && word.bytes().all(|b| b.is_ascii_uppercase()),
                "{word}"
            );
        }
    }

    #[test]
    fn lookups() {
        assert!(is_inconvenient_for_rfc("CACA"));
        assert!(!is_inconvenient_for_rfc("CACX"));
        assert!(!is_inconvenient_for_rfc("BACA"));
        assert!(is_inconvenient_for_curp("BACA"));
        assert!(!is_inconvenient_for_curp("BXCA"));
    }
}
