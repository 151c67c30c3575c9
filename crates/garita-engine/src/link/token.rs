//! The text of a holder's link: `ID.EXPIRES.MAC`, where `ID` is the link's
//! opaque id (22 characters of base64url, 128 random or derived bits),
//! `EXPIRES` the Unix second it stops being accepted, and `MAC` the
//! base64url HMAC-SHA256 of both under the store's link secret. Nothing
//! the store holds about the link (whose account, which task, who) is in
//! the token: only the id, which means nothing without the store.
//!
//! The MAC is checked before the store is read, so a guessed or altered
//! token costs one HMAC and never a lookup; the comparison takes the same
//! time wherever the bytes differ.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// Characters of a link id.
pub const ID_LEN: usize = 22;

/// Characters of a MAC (32 bytes in base64url without padding).
const MAC_LEN: usize = 43;

/// Longest token text accepted: an id, the largest `i64`, a MAC and two dots.
pub const MAX_TOKEN_LEN: usize = ID_LEN + 20 + MAC_LEN + 2;

/// What domain-separates the MACs made with one secret.
const TOKEN_LABEL: &[u8] = b"garita-link-v1\n";
const FORM_LABEL: &[u8] = b"garita-link-form-v1\n";
const ID_LABEL: &[u8] = b"garita-link-id-v1\n";

/// Why a token is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not `ID.EXPIRES.MAC` in the expected alphabet and lengths.
    #[error("the link is incomplete or was changed: copy the whole address from the email")]
    Malformed,
    /// Well-formed, but the MAC does not match: altered or made elsewhere.
    #[error("the link was changed or does not belong to this Garita")]
    BadSignature,
}

/// A token whose MAC checked: the link's id and when it expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkToken {
    /// The link's opaque id.
    pub id: String,
    /// When the token stops being accepted (Unix seconds as signed).
    pub expires_at: DateTime<Utc>,
}

impl LinkToken {
    /// Whether it has expired at `now`.
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        now >= self.expires_at
    }
}

/// The parts of a token as written, before its MAC is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenParts<'t> {
    /// The id part.
    pub id: &'t str,
    /// The expiry, Unix seconds.
    pub expires: i64,
    /// The MAC's 32 bytes.
    pub mac: [u8; 32],
}

/// Whether `text` is a link id: [`ID_LEN`] characters of base64url.
pub fn is_link_id(text: &str) -> bool {
    text.len() == ID_LEN && text.bytes().all(is_base64url)
}

fn is_base64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// Splits `text` into its parts; refuses anything else (never panics,
/// whatever the text).
pub fn parse(text: &str) -> Result<TokenParts<'_>, TokenError> {
    if text.len() > MAX_TOKEN_LEN {
        return Err(TokenError::Malformed);
    }
    let mut parts = text.split('.');
    let (Some(id), Some(expires), Some(mac), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    if !is_link_id(id)
        || expires.is_empty()
        || expires.len() > 19
        || (expires.len() > 1 && expires.starts_with('0'))
        || !expires.bytes().all(|b| b.is_ascii_digit())
        || mac.len() != MAC_LEN
        || !mac.bytes().all(is_base64url)
    {
        return Err(TokenError::Malformed);
    }
    let expires: i64 = expires.parse().map_err(|_| TokenError::Malformed)?;
    let bytes = URL_SAFE_NO_PAD
        .decode(mac)
        .map_err(|_| TokenError::Malformed)?;
    let mac: [u8; 32] = bytes.try_into().map_err(|_| TokenError::Malformed)?;
    Ok(TokenParts { id, expires, mac })
}

fn mac_of(secret: &[u8], label: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
    let mut mac = match HmacSha256::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of every length"),
    };
    mac.update(label);
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            mac.update(b".");
        }
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// The token of link `id` expiring at `expires_at`, signed with `secret`.
pub fn sign(secret: &[u8], id: &str, expires_at: DateTime<Utc>) -> String {
    let expires = expires_at.timestamp().max(0);
    let text = expires.to_string();
    let mac = mac_of(secret, TOKEN_LABEL, &[id.as_bytes(), text.as_bytes()]);
    format!("{id}.{text}.{}", URL_SAFE_NO_PAD.encode(mac))
}

/// `text` checked against `secret`: its id and expiry when the MAC
/// matches. Whether it has expired is the caller's question
/// ([`LinkToken::is_expired`]): an expired link still names whom to send
/// a new one.
pub fn verify(secret: &[u8], text: &str) -> Result<LinkToken, TokenError> {
    let parts = parse(text.trim())?;
    let expires = parts.expires.to_string();
    let expected = mac_of(
        secret,
        TOKEN_LABEL,
        &[parts.id.as_bytes(), expires.as_bytes()],
    );
    if !bool::from(expected.ct_eq(&parts.mac)) {
        return Err(TokenError::BadSignature);
    }
    let expires_at =
        DateTime::<Utc>::from_timestamp(parts.expires, 0).ok_or(TokenError::Malformed)?;
    Ok(LinkToken {
        id: parts.id.to_owned(),
        expires_at,
    })
}

/// The token the confirmation page's form sends back for link `id`: only
/// whoever holds the secret (this Garita) can make it, so a form posted
/// from another site without the page is refused.
pub fn form_token(secret: &[u8], id: &str) -> String {
    URL_SAFE_NO_PAD.encode(mac_of(secret, FORM_LABEL, &[id.as_bytes()]))
}

/// Whether `sent` is link `id`'s form token (compared in constant time).
pub fn form_token_matches(secret: &[u8], id: &str, sent: &str) -> bool {
    let expected = form_token(secret, id);
    expected.len() == sent.len() && bool::from(expected.as_bytes().ct_eq(sent.as_bytes()))
}

/// A link id derived from what the link is for (`parts`: the run, the
/// step, the purpose, the subject), so a message sent again by a retried
/// step carries the same link rather than a second one. Opaque: it reveals
/// nothing of `parts` without the secret.
pub fn derived_id(secret: &[u8], parts: &[&str]) -> String {
    let bytes: Vec<&[u8]> = parts.iter().map(|p| p.as_bytes()).collect();
    let mac = mac_of(secret, ID_LABEL, &bytes);
    URL_SAFE_NO_PAD.encode(&mac[..16])
}

/// A link id from 16 random bytes.
pub fn id_from_bytes(bytes: [u8; 16]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_772_000_000 + seconds, 0).unwrap()
    }

    fn id() -> String {
        id_from_bytes([7; 16])
    }

    #[test]
    fn a_signed_token_verifies_and_names_its_id_and_expiry() {
        let token = sign(SECRET, &id(), at(3600));
        let checked = verify(SECRET, &token).unwrap();
        assert_eq!(checked.id, id());
        assert_eq!(checked.expires_at, at(3600));
        assert!(!checked.is_expired(at(3599)));
        assert!(
            checked.is_expired(at(3600)),
            "expired at the instant itself"
        );
    }

    #[test]
    fn another_secret_or_any_changed_character_is_refused() {
        let token = sign(SECRET, &id(), at(3600));
        assert_eq!(
            verify(b"another secret", &token),
            Err(TokenError::BadSignature)
        );
        // A later expiry written in by hand.
        let (head, mac) = token.rsplit_once('.').unwrap();
        let (id_part, _) = head.split_once('.').unwrap();
        let longer = format!("{id_part}.{}.{mac}", at(86_400 * 365).timestamp());
        assert_eq!(verify(SECRET, &longer), Err(TokenError::BadSignature));
        for i in 0..token.len() {
            let mut bytes = token.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let changed = String::from_utf8(bytes).unwrap();
            if changed != token {
                assert!(verify(SECRET, &changed).is_err(), "position {i}: {changed}");
            }
        }
    }

    #[test]
    fn the_form_token_belongs_to_one_link() {
        let form = form_token(SECRET, &id());
        assert!(form_token_matches(SECRET, &id(), &form));
        assert!(!form_token_matches(SECRET, &id_from_bytes([8; 16]), &form));
        assert!(!form_token_matches(SECRET, &id(), ""));
        assert!(!form_token_matches(b"other", &id(), &form));
    }

    #[test]
    fn derived_ids_are_stable_opaque_and_distinct() {
        let a = derived_id(SECRET, &["RUN", "step", "signed_in", "ctpat:X"]);
        assert_eq!(
            a,
            derived_id(SECRET, &["RUN", "step", "signed_in", "ctpat:X"])
        );
        assert!(is_link_id(&a));
        assert!(!a.contains("ctpat"));
        assert_ne!(
            a,
            derived_id(SECRET, &["RUN", "step", "signed_in", "ctpat:Y"])
        );
        assert_ne!(
            a,
            derived_id(b"other", &["RUN", "step", "signed_in", "ctpat:X"])
        );
    }

    proptest! {
        #[test]
        fn the_parser_never_panics_and_accepts_only_the_shape(text in "\\PC{0,120}") {
            if let Ok(parts) = parse(&text) {
                prop_assert!(is_link_id(parts.id));
                prop_assert!(parts.expires >= 0);
            }
            let _ = verify(SECRET, &text);
        }

        #[test]
        fn tokens_round_trip_and_resist_any_one_change(
            raw in proptest::array::uniform16(any::<u8>()),
            expires in 0i64..4_102_444_800,
            at_pos in any::<prop::sample::Index>(),
            with in "[A-Za-z0-9_.-]",
        ) {
            let id = id_from_bytes(raw);
            let when = DateTime::<Utc>::from_timestamp(expires, 0).unwrap();
            let token = sign(SECRET, &id, when);
            let parsed = verify(SECRET, &token).unwrap();
            prop_assert_eq!(&parsed.id, &id);
            prop_assert_eq!(parsed.expires_at, when);
            let i = at_pos.index(token.len());
            let mut changed = token.clone();
            changed.replace_range(i..=i, &with);
            if changed != token {
                prop_assert!(verify(SECRET, &changed).is_err());
            }
        }
    }
}
