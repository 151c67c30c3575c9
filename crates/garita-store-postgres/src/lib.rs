//! Garita's store on PostgreSQL 15 or newer, through sqlx.
//!
//! Owns: the database schema and its embedded migrations (applied on
//! [`PostgresStore::connect`], with a schema version a newer Garita may
//! raise and an older one refuses), how each engine trait maps onto
//! tables, the lock that serialises audit appends across every process on
//! the database, and turning database failures into [`StoreError`](garita_engine::StoreError)s that
//! say what to do.
//!
//! Implemented so far, each checked by the engine's conformance suite in
//! this crate's tests: [`ScheduleStore`](garita_engine::schedule::ScheduleStore)
//! (`schedule_checks`), [`AuditLog`](garita_engine::audit::AuditLog) with
//! [`AuditedRecords`](garita_engine::audit::AuditedRecords) (`audit_checks`),
//! [`OutboxStore`](garita_engine::OutboxStore) (`outbox_checks`). The other
//! traits (runs and tasks, accounts, backups, health) come in later slices
//! of issue 21; until then `garita_app::backend` cannot compose this store.
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

mod account_read;
mod account_write;
mod accounts;
mod audit;
mod backup;
mod backup_export;
mod backup_import;
mod backup_keys;
mod errors;
mod health;
mod ids;
mod import_rows;
mod migrations;
mod outbox;
mod run_read;
mod run_write;
mod runs;
mod schedules;
mod sources;
mod store;
mod tasks;

#[cfg(test)]
mod copy_tests;
#[cfg(test)]
mod plan_tests;
#[cfg(test)]
mod sharing_tests;
#[cfg(test)]
mod suite_tests;
#[cfg(test)]
mod test_cluster;
#[cfg(test)]
mod tests;

pub use migrations::SCHEMA_VERSION;
pub use store::{PostgresOptions, PostgresStore};
