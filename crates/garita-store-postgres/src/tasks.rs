//! Human tasks on PostgreSQL: table `tasks`, one row per task id holding
//! its [`Task`] as `record_codec` bytes (with copies of its run, creation
//! time, status and due instant, to the microsecond below it, for
//! filtering, ordering and the open tasks' index). Listing reads every
//! task, filtered by run when asked; the dashboard's overview reads the
//! open ones' index (`task_overview.rs`).
//!
//! A write that changes the stored bytes appends its audit entry
//! (`task.opened`, `task.answered`, `task.expired`, `task.cancelled`) in
//! the same transaction, under the chain's lock; rewriting the same bytes
//! appends nothing, as on sled.

use chrono::{DateTime, Utc};
use garita_engine::audit::summaries;
use garita_engine::audit::PendingEntry;
use garita_engine::record_codec::{decode, encode};
use garita_engine::{StoreError, Task, TaskFilter, TaskStatus};
use serde::Deserialize;
use sqlx::Row;

use crate::audit::{append_in, lock_head, store_head};
use crate::ids::check_id;
use crate::run_read::floor_micros;
use crate::store::PostgresStore;

impl PostgresStore {
    pub(crate) async fn write_task(&self, task: &Task) -> Result<(), StoreError> {
        check_id(&task.id, "task id")?;
        let value = encode(task, &format!("task {}", task.id))?;
        let ended_at = match task.status {
            TaskStatus::Cancelled => self.run_updated_at(&task.run_id).await?,
            _ => None,
        };
        let pending = PendingEntry::new(summaries::task(task, &value, ended_at));
        let written = self.write_task_row(task, &value, &pending).await;
        self.health.observe_write(written)
    }

    async fn write_task_row(
        &self,
        task: &Task,
        value: &[u8],
        pending: &PendingEntry,
    ) -> Result<(), StoreError> {
        let doing = format!(
            "writing task {} (`garita tasks list` shows what was recorded)",
            task.id
        );
        let mut tx = self.pool.begin().await.map_err(self.error(&doing))?;
        let mut head = lock_head(&mut tx, &self.url).await?;
        let old: Option<Vec<u8>> = sqlx::query("SELECT record FROM tasks WHERE id = $1 FOR UPDATE")
            .bind(&task.id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(self.error(&doing))?
            .map(|row| row.try_get(0))
            .transpose()
            .map_err(self.error(&doing))?;
        if old.as_deref() == Some(value) {
            // Nothing to write; end the transaction now, which releases
            // the chain's lock.
            return tx.rollback().await.map_err(self.error(&doing));
        }
        sqlx::query(
            "INSERT INTO tasks (id, run_id, created_at, status, due, record)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (id) DO UPDATE
             SET run_id = EXCLUDED.run_id, created_at = EXCLUDED.created_at,
                 status = EXCLUDED.status, due = EXCLUDED.due, record = EXCLUDED.record",
        )
        .bind(&task.id)
        .bind(&task.run_id)
        .bind(task.created_at)
        .bind(task.status.as_str())
        .bind(task.due.map(floor_micros))
        .bind(value)
        .execute(&mut *tx)
        .await
        .map_err(self.error(&doing))?;
        let time = self.clock.now();
        append_in(&mut tx, &self.url, &mut head, pending, &time).await?;
        store_head(&mut tx, &self.url, &head).await?;
        tx.commit().await.map_err(self.error(&doing))
    }

    /// When run `id` last changed: the time of a task cancelled with it.
    async fn run_updated_at(&self, id: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        #[derive(Deserialize)]
        struct Updated {
            updated_at: DateTime<Utc>,
        }
        if check_id(id, "run id").is_err() {
            return Ok(None);
        }
        let summary: Option<Vec<u8>> = sqlx::query_scalar("SELECT summary FROM runs WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.error("reading a run"))?;
        Ok(summary
            .and_then(|bytes| decode::<Updated>(&bytes, || format!("summary of run {id}")).ok())
            .map(|u| u.updated_at))
    }

    /// The stored bytes of task `id`, for the audit records check too.
    pub(crate) async fn stored_task(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        if check_id(id, "task id").is_err() {
            return Ok(None);
        }
        sqlx::query_scalar("SELECT record FROM tasks WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.error("reading a task"))
    }

    pub(crate) async fn read_task(&self, id: &str) -> Result<Option<Task>, StoreError> {
        self.stored_task(id)
            .await?
            .map(|bytes| decode(&bytes, || format!("task {id}")))
            .transpose()
    }

    pub(crate) async fn read_tasks(&self, filter: &TaskFilter) -> Result<Vec<Task>, StoreError> {
        let doing = "listing tasks";
        // The status column narrows the rows read (the open ones through
        // their index); the filter still decides from each record.
        let statuses: Option<Vec<&str>> = (!filter.statuses.is_empty())
            .then(|| filter.statuses.iter().map(|s| s.as_str()).collect());
        let rows = sqlx::query(
            "SELECT id, record FROM tasks WHERE ($1::text IS NULL OR run_id = $1)
               AND ($2::text[] IS NULL OR status = ANY($2))
             ORDER BY created_at, id",
        )
        .bind(filter.run_id.as_deref())
        .bind(statuses)
        .fetch_all(&self.pool)
        .await
        .map_err(self.error(doing))?;
        let mut out = Vec::new();
        for row in &rows {
            let id: String = row.try_get(0).map_err(self.error(doing))?;
            let bytes: Vec<u8> = row.try_get(1).map_err(self.error(doing))?;
            let task: Task = decode(&bytes, || format!("task {id}"))?;
            if filter.matches(&task) {
                out.push(task);
            }
        }
        // The column keeps microseconds; the records may carry finer times.
        out.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(out)
    }
}
