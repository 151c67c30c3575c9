//! What every [`ScheduleStore`] must do, as a suite each backend runs from
//! its own tests with one line (the in-memory store here, sled in
//! `garita-store`, and any later backend):
//!
//! ```ignore
//! garita_engine::schedule::conformance::schedule_checks(&|| {
//!     Box::pin(async { (Box::new(fresh_store()) as Box<dyn ScheduleStore>, Box::new(temp_dir) as _) })
//! })
//! .await;
//! ```
//!
//! Each check gets an empty store of its own (so "lists every key" can be
//! exact) and panics, naming the broken promise, on the first one it finds.
//! Together they are the contract the scheduler relies on to neither miss
//! nor repeat a fire across restarts: an unknown key reads as `None`
//! (including a neighbour of a known key); a state comes back field for
//! field, both instants to the microsecond, through `trigger_state` and
//! `trigger_states` alike; a second write replaces the first, clearing
//! `last_fire` and `paused` too, and never adds a second entry;
//! `trigger_states` lists every key once, in [`TriggerKey`]'s order
//! (workflow name byte by byte, then index as a number); keys that share
//! bytes (names that are prefixes of each other, `-` against digits,
//! indexes whose big-endian bytes overlap, the longest name against its
//! prefix) keep their own states, and a write touches only its own key;
//! concurrent writes to different keys all land.
//!
//! The keys are workflow names as the parser accepts them
//! (`[a-z0-9][a-z0-9-]*`, at most 64 bytes) and any `u32` index; a backend
//! need not accept other names. Durability across a reopen is each
//! backend's own test (only it knows how to reopen).

use std::any::Any;
use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Duration, Utc};

use super::state::{ScheduleStore, TriggerKey, TriggerState};

/// A fresh, empty store, and whatever must live as long as it (its
/// temporary directory), dropped after it.
pub type FreshScheduleStore = (Box<dyn ScheduleStore>, Box<dyn Any + Send>);

/// Makes fresh stores for the checks.
pub type ScheduleStoreFactory<'a> =
    &'a (dyn Fn() -> Pin<Box<dyn Future<Output = FreshScheduleStore> + Send>> + Sync);

/// Runs every check, each on a store from `fresh`.
pub async fn schedule_checks(fresh: ScheduleStoreFactory<'_>) {
    // Each pair is held whole: a tuple drops its fields in order, so the
    // store goes before its directory.
    let fresh_store = fresh().await;
    an_unknown_key_reads_as_none(fresh_store.0.as_ref()).await;
    let fresh_store = fresh().await;
    a_state_comes_back_field_for_field_to_the_microsecond(fresh_store.0.as_ref()).await;
    let fresh_store = fresh().await;
    a_second_write_replaces_the_first_without_a_duplicate(fresh_store.0.as_ref()).await;
    let fresh_store = fresh().await;
    trigger_states_lists_every_key_once_in_key_order(fresh_store.0.as_ref()).await;
    let fresh_store = fresh().await;
    keys_that_share_bytes_keep_their_own_states(fresh_store.0.as_ref()).await;
    let fresh_store = fresh().await;
    concurrent_writes_to_different_keys_all_land(fresh_store.0.as_ref()).await;
}

/// The suite's origin plus `seconds` and `micros` (fixtures for a backend's
/// own tests too).
pub fn at(seconds: i64, micros: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(1_772_000_000 + seconds, 0).unwrap_or_default()
        + Duration::microseconds(micros)
}

/// A state no other fixture state equals: `n` moves both instants by
/// microseconds that a millisecond (or a float of seconds) would lose,
/// every third one has never fired and every other one is paused.
pub fn distinct_state(n: i64) -> TriggerState {
    TriggerState {
        last_fire: (n % 3 != 0).then(|| at(60 * n, 1 + 7 * n)),
        covered_until: at(60 * n, 999_001 + 3 * n),
        paused: n % 2 == 0,
    }
}

async fn read(store: &dyn ScheduleStore, key: &TriggerKey) -> Option<TriggerState> {
    store
        .trigger_state(key)
        .await
        .unwrap_or_else(|e| panic!("reading the state of {key} failed: {e}"))
}

async fn write(store: &dyn ScheduleStore, key: &TriggerKey, state: &TriggerState) {
    store
        .put_trigger_state(key, state)
        .await
        .unwrap_or_else(|e| panic!("writing the state of {key} failed: {e}"));
}

async fn list(store: &dyn ScheduleStore) -> Vec<(TriggerKey, TriggerState)> {
    store
        .trigger_states()
        .await
        .unwrap_or_else(|e| panic!("listing the trigger states failed: {e}"))
}

/// Compares field by field, so a failure names the field that was lost.
fn assert_same(got: &TriggerState, want: &TriggerState, key: &TriggerKey, via: &str) {
    assert_eq!(
        got.last_fire, want.last_fire,
        "{via}: last_fire of {key} comes back as written (None stays None, an instant keeps its microseconds)"
    );
    assert_eq!(
        got.covered_until, want.covered_until,
        "{via}: covered_until of {key} comes back to the microsecond"
    );
    assert_eq!(
        got.paused, want.paused,
        "{via}: paused of {key} comes back as written"
    );
}

/// A key never written reads as `None`, in an empty store and next to a
/// written key whose name or index it shares a prefix with (a backend that
/// looked keys up by prefix or by range would find the neighbour).
async fn an_unknown_key_reads_as_none(store: &dyn ScheduleStore) {
    let known = TriggerKey::new("ctpat-watch", 1);
    assert_eq!(
        read(store, &known).await,
        None,
        "an unknown key reads as None"
    );
    assert!(
        list(store).await.is_empty(),
        "an empty store lists no trigger states"
    );
    write(store, &known, &distinct_state(1)).await;
    for neighbour in [
        TriggerKey::new("ctpat-watch", 0),
        TriggerKey::new("ctpat-watch", 2),
        TriggerKey::new("ctpat-watch", 256 + 1),
        TriggerKey::new("ctpat-watc", 1),
        TriggerKey::new("ctpat-watch-2", 1),
        TriggerKey::new("ctpat", 1),
    ] {
        assert_eq!(
            read(store, &neighbour).await,
            None,
            "an unknown key ({neighbour}) reads as None, even next to {known}"
        );
    }
}

/// `put_trigger_state` then `trigger_state` (and `trigger_states`) gives back
/// every field: `last_fire` both `Some` and `None`, `covered_until` to the
/// microsecond (1 µs after a whole second and 1 µs before the next, which a
/// store keeping milliseconds would truncate or round), `paused` both ways.
async fn a_state_comes_back_field_for_field_to_the_microsecond(store: &dyn ScheduleStore) {
    let fired = TriggerKey::new("ctpat-watch", 0);
    let fired_state = TriggerState {
        last_fire: Some(at(3600, 123_457)),
        covered_until: at(3600, 999_999),
        paused: true,
    };
    let fresh = TriggerKey::new("ecuapass-january", 2);
    let fresh_state = TriggerState {
        last_fire: None,
        covered_until: at(0, 1),
        paused: false,
    };
    write(store, &fired, &fired_state).await;
    write(store, &fresh, &fresh_state).await;
    for (key, want) in [(&fired, &fired_state), (&fresh, &fresh_state)] {
        let got = read(store, key).await.unwrap_or_else(|| {
            panic!("trigger_state: the state of {key} was written and is missing")
        });
        assert_same(&got, want, key, "trigger_state");
    }
    let listed = list(store).await;
    assert_eq!(
        listed.len(),
        2,
        "trigger_states lists the two written keys, no more: {listed:?}"
    );
    for (key, want) in [(&fired, &fired_state), (&fresh, &fresh_state)] {
        let (_, got) = listed
            .iter()
            .find(|(k, _)| k == key)
            .unwrap_or_else(|| panic!("trigger_states: {key} was written and is not listed"));
        assert_same(got, want, key, "trigger_states");
    }
}

/// Writing a key again replaces its state whole (last write wins): a
/// `last_fire` of `None` clears the earlier instant, `paused: false`
/// unpauses, an earlier `covered_until` is kept as written; the key is
/// still listed once. Writing the same state twice changes nothing.
async fn a_second_write_replaces_the_first_without_a_duplicate(store: &dyn ScheduleStore) {
    let key = TriggerKey::new("ctpat-watch", 0);
    let first = TriggerState {
        last_fire: Some(at(7200, 250)),
        covered_until: at(7200, 500),
        paused: true,
    };
    let second = TriggerState {
        last_fire: None,
        covered_until: at(3600, 1),
        paused: false,
    };
    let third = TriggerState {
        last_fire: Some(at(10_800, 999_999)),
        covered_until: at(10_800, 999_999),
        paused: true,
    };
    for (round, state) in [&first, &second, &third, &third].into_iter().enumerate() {
        write(store, &key, state).await;
        let via = format!("after write {} of {key}", round + 1);
        let got = read(store, &key)
            .await
            .unwrap_or_else(|| panic!("{via}: the state is missing"));
        assert_same(
            &got,
            state,
            &key,
            &format!("{via}, trigger_state (last write wins)"),
        );
        let listed = list(store).await;
        assert_eq!(
            listed.len(),
            1,
            "{via}: trigger_states lists the key once, not once per write: {listed:?}"
        );
        assert_eq!(
            listed[0].0, key,
            "{via}: trigger_states lists the written key"
        );
        assert_same(
            &listed[0].1,
            state,
            &key,
            &format!("{via}, trigger_states (last write wins)"),
        );
    }
}

/// `trigger_states` lists every written key exactly once with its own
/// state, in [`TriggerKey`]'s order whatever order they were written in:
/// workflow name compared byte by byte (a name before any longer name it
/// prefixes; `-` before digits before letters, not a locale's collation
/// that ignores `-`), then index as a number (9 before 10, 255 before 256;
/// not as text, not little-endian), a name's every index before the next
/// name even when an index's bytes would spell that name.
async fn trigger_states_lists_every_key_once_in_key_order(store: &dyn ScheduleStore) {
    let in_order = [
        TriggerKey::new("0", 0),
        TriggerKey::new("9", 0),
        TriggerKey::new("a", 0),
        TriggerKey::new("a", 1),
        TriggerKey::new("a", 9),
        TriggerKey::new("a", 10),
        TriggerKey::new("a", 255),
        TriggerKey::new("a", 256),
        // Big-endian bytes `b` 0xff 0xff 0xff: still before `ab`.
        TriggerKey::new("a", 0x62ff_ffff),
        TriggerKey::new("a", u32::MAX),
        TriggerKey::new("a-1", 0),
        TriggerKey::new("a-b", 0),
        TriggerKey::new("a0", 0),
        TriggerKey::new("ab", 0),
        TriggerKey::new("b", 0),
    ];
    let mut sorted = in_order.to_vec();
    sorted.sort();
    assert_eq!(sorted, in_order, "the suite's own order is TriggerKey's");
    // Written neither in order nor in reverse: odd positions first, then
    // the even ones backwards.
    let scrambled = (0..in_order.len())
        .filter(|i| i % 2 == 1)
        .chain((0..in_order.len()).filter(|i| i % 2 == 0).rev());
    for i in scrambled {
        write(store, &in_order[i], &distinct_state(n(i))).await;
    }
    let listed = list(store).await;
    let listed_keys: Vec<&TriggerKey> = listed.iter().map(|(key, _)| key).collect();
    assert_eq!(
        listed_keys,
        in_order.iter().collect::<Vec<_>>(),
        "trigger_states lists every key exactly once, by workflow name (bytes) and then index (number)"
    );
    for (i, (key, state)) in listed.iter().enumerate() {
        assert_same(state, &distinct_state(n(i)), key, "trigger_states");
    }
}

/// Keys that share bytes keep their own states: names that are prefixes of
/// each other (`a`, `a-0`, `a0`, `aa`), the same name with indexes whose
/// big-endian bytes overlap (0, 1, 256, 65 536, `u32::MAX`), a name that
/// reads like another key joined with `-` (`a-1` against `a` index 1), the
/// longest name (64 bytes) against its 63-byte prefix. Rewriting one of
/// them leaves every other as it was.
async fn keys_that_share_bytes_keep_their_own_states(store: &dyn ScheduleStore) {
    let longest = "x".repeat(64);
    let keys = [
        TriggerKey::new("a", 0),
        TriggerKey::new("a", 1),
        TriggerKey::new("a", 256),
        TriggerKey::new("a", 65_536),
        TriggerKey::new("a", u32::MAX),
        TriggerKey::new("a-0", 0),
        TriggerKey::new("a-1", 0),
        TriggerKey::new("a-1", 1),
        TriggerKey::new("a0", 0),
        TriggerKey::new("aa", 0),
        TriggerKey::new(longest.clone(), 0),
        TriggerKey::new(&longest[..63], 0),
    ];
    for (i, key) in keys.iter().enumerate() {
        write(store, key, &distinct_state(n(i))).await;
    }
    for (i, key) in keys.iter().enumerate() {
        let got = read(store, key).await.unwrap_or_else(|| {
            panic!("the state of {key} is missing: a key that shares bytes with another was lost")
        });
        assert_same(
            &got,
            &distinct_state(n(i)),
            key,
            "keys that share bytes keep their own states",
        );
    }
    assert_eq!(
        list(store).await.len(),
        keys.len(),
        "keys that share bytes are listed apart, each once"
    );

    let rewritten = distinct_state(100);
    write(store, &keys[0], &rewritten).await;
    for (i, key) in keys.iter().enumerate() {
        let want = if i == 0 {
            rewritten.clone()
        } else {
            distinct_state(n(i))
        };
        let got = read(store, key).await.unwrap_or_else(|| {
            panic!(
                "the state of {key} is missing after {} was rewritten",
                keys[0]
            )
        });
        assert_same(
            &got,
            &want,
            key,
            &format!("a write touches only its own key (rewrote {})", keys[0]),
        );
    }
}

/// Writes to different keys that overlap in time (the scheduler's loop and
/// a pause from the control API) all land: a store must not lose one to a
/// read-modify-write of shared data.
async fn concurrent_writes_to_different_keys_all_land(store: &dyn ScheduleStore) {
    let keys: Vec<TriggerKey> = (0..24u32)
        .map(|i| TriggerKey::new(format!("w{}", i % 6), i / 6))
        .collect();
    let states: Vec<TriggerState> = (0..n(keys.len())).map(distinct_state).collect();
    let results = futures_util::future::join_all(
        keys.iter()
            .zip(&states)
            .map(|(key, state)| store.put_trigger_state(key, state)),
    )
    .await;
    for (result, key) in results.into_iter().zip(&keys) {
        if let Err(e) = result {
            panic!("a concurrent write of {key} failed: {e}");
        }
    }
    let mut want: Vec<(TriggerKey, TriggerState)> = keys.into_iter().zip(states).collect();
    want.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        list(store).await,
        want,
        "concurrent writes to different keys all land, each once, listed in key order"
    );
}

fn n(i: usize) -> i64 {
    i64::try_from(i).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::MemoryScheduleStore;

    #[tokio::test]
    async fn the_memory_schedule_store_keeps_the_schedule_contract() {
        schedule_checks(&|| {
            Box::pin(async {
                (
                    Box::new(MemoryScheduleStore::new()) as Box<dyn ScheduleStore>,
                    Box::new(()) as Box<dyn Any + Send>,
                )
            })
        })
        .await;
    }

    #[test]
    fn fixture_states_differ_and_need_microseconds() {
        let states: Vec<TriggerState> = (0..=100).map(distinct_state).collect();
        for (i, a) in states.iter().enumerate() {
            assert!(
                states[i + 1..].iter().all(|b| a != b),
                "state {i} is distinct"
            );
            let instants = a.last_fire.iter().chain([&a.covered_until]);
            for t in instants {
                assert_ne!(t.timestamp_subsec_micros() % 1000, 0, "state {i}: {t}");
            }
        }
    }
}
