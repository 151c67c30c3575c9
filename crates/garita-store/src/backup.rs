//! Backups of the sled store: its records exported and imported through
//! [`BackupRecords`](garita_engine::backup::BackupRecords) (`record_io.rs`;
//! the file format is the engine's, the same for every backend), and
//! restoring a file into a store directory.
//!
//! [`SledStore::verify_backup`] checks a file; [`SledStore::restore_from`]
//! verifies a file whole before it replaces anything. Files of format 1
//! (sled's trees, which earlier versions wrote) are still restored
//! (`format.rs`). docs/operations.md, "Backups and restore", is the
//! operator's guide.

mod error;
mod format;
mod record_io;
mod restore;
mod tree_check;

#[cfg(test)]
mod tests;

pub use error::BackupError;
pub use restore::RestoreReport;
