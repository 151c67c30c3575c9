//! Human tasks on [`SledStore`].
//!
//! Tree `tasks`: task id → [`Task`] (with the store's encoding-version byte).
//! Tasks are few (people answer them), so listing reads the tree; a write is
//! one insert made durable by the store's flush (sled flush + `fdatasync`).

use garita_engine::{StoreError, Task, TaskFilter};

use crate::codec::{decode, encode};
use crate::errors::sled_error;
use crate::store::SledStore;

const TREE: &str = "tasks";

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
        let path = self.path.clone();
        let flush = self.flush.clone();
        let joined = tokio::task::spawn_blocking(move || {
            tree.insert(key, value)
                .map_err(|e| sled_error(&path, "writing a task", e))?;
            flush.run()
        })
        .await;
        joined.map_err(|e| StoreError::Io {
            path: self.path.display().to_string(),
            detail: format!("writing a task was interrupted: {e}"),
        })?
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
