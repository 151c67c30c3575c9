//! Backups of a whole store in one file, and restoring them.
//!
//! [`SledStore::backup_to`] copies every sled tree consistently, even while
//! the store is in use (the daemon calls it through its control API);
//! [`SledStore::verify_backup`] checks a file; [`SledStore::restore_from`]
//! verifies a file whole before it replaces anything. The file layout is in
//! `backup/format.rs`; docs/operations.md, "Backups and restore", is the
//! operator's guide.

mod error;
mod format;
mod records;
mod restore;
mod snapshot;

#[cfg(test)]
mod tests;

pub use error::BackupError;
pub use format::{BackupHeader, TreeCount, BACKUP_FORMAT_VERSION};
pub use restore::RestoreReport;
