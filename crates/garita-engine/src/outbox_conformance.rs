//! What every [`OutboxStore`] must do, as a suite each implementation runs
//! from its own tests (the memory outbox in `garita-app`'s tests, sled in
//! `garita-store`): records come back as written, a rewrite replaces (never
//! duplicates), lists are oldest first with their filters, and the count
//! of each status equals the list of that status. The schedule
//! store's suite is [`crate::schedule::conformance`].

use chrono::{DateTime, Utc};
use garita_sdk::InvokeContext;
use serde_json::json;

use crate::outbox::{OutboxEntry, OutboxFilter, OutboxStatus, OutboxStore};

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(1_772_000_000 + seconds, 0).unwrap_or_default()
}

fn queued(message_id: &str, run: &str, created: i64) -> OutboxEntry {
    let ctx = InvokeContext::builder()
        .now(at(created))
        .attempt(run, "notify", 1)
        .build();
    OutboxEntry::queued(
        message_id,
        &ctx,
        json!({"to": "a@example.com"}),
        at(created),
    )
}

/// Message `n` in `status`, queued by run `R{n}`: what the stores' index
/// tests write in bulk.
pub fn message(n: usize, status: OutboxStatus) -> OutboxEntry {
    let mut entry = queued(&format!("<m{n}@garita.local>"), &format!("R{n}"), 0);
    entry.status = status;
    entry
}

/// [`OutboxStore::count_messages`] of every status equals the length of
/// the list of that status.
async fn counts_agree(store: &dyn OutboxStore, stage: &str) {
    for status in OutboxStatus::ALL {
        let filter = OutboxFilter {
            statuses: vec![status],
            ..OutboxFilter::default()
        };
        let listed = store.list(&filter).await.expect("list").len() as u64;
        let counted = store.count_messages(status).await.expect("count");
        assert_eq!(counted, listed, "{stage}: messages {status}");
    }
}

/// Every outbox check, on `store` (which must start empty).
pub async fn outbox_checks(store: &dyn OutboxStore) {
    let first = queued("<b@garita.local>", "R1", 20);
    let second = queued("<a@garita.local>", "R2", 10);
    let third = queued("<c@garita.local>", "R1", 30);
    for entry in [&first, &second, &third] {
        store.record(entry).await.expect("record");
    }
    assert_eq!(
        store.get("<b@garita.local>").await.expect("get"),
        Some(first.clone()),
        "a record comes back as written"
    );
    assert_eq!(store.get("<none@garita.local>").await.expect("get"), None);
    counts_agree(store, "as recorded").await;

    let mut sent = first.clone();
    sent.mark_sending(at(21));
    store.record(&sent).await.expect("rewrite");
    assert_eq!(
        store.get("<b@garita.local>").await.expect("get"),
        Some(sent.clone()),
        "a rewrite replaces the record"
    );

    let all = store.list(&OutboxFilter::default()).await.expect("list");
    assert_eq!(
        all.iter()
            .map(|e| e.message_id.as_str())
            .collect::<Vec<_>>(),
        vec!["<a@garita.local>", "<b@garita.local>", "<c@garita.local>"],
        "oldest first, each message once"
    );
    let queued_only = OutboxFilter {
        statuses: vec![OutboxStatus::Queued],
        ..OutboxFilter::default()
    };
    assert_eq!(
        store
            .list(&queued_only)
            .await
            .expect("list")
            .iter()
            .map(|e| e.message_id.as_str())
            .collect::<Vec<_>>(),
        vec!["<a@garita.local>", "<c@garita.local>"]
    );
    let of_r1 = OutboxFilter {
        run_id: Some("R1".into()),
        ..OutboxFilter::default()
    };
    assert_eq!(store.list(&of_r1).await.expect("list").len(), 2);
    counts_agree(store, "after a rewrite").await;
    let mut failed = third.clone();
    failed.mark_sending(at(31));
    failed.mark_failed(
        &garita_sdk::ActionError::retryable("connection refused"),
        at(32),
    );
    store.record(&failed).await.expect("rewrite");
    store.record(&failed).await.expect("the same record again");
    assert_eq!(
        store
            .count_messages(OutboxStatus::Failed)
            .await
            .expect("count"),
        1,
        "a message counts once, in its last status"
    );
    counts_agree(store, "after a failure").await;
    failed.requeue(2, json!({"to": "a@example.com"}), at(40));
    store.record(&failed).await.expect("requeue");
    counts_agree(store, "after a retry").await;
    failed.mark_sending(at(41));
    failed.mark_failed(
        &garita_sdk::ActionError::permanent("mailbox unknown"),
        at(42),
    );
    store.record(&failed).await.expect("rewrite");
    counts_agree(store, "after a second failure").await;
}
