//! Checking the records against their entries. Each entry's summary carries
//! the SHA-256 of the record it was written with (`event_sha256`,
//! `history_sha256`, `task_sha256`, `outbox_sha256`), so verification can
//! also tell whether the run events, account history, tasks and outbox
//! messages themselves were altered after their entries were written, not
//! only the log.
//!
//! Run events and account history are append-only: every entry's record
//! must still hash the same. Tasks and outbox messages are rewritten in
//! place: the newest entry of each must match what is stored now. And a run
//! whose creation is in the log must have an entry for every stored event
//! (runs created before the log existed have none, and are not checked).

use std::collections::{BTreeMap, BTreeSet};

use garita_engine::account::AccountKey;
use garita_engine::StoreError;

use super::entry::AuditEntry;
use super::summaries::{digest, RUN_EVENT};
use crate::accounts::keys::{account_key, history_key, tree as account_tree};
use crate::codec::decode;
use crate::errors::sled_error;
use crate::keys::{event_key, event_prefix, seq_of_event_key};
use crate::store::SledStore;

/// One mismatch: the entry's seq, kind, subject and what is wrong.
pub(crate) type Mismatch = (u64, String, String, String);

/// What the records check found, and how many records it compared.
#[derive(Debug, Default)]
pub(crate) struct RecordsCheck {
    pub(crate) compared: u64,
    pub(crate) mismatches: Vec<Mismatch>,
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
    Record(usize, String, String),
}

/// Compares every record an entry refers to with its digest; `up_to` and
/// `head_hash` are the head the chain was verified to.
pub(crate) fn check(
    store: &SledStore,
    up_to: u64,
    head_hash: &str,
) -> Result<RecordsCheck, StoreError> {
    let path = &store.path;
    let open = |name: &str| {
        store
            .db
            .open_tree(name)
            .map_err(|e| sled_error(path, &format!("opening tree `{name}`"), e))
    };
    let history = open(account_tree::HISTORY)?;
    let rewritten = [
        ("task.", "task_sha256", open(crate::tasks::TREE)?),
        ("email.", "outbox_sha256", open(crate::outbox::TREE)?),
    ];
    let mut found = RecordsCheck::default();
    let mut newest: BTreeMap<(usize, String), (u64, String, String)> = BTreeMap::new();
    let mut audited_runs: BTreeMap<String, AuditedRun> = BTreeMap::new();
    for item in store.trees.audit.tree.range(..=up_to.to_be_bytes()) {
        let (_, value) = item.map_err(|e| sled_error(path, "reading the audit log", e))?;
        // Unreadable entries are the chain check's to report.
        let Ok(entry) = decode::<AuditEntry>(&value, String::new) else {
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
            let stored = store
                .trees
                .events
                .get(event_key(&entry.subject, seq))
                .map_err(|e| sled_error(path, "reading a run event", e))?;
            let what = format!("event {seq} of run {}", entry.subject);
            compare(&mut found, at(&entry), &what, stored.as_deref(), &expected);
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
            let key = account_key(&AccountKey::new(portal, identifier))?;
            let stored = history
                .get(history_key(&key, seq))
                .map_err(|e| sled_error(path, "reading account history", e))?;
            let what = format!("history entry {seq} of account {}", entry.subject);
            compare(&mut found, at(&entry), &what, stored.as_deref(), &expected);
        } else if let Some(index) = rewritten
            .iter()
            .position(|(prefix, _, _)| entry.kind.starts_with(prefix))
        {
            if let Some(expected) = digest_of(rewritten[index].1) {
                newest.insert(
                    (index, entry.subject.clone()),
                    (entry.seq, entry.kind.clone(), expected),
                );
            }
        }
    }
    for ((index, subject), (seq, kind, expected)) in newest {
        let stored = rewritten[index]
            .2
            .get(subject.as_bytes())
            .map_err(|e| sled_error(path, "reading a task or message", e))?;
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
                .push((suspect, Later::Record(index, subject, current)));
        }
    }
    unaudited_events(store, &audited_runs, &mut found)?;
    explain_by_later_entries(store, (up_to, head_hash), &rewritten, &mut found)?;
    Ok(found)
}

/// Drops the suspects that entries appended after the verified head
/// explain, and reports the rest. Read after the records, so any commit
/// whose record was seen has its entry here (both were written in one
/// transaction). Only entries that chain on from the head count: anything
/// else after it is not part of the log.
fn explain_by_later_entries(
    store: &SledStore,
    (up_to, head_hash): (u64, &str),
    rewritten: &[(&str, &str, sled::Tree)],
    found: &mut RecordsCheck,
) -> Result<(), StoreError> {
    if found.suspects.is_empty() {
        return Ok(());
    }
    let mut later = BTreeSet::new();
    let (mut seq, mut prev) = (up_to, head_hash.to_owned());
    let start = up_to.saturating_add(1).to_be_bytes();
    for item in store.trees.audit.tree.range(start..) {
        let (_, value) = item.map_err(|e| sled_error(&store.path, "reading the audit log", e))?;
        let Ok(entry) = decode::<AuditEntry>(&value, String::new) else {
            break;
        };
        let chains = entry.seq == seq + 1
            && entry.prev_hash == prev
            && entry.computed_hash().as_deref() == Some(entry.hash.as_str());
        if !chains {
            break;
        }
        (seq, prev) = (entry.seq, entry.hash.clone());
        if entry.kind == RUN_EVENT {
            if let Some(seq) = entry.summary["seq"].as_u64() {
                later.insert(Later::Event(entry.subject, seq));
            }
        } else if let Some(index) = rewritten
            .iter()
            .position(|(prefix, _, _)| entry.kind.starts_with(prefix))
        {
            if let Some(digest) = entry.summary[rewritten[index].1].as_str() {
                later.insert(Later::Record(index, entry.subject, digest.to_owned()));
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
fn unaudited_events(
    store: &SledStore,
    audited: &BTreeMap<String, AuditedRun>,
    found: &mut RecordsCheck,
) -> Result<(), StoreError> {
    for (run, (created, seqs)) in audited {
        let Some(created) = *created else {
            continue;
        };
        for item in store.trees.events.scan_prefix(event_prefix(run)) {
            let (key, _) = item.map_err(|e| sled_error(&store.path, "reading run events", e))?;
            let seq = seq_of_event_key(&key);
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
