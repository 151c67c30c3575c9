//! The Garita workflow engine.
//!
//! This crate owns the workflow model ([`model`]), the YAML parser and validator
//! ([`parse`]), expressions ([`expr`]), the durable executor ([`executor`]), the
//! scheduler and the [`Clock`]. It defines the traits it needs from the outside
//! — [`Store`] for persistence and [`Connectors`] for actions — and never names
//! their implementations: no sled, no concrete connector, no CLI here.
//!
//! Invariant: every state change of a run is an event appended through
//! [`Store::append`], which returns only once the event is durable, before the
//! next side effect starts.

pub mod account;
pub mod audit;
pub mod backup;
pub mod calendar;
pub mod clock;
pub mod connectors;
pub mod diagnostic;
pub mod executor;
pub mod expr;
pub mod inventory;
pub mod lease;
pub mod link;
pub mod memory_accounts;
pub mod memory_store;
pub mod model;
pub mod outbox;
pub mod outbox_conformance;
pub mod parse;
pub mod reconcile;
pub mod record_codec;
pub mod run;
pub mod schedule;
pub mod schema;
pub mod secret_inputs;
pub mod secret_redactor;
pub mod store;
pub mod store_conformance;
pub mod task;
pub mod task_due;
pub mod task_overview;
pub mod user;

pub use account::{
    Account, AccountFilter, AccountKey, AccountStatus, AccountStore, AccountUpdate, ChangeMeta,
    Company, EmittedEvent, FieldChange, HistoryEntry, Holder, NewEvent, UpsertOutcome,
};
pub use clock::{Clock, ManualClock, RecordingClock, SystemClock, WriteTime};
pub use connectors::Connectors;
pub use diagnostic::{Diagnostic, Diagnostics};
pub use memory_accounts::MemoryAccounts;
pub use memory_store::MemoryStore;
pub use model::{Span, Step, StepKind, Workflow};
pub use outbox::{OutboxEntry, OutboxFilter, OutboxStatus, OutboxStore, OutboxTransport};
pub use run::{ids_after, RunEvent, RunId, RunRecord, RunStatus, StoredEvent};
pub use store::{prunable_seqs, RunFilter, Store, StoreError, StoreHealth, StoreWakeups};
pub use task::{Task, TaskAnswer, TaskFilter, TaskStatus};
