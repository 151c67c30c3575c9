//! What the scheduler remembers about each schedule trigger between runs of
//! the daemon, and the store trait that keeps it.
//!
//! Only `schedule` triggers have state. A trigger is keyed by its workflow's
//! name and its position under `on:`, so renaming a workflow or reordering
//! its triggers starts that trigger afresh (it then fires from "now", with no
//! catch-up), which is the safe reading of a changed definition.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::store::StoreError;

/// Identifies one trigger: the workflow's `name` and the trigger's index in
/// the workflow's `on:` list (0-based, counting every kind of trigger).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TriggerKey {
    /// The workflow's name.
    pub workflow: String,
    /// Position of the trigger under `on:`.
    pub index: u32,
}

impl TriggerKey {
    /// The key of trigger `index` of `workflow`.
    pub fn new(workflow: impl Into<String>, index: u32) -> Self {
        Self {
            workflow: workflow.into(),
            index,
        }
    }
}

impl std::fmt::Display for TriggerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}#{}", self.workflow, self.index)
    }
}

/// The durable state of one schedule trigger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggerState {
    /// The scheduled instant of the last fire that started a run.
    pub last_fire: Option<DateTime<Utc>>,
    /// Every fire at or before this instant has been dealt with: it started a
    /// run, was skipped by the catch-up policy or a pause, or came before the
    /// trigger was first seen. Missed fires are the ones after it.
    pub covered_until: DateTime<Utc>,
    /// While paused, fires are skipped (and logged), not run; unpausing does
    /// not catch up on them.
    pub paused: bool,
}

impl TriggerState {
    /// The state of a trigger seen for the first time at `now`: it does not
    /// catch up on anything before.
    pub fn first_seen(now: DateTime<Utc>) -> Self {
        Self {
            last_fire: None,
            covered_until: now,
            paused: false,
        }
    }
}

/// Durable storage of trigger states. Writes return once durable, like
/// [`crate::Store::append`]: the scheduler records a fire right after its
/// run is created, so a crash between the two repeats that fire at most once.
///
/// A key's workflow is a workflow name as the parser accepts it
/// (`[a-z0-9][a-z0-9-]*`, at most 64 bytes) and its index any `u32`; a
/// store may refuse other names (sled refuses empty ones and NUL bytes).
/// Every implementation passes [`super::conformance::schedule_checks`],
/// which checks the promises below.
#[async_trait]
pub trait ScheduleStore: Send + Sync {
    /// The state of one trigger, if it was ever recorded: `None` for a key
    /// never written, however many of its bytes it shares with written ones.
    async fn trigger_state(&self, key: &TriggerKey) -> Result<Option<TriggerState>, StoreError>;

    /// Records the state of one trigger, durably, replacing any earlier
    /// state of that key whole (last write wins) and touching no other key.
    /// Both instants are kept to the microsecond at least.
    async fn put_trigger_state(
        &self,
        key: &TriggerKey,
        state: &TriggerState,
    ) -> Result<(), StoreError>;

    /// Every recorded trigger state, each key exactly once, in
    /// [`TriggerKey`]'s order: workflow name compared byte by byte, then
    /// index as a number.
    async fn trigger_states(&self) -> Result<Vec<(TriggerKey, TriggerState)>, StoreError>;
}

/// A [`ScheduleStore`] in memory, for tests.
#[derive(Debug, Default)]
pub struct MemoryScheduleStore {
    states: Mutex<BTreeMap<TriggerKey, TriggerState>>,
}

impl MemoryScheduleStore {
    /// An empty one.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<TriggerKey, TriggerState>> {
        self.states.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl ScheduleStore for MemoryScheduleStore {
    async fn trigger_state(&self, key: &TriggerKey) -> Result<Option<TriggerState>, StoreError> {
        Ok(self.lock().get(key).cloned())
    }

    async fn put_trigger_state(
        &self,
        key: &TriggerKey,
        state: &TriggerState,
    ) -> Result<(), StoreError> {
        self.lock().insert(key.clone(), state.clone());
        Ok(())
    }

    async fn trigger_states(&self) -> Result<Vec<(TriggerKey, TriggerState)>, StoreError> {
        Ok(self
            .lock()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }
}
