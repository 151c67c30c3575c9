//! Changes to an index tree that ride in the same sled transaction as the
//! record they index (`audit::write_recorded`), so that after a crash the
//! record and its index entries are both there or neither is.

/// Keys to remove from, then entries to insert into, one index tree.
#[derive(Debug, Clone)]
pub(crate) struct IndexWrites {
    pub(crate) tree: sled::Tree,
    pub(crate) remove: Vec<Vec<u8>>,
    pub(crate) insert: Vec<(Vec<u8>, Vec<u8>)>,
}

impl IndexWrites {
    /// Applies the changes inside a transaction over the index tree.
    pub(crate) fn apply(
        &self,
        index: &sled::transaction::TransactionalTree,
    ) -> Result<(), sled::transaction::UnabortableTransactionError> {
        for key in &self.remove {
            index.remove(key.as_slice())?;
        }
        for (key, value) in &self.insert {
            index.insert(key.as_slice(), value.as_slice())?;
        }
        Ok(())
    }
}
