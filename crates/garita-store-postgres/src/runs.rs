//! The engine's [`Store`] on PostgreSQL: runs and their events
//! (`run_write.rs`, `run_read.rs`), workflow sources (`sources.rs`) and
//! tasks (`tasks.rs`, the open ones' numbers in `task_overview.rs`),
//! retention (`run_prune.rs`). Tables are in migration 3.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use garita_engine::task_overview::OpenTaskOverview;
use garita_engine::{
    RunEvent, RunFilter, RunId, RunRecord, Store, StoreError, StoredEvent, Task, TaskFilter,
};

use crate::run_write::WriteKind;
use crate::store::PostgresStore;

#[async_trait]
impl Store for PostgresStore {
    async fn create_run(
        &self,
        record: &mut RunRecord,
        events: &[RunEvent],
    ) -> Result<(), StoreError> {
        self.commit_run(WriteKind::Create, record, events).await
    }

    async fn append(&self, record: &mut RunRecord, events: &[RunEvent]) -> Result<(), StoreError> {
        self.commit_run(WriteKind::Append, record, events).await
    }

    async fn run(&self, id: &str) -> Result<Option<RunRecord>, StoreError> {
        self.read_run(id).await
    }

    async fn events(&self, id: &str) -> Result<Vec<StoredEvent>, StoreError> {
        self.read_events(id).await
    }

    async fn list_runs(&self, filter: &RunFilter) -> Result<Vec<RunRecord>, StoreError> {
        self.read_list_runs(filter).await
    }

    async fn unfinished_runs(&self) -> Result<Vec<RunId>, StoreError> {
        self.read_unfinished_runs().await
    }

    async fn due_runs(&self, now: DateTime<Utc>) -> Result<Vec<RunId>, StoreError> {
        self.read_due_runs(now).await
    }

    async fn next_wake(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.read_next_wake().await
    }

    async fn children(&self, parent: &str, step: &str) -> Result<Vec<RunRecord>, StoreError> {
        self.read_children(parent, step).await
    }

    async fn put_task(&self, task: &Task) -> Result<(), StoreError> {
        self.write_task(task).await
    }

    async fn task(&self, id: &str) -> Result<Option<Task>, StoreError> {
        self.read_task(id).await
    }

    async fn list_tasks(&self, filter: &TaskFilter) -> Result<Vec<Task>, StoreError> {
        self.read_tasks(filter).await
    }

    async fn open_task_overview(
        &self,
        now: DateTime<Utc>,
        soonest: usize,
    ) -> Result<OpenTaskOverview, StoreError> {
        self.read_open_task_overview(now, soonest).await
    }

    async fn prune_run_events(&self, id: &str, at: DateTime<Utc>) -> Result<u64, StoreError> {
        self.prune_events(id, at).await
    }
}
