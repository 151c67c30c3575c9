//! One driver per run at a time: in this process, a second driver of the
//! same run (a signal arriving while the daemon drives it) waits its turn;
//! across processes sharing a store, the run's lease ([`crate::lease`])
//! decides who drives it, and a heartbeat keeps the lease while a step
//! takes long.

use std::future::Future;
use std::time::Duration;

use super::{Engine, EngineError};
use crate::lease::LeaseOutcome;
use crate::run::RunId;

/// How often a person's operation (a signal, an answer, a cancel) looks
/// again at a lease another process holds before giving up.
const LEASE_POLL: Duration = Duration::from_millis(100);

impl Engine {
    /// This process's slot on `run`, then its lease, waiting for another
    /// process to finish or for its lease to expire (bounded by the lease's
    /// lifetime and a little more): for operations a person asked for,
    /// which must not be dropped because a daemon is busy with the run.
    pub(super) async fn acquire(&self, run: &str) -> Result<ActiveGuard<'_>, EngineError> {
        let guard = self.slot(run).await;
        let give_up = tokio::time::Instant::now()
            + self.lease_ttl
            + self.lease_ttl.min(Duration::from_secs(5));
        loop {
            match self.claim(run).await? {
                LeaseOutcome::Granted { .. } => return Ok(guard.leased()),
                LeaseOutcome::HeldBy { owner } => {
                    if tokio::time::Instant::now() >= give_up {
                        return Err(EngineError::DrivenElsewhere {
                            run: run.to_owned(),
                            owner,
                        });
                    }
                    tokio::time::sleep(LEASE_POLL).await;
                }
            }
        }
    }

    /// This process's slot on `run` and its lease if no other process holds
    /// it; `None` when one does (it drives the run, so this one need not).
    pub(super) async fn acquire_to_drive(
        &self,
        run: &str,
    ) -> Result<Option<ActiveGuard<'_>>, EngineError> {
        let guard = self.slot(run).await;
        match self.claim(run).await? {
            LeaseOutcome::Granted { .. } => Ok(Some(guard.leased())),
            LeaseOutcome::HeldBy { owner } => {
                tracing::debug!(run, owner = %owner, "run is driven by another process");
                Ok(None)
            }
        }
    }

    /// Claims or renews `run`'s lease; a run taken over from a process
    /// whose lease expired is recovering, as after a restart.
    async fn claim(&self, run: &str) -> Result<LeaseOutcome, EngineError> {
        let outcome = self
            .leases
            .claim(run, &self.lease_owner, self.lease_ttl)
            .await?;
        if outcome == (LeaseOutcome::Granted { taken_over: true }) {
            tracing::warn!(
                run,
                "took over a run whose driver stopped renewing its lease; \
                 the step it was in runs again with the same key"
            );
            self.note_restart(&[run.to_owned()]);
        }
        Ok(outcome)
    }

    /// Runs `work` while renewing `run`'s lease every third of its
    /// lifetime, so a long step keeps it.
    pub(super) async fn with_heartbeat<F: Future>(&self, run: &str, work: F) -> F::Output {
        let heartbeat = async {
            loop {
                tokio::time::sleep(self.lease_ttl / 3).await;
                match self
                    .leases
                    .claim(run, &self.lease_owner, self.lease_ttl)
                    .await
                {
                    Ok(LeaseOutcome::Granted { .. }) => {}
                    // The store refuses the stale writer's appends, so losing
                    // the lease costs this driver its step, never a duplicate.
                    Ok(LeaseOutcome::HeldBy { owner }) => tracing::error!(
                        run,
                        owner = %owner,
                        "lost the run's lease while driving it (this process stalled longer than the lease)"
                    ),
                    Err(e) => tracing::warn!(run, error = %e, "cannot renew the run's lease"),
                }
            }
        };
        let work = std::pin::pin!(work);
        let heartbeat = std::pin::pin!(heartbeat);
        match futures_util::future::select(work, heartbeat).await {
            futures_util::future::Either::Left((output, _)) => output,
            futures_util::future::Either::Right((never, _)) => never,
        }
    }

    async fn slot(&self, run: &str) -> SlotGuard<'_> {
        loop {
            {
                let mut active = self.active.lock().unwrap_or_else(|p| p.into_inner());
                if active.insert(run.to_owned()) {
                    return SlotGuard {
                        engine: self,
                        run: run.to_owned(),
                    };
                }
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
}

/// This process's slot on a run, before its lease is known.
struct SlotGuard<'a> {
    engine: &'a Engine,
    run: RunId,
}

impl<'a> SlotGuard<'a> {
    fn leased(self) -> ActiveGuard<'a> {
        ActiveGuard { slot: self }
    }
}

impl Drop for SlotGuard<'_> {
    fn drop(&mut self) {
        self.engine
            .active
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.run);
    }
}

/// The right to drive a run: this process's slot and the run's lease.
/// [`ActiveGuard::release`] gives the lease up; a guard merely dropped (an
/// error, a cancelled future) leaves the lease to expire, which delays
/// other processes by at most its lifetime and never lets two drive.
pub(super) struct ActiveGuard<'a> {
    slot: SlotGuard<'a>,
}

impl ActiveGuard<'_> {
    /// Gives the lease up, then the slot.
    pub(super) async fn release(self) {
        let engine = self.slot.engine;
        if let Err(e) = engine
            .leases
            .release(&self.slot.run, &engine.lease_owner)
            .await
        {
            tracing::warn!(run = %self.slot.run, error = %e, "cannot release the run's lease; it expires by itself");
        }
    }
}
