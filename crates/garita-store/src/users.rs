//! The engine's [`UserStore`] on [`SledStore`]: console users, their
//! sessions and their failed sign-ins (schema version 2).
//!
//! # Key layout (new trees; a version-1 store simply lacks them)
//!
//! | tree | key | value |
//! |---|---|---|
//! | `users` | normalised email (UTF-8) | [`User`] |
//! | `console_sessions` | lower-case hex SHA-256 of the session id | [`ConsoleSession`] |
//! | `login_failures` | the limiter's key (`email:...`, `ip:...`) | [`LoginFailures`] |
//!
//! Values carry the store's encoding-version byte. A user write checks the
//! stored revision and appends its audit entry (`user.*`, see
//! `garita_engine::audit::summaries::user`) in the same sled transaction
//! as the record, with the chain's lock held, then is made durable. The
//! `users` tree is a record kind of backups (its name is the kind's);
//! sessions and failure counts are not (`garita_engine::backup` says why).
//! Failure counts change with `update_and_fetch`, an atomic
//! compare-and-swap loop, so concurrent failures are all counted.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use garita_engine::user::{ConsoleSession, LoginFailures, User, UserChange, UserStore};
use garita_engine::StoreError;
use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::Transactional;

use crate::accounts::blocking::run_blocking;
use crate::audit::{append_in, store_head, PendingEntry};
use crate::codec::{decode, encode};
use crate::errors::sled_error;
use crate::keys::check_id;
use crate::store::SledStore;

/// Tree names.
pub(crate) mod tree {
    /// email → user (a backup record kind).
    pub(crate) const USERS: &str = "users";
    /// SHA-256 of a session id → session.
    pub(crate) const SESSIONS: &str = "console_sessions";
    /// limiter key → failures.
    pub(crate) const LOGIN_FAILURES: &str = "login_failures";
}

impl SledStore {
    fn users_tree(&self, name: &str) -> Result<sled::Tree, StoreError> {
        self.db
            .open_tree(name)
            .map_err(|e| sled_error(&self.path, &format!("opening tree `{name}`"), e))
    }

    fn read_all<T: serde::de::DeserializeOwned>(
        &self,
        name: &str,
    ) -> Result<Vec<(sled::IVec, T)>, StoreError> {
        let mut out = Vec::new();
        for item in self.users_tree(name)?.iter() {
            let (key, value) =
                item.map_err(|e| sled_error(&self.path, &format!("reading tree `{name}`"), e))?;
            let decoded = decode(&value, || {
                format!("record {} of `{name}`", String::from_utf8_lossy(&key))
            })?;
            out.push((key, decoded));
        }
        Ok(out)
    }

    /// Removes `keys` from `name` and makes it durable; how many there were.
    async fn remove_durably(&self, name: &str, keys: Vec<sled::IVec>) -> Result<u64, StoreError> {
        if keys.is_empty() {
            return Ok(0);
        }
        self.flush.check_healthy()?;
        let tree = self.users_tree(name)?;
        let (path, flush) = (self.path.clone(), self.flush.clone());
        run_blocking(
            &self.path,
            "removing console sessions",
            "sign out again",
            move || {
                let mut removed = 0;
                for key in keys {
                    if tree
                        .remove(key)
                        .map_err(|e| sled_error(&path, "removing a console session", e))?
                        .is_some()
                    {
                        removed += 1;
                    }
                }
                flush.run()?;
                Ok(removed)
            },
        )
        .await
    }

    fn failures(&self, key: &str) -> Result<Option<LoginFailures>, StoreError> {
        let tree = self.users_tree(tree::LOGIN_FAILURES)?;
        tree.get(key.as_bytes())
            .map_err(|e| sled_error(&self.path, "reading sign-in failures", e))?
            .map(|bytes| decode(&bytes, || format!("sign-in failures of {key}")))
            .transpose()
    }
}

#[async_trait]
impl UserStore for SledStore {
    async fn user(&self, email: &str) -> Result<Option<User>, StoreError> {
        let tree = self.users_tree(tree::USERS)?;
        tree.get(email.as_bytes())
            .map_err(|e| sled_error(&self.path, "reading a user", e))?
            .map(|bytes| decode(&bytes, || format!("user {email}")))
            .transpose()
    }

    async fn users(&self) -> Result<Vec<User>, StoreError> {
        Ok(self
            .read_all::<User>(tree::USERS)?
            .into_iter()
            .map(|(_, user)| user)
            .collect())
    }

    async fn write_user(
        &self,
        user: &User,
        expected_revision: u64,
        change: &UserChange,
    ) -> Result<User, StoreError> {
        check_id(&user.email, "user email")?;
        self.flush.check_healthy()?;
        let stored = User {
            revision: expected_revision.saturating_add(1),
            ..user.clone()
        };
        let what = format!("user {}", stored.email);
        let value = encode(&stored, &what)?;
        let pending = PendingEntry::new(garita_engine::audit::summaries::user(
            &stored, change, &value,
        ));
        let users = self.users_tree(tree::USERS)?;
        let chain = self.trees.audit.clone();
        let meta = self.trees.meta.clone();
        let (path, flush) = (self.path.clone(), self.flush.clone());
        let answer = stored.clone();
        run_blocking(
            &self.path,
            "writing a user",
            "`garita users list` shows whether it was written",
            move || {
                let key = stored.email.as_bytes().to_vec();
                chain.write(|head, time| {
                    let all = (&users, &chain.tree, &meta);
                    let result = all.transaction(|(users, audit, meta)| {
                        let found = match users.get(&key)? {
                            Some(bytes) => {
                                decode::<User>(&bytes, || what.clone())
                                    .map_err(ConflictableTransactionError::Abort)?
                                    .revision
                            }
                            None => 0,
                        };
                        if found != expected_revision {
                            return Err(ConflictableTransactionError::Abort(
                                StoreError::Conflict {
                                    what: what.clone(),
                                    expected: expected_revision,
                                    found,
                                },
                            ));
                        }
                        users.insert(key.as_slice(), value.as_slice())?;
                        let mut next = head;
                        append_in(audit, &mut next, &pending, time)?;
                        store_head(meta, &next)?;
                        Ok(next)
                    });
                    match result {
                        Ok(next) => Ok(((), next)),
                        Err(TransactionError::Abort(e)) => Err(e),
                        Err(TransactionError::Storage(e)) => {
                            Err(sled_error(&path, "writing a user", e))
                        }
                    }
                })?;
                flush.run()
            },
        )
        .await?;
        Ok(answer)
    }

    async fn put_console_session(&self, session: &ConsoleSession) -> Result<(), StoreError> {
        check_id(&session.id_hash, "console session")?;
        self.flush.check_healthy()?;
        let tree = self.users_tree(tree::SESSIONS)?;
        let value = encode(session, "console session")?;
        let key = session.id_hash.clone().into_bytes();
        let (path, flush) = (self.path.clone(), self.flush.clone());
        run_blocking(
            &self.path,
            "storing a console session",
            "sign in again",
            move || {
                tree.insert(key, value)
                    .map_err(|e| sled_error(&path, "storing a console session", e))?;
                flush.run()
            },
        )
        .await
    }

    async fn console_session(&self, id_hash: &str) -> Result<Option<ConsoleSession>, StoreError> {
        let tree = self.users_tree(tree::SESSIONS)?;
        tree.get(id_hash.as_bytes())
            .map_err(|e| sled_error(&self.path, "reading a console session", e))?
            .map(|bytes| decode(&bytes, || "console session".to_owned()))
            .transpose()
    }

    async fn delete_console_session(&self, id_hash: &str) -> Result<bool, StoreError> {
        let removed = self
            .remove_durably(tree::SESSIONS, vec![id_hash.as_bytes().into()])
            .await?;
        Ok(removed > 0)
    }

    async fn delete_console_sessions_of(&self, email: &str) -> Result<u64, StoreError> {
        let keys = self
            .read_all::<ConsoleSession>(tree::SESSIONS)?
            .into_iter()
            .filter(|(_, s)| s.email == email)
            .map(|(key, _)| key)
            .collect();
        self.remove_durably(tree::SESSIONS, keys).await
    }

    async fn delete_expired_console_sessions(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let keys = self
            .read_all::<ConsoleSession>(tree::SESSIONS)?
            .into_iter()
            .filter(|(_, s)| !s.is_live(now))
            .map(|(key, _)| key)
            .collect();
        self.remove_durably(tree::SESSIONS, keys).await
    }

    async fn note_login_failure(
        &self,
        key: &str,
        at: DateTime<Utc>,
        window: Duration,
    ) -> Result<u32, StoreError> {
        let tree = self.users_tree(tree::LOGIN_FAILURES)?;
        let what = format!("sign-in failures of {key}");
        // A damaged count starts over rather than locking the person out.
        let updated = tree
            .update_and_fetch(key.as_bytes(), |old| {
                let previous = old.and_then(|b| decode::<LoginFailures>(b, || what.clone()).ok());
                encode(&LoginFailures::after_failure(previous, at, window), &what).ok()
            })
            .map_err(|e| sled_error(&self.path, "counting a failed sign-in", e))?;
        // Not flushed: a count lost to a crash only gives back a few tries.
        let count = updated
            .and_then(|b| decode::<LoginFailures>(&b, || what.clone()).ok())
            .map_or(1, |f| f.count);
        Ok(count)
    }

    async fn login_failures(
        &self,
        key: &str,
        now: DateTime<Utc>,
        window: Duration,
    ) -> Result<u32, StoreError> {
        Ok(self.failures(key)?.map_or(0, |f| f.count_at(now, window)))
    }

    async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError> {
        self.users_tree(tree::LOGIN_FAILURES)?
            .remove(key.as_bytes())
            .map_err(|e| sled_error(&self.path, "clearing sign-in failures", e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use garita_engine::audit::AuditLog;
    use garita_engine::backup::{BackupRecords, RecordKind};
    use garita_engine::user::conformance::user_checks;
    use garita_engine::user::{Language, Role, UserChangeKind};

    use super::*;
    use crate::StoreOptions;

    #[tokio::test]
    async fn the_sled_user_store_keeps_the_user_contract() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path(), StoreOptions::default()).unwrap();
        user_checks(&store, &store).await;
    }

    /// Users go into a backup and come back from it; sessions do not.
    #[tokio::test]
    async fn users_are_backed_up_and_restored_sessions_are_not() {
        let at = DateTime::<Utc>::from_timestamp(1_772_000_000, 0).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path(), StoreOptions::default()).unwrap();
        let user = User {
            email: "ana@example.com".into(),
            role: Role::Officer,
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            disabled: false,
            created_at: at,
            updated_at: at,
            language: Language::En,
            revision: 0,
        };
        let change = UserChange {
            kind: UserChangeKind::Added,
            actor: "root".into(),
            at,
        };
        let stored = store.write_user(&user, 0, &change).await.unwrap();
        let session = ConsoleSession {
            id_hash: "ab".repeat(32),
            email: user.email.clone(),
            created_at: at,
            expires_at: at + Duration::hours(8),
            csrf_token: "t".into(),
        };
        store.put_console_session(&session).await.unwrap();
        let set = store.export_records().await.unwrap();
        assert_eq!(set.section(RecordKind::Users).len(), 1);
        garita_engine::backup::check_record_set(&set).unwrap();

        let other = tempfile::tempdir().unwrap();
        let restored = SledStore::open(other.path(), StoreOptions::default()).unwrap();
        restored.import_records(&set).await.unwrap();
        assert_eq!(
            restored.user("ana@example.com").await.unwrap(),
            Some(stored)
        );
        assert_eq!(
            restored.console_session(&session.id_hash).await.unwrap(),
            None
        );
        assert!(restored.verify_audit().await.unwrap().is_intact());
    }
}
