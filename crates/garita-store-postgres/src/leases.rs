//! [`RunLeases`] on PostgreSQL: one row per leased run, claimed under the
//! row's lock so two daemons never both hold an unexpired lease, with the
//! server's clock deciding expiry.

use std::time::Duration;

use async_trait::async_trait;
use garita_engine::lease::{LeaseOutcome, RunLeases};
use garita_engine::StoreError;

use crate::PostgresStore;

/// A free run: the row is inserted, or nothing happens when one exists.
const INSERT_FREE: &str = "INSERT INTO run_leases (run_id, owner, expires_at) \
     VALUES ($1, $2, clock_timestamp() + $3 * interval '1 millisecond') \
     ON CONFLICT (run_id) DO NOTHING";

/// The existing lease, locked until the transaction ends, and whether it
/// expired by the server's clock; nothing when another claim holds its lock.
const LOCK_HELD: &str = "SELECT owner, expires_at < clock_timestamp() AS expired \
     FROM run_leases WHERE run_id = $1 FOR UPDATE SKIP LOCKED";

/// Who holds a lease whose row another claim has locked: read without
/// waiting for that claim, which is about to decide the holder.
const HOLDER: &str = "SELECT owner FROM run_leases WHERE run_id = $1";

const TAKE: &str = "UPDATE run_leases SET owner = $2, \
     expires_at = clock_timestamp() + $3 * interval '1 millisecond' WHERE run_id = $1";

const RELEASE: &str = "DELETE FROM run_leases WHERE run_id = $1 AND owner = $2";

#[async_trait]
impl RunLeases for PostgresStore {
    async fn claim(
        &self,
        run: &str,
        owner: &str,
        ttl: Duration,
    ) -> Result<LeaseOutcome, StoreError> {
        let millis = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        let doing = format!("claiming the lease of run {run}");
        // A release between the insert and the lock leaves no row to
        // lock: look again (bounded; each round makes progress unless
        // another daemon claims and releases in the same instant).
        for _ in 0..8 {
            let mut tx = self.pool.begin().await.map_err(self.error(&doing))?;
            let inserted = sqlx::query(INSERT_FREE)
                .bind(run)
                .bind(owner)
                .bind(millis)
                .execute(&mut *tx)
                .await
                .map_err(self.error(&doing))?
                .rows_affected();
            if inserted == 1 {
                tx.commit().await.map_err(self.error(&doing))?;
                return Ok(LeaseOutcome::Granted { taken_over: false });
            }
            let held: Option<(String, bool)> = sqlx::query_as(LOCK_HELD)
                .bind(run)
                .fetch_optional(&mut *tx)
                .await
                .map_err(self.error(&doing))?;
            let Some((holder, expired)) = held else {
                // Locked by another claim (SKIP LOCKED: never wait on a
                // daemon deciding it), or released since the insert.
                let claiming: Option<String> = sqlx::query_scalar(HOLDER)
                    .bind(run)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(self.error(&doing))?;
                tx.rollback().await.map_err(self.error(&doing))?;
                match claiming {
                    Some(holder) if holder != owner => {
                        return Ok(LeaseOutcome::HeldBy { owner: holder })
                    }
                    _ => continue,
                }
            };
            if holder != owner && !expired {
                tx.rollback().await.map_err(self.error(&doing))?;
                return Ok(LeaseOutcome::HeldBy { owner: holder });
            }
            sqlx::query(TAKE)
                .bind(run)
                .bind(owner)
                .bind(millis)
                .execute(&mut *tx)
                .await
                .map_err(self.error(&doing))?;
            tx.commit().await.map_err(self.error(&doing))?;
            return Ok(LeaseOutcome::Granted {
                taken_over: holder != owner,
            });
        }
        Err(StoreError::Io {
            path: self.url.clone(),
            detail: format!("{doing}: the lease changed hands too often to read; try again"),
        })
    }

    async fn release(&self, run: &str, owner: &str) -> Result<(), StoreError> {
        sqlx::query(RELEASE)
            .bind(run)
            .bind(owner)
            .execute(&self.pool)
            .await
            .map_err(self.error(&format!("releasing the lease of run {run}")))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use garita_engine::lease::RunLeases;
    use garita_engine::store_conformance::{at, record};
    use garita_engine::{RunEvent, RunStatus, Store};

    use crate::test_cluster::TestDb;

    /// A due run another process drives (its lease is live) is not offered
    /// as due work; once the lease is released or expires it is again.
    #[tokio::test]
    async fn due_runs_leave_out_runs_under_a_live_lease() {
        let (store, _db) = TestDb::fresh_store().await;
        let mut run = record("R-due", 1);
        run.status = RunStatus::Waiting;
        run.wake_at = Some(at(5));
        store
            .create_run(&mut run, &[RunEvent::RunCreated { at: at(1) }])
            .await
            .expect("create");
        assert_eq!(store.due_runs(at(10)).await.expect("due"), ["R-due"]);

        let held = store
            .claim("R-due", "other-daemon", Duration::from_secs(30))
            .await
            .expect("claim");
        assert!(held.granted());
        assert!(store.due_runs(at(10)).await.expect("due").is_empty());

        store
            .release("R-due", "other-daemon")
            .await
            .expect("release");
        assert_eq!(store.due_runs(at(10)).await.expect("due"), ["R-due"]);

        store
            .claim("R-due", "other-daemon", Duration::from_millis(200))
            .await
            .expect("claim");
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(
            store.due_runs(at(10)).await.expect("due"),
            ["R-due"],
            "an expired lease hides nothing"
        );
    }
}
