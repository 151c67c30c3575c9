//! The engine's [`UserStore`] on PostgreSQL (tables in migration 6): console
//! users, their sessions and their failed sign-ins.
//!
//! | table | key | value |
//! |---|---|---|
//! | `users` | normalised email | [`User`] (a backup record kind) |
//! | `console_sessions` | hex SHA-256 of the session id; `email`, `expires_at` copied | [`ConsoleSession`] |
//! | `login_failures` | the limiter's key (`email:...`, `ip:...`) | [`LoginFailures`] |
//!
//! Values are `record_codec` bytes, as on sled. A user write takes the
//! audit chain's lock, checks the stored revision under the row's lock,
//! writes the user and appends its `user.*` entry in one transaction.
//! Sessions and failure counts are not audited nor backed up
//! (`garita_engine::user` says why). A failure is counted under the row's
//! lock, so concurrent failures from several daemons are all counted; the
//! window's rule is the engine's [`LoginFailures::after_failure`].

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use garita_engine::audit::{summaries, PendingEntry};
use garita_engine::record_codec::{decode, encode};
use garita_engine::user::{ConsoleSession, LoginFailures, User, UserChange, UserStore};
use garita_engine::StoreError;
use sqlx::Row;

use crate::audit::{append_in, lock_head, store_head};
use crate::ids::check_id;
use crate::store::PostgresStore;

impl PostgresStore {
    async fn write_user_now(
        &self,
        stored: &User,
        expected_revision: u64,
        change: &UserChange,
    ) -> Result<(), StoreError> {
        let what = format!("user {}", stored.email);
        let value = encode(stored, &what)?;
        let pending = PendingEntry::new(summaries::user(stored, change, &value));
        let doing = format!("writing {what} (`garita users list` shows whether it was written)");
        let mut tx = self.pool.begin().await.map_err(self.error(&doing))?;
        // The chain's lock first, then the row, as every audited write.
        let mut head = lock_head(&mut tx, &self.url).await?;
        let old: Option<Vec<u8>> =
            sqlx::query("SELECT record FROM users WHERE email = $1 FOR UPDATE")
                .bind(&stored.email)
                .fetch_optional(&mut *tx)
                .await
                .map_err(self.error(&doing))?
                .map(|row| row.try_get(0))
                .transpose()
                .map_err(self.error(&doing))?;
        let found = match old {
            Some(bytes) => decode::<User>(&bytes, || what.clone())?.revision,
            None => 0,
        };
        if found != expected_revision {
            // Ends the transaction now, which releases the chain's lock.
            tx.rollback().await.map_err(self.error(&doing))?;
            return Err(StoreError::Conflict {
                what,
                expected: expected_revision,
                found,
            });
        }
        sqlx::query(
            "INSERT INTO users (email, record) VALUES ($1, $2)
             ON CONFLICT (email) DO UPDATE SET record = EXCLUDED.record",
        )
        .bind(&stored.email)
        .bind(&value)
        .execute(&mut *tx)
        .await
        .map_err(self.error(&doing))?;
        let time = self.clock.now();
        append_in(&mut tx, &self.url, &mut head, &pending, &time).await?;
        store_head(&mut tx, &self.url, &head).await?;
        tx.commit().await.map_err(self.error(&doing))
    }

    /// The stored failures under `key`; a damaged count reads as none
    /// rather than locking the person out (as on sled).
    async fn failures(&self, key: &str) -> Result<Option<LoginFailures>, StoreError> {
        let doing = "reading sign-in failures";
        let row = sqlx::query("SELECT record FROM login_failures WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.error(doing))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let bytes: Vec<u8> = row.try_get(0).map_err(self.error(doing))?;
        Ok(decode(&bytes, String::new).ok())
    }

    async fn note_failure_now(
        &self,
        key: &str,
        at: DateTime<Utc>,
        window: Duration,
    ) -> Result<u32, StoreError> {
        let doing = "counting a failed sign-in";
        let what = format!("sign-in failures of {key}");
        let mut tx = self.pool.begin().await.map_err(self.error(doing))?;
        // The row exists before it is locked, so that two first failures
        // at once wait on one row lock instead of both inserting.
        sqlx::query(
            "INSERT INTO login_failures (key, record) VALUES ($1, '') ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .execute(&mut *tx)
        .await
        .map_err(self.error(doing))?;
        let bytes: Vec<u8> =
            sqlx::query_scalar("SELECT record FROM login_failures WHERE key = $1 FOR UPDATE")
                .bind(key)
                .fetch_one(&mut *tx)
                .await
                .map_err(self.error(doing))?;
        // An empty placeholder or a damaged count starts over.
        let previous = decode::<LoginFailures>(&bytes, || what.clone()).ok();
        let next = LoginFailures::after_failure(previous, at, window);
        sqlx::query("UPDATE login_failures SET record = $2 WHERE key = $1")
            .bind(key)
            .bind(encode(&next, &what)?)
            .execute(&mut *tx)
            .await
            .map_err(self.error(doing))?;
        tx.commit().await.map_err(self.error(doing))?;
        Ok(next.count)
    }

    /// Removes the sessions in `id_hashes`; how many there were.
    async fn remove_sessions(&self, id_hashes: &[String]) -> Result<u64, StoreError> {
        if id_hashes.is_empty() {
            return Ok(0);
        }
        let removed = sqlx::query("DELETE FROM console_sessions WHERE id_hash = ANY($1)")
            .bind(id_hashes)
            .execute(&self.pool)
            .await
            .map_err(self.error("removing console sessions"))?;
        Ok(removed.rows_affected())
    }

    /// A user's stored record bytes (what its audit digest covers).
    pub(crate) async fn stored_user(&self, email: &str) -> Result<Option<Vec<u8>>, StoreError> {
        sqlx::query_scalar("SELECT record FROM users WHERE email = $1")
            .bind(email)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.error("reading a user"))
    }
}

#[async_trait]
impl UserStore for PostgresStore {
    async fn user(&self, email: &str) -> Result<Option<User>, StoreError> {
        self.stored_user(email)
            .await?
            .map(|bytes| decode(&bytes, || format!("user {email}")))
            .transpose()
    }

    async fn users(&self) -> Result<Vec<User>, StoreError> {
        let doing = "listing users";
        let rows = sqlx::query("SELECT email, record FROM users ORDER BY email")
            .fetch_all(&self.pool)
            .await
            .map_err(self.error(doing))?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let email: String = row.try_get(0).map_err(self.error(doing))?;
            let bytes: Vec<u8> = row.try_get(1).map_err(self.error(doing))?;
            out.push(decode(&bytes, || format!("user {email}"))?);
        }
        Ok(out)
    }

    async fn write_user(
        &self,
        user: &User,
        expected_revision: u64,
        change: &UserChange,
    ) -> Result<User, StoreError> {
        check_id(&user.email, "user email")?;
        let stored = User {
            revision: expected_revision.saturating_add(1),
            ..user.clone()
        };
        let written = self
            .write_user_now(&stored, expected_revision, change)
            .await;
        self.health.observe_write(written)?;
        Ok(stored)
    }

    async fn put_console_session(&self, session: &ConsoleSession) -> Result<(), StoreError> {
        check_id(&session.id_hash, "console session")?;
        let value = encode(session, "console session")?;
        let written = sqlx::query(
            "INSERT INTO console_sessions (id_hash, email, expires_at, record)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (id_hash) DO UPDATE
             SET email = EXCLUDED.email, expires_at = EXCLUDED.expires_at, record = EXCLUDED.record",
        )
        .bind(&session.id_hash)
        .bind(&session.email)
        .bind(session.expires_at)
        .bind(&value)
        .execute(&self.pool)
        .await
        .map(drop)
        .map_err(self.error("storing a console session (sign in again)"));
        self.health.observe_write(written)
    }

    async fn console_session(&self, id_hash: &str) -> Result<Option<ConsoleSession>, StoreError> {
        let doing = "reading a console session";
        let row = sqlx::query("SELECT record FROM console_sessions WHERE id_hash = $1")
            .bind(id_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.error(doing))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let bytes: Vec<u8> = row.try_get(0).map_err(self.error(doing))?;
        decode(&bytes, || "console session".to_owned()).map(Some)
    }

    async fn delete_console_session(&self, id_hash: &str) -> Result<bool, StoreError> {
        Ok(self.remove_sessions(&[id_hash.to_owned()]).await? > 0)
    }

    async fn delete_console_sessions_of(&self, email: &str) -> Result<u64, StoreError> {
        let removed = sqlx::query("DELETE FROM console_sessions WHERE email = $1")
            .bind(email)
            .execute(&self.pool)
            .await
            .map_err(self.error("signing a user out"))?;
        Ok(removed.rows_affected())
    }

    async fn delete_expired_console_sessions(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let doing = "removing expired console sessions";
        // The column keeps microseconds, the record may hold finer times:
        // the column picks the candidates (one microsecond of slack), the
        // record's own rule decides.
        let rows =
            sqlx::query("SELECT id_hash, record FROM console_sessions WHERE expires_at <= $1")
                .bind(now + Duration::microseconds(1))
                .fetch_all(&self.pool)
                .await
                .map_err(self.error(doing))?;
        let mut expired = Vec::new();
        for row in rows {
            let id_hash: String = row.try_get(0).map_err(self.error(doing))?;
            let bytes: Vec<u8> = row.try_get(1).map_err(self.error(doing))?;
            let session: ConsoleSession = decode(&bytes, || "console session".to_owned())?;
            if !session.is_live(now) {
                expired.push(id_hash);
            }
        }
        self.remove_sessions(&expired).await
    }

    async fn note_login_failure(
        &self,
        key: &str,
        at: DateTime<Utc>,
        window: Duration,
    ) -> Result<u32, StoreError> {
        check_id(key, "sign-in limiter key")?;
        self.note_failure_now(key, at, window).await
    }

    async fn login_failures(
        &self,
        key: &str,
        now: DateTime<Utc>,
        window: Duration,
    ) -> Result<u32, StoreError> {
        Ok(self
            .failures(key)
            .await?
            .map_or(0, |f| f.count_at(now, window)))
    }

    async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_failures WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(self.error("clearing sign-in failures"))?;
        Ok(())
    }
}
