//! An import that fails part-way, after some tables were written, leaves
//! the database as empty as it was: the import is one transaction.

use garita_engine::audit::{AuditHead, AuditLog, ChainHead};
use garita_engine::backup::{event_key, BackupRecords, RecordKind, RecordSet};
use garita_engine::record_codec::encode;
use garita_engine::store_conformance::{record, started};
use garita_engine::StoreError;

use crate::test_cluster::TestDb;

#[tokio::test]
async fn an_import_failing_part_way_writes_nothing() -> Result<(), StoreError> {
    let (store, _db) = TestDb::fresh_store().await;
    let mut set = RecordSet::empty(AuditHead::from(ChainHead::GENESIS));
    set.section_mut(RecordKind::Runs)
        .push((b"R".to_vec(), encode(&record("R", 0), "run")?));
    // The same event twice: the runs are in before its second insert fails.
    let event = (event_key("R", 0), encode(&started("a", 0), "event")?);
    set.section_mut(RecordKind::Events)
        .extend([event.clone(), event]);
    let failed = store.import_records(&set).await;
    assert!(matches!(failed, Err(StoreError::Io { .. })), "{failed:?}");
    let after = store.export_records().await?;
    assert!(after.is_empty(), "nothing of a failed import stays");
    assert_eq!(store.audit_head().await?.seq, 0);
    let bad_head = RecordSet::empty(AuditHead {
        seq: 0,
        hash: "not a hash".into(),
    });
    let refused = store.import_records(&bad_head).await;
    assert!(
        matches!(refused, Err(StoreError::Corrupt { .. })),
        "{refused:?}"
    );
    Ok(())
}
