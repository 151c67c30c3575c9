//! Account writes as one batch of statements: an upsert batch (an import)
//! and a batch of rule transitions. A reconcile pass hands the store its
//! transitions in batches of hundreds, and written one at a time each cost
//! nine round trips to the server (is it applied, the account read twice,
//! history, account, audit entry, event id, event, its audit entry, the
//! transition): a daemon started late over 10,000 CTPAT accounts spent
//! 19 s applying their deactivations, sled 2.5 s. Here a batch reads what
//! it needs in a few statements (the keys applied before, the accounts,
//! locked, the event ids), decides every write in memory in order, exactly
//! as one at a time would (a later write sees an earlier one's account and
//! key), chains the audit entries in that order, and inserts each table's
//! rows in one statement.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use garita_engine::account::{
    plan_write, revision_conflict, Account, AccountKey, AccountUpdate, AppliedTransition,
    ChangeMeta, EmittedEvent, NewEvent, TransitionKey, TransitionOutcome, TransitionWrite,
    UpsertOutcome,
};
use garita_engine::audit::{summaries, ChainHead, PendingEntry};
use garita_engine::record_codec::{decode, encode};
use garita_engine::{StoreError, WriteTime};
use sqlx::{PgConnection, Row};

use crate::account_screen::AccountColumns;
use crate::audit::{lock_head, store_head, ChainedEntries};
use crate::errors::db_error;
use crate::ids::{db_int, record_int};
use crate::import_rows::{
    Accounts, Keyed, Numbered, Transitions, INSERT_ACCOUNTS, INSERT_ACCOUNT_HISTORY,
    INSERT_EMITTED_EVENTS, INSERT_TRANSITIONS,
};
use crate::store::{InTx, PostgresStore};

/// What a transitions batch is doing, for its errors.
const TRANSITIONS: &str = "applying rule transitions";

/// What an upsert batch is doing, for its errors.
const UPSERTS: &str = "writing accounts (`garita accounts list` shows what was recorded)";

/// A transition key as its table's columns.
type KeyColumns = (String, String, String, NaiveDate);

fn key_columns(key: &TransitionKey) -> KeyColumns {
    (
        key.account.portal().to_owned(),
        key.account.identifier().to_owned(),
        key.name.clone(),
        key.effective_on,
    )
}

/// Of the batch's transition keys, those applied before it.
fn applied_before<'a>(
    conn: &'a mut PgConnection,
    url: &'a str,
    writes: &'a [TransitionWrite],
) -> InTx<'a, HashSet<KeyColumns>> {
    Box::pin(async move {
        let doing = TRANSITIONS;
        let (mut portals, mut identifiers, mut names, mut days) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (portal, identifier, name, day) in writes.iter().map(|w| key_columns(&w.key)) {
            portals.push(portal);
            identifiers.push(identifier);
            names.push(name);
            days.push(day);
        }
        let rows = sqlx::query(
            "SELECT portal, identifier, name, effective_on FROM account_transitions
             WHERE (portal, identifier, name, effective_on) IN
                   (SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::date[]))",
        )
        .bind(&portals)
        .bind(&identifiers)
        .bind(&names)
        .bind(&days)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| db_error(url, doing, e))?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get(0)?,
                    row.try_get(1)?,
                    row.try_get(2)?,
                    row.try_get(3)?,
                ))
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(|e| db_error(url, doing, e))
    })
}

/// The accounts `keys` name (those stored), locked until the commit.
fn locked_accounts<'a>(
    conn: &'a mut PgConnection,
    url: &'a str,
    mut keys: Vec<AccountKey>,
    doing: &'a str,
) -> InTx<'a, HashMap<AccountKey, Account>> {
    Box::pin(async move {
        keys.sort();
        keys.dedup();
        let portals: Vec<&str> = keys.iter().map(AccountKey::portal).collect();
        let identifiers: Vec<&str> = keys.iter().map(AccountKey::identifier).collect();
        let rows = sqlx::query(
            "SELECT portal, identifier, record FROM accounts
             WHERE (portal, identifier) IN (SELECT * FROM UNNEST($1::text[], $2::text[]))
             ORDER BY portal, identifier FOR UPDATE",
        )
        .bind(&portals)
        .bind(&identifiers)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| db_error(url, doing, e))?;
        let mut accounts = HashMap::with_capacity(rows.len());
        for row in &rows {
            let portal: String = row.try_get(0).map_err(|e| db_error(url, doing, e))?;
            let identifier: String = row.try_get(1).map_err(|e| db_error(url, doing, e))?;
            let bytes: Vec<u8> = row.try_get(2).map_err(|e| db_error(url, doing, e))?;
            let account: Account = decode(&bytes, || format!("account {portal}:{identifier}"))?;
            accounts.insert(account.key(), account);
        }
        Ok(accounts)
    })
}

/// `n` new event ids, increasing. Ids a batch does not use are gaps, as a
/// rolled-back write leaves.
fn event_ids<'a>(
    conn: &'a mut PgConnection,
    url: &'a str,
    n: usize,
    doing: &'a str,
) -> InTx<'a, Vec<i64>> {
    Box::pin(async move {
        if n == 0 {
            return Ok(Vec::new());
        }
        let mut ids: Vec<i64> =
            sqlx::query_scalar("SELECT nextval('emitted_event_ids') FROM generate_series(1, $1)")
                .bind(i64::try_from(n).unwrap_or(i64::MAX))
                .fetch_all(&mut *conn)
                .await
                .map_err(|e| db_error(url, doing, e))?;
        ids.sort_unstable();
        Ok(ids)
    })
}

/// What a batch inserts, one array per column.
#[derive(Debug, Default)]
struct BatchRows {
    history: Numbered,
    /// The last version of each account written (an upsert may not touch
    /// a row twice).
    accounts: HashMap<AccountKey, (Vec<u8>, AccountColumns)>,
    /// Emitted events: ids in `number`, records in `value`.
    events: Keyed,
    transitions: Transitions,
    audit: ChainedEntries,
}

impl BatchRows {
    /// Queues `event` under `id` (from [`event_ids`]) and chains its audit
    /// entry; returns its id.
    fn queue(
        &mut self,
        head: &mut ChainHead,
        id: Option<i64>,
        event: &NewEvent,
        time: &WriteTime,
    ) -> Result<u64, StoreError> {
        let id = id.ok_or_else(|| StoreError::Corrupt {
            what: "the emitted event ids".into(),
            detail: "the sequence gave fewer ids than asked".into(),
        })?;
        let emitted = EmittedEvent::new(record_int(id, "an event id")?, event);
        let bytes = encode(&emitted, &format!("event {}", emitted.name))?;
        let record = summaries::emitted(&emitted, &bytes);
        self.audit.push(head, &PendingEntry::new(record), time)?;
        self.events.number.push(id);
        self.events.value.push(bytes);
        Ok(emitted.id)
    }

    fn insert_in<'a>(
        self,
        conn: &'a mut PgConnection,
        url: &'a str,
        doing: &'a str,
    ) -> InTx<'a, ()> {
        Box::pin(async move {
            let map = |e| db_error(url, doing, e);
            let h = &self.history;
            h.bind_history(sqlx::query(INSERT_ACCOUNT_HISTORY), 0..h.seq.len())
                .execute(&mut *conn)
                .await
                .map_err(map)?;
            let mut accounts = Accounts::default();
            for (key, (record, columns)) in self.accounts {
                accounts.push(
                    key.portal().to_owned(),
                    key.identifier().to_owned(),
                    record,
                    columns,
                );
            }
            let upsert = format!(
                "{INSERT_ACCOUNTS}
                 ON CONFLICT (portal, identifier) DO UPDATE
                 SET deactivates_on = EXCLUDED.deactivates_on, record = EXCLUDED.record,
                     summary = EXCLUDED.summary, status = EXCLUDED.status,
                     fold_key = EXCLUDED.fold_key, fold_holder_name = EXCLUDED.fold_holder_name,
                     fold_holder_email = EXCLUDED.fold_holder_email,
                     fold_employee_id = EXCLUDED.fold_employee_id,
                     fold_legal_name = EXCLUDED.fold_legal_name,
                     fold_tax_id = EXCLUDED.fold_tax_id"
            );
            accounts
                .bind(sqlx::query(&upsert), 0..accounts.portal.len())
                .execute(&mut *conn)
                .await
                .map_err(map)?;
            sqlx::query(INSERT_EMITTED_EVENTS)
                .bind(&self.events.number)
                .bind(&self.events.value)
                .execute(&mut *conn)
                .await
                .map_err(map)?;
            let t = &self.transitions;
            t.bind(sqlx::query(INSERT_TRANSITIONS), 0..t.portal.len())
                .execute(&mut *conn)
                .await
                .map_err(map)?;
            self.audit.insert_in(conn, url).await
        })
    }
}

impl PostgresStore {
    pub(crate) async fn write_transitions_now(
        &self,
        writes: &[TransitionWrite],
        meta: &ChangeMeta,
    ) -> Result<Vec<TransitionOutcome>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(self.error(TRANSITIONS))?;
        let start = lock_head(&mut tx, &self.url).await?;
        let mut head = start;
        // Read under the lock, so that entries are dated in chain order.
        let time = self.clock.now();
        let applied = applied_before(&mut tx, &self.url, writes).await?;
        let keys = writes
            .iter()
            .flat_map(|w| [w.key.account.clone(), w.update.account.key()])
            .collect();
        let mut accounts = locked_accounts(&mut tx, &self.url, keys, TRANSITIONS).await?;
        let with_event = writes.iter().filter(|w| w.event.is_some()).count();
        let mut ids = event_ids(&mut tx, &self.url, with_event, TRANSITIONS)
            .await?
            .into_iter();
        let mut rows = BatchRows::default();
        let mut applied_now: HashSet<&TransitionKey> = HashSet::new();
        let mut outcomes = Vec::with_capacity(writes.len());
        for write in writes {
            let key = &write.key;
            if applied_now.contains(key) || applied.contains(&key_columns(key)) {
                outcomes.push(TransitionOutcome::AlreadyApplied);
                continue;
            }
            let revision = accounts.get(&key.account).map(|a| a.revision);
            if revision != Some(write.expected_revision) {
                outcomes.push(TransitionOutcome::Stale);
                continue;
            }
            plan_account(
                &mut rows,
                &mut accounts,
                &mut head,
                &write.update,
                meta,
                &time,
            )?;
            let event_id = match &write.event {
                Some(event) => Some(rows.queue(&mut head, ids.next(), event, &time)?),
                None => None,
            };
            let applied = AppliedTransition {
                key: key.clone(),
                applied_at: meta.at,
                event_id,
            };
            let (portal, identifier, name, day) = key_columns(key);
            let t = &mut rows.transitions;
            t.portal.push(portal);
            t.identifier.push(identifier);
            t.name.push(name);
            t.effective_on.push(day);
            t.record
                .push(encode(&applied, &format!("transition {key}"))?);
            applied_now.insert(key);
            outcomes.push(TransitionOutcome::Applied);
        }
        rows.insert_in(&mut tx, &self.url, TRANSITIONS).await?;
        if head != start {
            store_head(&mut tx, &self.url, &head).await?;
        }
        tx.commit().await.map_err(self.error(TRANSITIONS))?;
        Ok(outcomes)
    }

    pub(crate) async fn write_accounts_now(
        &self,
        updates: &[AccountUpdate],
        meta: &ChangeMeta,
        event: Option<&NewEvent>,
    ) -> Result<Vec<UpsertOutcome>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(self.error(UPSERTS))?;
        let start = lock_head(&mut tx, &self.url).await?;
        let mut head = start;
        // Read under the lock, so that entries are dated in chain order.
        let time = self.clock.now();
        let keys = updates.iter().map(|u| u.account.key()).collect();
        let mut accounts = locked_accounts(&mut tx, &self.url, keys, UPSERTS).await?;
        let mut rows = BatchRows::default();
        let mut outcomes = Vec::with_capacity(updates.len());
        for update in updates {
            outcomes.push(plan_account(
                &mut rows,
                &mut accounts,
                &mut head,
                update,
                meta,
                &time,
            )?);
        }
        if let Some(event) = event {
            let id = event_ids(&mut tx, &self.url, 1, UPSERTS).await?.pop();
            rows.queue(&mut head, id, event, &time)?;
        }
        rows.insert_in(&mut tx, &self.url, UPSERTS).await?;
        if head != start {
            store_head(&mut tx, &self.url, &head).await?;
        }
        tx.commit().await.map_err(self.error(UPSERTS))?;
        Ok(outcomes)
    }
}

/// One account's update: a stale `expected_revision` fails the batch
/// ([`revision_conflict`]); an unchanged account writes nothing; a changed
/// one gets its history entry and audit entry, and becomes what later
/// writes of the batch see.
fn plan_account(
    rows: &mut BatchRows,
    accounts: &mut HashMap<AccountKey, Account>,
    head: &mut ChainHead,
    update: &AccountUpdate,
    meta: &ChangeMeta,
    time: &WriteTime,
) -> Result<UpsertOutcome, StoreError> {
    let key = update.account.key();
    let stored = accounts.get(&key);
    if let Some(conflict) = revision_conflict(stored, update) {
        return Err(conflict);
    }
    let Some((account, mut entry)) = plan_write(stored, update, meta) else {
        return Ok(UpsertOutcome::Unchanged);
    };
    let outcome = if stored.is_some() {
        UpsertOutcome::Updated
    } else {
        UpsertOutcome::Created
    };
    entry.recorded_at = Some(time.recorded_at);
    entry.pinned_at = time.pinned_at;
    let shown = key.to_string();
    let entry_bytes = encode(
        &entry,
        &format!("history entry {} of account {shown}", entry.seq),
    )?;
    let record = summaries::account(&shown, stored.is_none(), &entry, &entry_bytes);
    rows.audit.push(head, &PendingEntry::new(record), time)?;
    let h = &mut rows.history;
    h.names.push(key.portal().to_owned());
    h.names2.push(key.identifier().to_owned());
    h.seq.push(db_int(entry.seq, "a history seq")?);
    h.value.push(entry_bytes);
    let account_bytes = encode(&account, &format!("account {shown}"))?;
    let columns = AccountColumns::of_account(&account, &shown)?;
    rows.accounts.insert(key.clone(), (account_bytes, columns));
    accounts.insert(key, account);
    Ok(outcome)
}
