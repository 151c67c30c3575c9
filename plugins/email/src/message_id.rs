//! Message-IDs derived from the workflow step, so a re-sent message keeps
//! its identity.

use sha2::{Digest, Sha256};

/// The domain part of Message-IDs unless `message_id_domain` says otherwise.
pub const DEFAULT_MESSAGE_ID_DOMAIN: &str = "garita.local";

/// How many hex digits of the digest make the left part of a Message-ID.
const HASH_HEX_LEN: usize = 32;

/// The Message-ID of the email sent by step `step_id` of run `run_id`:
/// `<HASH@DOMAIN>`, where HASH is the first 32 hex digits of SHA-256 over the
/// run and step ids.
///
/// The attempt number is deliberately left out: when a step is re-run after a
/// crash, or retried after a transient failure, its message carries the same
/// Message-ID, so the file outbox overwrites the same file and a receiving
/// mail system can recognise the duplicate.
///
/// ```
/// let id = email::message_id_for("01J0RUN", "notify", "garita.local");
/// assert!(id.starts_with('<') && id.ends_with("@garita.local>"));
/// assert_eq!(id, email::message_id_for("01J0RUN", "notify", "garita.local"));
/// ```
pub fn message_id_for(run_id: &str, step_id: &str, domain: &str) -> String {
    format!("<{}@{}>", step_hash(run_id, step_id), domain)
}

/// The left part of [`message_id_for`]: also the outbox file's name.
pub(crate) fn step_hash(run_id: &str, step_id: &str) -> String {
    // The run id's length goes first so that no two (run, step) pairs hash
    // the same bytes: ("a/b", "c") and ("a", "b/c") stay different.
    let mut digest = Sha256::new();
    digest.update(format!("{}:{}/{}", run_id.len(), run_id, step_id));
    hex(&digest.finalize(), HASH_HEX_LEN)
}

/// The first `digits` lowercase hex digits of `bytes`.
pub(crate) fn hex(bytes: &[u8], digits: usize) -> String {
    bytes
        .iter()
        .flat_map(|byte| [byte >> 4, byte & 0x0f])
        .take(digits)
        .map(|nibble| char::from_digit(u32::from(nibble), 16).unwrap_or('0'))
        .collect()
}

/// Whether `domain` may follow the `@` of a Message-ID: dot-separated labels
/// of ASCII letters, digits and hyphens.
pub(crate) fn is_valid_domain(domain: &str) -> bool {
    !domain.is_empty()
        && domain.len() <= 253
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn has_the_documented_shape() {
        let id = message_id_for("run-1", "send", "example.org");
        let hash = id.trim_start_matches('<').trim_end_matches("@example.org>");
        assert_eq!(hash.len(), 32);
        assert!(hash
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }

    #[test]
    fn separators_inside_ids_do_not_collide() {
        assert_ne!(step_hash("a/b", "c"), step_hash("a", "b/c"));
    }

    #[test]
    fn validates_domains() {
        assert!(is_valid_domain("garita.local"));
        assert!(is_valid_domain("mail.example-co.com"));
        assert!(!is_valid_domain("bad domain"));
        assert!(!is_valid_domain("x>\r\nBcc: y"));
        assert!(!is_valid_domain(""));
    }

    proptest! {
        #[test]
        fn same_step_same_id_other_step_other_id(run in ".{0,20}", a in ".{0,10}", b in ".{0,10}") {
            prop_assert_eq!(message_id_for(&run, &a, "d.x"), message_id_for(&run, &a, "d.x"));
            if a != b {
                prop_assert_ne!(step_hash(&run, &a), step_hash(&run, &b));
            }
        }
    }
}
