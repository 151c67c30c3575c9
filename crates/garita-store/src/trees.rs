//! Handles on the sled trees of the key layout (see the crate docs).

use std::path::Path;

use garita_engine::{RecordingClock, StoreError};

use crate::audit::AuditChain;
use crate::errors::sled_error;
use crate::keys::tree;

/// One handle per tree. Cloning is cheap (sled trees are shared handles),
/// which lets the commit thread hold its own set.
#[derive(Debug, Clone)]
pub(crate) struct Trees {
    pub(crate) meta: sled::Tree,
    pub(crate) runs: sled::Tree,
    pub(crate) events: sled::Tree,
    pub(crate) timers: sled::Tree,
    pub(crate) unfinished: sled::Tree,
    pub(crate) children: sled::Tree,
    pub(crate) sources: sled::Tree,
    /// The audit log and its head (see `audit.rs`).
    pub(crate) audit: AuditChain,
}

impl Trees {
    /// Opens (creating when missing) every tree of `db`, stored at `path`;
    /// `clock` dates the audit entries.
    pub(crate) fn open(
        db: &sled::Db,
        path: &Path,
        clock: RecordingClock,
    ) -> Result<Self, StoreError> {
        let open = |name: &str| {
            db.open_tree(name)
                .map_err(|e| sled_error(path, &format!("opening tree `{name}`"), e))
        };
        let meta = open(tree::META)?;
        let audit = AuditChain::open(db, &meta, path, clock)?;
        Ok(Self {
            meta,
            runs: open(tree::RUNS)?,
            events: open(tree::EVENTS)?,
            timers: open(tree::TIMERS)?,
            unfinished: open(tree::UNFINISHED)?,
            children: open(tree::CHILDREN)?,
            sources: open(tree::SOURCES)?,
            audit,
        })
    }
}
