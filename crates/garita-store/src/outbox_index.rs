//! Tree `outbox_status`: status name, `0x00`, Message-ID → nothing; one
//! entry per message, under its current status, written in the message's
//! own transaction (schema 6).
//!
//! The console's Inicio shows how many messages failed. Counting them by
//! reading tree `outbox` decoded every message ever sent, years of them;
//! counting the keys under one status reads only those keys.
//!
//! A write removes the message's key under every other status rather than
//! reading the stored record to learn the old one: four removes in the
//! transaction cost less than decoding a record.
//!
//! Derived data: never exported, rebuilt on import, and filled when a store
//! written before it is opened.

use std::path::Path;

use garita_engine::{OutboxEntry, OutboxStatus, StoreError};

use crate::codec::decode;
use crate::errors::sled_error;
use crate::index_fill::{records_of, refill, StoredRecord};
use crate::index_writes::IndexWrites;
use crate::keys::SEPARATOR;
use crate::store::SledStore;

pub(crate) const TREE: &str = "outbox_status";

/// `status 0x00`: every key of the messages in `status` starts with it.
fn status_prefix(status: OutboxStatus) -> Vec<u8> {
    let mut key = status.as_str().as_bytes().to_vec();
    key.push(SEPARATOR);
    key
}

/// The key of message `message_id` under `status`.
fn status_key(status: OutboxStatus, message_id: &str) -> Vec<u8> {
    let mut key = status_prefix(status);
    key.extend_from_slice(message_id.as_bytes());
    key
}

/// What writing `entry` does to the index: its key under its status, and
/// under no other.
pub(crate) fn writes_for(index: sled::Tree, entry: &OutboxEntry) -> IndexWrites {
    IndexWrites {
        tree: index,
        remove: OutboxStatus::ALL
            .into_iter()
            .filter(|status| *status != entry.status)
            .map(|status| status_key(status, &entry.message_id))
            .collect(),
        insert: vec![(status_key(entry.status, &entry.message_id), Vec::new())],
    }
}

/// Writes the key of every message in `messages` into `index`, emptied
/// first (a store written before the index, or one whose outbox was
/// imported); returns how many. The caller makes it durable.
pub(crate) fn fill(
    index: &sled::Tree,
    messages: impl IntoIterator<Item = StoredRecord>,
    path: &Path,
) -> Result<usize, StoreError> {
    refill(
        index,
        messages,
        path,
        "the outbox status index",
        |key, value| {
            let entry: OutboxEntry = decode(value, || {
                format!("outbox message {}", String::from_utf8_lossy(key))
            })?;
            Ok(Some((
                status_key(entry.status, &entry.message_id),
                Vec::new(),
            )))
        },
    )
}

/// [`fill`] from the store's own `outbox` tree.
pub(crate) fn fill_from_outbox(db: &sled::Db, path: &Path) -> Result<usize, StoreError> {
    let index = db
        .open_tree(TREE)
        .map_err(|e| sled_error(path, &format!("opening tree `{TREE}`"), e))?;
    let messages = records_of(
        db,
        crate::outbox::TREE,
        path,
        "reading the outbox to index it",
    )?;
    fill(&index, messages, path)
}

impl SledStore {
    pub(crate) fn outbox_status_index(&self) -> Result<sled::Tree, StoreError> {
        self.db
            .open_tree(TREE)
            .map_err(|e| sled_error(&self.path, "opening tree `outbox_status`", e))
    }

    /// How many messages are in `status`: the keys under it, no record read.
    pub(crate) fn count_in_status(&self, status: OutboxStatus) -> Result<u64, StoreError> {
        let index = self.outbox_status_index()?;
        let mut count = 0;
        for key in index.scan_prefix(status_prefix(status)).keys() {
            key.map_err(|e| sled_error(&self.path, "counting outbox messages", e))?;
            count += 1;
        }
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_prefix_never_matches_another_status() {
        for a in OutboxStatus::ALL {
            for b in OutboxStatus::ALL.into_iter().filter(|b| *b != a) {
                assert!(!status_key(b, "<x@y>").starts_with(&status_prefix(a)));
            }
        }
    }
}
