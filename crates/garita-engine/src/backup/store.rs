//! The trait a backend implements so that it can be backed up, restored
//! and copied to another backend.

use async_trait::async_trait;

use super::records::RecordSet;
use crate::store::StoreError;

/// Exporting and importing every record of a store. What every
/// implementation must do is checked by [`super::conformance`].
#[async_trait]
pub trait BackupRecords: Send + Sync {
    /// Every record of the store as one consistent state: no commit is
    /// half in it, and the audit head is the one that state had. Safe while
    /// the store is in use (a running daemon is backed up this way); may
    /// block for the time of reading the whole store, so a backend runs it
    /// where blocking does not stall other work.
    async fn export_records(&self) -> Result<RecordSet, StoreError>;

    /// Writes `set` into this store, which must hold no record yet (it is
    /// refused with nothing written otherwise), rebuilds the indexes the
    /// records imply and sets the audit head to `set.audit_head`, so that
    /// the next entry continues the chain; durable when it returns. The
    /// caller has checked `set` ([`super::check_record_set`]).
    async fn import_records(&self, set: &RecordSet) -> Result<(), StoreError>;
}
