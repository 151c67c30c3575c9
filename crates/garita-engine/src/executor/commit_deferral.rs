//! How long a run's events may wait for a commit.
//!
//! Events of side-effect-free steps wait for the run's next commit, so a chain
//! of fast steps costs one commit (sled flush + fdatasync) instead of one per
//! step: that is what makes `garita run` fast. A crash loses what waits, and
//! those steps run again, so the wait is bounded by count (memory, and how
//! many steps a crash repeats) and by time (how much work a crash repeats).
//!
//! Time here is a monotonic [`Instant`], not the engine's injected `Clock`: it
//! is about durability, and a business clock pinned by `--now`, a test or a
//! simulation must not stop (or hurry) commits.

use std::time::{Duration, Instant};

/// Most events a run keeps uncommitted while it calls side-effect-free
/// actions: bounds its memory and the work a crash makes it repeat.
pub(super) const MAX_UNCOMMITTED_EVENTS: usize = 64;

/// Longest a step may run, or an event wait uncommitted, before a commit.
///
/// A commit costs about a millisecond here (sled flush + fdatasync; 0.1 to
/// 0.5 ms syncs measured on the development disk, more under load). Steps
/// faster than a few commits are cheaper to run again after a crash than to
/// commit one by one, so they keep sharing commits; a step that ran longer
/// than this, or fast steps adding up to it, is worth a commit, which then
/// costs at most about a fifth of the work it saves. A crash therefore
/// repeats at most about this much finished work, plus the step in flight.
pub(super) const MAX_COMMIT_DELAY: Duration = Duration::from_millis(5);

/// When the oldest event still waiting for a commit was recorded.
#[derive(Debug, Default)]
pub(super) struct OldestUncommitted(Option<Instant>);

impl OldestUncommitted {
    /// An event was recorded: the first since the last commit starts the wait.
    pub(super) fn recorded(&mut self) {
        self.0.get_or_insert_with(Instant::now);
    }

    /// Everything recorded was committed.
    pub(super) fn committed(&mut self) {
        self.0 = None;
    }

    /// True when the oldest uncommitted event has waited [`MAX_COMMIT_DELAY`].
    pub(super) fn overdue(&self) -> bool {
        self.0.is_some_and(|at| at.elapsed() >= MAX_COMMIT_DELAY)
    }
}

/// True when a step whose call took `took` is slow enough that its outcome is
/// committed as soon as it is recorded.
pub(super) fn is_slow_step(took: Duration) -> bool {
    took >= MAX_COMMIT_DELAY
}
