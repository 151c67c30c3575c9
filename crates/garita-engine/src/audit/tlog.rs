//! The audit log as a transparency log: a Merkle tree over the entries
//! ([`merkle`]), its signed tree heads as C2SP checkpoints ([`note`]), so
//! that an auditor can check entries and heads with the proofs, the
//! checkpoints and the public key alone, and a later rewrite of history
//! contradicts every checkpoint handed out before it.
//!
//! A leaf's data is the entry's canonical JSON ([`leaf_data`]): the line an
//! evidence pack writes, so a verifier hashes the bytes it reads.

pub mod merkle;
pub mod note;
pub mod range;

use super::{canonical_json, AuditEntry, Hash};

/// The bytes an entry is a leaf of: its canonical JSON (keys sorted, no
/// spaces), as serialised from the stored entry.
pub fn leaf_data(entry: &AuditEntry) -> Vec<u8> {
    let value = serde_json::to_value(entry).unwrap_or(serde_json::Value::Null);
    let mut out = String::new();
    canonical_json(&value, &mut out);
    out.into_bytes()
}

/// The leaf hash of each entry, in chain order.
pub fn leaf_hashes(entries: &[AuditEntry]) -> Vec<Hash> {
    entries
        .iter()
        .map(|e| merkle::leaf_hash(&leaf_data(e)))
        .collect()
}
