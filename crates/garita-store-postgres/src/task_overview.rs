//! [`Store::open_task_overview`](garita_engine::Store::open_task_overview)
//! on PostgreSQL: counts, due days and the soonest open tasks from index
//! `tasks_open_by_due` (schema 8), in one read-only REPEATABLE READ
//! transaction so the numbers are of one moment.
//!
//! `tasks.due` keeps microseconds, while a task's due instant may be finer:
//! it holds the instant cut to the microsecond below, which never changes
//! its UTC day, so days and "due from a day on" are exact from the column;
//! only "due before now" for a task within `now`'s microsecond is decided
//! from its record.

use chrono::{DateTime, NaiveDate, Utc};
use garita_engine::record_codec::decode;
use garita_engine::task_overview::{start_of, OpenTaskOverview};
use garita_engine::{StoreError, Task};
use sqlx::Row;

use crate::ids::{db_int, record_int};
use crate::run_read::floor_micros;
use crate::store::PostgresStore;

/// Open tasks, and those due before `$1` (`now` to the microsecond).
pub(crate) const COUNTS: &str = "SELECT count(*), count(*) FILTER (WHERE due < $1)
     FROM tasks WHERE status = 'open'";

/// Open tasks due within `now`'s microsecond (`$1`), to be decided exactly.
pub(crate) const DUE_AT_NOW: &str =
    "SELECT id, record FROM tasks WHERE status = 'open' AND due = $1";

/// Open tasks per UTC day they are due, from `$1` (a midnight) on.
pub(crate) const DAYS: &str = "SELECT (due AT TIME ZONE 'UTC')::date, count(*) FROM tasks
     WHERE status = 'open' AND due >= $1 GROUP BY 1 ORDER BY 1";

/// Open tasks due from `$1` (a midnight) to the end of the UTC day of the
/// one at offset `$2` by due instant (all of them when there are fewer):
/// the soonest by day and title are among them.
pub(crate) const NEXT_CANDIDATES: &str = "SELECT id, record FROM tasks
     WHERE status = 'open' AND due >= $1
       AND due < COALESCE(
           (SELECT date_trunc('day', due, 'UTC') + interval '24 hours' FROM tasks
             WHERE status = 'open' AND due >= $1 ORDER BY due LIMIT 1 OFFSET $2),
           'infinity')";

impl PostgresStore {
    pub(crate) async fn read_open_task_overview(
        &self,
        now: DateTime<Utc>,
        soonest: usize,
    ) -> Result<OpenTaskOverview, StoreError> {
        let doing = "reading the open tasks' numbers";
        let from = now.date_naive();
        let start = start_of(from);
        let floor = floor_micros(now);
        let mut tx = self.pool.begin().await.map_err(self.error(doing))?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await
            .map_err(self.error(doing))?;
        let counts = sqlx::query(COUNTS)
            .bind(floor)
            .fetch_one(&mut *tx)
            .await
            .map_err(self.error(doing))?;
        let open = record_int(counts.try_get(0).map_err(self.error(doing))?, "open tasks")?;
        let mut overdue = record_int(
            counts.try_get(1).map_err(self.error(doing))?,
            "overdue tasks",
        )?;
        let at_now = sqlx::query(DUE_AT_NOW)
            .bind(floor)
            .fetch_all(&mut *tx)
            .await
            .map_err(self.error(doing))?;
        for task in self.tasks_of(&at_now, doing)? {
            if task.due.is_some_and(|due| due < now) {
                overdue += 1;
            }
        }
        let mut due_by_day = Vec::new();
        for row in sqlx::query(DAYS)
            .bind(start)
            .fetch_all(&mut *tx)
            .await
            .map_err(self.error(doing))?
        {
            let day: NaiveDate = row.try_get(0).map_err(self.error(doing))?;
            let count = record_int(row.try_get(1).map_err(self.error(doing))?, "tasks of a day")?;
            due_by_day.push((day, count));
        }
        let next = match soonest.checked_sub(1) {
            None => Vec::new(),
            Some(last) => {
                let offset = db_int(last as u64, "the number of tasks asked for")?;
                let rows = sqlx::query(NEXT_CANDIDATES)
                    .bind(start)
                    .bind(offset)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(self.error(doing))?;
                OpenTaskOverview::soonest(self.tasks_of(&rows, doing)?, from, soonest)
            }
        };
        tx.commit().await.map_err(self.error(doing))?;
        Ok(OpenTaskOverview {
            open,
            overdue,
            due_by_day,
            next,
        })
    }

    /// The tasks of rows of (id, record).
    fn tasks_of(
        &self,
        rows: &[sqlx::postgres::PgRow],
        doing: &str,
    ) -> Result<Vec<Task>, StoreError> {
        rows.iter()
            .map(|row| {
                let id: String = row.try_get(0).map_err(self.error(doing))?;
                let bytes: Vec<u8> = row.try_get(1).map_err(self.error(doing))?;
                decode(&bytes, || format!("task {id}"))
            })
            .collect()
    }
}
