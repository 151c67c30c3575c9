//! Format 1: a copy of sled's trees by name, which Garita wrote before
//! backups were records (`garita_engine::backup`). This build no longer
//! writes it but still restores it. Its framing is the shared one
//! (`garita_engine::backup::unframe`); each section is a sled tree, keys
//! and values sled's bytes as they were, indexes included.

use chrono::{DateTime, Utc};
use garita_engine::backup::{BackupHeader, Framed, Record, SectionCount};
use serde::{Deserialize, Serialize};

/// The header line of a format-1 file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct TreeHeader {
    /// Always 1.
    pub(crate) format_version: u32,
    /// The store's schema version when it was copied.
    pub(crate) schema_version: u32,
    /// Version of the garita-store crate that wrote it.
    pub(crate) garita_version: String,
    /// When it was written.
    pub(crate) created_at: DateTime<Utc>,
    /// Every sled tree of the store, in file order, with its record count.
    pub(crate) trees: Vec<SectionCount>,
    /// Total records over all trees.
    pub(crate) records: u64,
}

impl TreeHeader {
    /// As every backup's header reads.
    pub(crate) fn into_header(self) -> BackupHeader {
        BackupHeader {
            format_version: self.format_version,
            schema_version: Some(self.schema_version),
            garita_version: self.garita_version,
            created_at: self.created_at,
            sections: self.trees,
            records: self.records,
            audit_head: None,
        }
    }
}

/// One tree's records, in key order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TreeData {
    pub(crate) name: String,
    pub(crate) records: Vec<Record>,
}

/// Reads a checked format-1 file: its header and every tree, as the
/// header counts them.
pub(crate) fn decode_trees(framed: Framed) -> Result<(TreeHeader, Vec<TreeData>), String> {
    let header: TreeHeader = serde_json::from_slice(&framed.header)
        .map_err(|e| format!("its header is not valid: {e}"))?;
    let trees: Vec<TreeData> = framed
        .sections
        .into_iter()
        .map(|(name, records)| TreeData { name, records })
        .collect();
    let found: Vec<SectionCount> = trees
        .iter()
        .map(|t| SectionCount {
            name: t.name.clone(),
            records: t.records.len() as u64,
        })
        .collect();
    if found != header.trees {
        return Err("its header's tree list and counts differ from the records it holds".into());
    }
    let total: u64 = found.iter().map(|t| t.records).sum();
    if total != header.records {
        return Err(format!(
            "its header says {} records, but it holds {total}",
            header.records
        ));
    }
    Ok((header, trees))
}

#[cfg(test)]
pub(crate) mod tests {
    use chrono::TimeZone;
    use garita_engine::backup::{format_version_of, frame, unframe};

    use super::*;

    /// A format-1 file of `trees`, as the garita of session 9 wrote them.
    pub(crate) fn encode_trees(header: &TreeHeader, trees: &[TreeData]) -> Vec<u8> {
        let sections: Vec<(&str, &[Record])> = trees
            .iter()
            .map(|t| (t.name.as_str(), t.records.as_slice()))
            .collect();
        frame(&serde_json::to_vec(header).unwrap(), &sections).unwrap()
    }

    fn sample() -> (TreeHeader, Vec<TreeData>) {
        let trees = vec![
            TreeData {
                name: "runs".into(),
                records: vec![(b"r1".to_vec(), b"\x01{}".to_vec())],
            },
            TreeData {
                name: "empty".into(),
                records: Vec::new(),
            },
        ];
        let header = TreeHeader {
            format_version: 1,
            schema_version: 1,
            garita_version: "0.1.0".into(),
            created_at: Utc.with_ymd_and_hms(2026, 1, 5, 12, 0, 0).unwrap(),
            trees: vec![
                SectionCount {
                    name: "runs".into(),
                    records: 1,
                },
                SectionCount {
                    name: "empty".into(),
                    records: 0,
                },
            ],
            records: 1,
        };
        (header, trees)
    }

    #[test]
    fn round_trips() {
        let (header, trees) = sample();
        let framed = unframe(&encode_trees(&header, &trees)).unwrap();
        assert_eq!(format_version_of(&framed), Ok(1));
        assert_eq!(decode_trees(framed).unwrap(), (header, trees));
    }

    #[test]
    fn counts_must_match_the_header() {
        let (mut header, trees) = sample();
        header.records = 2;
        let framed = unframe(&encode_trees(&header, &trees)).unwrap();
        assert!(decode_trees(framed).unwrap_err().contains("says 2 records"));
    }
}
