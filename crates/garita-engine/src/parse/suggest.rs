//! "Did you mean …?" suggestions for misspelt names.

#[cfg(test)]
thread_local! {
    /// Edit distances computed on this thread: the work a test can bound
    /// by count, where a bound in seconds would depend on the machine.
    pub(crate) static COMPARISONS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// The candidate closest to `word`, when it is close enough to be a likely typo.
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word_lower = word.to_lowercase();
    let word_len = word_lower.chars().count();
    candidates
        .into_iter()
        .filter_map(|candidate| {
            let allowed = allowed_distance(candidate);
            // The edit distance is at least the difference in length: skip
            // the costly comparison when that alone is too far (time zones
            // are compared against ~600 names).
            if candidate.chars().count().abs_diff(word_len) > allowed {
                return None;
            }
            #[cfg(test)]
            COMPARISONS.with(|n| n.set(n.get() + 1));
            let distance = strsim::osa_distance(&word_lower, &candidate.to_lowercase());
            (distance <= allowed).then_some((distance, candidate))
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// `did you mean `x`?` when a candidate is close, otherwise the list of valid
/// choices (when there are few enough to show).
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str> + Clone,
) -> Option<String> {
    if let Some(best) = closest(word, candidates.clone()) {
        return Some(format!("did you mean `{best}`?"));
    }
    let all: Vec<&str> = candidates.into_iter().collect();
    match all.len() {
        0 => None,
        1..=12 => Some(format!("expected one of: {}", quoted_list(&all))),
        _ => None,
    }
}

/// `` `a`, `b`, `c` ``.
pub(crate) fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Short names tolerate one edit, longer ones about a third of their length.
fn allowed_distance(candidate: &str) -> usize {
    (candidate.chars().count() / 3).clamp(1, 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_names_are_suggested() {
        assert_eq!(closest("stpes", ["steps", "name"]), Some("steps"));
        assert_eq!(
            closest("Time_Zone", ["time_zone", "timeout"]),
            Some("time_zone")
        );
        assert_eq!(closest("zzzzzz", ["steps", "name"]), None);
    }

    #[test]
    fn far_names_list_the_choices() {
        assert_eq!(
            did_you_mean("qqq", ["es", "en"]),
            Some("expected one of: `es`, `en`".to_owned())
        );
        assert_eq!(
            did_you_mean("ex", ["es", "en"]),
            Some("did you mean `es`?".to_owned())
        );
    }
}
