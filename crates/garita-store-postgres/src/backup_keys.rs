//! The backup's key layouts (`garita_engine::backup`'s module docs) for the
//! kinds whose keys the engine does not build itself, from and to this
//! store's columns. Byte order is the order sled keeps them in, so an
//! export sorted by key is the same set whichever store wrote it.

use chrono::{Datelike, NaiveDate};

const SEPARATOR: u8 = 0x00;

/// `portal 0x00 identifier`.
pub(crate) fn account_key(portal: &str, identifier: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(portal.len() + identifier.len() + 1);
    key.extend_from_slice(portal.as_bytes());
    key.push(SEPARATOR);
    key.extend_from_slice(identifier.as_bytes());
    key
}

/// `portal 0x00 identifier 0x00 seq(u64 BE)`: history entry `seq`.
pub(crate) fn history_key(portal: &str, identifier: &str, seq: u64) -> Vec<u8> {
    let mut key = account_key(portal, identifier);
    key.push(SEPARATOR);
    key.extend_from_slice(&seq.to_be_bytes());
    key
}

/// The portal and identifier of an account key.
pub(crate) fn parse_account_key(key: &[u8]) -> Option<(&str, &str)> {
    let text = std::str::from_utf8(key).ok()?;
    let (portal, identifier) = text.split_once('\0')?;
    (!portal.is_empty() && !identifier.is_empty() && !identifier.contains('\0'))
        .then_some((portal, identifier))
}

/// A date as 8 bytes whose order is calendar order: days from the common
/// era as an `i64`, sign bit flipped, big-endian.
fn date_bytes(date: NaiveDate) -> [u8; 8] {
    let days = i64::from(date.num_days_from_ce());
    ((days as u64) ^ (1 << 63)).to_be_bytes()
}

fn date_of(bytes: [u8; 8]) -> Option<NaiveDate> {
    let days = (u64::from_be_bytes(bytes) ^ (1 << 63)) as i64;
    NaiveDate::from_num_days_from_ce_opt(i32::try_from(days).ok()?)
}

/// `portal 0x00 identifier 0x00 name 0x00 date`.
pub(crate) fn transition_key(
    portal: &str,
    identifier: &str,
    name: &str,
    effective_on: NaiveDate,
) -> Vec<u8> {
    let mut key = account_key(portal, identifier);
    key.push(SEPARATOR);
    key.extend_from_slice(name.as_bytes());
    key.push(SEPARATOR);
    key.extend_from_slice(&date_bytes(effective_on));
    key
}

/// The parts of a transition key: portal, identifier, name, date.
pub(crate) fn parse_transition_key(key: &[u8]) -> Option<(&str, &str, &str, NaiveDate)> {
    let at = key.len().checked_sub(9)?;
    let (head, tail) = key.split_at(at);
    let (separator, date) = tail.split_first()?;
    if *separator != SEPARATOR {
        return None;
    }
    let text = std::str::from_utf8(head).ok()?;
    let mut parts = text.split('\0');
    let (portal, identifier, name) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || [portal, identifier, name].iter().any(|p| p.is_empty()) {
        return None;
    }
    Some((portal, identifier, name, date_of(date.try_into().ok()?)?))
}

/// `workflow 0x00 index(u32 BE)`.
pub(crate) fn schedule_key(workflow: &str, index: u32) -> Vec<u8> {
    let mut key = Vec::with_capacity(workflow.len() + 5);
    key.extend_from_slice(workflow.as_bytes());
    key.push(SEPARATOR);
    key.extend_from_slice(&index.to_be_bytes());
    key
}

/// The workflow and trigger index of a schedule key.
pub(crate) fn parse_schedule_key(key: &[u8]) -> Option<(&str, u32)> {
    let at = key.len().checked_sub(5)?;
    let (name, rest) = key.split_at(at);
    let (separator, index) = rest.split_first()?;
    if *separator != SEPARATOR || name.is_empty() {
        return None;
    }
    let name = std::str::from_utf8(name).ok()?;
    (!name.contains('\0')).then_some((name, u32::from_be_bytes(index.try_into().ok()?)))
}

/// A `u64` BE key (audit seqs, emitted event ids).
pub(crate) fn parse_number_key(key: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(key.try_into().ok()?))
}

/// A key that is an id: UTF-8 text without a NUL byte.
pub(crate) fn parse_id_key(key: &[u8]) -> Option<&str> {
    let id = std::str::from_utf8(key).ok()?;
    (!id.is_empty() && !id.contains('\0')).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use garita_engine::account::AccountKey;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn account_keys_are_the_engines() {
        let key = AccountKey::new("ctpat", "ana@example.com");
        let ours = account_key(key.portal(), key.identifier());
        assert_eq!(ours, garita_engine::backup::account_key(&key));
        assert_eq!(parse_account_key(&ours), Some(("ctpat", "ana@example.com")));
        assert_eq!(parse_account_key(b"no-separator"), None);
        assert_eq!(
            history_key(key.portal(), key.identifier(), 258),
            garita_engine::backup::history_key(&key, 258)
        );
    }

    #[test]
    fn transition_keys_round_trip_and_sort_by_date() {
        let key = transition_key("ctpat", "ana@x.com", "ctpat.at_risk", day(2026, 3, 1));
        assert_eq!(
            parse_transition_key(&key),
            Some(("ctpat", "ana@x.com", "ctpat.at_risk", day(2026, 3, 1)))
        );
        assert!(
            transition_key("a", "b", "n", day(1999, 12, 31))
                < transition_key("a", "b", "n", day(2000, 1, 1))
        );
        assert_eq!(parse_transition_key(&key[..key.len() - 1]), None);
    }

    #[test]
    fn schedule_keys_round_trip_and_sort_by_index() {
        assert_eq!(
            parse_schedule_key(&schedule_key("daily", 300)),
            Some(("daily", 300))
        );
        assert!(schedule_key("w", 255) < schedule_key("w", 256));
        assert_eq!(parse_schedule_key(b"abc"), None);
    }

    #[test]
    fn number_and_id_keys() {
        assert_eq!(parse_number_key(&7u64.to_be_bytes()), Some(7));
        assert_eq!(parse_number_key(b"short"), None);
        assert_eq!(parse_id_key(b"01RUN"), Some("01RUN"));
        assert_eq!(parse_id_key(b"a\0b"), None);
        assert_eq!(parse_id_key(b""), None);
    }
}
