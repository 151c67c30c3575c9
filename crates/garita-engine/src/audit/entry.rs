//! An audit entry and the canonical encoding its hash covers.
//!
//! The hash is SHA-256 over, in this order: the tag `garita-audit-v2` and a
//! NUL byte; `seq` as 8 bytes big-endian; then `at` (RFC 3339, UTC, `Z`,
//! only the fractional digits it needs), `kind`, `subject`, `actor` and the
//! summary as canonical JSON (object keys sorted, no spaces), each as a
//! 4-byte big-endian length and its UTF-8 bytes (`actor` preceded by one
//! byte, 0 when absent and 1 when present); then `recorded_at` and
//! `pinned_at`, each like `actor` (a presence byte, then length and RFC 3339
//! text); finally the 32 bytes of `prev_hash`.
//!
//! Entries written before Garita recorded the system time (format v1) have
//! neither `recorded_at` nor `pinned_at`: their hash uses the tag
//! `garita-audit-v1` and stops after the summary. The tags differ, so no
//! entry can be passed off as the other format under the same hash.
//! docs/audit.md repeats this for reviewers who re-compute it.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Domain tag of entries written before the system time was recorded.
const HASH_TAG_V1: &[u8] = b"garita-audit-v1\0";

/// Domain tag of entries that carry their write time (`recorded_at`).
const HASH_TAG_V2: &[u8] = b"garita-audit-v2\0";

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// The `prev_hash` of the first entry.
pub const GENESIS_PREV_HASH: Hash = [0; 32];

/// What a caller records: everything of an entry but its place in the chain.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    /// When the change happened (the injected clock, or the event's own time).
    pub at: DateTime<Utc>,
    /// What kind of change: `run.event`, `account.changed`, `task.answered`,
    /// `email.sent`, `config.reload`, ...
    pub kind: String,
    /// What changed: a run id, `portal:identifier`, a task id, a Message-ID.
    pub subject: String,
    /// Who made the change, when known.
    pub actor: Option<String>,
    /// The change in short, as JSON; never secrets (inputs declared secret
    /// are already `***` in what the store keeps).
    pub summary: Value,
}

/// One entry of the hash chain, as stored and as exported. Unknown fields
/// are refused, so that renaming a field (which would leave an optional one
/// at its default) reads as damage rather than as a different entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditEntry {
    /// Position in the chain: 1, 2, 3, ... without gaps.
    pub seq: u64,
    /// When the change happened.
    pub at: DateTime<Utc>,
    /// What kind of change.
    pub kind: String,
    /// What changed.
    pub subject: String,
    /// Who made it, when known.
    pub actor: Option<String>,
    /// The change in short.
    pub summary: Value,
    /// The system time (UTC) when the entry was written, whatever `--now`
    /// said; `None` in entries written before Garita recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_at: Option<DateTime<Utc>>,
    /// The pinned business clock's instant when the entry was written with
    /// `--now`/`GARITA_NOW`; `None` when the business clock was not pinned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned_at: Option<DateTime<Utc>>,
    /// Hex SHA-256 of the previous entry (64 zeros for the first).
    pub prev_hash: String,
    /// Hex SHA-256 of this entry's canonical encoding (see the module docs).
    pub hash: String,
}

impl AuditEntry {
    /// The hash this entry's fields give, as hex; `None` when `prev_hash` is
    /// not 64 hex digits.
    pub fn computed_hash(&self) -> Option<String> {
        let prev = parse_hash(&self.prev_hash)?;
        let body = canonical_body(
            &self.at,
            &self.kind,
            &self.subject,
            self.actor.as_deref(),
            &self.summary,
        );
        let written = write_time_bytes(self.recorded_at.as_ref(), self.pinned_at.as_ref());
        Some(hex(&chain_hash(self.seq, &body, written.as_deref(), &prev)))
    }

    /// True when the business clock was pinned (`--now`) when it was written.
    pub fn is_pinned(&self) -> bool {
        self.pinned_at.is_some()
    }

    /// The time a period selects the entry by: when it was written, or, for
    /// an entry written before that was recorded, the time of its change.
    pub fn period_time(&self) -> DateTime<Utc> {
        self.recorded_at.unwrap_or(self.at)
    }
}

/// The hashed bytes of an entry's write time, or `None` for an entry that
/// has none (format v1).
pub(super) fn write_time_bytes(
    recorded_at: Option<&DateTime<Utc>>,
    pinned_at: Option<&DateTime<Utc>>,
) -> Option<Vec<u8>> {
    if recorded_at.is_none() && pinned_at.is_none() {
        return None;
    }
    let mut out = Vec::with_capacity(64);
    for time in [recorded_at, pinned_at] {
        match time {
            None => out.push(0),
            Some(time) => {
                out.push(1);
                push_field(&mut out, at_text(time).as_bytes());
            }
        }
    }
    Some(out)
}

/// The hashed bytes between `seq` and `prev_hash`; computed before the
/// chain's lock is taken, so that under it only one SHA-256 remains.
pub(super) fn canonical_body(
    at: &DateTime<Utc>,
    kind: &str,
    subject: &str,
    actor: Option<&str>,
    summary: &Value,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(160);
    push_field(&mut out, at_text(at).as_bytes());
    push_field(&mut out, kind.as_bytes());
    push_field(&mut out, subject.as_bytes());
    match actor {
        None => out.push(0),
        Some(actor) => {
            out.push(1);
            push_field(&mut out, actor.as_bytes());
        }
    }
    let mut json = String::with_capacity(96);
    canonical_json(summary, &mut json);
    push_field(&mut out, json.as_bytes());
    out
}

/// SHA-256 of the tag, `seq`, the canonical body, the write time (format
/// v2; `None`: v1) and `prev`.
pub(super) fn chain_hash(seq: u64, body: &[u8], written: Option<&[u8]>, prev: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update(if written.is_some() {
        HASH_TAG_V2
    } else {
        HASH_TAG_V1
    });
    hasher.update(seq.to_be_bytes());
    hasher.update(body);
    if let Some(written) = written {
        hasher.update(written);
    }
    hasher.update(prev);
    hasher.finalize().into()
}

/// `at` as the canonical encoding writes it.
fn at_text(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn push_field(out: &mut Vec<u8>, bytes: &[u8]) {
    // Fields over 4 GiB cannot occur (values are far smaller); saturating
    // keeps the encoding total rather than panicking.
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
}

/// JSON with object keys sorted by their UTF-8 bytes and no whitespace, so the
/// same value always gives the same bytes whatever map order serde_json uses.
pub fn canonical_json(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                canonical_json(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical_json(item, out);
            }
            out.push(']');
        }
        // Scalars have one serde_json form each.
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

/// The digest written as 64 hex digits, or `None`.
pub fn parse_hash(text: &str) -> Option<Hash> {
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in text.as_bytes().chunks(2).enumerate() {
        let digit = |c: u8| char::from(c).to_digit(16);
        out[i] = u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn canonical_json_sorts_keys_at_every_depth() {
        let mut out = String::new();
        canonical_json(
            &json!({"b": [1, {"z": null, "a": "x\"y"}], "a": true, "é": 1.5}),
            &mut out,
        );
        assert_eq!(out, r#"{"a":true,"b":[1,{"a":"x\"y","z":null}],"é":1.5}"#);
    }

    #[test]
    fn hex_round_trips_and_refuses_bad_text() {
        let hash: Hash = std::array::from_fn(|i| (i * 37) as u8);
        assert_eq!(parse_hash(&hex(&hash)), Some(hash));
        assert_eq!(parse_hash("zz"), None);
        assert_eq!(parse_hash(&"g".repeat(64)), None);
        assert_eq!(hex(&GENESIS_PREV_HASH), "0".repeat(64));
    }

    #[test]
    fn every_field_changes_the_hash() {
        let at = DateTime::from_timestamp(1_772_000_000, 5_000_000).unwrap();
        let base = AuditEntry {
            seq: 3,
            at,
            kind: "run.event".into(),
            subject: "01J".into(),
            actor: None,
            summary: json!({"event": "step_started"}),
            recorded_at: Some(at + chrono::Duration::days(300)),
            pinned_at: Some(at),
            prev_hash: hex(&[7; 32]),
            hash: String::new(),
        };
        let hash = base.computed_hash().unwrap();
        let variants = [
            AuditEntry {
                seq: 4,
                ..base.clone()
            },
            AuditEntry {
                at: at + chrono::Duration::milliseconds(1),
                ..base.clone()
            },
            AuditEntry {
                kind: "run.eventx".into(),
                ..base.clone()
            },
            AuditEntry {
                subject: "01K".into(),
                ..base.clone()
            },
            AuditEntry {
                actor: Some(String::new()),
                ..base.clone()
            },
            AuditEntry {
                summary: json!({"event": "step_failed"}),
                ..base.clone()
            },
            AuditEntry {
                recorded_at: Some(at + chrono::Duration::days(299)),
                ..base.clone()
            },
            AuditEntry {
                recorded_at: None,
                ..base.clone()
            },
            AuditEntry {
                pinned_at: None,
                ..base.clone()
            },
            AuditEntry {
                pinned_at: Some(at + chrono::Duration::milliseconds(1)),
                ..base.clone()
            },
            // Swapping the two times must not collide either.
            AuditEntry {
                recorded_at: base.pinned_at,
                pinned_at: base.recorded_at,
                ..base.clone()
            },
            AuditEntry {
                prev_hash: hex(&[8; 32]),
                ..base.clone()
            },
        ];
        for variant in variants {
            assert_ne!(variant.computed_hash().unwrap(), hash, "{variant:?}");
        }
        // Moving bytes between adjacent fields must not collide either.
        let shifted = AuditEntry {
            kind: "run.".into(),
            subject: "event01J".into(),
            ..base.clone()
        };
        assert_ne!(shifted.computed_hash().unwrap(), hash);
    }

    /// The bytes docs/audit.md tells a reviewer to hash, built here by hand.
    fn documented_hash(entry: &AuditEntry) -> String {
        let field = |out: &mut Vec<u8>, bytes: &[u8]| {
            out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
            out.extend_from_slice(bytes);
        };
        let optional = |out: &mut Vec<u8>, text: Option<String>| match text {
            None => out.push(0),
            Some(text) => {
                out.push(1);
                field(out, text.as_bytes());
            }
        };
        let time = |t: &DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::AutoSi, true);
        let v2 = entry.recorded_at.is_some() || entry.pinned_at.is_some();
        let mut bytes = Vec::new();
        bytes.extend_from_slice(if v2 {
            b"garita-audit-v2\0"
        } else {
            b"garita-audit-v1\0"
        });
        bytes.extend_from_slice(&entry.seq.to_be_bytes());
        field(&mut bytes, time(&entry.at).as_bytes());
        field(&mut bytes, entry.kind.as_bytes());
        field(&mut bytes, entry.subject.as_bytes());
        optional(&mut bytes, entry.actor.clone());
        let mut summary = String::new();
        canonical_json(&entry.summary, &mut summary);
        field(&mut bytes, summary.as_bytes());
        if v2 {
            optional(&mut bytes, entry.recorded_at.as_ref().map(time));
            optional(&mut bytes, entry.pinned_at.as_ref().map(time));
        }
        bytes.extend_from_slice(&parse_hash(&entry.prev_hash).unwrap());
        hex(&Sha256::digest(&bytes))
    }

    #[test]
    fn old_and_new_entries_hash_as_documented() {
        let at = DateTime::from_timestamp(1_772_000_000, 0).unwrap();
        // As a garita before `recorded_at` stored it: no write time at all.
        let stored_v1 = r#"{"seq":1,"at":"2026-02-25T06:13:20Z","kind":"account.created","subject":"ecuapass:u1","actor":"ana","summary":{"history_seq":1},"prev_hash":"0000000000000000000000000000000000000000000000000000000000000000","hash":""}"#;
        let v1: AuditEntry = serde_json::from_str(stored_v1).unwrap();
        assert_eq!((v1.recorded_at, v1.pinned_at), (None, None));
        assert!(!v1.is_pinned());
        assert_eq!(v1.period_time(), at);
        assert_eq!(v1.computed_hash().unwrap(), documented_hash(&v1));
        // A v1 entry is written back without the new fields, byte for byte.
        assert_eq!(serde_json::to_string(&v1).unwrap(), stored_v1);

        let real = at + chrono::Duration::days(280);
        let pinned = AuditEntry {
            recorded_at: Some(real),
            pinned_at: Some(at),
            ..v1.clone()
        };
        assert!(pinned.is_pinned());
        assert_eq!(pinned.period_time(), real);
        assert_eq!(pinned.computed_hash().unwrap(), documented_hash(&pinned));
        let unpinned = AuditEntry {
            pinned_at: None,
            ..pinned.clone()
        };
        assert_eq!(
            unpinned.computed_hash().unwrap(),
            documented_hash(&unpinned)
        );
        assert_ne!(unpinned.computed_hash(), v1.computed_hash());
    }
}
