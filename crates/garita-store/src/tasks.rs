//! Human tasks on [`SledStore`].
//!
//! Tree `tasks`: task id → [`Task`] (with the store's encoding-version byte).
//! Listing every task reads the tree; listing open ones reads only the
//! tasks tree `open_tasks` names (`task_index.rs`), which a write updates
//! in the same transaction. A write is made durable by the store's flush
//! (sled flush + `fdatasync`).
//! A write that changes the task appends its audit entry (`task.opened`,
//! `task.answered`, `task.expired`, `task.cancelled`) in the same sled
//! transaction (see `audit.rs`).

use chrono::{DateTime, Utc};
use garita_engine::{StoreError, Task, TaskFilter, TaskStatus};
use serde::Deserialize;

use crate::audit::{self, PendingEntry};
use crate::codec::{decode, encode};
use crate::errors::sled_error;
use crate::store::SledStore;
use crate::task_index;

pub(crate) const TREE: &str = "tasks";

impl SledStore {
    fn task_tree(&self) -> Result<sled::Tree, StoreError> {
        self.db
            .open_tree(TREE)
            .map_err(|e| sled_error(&self.path, "opening tree `tasks`", e))
    }

    pub(crate) async fn put_task_durably(&self, task: &Task) -> Result<(), StoreError> {
        self.flush.check_healthy()?;
        let tree = self.task_tree()?;
        let value = encode(task, "task")?;
        let key = task.id.clone().into_bytes();
        let index = task_index::writes_for(self.open_task_index()?, task);
        let ended_at = match task.status {
            TaskStatus::Cancelled => self.run_updated_at(&task.run_id),
            _ => None,
        };
        let pending = PendingEntry::new(audit::task(task, &value, ended_at));
        let chain = self.trees.audit.clone();
        let meta = self.trees.meta.clone();
        let path = self.path.clone();
        let flush = self.flush.clone();
        let joined = tokio::task::spawn_blocking(move || {
            audit::write_recorded(&chain, &tree, &index, &meta, &key, &value, &pending).map_err(
                |e| match e {
                    sled::transaction::TransactionError::Abort(err) => err,
                    sled::transaction::TransactionError::Storage(err) => {
                        sled_error(&path, "writing a task", err)
                    }
                },
            )?;
            flush.run()
        })
        .await;
        joined.map_err(|e| StoreError::Io {
            path: self.path.display().to_string(),
            detail: format!("writing a task was interrupted: {e}"),
        })?
    }

    /// When run `id` last changed: the time of a task cancelled with it.
    fn run_updated_at(&self, id: &str) -> Option<DateTime<Utc>> {
        #[derive(Deserialize)]
        struct Updated {
            updated_at: DateTime<Utc>,
        }
        let bytes = self.trees.runs.get(id.as_bytes()).ok().flatten()?;
        decode::<Updated>(&bytes, || format!("summary of run {id}"))
            .ok()
            .map(|u| u.updated_at)
    }

    pub(crate) fn read_task(&self, id: &str) -> Result<Option<Task>, StoreError> {
        let tree = self.task_tree()?;
        match tree
            .get(id.as_bytes())
            .map_err(|e| sled_error(&self.path, "reading a task", e))?
        {
            Some(bytes) => Ok(Some(decode(&bytes, || format!("task {id}"))?)),
            None => Ok(None),
        }
    }

    pub(crate) fn read_tasks(&self, filter: &TaskFilter) -> Result<Vec<Task>, StoreError> {
        let open_only =
            !filter.statuses.is_empty() && filter.statuses.iter().all(|s| *s == TaskStatus::Open);
        if open_only {
            return self.read_open_tasks(filter);
        }
        let tree = self.task_tree()?;
        let mut out = Vec::new();
        for entry in tree.iter() {
            let (key, bytes) = entry.map_err(|e| sled_error(&self.path, "listing tasks", e))?;
            let task: Task = decode(&bytes, || format!("task {}", String::from_utf8_lossy(&key)))?;
            if filter.matches(&task) {
                out.push(task);
            }
        }
        out.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(out)
    }
}
