//! The account write path. An upsert batch, a batch of rule transitions and
//! a queued event are each one transaction that takes the audit chain's
//! lock first (as every audited write does), then changes the accounts,
//! their history, the deactivation column and the event queue, appends one
//! audit entry per changed account and per queued event, and commits whole
//! or not at all. A stale `expected_revision` in a batch fails the whole
//! batch with [`StoreError::Conflict`]; the transaction is then rolled back,
//! so nothing of it is written. A batch of rule transitions is written by
//! `transition_write.rs`, in a few statements for the whole batch.

use garita_engine::account::{
    plan_write, revision_conflict, Account, AccountKey, AccountUpdate, ChangeMeta, EmittedEvent,
    NewEvent, TransitionKey, TransitionOutcome, TransitionWrite, UpsertOutcome,
};
use garita_engine::audit::{summaries, AuditRecord, ChainHead, PendingEntry};
use garita_engine::record_codec::{decode, encode};
use garita_engine::{StoreError, WriteTime};
use sqlx::{PgConnection, Row};

use crate::account_screen::AccountColumns;
use crate::audit::{append_in, lock_head, store_head};
use crate::errors::db_error;
use crate::ids::{check_id, record_int};
use crate::store::{InTx, PostgresStore};

/// Refuses an account key the tables cannot hold, before anything is written.
pub(crate) fn check_key(key: &AccountKey) -> Result<(), StoreError> {
    check_id(key.portal(), "portal")?;
    check_id(key.identifier(), "account identifier")
}

/// Refuses a transition key the tables cannot hold.
pub(crate) fn check_transition(key: &TransitionKey) -> Result<(), StoreError> {
    check_key(&key.account)?;
    check_id(&key.name, "transition name")
}

/// Inside a write's transaction: the stored account at `key`, locked.
fn stored_account<'a>(
    conn: &'a mut PgConnection,
    url: &'a str,
    key: &'a AccountKey,
) -> InTx<'a, Option<Account>> {
    Box::pin(async move {
        let doing = "reading an account to change it";
        let row = sqlx::query(
            "SELECT record FROM accounts WHERE portal = $1 AND identifier = $2 FOR UPDATE",
        )
        .bind(key.portal())
        .bind(key.identifier())
        .fetch_optional(&mut *conn)
        .await
        .map_err(|e| db_error(url, doing, e))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let bytes: Vec<u8> = row.try_get(0).map_err(|e| db_error(url, doing, e))?;
        decode(&bytes, || format!("account {key}")).map(Some)
    })
}

/// Inside a write's transaction: writes one account, its history entry
/// (dated `time`, like its audit entry) and its deactivation column when it
/// changed; the outcome and, when it changed, the audit record.
fn upsert_one<'a>(
    conn: &'a mut PgConnection,
    url: &'a str,
    update: &'a AccountUpdate,
    meta: &'a ChangeMeta,
    time: &'a WriteTime,
) -> InTx<'a, (UpsertOutcome, Option<AuditRecord>)> {
    Box::pin(async move {
        let key = update.account.key();
        let shown = key.to_string();
        let stored = stored_account(conn, url, &key).await?;
        if let Some(conflict) = revision_conflict(stored.as_ref(), update) {
            return Err(conflict);
        }
        let Some((account, mut entry)) = plan_write(stored.as_ref(), update, meta) else {
            return Ok((UpsertOutcome::Unchanged, None));
        };
        entry.recorded_at = Some(time.recorded_at);
        entry.pinned_at = time.pinned_at;
        let entry_bytes = encode(
            &entry,
            &format!("history entry {} of account {shown}", entry.seq),
        )?;
        let record = summaries::account(&shown, stored.is_none(), &entry, &entry_bytes);
        let doing = format!("writing account {shown}");
        sqlx::query(
            "INSERT INTO account_history (portal, identifier, seq, entry) VALUES ($1, $2, $3, $4)",
        )
        .bind(key.portal())
        .bind(key.identifier())
        .bind(crate::ids::db_int(entry.seq, "a history seq")?)
        .bind(&entry_bytes)
        .execute(&mut *conn)
        .await
        .map_err(|e| db_error(url, &doing, e))?;
        let account_bytes = encode(&account, &format!("account {shown}"))?;
        let columns = AccountColumns::of_account(&account, &shown)?;
        let folded = &columns.folded;
        sqlx::query(
            "INSERT INTO accounts (portal, identifier, deactivates_on, record, summary, status,
                 fold_key, fold_holder_name, fold_holder_email, fold_employee_id,
                 fold_legal_name, fold_tax_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             ON CONFLICT (portal, identifier) DO UPDATE
             SET deactivates_on = EXCLUDED.deactivates_on, record = EXCLUDED.record,
                 summary = EXCLUDED.summary, status = EXCLUDED.status,
                 fold_key = EXCLUDED.fold_key, fold_holder_name = EXCLUDED.fold_holder_name,
                 fold_holder_email = EXCLUDED.fold_holder_email,
                 fold_employee_id = EXCLUDED.fold_employee_id,
                 fold_legal_name = EXCLUDED.fold_legal_name, fold_tax_id = EXCLUDED.fold_tax_id",
        )
        .bind(key.portal())
        .bind(key.identifier())
        .bind(columns.deactivates_on)
        .bind(&account_bytes)
        .bind(&columns.summary)
        .bind(columns.status)
        .bind(&folded.key)
        .bind(&folded.holder_name)
        .bind(&folded.holder_email)
        .bind(&folded.employee_id)
        .bind(&folded.legal_name)
        .bind(&folded.tax_id)
        .execute(&mut *conn)
        .await
        .map_err(|e| db_error(url, &doing, e))?;
        let outcome = if stored.is_some() {
            UpsertOutcome::Updated
        } else {
            UpsertOutcome::Created
        };
        Ok((outcome, Some(record)))
    })
}

/// Inside a write's transaction: queues `event` under the next id of the
/// sequence and appends its audit entry after `head`.
fn queue_event<'a>(
    conn: &'a mut PgConnection,
    url: &'a str,
    head: &'a mut ChainHead,
    event: &'a NewEvent,
    time: &'a WriteTime,
) -> InTx<'a, EmittedEvent> {
    Box::pin(async move {
        let doing = format!("queueing event {}", event.name);
        let id: i64 = sqlx::query_scalar("SELECT nextval('emitted_event_ids')")
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| db_error(url, &doing, e))?;
        let emitted = EmittedEvent::new(record_int(id, "an event id")?, event);
        let bytes = encode(&emitted, &format!("event {}", emitted.name))?;
        sqlx::query("INSERT INTO emitted_events (id, record) VALUES ($1, $2)")
            .bind(id)
            .bind(&bytes)
            .execute(&mut *conn)
            .await
            .map_err(|e| db_error(url, &doing, e))?;
        let record = summaries::emitted(&emitted, &bytes);
        append_in(conn, url, head, &PendingEntry::new(record), time).await?;
        Ok(emitted)
    })
}

impl PostgresStore {
    pub(crate) async fn write_accounts(
        &self,
        updates: &[AccountUpdate],
        meta: &ChangeMeta,
        event: Option<&NewEvent>,
    ) -> Result<Vec<UpsertOutcome>, StoreError> {
        for update in updates {
            check_key(&update.account.key())?;
        }
        let written = self.write_accounts_now(updates, meta, event).await;
        self.health.observe_write(written)
    }

    async fn write_accounts_now(
        &self,
        updates: &[AccountUpdate],
        meta: &ChangeMeta,
        event: Option<&NewEvent>,
    ) -> Result<Vec<UpsertOutcome>, StoreError> {
        let doing = "writing accounts (`garita accounts list` shows what was recorded)";
        let mut tx = self.pool.begin().await.map_err(self.error(doing))?;
        let start = lock_head(&mut tx, &self.url).await?;
        let mut head = start;
        // Read under the lock, so that entries are dated in chain order.
        let time = self.clock.now();
        let mut outcomes = Vec::with_capacity(updates.len());
        for update in updates {
            let (outcome, recorded) = upsert_one(&mut tx, &self.url, update, meta, &time).await?;
            if let Some(record) = recorded {
                append_in(
                    &mut tx,
                    &self.url,
                    &mut head,
                    &PendingEntry::new(record),
                    &time,
                )
                .await?;
            }
            outcomes.push(outcome);
        }
        if let Some(event) = event {
            queue_event(&mut tx, &self.url, &mut head, event, &time).await?;
        }
        if head != start {
            store_head(&mut tx, &self.url, &head).await?;
        }
        tx.commit().await.map_err(self.error(doing))?;
        Ok(outcomes)
    }

    pub(crate) async fn write_transitions(
        &self,
        writes: &[TransitionWrite],
        meta: &ChangeMeta,
    ) -> Result<Vec<TransitionOutcome>, StoreError> {
        if writes.is_empty() {
            return Ok(Vec::new());
        }
        for write in writes {
            check_transition(&write.key)?;
            check_key(&write.update.account.key())?;
        }
        let written = self.write_transitions_now(writes, meta).await;
        self.health.observe_write(written)
    }

    pub(crate) async fn write_event(&self, event: &NewEvent) -> Result<EmittedEvent, StoreError> {
        let written = self.write_event_now(event).await;
        self.health.observe_write(written)
    }

    async fn write_event_now(&self, event: &NewEvent) -> Result<EmittedEvent, StoreError> {
        let doing = "queueing an event";
        let mut tx = self.pool.begin().await.map_err(self.error(doing))?;
        let mut head = lock_head(&mut tx, &self.url).await?;
        let time = self.clock.now();
        let emitted = queue_event(&mut tx, &self.url, &mut head, event, &time).await?;
        store_head(&mut tx, &self.url, &head).await?;
        tx.commit().await.map_err(self.error(doing))?;
        Ok(emitted)
    }

    pub(crate) async fn remove_event(&self, id: u64) -> Result<bool, StoreError> {
        let Ok(id) = i64::try_from(id) else {
            return Ok(false);
        };
        let removed = sqlx::query("DELETE FROM emitted_events WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(self.error("acknowledging an event"))
            .map(|done| done.rows_affected() > 0);
        self.health.observe_write(removed)
    }
}
