//! The run write path: what one `create_run` or `append` writes, inside
//! the transaction of its group (`group_commit.rs`), which holds the audit
//! chain's lock: it checks the stored run, inserts the new events at
//! `record.next_seq..`, rewrites the summary row with its index columns
//! and appends one audit entry per event. A `create_run` over an existing
//! id, an `append` to a missing run and an `append` whose `next_seq` is
//! not the stored one (it would overwrite or skip events) are refused and
//! write nothing.

use chrono::{DateTime, Utc};
use garita_engine::audit::summaries;
use garita_engine::audit::{ChainHead, PendingEntry};
use garita_engine::record_codec::encode;
use garita_engine::{RunEvent, RunRecord, StoreError, WriteTime};
use sqlx::PgConnection;

use crate::audit::append_in;
use crate::errors::db_error;
use crate::ids::{check_id, db_int, record_int};
use crate::sources::{detach, named_digest};
use crate::store::{InTx, PostgresStore};

/// Whether the run must be new or must exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WriteKind {
    /// `create_run`: the id must be free.
    Create,
    /// `append`: the run must exist with `next_seq` equal to the caller's.
    Append,
}

/// The copies of a summary's fields the `runs` row keeps for its indexes
/// and filters (see migration 3). An import derives them the same way.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RunColumns {
    pub(crate) workflow: String,
    pub(crate) status: &'static str,
    pub(crate) next_seq: i64,
    /// `wake_at` while the run is unfinished: its timer.
    pub(crate) timer_at: Option<DateTime<Utc>>,
    /// `created_at` while the run is unfinished.
    pub(crate) unfinished_since: Option<DateTime<Utc>>,
    pub(crate) parent: Option<(String, String, i64)>,
    pub(crate) source_digest: Option<String>,
}

impl RunColumns {
    /// The columns of stored summary `summary` (its source already
    /// detached, or the text itself).
    pub(crate) fn of(summary: &RunRecord) -> Result<Self, StoreError> {
        // Terminal runs leave the timer and unfinished indexes, so
        // `due_runs` and `unfinished_runs` never see them.
        let live = !summary.status.is_terminal();
        Ok(Self {
            workflow: summary.workflow.clone(),
            status: summary.status.as_str(),
            next_seq: db_int(summary.next_seq, "the next event seq of a run")?,
            timer_at: summary.wake_at.filter(|_| live),
            unfinished_since: live.then_some(summary.created_at),
            parent: summary
                .parent
                .as_ref()
                .map(|p| (p.run_id.clone(), p.step_id.clone(), i64::from(p.index))),
            source_digest: named_digest(summary).map(str::to_owned),
        })
    }
}

/// Everything a commit writes, encoded before the transaction so the time
/// spent holding the chain's lock is only the statements.
#[derive(Debug)]
pub(crate) struct RunWrite {
    kind: WriteKind,
    id: String,
    /// The caller's `next_seq`: where the new events go.
    base_seq: u64,
    /// `next_seq` after the write.
    next_seq: u64,
    summary: Vec<u8>,
    columns: RunColumns,
    /// The workflow source (digest, text), written with a run's creation.
    source: Option<(String, Vec<u8>)>,
    event_seqs: Vec<i64>,
    events: Vec<Vec<u8>>,
    /// One audit entry per event.
    audit: Vec<PendingEntry>,
}

/// Encodes `record` with `events` appended at `record.next_seq..`.
fn prepare(
    kind: WriteKind,
    record: &RunRecord,
    events: &[RunEvent],
) -> Result<RunWrite, StoreError> {
    check_id(&record.id, "run id")?;
    if let Some(parent) = &record.parent {
        check_id(&parent.run_id, "parent run id")?;
        check_id(&parent.step_id, "parent step id")?;
    }
    let base_seq = record.next_seq;
    let mut event_seqs = Vec::with_capacity(events.len());
    let mut encoded = Vec::with_capacity(events.len());
    let mut audit = Vec::with_capacity(events.len());
    for (seq, event) in (base_seq..).zip(events) {
        let bytes = encode(event, &format!("event {seq} of run {}", record.id))?;
        audit.push(PendingEntry::new(summaries::run_event(
            record, seq, event, &bytes,
        )));
        event_seqs.push(db_int(seq, "an event seq")?);
        encoded.push(bytes);
    }
    let next_seq = base_seq + events.len() as u64;
    let (mut summary, digest, text) = detach(record);
    summary.next_seq = next_seq;
    Ok(RunWrite {
        kind,
        id: record.id.clone(),
        base_seq,
        next_seq,
        summary: encode(&summary, &format!("summary of run {}", record.id))?,
        columns: RunColumns::of(&summary)?,
        source: (kind == WriteKind::Create).then_some((digest, text)),
        event_seqs,
        events: encoded,
        audit,
    })
}

impl PostgresStore {
    /// Writes one commit (with the commits queued meanwhile, see
    /// `group_commit.rs`); on success advances `record.next_seq`, on
    /// failure leaves `record` unchanged.
    pub(crate) async fn commit_run(
        &self,
        kind: WriteKind,
        record: &mut RunRecord,
        events: &[RunEvent],
    ) -> Result<(), StoreError> {
        let prepared = prepare(kind, record, events)?;
        let next_seq = prepared.next_seq;
        let written = self.group.commit(self, prepared).await;
        self.health.observe_write(written)?;
        record.next_seq = next_seq;
        Ok(())
    }
}

/// Inside a group's transaction, after the chain's lock: checks the stored
/// run and writes `write`'s events, summary row and audit entries (dated
/// `time`) after `head`, advancing it. A refusal returns before anything
/// is written.
pub(crate) fn write_one<'a>(
    conn: &'a mut PgConnection,
    url: &'a str,
    write: &'a RunWrite,
    head: &'a mut ChainHead,
    time: &'a WriteTime,
) -> InTx<'a, ()> {
    Box::pin(async move {
        let doing = format!(
            "writing run {} (`garita runs show {}` shows what was recorded)",
            write.id, write.id
        );
        let failed = |e| db_error(url, &doing, e);
        let stored: Option<i64> =
            sqlx::query_scalar("SELECT next_seq FROM runs WHERE id = $1 FOR UPDATE")
                .bind(&write.id)
                .fetch_optional(&mut *conn)
                .await
                .map_err(failed)?;
        check_previous(write, stored)?;
        if let Some((digest, text)) = &write.source {
            sqlx::query(
                "INSERT INTO sources (digest, source) VALUES ($1, $2) ON CONFLICT (digest) DO NOTHING",
            )
            .bind(digest)
            .bind(text)
            .execute(&mut *conn)
            .await
            .map_err(failed)?;
        }
        sqlx::query(
            "INSERT INTO run_events (run_id, seq, event)
             SELECT $1, seq, event FROM UNNEST($2::bigint[], $3::bytea[]) AS e(seq, event)",
        )
        .bind(&write.id)
        .bind(&write.event_seqs)
        .bind(&write.events)
        .execute(&mut *conn)
        .await
        .map_err(failed)?;
        upsert_run(conn, &write.id, &write.columns, &write.summary)
            .await
            .map_err(failed)?;
        for pending in &write.audit {
            append_in(conn, url, head, pending, time).await?;
        }
        Ok(())
    })
}

/// Inserts or rewrites the `runs` row of run `id` (also what an import
/// writes).
pub(crate) fn upsert_run<'a>(
    conn: &'a mut PgConnection,
    id: &'a str,
    columns: &'a RunColumns,
    summary: &'a [u8],
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), sqlx::Error>> + Send + 'a>> {
    Box::pin(async move {
        let (parent_run, parent_step, parent_index) = match &columns.parent {
            Some((run, step, index)) => (Some(run.as_str()), Some(step.as_str()), Some(*index)),
            None => (None, None, None),
        };
        sqlx::query(
            "INSERT INTO runs (id, workflow, status, next_seq, timer_at, unfinished_since,
                               parent_run, parent_step, parent_index, source_digest, summary)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (id) DO UPDATE SET
                 workflow = EXCLUDED.workflow, status = EXCLUDED.status,
                 next_seq = EXCLUDED.next_seq, timer_at = EXCLUDED.timer_at,
                 unfinished_since = EXCLUDED.unfinished_since,
                 parent_run = EXCLUDED.parent_run, parent_step = EXCLUDED.parent_step,
                 parent_index = EXCLUDED.parent_index,
                 source_digest = EXCLUDED.source_digest, summary = EXCLUDED.summary",
        )
        .bind(id)
        .bind(&columns.workflow)
        .bind(columns.status)
        .bind(columns.next_seq)
        .bind(columns.timer_at)
        .bind(columns.unfinished_since)
        .bind(parent_run)
        .bind(parent_step)
        .bind(parent_index)
        .bind(columns.source_digest.as_deref())
        .bind(summary)
        .execute(&mut *conn)
        .await
        .map(drop)
    })
}

/// Refuses a create over an existing run, an append to a missing run and an
/// append from a stale copy (`stored` is the stored `next_seq`).
fn check_previous(write: &RunWrite, stored: Option<i64>) -> Result<(), StoreError> {
    match (write.kind, stored) {
        (WriteKind::Create, None) => Ok(()),
        (WriteKind::Create, Some(_)) => Err(StoreError::RunExists(write.id.clone())),
        (WriteKind::Append, None) => Err(StoreError::NoSuchRun(write.id.clone())),
        (WriteKind::Append, Some(stored)) => {
            let stored = record_int(stored, "the next event seq of a run")?;
            if stored != write.base_seq {
                // Writing anyway would overwrite or skip events. The
                // sequence number is the run's revision: a driver whose copy
                // is stale (another driver wrote since) is refused.
                return Err(StoreError::Conflict {
                    what: format!("run {}", write.id),
                    expected: write.base_seq,
                    found: stored,
                });
            }
            Ok(())
        }
    }
}
