//! The audit entry of a daemon reload: which workflow definitions are in
//! force afterwards, each with the SHA-256 of its source, so the log shows
//! exactly which rules ran from when.

use std::path::Path;

use chrono::{DateTime, Utc};
use garita_engine::schedule::LoadedWorkflow;
use garita_store::audit::{config_reload, digest};
use garita_store::SledStore;
use serde_json::json;

/// Records that the daemon reloaded `dir` at `at` because of `trigger`
/// (`SIGHUP`, `files changed`), leaving `workflows` in force; returns once
/// durable. A failure is logged, not returned: the reload has happened
/// either way, and the daemon goes on.
pub async fn record_reload(
    store: &SledStore,
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
