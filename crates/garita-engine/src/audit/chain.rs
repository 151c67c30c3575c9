//! The chain's head and the step that links a record after it: the part of
//! appending that is the same for every backend. A backend holds its own
//! lock around the head, reads the write time under it (so entries are
//! dated in chain order), calls [`PendingEntry::chained`] for each record
//! and stores the entries and the new head in the same transaction as the
//! change they record; only once that transaction is applied does the head
//! it keeps in memory move.

use serde::{Deserialize, Serialize};

use super::entry::{
    canonical_body, chain_hash, hex, parse_hash, write_time_bytes, AuditEntry, AuditRecord, Hash,
    GENESIS_PREV_HASH,
};
use crate::clock::WriteTime;

/// The last entry of the chain: its seq (0 before the first) and hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainHead {
    /// Seq of the last entry; 0 for an empty chain.
    pub seq: u64,
    /// Its hash; [`GENESIS_PREV_HASH`] for an empty chain.
    pub hash: Hash,
}

impl ChainHead {
    /// The head of an empty chain.
    pub const GENESIS: Self = Self {
        seq: 0,
        hash: GENESIS_PREV_HASH,
    };

    /// The head `head` names, or `None` when its hash is not 64 hex digits.
    pub fn parse(head: &AuditHead) -> Option<Self> {
        parse_hash(&head.hash).map(|hash| Self {
            seq: head.seq,
            hash,
        })
    }
}

/// The head as a backend records it and as people see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AuditHead {
    /// Seq of the last entry (0: no entry yet).
    pub seq: u64,
    /// Hex SHA-256 of the last entry (64 zeros: no entry yet).
    pub hash: String,
}

impl From<ChainHead> for AuditHead {
    fn from(head: ChainHead) -> Self {
        Self {
            seq: head.seq,
            hash: hex(&head.hash),
        }
    }
}

/// A record with its canonical body computed, so that under a backend's
/// lock only one SHA-256 per entry remains.
#[derive(Debug, Clone)]
pub struct PendingEntry {
    record: AuditRecord,
    body: Vec<u8>,
}

impl PendingEntry {
    /// Prepares `record` for appending.
    pub fn new(record: AuditRecord) -> Self {
        let body = canonical_body(
            &record.at,
            &record.kind,
            &record.subject,
            record.actor.as_deref(),
            &record.summary,
        );
        Self { record, body }
    }

    /// The entry this record becomes after `head`, written at `time`, and
    /// the head it leaves.
    pub fn chained(&self, head: &ChainHead, time: &WriteTime) -> (AuditEntry, ChainHead) {
        let seq = head.seq + 1;
        let written = write_time_bytes(Some(&time.recorded_at), time.pinned_at.as_ref());
        let hash = chain_hash(seq, &self.body, written.as_deref(), &head.hash);
        let record = &self.record;
        let entry = AuditEntry {
            seq,
            at: record.at,
            kind: record.kind.clone(),
            subject: record.subject.clone(),
            actor: record.actor.clone(),
            summary: record.summary.clone(),
            recorded_at: Some(time.recorded_at),
            pinned_at: time.pinned_at,
            prev_hash: hex(&head.hash),
            hash: hex(&hash),
        };
        (entry, ChainHead { seq, hash })
    }
}
