//! What every [`OutboxStore`] and [`ScheduleStore`] must do, as suites each
//! implementation runs from its own tests (the memory ones here and in the
//! CLI's tests, sled in `garita-store`): records come back as written, a
//! rewrite replaces (never duplicates), lists are oldest first with their
//! filters, and a trigger's state is one value per key, listed in key order,
//! with its instants to the microsecond.

use chrono::{DateTime, Utc};
use garita_sdk::InvokeContext;
use serde_json::json;

use crate::outbox::{OutboxEntry, OutboxFilter, OutboxStatus, OutboxStore};
use crate::schedule::{ScheduleStore, TriggerKey, TriggerState};

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
}

/// Every schedule-state check, on `store` (which must start empty).
pub async fn schedule_checks(store: &dyn ScheduleStore) {
    let daily = TriggerKey::new("ctpat-watch", 0);
    let weekly = TriggerKey::new("ctpat-watch", 1);
    let other = TriggerKey::new("ecuapass-january", 0);
    assert_eq!(store.trigger_state(&daily).await.expect("get"), None);
    let seen = TriggerState::first_seen(at(0));
    store.put_trigger_state(&daily, &seen).await.expect("put");
    store.put_trigger_state(&other, &seen).await.expect("put");
    assert_eq!(
        store.trigger_state(&daily).await.expect("get"),
        Some(seen.clone())
    );
    assert_eq!(store.trigger_state(&weekly).await.expect("get"), None);
    let fired = TriggerState {
        last_fire: Some(at(3600)),
        covered_until: at(3600),
        paused: true,
    };
    store.put_trigger_state(&daily, &fired).await.expect("put");
    assert_eq!(
        store.trigger_state(&daily).await.expect("get"),
        Some(fired.clone()),
        "a write replaces the state"
    );
    let mut all = store.trigger_states().await.expect("list");
    all.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        all,
        vec![(daily, fired), (other, seen)],
        "one state per key"
    );
    keys_stay_apart_and_times_keep_their_microseconds(store).await;
}

/// Names that are prefixes of each other and indexes that share bytes keep
/// their own states; `trigger_states` lists keys in order (workflow name,
/// then index); instants keep their microseconds.
async fn keys_stay_apart_and_times_keep_their_microseconds(store: &dyn ScheduleStore) {
    let keys = [
        TriggerKey::new("z", 0),
        TriggerKey::new("z", 1),
        TriggerKey::new("z", 256),
        TriggerKey::new("z-b", 0),
        TriggerKey::new("zz", 0),
        TriggerKey::new("zé", u32::MAX),
    ];
    for (i, key) in keys.iter().enumerate().rev() {
        let offset = i64::try_from(i).unwrap_or_default();
        let state = TriggerState {
            last_fire: Some(at(offset) + chrono::Duration::microseconds(offset * 7 + 1)),
            covered_until: at(offset) + chrono::Duration::microseconds(offset * 7 + 3),
            paused: i % 2 == 0,
        };
        store.put_trigger_state(key, &state).await.expect("put");
    }
    for (i, key) in keys.iter().enumerate() {
        let offset = i64::try_from(i).unwrap_or_default();
        let state = store
            .trigger_state(key)
            .await
            .expect("get")
            .unwrap_or_else(|| panic!("the state of {key} is missing"));
        assert_eq!(
            state.covered_until,
            at(offset) + chrono::Duration::microseconds(offset * 7 + 3),
            "the state of {key} is its own, to the microsecond"
        );
        assert_eq!(state.paused, i % 2 == 0, "the state of {key} is its own");
    }
    let listed: Vec<TriggerKey> = store
        .trigger_states()
        .await
        .expect("list")
        .into_iter()
        .map(|(key, _)| key)
        .filter(|key| key.workflow.starts_with('z'))
        .collect();
    assert_eq!(
        listed,
        keys.to_vec(),
        "trigger_states lists every key once, by workflow name and then index"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::MemoryScheduleStore;

    #[tokio::test]
    async fn the_memory_schedule_store_keeps_the_contract() {
        schedule_checks(&MemoryScheduleStore::new()).await;
    }
}
