//! Tree `open_tasks`: task id → due instant, one entry per open task,
//! written in the task's own transaction (schema 6).
//!
//! The console's Inicio counts open and overdue tasks and lists the
//! soonest; the Tareas inbox lists open tasks. Reading tree `tasks` for
//! that decoded every task ever asked, and answered tasks pile up for
//! years. Open tasks are the ones waiting for a person, so this tree stays
//! as small as the current workload.
//!
//! Keyed by id, not by due date: a task's write then knows its entry's key
//! without reading the stored task (its due date could have changed), and
//! the overview reads every entry anyway to count them.
//!
//! Value: empty for a task without a due date; else the due instant's
//! seconds as a sortable `i64` ([`crate::keys::sortable_i64`]) then its
//! nanoseconds as a `u32`, both big-endian: exact, so "overdue" is decided
//! to the nanosecond as from the task itself.
//!
//! Derived data: never exported, rebuilt on import, and filled when a store
//! written before it is opened.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use garita_engine::task_overview::{start_of, OpenTaskOverview};
use garita_engine::{StoreError, Task, TaskFilter, TaskStatus};

use crate::codec::decode;
use crate::errors::sled_error;
use crate::index_fill::{records_of, refill, StoredRecord};
use crate::index_writes::IndexWrites;
use crate::keys::{from_sortable_i64, sortable_i64};
use crate::store::SledStore;

pub(crate) const TREE: &str = "open_tasks";

/// The entry's value for an open task due at `due`.
fn encode_due(due: Option<DateTime<Utc>>) -> Vec<u8> {
    let Some(due) = due else {
        return Vec::new();
    };
    let mut value = Vec::with_capacity(12);
    value.extend_from_slice(&sortable_i64(due.timestamp()));
    value.extend_from_slice(&due.timestamp_subsec_nanos().to_be_bytes());
    value
}

/// The due instant an entry's value holds; `what` names it in an error.
fn decode_due(
    value: &[u8],
    what: impl Fn() -> String,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    if value.is_empty() {
        return Ok(None);
    }
    let corrupt = || StoreError::Corrupt {
        what: what(),
        detail: format!(
            "an open-task entry of {} bytes, where 0 or 12 are expected",
            value.len()
        ),
    };
    let (seconds, nanos) = value.split_at_checked(8).ok_or_else(corrupt)?;
    let seconds = from_sortable_i64(seconds.try_into().map_err(|_| corrupt())?);
    let nanos = u32::from_be_bytes(nanos.try_into().map_err(|_| corrupt())?);
    DateTime::from_timestamp(seconds, nanos)
        .map(Some)
        .ok_or_else(corrupt)
}

/// What writing `task` does to the index: its entry while it is open,
/// none once it is not.
pub(crate) fn writes_for(index: sled::Tree, task: &Task) -> IndexWrites {
    let key = task.id.clone().into_bytes();
    if task.status == TaskStatus::Open {
        IndexWrites {
            tree: index,
            remove: Vec::new(),
            insert: vec![(key, encode_due(task.due))],
        }
    } else {
        IndexWrites {
            tree: index,
            remove: vec![key],
            insert: Vec::new(),
        }
    }
}

/// Writes the entry of every open task in `tasks` into `index`, emptied
/// first (a store written before the index, or one whose tasks were
/// imported); returns how many. The caller makes it durable.
pub(crate) fn fill(
    index: &sled::Tree,
    tasks: impl IntoIterator<Item = StoredRecord>,
    path: &Path,
) -> Result<usize, StoreError> {
    refill(index, tasks, path, "the open-task index", |key, value| {
        let task: Task = decode(value, || format!("task {}", String::from_utf8_lossy(key)))?;
        Ok((task.status == TaskStatus::Open).then(|| (key.to_vec(), encode_due(task.due))))
    })
}

/// [`fill`] from the store's own `tasks` tree.
pub(crate) fn fill_from_tasks(db: &sled::Db, path: &Path) -> Result<usize, StoreError> {
    let index = db
        .open_tree(TREE)
        .map_err(|e| sled_error(path, &format!("opening tree `{TREE}`"), e))?;
    let tasks = records_of(
        db,
        crate::tasks::TREE,
        path,
        "reading tasks to index the open ones",
    )?;
    fill(&index, tasks, path)
}

impl SledStore {
    pub(crate) fn open_task_index(&self) -> Result<sled::Tree, StoreError> {
        self.db
            .open_tree(TREE)
            .map_err(|e| sled_error(&self.path, "opening tree `open_tasks`", e))
    }

    /// Open tasks matching `filter` (whose statuses are all `Open`), oldest
    /// first: the index names them, so answered tasks are never read.
    pub(crate) fn read_open_tasks(&self, filter: &TaskFilter) -> Result<Vec<Task>, StoreError> {
        let index = self.open_task_index()?;
        let mut out = Vec::new();
        for entry in index.iter() {
            let (key, _) = entry.map_err(|e| sled_error(&self.path, "listing open tasks", e))?;
            let id = String::from_utf8_lossy(&key);
            // A task answered since the index was read is no longer open:
            // the filter leaves it out.
            if let Some(task) = self.read_task(&id)? {
                if filter.matches(&task) {
                    out.push(task);
                }
            }
        }
        out.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    /// [`OpenTaskOverview`] from the index: one pass over its entries (no
    /// task decoded) for the counts and days, then the tasks that may be
    /// among the `soonest` first, read by id.
    pub(crate) fn read_open_task_overview(
        &self,
        now: DateTime<Utc>,
        soonest: usize,
    ) -> Result<OpenTaskOverview, StoreError> {
        let index = self.open_task_index()?;
        let from = now.date_naive();
        let start = start_of(from);
        let (mut open, mut overdue) = (0u64, 0u64);
        let mut days: BTreeMap<NaiveDate, u64> = BTreeMap::new();
        let mut upcoming: Vec<(DateTime<Utc>, sled::IVec)> = Vec::new();
        for entry in index.iter() {
            let (key, value) =
                entry.map_err(|e| sled_error(&self.path, "reading the open-task index", e))?;
            open += 1;
            let due = decode_due(&value, || {
                format!("open-task entry of {}", String::from_utf8_lossy(&key))
            })?;
            let Some(due) = due else { continue };
            if due < now {
                overdue += 1;
            }
            if due >= start {
                *days.entry(due.date_naive()).or_default() += 1;
                upcoming.push((due, key));
            }
        }
        let next = self.soonest_of(upcoming, from, soonest)?;
        Ok(OpenTaskOverview {
            open,
            overdue,
            due_by_day: days.into_iter().collect(),
            next,
        })
    }

    /// The `soonest` first of the open tasks `upcoming` names (due from
    /// `from` on): every one due up to the end of the day of the
    /// `soonest`-th by instant is read, since titles order a day.
    fn soonest_of(
        &self,
        mut upcoming: Vec<(DateTime<Utc>, sled::IVec)>,
        from: NaiveDate,
        soonest: usize,
    ) -> Result<Vec<Task>, StoreError> {
        if soonest == 0 || upcoming.is_empty() {
            return Ok(Vec::new());
        }
        let nth = soonest.min(upcoming.len()) - 1;
        let (_, last, _) = upcoming.select_nth_unstable_by_key(nth, |(due, _)| *due);
        let last_day = last.0.date_naive();
        let mut candidates = Vec::new();
        for (due, key) in &upcoming {
            if due.date_naive() <= last_day {
                if let Some(task) = self.read_task(&String::from_utf8_lossy(key))? {
                    candidates.push(task);
                }
            }
        }
        Ok(OpenTaskOverview::soonest(candidates, from, soonest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_instants_round_trip_to_the_nanosecond() {
        let instants = [
            "2026-03-01T23:59:59.999999999Z",
            "1969-12-31T23:59:59.5Z",
            "2026-03-02T00:00:00Z",
        ];
        for text in instants {
            let due: DateTime<Utc> = text.parse().unwrap();
            let value = encode_due(Some(due));
            assert_eq!(decode_due(&value, String::new).unwrap(), Some(due));
        }
        assert_eq!(decode_due(&encode_due(None), String::new).unwrap(), None);
        assert!(decode_due(&[1, 2, 3], || "entry".into()).is_err());
    }
}
