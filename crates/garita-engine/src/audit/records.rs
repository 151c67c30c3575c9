//! Checking the records against their entries. Each entry's summary carries
//! the SHA-256 of the record it was written with (`event_sha256`,
//! `history_sha256`, `task_sha256`, `outbox_sha256`, `user_sha256`), so
//! verification can also tell whether the run events, account history,
//! tasks, outbox messages and console users themselves were altered after
//! their entries were written, not only the log (a user's role or password
//! hash changed in the store behind Garita's back is reported).
//!
//! Run events and account history are append-only: every entry's record
//! must still hash the same. Tasks, outbox messages and users are rewritten in
//! place: the newest entry of each must match what is stored now. And a run
//! whose creation is in the log must have an entry for every stored event
//! (runs created before the log existed have none, and are not checked).
//! The one removal that is not tampering is retention: events a
//! `run.pruned` entry of the same run names are expected to be missing
//! (their `run.event` entries keep the digests).

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;

use super::entry::AuditEntry;
use super::summaries::{digest, pruned_seqs, RUN_EVENT, RUN_PRUNED};
use super::verify::AuditReport;
use crate::account::AccountKey;
use crate::store::StoreError;

/// Entries read per page while checking records.
const PAGE: usize = 1024;

/// The records a backend's audit entries refer to, as the exact bytes it
/// stored (the digests in the entries were taken over those bytes), and its
/// entries by page. Implemented by every backend that keeps an audit log.
#[async_trait]
pub trait AuditedRecords: Send + Sync {
    /// Up to `limit` slots of the log from seq `from` on, in seq order:
    /// each seq with its entry, or `None` when it cannot be read (the chain
    /// check reports those).
    async fn audit_page(
        &self,
        from: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Option<AuditEntry>)>, StoreError>;

    /// The stored bytes of event `seq` of run `run`.
    async fn stored_event(&self, run: &str, seq: u64) -> Result<Option<Vec<u8>>, StoreError>;

    /// The seqs of every stored event of run `run` (`None` for a stored
    /// event whose seq cannot be read).
    async fn stored_event_seqs(&self, run: &str) -> Result<Vec<Option<u64>>, StoreError>;

    /// The stored bytes of history entry `seq` of `account`.
    async fn stored_history(
        &self,
        account: &AccountKey,
        seq: u64,
    ) -> Result<Option<Vec<u8>>, StoreError>;

    /// The stored bytes of a record rewritten in place: a task by id, an
    /// outbox message by Message-ID, a console user by email.
    async fn stored_current(
        &self,
        kind: Rewritten,
        id: &str,
    ) -> Result<Option<Vec<u8>>, StoreError>;
}

/// The records rewritten in place, whose newest entry must match them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rewritten {
    /// A task (entries `task.*`, digest `task_sha256`).
    Task,
    /// An outbox message (entries `email.*`, digest `outbox_sha256`).
    Message,
    /// A console user (entries `user.*`, digest `user_sha256`).
    User,
}

impl Rewritten {
    const ALL: [Self; 3] = [Self::Task, Self::Message, Self::User];

    fn kind_prefix(self) -> &'static str {
        match self {
            Self::Task => "task.",
            Self::Message => "email.",
            Self::User => "user.",
        }
    }

    fn digest_field(self) -> &'static str {
        match self {
            Self::Task => "task_sha256",
            Self::Message => "outbox_sha256",
            Self::User => "user_sha256",
        }
    }

    fn of(entry: &AuditEntry) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|r| entry.kind.starts_with(r.kind_prefix()))
    }
}

/// Checks every record the entries up to `report.head` refer to and adds
/// what no longer matches to `report`.
pub async fn check_records(
    source: &dyn AuditedRecords,
    report: &mut AuditReport,
) -> Result<(), StoreError> {
    let found = check(source, report.head.seq, &report.head.hash).await?;
    report.records_checked = found.compared;
    for (seq, kind, subject, problem) in found.mismatches {
        report.add(seq, kind, subject, problem);
    }
    Ok(())
}

/// One mismatch: the entry's seq, kind, subject and what is wrong.
type Mismatch = (u64, String, String, String);

/// What the records check found, and how many records it compared.
#[derive(Debug, Default)]
struct RecordsCheck {
    compared: u64,
    mismatches: Vec<Mismatch>,
    /// Mismatches that an entry appended after the checked head would
    /// explain (a commit that landed while verifying, through the daemon).
    suspects: Vec<(Mismatch, Later)>,
}

/// The entry that would explain a suspect.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Later {
    /// A `run.event` entry of this run and event seq.
    Event(String, u64),
    /// An entry of this rewritten kind (index) and subject with this digest.
    Record(Rewritten, String, String),
}

/// Compares every record an entry refers to with its digest; `up_to` and
/// `head_hash` are the head the chain was verified to.
async fn check(
    source: &dyn AuditedRecords,
    up_to: u64,
    head_hash: &str,
) -> Result<RecordsCheck, StoreError> {
    let mut found = RecordsCheck::default();
    let mut newest: BTreeMap<(Rewritten, String), (u64, String, String)> = BTreeMap::new();
    let mut audited_runs: BTreeMap<String, AuditedRun> = BTreeMap::new();
    // Events found missing, decided once every `run.pruned` entry is read.
    let mut missing: Vec<(Mismatch, String, u64)> = Vec::new();
    let mut pruned: BTreeMap<String, Vec<std::ops::Range<u64>>> = BTreeMap::new();
    let mut from = 1;
    'pages: while from <= up_to {
        let page = source.audit_page(from, PAGE).await?;
        let Some(last) = page.last().map(|(seq, _)| *seq) else {
            break;
        };
        for (seq, entry) in page {
            if seq > up_to {
                break 'pages;
            }
            // Unreadable entries are the chain check's to report.
            let Some(entry) = entry else {
                continue;
            };
            let digest_of = |field: &str| entry.summary[field].as_str().map(str::to_owned);
            if entry.kind == RUN_EVENT {
                let (Some(seq), Some(expected)) =
                    (entry.summary["seq"].as_u64(), digest_of("event_sha256"))
                else {
                    continue;
                };
                let run = audited_runs.entry(entry.subject.clone()).or_default();
                run.1.insert(seq);
                if seq == 0 {
                    run.0 = Some(entry.seq);
                }
                let stored = source.stored_event(&entry.subject, seq).await?;
                let what = format!("event {seq} of run {}", entry.subject);
                let before = found.mismatches.len();
                compare(&mut found, at(&entry), &what, stored.as_deref(), &expected);
                if stored.is_none() && found.mismatches.len() > before {
                    let mismatch = found.mismatches.remove(before);
                    missing.push((mismatch, entry.subject.clone(), seq));
                }
            } else if entry.kind == RUN_PRUNED {
                if let Some(range) = pruned_seqs(&entry.summary) {
                    pruned.entry(entry.subject.clone()).or_default().push(range);
                }
            } else if entry.kind.starts_with("account.") {
                let (Some(seq), Some(expected)) = (
                    entry.summary["history_seq"].as_u64(),
                    digest_of("history_sha256"),
                ) else {
                    continue;
                };
                let Some((portal, identifier)) = entry.subject.split_once(':') else {
                    continue;
                };
                let key = AccountKey::new(portal, identifier);
                let stored = source.stored_history(&key, seq).await?;
                let what = format!("history entry {seq} of account {}", entry.subject);
                compare(&mut found, at(&entry), &what, stored.as_deref(), &expected);
            } else if let Some(rewritten) = Rewritten::of(&entry) {
                if let Some(expected) = digest_of(rewritten.digest_field()) {
                    newest.insert(
                        (rewritten, entry.subject.clone()),
                        (entry.seq, entry.kind.clone(), expected),
                    );
                }
            }
        }
        from = last.saturating_add(1);
    }
    for ((rewritten, subject), (seq, kind, expected)) in newest {
        let stored = source.stored_current(rewritten, &subject).await?;
        let what = format!("the current record of {subject}");
        let before = found.mismatches.len();
        compare(
            &mut found,
            (seq, &kind, &subject),
            &what,
            stored.as_deref(),
            &expected,
        );
        if found.mismatches.len() > before {
            let current = stored.as_deref().map(digest).unwrap_or_default();
            let suspect = found.mismatches.remove(before);
            found
                .suspects
                .push((suspect, Later::Record(rewritten, subject, current)));
        }
    }
    for (mismatch, run, seq) in missing {
        let by_retention = pruned
            .get(&run)
            .is_some_and(|ranges| ranges.iter().any(|r| r.contains(&seq)));
        if !by_retention {
            found.mismatches.push(mismatch);
        }
    }
    unaudited_events(source, &audited_runs, &mut found).await?;
    explain_by_later_entries(source, (up_to, head_hash), &mut found).await?;
    Ok(found)
}

/// Drops the suspects that entries appended after the verified head
/// explain, and reports the rest. Read after the records, so any commit
/// whose record was seen has its entry here (a backend writes both in one
/// transaction). Only entries that chain on from the head count: anything
/// else after it is not part of the log.
async fn explain_by_later_entries(
    source: &dyn AuditedRecords,
    (up_to, head_hash): (u64, &str),
    found: &mut RecordsCheck,
) -> Result<(), StoreError> {
    if found.suspects.is_empty() {
        return Ok(());
    }
    let mut later = BTreeSet::new();
    let (mut seq, mut prev) = (up_to, head_hash.to_owned());
    'pages: loop {
        let page = source.audit_page(seq.saturating_add(1), PAGE).await?;
        if page.is_empty() {
            break;
        }
        for (_, entry) in page {
            let Some(entry) = entry else {
                break 'pages;
            };
            let chains = entry.seq == seq + 1
                && entry.prev_hash == prev
                && entry.computed_hash().as_deref() == Some(entry.hash.as_str());
            if !chains {
                break 'pages;
            }
            (seq, prev) = (entry.seq, entry.hash.clone());
            if entry.kind == RUN_EVENT {
                if let Some(seq) = entry.summary["seq"].as_u64() {
                    later.insert(Later::Event(entry.subject, seq));
                }
            } else if let Some(rewritten) = Rewritten::of(&entry) {
                if let Some(digest) = entry.summary[rewritten.digest_field()].as_str() {
                    later.insert(Later::Record(rewritten, entry.subject, digest.to_owned()));
                }
            }
        }
    }
    for (mismatch, explanation) in std::mem::take(&mut found.suspects) {
        if !later.contains(&explanation) {
            found.mismatches.push(mismatch);
        }
    }
    Ok(())
}

/// Of a run: the seq of the entry of its creation, and the event seqs
/// that have entries.
type AuditedRun = (Option<u64>, BTreeSet<u64>);

/// Events of audited runs that no entry records (added afterwards).
async fn unaudited_events(
    source: &dyn AuditedRecords,
    audited: &BTreeMap<String, AuditedRun>,
    found: &mut RecordsCheck,
) -> Result<(), StoreError> {
    for (run, (created, seqs)) in audited {
        let Some(created) = *created else {
            continue;
        };
        for seq in source.stored_event_seqs(run).await? {
            if seq.is_some_and(|seq| seqs.contains(&seq)) {
                continue;
            }
            let mismatch = (
                created,
                RUN_EVENT.into(),
                run.clone(),
                format!(
                    "event {} of run {run} has no audit entry: it was added after the fact",
                    seq.map_or_else(|| "?".into(), |s| s.to_string())
                ),
            );
            match seq {
                Some(seq) => found
                    .suspects
                    .push((mismatch, Later::Event(run.clone(), seq))),
                None => found.mismatches.push(mismatch),
            }
        }
    }
    Ok(())
}

/// Where an entry is: seq, kind, subject.
type Place<'a> = (u64, &'a str, &'a str);

fn at(entry: &AuditEntry) -> Place<'_> {
    (entry.seq, &entry.kind, &entry.subject)
}

fn compare(
    found: &mut RecordsCheck,
    place: Place<'_>,
    what: &str,
    stored: Option<&[u8]>,
    expected: &str,
) {
    found.compared += 1;
    let problem = match stored {
        None => format!("{what}, which it records, is missing from the store (removed)"),
        Some(bytes) if digest(bytes) != expected => format!(
            "{what}, which it records, no longer matches it (stored bytes hash to {}, the entry says {expected}): the record was modified",
            digest(bytes)
        ),
        Some(_) => return,
    };
    let (seq, kind, subject) = place;
    found
        .mismatches
        .push((seq, kind.to_owned(), subject.to_owned(), problem));
}
