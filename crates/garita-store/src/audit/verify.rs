//! Checking the chain: every entry decodes, sits under its own seq, follows
//! its predecessor without a gap, links to its hash, and hashes to what it
//! says; the last one is the head recorded in `meta`.

use std::path::Path;

use garita_engine::StoreError;
use serde::Serialize;

use super::chain::{stored_head, AuditHead, ChainHead};
use super::entry::{hex, AuditEntry, GENESIS_PREV_HASH};
use crate::codec::decode;
use crate::errors::sled_error;

/// At most this many problems are described; the rest are only counted.
const MAX_DESCRIBED: usize = 100;

/// One broken place in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditProblem {
    /// The seq where it was found (the key's seq when the entry is unreadable).
    pub seq: u64,
    /// The entry's kind, when it could be read.
    pub kind: Option<String>,
    /// The entry's subject, when it could be read.
    pub subject: Option<String>,
    /// What does not match, in words.
    pub problem: String,
}

impl std::fmt::Display for AuditProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "entry {}", self.seq)?;
        if let Some(kind) = &self.kind {
            write!(f, " ({kind}")?;
            if let Some(subject) = &self.subject {
                write!(f, " {subject}")?;
            }
            f.write_str(")")?;
        }
        write!(f, ": {}", self.problem)
    }
}

/// What `verify_audit` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    /// Entries read.
    pub entries: u64,
    /// The head recorded in the store.
    pub head: AuditHead,
    /// The first problems, in chain order (empty: the chain is intact).
    pub problems: Vec<AuditProblem>,
    /// Problems found beyond the described ones.
    pub more_problems: u64,
    /// Run events, account history entries, tasks and outbox messages
    /// compared with the digest their entries recorded.
    pub records_checked: u64,
}

impl AuditReport {
    /// True when no entry was modified, removed, added or reordered, and
    /// every record still matches its entries.
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }

    /// Adds a problem found beyond the chain (a record that no longer
    /// matches its entry), described while there is room.
    pub(crate) fn add(&mut self, seq: u64, kind: String, subject: String, problem: String) {
        if self.problems.len() >= MAX_DESCRIBED {
            self.more_problems += 1;
        } else {
            self.problems.push(AuditProblem {
                seq,
                kind: Some(kind),
                subject: Some(subject),
                problem,
            });
        }
    }
}

/// Collects problems, describing the first [`MAX_DESCRIBED`].
struct Findings {
    problems: Vec<AuditProblem>,
    more: u64,
}

impl Findings {
    fn add(&mut self, seq: u64, entry: Option<&AuditEntry>, problem: String) {
        if self.problems.len() >= MAX_DESCRIBED {
            self.more += 1;
            return;
        }
        self.problems.push(AuditProblem {
            seq,
            kind: entry.map(|e| e.kind.clone()),
            subject: entry.map(|e| e.subject.clone()),
            problem,
        });
    }
}

/// Verifies the chain in `tree` against the head recorded in `meta`.
/// `head` is the head in memory, taken under the chain's lock together
/// with the recorded one; entries appended after it are checked next time.
pub(crate) fn verify(
    tree: &sled::Tree,
    meta: &sled::Tree,
    path: &Path,
    head: ChainHead,
) -> Result<AuditReport, StoreError> {
    let mut found = Findings {
        problems: Vec::new(),
        more: 0,
    };
    let recorded = match stored_head(meta, path) {
        Ok(Some(recorded)) => recorded,
        Ok(None) => {
            if head.seq > 0 {
                found.add(
                    head.seq,
                    None,
                    "the chain's recorded head is missing".into(),
                );
            }
            AuditHead::from(head)
        }
        Err(e) => {
            found.add(
                head.seq,
                None,
                format!("the chain's recorded head is unreadable: {e}"),
            );
            AuditHead::from(head)
        }
    };
    if recorded != AuditHead::from(head) {
        found.add(
            recorded.seq,
            None,
            format!(
                "the recorded head (entry {}, {}) differs from the head this process appended to (entry {}, {}): it was changed while the store was open",
                recorded.seq, recorded.hash, head.seq, hex(&head.hash)
            ),
        );
    }
    // Expected seq and prev_hash of the next entry; None after an
    // unreadable entry, whose hash is unknown.
    let mut expected_seq = 1u64;
    let mut expected_prev = Some(hex(&GENESIS_PREV_HASH));
    let mut last: Option<(u64, String)> = None;
    let mut entries = 0u64;
    for item in tree.range(..=recorded.seq.to_be_bytes()) {
        let (key, value) = item.map_err(|e| sled_error(path, "reading the audit log", e))?;
        entries += 1;
        let Ok(key_seq) = <[u8; 8]>::try_from(key.as_ref()).map(u64::from_be_bytes) else {
            found.add(
                expected_seq,
                None,
                format!(
                    "a key of {} bytes that is not an entry's seq was added",
                    key.len()
                ),
            );
            continue;
        };
        if key_seq > expected_seq {
            let missing = if key_seq - expected_seq == 1 {
                format!("entry {expected_seq} is missing (removed)")
            } else {
                format!(
                    "entries {expected_seq} to {} are missing (removed)",
                    key_seq - 1
                )
            };
            found.add(expected_seq, None, missing);
            // The link check below then names the entry after the hole.
            expected_prev = None;
        }
        expected_seq = key_seq + 1;
        let entry: AuditEntry = match decode(&value, || format!("audit entry {key_seq}")) {
            Ok(entry) => entry,
            Err(e) => {
                found.add(
                    key_seq,
                    None,
                    format!("cannot be read ({e}): it was modified"),
                );
                expected_prev = None;
                last = Some((key_seq, String::new()));
                continue;
            }
        };
        check_entry(&entry, key_seq, expected_prev.as_deref(), &mut found);
        expected_prev = Some(entry.hash.clone());
        last = Some((key_seq, entry.hash));
    }
    check_tail(&recorded, last, &mut found);
    Ok(AuditReport {
        entries,
        head: recorded,
        problems: found.problems,
        more_problems: found.more,
        records_checked: 0,
    })
}

/// The checks of one readable entry found under key `key_seq`.
fn check_entry(
    entry: &AuditEntry,
    key_seq: u64,
    expected_prev: Option<&str>,
    found: &mut Findings,
) {
    if entry.seq != key_seq {
        found.add(
            key_seq,
            Some(entry),
            format!(
                "holds entry {} instead (entries were moved or reordered)",
                entry.seq
            ),
        );
    }
    match expected_prev {
        Some(prev) if prev != entry.prev_hash => found.add(
            key_seq,
            Some(entry),
            format!(
                "prev_hash {} is not the hash of entry {} ({prev}): an entry before it was modified, removed or reordered",
                entry.prev_hash,
                key_seq.saturating_sub(1)
            ),
        ),
        None if key_seq > 1 => found.add(
            key_seq,
            Some(entry),
            format!("follows a missing or unreadable entry {}", key_seq - 1),
        ),
        _ => {}
    }
    match entry.computed_hash() {
        Some(hash) if hash == entry.hash => {}
        Some(hash) => found.add(
            key_seq,
            Some(entry),
            format!(
                "its content hashes to {hash}, not to the recorded {}: it was modified",
                entry.hash
            ),
        ),
        None => found.add(
            key_seq,
            Some(entry),
            format!(
                "prev_hash {:?} is not 64 hex digits: it was modified",
                entry.prev_hash
            ),
        ),
    }
}

/// The last entry must be the recorded head: otherwise the newest entries
/// were removed (or the head was altered).
fn check_tail(recorded: &AuditHead, last: Option<(u64, String)>, found: &mut Findings) {
    let (last_seq, last_hash) = last.unwrap_or((0, hex(&GENESIS_PREV_HASH)));
    if last_seq < recorded.seq {
        let missing = if recorded.seq - last_seq == 1 {
            format!(
                "entry {} is missing (removed); the recorded head is entry {}",
                recorded.seq, recorded.seq
            )
        } else {
            format!(
                "entries {} to {} are missing (removed); the recorded head is entry {}",
                last_seq + 1,
                recorded.seq,
                recorded.seq
            )
        };
        found.add(last_seq + 1, None, missing);
    } else if last_hash != recorded.hash && !last_hash.is_empty() {
        found.add(
            last_seq,
            None,
            format!(
                "the last entry's hash {last_hash} is not the recorded head {}: it was replaced",
                recorded.hash
            ),
        );
    }
}
