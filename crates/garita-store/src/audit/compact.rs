//! The stored encoding of an audit entry: compact binary without the
//! entry's own hash (version byte [`COMPACT_V3`], schema 7), compact binary
//! with it ([`COMPACT_V2`], schema 4 to 6, and entries whose recorded hash
//! is not the one their content gives), or JSON ([`JSON_V1`], what stores
//! of schema 3 and older hold, and the fallback for an entry the binary
//! form cannot carry exactly).
//!
//! Only the STORED bytes change: an entry's hash is taken over its
//! canonical encoding (`garita_engine::audit`, docs/audit.md), which does
//! not depend on how the entry is stored, and [`decode_entry`] gives back
//! exactly the entry that was encoded, so the chain, the checkpoints and the
//! Python verifiers see the same entries as before. [`encode_entry`] checks
//! that on every write: an entry whose binary form would not decode to
//! itself (a hash that is not 64 lower-case hex digits, say) is stored as
//! JSON instead. Backups keep carrying entries as JSON (see
//! `backup/record_io.rs`), so a backup file reads the same in every backend.
//!
//! # Layout of version 2
//!
//! Integers are LEB128 varints; signed ones zigzag-encoded first. A string is
//! its byte length (varint) and its UTF-8 bytes. A time is seconds since the
//! Unix epoch (signed) and nanoseconds (0 to 1,999,999,999, chrono's leap
//! second included); `recorded_at` and `pinned_at` are stored as their
//! seconds minus `at`'s seconds, so a few bytes each.
//!
//! `2`, seq, `at`, kind, subject, actor (`0`, or `1` and a string),
//! `recorded_at` and `pinned_at` (each `0`, or `1` and a time), the 32 bytes
//! of `prev_hash`, the 32 bytes of `hash`, then the summary as a value.
//!
//! # Layout of version 3
//!
//! Version 2 without the 32 bytes of `hash`: an entry's hash is a function
//! of its fields (`AuditEntry::computed_hash`), so it is computed again when
//! the entry is read. Only an entry whose recorded hash IS that function's
//! value is stored so ([`encode_entry`] checks it); any other keeps its
//! recorded hash in version 2, so `garita audit verify` still sees the
//! mismatch. Tamper evidence is unchanged: an entry altered in place
//! decodes with a new hash, which the next entry's `prev_hash` (or, for the
//! last entry, the recorded head) no longer names. Those 32 random bytes
//! were a tenth of a run's stored bytes that zstd cannot shrink
//! (docs/performance.md, "Compressed pages").
//! A kind is `0` and a string, or the 1-based index of a known kind in
//! [`KINDS`]. A value is one tag byte and its payload: see [`tag`]. An
//! object key is `0` and a string, or the 1-based index of a known key in
//! [`KEYS`]. The tables only ever grow at their end: an index, once
//! written, means the same string forever.

use chrono::{DateTime, Utc};
use garita_engine::audit::AuditEntry;
use garita_engine::record_codec::JSON_V1;
use garita_engine::StoreError;
use serde_json::{Map, Number, Value};

/// Version byte of an entry in the binary layout of the module docs.
pub(crate) const COMPACT_V2: u8 = 2;

/// Version byte of an entry stored without its hash (module docs).
pub(crate) const COMPACT_V3: u8 = 3;

/// Kinds written often enough to take one byte. Append only.
const KINDS: [&str; 19] = [
    "run.event",
    "run.pruned",
    "account.created",
    "account.changed",
    "event.emitted",
    "config.reload",
    "compliance.access_review",
    "compliance.profile_update",
    "task.opened",
    "task.answered",
    "task.expired",
    "task.cancelled",
    "email.queued",
    "email.sending",
    "email.sent",
    "email.failed",
    "user.added",
    "user.disabled",
    "user.password_changed",
];

/// Summary keys written often enough to take one byte. Append only.
const KEYS: [&str; 48] = [
    "event",
    "seq",
    "workflow",
    "event_sha256",
    "step",
    "attempt",
    "inputs",
    "source_path",
    "parent_run",
    "error",
    "retry_at",
    "reason",
    "by",
    "until",
    "signal",
    "task",
    "children",
    "name",
    "goto",
    "from_seq",
    "to_seq",
    "events_removed",
    "finished_at",
    "status",
    "role",
    "disabled",
    "language",
    "revision",
    "user_sha256",
    "run",
    "title",
    "assignee",
    "due",
    "task_sha256",
    "answer",
    "outcome",
    "fields",
    "note",
    "attempts",
    "outbox_sha256",
    "to",
    "cc",
    "bcc",
    "subject",
    "history_seq",
    "changes",
    "history_sha256",
    "id",
];

/// String values written often enough to take one byte (run event types).
/// Append only.
const STRINGS: [&str; 14] = [
    "run_created",
    "step_started",
    "step_resumed",
    "run_quarantined",
    "quarantine_lifted",
    "step_skipped",
    "step_succeeded",
    "step_failed",
    "step_waiting",
    "signal_received",
    "step_timed_out",
    "run_succeeded",
    "run_failed",
    "run_cancelled",
];

/// The tag byte of each kind of value.
mod tag {
    pub(super) const NULL: u8 = 0;
    pub(super) const FALSE: u8 = 1;
    pub(super) const TRUE: u8 = 2;
    /// A `u64`, varint.
    pub(super) const UNSIGNED: u8 = 3;
    /// A negative `i64`, zigzag varint.
    pub(super) const NEGATIVE: u8 = 4;
    /// An `f64`, 8 bytes little-endian.
    pub(super) const FLOAT: u8 = 5;
    /// A string.
    pub(super) const STRING: u8 = 6;
    /// A string of 64 lower-case hex digits (a digest), as its 32 bytes.
    pub(super) const DIGEST: u8 = 7;
    /// An array: its length, then its values.
    pub(super) const ARRAY: u8 = 8;
    /// An object: its length, then each key and value.
    pub(super) const OBJECT: u8 = 9;
    /// A known string: one byte, its 1-based index in `STRINGS`.
    pub(super) const KNOWN: u8 = 10;
}

/// The bytes to store for `entry`: binary without its hash when the hash
/// is the one its fields give, else binary with it, each only when it
/// decodes back to the very same entry; else JSON.
pub fn encode_entry(entry: &AuditEntry) -> Result<Vec<u8>, StoreError> {
    for version in [COMPACT_V3, COMPACT_V2] {
        if let Some(bytes) = binary(entry, version) {
            if decode_binary(&bytes).as_ref() == Some(entry) {
                return Ok(bytes);
            }
        }
    }
    garita_engine::record_codec::encode(entry, &format!("audit entry {}", entry.seq))
}

/// The entry stored as `bytes`, in either encoding; `what` names it for
/// the error.
pub fn decode_entry(bytes: &[u8], what: impl FnOnce() -> String) -> Result<AuditEntry, StoreError> {
    match bytes.first() {
        Some(&version @ (COMPACT_V2 | COMPACT_V3)) => {
            decode_binary(bytes).ok_or_else(|| StoreError::Corrupt {
                what: what(),
                detail: format!("its binary encoding (version {version}) is damaged"),
            })
        }
        _ => garita_engine::record_codec::decode(bytes, what),
    }
}

/// The entry's bytes as JSON version 1, whatever they are stored as: what
/// a backup carries. JSON bytes are given back unchanged.
pub(crate) fn as_json_v1(
    bytes: &[u8],
    what: impl FnOnce() -> String,
) -> Result<Vec<u8>, StoreError> {
    if bytes.first() == Some(&JSON_V1) {
        return Ok(bytes.to_vec());
    }
    let entry = decode_entry(bytes, what)?;
    garita_engine::record_codec::encode(&entry, &format!("audit entry {}", entry.seq))
}

/// `entry` in the binary layout `version` ([`COMPACT_V2`] or
/// [`COMPACT_V3`]), unchecked; `None` when a field does not fit it.
fn binary(entry: &AuditEntry, version: u8) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(160);
    out.push(version);
    put_varint(&mut out, entry.seq);
    put_time(&mut out, &entry.at, 0);
    match KINDS.iter().position(|k| *k == entry.kind) {
        Some(i) => out.push(u8::try_from(i + 1).ok()?),
        None => {
            out.push(0);
            put_str(&mut out, &entry.kind);
        }
    }
    put_str(&mut out, &entry.subject);
    match &entry.actor {
        None => out.push(0),
        Some(actor) => {
            out.push(1);
            put_str(&mut out, actor);
        }
    }
    for time in [&entry.recorded_at, &entry.pinned_at] {
        match time {
            None => out.push(0),
            Some(time) => {
                out.push(1);
                put_time(&mut out, time, entry.at.timestamp());
            }
        }
    }
    out.extend_from_slice(&parse_lower_hex(&entry.prev_hash)?);
    if version == COMPACT_V2 {
        out.extend_from_slice(&parse_lower_hex(&entry.hash)?);
    }
    put_value(&mut out, &entry.summary);
    Some(out)
}

fn decode_binary(bytes: &[u8]) -> Option<AuditEntry> {
    let mut r = Reader { bytes, pos: 0 };
    let version = r.byte()?;
    if version != COMPACT_V2 && version != COMPACT_V3 {
        return None;
    }
    let seq = r.varint()?;
    let at = r.time(0)?;
    let kind = match r.byte()? {
        0 => r.string()?,
        i => (*KINDS.get(usize::from(i) - 1)?).to_owned(),
    };
    let subject = r.string()?;
    let actor = match r.byte()? {
        0 => None,
        1 => Some(r.string()?),
        _ => return None,
    };
    let mut times = [None, None];
    for time in &mut times {
        *time = match r.byte()? {
            0 => None,
            1 => Some(r.time(at.timestamp())?),
            _ => return None,
        };
    }
    let [recorded_at, pinned_at] = times;
    let prev_hash = garita_engine::audit::hex(r.take(32)?);
    let stored_hash = match version {
        COMPACT_V2 => Some(garita_engine::audit::hex(r.take(32)?)),
        _ => None,
    };
    let summary = r.value(0)?;
    if r.pos != bytes.len() {
        return None;
    }
    let mut entry = AuditEntry {
        seq,
        at,
        kind,
        subject,
        actor,
        summary,
        recorded_at,
        pinned_at,
        prev_hash,
        hash: stored_hash.unwrap_or_default(),
    };
    if version == COMPACT_V3 {
        entry.hash = entry.computed_hash()?;
    }
    Some(entry)
}

/// The 32 bytes of a digest written as 64 LOWER-case hex digits (so that
/// writing them back as lower-case hex gives the same text), or `None`.
fn parse_lower_hex(text: &str) -> Option<[u8; 32]> {
    if text.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    garita_engine::audit::parse_hash(text)
}

fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn zigzag(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

fn unzigzag(n: u64) -> i64 {
    ((n >> 1) as i64) ^ -((n & 1) as i64)
}

fn put_str(out: &mut Vec<u8>, text: &str) {
    put_varint(out, text.len() as u64);
    out.extend_from_slice(text.as_bytes());
}

/// `time` as its seconds minus `base` (zigzag) and its nanoseconds.
fn put_time(out: &mut Vec<u8>, time: &DateTime<Utc>, base: i64) {
    put_varint(out, zigzag(time.timestamp().wrapping_sub(base)));
    put_varint(out, u64::from(time.timestamp_subsec_nanos()));
}

fn put_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.push(tag::NULL),
        Value::Bool(false) => out.push(tag::FALSE),
        Value::Bool(true) => out.push(tag::TRUE),
        Value::Number(n) => put_number(out, n),
        Value::String(s) => {
            if let Some(i) = STRINGS.iter().position(|k| k == s) {
                out.push(tag::KNOWN);
                out.push(i as u8 + 1);
            } else if let Some(digest) = parse_lower_hex(s) {
                out.push(tag::DIGEST);
                out.extend_from_slice(&digest);
            } else {
                out.push(tag::STRING);
                put_str(out, s);
            }
        }
        Value::Array(items) => {
            out.push(tag::ARRAY);
            put_varint(out, items.len() as u64);
            for item in items {
                put_value(out, item);
            }
        }
        Value::Object(map) => {
            out.push(tag::OBJECT);
            put_varint(out, map.len() as u64);
            for (key, item) in map {
                match KEYS.iter().position(|k| k == key) {
                    Some(i) => out.push(i as u8 + 1),
                    None => {
                        out.push(0);
                        put_str(out, key);
                    }
                }
                put_value(out, item);
            }
        }
    }
}

fn put_number(out: &mut Vec<u8>, n: &Number) {
    if let Some(u) = n.as_u64() {
        out.push(tag::UNSIGNED);
        put_varint(out, u);
    } else if let Some(i) = n.as_i64() {
        out.push(tag::NEGATIVE);
        put_varint(out, zigzag(i));
    } else {
        // A number that is neither is an f64 (serde_json without
        // arbitrary precision); NaN cannot be in a `Value`.
        out.push(tag::FLOAT);
        out.extend_from_slice(&n.as_f64().unwrap_or(0.0).to_le_bytes());
    }
}

/// Nesting deeper than this is refused on decode (a damaged value must not
/// overflow the stack); summaries are a few levels deep.
const MAX_DEPTH: u32 = 64;

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let slice = self.bytes.get(self.pos..end)?;
        self.pos = end;
        Some(slice)
    }

    fn varint(&mut self) -> Option<u64> {
        let mut n: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f).checked_shl(shift)?;
            if b & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }

    fn len(&mut self) -> Option<usize> {
        let n = usize::try_from(self.varint()?).ok()?;
        // Every element takes at least one byte: a length beyond what is
        // left is damage, refused before allocating for it.
        (n <= self.bytes.len() - self.pos).then_some(n)
    }

    fn string(&mut self) -> Option<String> {
        let n = self.len()?;
        String::from_utf8(self.take(n)?.to_vec()).ok()
    }

    fn time(&mut self, base: i64) -> Option<DateTime<Utc>> {
        let secs = unzigzag(self.varint()?).wrapping_add(base);
        let nanos = u32::try_from(self.varint()?).ok()?;
        DateTime::from_timestamp(secs, nanos)
    }

    fn value(&mut self, depth: u32) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        Some(match self.byte()? {
            tag::NULL => Value::Null,
            tag::FALSE => Value::Bool(false),
            tag::TRUE => Value::Bool(true),
            tag::UNSIGNED => Value::from(self.varint()?),
            tag::NEGATIVE => Value::from(unzigzag(self.varint()?)),
            tag::FLOAT => {
                let bits: [u8; 8] = self.take(8)?.try_into().ok()?;
                Value::Number(Number::from_f64(f64::from_le_bytes(bits))?)
            }
            tag::STRING => Value::String(self.string()?),
            tag::DIGEST => Value::String(garita_engine::audit::hex(self.take(32)?)),
            tag::KNOWN => {
                let i = usize::from(self.byte()?);
                Value::String((*STRINGS.get(i.checked_sub(1)?)?).to_owned())
            }
            tag::ARRAY => {
                let n = self.len()?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.value(depth + 1)?);
                }
                Value::Array(items)
            }
            tag::OBJECT => {
                let n = self.len()?;
                let mut map = Map::new();
                for _ in 0..n {
                    let key = match self.byte()? {
                        0 => self.string()?,
                        i => (*KEYS.get(usize::from(i) - 1)?).to_owned(),
                    };
                    map.insert(key, self.value(depth + 1)?);
                }
                Value::Object(map)
            }
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn entry(summary: Value) -> AuditEntry {
        let at = DateTime::from_timestamp(1_772_000_000, 123_456_789).unwrap();
        AuditEntry {
            seq: 42,
            at,
            kind: "run.event".into(),
            subject: "01JABCDEFGHJKMNPQRSTVWXYZ0".into(),
            actor: None,
            summary,
            recorded_at: Some(at + chrono::Duration::milliseconds(3)),
            pinned_at: None,
            prev_hash: garita_engine::audit::hex(&[7; 32]),
            hash: garita_engine::audit::hex(&[9; 32]),
        }
    }

    #[test]
    fn a_run_event_entry_round_trips_in_under_two_fifths_of_its_json() {
        let e = entry(json!({
            "event": "step_succeeded", "seq": 3, "step": "fetch", "attempt": 1,
            "workflow": "three-steps",
            "event_sha256": garita_engine::audit::hex(&[0xab; 32]),
        }));
        let bytes = encode_entry(&e).unwrap();
        assert_eq!(bytes[0], COMPACT_V2);
        assert_eq!(decode_entry(&bytes, String::new).unwrap(), e);
        let json = garita_engine::record_codec::encode(&e, "e").unwrap();
        assert!(
            bytes.len() * 5 < json.len() * 2,
            "{} vs {}",
            bytes.len(),
            json.len()
        );
        // The hash covers the entry, not its stored bytes.
        assert_eq!(
            decode_entry(&bytes, String::new).unwrap().computed_hash(),
            e.computed_hash()
        );
        // A backup gets the JSON an older garita wrote.
        assert_eq!(as_json_v1(&bytes, String::new).unwrap(), json);
    }

    /// `entry(summary)` with the hash its fields give, as the chain writes it.
    fn chained(summary: Value) -> AuditEntry {
        let mut e = entry(summary);
        e.hash = e.computed_hash().unwrap();
        e
    }

    #[test]
    fn an_entry_whose_hash_is_its_contents_is_stored_without_it() {
        let e = chained(json!({
            "event": "step_succeeded", "seq": 3, "step": "fetch",
            "event_sha256": garita_engine::audit::hex(&[0xab; 32]),
        }));
        let bytes = encode_entry(&e).unwrap();
        assert_eq!(bytes[0], COMPACT_V3);
        assert_eq!(decode_entry(&bytes, String::new).unwrap(), e);
        let with_hash = binary(&e, COMPACT_V2).unwrap();
        assert_eq!(bytes.len() + 32, with_hash.len());
        // Older stores' entries still read.
        assert_eq!(decode_entry(&with_hash, String::new).unwrap(), e);
        assert_eq!(
            as_json_v1(&bytes, String::new).unwrap(),
            as_json_v1(&with_hash, String::new).unwrap()
        );
    }

    #[test]
    fn a_recorded_hash_that_is_not_the_contents_is_kept() {
        // Written with another actor's hash: what tampering through the
        // store's own encoder leaves, and what verify must still see.
        let mut e = chained(json!({"event": "run_created"}));
        e.actor = Some("mallory@example.com".into());
        let bytes = encode_entry(&e).unwrap();
        assert_eq!(bytes[0], COMPACT_V2);
        let back = decode_entry(&bytes, String::new).unwrap();
        assert_eq!(back, e);
        assert_ne!(back.computed_hash().as_deref(), Some(back.hash.as_str()));
    }

    #[test]
    fn an_entry_edited_in_place_reads_with_a_new_hash() {
        // The subject's bytes changed straight in the stored value: the
        // entry decodes, with the hash of what it now says, which the next
        // entry's prev_hash (or the recorded head) no longer names.
        let e = chained(json!({"event": "run_created"}));
        let mut bytes = encode_entry(&e).unwrap();
        let at = bytes
            .windows(e.subject.len())
            .position(|w| w == e.subject.as_bytes())
            .unwrap();
        bytes[at] = b'9';
        let edited = decode_entry(&bytes, String::new).unwrap();
        assert_ne!(edited.subject, e.subject);
        assert_ne!(edited.hash, e.hash);
        assert_eq!(edited.prev_hash, e.prev_hash);
    }

    #[test]
    fn an_entry_binary_cannot_carry_is_stored_as_json() {
        let mut e = entry(json!({"a": 1}));
        e.hash = garita_engine::audit::hex(&[0xab; 32]).to_uppercase();
        let bytes = encode_entry(&e).unwrap();
        assert_eq!(bytes[0], JSON_V1);
        assert_eq!(decode_entry(&bytes, String::new).unwrap(), e);
        e.hash = "not hex".into();
        let bytes = encode_entry(&e).unwrap();
        assert_eq!(decode_entry(&bytes, String::new).unwrap(), e);
    }

    #[test]
    fn damaged_bytes_are_corrupt_not_panics() {
        let e = entry(json!({"nested": [1, -2, 2.5, null, true, "x", {"k": "v"}]}));
        let bytes = encode_entry(&e).unwrap();
        for end in 0..bytes.len() {
            let cut = &bytes[..end];
            if end > 0 {
                assert!(decode_entry(cut, String::new).is_err(), "cut at {end}");
            }
        }
        let mut long = bytes.clone();
        long.push(0);
        assert!(decode_entry(&long, String::new).is_err());
        assert!(decode_entry(&[COMPACT_V2, 0xff, 0xff, 0xff], String::new).is_err());
    }

    fn any_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<u64>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            "[a-z_0-9]{0,12}".prop_map(Value::String),
            "[0-9a-fA-F]{64}".prop_map(Value::String),
            prop::sample::select(STRINGS.to_vec()).prop_map(|s| Value::String(s.into())),
            ".{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(
                    prop_oneof![
                        "[a-z_]{0,8}",
                        prop::sample::select(KEYS.to_vec()).prop_map(String::from)
                    ],
                    inner,
                    0..6
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn every_entry_decodes_to_itself(
            summary in any_value(),
            secs in -10_000_000_000i64..10_000_000_000,
            nanos in 0u32..1_000_000_000,
            delta in -100_000i64..100_000,
            kind in prop_oneof![prop::sample::select(KINDS.to_vec()).prop_map(String::from), ".{0,10}"],
            actor in proptest::option::of(".{0,10}"),
            pinned in any::<bool>(),
            seq in any::<u64>(),
            chained in any::<bool>(),
        ) {
            let at = DateTime::from_timestamp(secs, nanos).unwrap();
            let mut e = entry(summary);
            e.seq = seq;
            e.at = at;
            e.kind = kind;
            e.actor = actor;
            e.recorded_at = DateTime::from_timestamp(secs + delta, nanos / 2);
            e.pinned_at = pinned.then_some(at);
            if chained {
                e.hash = e.computed_hash().unwrap();
            }
            let bytes = encode_entry(&e).unwrap();
            // Every entry the chain writes drops its hash; no other may.
            prop_assert_eq!(bytes[0] == COMPACT_V3, chained);
            prop_assert_eq!(decode_entry(&bytes, String::new).unwrap(), e);
        }
    }
}
