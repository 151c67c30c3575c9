//! [`BackupRecords`] on PostgreSQL: every record exported as the engine's
//! backup layout (`backup_export.rs`, one snapshot) and imported into an
//! empty database with its index columns rebuilt (`import_rows.rs`,
//! `backup_import.rs`). The values are the stored `record_codec` bytes, so
//! a set exported from sled imports here, and back, byte for byte, and the
//! audit digests still match.

use async_trait::async_trait;
use garita_engine::backup::{BackupRecords, RecordSet};
use garita_engine::StoreError;

use crate::store::PostgresStore;

#[async_trait]
impl BackupRecords for PostgresStore {
    async fn export_records(&self) -> Result<RecordSet, StoreError> {
        self.export_now().await
    }

    async fn import_records(&self, set: &RecordSet) -> Result<(), StoreError> {
        let imported = self.import_now(set).await;
        self.health.observe_write(imported)
    }
}
