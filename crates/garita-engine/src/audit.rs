//! The tamper-evident audit log, as code every backend shares: the entry
//! and the canonical encoding its hash covers ([`AuditEntry`]), linking a
//! record after the head ([`PendingEntry`]), what each kind of change
//! records ([`summaries`]), the chain check ([`ChainCheck`]) and the check
//! of the records the entries refer to ([`check_records`]), and the
//! [`AuditLog`] trait a backend implements, with its conformance suite.
//!
//! A backend owns only the storage: where entries and the head live, the
//! lock that serialises appends, and writing an entry in the same
//! transaction as the change it records.

mod chain;
pub mod conformance;
mod entry;
mod log;
mod memory;
mod records;
pub mod summaries;
pub mod tlog;
mod verify;

pub use chain::{AuditHead, ChainHead, PendingEntry};
pub use entry::{
    canonical_json, hex, parse_hash, AuditEntry, AuditRecord, Hash, GENESIS_PREV_HASH,
};
pub use log::AuditLog;
pub use memory::MemoryAuditLog;
pub use records::{check_records, AuditedRecords, Rewritten};
pub use summaries::{
    compliance, config_reload, digest, ACCOUNT_CHANGED, ACCOUNT_CREATED, COMPLIANCE_ACCESS_REVIEW,
    COMPLIANCE_PROFILE_UPDATE, CONFIG_RELOAD, EVENT_EMITTED, RUN_EVENT, RUN_PRUNED,
};
pub use verify::{AuditProblem, AuditReport, ChainCheck, ClockWarning, CLOCK_STEP_TOLERANCE};

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::conformance::{audit_checks, FreshLog};
    use super::MemoryAuditLog;

    #[tokio::test]
    async fn the_memory_log_passes_the_conformance_suite() {
        audit_checks(&|| {
            Box::pin(async {
                let log: FreshLog = (Arc::new(MemoryAuditLog::default()), Box::new(()));
                log
            })
        })
        .await;
    }
}
