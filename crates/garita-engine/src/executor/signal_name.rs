//! The rule a signal name must meet before it is recorded in a run's event log.
//!
//! Names are matched against the workflow's waits and shown in `runs show`, so
//! they are short identifiers; without a bound a caller could store megabytes
//! (issue 17) in every replay of the log.

/// Longest signal name, in characters.
pub const MAX_SIGNAL_NAME_CHARS: usize = 128;

/// Checks `name`; the error says what is wrong and what a good name looks like.
pub fn check_signal_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err(
            "the signal name is empty; give the name the workflow waits for \
                    (for example `approved`)"
                .to_owned(),
        );
    }
    let chars = name.chars().count();
    if chars > MAX_SIGNAL_NAME_CHARS {
        return Err(format!(
            "the signal name is {chars} characters; names are limited to \
             {MAX_SIGNAL_NAME_CHARS} (put long values in --data)"
        ));
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Err(format!(
            "the signal name contains the control character {:?}; \
             use letters, digits, `.`, `-` or `_`",
            c
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_bounded_and_printable() {
        assert!(check_signal_name("approved").is_ok());
        assert!(check_signal_name(&"a".repeat(MAX_SIGNAL_NAME_CHARS)).is_ok());
        assert!(check_signal_name("").is_err());
        assert!(check_signal_name(&"a".repeat(MAX_SIGNAL_NAME_CHARS + 1)).is_err());
        assert!(check_signal_name("go\nnow").is_err());
        assert!(check_signal_name("go\u{7f}").is_err());
    }
}
