//! An in-memory [`Store`] for tests and `garita simulate`.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::run::{RunEvent, RunId, RunRecord, StoredEvent};
use crate::store::{RunFilter, Store, StoreError};
use crate::task::{Task, TaskFilter};

#[derive(Debug, Default)]
struct Inner {
    runs: BTreeMap<RunId, RunRecord>,
    events: BTreeMap<RunId, Vec<StoredEvent>>,
    tasks: BTreeMap<String, Task>,
}

/// A [`Store`] kept in memory; nothing survives the process.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Inner {
    /// Appends `events` after the run's last and stores its summary.
    fn write(&mut self, record: &mut RunRecord, events: &[RunEvent]) {
        let list = self.events.entry(record.id.clone()).or_default();
        for event in events {
            list.push(StoredEvent {
                seq: record.next_seq,
                event: event.clone(),
            });
            record.next_seq += 1;
        }
        self.runs.insert(record.id.clone(), record.clone());
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn create_run(
        &self,
        record: &mut RunRecord,
        events: &[RunEvent],
    ) -> Result<(), StoreError> {
        let mut inner = self.lock();
        if inner.runs.contains_key(&record.id) {
            return Err(StoreError::RunExists(record.id.clone()));
        }
        inner.write(record, events);
        Ok(())
    }

    async fn append(&self, record: &mut RunRecord, events: &[RunEvent]) -> Result<(), StoreError> {
        let mut inner = self.lock();
        // The same refusals as every store (store_conformance): a missing
        // run, or a copy of it that another writer has appended past.
        if !inner.runs.contains_key(&record.id) {
            return Err(StoreError::NoSuchRun(record.id.clone()));
        }
        // The stored summary's count, not the events kept: pruning removes
        // events of finished runs, never their numbers.
        let stored_seq = inner.runs.get(&record.id).map_or(0, |r| r.next_seq);
        if record.next_seq != stored_seq {
            return Err(StoreError::Conflict {
                what: format!("run {}", record.id),
                expected: record.next_seq,
                found: stored_seq,
            });
        }
        inner.write(record, events);
        Ok(())
    }

    async fn run(&self, id: &str) -> Result<Option<RunRecord>, StoreError> {
        Ok(self.lock().runs.get(id).cloned())
    }

    async fn events(&self, id: &str) -> Result<Vec<StoredEvent>, StoreError> {
        Ok(self.lock().events.get(id).cloned().unwrap_or_default())
    }

    async fn list_runs(&self, filter: &RunFilter) -> Result<Vec<RunRecord>, StoreError> {
        let inner = self.lock();
        let before = match &filter.before {
            Some(id) => std::ops::Bound::Excluded(id.clone()),
            None => std::ops::Bound::Unbounded,
        };
        let mut out: Vec<RunRecord> = inner
            .runs
            .range((std::ops::Bound::Unbounded, before))
            .map(|(_, r)| r)
            .rev()
            .filter(|r| filter.statuses.is_empty() || filter.statuses.contains(&r.status))
            .filter(|r| filter.workflow.as_ref().is_none_or(|w| &r.workflow == w))
            .cloned()
            .collect();
        if let Some(limit) = filter.limit {
            out.truncate(limit);
        }
        Ok(out)
    }

    async fn unfinished_runs(&self) -> Result<Vec<RunId>, StoreError> {
        Ok(self
            .lock()
            .runs
            .values()
            .filter(|r| !r.status.is_terminal())
            .map(|r| r.id.clone())
            .collect())
    }

    async fn due_runs(&self, now: DateTime<Utc>) -> Result<Vec<RunId>, StoreError> {
        let inner = self.lock();
        let mut due: Vec<(DateTime<Utc>, RunId)> = inner
            .runs
            .values()
            .filter(|r| !r.status.is_terminal())
            .filter_map(|r| r.wake_at.filter(|w| *w <= now).map(|w| (w, r.id.clone())))
            .collect();
        due.sort();
        Ok(due.into_iter().map(|(_, id)| id).collect())
    }

    async fn next_wake(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(self
            .lock()
            .runs
            .values()
            .filter(|r| !r.status.is_terminal())
            .filter_map(|r| r.wake_at)
            .min())
    }

    async fn children(&self, parent: &str, step: &str) -> Result<Vec<RunRecord>, StoreError> {
        let mut out: Vec<RunRecord> = self
            .lock()
            .runs
            .values()
            .filter(|r| {
                r.parent
                    .as_ref()
                    .is_some_and(|p| p.run_id == parent && p.step_id == step)
            })
            .cloned()
            .collect();
        out.sort_by_key(|r| r.parent.as_ref().map(|p| p.index));
        Ok(out)
    }

    async fn put_task(&self, task: &Task) -> Result<(), StoreError> {
        self.lock().tasks.insert(task.id.clone(), task.clone());
        Ok(())
    }

    async fn task(&self, id: &str) -> Result<Option<Task>, StoreError> {
        Ok(self.lock().tasks.get(id).cloned())
    }

    async fn list_tasks(&self, filter: &TaskFilter) -> Result<Vec<Task>, StoreError> {
        let mut out: Vec<Task> = self
            .lock()
            .tasks
            .values()
            .filter(|t| filter.matches(t))
            .cloned()
            .collect();
        out.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    async fn prune_run_events(&self, id: &str, _at: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut inner = self.lock();
        let Some(record) = inner.runs.get(id) else {
            return Ok(0);
        };
        if !record.status.is_terminal() {
            return Ok(0);
        }
        let removable = crate::store::prunable_seqs(record.next_seq);
        let Some(events) = inner.events.get_mut(id) else {
            return Ok(0);
        };
        let before = events.len();
        events.retain(|e| !removable.contains(&e.seq));
        Ok((before - events.len()) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store_conformance::{run_all, FreshStore};

    #[tokio::test]
    async fn the_memory_store_keeps_the_store_contract() {
        run_all(&|| Box::pin(async { Box::new(MemoryStore::new()) as FreshStore })).await;
    }
}
