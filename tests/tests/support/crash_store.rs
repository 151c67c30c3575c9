//! What the store says after a kill, read in this process while no garita
//! process holds it: each run's status, which steps it recorded as finished
//! or still in flight, and the open tasks.

use std::collections::BTreeMap;
use std::path::Path;

use garita_engine::{RunFilter, RunStatus, Store, TaskFilter, TaskStatus};
use garita_store::{SledStore, StoreOptions};

use crate::step_fold::{steps_of, RunSteps, StepKey};

/// The store read once.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub runs: BTreeMap<String, RunSteps>,
    /// Ids of the open tasks.
    pub open_tasks: Vec<String>,
}

impl Snapshot {
    /// Opens the store at `dir` (which also proves it opens after the kill),
    /// reads it, and closes it. Runs already terminal in `known` are not
    /// read again: nothing happens to them any more.
    pub fn read(dir: &Path, known: &Snapshot) -> Result<Snapshot, String> {
        let store = SledStore::open(dir, StoreOptions::default())
            .map_err(|e| format!("the store does not open after the kill: {e}"))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a tokio runtime");
        let snapshot = runtime.block_on(read_all(&store, known));
        drop(store);
        snapshot
    }

    /// Every (run, step) recorded as succeeded.
    pub fn succeeded(&self) -> impl Iterator<Item = StepKey> + '_ {
        self.runs.iter().flat_map(|(run, steps)| {
            steps
                .succeeded
                .iter()
                .map(move |step| (run.clone(), step.clone()))
        })
    }

    /// Every (run, step) in flight.
    pub fn in_flight(&self) -> impl Iterator<Item = StepKey> + '_ {
        self.runs.iter().flat_map(|(run, steps)| {
            steps
                .in_flight
                .iter()
                .map(move |step| (run.clone(), step.clone()))
        })
    }
}

async fn read_all(store: &SledStore, known: &Snapshot) -> Result<Snapshot, String> {
    let records = store
        .list_runs(&RunFilter::default())
        .await
        .map_err(|e| format!("listing runs: {e}"))?;
    let mut runs = BTreeMap::new();
    for record in records {
        if let Some(old) = known.runs.get(&record.id) {
            if old.status.is_some_and(RunStatus::is_terminal) {
                runs.insert(record.id.clone(), old.clone());
                continue;
            }
        }
        let events = store
            .events(&record.id)
            .await
            .map_err(|e| format!("reading the events of {}: {e}", record.id))?;
        let mut steps = steps_of(events.iter().map(|e| &e.event));
        steps.status = Some(record.status);
        steps.last_event = events.last().map(|e| format!("{:?}", e.event));
        runs.insert(record.id, steps);
    }
    let open_tasks = store
        .list_tasks(&TaskFilter {
            statuses: vec![TaskStatus::Open],
            ..TaskFilter::default()
        })
        .await
        .map_err(|e| format!("listing tasks: {e}"))?
        .into_iter()
        .map(|t| t.id)
        .collect();
    Ok(Snapshot { runs, open_tasks })
}
