//! Garita's durable [`Store`](garita_engine::Store), on sled 0.34.7.
//!
//! ```no_run
//! use garita_store::{SledStore, StoreOptions};
//! # fn main() -> Result<(), garita_engine::StoreError> {
//! let store = SledStore::open(std::path::Path::new(".garita"), StoreOptions::default())?;
//! # drop(store); Ok(()) }
//! ```
//!
//! # The store directory
//!
//! Created on first use with mode 0700. It holds sled's files (`conf`, `db`,
//! `blobs/`, `snap.*`; a new store's pages are compressed with zstd, see
//! `sled_config.rs`) and `garita.pid`, which names the process holding the
//! store (pid and the leading words of its command line, never option
//! values) so that a second process is refused with
//! [`StoreError::Locked`](garita_engine::StoreError::Locked) naming the
//! holder. sled's file lock is what actually excludes: a second open, in
//! another process or in this one, fails.
//!
//! # Key layout (KEYS)
//!
//! Every value starts with an encoding-version byte; `1` means the rest is
//! JSON written by `serde_json`; `2`, an audit entry in the compact binary
//! layout of `audit/compact.rs` (schema 4); `3`, the same without the
//! entry's hash, which is computed from it when read (schema 7). A later format gets a new byte,
//! so old values stay readable and can be migrated. "BE" is big-endian; an instant is unix
//! milliseconds as an `i64` with its sign bit flipped, so that byte order is
//! time order.
//!
//! | tree | key | value |
//! |---|---|---|
//! | `meta` | `schema_version` | `u32` BE, raw (no version byte) |
//! | `runs` | run id | [`RunRecord`](garita_engine::RunRecord) |
//! | `events` | run id, `0x00`, seq `u64` BE | [`RunEvent`](garita_engine::RunEvent) |
//! | `timers` | `wake_at` instant, run id | empty |
//! | `unfinished` | `created_at` instant, run id | run id |
//! | `children` | parent id, `0x00`, step id, `0x00`, index `u32` BE | child run id |
//! | `outbox` | Message-ID, with its angle brackets | [`OutboxEntry`](garita_engine::OutboxEntry) (see `outbox.rs`) |
//! | `sources` | SHA-256 (hex) of a workflow source | the source text; summaries refer to it |
//! | `audit` | seq `u64` BE | `AuditEntry`, compact (version byte 3, or 2 for entries written before schema 7 and for one whose recorded hash is not its content's; JSON in stores of schema 3 and older): the hash-chained audit log, head in `meta.audit_head` (see `audit.rs`; the chain itself is `garita_engine::audit`) |
//! | `users` | normalised email | `User` of the console (schema 2; see `users.rs`) |
//! | `console_sessions` | SHA-256 (hex) of a session id | `ConsoleSession` (see `users.rs`) |
//! | `login_failures` | `email:...` or `ip:...` | `LoginFailures` (see `users.rs`) |
//! | `links` | `secret`, `link\0ID`, `feed\0HASH` | holders' links and feed tokens (schema 3; see `links.rs`) |
//! | `accounts`, `account_history`, `ctpat_deactivations`, `account_rows`, ... | see `accounts.rs` | the inventory; `account_rows` (schema 5) holds each account's summary as a compact row, derived from the account and rebuilt, never exported |
//! | `open_tasks` | task id | the open task's due instant, or empty (schema 6; see `task_index.rs`): derived, rebuilt, never exported |
//! | `outbox_status` | status name, `0x00`, Message-ID | empty: the message's current status (schema 6; see `outbox_index.rs`): derived, rebuilt, never exported |
//!
//! Ids never contain `0x00`. `timers` and `unfinished` hold only runs that are
//! not terminal; an entry leaves when its run's `wake_at` changes or the run
//! finishes. So `due_runs` reads exactly the due timers, `next_wake` reads one
//! key, and `unfinished_runs` reads only unfinished runs.
//!
//! Retention (`Store::prune_run_events`, `prune.rs`) removes a finished
//! run's events but its first and last from `events`, in one transaction
//! with its `run.pruned` audit entry; the summary and indexes stay as they
//! are (a finished run has no timer or unfinished entry).
//!
//! `meta.schema_version` is written on first open ([`SCHEMA_VERSION`]); a
//! store with a higher version is refused with
//! [`StoreError::NewerSchema`](garita_engine::StoreError::NewerSchema).
//!
//! # Commits
//!
//! Each `create_run` or `append` writes, in one sled transaction over `runs`,
//! `events`, `timers`, `unfinished` and `children`: the new events at
//! `record.next_seq..`, the summary with `next_seq` advanced, and the index
//! entries moved from the stored summary's values to the new ones. sled logs
//! a transaction as one batch that recovery applies whole or not at all. A
//! `create_run` over an existing id, an `append` to a missing run and an
//! `append` whose `next_seq` differs from the stored one (it would overwrite
//! or skip events) are refused and write nothing.
//!
//! # Durability and group commit
//!
//! A commit returns only once durable, as [`Durability`] defines (power loss
//! by default). A dedicated commit thread takes every commit queued at that
//! moment, applies the group in one sled transaction (each commit checked on
//! its own, a refused one skipped), makes it durable with ONE sled `flush`
//! plus `fdatasync`, and wakes every committer; commits arriving meanwhile
//! form the next group. So concurrent runs share flushes, and
//! [`SledStore::flush_count`] grows slower than the number of commits under
//! load. Reads see a commit once it is applied, which can be a moment before
//! it is durable (and before its `append` returns). If a flush ever fails,
//! the store refuses all later commits until it is reopened, since after a
//! failed `fdatasync` a later one may succeed without the lost pages.

mod accounts;
mod audit;
pub mod backup;
mod codec;
mod compression_contexts;
mod deferred_frees;
mod durable_flush;
mod errors;
mod file_sync;
mod group_commit;
mod holder;
mod index_fill;
mod index_writes;
mod keys;
mod leftovers;
mod links;
mod open;
mod options;
mod outbox;
mod outbox_index;
mod permissions;
pub mod private_file;
mod prune;
mod read;
mod schedules;
mod schema;
mod sled_config;
mod sources;
mod store;
mod store_impl;
mod task_index;
mod tasks;
mod trees;
mod users;
mod write;

#[cfg(test)]
mod store_tests;
#[cfg(test)]
mod task_outbox_index_tests;

/// How the store encodes an audit entry (schema 4: compact, see the key
/// layout), for tools and tests that read sled's files directly.
pub use audit::compact::{decode_entry as decode_audit_entry, encode_entry as encode_audit_entry};
pub use backup::{BackupError, RestoreReport};
pub use compression_contexts::drop_idle_compression_contexts;
pub use deferred_frees::free_deferred_pages;
pub use holder::holder_pid;
pub use options::{Durability, StoreOptions, DEFAULT_CACHE_CAPACITY};
pub use schema::SCHEMA_VERSION;
pub use sled_config::{
    sled_config, stored_format, StoredFormat, NEW_STORE_FORMAT, SEGMENT_SIZE, ZSTD_LEVEL,
};
pub use store::SledStore;
