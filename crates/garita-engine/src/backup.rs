//! Backups as records, the same for every backend: what a backup holds
//! ([`RecordSet`]: every record by kind, in a key layout and encoding that
//! belong to no store), the file that carries it ([`encode_file`],
//! [`decode_file`]), the check a file passes before anything is restored
//! from it ([`check_record_set`]: every record decodes and the audit chain
//! and the records it covers verify, with no store at hand), and the
//! [`BackupRecords`] trait a backend implements to export and import them,
//! with its conformance suite.
//!
//! # Kinds of record, their keys and values
//!
//! Values are the bytes the backend stored, in the shared encoding of
//! [`crate::record_codec`] (one version byte, then JSON), because the
//! audit entries hold digests of exactly those bytes. Keys are built so
//! that byte order is the order a reader needs; ids never contain `0x00`.
//!
//! | kind | key | value |
//! |---|---|---|
//! | `runs` | run id | [`RunRecord`](crate::RunRecord); its `source` is `"\u{1}sha256:HEX"`, naming a `sources` record, or the text itself |
//! | `events` | run id, `0x00`, seq `u64` BE | [`RunEvent`](crate::RunEvent) |
//! | `sources` | SHA-256 (lowercase hex) of a workflow source | the source text, UTF-8, without a version byte |
//! | `tasks` | task id | [`Task`](crate::Task) |
//! | `outbox` | Message-ID, with its angle brackets | [`OutboxEntry`](crate::OutboxEntry) |
//! | `accounts` | portal, `0x00`, identifier | [`Account`](crate::account::Account) |
//! | `account_history` | portal, `0x00`, identifier, `0x00`, seq `u64` BE | [`HistoryEntry`](crate::account::HistoryEntry) |
//! | `account_transitions` | portal, `0x00`, identifier, `0x00`, transition, `0x00`, date (days, sign-flipped `i64` BE) | [`AppliedTransition`](crate::account::AppliedTransition) |
//! | `emitted_events` | event id `u64` BE | [`EmittedEvent`](crate::account::EmittedEvent) |
//! | `schedules` | workflow name, `0x00`, trigger index `u32` BE | [`TriggerState`](crate::schedule::TriggerState) |
//! | `users` | normalised email (UTF-8) | [`User`](crate::user::User) |
//! | `links` | `secret`, or `link` `0x00` id, or `feed` `0x00` hex SHA-256 | [`LinkSecret`](crate::link::LinkSecret), [`HolderLink`](crate::link::HolderLink), [`FeedToken`](crate::link::FeedToken) |
//! | `audit` | seq `u64` BE | [`AuditEntry`](crate::audit::AuditEntry) |
//!
//! A file written before console users existed has no `users` section, and
//! one written before holders' links none of `links`; each is read as an
//! empty one. The link secret is backed up so that links in mail sent
//! before a restore still open, and used links stay used. Console sessions and sign-in failure counts
//! are not records of a backup: they are short-lived, a session restored
//! from a copy would let a browser that was signed out sign in again, and
//! a restore signing everybody out is the safe outcome.
//!
//! Indexes (due timers, unfinished runs, children of a step, CTPAT
//! deactivation dates) are not records: a backend rebuilds them from these
//! when it imports.

mod check;
pub mod conformance;
mod file;
mod keys;
mod records;
mod store;

pub use check::check_record_set;
pub use file::{
    decode_file, encode_file, format_version_of, frame, unframe, BackupHeader, Framed,
    SectionCount, BACKUP_FORMAT_VERSION,
};
pub use keys::{account_key, event_key, history_key, parse_event_key, parse_history_key};
pub use records::{Record, RecordKind, RecordSet, Section};
pub use store::BackupRecords;
