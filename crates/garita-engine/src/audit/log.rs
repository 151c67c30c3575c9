//! [`AuditLog`]: what every backend's audit log offers the application.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::chain::AuditHead;
use super::entry::{AuditEntry, AuditRecord};
use super::verify::AuditReport;
use crate::store::StoreError;

/// The tamper-evident audit log of a store. The backend appends an entry
/// for every change it records (run events, account, task and outbox
/// writes, events queued for the daemon) in the same transaction as the
/// change; [`AuditLog::record_audit`] appends the changes it cannot see
/// itself. What each method must do is checked by
/// [`super::conformance::audit_checks`].
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// The seq and hash of the newest entry (seq 0 and zeros when empty).
    async fn audit_head(&self) -> Result<AuditHead, StoreError>;

    /// The entries whose seq is in `from..=to` (`to: None`: to the end), in
    /// chain order.
    async fn audit_entries(
        &self,
        from: u64,
        to: Option<u64>,
    ) -> Result<Vec<AuditEntry>, StoreError>;

    /// The entries written in `[from, to)` by [`AuditEntry::period_time`],
    /// in chain order.
    async fn audit_entries_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<AuditEntry>, StoreError>;

    /// Appends `record` on its own, dated by the store's recording clock,
    /// and returns the entry once it is durable.
    async fn record_audit(&self, record: AuditRecord) -> Result<AuditEntry, StoreError>;

    /// Checks the whole chain and the records its entries refer to
    /// ([`super::ChainCheck`], [`super::check_records`]).
    async fn verify_audit(&self) -> Result<AuditReport, StoreError>;
}
