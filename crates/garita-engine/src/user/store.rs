//! [`UserStore`]: what a backend keeps for the console.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::model::{ConsoleSession, User, UserChange};
use crate::store::StoreError;

/// Console users, their sessions and their failed sign-ins. What every
/// implementation must do is checked by [`super::conformance::user_checks`].
#[async_trait]
pub trait UserStore: Send + Sync {
    /// The user with this (normalised) email.
    async fn user(&self, email: &str) -> Result<Option<User>, StoreError>;

    /// Every user, by email.
    async fn users(&self) -> Result<Vec<User>, StoreError>;

    /// Writes `user` with `revision` raised by one over `expected_revision`,
    /// which must be the stored one (0: there must be none), and appends the
    /// audit entry of `change` in the same transaction; durable when it
    /// returns. A stale revision is refused with [`StoreError::Conflict`],
    /// nothing written. Answers the user as stored.
    async fn write_user(
        &self,
        user: &User,
        expected_revision: u64,
        change: &UserChange,
    ) -> Result<User, StoreError>;

    /// Stores a new session (durable when it returns).
    async fn put_console_session(&self, session: &ConsoleSession) -> Result<(), StoreError>;

    /// The session whose id hashes to `id_hash`, expired or not.
    async fn console_session(&self, id_hash: &str) -> Result<Option<ConsoleSession>, StoreError>;

    /// Removes one session; whether it was there.
    async fn delete_console_session(&self, id_hash: &str) -> Result<bool, StoreError>;

    /// Removes every session of `email` (the user was disabled or changed
    /// password); how many there were.
    async fn delete_console_sessions_of(&self, email: &str) -> Result<u64, StoreError>;

    /// Removes the sessions expired at `now`; how many there were.
    async fn delete_expired_console_sessions(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;

    /// Counts one failed sign-in under `key` at `at` and answers the
    /// failures within `window` (a fixed window from the first), this one
    /// included. Concurrent calls never lose a count.
    async fn note_login_failure(
        &self,
        key: &str,
        at: DateTime<Utc>,
        window: Duration,
    ) -> Result<u32, StoreError>;

    /// The failed sign-ins under `key` within `window` at `now`.
    async fn login_failures(
        &self,
        key: &str,
        now: DateTime<Utc>,
        window: Duration,
    ) -> Result<u32, StoreError>;

    /// Forgets the failures under `key` (a successful sign-in).
    async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError>;
}
