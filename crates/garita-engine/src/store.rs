//! The persistence the engine needs, as a trait. The engine never names the
//! implementation (sled lives in `garita-store`); tests use [`crate::MemoryStore`].

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::run::{RunEvent, RunId, RunRecord, RunStatus, StoredEvent};
use crate::task::{Task, TaskFilter, TaskStatus};
use crate::task_overview::OpenTaskOverview;

/// A store failure, with what the user can do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// Another process holds the store.
    #[error("the store at {path} is in use by another process{holder}; stop it (or, if it is `garita daemon`, run the command through it) and try again")]
    Locked {
        /// Store directory.
        path: String,
        /// `" (pid N, COMMAND)"` when known, else empty.
        holder: String,
    },
    /// Written by a newer Garita.
    #[error("the store at {path} uses schema version {found}, but this garita understands up to {supported}; upgrade garita (never downgrade a store)")]
    NewerSchema {
        /// Store directory.
        path: String,
        /// Version on disk.
        found: u32,
        /// Newest version this build knows.
        supported: u32,
    },
    /// A record that cannot be decoded.
    // The advice never loses data: what looks damaged is often an
    // interrupted write (a full disk) the next open recovers from, and a
    // restore without a copy would lose every change since the backup.
    #[error(
        "damaged data in the store ({what}): {detail}. The data may still be intact: do not delete or restore anything yet. Make sure the disk has free space (`df`), copy the store directory aside (`cp -a STORE STORE.copy`), then run the command again; if it still fails, keep that copy and restore your latest backup into a new directory (`garita --store NEW restore FILE`) to compare"
    )]
    Corrupt {
        /// Which record.
        what: String,
        /// Decoder message.
        detail: String,
    },
    /// The filesystem refused.
    #[error("store I/O error at {path}: {detail}")]
    Io {
        /// Store directory.
        path: String,
        /// OS message.
        detail: String,
    },
    /// The run does not exist.
    #[error("no run with id `{0}`; `garita runs list` shows the runs in this store")]
    NoSuchRun(String),
    /// A run with this id is already stored: nothing was written. Schedule
    /// fires name their runs after the trigger and the instant, so this is
    /// also how a fire that another daemon (or this one, before a crash)
    /// already started is recognised.
    #[error("a run with id `{0}` already exists; run ids are unique, so nothing was written")]
    RunExists(String),
    /// A read-modify-write found the record changed since it was read (a
    /// compare-and-swap on its revision): nothing was written, so no one's
    /// change is lost. Callers that can recompute their change from the new
    /// state retry; the others show this.
    #[error("{what} was changed by someone else since it was read (revision {expected}, now {found}); nothing was written. Run the command again: it reads the new state")]
    Conflict {
        /// Which record (`account ctpat:ana@x.com`).
        what: String,
        /// The revision the writer read (0: it saw no record).
        expected: u64,
        /// The revision stored now (0: there is none).
        found: u64,
    },
}

impl StoreError {
    /// Whether this is a [`StoreError::Conflict`], which a caller that
    /// recomputes its change from a fresh read may retry.
    pub fn is_conflict(&self) -> bool {
        matches!(self, StoreError::Conflict { .. })
    }
}

/// Which runs to list.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    /// Only these statuses (empty: all).
    pub statuses: Vec<RunStatus>,
    /// Only this workflow.
    pub workflow: Option<String>,
    /// At most this many, newest first (None: all).
    pub limit: Option<usize>,
    /// Only runs whose id sorts before this one: the cursor of the next page
    /// is the last id of the previous one, so a long walk over every run
    /// (retention) holds one page at a time, never the whole history.
    pub before: Option<RunId>,
}

/// Durable storage of runs, their events and their tasks. What every
/// implementation must do is checked by [`crate::store_conformance`] (and
/// [`crate::account::conformance`] for accounts), which both stores run.
///
/// Contract: [`Store::append`] returns only after the events and the new summary
/// are durable (flushed), so the executor may start the next side effect.
/// Implementations batch concurrent appends into one flush (group commit).
#[async_trait]
pub trait Store: Send + Sync {
    /// Stores a new run with its first events, durably. Fails if the id exists.
    async fn create_run(
        &self,
        record: &mut RunRecord,
        events: &[RunEvent],
    ) -> Result<(), StoreError>;

    /// Appends `events` at `record.next_seq..`, writes the summary `record` (with
    /// `next_seq` advanced by `events.len()`, which this method does to `record`),
    /// updates the timer and unfinished-run indexes, all atomically, and returns
    /// once durable.
    async fn append(&self, record: &mut RunRecord, events: &[RunEvent]) -> Result<(), StoreError>;

    /// The summary of one run.
    async fn run(&self, id: &str) -> Result<Option<RunRecord>, StoreError>;

    /// Every event of a run, in order.
    async fn events(&self, id: &str) -> Result<Vec<StoredEvent>, StoreError>;

    /// Runs matching `filter`, newest first.
    async fn list_runs(&self, filter: &RunFilter) -> Result<Vec<RunRecord>, StoreError>;

    /// Ids of runs that are not finished (running or waiting), oldest first.
    async fn unfinished_runs(&self) -> Result<Vec<RunId>, StoreError>;

    /// Ids of waiting runs whose `wake_at` is at or before `now`, earliest first.
    /// Must cost time in proportion to the answer, not to the number of runs.
    async fn due_runs(&self, now: DateTime<Utc>) -> Result<Vec<RunId>, StoreError>;

    /// The earliest `wake_at` of any waiting run.
    async fn next_wake(&self) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// Child runs of a `for_each` step, by item index.
    async fn children(&self, parent: &str, step: &str) -> Result<Vec<RunRecord>, StoreError>;

    /// Creates or replaces a task, durably.
    async fn put_task(&self, task: &Task) -> Result<(), StoreError>;

    /// One task by id.
    async fn task(&self, id: &str) -> Result<Option<Task>, StoreError>;

    /// Tasks matching `filter`, oldest first.
    async fn list_tasks(&self, filter: &TaskFilter) -> Result<Vec<Task>, StoreError>;

    /// The open tasks in numbers at `now`, with the `soonest` first due
    /// from `now`'s day on ([`OpenTaskOverview::of`], which this default
    /// computes from every open task). A store with an index of open tasks
    /// answers from it; the conformance suite checks both agree.
    async fn open_task_overview(
        &self,
        now: DateTime<Utc>,
        soonest: usize,
    ) -> Result<OpenTaskOverview, StoreError> {
        let open = TaskFilter {
            statuses: vec![TaskStatus::Open],
            ..TaskFilter::default()
        };
        let tasks = self.list_tasks(&open).await?;
        Ok(OpenTaskOverview::of(&tasks, now, soonest))
    }

    /// Retention: removes the step-level events of the finished run `id`,
    /// every event but its first (`RunCreated`, seq 0) and its last (the
    /// one that finished it, with the run's outputs or error), durably and
    /// atomically; a backend with an audit log appends one `run.pruned`
    /// entry ([`crate::audit::summaries::run_pruned`], dated `at`) in the
    /// same commit, and keeps every earlier entry, so `audit verify` still
    /// passes. The summary is unchanged. Answers how many events were
    /// removed: 0, and nothing written, for an unknown run, a run that is
    /// not finished, or one with nothing left to remove (pruned already).
    async fn prune_run_events(&self, id: &str, at: DateTime<Utc>) -> Result<u64, StoreError>;
}

/// The seqs [`Store::prune_run_events`] removes from a finished run whose
/// `next_seq` is `next_seq`: all but the first and the last.
pub fn prunable_seqs(next_seq: u64) -> std::ops::Range<u64> {
    1..next_seq.saturating_sub(1).max(1)
}

/// Word that another process sharing the store wrote something that may
/// make work due (a new run, a run parked until a time, an answered task),
/// so a waiting daemon looks now instead of at its next poll. A hint only:
/// word is lost while a connection is down, so daemons keep polling.
#[async_trait]
pub trait StoreWakeups: Send + Sync {
    /// Starts listening in the background: `wake` is notified after other
    /// processes' writes (bursts coalesced), never after this process's
    /// own. Returns once listening, or why it cannot listen (the caller
    /// goes on polling).
    async fn listen(&self, wake: std::sync::Arc<tokio::sync::Notify>) -> Result<(), StoreError>;
}

/// Whether a store can still write: a health check a daemon reports to its
/// monitor, so that a store that cannot write never looks healthy.
pub trait StoreHealth: Send + Sync {
    /// Why this store can no longer write, if it cannot (a failed durable
    /// flush, a full disk, a lost connection). May block briefly: call it
    /// off the async executor.
    fn write_failure(&self) -> Option<StoreError>;
}
