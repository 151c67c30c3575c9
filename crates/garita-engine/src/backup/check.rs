//! The check a backup passes before anything is restored from it, with no
//! store at hand: every record decodes as its kind, and the audit chain the
//! file carries links from the first entry to the recorded head and still
//! matches the events, history entries, tasks and messages it covers.

use std::collections::BTreeMap;
use std::future::Future;
use std::task::{Context, Poll, Waker};

use async_trait::async_trait;
use serde::de::DeserializeOwned;

use super::keys::{event_key, history_key, parse_event_key};
use super::records::{RecordKind, RecordSet};
use crate::account::{AccountKey, AppliedTransition, EmittedEvent, HistoryEntry};
use crate::audit::{
    check_records, AuditEntry, AuditReport, AuditedRecords, ChainCheck, ChainHead, Rewritten,
};
use crate::record_codec::decode;
use crate::schedule::TriggerState;
use crate::store::StoreError;
use crate::{OutboxEntry, RunEvent, RunRecord, Task};

/// Checks every record of `set`; answers the audit chain's report when all
/// is well, or says what is wrong (the first record that does not decode,
/// or the chain's first problem and how many there are).
pub fn check_record_set(set: &RecordSet) -> Result<AuditReport, String> {
    for kind in RecordKind::ALL {
        for (key, value) in set.section(kind) {
            decodes(kind, key, value)?;
        }
    }
    let mut report = check_chain(set)?;
    let view = SetView::new(set);
    // The view answers from memory and never waits: one poll drives it.
    let polled = {
        let mut check = std::pin::pin!(check_records(&view, &mut report));
        check.as_mut().poll(&mut Context::from_waker(Waker::noop()))
    };
    match polled {
        Poll::Ready(result) => result.map_err(|e| e.to_string())?,
        Poll::Pending => {
            return Err("the audit records check waited on something; report this as a bug".into())
        }
    }
    if !report.is_intact() {
        return Err(format!(
            "its audit chain does not verify ({})",
            report.problems_in_brief()
        ));
    }
    Ok(report)
}

/// Whether one record decodes as its kind; `Err` names it.
fn decodes(kind: RecordKind, key: &[u8], value: &[u8]) -> Result<(), String> {
    let what = || {
        format!(
            "record {} of section `{}`",
            String::from_utf8_lossy(key).replace('\0', "/"),
            kind.name()
        )
    };
    let result = match kind {
        RecordKind::Runs => as_type::<RunRecord>(value, what),
        RecordKind::Events => as_type::<RunEvent>(value, what),
        RecordKind::Sources => std::str::from_utf8(value)
            .map(drop)
            .map_err(|_| format!("{} is not UTF-8 text", what())),
        RecordKind::Tasks => as_type::<Task>(value, what),
        RecordKind::Outbox => as_type::<OutboxEntry>(value, what),
        RecordKind::Accounts => as_type::<crate::account::Account>(value, what),
        RecordKind::AccountHistory => as_type::<HistoryEntry>(value, what),
        RecordKind::AccountTransitions => as_type::<AppliedTransition>(value, what),
        RecordKind::EmittedEvents => as_type::<EmittedEvent>(value, what),
        RecordKind::Schedules => as_type::<TriggerState>(value, what),
        RecordKind::Users => as_type::<crate::user::User>(value, what),
        RecordKind::Links => crate::link::check_record(key, value),
        RecordKind::Audit => as_type::<AuditEntry>(value, what),
    };
    result.map_err(|e| format!("a record does not decode: {e}"))
}

fn as_type<T: DeserializeOwned>(value: &[u8], what: impl FnOnce() -> String) -> Result<(), String> {
    decode::<T>(value, what)
        .map(drop)
        .map_err(|e| e.to_string())
}

/// The chain check over the file's `audit` section, up to its head.
fn check_chain(set: &RecordSet) -> Result<AuditReport, String> {
    let head = ChainHead::parse(&set.audit_head).ok_or_else(|| {
        format!(
            "its audit head's hash `{}` is not 64 hex digits",
            set.audit_head.hash
        )
    })?;
    let mut check = ChainCheck::new(head, Ok(Some(set.audit_head.clone())));
    let mut beyond = 0;
    for (key, value) in set.section(RecordKind::Audit) {
        match <[u8; 8]>::try_from(key.as_slice()).map(u64::from_be_bytes) {
            Ok(seq) if seq > check.up_to() => beyond += 1,
            Ok(seq) => check.slot(
                seq,
                decode::<AuditEntry>(value, || format!("audit entry {seq}"))
                    .map_err(|e| e.to_string()),
            ),
            Err(_) => check.foreign_key(&format!("a key of {} bytes", key.len())),
        }
    }
    if beyond > 0 {
        return Err(format!(
            "it holds {beyond} audit entr{} after its recorded head (entry {}): the file was not written from one state of a store",
            if beyond == 1 { "y" } else { "ies" },
            set.audit_head.seq
        ));
    }
    Ok(check.finish())
}

/// The records of a set, looked up the way the records check asks.
struct SetView<'s> {
    entries: Vec<(u64, Option<AuditEntry>)>,
    by_key: [BTreeMap<&'s [u8], &'s [u8]>; 5],
}

const EVENTS: usize = 0;
const HISTORY: usize = 1;
const TASKS: usize = 2;
const OUTBOX: usize = 3;
const USERS: usize = 4;

impl<'s> SetView<'s> {
    fn new(set: &'s RecordSet) -> Self {
        let index = |kind| {
            set.section(kind)
                .iter()
                .map(|(k, v)| (k.as_slice(), v.as_slice()))
                .collect::<BTreeMap<_, _>>()
        };
        let entries = set
            .section(RecordKind::Audit)
            .iter()
            .filter_map(|(key, value)| {
                let seq = u64::from_be_bytes(key.as_slice().try_into().ok()?);
                Some((seq, decode::<AuditEntry>(value, String::new).ok()))
            })
            .collect();
        Self {
            entries,
            by_key: [
                index(RecordKind::Events),
                index(RecordKind::AccountHistory),
                index(RecordKind::Tasks),
                index(RecordKind::Outbox),
                index(RecordKind::Users),
            ],
        }
    }

    fn get(&self, which: usize, key: &[u8]) -> Option<Vec<u8>> {
        self.by_key[which].get(key).map(|v| v.to_vec())
    }
}

#[async_trait]
impl AuditedRecords for SetView<'_> {
    async fn audit_page(
        &self,
        from: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Option<AuditEntry>)>, StoreError> {
        let start = self.entries.partition_point(|(seq, _)| *seq < from);
        Ok(self.entries[start..].iter().take(limit).cloned().collect())
    }

    async fn stored_event(&self, run: &str, seq: u64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.get(EVENTS, &event_key(run, seq)))
    }

    async fn stored_event_seqs(&self, run: &str) -> Result<Vec<Option<u64>>, StoreError> {
        let mut prefix = run.as_bytes().to_vec();
        prefix.push(0);
        Ok(self.by_key[EVENTS]
            .range(prefix.as_slice()..)
            .take_while(|(key, _)| key.starts_with(&prefix))
            .map(|(key, _)| parse_event_key(key).map(|(_, seq)| seq))
            .collect())
    }

    async fn stored_history(
        &self,
        account: &AccountKey,
        seq: u64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.get(HISTORY, &history_key(account, seq)))
    }

    async fn stored_current(
        &self,
        kind: Rewritten,
        id: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let which = match kind {
            Rewritten::Task => TASKS,
            Rewritten::Message => OUTBOX,
            Rewritten::User => USERS,
        };
        Ok(self.get(which, id.as_bytes()))
    }
}
