//! Byte layout of the keys in each sled tree (see the crate docs for the
//! table). Keys are built so that sled's byte order is the order the queries
//! need: events by sequence number, timers by wake-up instant, unfinished runs
//! by creation.

use chrono::{DateTime, Utc};
use garita_engine::StoreError;

/// Separates the variable-length parts of a composite key. Ids never contain
/// it ([`check_id`] refuses them), so a prefix can never match a longer id.
pub(crate) const SEPARATOR: u8 = 0x00;

/// Names of the sled trees.
pub(crate) mod tree {
    /// Store-wide facts: the schema version.
    pub(crate) const META: &str = "meta";
    /// run id → run summary.
    pub(crate) const RUNS: &str = "runs";
    /// run id, 0x00, seq → event.
    pub(crate) const EVENTS: &str = "events";
    /// wake-up instant, run id → nothing.
    pub(crate) const TIMERS: &str = "timers";
    /// creation instant, run id → run id.
    pub(crate) const UNFINISHED: &str = "unfinished";
    /// parent id, 0x00, step id, 0x00, item index → child run id.
    pub(crate) const CHILDREN: &str = "children";
    /// Workflow sources by SHA-256 (see `sources.rs`).
    pub(crate) const SOURCES: &str = "sources";
}

/// Key of the schema version in the `meta` tree.
pub(crate) const SCHEMA_VERSION_KEY: &[u8] = b"schema_version";

/// Refuses ids that would break the composite keys (`what` names the id).
pub(crate) fn check_id(id: &str, what: &str) -> Result<(), StoreError> {
    if id.is_empty() || id.as_bytes().contains(&SEPARATOR) {
        return Err(StoreError::Corrupt {
            what: format!("{what} {id:?}"),
            detail: "an id must be non-empty and must not contain a NUL byte; this is a bug in the caller, not damage on disk".into(),
        });
    }
    Ok(())
}

/// An `i64` as 8 big-endian bytes whose byte order is the numeric order
/// (the sign bit is flipped so negative instants sort before positive ones).
pub(crate) fn sortable_i64(value: i64) -> [u8; 8] {
    ((value as u64) ^ (1 << 63)).to_be_bytes()
}

/// The inverse of [`sortable_i64`].
pub(crate) fn from_sortable_i64(bytes: [u8; 8]) -> i64 {
    (u64::from_be_bytes(bytes) ^ (1 << 63)) as i64
}

/// `run_id 0x00`: every event of a run starts with it.
pub(crate) fn event_prefix(run_id: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(run_id.len() + 9);
    key.extend_from_slice(run_id.as_bytes());
    key.push(SEPARATOR);
    key
}

/// `run_id 0x00 seq(u64 BE)`: the backup's layout of an event key, so the
/// `events` tree is exported and imported as it is.
pub(crate) use garita_engine::backup::event_key;

/// The sequence number at the end of an event key.
pub(crate) fn seq_of_event_key(key: &[u8]) -> Option<u64> {
    let tail = key.len().checked_sub(8).map(|start| &key[start..])?;
    Some(u64::from_be_bytes(tail.try_into().ok()?))
}

/// `wake_at(unix millis, sortable i64) run_id`.
pub(crate) fn timer_key(wake_at: DateTime<Utc>, run_id: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(8 + run_id.len());
    key.extend_from_slice(&sortable_i64(wake_at.timestamp_millis()));
    key.extend_from_slice(run_id.as_bytes());
    key
}

/// The first timer key after every timer in the millisecond of `now`: the
/// exclusive end of a scan for due timers.
pub(crate) fn timer_scan_end(now: DateTime<Utc>) -> [u8; 8] {
    sortable_i64(now.timestamp_millis().saturating_add(1))
}

/// Splits a timer key into its millisecond and run id.
pub(crate) fn parse_timer_key(key: &[u8]) -> Option<(i64, &str)> {
    if key.len() <= 8 {
        return None;
    }
    let (millis, id) = key.split_at(8);
    Some((
        from_sortable_i64(millis.try_into().ok()?),
        std::str::from_utf8(id).ok()?,
    ))
}

/// `created_at(unix millis, sortable i64) run_id`: oldest first.
pub(crate) fn unfinished_key(created_at: DateTime<Utc>, run_id: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(8 + run_id.len());
    key.extend_from_slice(&sortable_i64(created_at.timestamp_millis()));
    key.extend_from_slice(run_id.as_bytes());
    key
}

/// `parent 0x00 step 0x00`: every child of one `for_each` step starts with it.
pub(crate) fn child_prefix(parent: &str, step: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(parent.len() + step.len() + 6);
    key.extend_from_slice(parent.as_bytes());
    key.push(SEPARATOR);
    key.extend_from_slice(step.as_bytes());
    key.push(SEPARATOR);
    key
}

/// `parent 0x00 step 0x00 index(u32 BE)`.
pub(crate) fn child_key(parent: &str, step: &str, index: u32) -> Vec<u8> {
    let mut key = child_prefix(parent, step);
    key.extend_from_slice(&index.to_be_bytes());
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sortable_i64_orders_like_numbers() {
        let values = [i64::MIN, -1_000, -1, 0, 1, 1_000, i64::MAX];
        for pair in values.windows(2) {
            assert!(sortable_i64(pair[0]) < sortable_i64(pair[1]), "{pair:?}");
        }
        for v in values {
            assert_eq!(from_sortable_i64(sortable_i64(v)), v);
        }
    }

    #[test]
    fn event_keys_sort_by_seq_and_round_trip() {
        assert!(event_key("r", 255) < event_key("r", 256));
        assert_eq!(seq_of_event_key(&event_key("r", 77)), Some(77));
        assert!(event_key("r", 0).starts_with(&event_prefix("r")));
        // A run whose id extends another's must not fall under its prefix.
        assert!(!event_key("rr", 0).starts_with(&event_prefix("r")));
    }

    #[test]
    fn timer_keys_round_trip_and_sort_by_instant() {
        let early = DateTime::from_timestamp_millis(1_000).unwrap();
        let late = DateTime::from_timestamp_millis(2_000).unwrap();
        assert!(timer_key(early, "zzz") < timer_key(late, "aaa"));
        assert_eq!(
            parse_timer_key(&timer_key(late, "run1")),
            Some((2_000, "run1"))
        );
        assert!(timer_key(late, "x").as_slice() < timer_scan_end(late).as_slice());
    }

    #[test]
    fn ids_with_nul_are_refused() {
        assert!(check_id("ok", "run").is_ok());
        assert!(check_id("a\0b", "run").is_err());
        assert!(check_id("", "run").is_err());
    }
}
