//! [`AuditLog`] and [`AuditedRecords`] on PostgreSQL: where the chain's
//! entries and head live, and the lock that serialises appends. The chain
//! itself (linking, hashing, checking) is `garita_engine::audit`.
//!
//! # Tables
//!
//! | table | key | value |
//! |---|---|---|
//! | `audit_entries` | `seq` (from 1) | `entry`: [`AuditEntry`] as `record_codec` bytes; `period_time` for exports |
//! | `audit_head` | one row | `seq`, `hash` of the last entry (0 and zeros when empty) |
//!
//! # One chain across processes
//!
//! Several daemons may append to one database, so the head cannot be a
//! mutex in one of them. Each append runs in a transaction that first
//! takes a transaction-scoped advisory lock ([`AUDIT_LOCK`]), then reads
//! the head, reads the write time (so entries are dated in chain order),
//! inserts its entries and the change they record, stores the new head,
//! and commits, which releases the lock. An advisory lock rather than
//! `SELECT ... FOR UPDATE` on the head row: it serialises appends even
//! when that row was removed, which `verify_audit` then reports. The
//! commit is durable before the call returns (`synchronous_commit` is
//! forced on for every connection).

use std::future::Future;
use std::pin::Pin;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use garita_engine::account::AccountKey;
use garita_engine::audit::{
    check_records, parse_hash, AuditEntry, AuditHead, AuditLog, AuditRecord, AuditReport,
    AuditedRecords, ChainCheck, ChainHead, PendingEntry, Rewritten,
};
use garita_engine::record_codec::{decode, encode};
use garita_engine::{StoreError, WriteTime};
use sqlx::{PgConnection, Row};

use crate::errors::{db_error, out_of_range};
use crate::store::PostgresStore;

/// Key of the advisory lock every append holds until its commit ("audit"
/// in ASCII, distinct from the migration lock).
pub(crate) const AUDIT_LOCK: i64 = 0x61_7564_6974;

/// Entries read per query while verifying.
const PAGE: i64 = 1024;

/// `seq` as the database's `bigint`.
fn db_seq(seq: u64) -> i64 {
    // Past i64::MAX no entry can exist: clamping keeps range reads exact.
    i64::try_from(seq).unwrap_or(i64::MAX)
}

/// A seq read from the database.
fn seq_of(value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| out_of_range("the seq of an audit entry", value))
}

/// Inside an append's transaction, on `url`'s database: waits for the
/// chain's lock and reads the head to append after.
pub(crate) fn lock_head<'a>(
    conn: &'a mut PgConnection,
    url: &'a str,
) -> Pin<Box<dyn Future<Output = Result<ChainHead, StoreError>> + Send + 'a>> {
    Box::pin(async move {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(AUDIT_LOCK)
            .execute(&mut *conn)
            .await
            .map_err(|e| db_error(url, "waiting for the audit chain's lock", e))?;
        let recorded = recorded_head(conn, url).await?;
        if let Some(head) = recorded.as_ref().and_then(ChainHead::parse) {
            return Ok(head);
        }
        // A missing or altered head must not stop every write: append after
        // the last entry; `garita audit verify` reports the damage.
        tracing::warn!(store = %url, "the audit chain's head is missing or unreadable; appending after the last entry (`garita audit verify` says more)");
        last_entry_head(conn, url).await
    })
}

/// The head as row `audit_head` records it (`None`: no row), not parsed:
/// an append, `audit_head`, verify and a backup's export each decide what
/// an unreadable one means.
pub(crate) async fn recorded_head(
    conn: &mut PgConnection,
    url: &str,
) -> Result<Option<AuditHead>, StoreError> {
    let failed = |e| db_error(url, "reading the audit chain's head", e);
    let Some(row) = sqlx::query("SELECT seq, hash FROM audit_head")
        .fetch_optional(&mut *conn)
        .await
        .map_err(failed)?
    else {
        return Ok(None);
    };
    let seq: i64 = row.try_get(0).map_err(failed)?;
    let hash: String = row.try_get(1).map_err(failed)?;
    Ok(Some(AuditHead {
        seq: seq_of(seq)?,
        hash,
    }))
}

/// The head the last stored entry gives (genesis when there is none).
async fn last_entry_head(conn: &mut PgConnection, url: &str) -> Result<ChainHead, StoreError> {
    let row = sqlx::query("SELECT seq, entry FROM audit_entries ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await
        .map_err(|e| db_error(url, "reading the last audit entry", e))?;
    let Some(row) = row else {
        return Ok(ChainHead::GENESIS);
    };
    let seq: i64 = row
        .try_get(0)
        .map_err(|e| db_error(url, "reading the last audit entry", e))?;
    let bytes: Vec<u8> = row
        .try_get(1)
        .map_err(|e| db_error(url, "reading the last audit entry", e))?;
    let hash = decode::<AuditEntry>(&bytes, String::new)
        .ok()
        .and_then(|entry| parse_hash(&entry.hash))
        .unwrap_or(garita_engine::audit::GENESIS_PREV_HASH);
    Ok(ChainHead {
        seq: seq_of(seq)?,
        hash,
    })
}

/// Inside an append's transaction: appends `pending`, written at `time`,
/// after `head` and advances `head`. The caller stores the final head with
/// [`store_head`] before committing.
pub(crate) fn append_in<'a>(
    conn: &'a mut PgConnection,
    url: &'a str,
    head: &'a mut ChainHead,
    pending: &'a PendingEntry,
    time: &'a WriteTime,
) -> Pin<Box<dyn Future<Output = Result<AuditEntry, StoreError>> + Send + 'a>> {
    Box::pin(async move {
        let (entry, next) = pending.chained(head, time);
        let bytes = encode(&entry, &format!("audit entry {}", entry.seq))?;
        sqlx::query("INSERT INTO audit_entries (seq, period_time, entry) VALUES ($1, $2, $3)")
            .bind(db_seq(entry.seq))
            .bind(entry.period_time())
            .bind(bytes)
            .execute(&mut *conn)
            .await
            .map_err(|e| db_error(url, "appending an audit entry", e))?;
        *head = next;
        Ok(entry)
    })
}

/// Entries chained in memory, in order, to be inserted in one statement by
/// a write that makes many ([`Self::insert_in`]): the chain is the same as
/// [`append_in`] one at a time would make.
#[derive(Debug, Default)]
pub(crate) struct ChainedEntries {
    seq: Vec<i64>,
    period_time: Vec<DateTime<Utc>>,
    entry: Vec<Vec<u8>>,
}

impl ChainedEntries {
    /// Chains `pending`, written at `time`, after `head` and advances
    /// `head`.
    pub(crate) fn push(
        &mut self,
        head: &mut ChainHead,
        pending: &PendingEntry,
        time: &WriteTime,
    ) -> Result<(), StoreError> {
        let (entry, next) = pending.chained(head, time);
        let bytes = encode(&entry, &format!("audit entry {}", entry.seq))?;
        self.seq.push(db_seq(entry.seq));
        self.period_time.push(entry.period_time());
        self.entry.push(bytes);
        *head = next;
        Ok(())
    }

    /// Inside the write's transaction: inserts every entry chained.
    pub(crate) fn insert_in<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        url: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send + 'a>> {
        Box::pin(async move {
            if self.seq.is_empty() {
                return Ok(());
            }
            sqlx::query(
                "INSERT INTO audit_entries (seq, period_time, entry)
                 SELECT * FROM UNNEST($1::bigint[], $2::timestamptz[], $3::bytea[])",
            )
            .bind(&self.seq)
            .bind(&self.period_time)
            .bind(&self.entry)
            .execute(&mut *conn)
            .await
            .map_err(|e| db_error(url, "appending audit entries", e))?;
            Ok(())
        })
    }
}

/// Inside an append's transaction: records `head` as the chain's head.
pub(crate) fn store_head<'a>(
    conn: &'a mut PgConnection,
    url: &'a str,
    head: &'a ChainHead,
) -> Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send + 'a>> {
    Box::pin(async move {
        let head = AuditHead::from(*head);
        sqlx::query(
            "INSERT INTO audit_head (only_row, seq, hash) VALUES (true, $1, $2)
             ON CONFLICT (only_row) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash",
        )
        .bind(db_seq(head.seq))
        .bind(head.hash)
        .execute(&mut *conn)
        .await
        .map_err(|e| db_error(url, "storing the audit chain's head", e))?;
        Ok(())
    })
}

impl PostgresStore {
    /// Decodes the `(seq, entry)` columns of `row`.
    fn entry_of(&self, row: &sqlx::postgres::PgRow) -> Result<(u64, Vec<u8>), StoreError> {
        let seq: i64 = row
            .try_get(0)
            .map_err(self.error("reading the audit log"))?;
        let bytes: Vec<u8> = row
            .try_get(1)
            .map_err(self.error("reading the audit log"))?;
        Ok((seq_of(seq)?, bytes))
    }

    fn decode_entry(seq: u64, bytes: &[u8]) -> Result<AuditEntry, StoreError> {
        decode(bytes, || {
            format!("audit entry {seq} (run `garita audit verify`)")
        })
    }

    /// Appends one entry reported to the log.
    async fn append_record(&self, record: AuditRecord) -> Result<AuditEntry, StoreError> {
        let pending = PendingEntry::new(record);
        let doing =
            "recording an audit entry (`garita audit verify` shows whether it was recorded)";
        let mut tx = self.pool.begin().await.map_err(self.error(doing))?;
        let mut head = lock_head(&mut tx, &self.url).await?;
        // Read under the lock, so that entries are dated in chain order.
        let time = self.clock.now();
        let entry = append_in(&mut tx, &self.url, &mut head, &pending, &time).await?;
        store_head(&mut tx, &self.url, &head).await?;
        tx.commit().await.map_err(self.error(doing))?;
        Ok(entry)
    }

    /// The chain check, in one snapshot: the head and the entries up to it
    /// as one commit left them.
    async fn check_chain(&self) -> Result<AuditReport, StoreError> {
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(self.error("verifying the audit log"))?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await
            .map_err(self.error("verifying the audit log"))?;
        let recorded = recorded_head(&mut tx, &self.url).await?;
        let (head, recorded) = match recorded.as_ref().and_then(ChainHead::parse) {
            Some(head) => (head, Ok(recorded)),
            None => {
                let head = last_entry_head(&mut tx, &self.url).await?;
                let recorded = match recorded {
                    None => Ok(None),
                    Some(r) => Err(format!("its hash {:?} is not 64 hex digits", r.hash)),
                };
                (head, recorded)
            }
        };
        let mut check = ChainCheck::new(head, recorded);
        let up_to = db_seq(check.up_to());
        let mut from = i64::MIN;
        loop {
            let rows = sqlx::query(
                "SELECT seq, entry FROM audit_entries WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3",
            )
            .bind(from)
            .bind(up_to)
            .bind(PAGE)
            .fetch_all(&mut *tx)
            .await
            .map_err(self.error("reading the audit log"))?;
            let Some(last) = rows.last() else {
                break;
            };
            let last: i64 = last
                .try_get(0)
                .map_err(self.error("reading the audit log"))?;
            for row in &rows {
                match self.entry_of(row) {
                    Ok((seq, bytes)) => check.slot(
                        seq,
                        decode::<AuditEntry>(&bytes, || format!("audit entry {seq}"))
                            .map_err(|e| e.to_string()),
                    ),
                    Err(e) => check.foreign_key(&e.to_string()),
                }
            }
            if last >= up_to {
                break;
            }
            from = last + 1;
        }
        tx.commit()
            .await
            .map_err(self.error("verifying the audit log"))?;
        Ok(check.finish())
    }
}

#[async_trait]
impl AuditLog for PostgresStore {
    async fn audit_head(&self) -> Result<AuditHead, StoreError> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(self.error("reading the audit chain's head"))?;
        let recorded = recorded_head(&mut conn, &self.url).await?;
        match recorded.as_ref().and_then(ChainHead::parse) {
            Some(head) => Ok(head.into()),
            None => Ok(last_entry_head(&mut conn, &self.url).await?.into()),
        }
    }

    async fn audit_entries(
        &self,
        from: u64,
        to: Option<u64>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let to = to.unwrap_or(u64::MAX);
        if from > to {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(
            "SELECT seq, entry FROM audit_entries WHERE seq >= $1 AND seq <= $2 ORDER BY seq",
        )
        .bind(db_seq(from))
        .bind(db_seq(to))
        .fetch_all(&self.pool)
        .await
        .map_err(self.error("reading the audit log"))?;
        rows.iter()
            .map(|row| {
                let (seq, bytes) = self.entry_of(row)?;
                Self::decode_entry(seq, &bytes)
            })
            .collect()
    }

    async fn audit_entries_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        if from >= to {
            return Ok(Vec::new());
        }
        // The column keeps microseconds and an entry's time may have
        // nanoseconds: select a microsecond wider, then exactly.
        let rows = sqlx::query(
            "SELECT seq, entry FROM audit_entries
             WHERE period_time >= $1 AND period_time < $2 ORDER BY seq",
        )
        .bind(from - Duration::microseconds(1))
        .bind(to + Duration::microseconds(1))
        .fetch_all(&self.pool)
        .await
        .map_err(self.error("reading the audit log"))?;
        let mut out = Vec::new();
        for row in &rows {
            let (seq, bytes) = self.entry_of(row)?;
            let entry = Self::decode_entry(seq, &bytes)?;
            let time = entry.period_time();
            if time >= from && time < to {
                out.push(entry);
            }
        }
        Ok(out)
    }

    async fn record_audit(&self, record: AuditRecord) -> Result<AuditEntry, StoreError> {
        let written = self.append_record(record).await;
        self.health.observe_write(written)
    }

    /// Checks the chain in one snapshot, then the records its entries
    /// refer to (entries appended meanwhile are the records check's to
    /// explain, as on sled).
    async fn verify_audit(&self) -> Result<AuditReport, StoreError> {
        let mut report = self.check_chain().await?;
        check_records(self, &mut report).await?;
        Ok(report)
    }
}

/// The records the entries refer to, as the bytes stored in their tables:
/// run events in `run_events`, account history in `account_history`,
/// tasks in `tasks`, outbox messages in `outbox`.
#[async_trait]
impl AuditedRecords for PostgresStore {
    async fn audit_page(
        &self,
        from: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Option<AuditEntry>)>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, entry FROM audit_entries WHERE seq >= $1 ORDER BY seq LIMIT $2",
        )
        .bind(db_seq(from))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await
        .map_err(self.error("reading the audit log"))?;
        rows.iter()
            .map(|row| {
                let (seq, bytes) = self.entry_of(row)?;
                // Unreadable entries are the chain check's to report.
                Ok((seq, decode::<AuditEntry>(&bytes, String::new).ok()))
            })
            .collect()
    }

    async fn stored_event(&self, run: &str, seq: u64) -> Result<Option<Vec<u8>>, StoreError> {
        self.stored_event_bytes(run, seq).await
    }

    async fn stored_event_seqs(&self, run: &str) -> Result<Vec<Option<u64>>, StoreError> {
        self.stored_seqs(run).await
    }

    async fn stored_history(
        &self,
        account: &AccountKey,
        seq: u64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        self.stored_history_entry(account, seq).await
    }

    async fn stored_current(
        &self,
        kind: Rewritten,
        id: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        match kind {
            Rewritten::Message => self.stored_message(id).await,
            Rewritten::Task => self.stored_task(id).await,
            Rewritten::User => self.stored_user(id).await,
        }
    }
}
