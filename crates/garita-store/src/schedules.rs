//! The engine's [`ScheduleStore`] on [`SledStore`]: each schedule trigger's
//! last fire, coverage and pause.
//!
//! # Key layout (a new tree; older stores simply lack it)
//!
//! | tree | key | value |
//! |---|---|---|
//! | `schedules` | workflow name, `0x00`, trigger index `u32` BE | [`TriggerState`] |
//!
//! The value carries the store's encoding-version byte like every other
//! value. A write is one sled insert followed by the store's durable flush
//! (sled flush plus `fdatasync` by default), both on tokio's blocking pool,
//! so it returns once durable without stalling an async worker. There are as
//! many keys as schedule triggers (a handful to hundreds), so listing them
//! all is cheap.

use std::panic::AssertUnwindSafe;
use std::path::Path;

use async_trait::async_trait;
use garita_engine::schedule::{ScheduleStore, TriggerKey, TriggerState};
use garita_engine::StoreError;

use crate::codec::{decode, encode};
use crate::errors::sled_error;
use crate::keys::{check_id, SEPARATOR};
use crate::open::panic_message;
use crate::store::SledStore;

/// Name of the tree.
const SCHEDULES: &str = "schedules";

impl SledStore {
    /// The schedules tree, opened (or created) on first use; sled hands out
    /// the same shared handle on every later call.
    fn schedules_tree(&self) -> Result<sled::Tree, StoreError> {
        self.db
            .open_tree(SCHEDULES)
            .map_err(|e| sled_error(&self.path, "opening tree `schedules`", e))
    }
}

/// `workflow 0x00 index(u32 BE)`.
fn schedule_key(key: &TriggerKey) -> Result<Vec<u8>, StoreError> {
    check_id(&key.workflow, "workflow name")?;
    let mut bytes = Vec::with_capacity(key.workflow.len() + 5);
    bytes.extend_from_slice(key.workflow.as_bytes());
    bytes.push(SEPARATOR);
    bytes.extend_from_slice(&key.index.to_be_bytes());
    Ok(bytes)
}

/// The inverse of [`schedule_key`].
fn parse_schedule_key(bytes: &[u8]) -> Option<TriggerKey> {
    let split = bytes.len().checked_sub(5)?;
    let (name, rest) = bytes.split_at(split);
    let (separator, index) = rest.split_first()?;
    if *separator != SEPARATOR {
        return None;
    }
    Some(TriggerKey {
        workflow: std::str::from_utf8(name).ok()?.to_owned(),
        index: u32::from_be_bytes(index.try_into().ok()?),
    })
}

#[async_trait]
impl ScheduleStore for SledStore {
    async fn trigger_state(&self, key: &TriggerKey) -> Result<Option<TriggerState>, StoreError> {
        let tree = self.schedules_tree()?;
        let stored = tree
            .get(schedule_key(key)?)
            .map_err(|e| sled_error(&self.path, "reading a schedule", e))?;
        stored
            .map(|bytes| decode(&bytes, || format!("state of schedule {key}")))
            .transpose()
    }

    async fn put_trigger_state(
        &self,
        key: &TriggerKey,
        state: &TriggerState,
    ) -> Result<(), StoreError> {
        self.flush.check_healthy()?;
        let tree = self.schedules_tree()?;
        let id = schedule_key(key)?;
        let value = encode(state, &format!("state of schedule {key}"))?;
        let path = self.path.clone();
        let flush = self.flush.clone();
        off_the_executor(&self.path, move || {
            tree.insert(id, value)
                .map_err(|e| sled_error(&path, "writing a schedule", e))?;
            flush.run()
        })
        .await
    }

    async fn trigger_states(&self) -> Result<Vec<(TriggerKey, TriggerState)>, StoreError> {
        let tree = self.schedules_tree()?;
        let mut out = Vec::new();
        for entry in tree.iter() {
            let (key, value) =
                entry.map_err(|e| sled_error(&self.path, "reading the schedules", e))?;
            let key = parse_schedule_key(&key).ok_or_else(|| StoreError::Corrupt {
                what: "a key of the schedules tree".into(),
                detail: format!("{} bytes that are not `name 0x00 index`", key.len()),
            })?;
            let state = decode(&value, || format!("state of schedule {key}"))?;
            out.push((key, state));
        }
        Ok(out)
    }
}

/// Runs `work` on tokio's blocking pool (inline when there is no runtime):
/// a sled write may wait for a flush in progress and a durable flush blocks
/// for milliseconds. A sled panic becomes [`StoreError::Corrupt`].
async fn off_the_executor<F>(path: &Path, work: F) -> Result<(), StoreError>
where
    F: FnOnce() -> Result<(), StoreError> + Send + 'static,
{
    let outcome = match tokio::runtime::Handle::try_current() {
        Ok(runtime) => match runtime.spawn_blocking(work).await {
            Ok(result) => Ok(result),
            Err(e) if e.is_panic() => Err(panic_message(&*e.into_panic())),
            Err(_) => {
                return Err(StoreError::Io {
                    path: path.display().to_string(),
                    detail: "writing a schedule: the runtime is shutting down; the schedule may fire once more after a restart".into(),
                })
            }
        },
        Err(_) => std::panic::catch_unwind(AssertUnwindSafe(work)).map_err(|p| panic_message(&*p)),
    };
    outcome.unwrap_or_else(|message| {
        Err(StoreError::Corrupt {
            what: format!("sled data in {}", path.display()),
            detail: format!("writing a schedule: sled panicked ({message})"),
        })
    })
}

#[cfg(test)]
mod tests {
    use garita_engine::schedule::conformance::{at, schedule_checks};

    use super::*;
    use crate::{Durability, StoreOptions};

    #[test]
    fn keys_round_trip_and_refuse_nul() {
        for key in [
            TriggerKey::new("ecuapass-annual-update", 2),
            TriggerKey::new("a", 256),
            TriggerKey::new("zé", u32::MAX),
        ] {
            assert_eq!(parse_schedule_key(&schedule_key(&key).unwrap()), Some(key));
        }
        assert!(schedule_key(&TriggerKey::new("a\0b", 0)).is_err());
        assert!(schedule_key(&TriggerKey::new("", 0)).is_err());
        assert_eq!(parse_schedule_key(b"ab"), None);
    }

    /// Every field, to the microsecond, and the last of two writes survive
    /// closing and reopening the store.
    #[tokio::test]
    async fn states_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let options = StoreOptions {
            durability: Durability::ProcessCrash,
            ..StoreOptions::default()
        };
        let key = TriggerKey::new("daily", 0);
        let state = TriggerState {
            last_fire: Some(at(3600, 123_457)),
            covered_until: at(3600, 999_999),
            paused: true,
        };
        let other = TriggerKey::new("daily", 1);
        let other_state = TriggerState::first_seen(at(0, 1));
        {
            let store = SledStore::open(dir.path(), options.clone()).unwrap();
            assert_eq!(store.trigger_state(&key).await.unwrap(), None);
            store
                .put_trigger_state(&key, &TriggerState::first_seen(at(0, 0)))
                .await
                .unwrap();
            store.put_trigger_state(&key, &state).await.unwrap();
            store.put_trigger_state(&other, &other_state).await.unwrap();
        }
        let store = SledStore::open(dir.path(), options).unwrap();
        assert_eq!(
            store.trigger_state(&key).await.unwrap(),
            Some(state.clone())
        );
        assert_eq!(
            store.trigger_states().await.unwrap(),
            vec![(key, state), (other, other_state)]
        );
    }

    /// The schedule-store contract every backend keeps
    /// (garita_engine::schedule::conformance), each check on a fresh store
    /// in its own directory.
    #[tokio::test]
    async fn the_sled_schedule_store_keeps_the_schedule_contract() {
        schedule_checks(&|| {
            Box::pin(async {
                let dir = tempfile::tempdir().unwrap();
                let store = SledStore::open(dir.path(), StoreOptions::default()).unwrap();
                (
                    Box::new(store) as Box<dyn ScheduleStore>,
                    Box::new(dir) as Box<dyn std::any::Any + Send>,
                )
            })
        })
        .await;
    }
}
