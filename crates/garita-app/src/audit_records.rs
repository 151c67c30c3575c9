//! Audit entries the application appends for changes the engine does not
//! make itself: a schedule paused or unpaused, the daemon's workflows
//! reloaded (with the SHA-256 of each source in force, so the log shows
//! exactly which rules ran from when).

use std::path::Path;

use chrono::{DateTime, Utc};
use garita_engine::audit::{config_reload, digest, AuditLog, AuditRecord};
use garita_engine::schedule::{LoadedWorkflow, TriggerKey};
use serde_json::json;

use crate::AppError;

/// Records that the schedule triggers `keys` of `workflow` were paused (or
/// unpaused) at `at`. Appended in its own transaction right after the
/// pause is durable: the schedule store records no time a pause could be
/// dated by. Returns once the entry is durable.
pub async fn record_pause(
    store: &dyn AuditLog,
    at: DateTime<Utc>,
    workflow: &str,
    paused: bool,
    keys: &[TriggerKey],
) -> Result<(), AppError> {
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

/// Records that the daemon reloaded `dir` at `at` because of `trigger`
/// (`SIGHUP`, `files changed`), leaving `workflows` in force; returns once
/// durable. A failure is logged, not returned: the reload has happened
/// either way, and the daemon goes on.
pub async fn record_reload(
    store: &dyn AuditLog,
    at: DateTime<Utc>,
    dir: &Path,
    trigger: &str,
    workflows: &[LoadedWorkflow],
) {
    let in_force: Vec<_> = workflows
        .iter()
        .map(|w| {
            json!({
                "name": w.workflow.name,
                "path": w.path,
                "source_sha256": digest(w.source.as_bytes()),
            })
        })
        .collect();
    let summary = json!({"trigger": trigger, "workflows": in_force});
    let record = config_reload(at, &dir.display().to_string(), summary);
    if let Err(e) = store.record_audit(record).await {
        tracing::error!(error = %e, "cannot record the reload in the audit log; `garita audit verify` will not show it");
    }
}
