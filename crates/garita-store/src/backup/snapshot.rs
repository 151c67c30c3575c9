//! [`SledStore::backup_to`]: a consistent copy of every tree of an open
//! store, written to one file atomically, owner-only.
//!
//! sled offers no public snapshot across trees, and the store keeps taking
//! commits while the daemon runs. So the copy is read twice: the records of
//! every tree, then a digest of a second full read. When the two agree, no
//! commit landed between the moment each record was first read and the end
//! of the second read, so the copy is exactly the store's state at the
//! moment between the two reads; since sled applies each of our commits
//! atomically, that state is a consistent one. When they differ (a commit
//! came in), it tries again, a few times.

use std::path::Path;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::error::BackupError;
use super::format::{
    encode_file, write_content, BackupHeader, TreeCount, TreeData, BACKUP_FORMAT_VERSION,
};
use crate::errors::sled_error;
use crate::private_file::{refuse_inside_store, write_private_file};
use crate::schema::SCHEMA_VERSION;
use crate::store::SledStore;

/// Reads of the whole store before giving up on a store that keeps changing.
const ATTEMPTS: u32 = 20;

impl SledStore {
    /// Writes a consistent copy of every sled tree of this store (runs,
    /// events, accounts, outbox, tasks, schedules, audit, and any tree a
    /// later version adds: trees are listed by name, not by a fixed list)
    /// to `path`, stamped `created_at`. Safe while the store is in use,
    /// e.g. by the daemon, which is how a running daemon is backed up.
    ///
    /// The file is written next to `path` under a temporary name with mode
    /// 0600, synced, then renamed over `path`, so `path` is always either
    /// the previous file or a complete new one. Blocks for the time of two
    /// full reads of the store: call it from async code through
    /// `tokio::task::spawn_blocking`.
    pub fn backup_to(
        &self,
        path: &Path,
        created_at: DateTime<Utc>,
    ) -> Result<BackupHeader, BackupError> {
        // Before anything else: a backup written over one of the store's own
        // files (`STORE/db`) destroys the store it copies.
        refuse_inside_store(&self.path, path)?;
        let trees = self.consistent_copy()?;
        let header = BackupHeader {
            format_version: BACKUP_FORMAT_VERSION,
            schema_version: SCHEMA_VERSION,
            garita_version: env!("CARGO_PKG_VERSION").to_owned(),
            created_at,
            trees: trees
                .iter()
                .map(|t| TreeCount {
                    name: t.name.clone(),
                    records: t.records.len() as u64,
                })
                .collect(),
            records: trees.iter().map(|t| t.records.len() as u64).sum(),
        };
        let bytes = encode_file(&header, &trees)
            .map_err(|e| BackupError::io(path, "encoding the backup", &e))?;
        write_atomically(path, &bytes)?;
        tracing::info!(file = %path.display(), records = header.records, trees = header.trees.len(), "backup written");
        Ok(header)
    }

    /// Every tree, read until two reads in a row agree.
    fn consistent_copy(&self) -> Result<Vec<TreeData>, BackupError> {
        for _ in 0..ATTEMPTS {
            let trees = self.read_trees()?;
            let mut first = Sha256::new();
            write_content(&mut first, &trees)
                .map_err(|e| BackupError::io(&self.path, "hashing the copy", &e))?;
            let mut second = Sha256::new();
            write_content(&mut second, &self.read_trees()?)
                .map_err(|e| BackupError::io(&self.path, "hashing the copy", &e))?;
            if first.finalize() == second.finalize() {
                return Ok(trees);
            }
        }
        Err(BackupError::Busy {
            path: self.path.display().to_string(),
            attempts: ATTEMPTS,
        })
    }

    /// One read of every tree, by name order.
    fn read_trees(&self) -> Result<Vec<TreeData>, BackupError> {
        let mut names: Vec<Vec<u8>> = self.db.tree_names().iter().map(|n| n.to_vec()).collect();
        names.sort();
        let mut trees = Vec::with_capacity(names.len());
        for raw in names {
            let name = String::from_utf8(raw.clone()).map_err(|_| {
                BackupError::Store(garita_engine::StoreError::Corrupt {
                    what: format!("sled data in {}", self.path.display()),
                    detail: format!("a tree name is not UTF-8 ({raw:?})"),
                })
            })?;
            let tree = self
                .db
                .open_tree(&raw)
                .map_err(|e| sled_error(&self.path, &format!("opening tree `{name}`"), e))?;
            let mut records = Vec::with_capacity(tree.len());
            for item in tree.iter() {
                let (key, value) =
                    item.map_err(|e| sled_error(&self.path, &format!("reading tree `{name}`"), e))?;
                records.push((key.to_vec(), value.to_vec()));
            }
            trees.push(TreeData { name, records });
        }
        Ok(trees)
    }
}

/// Writes `bytes` whole, 0600, never through a planted link
/// ([`write_private_file`]).
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), BackupError> {
    if path.file_name().is_none() {
        return Err(BackupError::Io {
            path: path.display().to_string(),
            detail: "it names a directory, not a file; give a file name such as garita-2026-01-05.backup".into(),
        });
    }
    write_private_file(path, bytes)
        .map_err(|e| BackupError::io(path, "writing the backup file", &e))
}
