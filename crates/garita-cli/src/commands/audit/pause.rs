//! The audit entry of `garita schedules pause|unpause`.

use chrono::{DateTime, Utc};
use garita_engine::schedule::TriggerKey;
use garita_store::{AuditRecord, SledStore};
use serde_json::json;

/// Records that the schedule triggers `keys` of `workflow` were paused (or
/// unpaused) at `at`. Appended in its own transaction right after the
/// pause is durable: the schedule store records no time a pause could be
/// dated by. Returns once the entry is durable.
pub async fn record_pause(
    store: &SledStore,
    at: DateTime<Utc>,
    workflow: &str,
    paused: bool,
    keys: &[TriggerKey],
) -> anyhow::Result<()> {
    let triggers: Vec<String> = keys.iter().map(ToString::to_string).collect();
    let kind = if paused {
        "schedule.paused"
    } else {
        "schedule.unpaused"
    };
    let record = AuditRecord {
        at,
        kind: kind.into(),
        subject: workflow.to_owned(),
        actor: None,
        summary: json!({"triggers": triggers}),
    };
    store.record_audit(record).await?;
    Ok(())
}
