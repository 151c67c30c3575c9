//! [`BackupRecords`] on sled: the records of a backup are the primary
//! trees, whose keys and values already follow the backup's layout (the
//! tree names are the kinds' names), and the indexes are rebuilt from them
//! on import.
//!
//! Export reads every primary tree twice, as the format-1 copy did: when a
//! digest of the second read equals the first read's, no commit landed in
//! between, so the copy is the store's state at one moment (sled applies
//! each commit atomically). When they differ, it tries again, a few times.

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use garita_engine::account::Account;
use garita_engine::audit::{AuditHead, ChainHead};
use garita_engine::backup::{BackupRecords, RecordKind, RecordSet};
use garita_engine::StoreError;
use sha2::{Digest, Sha256};

use crate::accounts::blocking::run_blocking;
use crate::accounts::keys::{deactivation_key, tree as account_tree};
use crate::accounts::row::encode_row;
use crate::audit::compact::{as_json_v1, decode_entry, encode_entry};
use crate::audit::{stored_head, HEAD_KEY};
use crate::codec::{decode, encode};
use crate::durable_flush::DurableFlush;
use crate::errors::sled_error;
use crate::keys::tree;
use crate::store::SledStore;
use crate::trees::Trees;
use crate::write::index_keys_of_summary;

/// Reads of the whole store before giving up on one that keeps changing.
const ATTEMPTS: u32 = 20;

/// What export and import need, owned, for the blocking pool.
#[derive(Clone)]
struct RecordIo {
    path: PathBuf,
    db: sled::Db,
    trees: Trees,
    flush: Arc<DurableFlush>,
}

impl SledStore {
    /// [`BackupRecords::export_records`] on the calling thread (tests that
    /// race it against commits).
    #[cfg(test)]
    pub(crate) fn export_now(&self) -> Result<RecordSet, StoreError> {
        self.record_io().consistent_export()
    }

    /// The records in one read, for a store no one else can be writing (one
    /// a restore just built in its own directory): the second read that
    /// makes an export consistent would only repeat the first.
    pub(crate) fn export_unshared(&self) -> Result<RecordSet, StoreError> {
        self.record_io().read_all()
    }

    /// [`BackupRecords::import_records`] on the calling thread.
    pub(crate) fn import_now(&self, set: &RecordSet) -> Result<(), StoreError> {
        self.flush.check_healthy()?;
        self.record_io().import(set)
    }

    fn record_io(&self) -> RecordIo {
        RecordIo {
            path: self.path.clone(),
            db: self.db.clone(),
            trees: self.trees.clone(),
            flush: self.flush.clone(),
        }
    }
}

#[async_trait]
impl BackupRecords for SledStore {
    async fn export_records(&self) -> Result<RecordSet, StoreError> {
        let io = self.record_io();
        run_blocking(
            &self.path,
            "exporting the store's records",
            "nothing was written; run the backup again",
            move || io.consistent_export(),
        )
        .await
    }

    async fn import_records(&self, set: &RecordSet) -> Result<(), StoreError> {
        self.flush.check_healthy()?;
        let io = self.record_io();
        let set = set.clone();
        run_blocking(
            &self.path,
            "importing records",
            "the store holds part of the records: remove it and import again",
            move || io.import(&set),
        )
        .await
    }
}

impl RecordIo {
    fn tree(&self, name: &str) -> Result<sled::Tree, StoreError> {
        self.db
            .open_tree(name)
            .map_err(|e| sled_error(&self.path, &format!("opening tree `{name}`"), e))
    }

    /// Every primary tree and the audit head, read until two reads agree.
    fn consistent_export(&self) -> Result<RecordSet, StoreError> {
        for _ in 0..ATTEMPTS {
            let set = self.read_all()?;
            if digest(&set) == digest(&self.read_all()?) {
                return Ok(set);
            }
        }
        Err(StoreError::Io {
            path: self.path.display().to_string(),
            detail: format!("the store kept changing during {ATTEMPTS} attempts to copy it; try again when it is less busy"),
        })
    }

    fn read_all(&self) -> Result<RecordSet, StoreError> {
        let head = self.read_head()?;
        let mut set = RecordSet::empty(head);
        for kind in RecordKind::ALL {
            let tree = self.tree(kind.name())?;
            let records = set.section_mut(kind);
            for item in tree.iter() {
                let (key, value) = item.map_err(|e| {
                    sled_error(&self.path, &format!("reading tree `{}`", kind.name()), e)
                })?;
                // A backup carries audit entries as JSON, as every backend
                // reads them; this store keeps them compact (`compact.rs`).
                // A damaged entry goes as it is, for the backup's check to report.
                let value = match kind {
                    RecordKind::Audit => {
                        as_json_v1(&value, String::new).unwrap_or_else(|_| value.to_vec())
                    }
                    _ => value.to_vec(),
                };
                records.push((key.to_vec(), value));
            }
        }
        Ok(set)
    }

    /// The recorded head; the genesis head when there is none and no entry.
    fn read_head(&self) -> Result<AuditHead, StoreError> {
        match stored_head(&self.trees.meta, &self.path)? {
            Some(head) => Ok(head),
            None if self.trees.audit.tree.is_empty() => Ok(AuditHead::from(ChainHead::GENESIS)),
            None => Err(StoreError::Corrupt {
                what: format!("the audit log in {}", self.path.display()),
                detail: "its recorded head is missing; `garita audit verify` says more".into(),
            }),
        }
    }

    /// Writes `set` into this empty store with its indexes and audit head.
    fn import(&self, set: &RecordSet) -> Result<(), StoreError> {
        self.refuse_unless_empty()?;
        let head = ChainHead::parse(&set.audit_head).ok_or_else(|| StoreError::Corrupt {
            what: "the records to import".into(),
            detail: format!(
                "their audit head's hash `{}` is not 64 hex digits",
                set.audit_head.hash
            ),
        })?;
        // The chain stays locked while its entries and head are written, so
        // no append can slip in between.
        self.trees.audit.write(|_, _| {
            for kind in RecordKind::ALL {
                let mut batch = sled::Batch::default();
                for (key, value) in set.section(kind) {
                    // Entries are stored compact; one that does not
                    // decode is kept as it came (`audit verify` names it).
                    let compact = (kind == RecordKind::Audit)
                        .then(|| decode_entry(value, String::new).ok())
                        .flatten()
                        .map(|entry| encode_entry(&entry))
                        .transpose()?;
                    if let Some(compact) = compact {
                        batch.insert(key.as_slice(), compact);
                    } else {
                        batch.insert(key.as_slice(), value.as_slice());
                    }
                }
                self.apply(kind.name(), batch)?;
            }
            self.rebuild_run_indexes(set)?;
            self.rebuild_account_indexes(set)?;
            self.rebuild_task_and_outbox_indexes(set)?;
            self.advance_event_ids(set)?;
            let recorded = encode(&AuditHead::from(head), "the audit chain's head")?;
            self.trees
                .meta
                .insert(HEAD_KEY, recorded)
                .map_err(|e| sled_error(&self.path, "recording the audit head", e))?;
            Ok(((), head))
        })?;
        self.flush.run()
    }

    /// A new store's id generator starts at zero, and queued events are
    /// keyed by the ids it gives: move it past every imported event's id,
    /// or the next event would take (and overwrite) a queued one.
    fn advance_event_ids(&self, set: &RecordSet) -> Result<(), StoreError> {
        let newest = set
            .section(RecordKind::EmittedEvents)
            .iter()
            .filter_map(|(key, _)| <[u8; 8]>::try_from(key.as_slice()).ok())
            .map(u64::from_be_bytes)
            .max();
        let Some(newest) = newest else {
            return Ok(());
        };
        // sled cannot set its generator, only draw from it; one draw costs
        // an atomic increment, so even millions of past events take little.
        loop {
            let id = self.db.generate_id().map_err(|e| {
                sled_error(&self.path, "moving the event ids past the imported ones", e)
            })?;
            if id > newest {
                return Ok(());
            }
        }
    }

    fn apply(&self, name: &str, batch: sled::Batch) -> Result<(), StoreError> {
        self.tree(name)?
            .apply_batch(batch)
            .map_err(|e| sled_error(&self.path, &format!("writing tree `{name}`"), e))
    }

    /// Refuses an import into a store that holds any record or index entry.
    fn refuse_unless_empty(&self) -> Result<(), StoreError> {
        let derived = [
            tree::TIMERS,
            tree::UNFINISHED,
            tree::CHILDREN,
            account_tree::DEACTIVATIONS,
            account_tree::ROWS,
            crate::task_index::TREE,
            crate::outbox_index::TREE,
        ];
        let mut held = Vec::new();
        for name in RecordKind::ALL.iter().map(|k| k.name()).chain(derived) {
            let count = self.tree(name)?.len();
            if count > 0 {
                held.push(format!("{name} {count}"));
            }
        }
        let head = self
            .trees
            .meta
            .get(HEAD_KEY)
            .map_err(|e| sled_error(&self.path, "reading the audit chain's head", e))?;
        if held.is_empty() && head.is_none() {
            return Ok(());
        }
        Err(StoreError::Io {
            path: self.path.display().to_string(),
            detail: format!(
                "it already holds records ({}); records are imported only into a new, empty store, so nothing was written",
                if held.is_empty() { "an audit head".to_owned() } else { held.join(", ") }
            ),
        })
    }

    /// Timers, unfinished runs and children, from the run summaries.
    fn rebuild_run_indexes(&self, set: &RecordSet) -> Result<(), StoreError> {
        let (mut timers, mut unfinished, mut children) = (
            sled::Batch::default(),
            sled::Batch::default(),
            sled::Batch::default(),
        );
        for (key, value) in set.section(RecordKind::Runs) {
            let id = String::from_utf8(key.clone()).map_err(|_| StoreError::Corrupt {
                what: "a run id to import".into(),
                detail: "it is not UTF-8".into(),
            })?;
            let indexes = index_keys_of_summary(&id, value)?;
            if let Some(timer) = indexes.timer {
                timers.insert(timer, &[][..]);
            }
            if let Some(entry) = indexes.unfinished {
                unfinished.insert(entry, key.as_slice());
            }
            if let Some(child) = indexes.child {
                children.insert(child, key.as_slice());
            }
        }
        self.apply(tree::TIMERS, timers)?;
        self.apply(tree::UNFINISHED, unfinished)?;
        self.apply(tree::CHILDREN, children)
    }

    /// The CTPAT deactivation index and the accounts' rows, from the
    /// accounts.
    fn rebuild_account_indexes(&self, set: &RecordSet) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        let mut rows = sled::Batch::default();
        for (key, value) in set.section(RecordKind::Accounts) {
            let account: Account = decode(value, || {
                format!(
                    "account {} to import",
                    String::from_utf8_lossy(key).replace('\0', ":")
                )
            })?;
            if let Some(date) = account.indexed_deactivation() {
                batch.insert(deactivation_key(date, key), &[][..]);
            }
            rows.insert(key.as_slice(), encode_row(&account));
        }
        self.apply(account_tree::DEACTIVATIONS, batch)?;
        self.apply(account_tree::ROWS, rows)
    }
}

impl RecordIo {
    /// The open tasks' entries and the messages' statuses, from the tasks
    /// and the outbox.
    fn rebuild_task_and_outbox_indexes(&self, set: &RecordSet) -> Result<(), StoreError> {
        let records = |kind| {
            set.section(kind)
                .iter()
                .map(|(key, value)| Ok((key.clone(), sled::IVec::from(value.as_slice()))))
        };
        crate::task_index::fill(
            &self.tree(crate::task_index::TREE)?,
            records(RecordKind::Tasks),
            &self.path,
        )?;
        crate::outbox_index::fill(
            &self.tree(crate::outbox_index::TREE)?,
            records(RecordKind::Outbox),
            &self.path,
        )?;
        Ok(())
    }
}

/// A digest of every record and the head, to compare two reads.
fn digest(set: &RecordSet) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(set.audit_head.seq.to_be_bytes());
    hasher.update(set.audit_head.hash.as_bytes());
    for section in &set.sections {
        hasher.update(section.kind.name().as_bytes());
        hasher.update((section.records.len() as u64).to_be_bytes());
        for (key, value) in &section.records {
            hasher.update((key.len() as u64).to_be_bytes());
            hasher.update(key);
            hasher.update((value.len() as u64).to_be_bytes());
            hasher.update(value);
        }
    }
    hasher.finalize().into()
}
