//! Retention: removing the step-level events of runs that finished before
//! a cutoff (`garita runs prune`, and the daemon on its schedule from
//! `[retention]`). Each run is pruned by the store in one commit with its
//! `run.pruned` audit entry ([`garita_engine::Store::prune_run_events`]);
//! its summary, outputs and audit entries stay, so `audit verify` and
//! evidence packs for the period still pass.
//!
//! A `for_each` child is pruned only once its parent has finished too: the
//! parent reads its children's step outputs when they end.

use chrono::{DateTime, NaiveDate, Utc};
use std::collections::BTreeSet;

use garita_engine::{RunFilter, RunId, RunRecord, Store};
use serde::{Deserialize, Serialize};

use super::Session;
use crate::AppError;

/// What `garita runs prune` asks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PruneRuns {
    /// Prune runs that finished before this: a day (`2026-01-31`, its UTC
    /// midnight) or an RFC 3339 instant; checked by the operation.
    pub finished_before: String,
}

/// What pruning did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RunsPruned {
    /// The cutoff: runs that finished before it were pruned.
    pub finished_before: DateTime<Utc>,
    /// Runs whose step events were removed now.
    pub runs_pruned: u64,
    /// Events removed.
    pub events_removed: u64,
    /// Finished `for_each` children left whole because their parent is
    /// still going (it reads their outputs when they all end).
    pub children_kept: u64,
}

/// How many finished runs' summaries a pass reads at once.
const PRUNE_PAGE: usize = 256;

/// Prunes the runs that finished before `request.finished_before`.
pub async fn prune(session: &Session, request: PruneRuns) -> Result<RunsPruned, AppError> {
    let cutoff = finished_before(&request.finished_before)?;
    prune_before(session, cutoff).await
}

/// Prunes the runs that finished before `cutoff`, each in its own commit
/// (an interrupted pass leaves whole runs, and the next pass continues).
pub async fn prune_before(
    session: &Session,
    cutoff: DateTime<Utc>,
) -> Result<RunsPruned, AppError> {
    prune_before_with(session, &mut RetentionPass::default(), cutoff).await
}

/// [`prune_before`] with passes that remember the earlier ones (the
/// daemon's, every [`crate::retention::PASS_EVERY`]).
pub async fn prune_before_with(
    session: &Session,
    pass: &mut RetentionPass,
    cutoff: DateTime<Utc>,
) -> Result<RunsPruned, AppError> {
    let now = session.engine.clock().now();
    pass.prune(session.backend.runs.as_ref(), cutoff, now).await
}

/// What [`prune_before`] does, on a store and at a business instant
/// given: also what `garita simulate` runs on its copy in virtual time,
/// so a rehearsal prunes exactly as the daemon would.
pub async fn prune_store_before(
    store: &dyn Store,
    cutoff: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<RunsPruned, AppError> {
    RetentionPass::default().prune(store, cutoff, now).await
}

/// Retention passes that remember what earlier passes settled, as the
/// daemon and `garita simulate` make one every [`crate::retention::PASS_EVERY`].
///
/// A run can only be due when its id sorts before
/// [`garita_engine::ids_after`] of the cutoff (its id's time is at or before
/// its creation). A pass reads those ids down to where the last pass's
/// cutoff stood, and looks again at the runs it left for later (not
/// finished, finished too recently, or a child whose parent is going on).
/// Reading every finished run on every pass made a pass cost the whole
/// history: over simulated years it was the larger part of the time. What
/// is remembered is only a shortcut: a new `RetentionPass` (a daemon that
/// starts, `garita runs prune`) reads every id below the cutoff again, so
/// nothing depends on a pass having run.
#[derive(Debug, Default)]
pub struct RetentionPass {
    /// Every run whose id sorts below this was read by an earlier pass and
    /// is settled or in `pending`.
    read_below: Option<RunId>,
    /// Runs read by an earlier pass that may still come due.
    pending: BTreeSet<RunId>,
}

impl RetentionPass {
    /// Prunes the runs that finished before `cutoff` (each in its own
    /// commit); `now` is the business instant of the `run.pruned` entries.
    pub async fn prune(
        &mut self,
        store: &dyn Store,
        cutoff: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<RunsPruned, AppError> {
        let mut done = RunsPruned {
            finished_before: cutoff,
            runs_pruned: 0,
            events_removed: 0,
            children_kept: 0,
        };
        let upper = garita_engine::ids_after(cutoff);
        // A cutoff moved back (a longer retention configured) would leave
        // ids between the two unread: read them all again.
        let lower = self.read_below.take().filter(|lower| *lower <= upper);
        if lower.is_none() {
            self.pending.clear();
        }
        let mut still_pending = BTreeSet::new();
        for id in std::mem::take(&mut self.pending) {
            if let Some(run) = store.run(&id).await? {
                if !settle(store, &run, cutoff, now, &mut done).await? {
                    still_pending.insert(id);
                }
            }
        }
        // One page of summaries at a time: a store of years holds hundreds of
        // thousands of runs, and a pass must not hold them all at once.
        let mut before = Some(upper.clone());
        'pages: loop {
            let page = store
                .list_runs(&RunFilter {
                    statuses: Vec::new(),
                    workflow: None,
                    limit: Some(PRUNE_PAGE),
                    before: before.take(),
                })
                .await?;
            let full = page.len() == PRUNE_PAGE;
            for run in &page {
                if lower.as_ref().is_some_and(|lower| run.id < *lower) {
                    break 'pages;
                }
                if !settle(store, run, cutoff, now, &mut done).await? {
                    still_pending.insert(run.id.clone());
                }
            }
            match page.last() {
                Some(last) if full => before = Some(last.id.clone()),
                _ => break,
            }
        }
        self.pending = still_pending;
        self.read_below = Some(upper);
        Ok(done)
    }
}

/// Prunes `run` when it is due; whether it is settled (pruned, or
/// nothing left to prune) rather than to be looked at again.
async fn settle(
    store: &dyn Store,
    run: &RunRecord,
    cutoff: DateTime<Utc>,
    now: DateTime<Utc>,
    done: &mut RunsPruned,
) -> Result<bool, AppError> {
    if !run.status.is_terminal() || run.updated_at >= cutoff {
        return Ok(false);
    }
    // Nothing left to remove: skip the store's write path.
    if run.next_seq <= 2 {
        return Ok(true);
    }
    if !parent_finished(store, run).await? {
        done.children_kept += 1;
        return Ok(false);
    }
    let removed = store.prune_run_events(&run.id, now).await?;
    if removed > 0 {
        done.runs_pruned += 1;
        done.events_removed += removed;
    }
    Ok(true)
}

/// Whether `run` has no parent or its parent has finished.
async fn parent_finished(store: &dyn Store, run: &RunRecord) -> Result<bool, AppError> {
    let Some(parent) = &run.parent else {
        return Ok(true);
    };
    Ok(store
        .run(&parent.run_id)
        .await?
        .is_none_or(|p| p.status.is_terminal()))
}

/// The instant `--finished-before` stands for: a day's UTC midnight, or an
/// RFC 3339 instant.
pub fn finished_before(text: &str) -> Result<DateTime<Utc>, AppError> {
    let text = text.trim();
    if let Some(midnight) = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
    {
        return Ok(midnight.and_utc());
    }
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|_| {
            AppError::Usage(format!(
                "--finished-before must be a day such as 2026-01-31 (its UTC midnight) or an RFC 3339 instant such as 2026-01-31T08:00:00-05:00, got `{text}`"
            ))
        })
}

#[cfg(test)]
mod tests {
    use garita_engine::store_conformance::{at, record, started};
    use garita_engine::{MemoryStore, RunEvent, RunStatus};
    use serde_json::json;

    use super::*;

    /// A run id made at `at(millis)`, the `n`th of that millisecond, as the
    /// engine makes them (a ULID whose time is the run's creation).
    fn id_at(millis: i64, n: u32) -> RunId {
        let first = garita_engine::ids_after(at(millis - 1));
        format!("{}{n:016}", &first[..10])
    }

    /// Stores `run`, created at `at(created)`, with a started event for each
    /// of `steps`, a millisecond apart.
    async fn store_started(
        store: &MemoryStore,
        mut run: RunRecord,
        created: i64,
        steps: &[&str],
    ) -> RunRecord {
        store
            .create_run(&mut run, &[RunEvent::RunCreated { at: at(created) }])
            .await
            .unwrap();
        let events: Vec<RunEvent> = (1..)
            .zip(steps)
            .map(|(after, step)| started(step, created + after))
            .collect();
        store.append(&mut run, &events).await.unwrap();
        run
    }

    /// A run created at `at(created)` and finished at `at(finished)` with two
    /// step events between its first and last.
    async fn finished_run_at(store: &MemoryStore, id: &str, created: i64, finished: i64) {
        let mut run = store_started(store, record(id, created), created, &["a", "b"]).await;
        finish(store, &mut run, finished).await;
    }

    async fn finish(store: &MemoryStore, run: &mut RunRecord, finished: i64) {
        run.status = RunStatus::Succeeded;
        run.updated_at = at(finished);
        let done = RunEvent::RunSucceeded {
            outputs: json!({}),
            at: at(finished),
        };
        store.append(run, &[done]).await.unwrap();
    }

    async fn finished_run(store: &MemoryStore, id: &str) {
        finished_run_at(store, id, 0, 10).await;
    }

    async fn running_run(store: &MemoryStore, id: &str, created: i64) -> RunRecord {
        store_started(store, record(id, created), created, &["a"]).await
    }

    #[tokio::test]
    async fn a_pass_walks_every_page_and_a_second_pass_finds_nothing() {
        let store = MemoryStore::new();
        // Two full pages and a part, with a run still going in between.
        let total = PRUNE_PAGE * 2 + 7;
        for i in 0..total {
            finished_run(&store, &id_at(0, i as u32)).await;
        }
        let live = format!("{}x", id_at(0, 100));
        running_run(&store, &live, 0).await;
        // Runs that finished after the cutoff are left whole.
        let early = prune_store_before(&store, at(5), at(20)).await.unwrap();
        assert_eq!((early.runs_pruned, early.events_removed), (0, 0));
        let first = prune_store_before(&store, at(20), at(30)).await.unwrap();
        assert_eq!(first.runs_pruned, total as u64);
        assert_eq!(first.events_removed, 2 * total as u64);
        assert_eq!(store.events(&live).await.unwrap().len(), 2);
        let second = prune_store_before(&store, at(20), at(40)).await.unwrap();
        assert_eq!((second.runs_pruned, second.events_removed), (0, 0));
    }

    #[tokio::test]
    async fn later_passes_prune_what_came_due_since_and_what_was_left_pending() {
        let store = MemoryStore::new();
        let mut pass = RetentionPass::default();
        // Due at the first pass.
        finished_run_at(&store, &id_at(0, 1), 0, 10).await;
        // Created before the first cutoff, finished after it: left pending.
        finished_run_at(&store, &id_at(0, 2), 0, 30).await;
        // Still going at the first pass.
        let mut going = running_run(&store, &id_at(0, 3), 0).await;
        // A child finished long ago whose parent is still going.
        let mut parent = running_run(&store, &id_at(0, 4), 0).await;
        let child_id = format!("{}.fan.0", parent.id);
        let mut child = record(&child_id, 1);
        child.parent = Some(garita_engine::run::ParentRef {
            run_id: parent.id.clone(),
            step_id: "fan".into(),
            index: 0,
        });
        let mut child = store_started(&store, child, 1, &["a", "b"]).await;
        finish(&store, &mut child, 5).await;

        let first = pass.prune(&store, at(20), at(20)).await.unwrap();
        assert_eq!((first.runs_pruned, first.children_kept), (1, 1));

        // Between the passes: runs created after the first cutoff, and the
        // pending ones finish.
        finished_run_at(&store, &id_at(25, 1), 25, 28).await;
        finished_run_at(&store, &id_at(45, 1), 45, 48).await;
        finish(&store, &mut going, 35).await;
        finish(&store, &mut parent, 36).await;

        let second = pass.prune(&store, at(40), at(40)).await.unwrap();
        // Finished at 30 (pending), 35 (pending), 36 (the parent), the
        // child (its parent is done), and the one created at 25; not the
        // one created at 45.
        assert_eq!((second.runs_pruned, second.children_kept), (5, 0));
        assert_eq!(store.events(&id_at(45, 1)).await.unwrap().len(), 4);
        let third = pass.prune(&store, at(60), at(60)).await.unwrap();
        assert_eq!(third.runs_pruned, 1);
    }

    #[tokio::test]
    async fn a_pass_reads_again_only_what_it_left_and_a_new_pass_reads_everything() {
        // The shortcut is that a run's id is no later than its creation. A
        // finished run put below the ids an earlier pass read (which the
        // engine never does) shows that the same pass does not read them
        // again, and that a new pass (a daemon starting) does.
        let store = MemoryStore::new();
        let mut pass = RetentionPass::default();
        finished_run_at(&store, &id_at(0, 1), 0, 10).await;
        assert_eq!(
            pass.prune(&store, at(20), at(20))
                .await
                .unwrap()
                .runs_pruned,
            1
        );
        finished_run_at(&store, &id_at(0, 2), 30, 31).await;
        let again = pass.prune(&store, at(40), at(40)).await.unwrap();
        assert_eq!(again.runs_pruned, 0);
        let fresh = RetentionPass::default()
            .prune(&store, at(40), at(40))
            .await
            .unwrap();
        assert_eq!(fresh.runs_pruned, 1);
        // A cutoff moved back reads everything again too.
        finished_run_at(&store, &id_at(0, 3), 30, 31).await;
        assert_eq!(
            pass.prune(&store, at(35), at(45))
                .await
                .unwrap()
                .runs_pruned,
            1
        );
    }

    #[test]
    fn the_cutoff_is_a_days_utc_midnight_or_an_instant() {
        assert_eq!(
            finished_before("2026-01-31").unwrap().to_rfc3339(),
            "2026-01-31T00:00:00+00:00"
        );
        assert_eq!(
            finished_before("2026-01-31T08:00:00-05:00")
                .unwrap()
                .to_rfc3339(),
            "2026-01-31T13:00:00+00:00"
        );
        let err = finished_before("31/01/2026").unwrap_err().to_string();
        assert!(err.contains("--finished-before"), "{err}");
    }
}
