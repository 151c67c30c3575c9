//! `store copy`: every record of one store into another, empty one (a
//! directory to a PostgreSQL database and back, or directory to directory)
//! through the backup format's records, verified on the target before it
//! is reported done.
//!
//! The order is what makes a copy trustworthy: the source's records are
//! exported in one consistent read and checked as a backup file is (the
//! audit chain and the digests of the records it covers); the target must
//! hold nothing (its import refuses otherwise and writes nothing); after
//! the import the target's own audit chain is verified and its export must
//! equal the source's, record for record, under the same audit head.

use garita_engine::backup::{check_record_set, BackupHeader, RecordSet};
use serde::{Deserialize, Serialize};

use crate::store_location::StoreLocation;
use crate::{App, AppError};

/// What a copy did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StoreCopied {
    /// The source, as shown (a URL without its password).
    pub from: String,
    /// The target, as shown.
    pub to: String,
    /// What the target now holds: records per kind and the audit head,
    /// read back from it and equal to the source's.
    pub copied: BackupHeader,
    /// Audit entries whose chain and records were verified on the target.
    pub audit_entries_verified: u64,
}

/// Copies the store at `from` into the empty store at `to`, telling
/// `progress` each stage (a large store takes a while).
pub async fn store_copy(
    app: &App,
    from: &StoreLocation,
    to: &StoreLocation,
    progress: &(dyn Fn(&str) + Send + Sync),
) -> Result<StoreCopied, AppError> {
    let (shown_from, shown_to) = (from.shown(), to.shown());
    if from == to {
        return Err(AppError::Usage(format!(
            "--from and --to are the same store ({shown_from}); give a new, empty one as --to"
        )));
    }
    if let StoreLocation::Dir(dir) = from {
        // Opening a directory that is not there would create an empty store.
        if !dir.is_dir() {
            return Err(AppError::NotFound(format!(
                "there is no store in {shown_from}; give the directory of an existing store as --from"
            )));
        }
    }
    let source = app.open_backend_at(from)?;
    let target = app.open_backend_at(to)?;
    progress(&format!("reading every record of {shown_from}"));
    let set = source.backup.export_records().await?;
    check_record_set(&set).map_err(|e| {
        AppError::Refused(format!(
            "the records of {shown_from} do not check ({e}); nothing was written to {shown_to}. Run `garita audit verify --store {shown_from}` to see where"
        ))
    })?;
    let header = BackupHeader::of(&set, app.clock.now());
    progress(&format!(
        "writing {} records into {shown_to}",
        header.records
    ));
    target.backup.import_records(&set).await.map_err(|e| {
        AppError::Refused(format!(
            "{}; the copy was not made (a copy goes only into a new, empty store)",
            crate::error::with_causes(&e)
        ))
    })?;
    progress(&format!("verifying the copy in {shown_to}"));
    let report = target.audit.verify_audit().await?;
    if !report.is_intact() {
        return Err(AppError::Refused(format!(
            "the copy in {shown_to} was written but its audit chain does not verify ({:?}); do not use it: remove it and copy again",
            report.problems
        )));
    }
    let again = target.backup.export_records().await?;
    if let Some(differ) = first_difference(&set, &again) {
        return Err(AppError::Refused(format!(
            "the copy in {shown_to} was written but reads back differently from {shown_from} ({differ}); do not use it: remove it and copy again"
        )));
    }
    tracing::info!(from = %shown_from, to = %shown_to, records = header.records, "store copied");
    Ok(StoreCopied {
        from: shown_from,
        to: shown_to,
        copied: BackupHeader::of(&again, header.created_at),
        audit_entries_verified: report.entries,
    })
}

/// Where two record sets first differ, for a message.
fn first_difference(a: &RecordSet, b: &RecordSet) -> Option<String> {
    if a.audit_head != b.audit_head {
        return Some(format!(
            "the audit head is entry {} instead of {}",
            b.audit_head.seq, a.audit_head.seq
        ));
    }
    for kind in garita_engine::backup::RecordKind::ALL {
        let (x, y) = (a.section(kind), b.section(kind));
        if x != y {
            return Some(format!(
                "{}: {} records instead of {}, or different ones",
                kind.name(),
                y.len(),
                x.len()
            ));
        }
    }
    None
}
