//! Runs being driven by the daemon, at most N at a time.
//!
//! Each run is driven on its own task, so a run in a long step never holds
//! up the schedules of others. A run is never driven twice at once here (the
//! engine would make the second driver wait anyway). On shutdown the pool
//! stops taking runs and gives the ones in flight a grace period; a run
//! still in a step after it is abandoned: its `StepStarted` is durable, so
//! the next start drives it again with the same idempotency key.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use garita_engine::executor::{Engine, EngineError};
use garita_engine::{RunId, RunStatus};
use tokio::task::{Id, JoinSet};

/// How driving one run ended.
pub type Driven = (RunId, Result<RunStatus, EngineError>);

pub struct RunPool {
    engine: Arc<Engine>,
    limit: usize,
    tasks: JoinSet<Driven>,
    /// The run each driving task drives (also what is in flight).
    in_flight: HashMap<Id, RunId>,
    queue: VecDeque<RunId>,
    queued: HashSet<RunId>,
}

impl RunPool {
    pub fn new(engine: Arc<Engine>, limit: usize) -> Self {
        Self {
            engine,
            limit: limit.max(1),
            tasks: JoinSet::new(),
            in_flight: HashMap::new(),
            queue: VecDeque::new(),
            queued: HashSet::new(),
        }
    }

    /// Asks for `run` to be driven; true when it was not already in flight
    /// or queued.
    pub fn submit(&mut self, run: RunId) -> bool {
        if self.in_flight.values().any(|r| r == &run) || !self.queued.insert(run.clone()) {
            return false;
        }
        self.queue.push_back(run);
        self.fill();
        true
    }

    /// True when nothing is in flight or queued.
    pub fn is_idle(&self) -> bool {
        self.tasks.is_empty() && self.queue.is_empty()
    }

    /// Runs in flight.
    pub fn in_flight(&self) -> usize {
        self.tasks.len()
    }

    /// Waits for the next run to finish driving (never resolves when idle,
    /// so it can sit in a `select!`).
    pub async fn next_done(&mut self) -> Driven {
        loop {
            match self.tasks.join_next_with_id().await {
                Some(Ok((id, (run, result)))) => {
                    self.in_flight.remove(&id);
                    self.fill();
                    return (run, result);
                }
                // The driving task panicked: the run stays as its last
                // durable event left it and is driven again when next due
                // or on the next start.
                Some(Err(e)) => {
                    let run = self.in_flight.remove(&e.id()).unwrap_or_default();
                    tracing::error!(run = %run, error = %e, "driving a run ended abnormally; it resumes when next due or on the next start");
                    self.fill();
                }
                None => std::future::pending::<()>().await,
            }
        }
    }

    /// Stops taking runs, waits up to `grace` for those in flight, and
    /// returns how many were still driving when it gave up.
    pub async fn drain(&mut self, grace: Duration) -> usize {
        self.queue.clear();
        self.queued.clear();
        let deadline = tokio::time::Instant::now() + grace;
        while !self.tasks.is_empty() {
            match tokio::time::timeout_at(deadline, self.tasks.join_next_with_id()).await {
                Ok(Some(Ok((id, (run, result))))) => {
                    self.in_flight.remove(&id);
                    super::log_driven(&run, &result);
                }
                Ok(Some(Err(_))) | Ok(None) => {}
                Err(_) => break,
            }
        }
        let abandoned = self.tasks.len();
        self.tasks.abort_all();
        // Aborted tasks end at their next await (a connector call on the
        // blocking pool is one); collecting them drops their engine handles,
        // so the store can close cleanly behind them.
        while self.tasks.join_next().await.is_some() {}
        self.in_flight.clear();
        abandoned
    }

    fn fill(&mut self) {
        while self.tasks.len() < self.limit {
            let Some(run) = self.queue.pop_front() else {
                return;
            };
            self.queued.remove(&run);
            let engine = self.engine.clone();
            let driving = run.clone();
            let handle = self.tasks.spawn(async move {
                let result = engine.drive(&driving).await;
                (driving, result)
            });
            self.in_flight.insert(handle.id(), run);
        }
    }
}
