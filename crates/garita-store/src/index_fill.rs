//! Filling a derived tree (an index, the account rows) from the records it
//! is derived from: when a store written before the tree is opened, and
//! when records are imported.

use std::path::Path;

use garita_engine::StoreError;

use crate::errors::sled_error;

/// Entries written per batch: a store of years is never held in one batch.
const FILL_BATCH: usize = 5_000;

/// One record as the fill reads it: its key and its stored value.
pub(crate) type StoredRecord = Result<(Vec<u8>, sled::IVec), StoreError>;

/// Empties `tree`, then writes the entry `entry_of` gives for each of
/// `records` (`None`: the record has none), in batches; returns how many
/// entries were written. `what` names the tree in errors. The caller makes
/// it durable.
pub(crate) fn refill(
    tree: &sled::Tree,
    records: impl IntoIterator<Item = StoredRecord>,
    path: &Path,
    what: &str,
    mut entry_of: impl FnMut(&[u8], &[u8]) -> Result<Option<(Vec<u8>, Vec<u8>)>, StoreError>,
) -> Result<usize, StoreError> {
    tree.clear()
        .map_err(|e| sled_error(path, &format!("emptying {what}"), e))?;
    let apply = |batch: sled::Batch| {
        tree.apply_batch(batch)
            .map_err(|e| sled_error(path, &format!("writing {what}"), e))
    };
    let mut batch = sled::Batch::default();
    let (mut written, mut pending) = (0, 0);
    for record in records {
        let (key, value) = record?;
        if let Some((entry_key, entry_value)) = entry_of(&key, &value)? {
            batch.insert(entry_key, entry_value);
            pending += 1;
        }
        if pending == FILL_BATCH {
            apply(std::mem::take(&mut batch))?;
            written += pending;
            pending = 0;
        }
    }
    apply(batch)?;
    Ok(written + pending)
}

/// Every record of tree `name` of `db`, for [`refill`]; `reading` says
/// what a read error was doing.
pub(crate) fn records_of<'p>(
    db: &sled::Db,
    name: &str,
    path: &'p Path,
    reading: &'p str,
) -> Result<impl Iterator<Item = StoredRecord> + 'p, StoreError> {
    let tree = db
        .open_tree(name)
        .map_err(|e| sled_error(path, &format!("opening tree `{name}`"), e))?;
    Ok(tree.iter().map(move |item| {
        item.map(|(key, value)| (key.to_vec(), value))
            .map_err(|e| sled_error(path, reading, e))
    }))
}
