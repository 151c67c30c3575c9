//! The run read path. Each query reads only its answer through an index:
//! events by (run, seq), due timers and the next wake-up from the partial
//! index on `timer_at`, unfinished runs from the one on `unfinished_since`,
//! children from the one on (parent, step, index); `list_runs` walks the
//! runs newest first (ids sort by creation) and stops at its limit.
//!
//! `timer_at` keeps microseconds, while a `wake_at` may be finer: a timer
//! within a microsecond of `now` is decided from the summary's exact
//! instant, so a run is never due early.

use chrono::{DateTime, Duration, Utc};
use garita_engine::record_codec::decode;
use garita_engine::{RunEvent, RunFilter, RunId, RunRecord, StoreError, StoredEvent};
use serde::Deserialize;
use sqlx::postgres::PgRow;
use sqlx::Row;

use crate::ids::{check_id, record_int};
use crate::sources::attach;
use crate::store::PostgresStore;

/// A summary with its source text, as every run read selects it.
const SUMMARY_WITH_SOURCE: &str =
    "SELECT r.id, r.summary, s.source FROM runs r LEFT JOIN sources s ON s.digest = r.source_digest";

/// Unfinished runs, oldest first, from index `runs_unfinished`.
pub(crate) const UNFINISHED_RUNS: &str =
    "SELECT id FROM runs WHERE unfinished_since IS NOT NULL ORDER BY unfinished_since, id";

/// Timers up to `$2` (a microsecond past `now`'s), earliest first, from
/// index `runs_timer`; those from `$1` (`now` to the microsecond) on carry
/// their summary, to be decided exactly.
///
/// A run another process holds by a live lease is left out: it is being
/// driven, and each daemon sharing the database would otherwise try to
/// claim it on every look.
pub(crate) const DUE_RUNS: &str = "SELECT id, CASE WHEN timer_at >= $1 THEN summary END FROM runs
     WHERE timer_at IS NOT NULL AND timer_at <= $2
       AND NOT EXISTS (SELECT 1 FROM run_leases l
                       WHERE l.run_id = runs.id AND l.expires_at > clock_timestamp())
     ORDER BY timer_at, id";

/// The earliest timers to the microsecond, from index `runs_timer`; their
/// summaries have the exact instants.
pub(crate) const NEXT_WAKE: &str = "SELECT id, summary FROM runs
     WHERE timer_at IS NOT NULL
       AND timer_at <= (SELECT min(timer_at) FROM runs WHERE timer_at IS NOT NULL)
                       + interval '1 microsecond'";

/// The children of step `$2` of run `$1` by item index, from index
/// `runs_children` ([`SUMMARY_WITH_SOURCE`] with a condition).
pub(crate) const CHILDREN: &str = "SELECT r.id, r.summary, s.source
     FROM runs r LEFT JOIN sources s ON s.digest = r.source_digest
     WHERE r.parent_run = $1 AND r.parent_step = $2 ORDER BY r.parent_index, r.id";

/// The one field of a summary the timer queries need exactly.
#[derive(Deserialize)]
struct WakeAt {
    wake_at: Option<DateTime<Utc>>,
}

/// `at` cut to the microsecond below it (what the column keeps at most).
pub(crate) fn floor_micros(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at)
}

impl PostgresStore {
    /// A run read with [`SUMMARY_WITH_SOURCE`], its source attached.
    fn run_of(&self, row: &PgRow, doing: &str) -> Result<RunRecord, StoreError> {
        let id: String = row.try_get(0).map_err(self.error(doing))?;
        let summary: Vec<u8> = row.try_get(1).map_err(self.error(doing))?;
        let source: Option<Vec<u8>> = row.try_get(2).map_err(self.error(doing))?;
        let record = decode(&summary, || format!("summary of run {id}"))?;
        attach(record, source)
    }

    pub(crate) async fn read_run(&self, id: &str) -> Result<Option<RunRecord>, StoreError> {
        if check_id(id, "run id").is_err() {
            return Ok(None);
        }
        let doing = "reading a run";
        let row = sqlx::query(&format!("{SUMMARY_WITH_SOURCE} WHERE r.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.error(doing))?;
        row.map(|row| self.run_of(&row, doing)).transpose()
    }

    pub(crate) async fn read_events(&self, id: &str) -> Result<Vec<StoredEvent>, StoreError> {
        if check_id(id, "run id").is_err() {
            return Ok(Vec::new());
        }
        let doing = "reading events";
        let rows = sqlx::query("SELECT seq, event FROM run_events WHERE run_id = $1 ORDER BY seq")
            .bind(id)
            .fetch_all(&self.pool)
            .await
            .map_err(self.error(doing))?;
        rows.iter()
            .map(|row| {
                let seq: i64 = row.try_get(0).map_err(self.error(doing))?;
                let bytes: Vec<u8> = row.try_get(1).map_err(self.error(doing))?;
                let seq = record_int(seq, "an event seq")?;
                let event: RunEvent = decode(&bytes, || format!("event {seq} of run {id}"))?;
                Ok(StoredEvent { seq, event })
            })
            .collect()
    }

    /// The stored bytes of event `seq` of run `run`, for the audit
    /// records check.
    pub(crate) async fn stored_event_bytes(
        &self,
        run: &str,
        seq: u64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let (true, Ok(seq)) = (check_id(run, "run id").is_ok(), i64::try_from(seq)) else {
            return Ok(None);
        };
        sqlx::query_scalar("SELECT event FROM run_events WHERE run_id = $1 AND seq = $2")
            .bind(run)
            .bind(seq)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.error("reading an event"))
    }

    /// The seqs of every stored event of run `run`, for the audit records
    /// check (a negative one, which no write makes, is `None`).
    pub(crate) async fn stored_seqs(&self, run: &str) -> Result<Vec<Option<u64>>, StoreError> {
        if check_id(run, "run id").is_err() {
            return Ok(Vec::new());
        }
        let seqs: Vec<i64> =
            sqlx::query_scalar("SELECT seq FROM run_events WHERE run_id = $1 ORDER BY seq")
                .bind(run)
                .fetch_all(&self.pool)
                .await
                .map_err(self.error("reading events"))?;
        Ok(seqs.into_iter().map(|s| u64::try_from(s).ok()).collect())
    }

    pub(crate) async fn read_list_runs(
        &self,
        filter: &RunFilter,
    ) -> Result<Vec<RunRecord>, StoreError> {
        let doing = "listing runs";
        let statuses: Vec<&str> = filter.statuses.iter().map(|s| s.as_str()).collect();
        let limit = filter.limit.map(|l| i64::try_from(l).unwrap_or(i64::MAX));
        let rows = sqlx::query(&format!(
            "{SUMMARY_WITH_SOURCE}
             WHERE ($1::text IS NULL OR r.workflow = $1)
               AND (cardinality($2::text[]) = 0 OR r.status = ANY($2))
               AND ($4::text IS NULL OR r.id < $4)
             ORDER BY r.id DESC LIMIT $3"
        ))
        .bind(filter.workflow.as_deref())
        .bind(&statuses)
        .bind(limit)
        .bind(filter.before.as_deref())
        .fetch_all(&self.pool)
        .await
        .map_err(self.error(doing))?;
        rows.iter().map(|row| self.run_of(row, doing)).collect()
    }

    pub(crate) async fn read_unfinished_runs(&self) -> Result<Vec<RunId>, StoreError> {
        let doing = "listing unfinished runs";
        sqlx::query_scalar(UNFINISHED_RUNS)
            .fetch_all(&self.pool)
            .await
            .map_err(self.error(doing))
    }

    pub(crate) async fn read_due_runs(&self, now: DateTime<Utc>) -> Result<Vec<RunId>, StoreError> {
        let doing = "reading timers";
        let floor = floor_micros(now);
        let rows = sqlx::query(DUE_RUNS)
            .bind(floor)
            .bind(floor + Duration::microseconds(1))
            .fetch_all(&self.pool)
            .await
            .map_err(self.error(doing))?;
        let mut due = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: String = row.try_get(0).map_err(self.error(doing))?;
            let summary: Option<Vec<u8>> = row.try_get(1).map_err(self.error(doing))?;
            if let Some(summary) = summary {
                let exact: WakeAt = decode(&summary, || format!("summary of run {id}"))?;
                if exact.wake_at.is_none_or(|w| w > now) {
                    continue;
                }
            }
            due.push(id);
        }
        Ok(due)
    }

    pub(crate) async fn read_next_wake(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let doing = "reading timers";
        let rows = sqlx::query(NEXT_WAKE)
            .fetch_all(&self.pool)
            .await
            .map_err(self.error(doing))?;
        let mut earliest: Option<DateTime<Utc>> = None;
        for row in &rows {
            let id: String = row.try_get(0).map_err(self.error(doing))?;
            let summary: Vec<u8> = row.try_get(1).map_err(self.error(doing))?;
            let exact: WakeAt = decode(&summary, || format!("summary of run {id}"))?;
            earliest = match (earliest, exact.wake_at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        Ok(earliest)
    }

    pub(crate) async fn read_children(
        &self,
        parent: &str,
        step: &str,
    ) -> Result<Vec<RunRecord>, StoreError> {
        if check_id(parent, "run id").is_err() || check_id(step, "step id").is_err() {
            return Ok(Vec::new());
        }
        let doing = "reading child runs";
        let rows = sqlx::query(CHILDREN)
            .bind(parent)
            .bind(step)
            .fetch_all(&self.pool)
            .await
            .map_err(self.error(doing))?;
        rows.iter().map(|row| self.run_of(row, doing)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::floor_micros;
    use chrono::{DateTime, Duration};

    #[test]
    fn instants_are_cut_to_the_microsecond_below() {
        let at = DateTime::from_timestamp(1_772_000_000, 123_456_789).unwrap_or_default();
        assert_eq!(
            floor_micros(at),
            DateTime::from_timestamp(1_772_000_000, 123_456_000).unwrap_or_default()
        );
        let before_1970 = DateTime::from_timestamp(-1, 999_999_999).unwrap_or_default();
        assert!(floor_micros(before_1970) <= before_1970);
        assert!(before_1970 - floor_micros(before_1970) < Duration::microseconds(1));
    }
}
