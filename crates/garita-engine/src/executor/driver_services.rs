//! What a run driver needs from the engine, and nothing else: the store, the
//! connectors, the clock, the evaluator, the connectors' configuration, the
//! secrets kept in memory and the runs being recovered after a restart. The
//! driver holds these instead of the whole [`Engine`](super::Engine), so a
//! step kind cannot reach into the engine's other parts (the workflow
//! cache, the run guards).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

use serde_json::Value;

use crate::clock::Clock;
use crate::connectors::Connectors;
use crate::expr::Evaluator;
use crate::run::RunId;
use crate::store::Store;

/// Secret inputs of the runs in this process, by run (never stored).
pub(super) type SecretInputs = HashMap<RunId, serde_json::Map<String, Value>>;

/// The engine's parts a driver uses.
pub(super) struct DriverServices<'e> {
    pub(super) store: &'e dyn Store,
    pub(super) connectors: &'e dyn Connectors,
    pub(super) clock: &'e dyn Clock,
    pub(super) evaluator: &'e Evaluator,
    /// `[connectors.NAME]` sections, handed to each call.
    pub(super) connector_config: &'e BTreeMap<String, Value>,
    /// Business calendars (`due:` and waits in business days).
    pub(super) calendars: &'e crate::calendar::Calendars,
    pub(super) secrets: &'e Mutex<SecretInputs>,
    pub(super) recovering: &'e Mutex<HashSet<RunId>>,
}

impl DriverServices<'_> {
    /// The secret inputs, even if a thread panicked holding them.
    pub(super) fn lock_secrets(&self) -> MutexGuard<'_, SecretInputs> {
        self.secrets.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// True (once) when `run` was found unfinished at this process's start:
    /// its next call has its start made durable first.
    pub(super) fn take_recovering(&self, run: &str) -> bool {
        self.recovering
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(run)
    }
}
