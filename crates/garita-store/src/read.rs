//! The read path: queries over the trees, each costing time in proportion to
//! its answer where the key layout allows (events, due timers, unfinished
//! runs, children); `list_runs` walks the summaries newest first and stops at
//! its limit.

use std::path::Path;

use chrono::{DateTime, Utc};
use garita_engine::{RunEvent, RunFilter, RunId, RunRecord, StoreError, StoredEvent};

use crate::codec::decode;
use crate::errors::sled_error;
use crate::keys::{
    check_id, child_prefix, event_prefix, parse_timer_key, seq_of_event_key, timer_scan_end,
};
use crate::trees::Trees;

/// The summary of run `id`.
pub(crate) fn run(trees: &Trees, path: &Path, id: &str) -> Result<Option<RunRecord>, StoreError> {
    if check_id(id, "run id").is_err() {
        return Ok(None);
    }
    let stored = trees
        .runs
        .get(id.as_bytes())
        .map_err(|e| sled_error(path, "reading a run", e))?;
    stored
        .map(|bytes| decode(&bytes, || format!("summary of run {id}")))
        .transpose()?
        .map(|record| crate::sources::attach(trees, path, record))
        .transpose()
}

/// Every event of run `id`, in order (empty for an unknown run).
pub(crate) fn events(trees: &Trees, path: &Path, id: &str) -> Result<Vec<StoredEvent>, StoreError> {
    if check_id(id, "run id").is_err() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for entry in trees.events.scan_prefix(event_prefix(id)) {
        let (key, value) = entry.map_err(|e| sled_error(path, "reading events", e))?;
        let seq = seq_of_event_key(&key).ok_or_else(|| StoreError::Corrupt {
            what: format!("an event key of run {id}"),
            detail: format!("{} bytes, too short to hold a sequence number", key.len()),
        })?;
        let event: RunEvent = decode(&value, || format!("event {seq} of run {id}"))?;
        out.push(StoredEvent { seq, event });
    }
    Ok(out)
}

/// Runs matching `filter`, newest first (run ids are ULIDs, so id order is
/// creation order).
pub(crate) fn list_runs(
    trees: &Trees,
    path: &Path,
    filter: &RunFilter,
) -> Result<Vec<RunRecord>, StoreError> {
    let limit = filter.limit.unwrap_or(usize::MAX);
    let mut out = Vec::new();
    let page = match &filter.before {
        Some(id) => trees.runs.range(..id.as_bytes()),
        None => trees.runs.iter(),
    };
    for entry in page.rev() {
        if out.len() >= limit {
            break;
        }
        let (key, value) = entry.map_err(|e| sled_error(path, "listing runs", e))?;
        let record: RunRecord = decode(&value, || {
            format!("summary of run {}", String::from_utf8_lossy(&key))
        })?;
        let status_ok = filter.statuses.is_empty() || filter.statuses.contains(&record.status);
        let workflow_ok = filter
            .workflow
            .as_ref()
            .is_none_or(|w| &record.workflow == w);
        if status_ok && workflow_ok {
            out.push(crate::sources::attach(trees, path, record)?);
        }
    }
    Ok(out)
}

/// Ids of unfinished runs, oldest first.
pub(crate) fn unfinished_runs(trees: &Trees, path: &Path) -> Result<Vec<RunId>, StoreError> {
    trees
        .unfinished
        .iter()
        .values()
        .map(|value| {
            let value = value.map_err(|e| sled_error(path, "listing unfinished runs", e))?;
            id_from_bytes(&value, "unfinished-runs index")
        })
        .collect()
}

/// Ids of unfinished runs with `wake_at <= now`, earliest first. Reads only
/// the due timer keys (plus the summaries of those in `now`'s own
/// millisecond, where the key's precision is not enough to decide).
pub(crate) fn due_runs(
    trees: &Trees,
    path: &Path,
    now: DateTime<Utc>,
) -> Result<Vec<RunId>, StoreError> {
    let now_millis = now.timestamp_millis();
    let mut due = Vec::new();
    for entry in trees.timers.range(..timer_scan_end(now)) {
        let (key, _) = entry.map_err(|e| sled_error(path, "reading timers", e))?;
        let (millis, id) = parse_timer(&key)?;
        if millis == now_millis && !wakes_by(trees, path, id, now)? {
            continue;
        }
        due.push(id.to_string());
    }
    Ok(due)
}

/// The earliest `wake_at` of any unfinished run.
pub(crate) fn next_wake(trees: &Trees, path: &Path) -> Result<Option<DateTime<Utc>>, StoreError> {
    let Some((key, _)) = trees
        .timers
        .first()
        .map_err(|e| sled_error(path, "reading timers", e))?
    else {
        return Ok(None);
    };
    let (millis, id) = parse_timer(&key)?;
    // The summary has the exact instant; the key only its millisecond.
    let exact = run(trees, path, id)?.and_then(|r| r.wake_at);
    Ok(exact.or_else(|| DateTime::from_timestamp_millis(millis)))
}

/// The child runs of `for_each` step `step` of run `parent`, by item index.
pub(crate) fn children(
    trees: &Trees,
    path: &Path,
    parent: &str,
    step: &str,
) -> Result<Vec<RunRecord>, StoreError> {
    if check_id(parent, "run id").is_err() || check_id(step, "step id").is_err() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for entry in trees.children.scan_prefix(child_prefix(parent, step)) {
        let (_, value) = entry.map_err(|e| sled_error(path, "reading child runs", e))?;
        let id = id_from_bytes(&value, "children index")?;
        let record = run(trees, path, &id)?.ok_or_else(|| StoreError::Corrupt {
            what: format!("children index of run {parent}, step {step}"),
            detail: format!("it names run {id}, which does not exist"),
        })?;
        out.push(record);
    }
    Ok(out)
}

/// True when run `id`'s exact `wake_at` is at or before `now`.
fn wakes_by(trees: &Trees, path: &Path, id: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let record = run(trees, path, id)?;
    Ok(record.is_some_and(|r| !r.status.is_terminal() && r.wake_at.is_some_and(|w| w <= now)))
}

fn parse_timer(key: &[u8]) -> Result<(i64, &str), StoreError> {
    parse_timer_key(key).ok_or_else(|| StoreError::Corrupt {
        what: "a timer index key".into(),
        detail: format!(
            "{} bytes that are not an instant followed by a UTF-8 run id",
            key.len()
        ),
    })
}

fn id_from_bytes(bytes: &[u8], what: &str) -> Result<RunId, StoreError> {
    String::from_utf8(bytes.to_vec()).map_err(|e| StoreError::Corrupt {
        what: format!("an entry of the {what}"),
        detail: format!("not a UTF-8 run id: {e}"),
    })
}
