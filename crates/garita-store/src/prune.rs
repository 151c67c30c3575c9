//! Retention on [`SledStore`]: removing the step-level events of a finished
//! run (`Store::prune_run_events`). One sled transaction over `events`,
//! `audit` and `meta` removes the events with seqs in
//! [`garita_engine::prunable_seqs`] and appends the `run.pruned` entry with
//! the chain's new head, under the chain's lock (which every audited write
//! holds, so no commit of the run interleaves); then the store's durable
//! flush. The summary, the first and last events and every earlier audit
//! entry stay.

use chrono::{DateTime, Utc};
use garita_engine::audit::summaries::run_pruned;
use garita_engine::{prunable_seqs, RunRecord, StoreError};
use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::Transactional;

use crate::audit::{append_in, store_head, PendingEntry};
use crate::codec::decode;
use crate::errors::sled_error;
use crate::keys::{check_id, event_key};
use crate::store::SledStore;
use crate::trees::Trees;

impl SledStore {
    pub(crate) async fn prune_events_durably(
        &self,
        id: &str,
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        self.flush.check_healthy()?;
        if check_id(id, "run id").is_err() {
            return Ok(0);
        }
        let trees = self.trees.clone();
        let path = self.path.clone();
        let flush = self.flush.clone();
        let id = id.to_owned();
        let joined = tokio::task::spawn_blocking(move || {
            let removed = prune(&trees, &path, &id, at)?;
            if removed > 0 {
                flush.run()?;
            }
            Ok(removed)
        })
        .await;
        joined.map_err(|e| StoreError::Io {
            path: self.path.display().to_string(),
            detail: format!("pruning a run's events was interrupted: {e}"),
        })?
    }
}

/// Removes the prunable events of run `id` if it is finished; answers how
/// many were removed (0: nothing written).
fn prune(
    trees: &Trees,
    path: &std::path::Path,
    id: &str,
    at: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let Some(bytes) = trees
        .runs
        .get(id.as_bytes())
        .map_err(|e| sled_error(path, "reading a run", e))?
    else {
        return Ok(0);
    };
    // The summary as stored: its source is a reference, which the entry
    // does not need.
    let record: RunRecord = decode(&bytes, || format!("summary of run {id}"))?;
    if !record.status.is_terminal() {
        return Ok(0);
    }
    let seqs = prunable_seqs(record.next_seq);
    let pending = PendingEntry::new(run_pruned(&record, seqs.clone(), at));
    let all = (&trees.events, &trees.audit.tree, &trees.meta);
    trees.audit.write(|head, time| {
        // Which events are still there, read under the chain's lock: no
        // other audited write (another prune of this run) runs meanwhile.
        let mut present = Vec::new();
        for seq in seqs.clone() {
            let key = event_key(id, seq);
            if trees
                .events
                .contains_key(&key)
                .map_err(|e| sled_error(path, "reading events", e))?
            {
                present.push(key);
            }
        }
        if present.is_empty() {
            return Ok((0, head));
        }
        let result = all.transaction(|(events, audit, meta)| {
            let mut chain = head;
            for key in &present {
                events.remove(key.as_slice())?;
            }
            append_in(audit, &mut chain, &pending, time)?;
            store_head(meta, &chain)?;
            Ok::<_, ConflictableTransactionError<StoreError>>(chain)
        });
        let chain = result.map_err(|e| match e {
            TransactionError::Abort(err) => err,
            TransactionError::Storage(err) => sled_error(path, "pruning a run's events", err),
        })?;
        Ok((present.len() as u64, chain))
    })
}
