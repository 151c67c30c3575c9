//! The engine's [`Store`] trait on [`SledStore`]. A commit is encoded on the
//! caller's task, then applied and made durable by the group-commit thread.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use garita_engine::task_overview::OpenTaskOverview;
use garita_engine::{
    RunEvent, RunFilter, RunId, RunRecord, Store, StoreError, StoredEvent, Task, TaskFilter,
};

use crate::read;
use crate::store::SledStore;
use crate::write::{self, WriteKind};

impl SledStore {
    /// Applies and makes durable one write; on success advances
    /// `record.next_seq`, on failure leaves `record` unchanged.
    async fn commit(
        &self,
        kind: WriteKind,
        record: &mut RunRecord,
        events: &[RunEvent],
    ) -> Result<(), StoreError> {
        self.flush.check_healthy()?;
        let prepared = write::prepare(kind, record, events)?;
        let next_seq = prepared.next_seq;
        self.group.commit(prepared).await?;
        record.next_seq = next_seq;
        Ok(())
    }
}

#[async_trait]
impl Store for SledStore {
    async fn create_run(
        &self,
        record: &mut RunRecord,
        events: &[RunEvent],
    ) -> Result<(), StoreError> {
        self.commit(WriteKind::Create, record, events).await
    }

    async fn append(&self, record: &mut RunRecord, events: &[RunEvent]) -> Result<(), StoreError> {
        self.commit(WriteKind::Append, record, events).await
    }

    async fn run(&self, id: &str) -> Result<Option<RunRecord>, StoreError> {
        read::run(&self.trees, &self.path, id)
    }

    async fn events(&self, id: &str) -> Result<Vec<StoredEvent>, StoreError> {
        read::events(&self.trees, &self.path, id)
    }

    async fn list_runs(&self, filter: &RunFilter) -> Result<Vec<RunRecord>, StoreError> {
        read::list_runs(&self.trees, &self.path, filter)
    }

    async fn unfinished_runs(&self) -> Result<Vec<RunId>, StoreError> {
        read::unfinished_runs(&self.trees, &self.path)
    }

    async fn due_runs(&self, now: DateTime<Utc>) -> Result<Vec<RunId>, StoreError> {
        read::due_runs(&self.trees, &self.path, now)
    }

    async fn next_wake(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        read::next_wake(&self.trees, &self.path)
    }

    async fn children(&self, parent: &str, step: &str) -> Result<Vec<RunRecord>, StoreError> {
        read::children(&self.trees, &self.path, parent, step)
    }

    async fn put_task(&self, task: &Task) -> Result<(), StoreError> {
        self.put_task_durably(task).await
    }

    async fn task(&self, id: &str) -> Result<Option<Task>, StoreError> {
        self.read_task(id)
    }

    async fn list_tasks(&self, filter: &TaskFilter) -> Result<Vec<Task>, StoreError> {
        self.read_tasks(filter)
    }

    async fn open_task_overview(
        &self,
        now: DateTime<Utc>,
        soonest: usize,
    ) -> Result<OpenTaskOverview, StoreError> {
        self.read_open_task_overview(now, soonest)
    }

    async fn prune_run_events(&self, id: &str, at: DateTime<Utc>) -> Result<u64, StoreError> {
        self.prune_events_durably(id, at).await
    }
}
