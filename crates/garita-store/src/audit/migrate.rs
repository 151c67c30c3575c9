//! Schema 4's migration: audit entries written as JSON (schema 3 and older)
//! are rewritten in the compact encoding (`compact.rs`), each one only after
//! checking that it decodes to the very same entry, so no hash changes.

use std::path::Path;

use garita_engine::record_codec::JSON_V1;
use garita_engine::StoreError;

use super::compact::{decode_entry, encode_entry, COMPACT_V2, COMPACT_V3};
use crate::errors::sled_error;

/// Entries rewritten per sled batch: bounded memory on a store of millions.
const BATCH: usize = 4096;

/// Rewrites every JSON entry of `audit` compactly; returns how many. An
/// entry that does not decode is left as it is (`garita audit verify`
/// names it), and so is one the compact form cannot carry. Safe to repeat:
/// an interrupted migration leaves a mix, which reads the same, and the
/// schema version is only raised after it (see `schema.rs`).
pub(crate) fn compact_json_entries(audit: &sled::Tree, path: &Path) -> Result<u64, StoreError> {
    let mut rewritten = 0;
    let mut batch = sled::Batch::default();
    let mut pending = 0;
    for item in audit.iter() {
        let (key, value) = item.map_err(|e| sled_error(path, "reading the audit log", e))?;
        if value.first() != Some(&JSON_V1) {
            continue;
        }
        let Ok(entry) = decode_entry(&value, String::new) else {
            continue;
        };
        let compact = encode_entry(&entry)?;
        if !matches!(compact.first(), Some(&(COMPACT_V2 | COMPACT_V3))) {
            continue;
        }
        batch.insert(key, compact);
        pending += 1;
        if pending == BATCH {
            apply(audit, path, std::mem::take(&mut batch))?;
            rewritten += pending as u64;
            pending = 0;
        }
    }
    apply(audit, path, batch)?;
    Ok(rewritten + pending as u64)
}

fn apply(audit: &sled::Tree, path: &Path, batch: sled::Batch) -> Result<(), StoreError> {
    audit
        .apply_batch(batch)
        .map_err(|e| sled_error(path, "rewriting audit entries compactly", e))
}
