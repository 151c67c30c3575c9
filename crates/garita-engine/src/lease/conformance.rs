//! What every [`RunLeases`] must do. A store that implements the trait runs
//! [`lease_checks`] in its tests against a fresh store.

use std::time::Duration;

use super::{LeaseOutcome, RunLeases};

/// Long enough that a lease cannot expire during a check on a slow machine.
const LONG: Duration = Duration::from_secs(600);
/// Short enough to wait for.
const SHORT: Duration = Duration::from_millis(300);

/// Runs every lease check against `leases`, which must hold no lease on
/// runs named `lease-check-*`.
pub async fn lease_checks(leases: &dyn RunLeases) {
    one_owner_at_a_time(leases).await;
    renewal_and_release(leases).await;
    an_expired_lease_is_taken_over(leases).await;
    concurrent_claims_grant_one(leases).await;
}

async fn claim(leases: &dyn RunLeases, run: &str, owner: &str, ttl: Duration) -> LeaseOutcome {
    leases
        .claim(run, owner, ttl)
        .await
        .unwrap_or_else(|e| panic!("claim of {run} by {owner}: {e}"))
}

/// A free run is granted; another owner is told who holds it; runs are
/// independent.
pub async fn one_owner_at_a_time(leases: &dyn RunLeases) {
    let run = "lease-check-one";
    assert_eq!(
        claim(leases, run, "a", LONG).await,
        LeaseOutcome::Granted { taken_over: false }
    );
    assert_eq!(
        claim(leases, run, "b", LONG).await,
        LeaseOutcome::HeldBy { owner: "a".into() },
        "a second owner must not get a held lease"
    );
    assert!(
        claim(leases, "lease-check-one-other", "b", LONG)
            .await
            .granted(),
        "a lease on one run says nothing about another"
    );
    // A run id that is a prefix of another is its own run.
    assert!(claim(leases, "lease-check-on", "c", LONG).await.granted());
}

/// The holder extends its lease by claiming again; releasing frees it for
/// others at once; releasing someone else's lease changes nothing.
pub async fn renewal_and_release(leases: &dyn RunLeases) {
    let run = "lease-check-renew";
    assert!(claim(leases, run, "a", SHORT).await.granted());
    assert_eq!(
        claim(leases, run, "a", LONG).await,
        LeaseOutcome::Granted { taken_over: false },
        "the holder's claim is a renewal"
    );
    tokio::time::sleep(SHORT * 2).await;
    assert_eq!(
        claim(leases, run, "b", LONG).await,
        LeaseOutcome::HeldBy { owner: "a".into() },
        "the renewal must have extended the lease past its first expiry"
    );
    leases
        .release(run, "b")
        .await
        .expect("release by non-holder");
    assert_eq!(
        claim(leases, run, "b", LONG).await,
        LeaseOutcome::HeldBy { owner: "a".into() },
        "releasing a lease one does not hold must change nothing"
    );
    leases.release(run, "a").await.expect("release");
    assert_eq!(
        claim(leases, run, "b", LONG).await,
        LeaseOutcome::Granted { taken_over: false },
        "a released lease is free (not taken over: its holder let it go)"
    );
}

/// A lease not renewed expires, and the next owner is told it took over.
pub async fn an_expired_lease_is_taken_over(leases: &dyn RunLeases) {
    let run = "lease-check-expiry";
    assert!(claim(leases, run, "a", SHORT).await.granted());
    tokio::time::sleep(SHORT * 2).await;
    assert_eq!(
        claim(leases, run, "b", LONG).await,
        LeaseOutcome::Granted { taken_over: true }
    );
    assert_eq!(
        claim(leases, run, "a", LONG).await,
        LeaseOutcome::HeldBy { owner: "b".into() },
        "the old holder has lost it"
    );
}

/// Many owners claiming one free run at once: exactly one is granted.
pub async fn concurrent_claims_grant_one(leases: &dyn RunLeases) {
    let run = "lease-check-race";
    let owners: Vec<String> = (0..16).map(|i| format!("owner-{i}")).collect();
    let outcomes =
        futures_util::future::join_all(owners.iter().map(|owner| leases.claim(run, owner, LONG)))
            .await;
    let granted = outcomes
        .into_iter()
        .map(|o| o.expect("claim"))
        .filter(LeaseOutcome::granted)
        .count();
    assert_eq!(granted, 1, "exactly one of 16 concurrent claims wins");
}
