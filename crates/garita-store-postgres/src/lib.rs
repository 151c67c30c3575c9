//! Garita's store on PostgreSQL 15 or newer, through sqlx.
//!
//! Owns: the database schema and its embedded migrations (applied on
//! [`PostgresStore::connect`], with a schema version a newer Garita may
//! raise and an older one refuses), how each engine trait maps onto
//! tables, the lock that serialises audit appends across every process on
//! the database, and turning database failures into [`StoreError`](garita_engine::StoreError)s that
//! say what to do.
//!
//! Implemented, each checked by the engine's conformance suite, unchanged,
//! in this crate's tests: [`Store`](garita_engine::Store) (runs, events,
//! workflow sources, tasks: `store_conformance::run_all`),
//! [`AccountStore`](garita_engine::AccountStore) (`revision_checks`),
//! [`ScheduleStore`](garita_engine::schedule::ScheduleStore)
//! (`schedule_checks`), [`AuditLog`](garita_engine::audit::AuditLog) with
//! [`AuditedRecords`](garita_engine::audit::AuditedRecords) (`audit_checks`,
//! and `audited_write_checks`: runs, tasks, accounts, transitions, queued
//! events and outbox messages are logged in the chain in the transaction
//! that writes them, as on sled), [`OutboxStore`](garita_engine::OutboxStore)
//! (`outbox_checks`), [`BackupRecords`](garita_engine::backup::BackupRecords)
//! (`backup_checks`: the export is one read-only REPEATABLE READ snapshot,
//! the import fills an empty database and derives the index columns) and
//! [`StoreHealth`](garita_engine::StoreHealth) (a write the server refused
//! or a lost connection, until it is over; `health.rs`) and
//! [`RunLeases`](garita_engine::lease::RunLeases) (`lease_checks`: one row
//! per leased run, claimed under its row lock, expiry by the server's
//! clock, so daemons on machines whose clocks differ agree; `leases.rs`) and
//! [`UserStore`](garita_engine::user::UserStore) (`user_checks`: console
//! users audited like accounts, sessions and sign-in failure counts, which
//! are neither audited nor backed up; `users.rs`) and
//! [`LinkStore`](garita_engine::link::LinkStore) (`link_checks`: holders'
//! links, their secret and calendar feed tokens in one table keyed as the
//! backup kind `links`; a use claimed under the row's lock; `links.rs`).
//! Run commits made at once are written together, one transaction per
//! group with a savepoint per commit (`group_commit.rs`), as the `Store`
//! contract asks: concurrent runs share the chain's lock and the flush.
//! `garita_app::backend` composes it when the store location is a
//! `postgres://` URL (`Backend::postgres`).
//!
//! # Tables
//!
//! One migration per slice (`migrations/`): 1 schedules and the audit
//! chain, 2 the outbox, 3 runs, events, sources and tasks, 4 accounts,
//! history, applied transitions and emitted events, 5 run leases, 6 console
//! users, sessions and sign-in failures, 7 holders' links and feed tokens,
//! 8 tasks' status and due instant and messages' status, 9 accounts'
//! summaries, 10 accounts' status and folded texts. Each record is a row
//! holding its `record_codec` bytes; the other columns are copies taken
//! from it on write for keys, filters and partial indexes (`runs.timer_at`,
//! `runs.unfinished_since`, `runs.parent_*`, `accounts.deactivates_on`,
//! `accounts.status` and `accounts.fold_*`, `tasks.due` of open tasks,
//! `outbox.status`), so `due_runs`, `next_wake`, `unfinished_runs`,
//! `children`, `accounts_deactivating_between`, `account_summary_page`,
//! `account_overview`, `open_task_overview` and `count_messages` read only
//! their answer. A run's summary
//! names its workflow source by SHA-256 as sled's does, so the bytes, and
//! the audit digests over them, are the same in both stores.
//!
//! Must never: check queries at build time (building needs no database, so
//! every query is a runtime-checked string); decide anything the engine
//! decides (the audit chain's linking is `garita_engine::audit`, record
//! bytes are `garita_engine::record_codec`'s, stored as `bytea` exactly so
//! the audit digests keep matching after a copy between backends); keep
//! state that another process on the same database must agree with in
//! memory only (several daemons share one database: the chain's head lives
//! in a row that each append reads and rewrites under a transaction-scoped
//! advisory lock, never behind a mutex); log or return a
//! connection URL with its password.

mod account_batch;
mod account_read;
mod account_screen;
mod account_write;
mod accounts;
mod audit;
mod backup;
mod backup_export;
mod backup_import;
mod backup_keys;
mod errors;
mod group_commit;
mod health;
mod ids;
mod import_rows;
mod leases;
mod links;
mod migrations;
mod outbox;
mod run_prune;
mod run_read;
mod run_write;
mod runs;
mod schedules;
mod sources;
mod store;
mod task_overview;
mod tasks;
mod users;
mod wakeups;

#[cfg(test)]
mod account_summary_tests;
#[cfg(test)]
mod copy_tests;
#[cfg(test)]
mod import_tests;
#[cfg(test)]
mod plan_tests;
#[cfg(test)]
mod sharing_tests;
#[cfg(test)]
mod suite_tests;
#[cfg(test)]
mod task_outbox_status_tests;
#[cfg(any(test, feature = "test-cluster"))]
pub mod test_cluster;
#[cfg(test)]
mod tests;

pub use errors::redacted;
pub use migrations::SCHEMA_VERSION;
pub use store::{PostgresOptions, PostgresStore};
