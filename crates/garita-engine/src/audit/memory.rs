//! [`MemoryAuditLog`]: the audit chain in memory, for tests and as the
//! reference the conformance suite is read against.

use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::chain::{AuditHead, ChainHead, PendingEntry};
use super::entry::{AuditEntry, AuditRecord};
use super::log::AuditLog;
use super::records::{check_records, AuditedRecords, Rewritten};
use super::verify::{AuditReport, ChainCheck};
use crate::account::AccountKey;
use crate::clock::RecordingClock;
use crate::store::StoreError;

/// An audit log held in memory. It records only what is given to
/// [`AuditLog::record_audit`]; it keeps no runs, accounts, tasks or
/// messages, so entries that refer to such records find them missing.
#[derive(Debug, Default)]
pub struct MemoryAuditLog {
    chain: Mutex<Chain>,
    clock: RecordingClock,
}

#[derive(Debug, Default)]
struct Chain {
    head: Option<ChainHead>,
    entries: Vec<AuditEntry>,
}

impl MemoryAuditLog {
    /// An empty log whose entries are dated by `clock`.
    pub fn new(clock: RecordingClock) -> Self {
        Self {
            chain: Mutex::default(),
            clock,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Chain> {
        self.chain.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl AuditLog for MemoryAuditLog {
    async fn audit_head(&self) -> Result<AuditHead, StoreError> {
        Ok(self.lock().head.unwrap_or(ChainHead::GENESIS).into())
    }

    async fn audit_entries(
        &self,
        from: u64,
        to: Option<u64>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let to = to.unwrap_or(u64::MAX);
        Ok(self
            .lock()
            .entries
            .iter()
            .filter(|e| e.seq >= from && e.seq <= to)
            .cloned()
            .collect())
    }

    async fn audit_entries_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        Ok(self
            .lock()
            .entries
            .iter()
            .filter(|e| e.period_time() >= from && e.period_time() < to)
            .cloned()
            .collect())
    }

    async fn record_audit(&self, record: AuditRecord) -> Result<AuditEntry, StoreError> {
        let pending = PendingEntry::new(record);
        let mut chain = self.lock();
        let time = self.clock.now();
        let (entry, head) = pending.chained(&chain.head.unwrap_or(ChainHead::GENESIS), &time);
        chain.entries.push(entry.clone());
        chain.head = Some(head);
        Ok(entry)
    }

    async fn verify_audit(&self) -> Result<AuditReport, StoreError> {
        let (head, entries) = {
            let chain = self.lock();
            (
                chain.head.unwrap_or(ChainHead::GENESIS),
                chain.entries.clone(),
            )
        };
        let recorded = Ok((head.seq > 0).then(|| AuditHead::from(head)));
        let mut check = ChainCheck::new(head, recorded);
        for entry in entries {
            check.slot(entry.seq, Ok(entry));
        }
        let mut report = check.finish();
        check_records(self, &mut report).await?;
        Ok(report)
    }
}

#[async_trait]
impl AuditedRecords for MemoryAuditLog {
    async fn audit_page(
        &self,
        from: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Option<AuditEntry>)>, StoreError> {
        Ok(self
            .lock()
            .entries
            .iter()
            .filter(|e| e.seq >= from)
            .take(limit)
            .map(|e| (e.seq, Some(e.clone())))
            .collect())
    }

    async fn stored_event(&self, _run: &str, _seq: u64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(None)
    }

    async fn stored_event_seqs(&self, _run: &str) -> Result<Vec<Option<u64>>, StoreError> {
        Ok(Vec::new())
    }

    async fn stored_history(
        &self,
        _account: &AccountKey,
        _seq: u64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(None)
    }

    async fn stored_current(
        &self,
        _kind: Rewritten,
        _id: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(None)
    }
}
