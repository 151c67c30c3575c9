//! [`StoreWakeups`] on PostgreSQL: `LISTEN`/`NOTIFY` on one channel.
//!
//! Every group of run writes (`group_commit.rs`) notifies the channel in
//! its own transaction, so the word goes out when, and only if, the writes
//! commit. The payload is the writing store's sender id: a listener skips
//! its own process's word, which its daemon already acted on.
//!
//! Notifications are a hint. PostgreSQL drops them for a listener whose
//! connection is down, and `PgListener` reconnects on its next receive, so
//! a daemon keeps polling (at most every 30 s) and this only makes it look
//! sooner.

use std::sync::Arc;
use std::time::Duration;

use garita_engine::{StoreError, StoreWakeups};
use sqlx::postgres::PgListener;
use tokio::sync::Notify;

use crate::errors::db_error;
use crate::store::PostgresStore;

/// The channel every garita process sharing a database uses.
pub(crate) const CHANNEL: &str = "garita_wake";

/// After passing word on, further word is gathered this long before the
/// next: three busy daemons commit hundreds of groups a second, and one
/// look at the store serves them all.
const COALESCE: Duration = Duration::from_millis(100);

/// How long to wait before listening again after the listener failed in a
/// way `PgListener` does not recover from by itself.
const RETRY: Duration = Duration::from_secs(5);

#[async_trait::async_trait]
impl StoreWakeups for PostgresStore {
    async fn listen(&self, wake: Arc<Notify>) -> Result<(), StoreError> {
        let mut listener = PgListener::connect_with(&self.pool)
            .await
            .map_err(|e| db_error(&self.url, "listening for other daemons' writes", e))?;
        listener
            .listen(CHANNEL)
            .await
            .map_err(|e| db_error(&self.url, "listening for other daemons' writes", e))?;
        let me = self.sender.clone();
        let url = self.url.clone();
        tokio::spawn(async move {
            loop {
                match listener.recv().await {
                    Ok(word) if word.payload() == &*me => continue,
                    Ok(_) => {
                        wake.notify_one();
                        tokio::time::sleep(COALESCE).await;
                    }
                    Err(e) => {
                        // A lost connection reconnects on the next receive;
                        // anything else (the pool closed) is waited out.
                        tracing::debug!(store = %url, error = %e, "listening for other daemons' writes failed; polling meanwhile");
                        tokio::time::sleep(RETRY).await;
                    }
                }
            }
        });
        Ok(())
    }
}

/// Queues word of this transaction's writes for every listener; sent on commit.
pub(crate) async fn notify_in(
    tx: &mut sqlx::PgConnection,
    sender: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(sender)
        .execute(tx)
        .await
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use garita_engine::store_conformance::{at, record};
    use garita_engine::{RunEvent, Store, StoreWakeups};
    use tokio::sync::Notify;

    use crate::test_cluster::TestDb;
    use crate::PostgresStore;

    async fn woken(wake: &Notify) -> bool {
        tokio::time::timeout(Duration::from_secs(5), wake.notified())
            .await
            .is_ok()
    }

    /// Another process's run write wakes a listener; its own does not.
    #[tokio::test]
    async fn another_stores_writes_wake_a_listener_and_its_own_do_not() {
        let db = TestDb::create().await;
        let listening = PostgresStore::connect(&db.url).await.expect("connect");
        let other = PostgresStore::connect(&db.url).await.expect("connect");
        let wake = Arc::new(Notify::new());
        listening.listen(wake.clone()).await.expect("listen");

        let mut own = record("R-own", 1);
        listening
            .create_run(&mut own, &[RunEvent::RunCreated { at: at(1) }])
            .await
            .expect("create");
        let quiet = tokio::time::timeout(Duration::from_millis(600), wake.notified()).await;
        assert!(quiet.is_err(), "its own write must not wake it");

        let mut theirs = record("R-other", 2);
        other
            .create_run(&mut theirs, &[RunEvent::RunCreated { at: at(2) }])
            .await
            .expect("create");
        assert!(woken(&wake).await, "another store's write wakes it");
    }
}
