//! The backup file: a magic line, a JSON header line, sections of records,
//! and a SHA-256 line over everything between the magic line and itself.
//!
//! ```text
//! GARITA-BACKUP\n
//! {"format_version":2,...,"sections":[{"name":"runs","records":2},...]}\n
//! for each section:  b'T' u32-BE name length, name, u64-BE record count
//!   for each record: u32-BE key length, key, u32-BE value length, value
//! SHA-256 <64 lowercase hex digits>\n
//! ```
//!
//! The framing ([`frame`], [`unframe`]) is the same in every format;
//! format 1 (sled's own trees, written before backups were records) is
//! read by the sled store, format 2 ([`BackupHeader`], [`encode_file`],
//! [`decode_file`]) holds a [`RecordSet`].

use std::io::Write;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::records::{Record, RecordKind, RecordSet, Section};
use crate::audit::{hex, AuditHead};

/// First line of every backup file.
const MAGIC: &[u8] = b"GARITA-BACKUP\n";

/// The format of the files this build writes: a [`RecordSet`]. Format 1
/// (sled's trees) is still read, by the sled store; a later number is
/// refused rather than misread.
pub const BACKUP_FORMAT_VERSION: u32 = 2;

/// `SHA-256 ` + 64 hex digits + `\n`.
const TRAILER_LEN: usize = 8 + 64 + 1;

/// Longest header line accepted (a header lists section names and counts).
const MAX_HEADER: usize = 1 << 20;

/// What a backup holds, as its header line says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BackupHeader {
    /// Layout of the file: 2 for records, 1 for a copy of sled's trees.
    pub format_version: u32,
    /// Format 1 only: the sled store's schema version when it was copied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<u32>,
    /// Version of Garita that wrote it.
    pub garita_version: String,
    /// When it was written (from the caller's clock).
    pub created_at: DateTime<Utc>,
    /// Each section in file order, with its record count: a kind of record
    /// (format 2) or a sled tree (format 1).
    pub sections: Vec<SectionCount>,
    /// Total records over all sections.
    pub records: u64,
    /// Format 2: the audit chain's head when it was written (format 1
    /// keeps it inside its `meta` tree).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_head: Option<AuditHead>,
}

impl BackupHeader {
    /// The header of a format-2 file holding `set`, written at `created_at`.
    pub fn of(set: &RecordSet, created_at: DateTime<Utc>) -> Self {
        Self {
            format_version: BACKUP_FORMAT_VERSION,
            schema_version: None,
            garita_version: env!("CARGO_PKG_VERSION").to_owned(),
            created_at,
            sections: set
                .sections
                .iter()
                .map(|s| SectionCount {
                    name: s.kind.name().to_owned(),
                    records: s.records.len() as u64,
                })
                .collect(),
            records: set.len(),
            audit_head: Some(set.audit_head.clone()),
        }
    }
}

/// One section and how many records it held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SectionCount {
    /// The section's name: a kind of record, or a sled tree in format 1.
    pub name: String,
    /// Its number of records.
    pub records: u64,
}

/// A checked file taken apart: its header line (parsed by the format's
/// reader) and its sections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Framed {
    /// The header line, without its newline.
    pub header: Vec<u8>,
    /// Each section's name and records, in file order.
    pub sections: Vec<(String, Vec<Record>)>,
}

/// The whole file for the header line `header` and `sections`.
pub fn frame(header: &[u8], sections: &[(&str, &[Record])]) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::with_capacity(header.len() + 1);
    body.extend_from_slice(header);
    body.push(b'\n');
    for (name, records) in sections {
        body.write_all(b"T")?;
        write_bytes(&mut body, name.as_bytes())?;
        body.write_all(&(records.len() as u64).to_be_bytes())?;
        for (key, value) in records.iter() {
            write_bytes(&mut body, key)?;
            write_bytes(&mut body, value)?;
        }
    }
    let digest = hex(&Sha256::digest(&body));
    let mut file = Vec::with_capacity(MAGIC.len() + body.len() + TRAILER_LEN);
    file.extend_from_slice(MAGIC);
    file.extend_from_slice(&body);
    file.extend_from_slice(format!("SHA-256 {digest}\n").as_bytes());
    Ok(file)
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

/// Reads a whole file: magic line, checksum, header line, sections, with
/// nothing left over or cut short. `Err` says what is wrong.
pub fn unframe(bytes: &[u8]) -> Result<Framed, String> {
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
    Ok(Framed {
        header: body[..newline].to_vec(),
        sections: read_sections(&body[newline + 1..])?,
    })
}

/// The `format_version` of a checked file's header line.
pub fn format_version_of(framed: &Framed) -> Result<u32, String> {
    #[derive(Deserialize)]
    struct Version {
        format_version: u32,
    }
    serde_json::from_slice::<Version>(&framed.header)
        .map(|v| v.format_version)
        .map_err(|e| format!("its header is not valid: {e}"))
}

fn read_sections(mut content: &[u8]) -> Result<Vec<(String, Vec<Record>)>, String> {
    let mut sections = Vec::new();
    while let Some((&tag, rest)) = content.split_first() {
        if tag != b'T' {
            return Err(format!(
                "a section starts with byte {tag:#04x} instead of `T`"
            ));
        }
        content = rest;
        let name = take_bytes(&mut content, "a section name")?;
        let name = String::from_utf8(name.to_vec())
            .map_err(|_| "a section name is not UTF-8".to_string())?;
        let count = u64::from_be_bytes(take_array(&mut content, "a record count")?);
        let mut records = Vec::new();
        for index in 0..count {
            let what = format!("record {index} of section `{name}`");
            let key = take_bytes(&mut content, &what)?.to_vec();
            let value = take_bytes(&mut content, &what)?.to_vec();
            records.push((key, value));
        }
        sections.push((name, records));
    }
    Ok(sections)
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

/// The whole format-2 file for `set`, written at `created_at`, with its header.
pub fn encode_file(
    set: &RecordSet,
    created_at: DateTime<Utc>,
) -> std::io::Result<(BackupHeader, Vec<u8>)> {
    let header = BackupHeader::of(set, created_at);
    let line = serde_json::to_vec(&header)?;
    let sections: Vec<(&str, &[Record])> = set
        .sections
        .iter()
        .map(|s| (s.kind.name(), s.records.as_slice()))
        .collect();
    Ok((header, frame(&line, &sections)?))
}

/// Reads a format-2 file taken apart by [`unframe`]: its header and its
/// records, every section known and as the header counts them. Only the
/// framing and the counts are checked here; [`super::check_record_set`]
/// checks the records themselves.
pub fn decode_file(framed: &Framed) -> Result<(BackupHeader, RecordSet), String> {
    let header: BackupHeader = serde_json::from_slice(&framed.header)
        .map_err(|e| format!("its header is not valid: {e}"))?;
    if header.format_version != BACKUP_FORMAT_VERSION {
        return Err(format!(
            "it has format version {}, but this reader reads version {BACKUP_FORMAT_VERSION}",
            header.format_version
        ));
    }
    let audit_head = header
        .audit_head
        .clone()
        .ok_or("its header has no `audit_head`")?;
    let mut set = RecordSet {
        sections: Vec::new(),
        audit_head,
    };
    for (name, records) in &framed.sections {
        let kind = RecordKind::parse(name).ok_or_else(|| {
            format!("it holds records of kind `{name}`, which this garita does not know; restore it with the garita that wrote it ({}) or a newer one", header.garita_version)
        })?;
        if set.sections.iter().any(|s| s.kind == kind) {
            return Err(format!("it holds section `{name}` twice"));
        }
        set.sections.push(Section {
            kind,
            records: records.clone(),
        });
    }
    let mut ordered = set.sections.clone();
    ordered.sort_by_key(|s| s.kind);
    if ordered != set.sections || !has_every_kind(&set) {
        return Err(format!(
            "its sections are not one of each kind in order ({} found)",
            set.sections.len()
        ));
    }
    let found = BackupHeader::of(&set, header.created_at);
    // A file from before a kind existed: its section is empty here (after
    // the header check, which compares the sections the file holds).
    for kind in RecordKind::ALL {
        if kind.may_be_absent() {
            set.section_mut(kind);
        }
    }
    if found.sections != header.sections || found.records != header.records {
        return Err(format!(
            "its header's section list and counts ({} records) differ from the records it holds ({})",
            header.records,
            set.len()
        ));
    }
    Ok((header, set))
}

/// Whether `set` holds every kind's section, but those a file from before
/// the kind existed lacks.
fn has_every_kind(set: &RecordSet) -> bool {
    RecordKind::ALL
        .into_iter()
        .all(|kind| kind.may_be_absent() || set.sections.iter().any(|s| s.kind == kind))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::audit::GENESIS_PREV_HASH;

    fn sample() -> RecordSet {
        let mut set = RecordSet::empty(AuditHead {
            seq: 0,
            hash: hex(&GENESIS_PREV_HASH),
        });
        set.section_mut(RecordKind::Runs)
            .push((b"r1".to_vec(), b"\x01{}".to_vec()));
        set.section_mut(RecordKind::Sources)
            .push((b"ab".to_vec(), b"name: x".to_vec()));
        set
    }

    fn when() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 5, 12, 0, 0).unwrap()
    }

    #[test]
    fn round_trips() {
        let set = sample();
        let (header, bytes) = encode_file(&set, when()).unwrap();
        let framed = unframe(&bytes).unwrap();
        assert_eq!(format_version_of(&framed), Ok(2));
        assert_eq!(decode_file(&framed).unwrap(), (header.clone(), set));
        assert_eq!(header.records, 2);
        assert_eq!(header.sections.len(), RecordKind::ALL.len());
    }

    #[test]
    fn every_flipped_byte_and_every_truncation_is_refused() {
        let (_, bytes) = encode_file(&sample(), when()).unwrap();
        let read = |bytes: &[u8]| unframe(bytes).and_then(|f| decode_file(&f));
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x20;
            assert!(read(&bad).is_err(), "flipped byte {i} accepted");
            assert!(read(&bytes[..i]).is_err(), "cut at {i} accepted");
        }
    }

    #[test]
    fn messages_say_what_is_wrong() {
        let (_, bytes) = encode_file(&sample(), when()).unwrap();
        let mut bad = bytes.clone();
        let at = bytes.len() - 80;
        bad[at] ^= 1;
        assert!(unframe(&bad).unwrap_err().contains("SHA-256"));
        let cut = unframe(&bytes[..bytes.len() - 10]).unwrap_err();
        assert!(cut.contains("truncated"), "{cut}");
        assert!(unframe(b"hello")
            .unwrap_err()
            .contains("not a garita backup"));
    }

    #[test]
    fn a_section_this_build_does_not_know_is_refused_by_name() {
        let set = sample();
        let header = BackupHeader::of(&set, when());
        let mut line = serde_json::to_value(&header).unwrap();
        line["sections"][0]["name"] = "tokens".into();
        let mut sections: Vec<(&str, &[Record])> = set
            .sections
            .iter()
            .map(|s| (s.kind.name(), s.records.as_slice()))
            .collect();
        sections[0].0 = "tokens";
        let bytes = frame(&serde_json::to_vec(&line).unwrap(), &sections).unwrap();
        let err = decode_file(&unframe(&bytes).unwrap()).unwrap_err();
        assert!(err.contains("`tokens`"), "{err}");
    }

    /// A file written before console users existed has no `users` section:
    /// it reads with an empty one; any other missing section is refused.
    #[test]
    fn a_file_from_before_users_reads_with_none() {
        let set = sample();
        let without = |missing: RecordKind| {
            let mut old = set.clone();
            old.sections.retain(|s| s.kind != missing);
            let header = BackupHeader::of(&old, when());
            let sections: Vec<(&str, &[Record])> = old
                .sections
                .iter()
                .map(|s| (s.kind.name(), s.records.as_slice()))
                .collect();
            let bytes = frame(&serde_json::to_vec(&header).unwrap(), &sections).unwrap();
            decode_file(&unframe(&bytes).unwrap())
        };
        let (_, read) = without(RecordKind::Users).unwrap();
        assert_eq!(read, set);
        let err = without(RecordKind::Tasks).unwrap_err();
        assert!(err.contains("not one of each kind"), "{err}");
    }
}
