//! Group commit: concurrent commits share one durable flush.
//!
//! A committer encodes its write on its own task, queues it, and awaits the
//! answer. A dedicated thread takes the first queued write, drains every other
//! write queued by then, applies the group in one sled transaction (a refused
//! write is skipped without affecting the others), performs ONE
//! [`DurableFlush::run`] for the group and answers them all. While it flushes,
//! new writes pile up and form the next group, so groups grow with the load
//! without any delay added at low load.
//!
//! Why the thread also applies the writes: sled serialises transactions
//! behind one process-wide lock, which also waits for any sled flush in
//! progress, so applying on the committers' tasks would block tokio workers
//! for a flush's duration and buy no parallelism. On this thread a commit
//! costs two thread hand-offs (there and back) and never blocks a worker.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;

use garita_engine::StoreError;
use tokio::sync::oneshot;

use crate::durable_flush::DurableFlush;
use crate::errors::io_error;
use crate::open::panic_message;
use crate::trees::Trees;
use crate::write::{self, Outcomes, RunWrite};

/// One queued commit and where to send its outcome.
struct Request {
    write: RunWrite,
    answer: oneshot::Sender<Result<(), StoreError>>,
}

/// What the thread needs to apply and flush.
struct Committer {
    trees: Trees,
    path: PathBuf,
    flush: Arc<DurableFlush>,
}

/// The group-commit thread and the queue to it.
#[derive(Debug)]
pub(crate) struct GroupCommit {
    /// `None` once stopped; dropping it is what tells the thread to end.
    queue: Option<mpsc::Sender<Request>>,
    thread: Option<JoinHandle<()>>,
    path: String,
    /// Writes queued so far (lets tests see that commits are waiting).
    queued: AtomicU64,
}

impl GroupCommit {
    /// Starts the thread that applies writes to `trees` and flushes them with
    /// `flush` (the store at `path`).
    pub(crate) fn start(
        trees: Trees,
        flush: Arc<DurableFlush>,
        path: &Path,
    ) -> Result<Self, StoreError> {
        let (queue, requests) = mpsc::channel::<Request>();
        let committer = Committer {
            trees,
            path: path.to_path_buf(),
            flush,
        };
        let thread = std::thread::Builder::new()
            .name("garita-store-commit".into())
            .spawn(move || committer.serve(&requests))
            .map_err(|e| io_error(path, "starting the commit thread", &e))?;
        Ok(Self {
            queue: Some(queue),
            thread: Some(thread),
            path: path.display().to_string(),
            queued: AtomicU64::new(0),
        })
    }

    /// Applies `write` and returns once it is durable, or with why it was
    /// refused (then nothing of it was written).
    pub(crate) async fn commit(&self, write: RunWrite) -> Result<(), StoreError> {
        let (answer, outcome) = oneshot::channel();
        let queued = self
            .queue
            .as_ref()
            .is_some_and(|q| q.send(Request { write, answer }).is_ok());
        if !queued {
            return Err(self.thread_gone());
        }
        self.queued.fetch_add(1, Ordering::Relaxed);
        outcome.await.unwrap_or_else(|_| Err(self.thread_gone()))
    }

    /// Ends the thread after it has answered every queued write.
    pub(crate) fn stop(&mut self) {
        self.queue = None;
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                tracing::error!(store = %self.path, "the store's commit thread panicked");
            }
        }
    }

    /// Number of writes queued since the store was opened.
    #[cfg(test)]
    pub(crate) fn queued(&self) -> u64 {
        self.queued.load(Ordering::Relaxed)
    }

    fn thread_gone(&self) -> StoreError {
        StoreError::Io {
            path: self.path.clone(),
            detail:
                "the store's commit thread has stopped, so nothing can be written; restart garita"
                    .into(),
        }
    }
}

impl Drop for GroupCommit {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Committer {
    /// The thread's loop: one transaction and one flush per group of
    /// writes, until the queue closes.
    fn serve(&self, requests: &mpsc::Receiver<Request>) {
        let mut next = requests.recv();
        while let Ok(first) = next {
            let group: Vec<Request> = std::iter::once(first).chain(requests.try_iter()).collect();
            let writes: Vec<&RunWrite> = group.iter().map(|r| &r.write).collect();
            let outcomes = match self.apply(&writes) {
                Ok(outcomes) => outcomes,
                Err(err) => vec![Err(err); group.len()],
            };
            let any_applied = outcomes.iter().any(Result::is_ok);
            let flushed = if any_applied {
                self.flush.run()
            } else {
                Ok(())
            };
            for (request, outcome) in group.into_iter().zip(outcomes) {
                // A committer that gave up (dropped its future) is fine.
                let _ = request.answer.send(outcome.and_then(|()| flushed.clone()));
            }
            next = match requests.try_recv() {
                Ok(request) => Ok(request),
                Err(mpsc::TryRecvError::Disconnected) => break,
                Err(mpsc::TryRecvError::Empty) => {
                    // Nothing queued: the pages this thread's commits
                    // replaced go to the collector before it sleeps, or
                    // they stay allocated until its next commit.
                    crate::deferred_frees::hand_over_this_threads_pages();
                    requests.recv()
                }
            };
        }
    }

    /// Applies a group, refusing it when the store already failed a flush
    /// and turning a sled panic into [`StoreError::Corrupt`].
    fn apply(&self, writes: &[&RunWrite]) -> Result<Outcomes, StoreError> {
        self.flush.check_healthy()?;
        let applied = std::panic::catch_unwind(AssertUnwindSafe(|| {
            write::apply_group(&self.trees, &self.path, writes)
        }));
        applied.unwrap_or_else(|panic| {
            Err(StoreError::Corrupt {
                what: format!("sled data in {}", self.path.display()),
                detail: format!(
                    "sled panicked while committing runs ({})",
                    panic_message(&*panic)
                ),
            })
        })
    }
}
