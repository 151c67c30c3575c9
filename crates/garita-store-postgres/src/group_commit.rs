//! Group commit of run writes: the commits queued while one group is being
//! written go together in the next, as ONE transaction, so concurrent runs
//! share the chain's lock, the round trips and the WAL flush of a commit
//! instead of queueing for one each (the engine's `Store` contract).
//!
//! The first committer that finds no group being written starts a task
//! that writes groups until the queue is empty; the others only wait for
//! their outcome. The task is spawned, so a caller that stops waiting
//! (a cancelled request) cuts no group short. Within a group each write
//! runs under a savepoint: a refused or failed write is rolled back to it
//! and gets its error, the others go on; then the group's audit head is
//! stored and the transaction committed, durably, before any of its
//! writers is answered. If the commit itself fails, every write of the
//! group gets that error, and none of them was written.

use std::sync::{Arc, Mutex, PoisonError};

use garita_engine::StoreError;
use tokio::sync::oneshot;

use crate::audit::{lock_head, store_head};
use crate::run_write::{write_one, RunWrite};
use crate::store::PostgresStore;

/// One queued commit and who waits for its outcome.
struct Queued {
    write: RunWrite,
    done: oneshot::Sender<Result<(), StoreError>>,
}

#[derive(Default)]
struct Queue {
    waiting: Vec<Queued>,
    /// Whether a task is writing groups; it clears this under the lock
    /// when it finds the queue empty, so a commit queued before that is
    /// always taken.
    writing: bool,
    /// Groups written (for the tests that check commits share them).
    groups: u64,
}

/// The queue of run commits of one store (shared by its clones).
#[derive(Default)]
pub(crate) struct GroupCommit {
    queue: Mutex<Queue>,
}

impl std::fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit").finish_non_exhaustive()
    }
}

/// Clears `writing` if the group task ends without doing so (it panicked),
/// so that later commits start a new one instead of waiting forever.
struct Writing(Arc<GroupCommit>);

impl Drop for Writing {
    fn drop(&mut self) {
        self.0.lock().writing = false;
    }
}

impl GroupCommit {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Groups written so far.
    #[cfg(test)]
    pub(crate) fn groups(&self) -> u64 {
        self.lock().groups
    }

    /// Queues `write` and waits until its group is committed (or it was
    /// refused).
    pub(crate) async fn commit(
        self: &Arc<Self>,
        store: &PostgresStore,
        write: RunWrite,
    ) -> Result<(), StoreError> {
        let (done, outcome) = oneshot::channel();
        let start = {
            let mut queue = self.lock();
            queue.waiting.push(Queued { write, done });
            !std::mem::replace(&mut queue.writing, true)
        };
        if start {
            let (groups, store) = (self.clone(), store.clone());
            tokio::spawn(async move {
                let writing = Writing(groups.clone());
                groups.write_until_empty(&store).await;
                drop(writing);
            });
        }
        outcome.await.unwrap_or_else(|_| {
            Err(StoreError::Io {
                path: store.url.clone(),
                detail: "the task writing this commit's group ended before answering (was the process shutting down?); `garita runs show ID` shows whether it was recorded".into(),
            })
        })
    }

    async fn write_until_empty(&self, store: &PostgresStore) {
        loop {
            let group = {
                let mut queue = self.lock();
                if queue.waiting.is_empty() {
                    queue.writing = false;
                    return;
                }
                queue.groups += 1;
                std::mem::take(&mut queue.waiting)
            };
            let writes: Vec<&RunWrite> = group.iter().map(|q| &q.write).collect();
            let outcomes = match store.write_group(&writes).await {
                Ok(outcomes) => outcomes,
                Err(e) => vec![Err(e); writes.len()],
            };
            for (queued, outcome) in group.into_iter().zip(outcomes) {
                // A writer that stopped waiting needs no answer.
                let _ = queued.done.send(outcome);
            }
        }
    }
}

impl PostgresStore {
    /// Writes `writes` in one transaction; one outcome per write, or the
    /// error that failed the whole group (nothing of it was written).
    async fn write_group(
        &self,
        writes: &[&RunWrite],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        let doing = "writing runs (`garita runs list` shows what was recorded)";
        let mut tx = self.pool.begin().await.map_err(self.error(doing))?;
        let start = lock_head(&mut tx, &self.url).await?;
        let mut head = start;
        // Read under the lock, so that entries are dated in chain order.
        let time = self.clock.now();
        // A lone write needs no savepoint: its failure fails the group.
        let savepoints = writes.len() > 1;
        let mut outcomes = Vec::with_capacity(writes.len());
        for write in writes {
            if savepoints {
                sqlx::query("SAVEPOINT one_write")
                    .execute(&mut *tx)
                    .await
                    .map_err(self.error(doing))?;
            }
            let before = head;
            let written = write_one(&mut tx, &self.url, write, &mut head, &time).await;
            if savepoints {
                let end = if written.is_ok() {
                    "RELEASE SAVEPOINT one_write"
                } else {
                    "ROLLBACK TO SAVEPOINT one_write"
                };
                sqlx::query(end)
                    .execute(&mut *tx)
                    .await
                    .map_err(self.error(doing))?;
            } else if let Err(e) = written {
                // Now rather than when the connection is next used: the
                // chain's lock is held until the transaction ends.
                tx.rollback().await.map_err(self.error(doing))?;
                return Err(e);
            }
            if written.is_err() {
                head = before;
            }
            outcomes.push(written);
        }
        if head != start {
            store_head(&mut tx, &self.url, &head).await?;
        }
        // Other daemons may now have work due (a new run, a timer, an
        // answered task's run); they hear it once this commits.
        crate::wakeups::notify_in(&mut tx, &self.sender)
            .await
            .map_err(self.error(doing))?;
        tx.commit().await.map_err(self.error(doing))?;
        Ok(outcomes)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use garita_engine::audit::summaries::RUN_EVENT;
    use garita_engine::audit::AuditLog;
    use garita_engine::store_conformance::{at, record, started};
    use garita_engine::{RunEvent, Store, StoreError};

    use crate::test_cluster::TestDb;

    fn joined(e: tokio::task::JoinError) -> StoreError {
        StoreError::Io {
            path: "test".into(),
            detail: e.to_string(),
        }
    }

    /// Commits made at once are written in fewer transactions than
    /// commits, and every one of them lands, in one intact chain.
    #[tokio::test]
    async fn concurrent_commits_share_groups() -> Result<(), StoreError> {
        let (store, _db) = TestDb::fresh_store().await;
        let store = Arc::new(store);
        let mut tasks = Vec::new();
        for i in 0..40 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let mut run = record(&format!("R{i:02}"), i);
                store
                    .create_run(&mut run, &[RunEvent::RunCreated { at: at(i) }])
                    .await?;
                store.append(&mut run, &[started("a", i)]).await
            }));
        }
        for task in tasks {
            task.await.map_err(joined)??;
        }
        let groups = store.group.groups();
        assert!(groups < 40, "80 commits in {groups} groups");
        let entries = store.audit_entries(1, None).await?;
        assert_eq!(
            entries.iter().filter(|e| e.kind == RUN_EVENT).count(),
            80,
            "every event is logged once"
        );
        assert!(store.verify_audit().await?.is_intact());
        for i in 0..40 {
            assert_eq!(store.events(&format!("R{i:02}")).await?.len(), 2);
        }
        Ok(())
    }

    /// In one group, a refused write (an existing id, a missing run) gets
    /// its error and writes nothing; the writes around it land.
    #[tokio::test]
    async fn a_refused_write_leaves_the_rest_of_its_group() -> Result<(), StoreError> {
        let (store, _db) = TestDb::fresh_store().await;
        let store = Arc::new(store);
        store
            .create_run(&mut record("R", 0), &[started("r", 0)])
            .await?;
        let before = store.group.groups();
        let ids = ["A", "R", "missing", "B"];
        let mut tasks = Vec::new();
        for id in ids {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let mut run = record(id, 1);
                let events = [started(id, 1)];
                if id == "missing" {
                    store.append(&mut run, &events).await
                } else {
                    store.create_run(&mut run, &events).await
                }
            }));
        }
        let mut outcomes = Vec::new();
        for task in tasks {
            outcomes.push(task.await.map_err(joined)?);
        }
        assert_eq!(store.group.groups(), before + 1, "the four went together");
        assert!(outcomes[0].is_ok() && outcomes[3].is_ok(), "{outcomes:?}");
        assert!(
            outcomes[1]
                .as_ref()
                .is_err_and(|e| e.to_string().contains("already exists")),
            "{outcomes:?}"
        );
        assert_eq!(outcomes[2], Err(StoreError::NoSuchRun("missing".into())));
        assert_eq!(store.events("R").await?.len(), 1, "R keeps its one event");
        assert_eq!(store.events("A").await?.len(), 1);
        assert_eq!(store.events("B").await?.len(), 1);
        let entries = store.audit_entries(1, None).await?;
        assert_eq!(entries.len(), 3, "the refused writes logged nothing");
        assert!(store.verify_audit().await?.is_intact());
        Ok(())
    }

    /// In one group, a write the database fails part-way (here a trigger
    /// refusing its events, after its source was written) is rolled back
    /// to its savepoint and gets the error; the writes around it land.
    #[tokio::test]
    async fn a_write_failing_part_way_leaves_the_rest_of_its_group() -> Result<(), StoreError> {
        let (store, _db) = TestDb::fresh_store().await;
        sqlx::raw_sql(
            "CREATE FUNCTION refuse_bad() RETURNS trigger LANGUAGE plpgsql AS
               $$ BEGIN IF NEW.run_id = 'bad' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$;
             CREATE TRIGGER refuse_bad BEFORE INSERT ON run_events FOR EACH ROW EXECUTE FUNCTION refuse_bad();",
        )
        .execute(&store.pool)
        .await
        .map_err(store.error("adding a trigger"))?;
        let store = Arc::new(store);
        let mut tasks = Vec::new();
        for id in ["A", "bad", "B"] {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let mut run = record(id, 1);
                run.source = format!("name: {id}\nsteps: []\n");
                store.create_run(&mut run, &[started(id, 1)]).await
            }));
        }
        let mut outcomes = Vec::new();
        for task in tasks {
            outcomes.push(task.await.map_err(joined)?);
        }
        assert_eq!(store.group.groups(), 1, "the three went together");
        assert!(outcomes[0].is_ok() && outcomes[2].is_ok(), "{outcomes:?}");
        assert!(
            matches!(outcomes[1], Err(StoreError::Io { .. })),
            "{outcomes:?}"
        );
        assert!(store.run("bad").await?.is_none(), "nothing of it stays");
        let sources: i64 = sqlx::query_scalar("SELECT count(*) FROM sources")
            .fetch_one(&store.pool)
            .await
            .map_err(store.error("counting sources"))?;
        assert_eq!(sources, 2, "not even its source");
        assert_eq!(store.events("B").await?.len(), 1);
        assert_eq!(store.audit_entries(1, None).await?.len(), 2);
        assert!(store.verify_audit().await?.is_intact());
        Ok(())
    }
}
