//! Workflow sources, stored once per distinct text.
//!
//! A run's summary is rewritten with every commit, but its workflow source
//! never changes and is shared by every run of the same file. So the summary
//! keeps only a reference (`SOURCE_REF_PREFIX` + SHA-256 of the text) and tree
//! `sources` maps that digest to the text, written when a run is created.
//! Summaries written before this existed hold the text itself and are read
//! as they are.

use std::path::Path;

use garita_engine::{RunRecord, StoreError};
use sha2::{Digest, Sha256};

use crate::errors::sled_error;
use crate::trees::Trees;

/// Marks a summary's `source` as a reference. The control character keeps it
/// apart from any real workflow text, which the parser would reject with it.
const SOURCE_REF_PREFIX: &str = "\u{1}sha256:";

/// The digest key of `source` in tree `sources`.
pub(crate) fn source_key(source: &str) -> Vec<u8> {
    let digest = Sha256::digest(source.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex.into_bytes()
}

/// `record` as the summary stores it: the source replaced by its reference.
/// Returns the summary and the `(key, text)` to store in `sources`.
pub(crate) fn detach(record: &RunRecord) -> (RunRecord, (Vec<u8>, Vec<u8>)) {
    let key = source_key(&record.source);
    let mut summary = record.clone();
    summary.source = format!("{SOURCE_REF_PREFIX}{}", String::from_utf8_lossy(&key));
    (summary, (key, record.source.clone().into_bytes()))
}

/// Puts the source text back into a summary read from the store.
pub(crate) fn attach(
    trees: &Trees,
    path: &Path,
    mut record: RunRecord,
) -> Result<RunRecord, StoreError> {
    let Some(key) = record.source.strip_prefix(SOURCE_REF_PREFIX) else {
        return Ok(record);
    };
    let text = trees
        .sources
        .get(key.as_bytes())
        .map_err(|e| sled_error(path, "reading a workflow source", e))?
        .ok_or_else(|| StoreError::Corrupt {
            what: format!("run {}", record.id),
            detail: format!("its workflow source {key} is missing from tree `sources`"),
        })?;
    record.source = String::from_utf8(text.to_vec()).map_err(|_| StoreError::Corrupt {
        what: format!("workflow source {key}"),
        detail: "not UTF-8".into(),
    })?;
    Ok(record)
}
