//! Which engine drives a run: a time-limited claim that every process
//! sharing one store agrees on.
//!
//! With one process per store (sled locks its directory) the in-process
//! guard already keeps one driver per run; with a shared database several
//! daemons see the same due runs, and a run must still be driven by one of
//! them at a time, or a step's side effect (an email, a portal call) would
//! start twice. The engine claims a run's lease before driving it, renews
//! it while a step takes long (a heartbeat), and gives it up when the run
//! waits or ends. A daemon that dies holds its leases only until they
//! expire; then another daemon takes the run over and treats it as
//! recovering (the step in flight runs again with the same idempotency
//! key, as after a restart).
//!
//! The lease is an optimisation of who works, never the only guard of
//! correctness: [`Store::append`](crate::Store::append) refuses an append
//! whose sequence number is stale, so two drivers that overlap (a stalled
//! process whose lease expired) cannot both write the same step.
//!
//! Lease times are the store's real time, never the injected [`Clock`](crate::Clock):
//! they decide which process works, not what a rule means, and a
//! simulation's virtual time must not make a lease last forever.

mod local;

pub mod conformance;

use std::time::Duration;

use async_trait::async_trait;

use crate::store::StoreError;

pub use local::LocalLeases;

/// How long a lease lasts unless renewed. A driver renews at a third of it,
/// so a daemon that stops renewing loses its runs within this time.
pub const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(30);

/// The answer to a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaseOutcome {
    /// The claimant holds the lease now.
    Granted {
        /// The lease was another owner's and had expired: that owner may
        /// have stopped in the middle of a step.
        taken_over: bool,
    },
    /// Another owner holds an unexpired lease.
    HeldBy {
        /// Who holds it.
        owner: String,
    },
}

impl LeaseOutcome {
    /// Whether the claimant holds the lease.
    pub fn granted(&self) -> bool {
        matches!(self, Self::Granted { .. })
    }
}

/// Leases on runs, shared by every process that drives runs of one store.
///
/// Contract (checked by [`conformance::lease_checks`]): a claim is granted
/// when the run has no lease, when its lease expired, or when the claimant
/// already holds it (which extends it: that is the heartbeat); otherwise it
/// names the holder. Claims on one run are atomic across processes: two
/// owners never both hold an unexpired lease on it. Releasing a lease one
/// does not hold changes nothing.
#[async_trait]
pub trait RunLeases: Send + Sync {
    /// Claims (or extends) the lease on `run` for `owner`, for `ttl` from
    /// the store's current time.
    async fn claim(
        &self,
        run: &str,
        owner: &str,
        ttl: Duration,
    ) -> Result<LeaseOutcome, StoreError>;

    /// Gives up `owner`'s lease on `run`, if it holds one.
    async fn release(&self, run: &str, owner: &str) -> Result<(), StoreError>;
}

/// A name for this process as a lease owner: the host, the process id and
/// a random part, so a restarted process on the same host with a reused
/// process id is still someone else (its predecessor's leases must expire
/// before it takes those runs over as recovering).
pub fn process_owner() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".to_owned());
    let random = {
        use std::collections::hash_map::RandomState;
        use std::hash::BuildHasher;
        RandomState::new().hash_one(std::time::SystemTime::now()) as u32
    };
    format!("{host}:{}:{random:08x}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_of_two_engines_in_one_process_differ() {
        let a = process_owner();
        let b = process_owner();
        assert_ne!(a, b);
        assert!(a.contains(&format!(":{}:", std::process::id())), "{a}");
    }
}
