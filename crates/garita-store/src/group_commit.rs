//! Group commit: concurrent commits share one durable flush.
//!
//! A committer applies its write to sled (in memory), then queues a waiter and
//! awaits it. A dedicated thread takes the first waiter, drains every other
//! waiter queued by then, performs ONE [`DurableFlush::run`] and answers them
//! all. Every drained waiter was queued after its write was applied, and the
//! flush starts after the drain, so the flush covers each of their writes.
//! While a flush is in progress new waiters pile up and form the next group,
//! so the group grows with the load without any added delay at low load.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;

use garita_engine::StoreError;
use tokio::sync::oneshot;

use crate::durable_flush::DurableFlush;
use crate::errors::io_error;

/// The answer a waiter gets: the result of the flush that covered it.
type Waiter = oneshot::Sender<Result<(), StoreError>>;

/// The flusher thread and the queue to it.
#[derive(Debug)]
pub(crate) struct GroupCommit {
    /// `None` once stopped; dropping it is what tells the thread to end.
    queue: Option<mpsc::Sender<Waiter>>,
    thread: Option<JoinHandle<()>>,
    path: String,
    /// Waiters queued so far (lets tests see that commits are waiting).
    queued: AtomicU64,
}

impl GroupCommit {
    /// Starts the flusher thread over `flush` (the store at `path`).
    pub(crate) fn start(flush: Arc<DurableFlush>, path: &Path) -> Result<Self, StoreError> {
        let (queue, waiters) = mpsc::channel::<Waiter>();
        let thread = std::thread::Builder::new()
            .name("garita-store-flusher".into())
            .spawn(move || flush_groups(&flush, &waiters))
            .map_err(|e| io_error(path, "starting the flusher thread", &e))?;
        Ok(Self {
            queue: Some(queue),
            thread: Some(thread),
            path: path.display().to_string(),
            queued: AtomicU64::new(0),
        })
    }

    /// Returns once a flush that started after this call has completed, that
    /// is, once every write applied before this call is durable.
    pub(crate) async fn wait_durable(&self) -> Result<(), StoreError> {
        let (answer, result) = oneshot::channel();
        let queued = self.queue.as_ref().is_some_and(|q| q.send(answer).is_ok());
        if !queued {
            return Err(self.flusher_gone());
        }
        self.queued.fetch_add(1, Ordering::Relaxed);
        result.await.unwrap_or_else(|_| Err(self.flusher_gone()))
    }

    /// Ends the thread after it has answered every queued waiter.
    pub(crate) fn stop(&mut self) {
        self.queue = None;
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                tracing::error!(store = %self.path, "the store's flusher thread panicked");
            }
        }
    }

    /// Number of waiters queued since the store was opened.
    #[cfg(test)]
    pub(crate) fn queued(&self) -> u64 {
        self.queued.load(Ordering::Relaxed)
    }

    fn flusher_gone(&self) -> StoreError {
        StoreError::Io {
            path: self.path.clone(),
            detail: "the store's flusher thread has stopped, so nothing can be made durable; restart garita".into(),
        }
    }
}

impl Drop for GroupCommit {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The thread's loop: one flush per group of waiters, until the queue closes.
fn flush_groups(flush: &DurableFlush, waiters: &mpsc::Receiver<Waiter>) {
    while let Ok(first) = waiters.recv() {
        let mut group = vec![first];
        group.extend(waiters.try_iter());
        let result = flush.run();
        for waiter in group {
            // A waiter whose caller gave up (dropped the future) is fine.
            let _ = waiter.send(result.clone());
        }
    }
}
