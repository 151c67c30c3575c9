//! Reading entries: by seq range, and by time for an export.

use std::ops::{Bound, RangeBounds};
use std::path::Path;

use chrono::{DateTime, Utc};
use garita_engine::StoreError;

use super::compact::decode_entry;
use crate::errors::sled_error;
use garita_engine::audit::AuditEntry;

/// The entries whose seq is in `seqs`, in chain order. An entry that cannot
/// be decoded is an error naming it (`garita audit verify` says more).
pub(crate) fn by_seq(
    tree: &sled::Tree,
    path: &Path,
    seqs: impl RangeBounds<u64>,
) -> Result<Vec<AuditEntry>, StoreError> {
    let key = |b: Bound<&u64>| match b {
        Bound::Included(seq) => Bound::Included(seq.to_be_bytes()),
        Bound::Excluded(seq) => Bound::Excluded(seq.to_be_bytes()),
        Bound::Unbounded => Bound::Unbounded,
    };
    let range = (key(seqs.start_bound()), key(seqs.end_bound()));
    let mut out = Vec::new();
    for item in tree.range::<[u8; 8], _>(range) {
        out.push(decode_item(item, path)?);
    }
    Ok(out)
}

/// The entries whose [`AuditEntry::period_time`] (`recorded_at`, or `at`
/// for entries written before it existed) is in `[from, to)`, in chain
/// order. Old entries' `at` need not grow with seq (a pinned clock, a late
/// task answer), and the system clock may have been set back, so every
/// entry is read.
pub(crate) fn between(
    tree: &sled::Tree,
    path: &Path,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<AuditEntry>, StoreError> {
    let mut out = Vec::new();
    for item in tree.iter() {
        let entry = decode_item(item, path)?;
        let time = entry.period_time();
        if time >= from && time < to {
            out.push(entry);
        }
    }
    Ok(out)
}

fn decode_item(
    item: sled::Result<(sled::IVec, sled::IVec)>,
    path: &Path,
) -> Result<AuditEntry, StoreError> {
    let (key, value) = item.map_err(|e| sled_error(path, "reading the audit log", e))?;
    decode_entry(&value, || {
        let seq = <[u8; 8]>::try_from(key.as_ref()).map_or(0, u64::from_be_bytes);
        format!("audit entry {seq} (run `garita audit verify`)")
    })
}
