//! The backup file: a magic line, a JSON header line, the records, and a
//! SHA-256 line over everything between the magic line and itself.
//!
//! ```text
//! GARITA-BACKUP\n
//! {"format_version":1,"schema_version":1,...,"trees":[{"name":"runs","records":2},...]}\n
//! for each tree:   b'T' u32-BE name length, name, u64-BE record count
//!   for each record: u32-BE key length, key, u32-BE value length, value
//! SHA-256 <64 lowercase hex digits>\n
//! ```
//!
//! Keys and values are sled's bytes as they are (see the key layout in the
//! crate docs), so a restore writes back exactly what was read.

use std::io::Write;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// First line of every backup file.
pub(crate) const MAGIC: &[u8] = b"GARITA-BACKUP\n";

/// The layout described above. A later layout gets a new number, which this
/// build refuses rather than misreads.
pub const BACKUP_FORMAT_VERSION: u32 = 1;

/// `SHA-256 ` + 64 hex digits + `\n`.
const TRAILER_LEN: usize = 8 + 64 + 1;

/// Longest header line accepted (a header lists tree names and counts).
const MAX_HEADER: usize = 1 << 20;

/// What a backup holds, as its header line says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BackupHeader {
    /// Layout of the file ([`BACKUP_FORMAT_VERSION`]).
    pub format_version: u32,
    /// The store's schema version when it was copied ([`crate::SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// Version of the garita-store crate that wrote it.
    pub garita_version: String,
    /// When it was written (from the caller's clock).
    pub created_at: DateTime<Utc>,
    /// Every sled tree of the store, in file order, with its record count.
    pub trees: Vec<TreeCount>,
    /// Total records over all trees.
    pub records: u64,
}

/// One tree and how many records it held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TreeCount {
    /// The sled tree name.
    pub name: String,
    /// Its number of key/value pairs.
    pub records: u64,
}

/// One tree's records, in key order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TreeData {
    pub(crate) name: String,
    pub(crate) records: Vec<(Vec<u8>, Vec<u8>)>,
}

/// Writes the content section of `trees` into `out` (a file buffer or a hasher).
pub(crate) fn write_content(out: &mut impl Write, trees: &[TreeData]) -> std::io::Result<()> {
    for tree in trees {
        out.write_all(b"T")?;
        write_bytes(out, tree.name.as_bytes())?;
        out.write_all(&(tree.records.len() as u64).to_be_bytes())?;
        for (key, value) in &tree.records {
            write_bytes(out, key)?;
            write_bytes(out, value)?;
        }
    }
    Ok(())
}

fn write_bytes(out: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    let len = u32::try_from(bytes.len()).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "a key or value is larger than 4 GiB",
        )
    })?;
    out.write_all(&len.to_be_bytes())?;
    out.write_all(bytes)
}

/// The whole file for `header` and `trees`.
pub(crate) fn encode_file(header: &BackupHeader, trees: &[TreeData]) -> std::io::Result<Vec<u8>> {
    let mut body = serde_json::to_vec(header)?;
    body.push(b'\n');
    write_content(&mut body, trees)?;
    let digest = hex(&Sha256::digest(&body));
    let mut file = Vec::with_capacity(MAGIC.len() + body.len() + TRAILER_LEN);
    file.extend_from_slice(MAGIC);
    file.extend_from_slice(&body);
    file.extend_from_slice(format!("SHA-256 {digest}\n").as_bytes());
    Ok(file)
}

/// Reads and checks a whole backup file: magic line, checksum, header,
/// every tree section against the header. `Err` says what is wrong.
pub(crate) fn decode_file(bytes: &[u8]) -> Result<(BackupHeader, Vec<TreeData>), String> {
    let rest = bytes
        .strip_prefix(MAGIC)
        .ok_or("it does not start with `GARITA-BACKUP`: it is not a garita backup file")?;
    if rest.len() < TRAILER_LEN {
        return Err(format!(
            "it is only {} bytes long: the file is truncated",
            bytes.len()
        ));
    }
    let (body, trailer) = rest.split_at(rest.len() - TRAILER_LEN);
    let expected = trailer
        .strip_prefix(b"SHA-256 ")
        .and_then(|t| t.strip_suffix(b"\n"))
        .ok_or("it does not end with its `SHA-256` line: the file is truncated or was cut short while it was written")?;
    let actual = hex(&Sha256::digest(body));
    if actual.as_bytes() != expected {
        return Err(format!(
            "its SHA-256 is {actual}, but the file says {}: the file was changed or damaged after it was written",
            String::from_utf8_lossy(expected)
        ));
    }
    let newline = body
        .iter()
        .take(MAX_HEADER)
        .position(|b| *b == b'\n')
        .ok_or("its header line is missing or longer than 1 MiB")?;
    let header: BackupHeader = serde_json::from_slice(&body[..newline])
        .map_err(|e| format!("its header is not valid: {e}"))?;
    if header.format_version != BACKUP_FORMAT_VERSION {
        return Err(format!(
            "it has format version {}, but this garita reads version {BACKUP_FORMAT_VERSION}; use the garita that wrote it",
            header.format_version
        ));
    }
    let trees = read_content(&body[newline + 1..])?;
    check_against_header(&header, &trees)?;
    Ok((header, trees))
}

/// Parses the content section, refusing anything left over or cut short.
fn read_content(mut content: &[u8]) -> Result<Vec<TreeData>, String> {
    let mut trees = Vec::new();
    while let Some((&tag, rest)) = content.split_first() {
        if tag != b'T' {
            return Err(format!(
                "a tree section starts with byte {tag:#04x} instead of `T`"
            ));
        }
        content = rest;
        let name = take_bytes(&mut content, "a tree name")?;
        let name =
            String::from_utf8(name.to_vec()).map_err(|_| "a tree name is not UTF-8".to_string())?;
        let count = u64::from_be_bytes(take_array(&mut content, "a record count")?);
        let mut records = Vec::new();
        for index in 0..count {
            let what = format!("record {index} of tree `{name}`");
            let key = take_bytes(&mut content, &what)?.to_vec();
            let value = take_bytes(&mut content, &what)?.to_vec();
            records.push((key, value));
        }
        trees.push(TreeData { name, records });
    }
    Ok(trees)
}

fn take_array<const N: usize>(content: &mut &[u8], what: &str) -> Result<[u8; N], String> {
    if content.len() < N {
        return Err(format!("{what} is cut short"));
    }
    let (head, rest) = content.split_at(N);
    *content = rest;
    head.try_into().map_err(|_| format!("{what} is cut short"))
}

fn take_bytes<'c>(content: &mut &'c [u8], what: &str) -> Result<&'c [u8], String> {
    let len = u32::from_be_bytes(take_array(content, what)?) as usize;
    if content.len() < len {
        return Err(format!("{what} is cut short"));
    }
    let (bytes, rest) = content.split_at(len);
    *content = rest;
    Ok(bytes)
}

/// The header's tree list and counts must be exactly what the content holds.
fn check_against_header(header: &BackupHeader, trees: &[TreeData]) -> Result<(), String> {
    let found: Vec<TreeCount> = trees
        .iter()
        .map(|t| TreeCount {
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
    Ok(())
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn sample() -> (BackupHeader, Vec<TreeData>) {
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
        let header = BackupHeader {
            format_version: BACKUP_FORMAT_VERSION,
            schema_version: 1,
            garita_version: "0.1.0".into(),
            created_at: Utc.with_ymd_and_hms(2026, 1, 5, 12, 0, 0).unwrap(),
            trees: vec![
                TreeCount {
                    name: "runs".into(),
                    records: 1,
                },
                TreeCount {
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
        let bytes = encode_file(&header, &trees).unwrap();
        assert_eq!(decode_file(&bytes).unwrap(), (header, trees));
    }

    #[test]
    fn every_flipped_byte_and_every_truncation_is_refused() {
        let (header, trees) = sample();
        let bytes = encode_file(&header, &trees).unwrap();
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x20;
            assert!(decode_file(&bad).is_err(), "flipped byte {i} accepted");
            assert!(decode_file(&bytes[..i]).is_err(), "cut at {i} accepted");
        }
    }

    #[test]
    fn messages_say_what_is_wrong() {
        let (header, trees) = sample();
        let bytes = encode_file(&header, &trees).unwrap();
        let mut bad = bytes.clone();
        let at = bytes.len() - 80;
        bad[at] ^= 1;
        assert!(decode_file(&bad).unwrap_err().contains("SHA-256"));
        let cut = decode_file(&bytes[..bytes.len() - 10]).unwrap_err();
        assert!(cut.contains("truncated"), "{cut}");
        assert!(decode_file(b"hello")
            .unwrap_err()
            .contains("not a garita backup"));
    }
}
