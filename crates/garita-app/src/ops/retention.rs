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
use garita_engine::{RunFilter, RunRecord, RunStatus, Store};
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
    let now = session.engine.clock().now();
    prune_store_before(session.backend.runs.as_ref(), cutoff, now).await
}

/// What [`prune_before`] does, on a store and at a business instant
/// given: also what `garita simulate` runs on its copy in virtual time,
/// so a rehearsal prunes exactly as the daemon would.
pub async fn prune_store_before(
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
    // One page of summaries at a time: a store of years holds hundreds of
    // thousands of runs, and a pass must not hold them all at once.
    let mut before = None;
    loop {
        let page = store
            .list_runs(&RunFilter {
                statuses: vec![
                    RunStatus::Succeeded,
                    RunStatus::Failed,
                    RunStatus::Cancelled,
                ],
                workflow: None,
                limit: Some(PRUNE_PAGE),
                before: before.take(),
            })
            .await?;
        let Some(last) = page.last() else {
            break;
        };
        before = Some(last.id.clone());
        let full = page.len() == PRUNE_PAGE;
        for run in page.iter().filter(|r| r.updated_at < cutoff) {
            // Nothing left to remove: skip the store's write path.
            if run.next_seq <= 2 {
                continue;
            }
            if !parent_finished(store, run).await? {
                done.children_kept += 1;
                continue;
            }
            let removed = store.prune_run_events(&run.id, now).await?;
            if removed > 0 {
                done.runs_pruned += 1;
                done.events_removed += removed;
            }
        }
        if !full {
            break;
        }
    }
    Ok(done)
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
    use garita_engine::{MemoryStore, RunEvent};
    use serde_json::json;

    use super::*;

    /// A run finished at `at(10)` with two step events between its first
    /// and last.
    async fn finished_run(store: &MemoryStore, id: &str) {
        let mut run = record(id, 0);
        store
            .create_run(&mut run, &[RunEvent::RunCreated { at: at(0) }])
            .await
            .unwrap();
        store
            .append(&mut run, &[started("a", 1), started("b", 2)])
            .await
            .unwrap();
        run.status = RunStatus::Succeeded;
        run.updated_at = at(10);
        let done = RunEvent::RunSucceeded {
            outputs: json!({}),
            at: at(10),
        };
        store.append(&mut run, &[done]).await.unwrap();
    }

    #[tokio::test]
    async fn a_pass_walks_every_page_and_a_second_pass_finds_nothing() {
        let store = MemoryStore::new();
        // Two full pages and a part, with a run still going in between.
        let total = PRUNE_PAGE * 2 + 7;
        for i in 0..total {
            finished_run(&store, &format!("01R{i:05}")).await;
        }
        let mut live = record("01R00100x", 0);
        store
            .create_run(&mut live, &[RunEvent::RunCreated { at: at(0) }])
            .await
            .unwrap();
        // Runs that finished after the cutoff are left whole.
        let early = prune_store_before(&store, at(5), at(20)).await.unwrap();
        assert_eq!((early.runs_pruned, early.events_removed), (0, 0));
        let first = prune_store_before(&store, at(20), at(30)).await.unwrap();
        assert_eq!(first.runs_pruned, total as u64);
        assert_eq!(first.events_removed, 2 * total as u64);
        assert_eq!(store.events("01R00100x").await.unwrap().len(), 1);
        let second = prune_store_before(&store, at(20), at(40)).await.unwrap();
        assert_eq!((second.runs_pruned, second.events_removed), (0, 0));
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
