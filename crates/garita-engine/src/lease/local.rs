//! [`LocalLeases`]: leases kept in this process's memory, for stores only
//! one process can open (sled, the in-memory test stores).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::{LeaseOutcome, RunLeases};
use crate::store::StoreError;

/// Leases in memory. Correct only when every driver of the store's runs is
/// in this process, which a store that locks itself to one process
/// guarantees; a store shared by processes keeps its leases in itself.
#[derive(Debug, Default)]
pub struct LocalLeases {
    held: Mutex<HashMap<String, (String, Instant)>>,
}

impl LocalLeases {
    /// No leases yet.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl RunLeases for LocalLeases {
    async fn claim(
        &self,
        run: &str,
        owner: &str,
        ttl: Duration,
    ) -> Result<LeaseOutcome, StoreError> {
        let now = Instant::now();
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        let outcome = match held.get(run) {
            Some((holder, until)) if holder != owner && *until > now => {
                return Ok(LeaseOutcome::HeldBy {
                    owner: holder.clone(),
                })
            }
            Some((holder, _)) => LeaseOutcome::Granted {
                taken_over: holder != owner,
            },
            None => LeaseOutcome::Granted { taken_over: false },
        };
        held.insert(run.to_owned(), (owner.to_owned(), now + ttl));
        Ok(outcome)
    }

    async fn release(&self, run: &str, owner: &str) -> Result<(), StoreError> {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        if held.get(run).is_some_and(|(holder, _)| holder == owner) {
            held.remove(run);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn local_leases_pass_the_lease_checks() {
        super::super::conformance::lease_checks(&LocalLeases::new()).await;
    }
}
