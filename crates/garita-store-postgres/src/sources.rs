//! Workflow sources, stored once per distinct text, exactly as sled stores
//! them: a run's summary keeps `"\u{1}sha256:HEX"` in place of the text
//! (the backup layout in `garita_engine::backup` names this form), and
//! table `sources` maps HEX to the text. A summary copied from sled, or
//! back, is then the same bytes, and so are the audit digests over it.

use garita_engine::audit::summaries::digest;
use garita_engine::{RunRecord, StoreError};

/// Marks a summary's `source` as a reference (the control character keeps
/// it apart from any real workflow text). The same as sled's.
const SOURCE_REF_PREFIX: &str = "\u{1}sha256:";

/// `record` as the summary stores it (the source replaced by its
/// reference), with the digest and the text to store in `sources`.
pub(crate) fn detach(record: &RunRecord) -> (RunRecord, String, Vec<u8>) {
    let key = digest(record.source.as_bytes());
    let mut summary = record.clone();
    summary.source = format!("{SOURCE_REF_PREFIX}{key}");
    (summary, key, record.source.clone().into_bytes())
}

/// The digest a stored summary's source names, if it names one (older
/// summaries, and imported ones, may hold the text itself).
pub(crate) fn named_digest(summary: &RunRecord) -> Option<&str> {
    summary.source.strip_prefix(SOURCE_REF_PREFIX)
}

/// Puts the source text, read with the summary, back into it.
pub(crate) fn attach(
    mut record: RunRecord,
    text: Option<Vec<u8>>,
) -> Result<RunRecord, StoreError> {
    let Some(key) = named_digest(&record).map(str::to_owned) else {
        return Ok(record);
    };
    let text = text.ok_or_else(|| StoreError::Corrupt {
        what: format!("run {}", record.id),
        detail: format!("its workflow source {key} is missing from table `sources`"),
    })?;
    record.source = String::from_utf8(text).map_err(|_| StoreError::Corrupt {
        what: format!("workflow source {key}"),
        detail: "not UTF-8".into(),
    })?;
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;
    use garita_engine::store_conformance::record;

    #[test]
    fn a_detached_source_comes_back_and_names_its_digest() {
        let run = record("R", 0);
        let (summary, key, text) = detach(&run);
        assert_eq!(named_digest(&summary), Some(key.as_str()));
        assert_eq!(key.len(), 64);
        assert_eq!(attach(summary.clone(), Some(text)), Ok(run.clone()));
        assert!(attach(summary, None).is_err(), "a missing source is damage");
        assert_eq!(
            attach(run.clone(), None),
            Ok(run),
            "a summary holding its text"
        );
    }
}
