//! What each kind of change records: its kind, subject, actor, time and a
//! short JSON summary. Summaries name things and say what happened; bulky
//! payloads (step outputs, signal data, email bodies) are represented by the
//! SHA-256 of the stored record instead, which ties the entry to the exact
//! bytes the store kept without copying them. Nothing here can carry a
//! secret the store does not already hold: inputs declared secret are `***`
//! in the run's record before it reaches the store.

use crate::account::{EmittedEvent, HistoryEntry};
use crate::outbox::OutboxEntry;
use crate::run::{RunEvent, RunRecord};
use crate::task::{Task, TaskStatus};
use crate::user::{User, UserChange};
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::entry::{hex, AuditRecord};

/// Kind of the entry of every run event.
pub const RUN_EVENT: &str = "run.event";
/// Kind of the entry of a run whose step-level events retention removed.
pub const RUN_PRUNED: &str = "run.pruned";
/// Kind of the entry of a new account.
pub const ACCOUNT_CREATED: &str = "account.created";
/// Kind of the entry of a changed account.
pub const ACCOUNT_CHANGED: &str = "account.changed";
/// Kind of the entry of an event queued for the daemon (`account.offboarded`, ...).
pub const EVENT_EMITTED: &str = "event.emitted";
/// Kind of the entry of a configuration reload by the daemon.
pub const CONFIG_RELOAD: &str = "config.reload";
/// Kind of the entry recording one periodic access review of a company's
/// users on one portal (OEA profile 9.2): who confirmed which accounts and
/// which were flagged. An evidence report counts these.
pub const COMPLIANCE_ACCESS_REVIEW: &str = "compliance.access_review";
/// Kind of the entry recording a company's yearly security-profile update
/// (regla 7.2.1). An evidence report counts these.
pub const COMPLIANCE_PROFILE_UPDATE: &str = "compliance.profile_update";

/// Fields of a run event that are bulky or free-form: left out of the
/// summary, which carries the stored event's digest instead.
const BULKY_EVENT_FIELDS: [&str; 5] = ["output", "outputs", "data", "items", "at"];

/// Lower-case hex SHA-256 of `bytes`: how summaries refer to stored records.
pub fn digest(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The entry of event `seq` of `record`, stored as `stored` bytes.
pub fn run_event(record: &RunRecord, seq: u64, event: &RunEvent, stored: &[u8]) -> AuditRecord {
    let mut summary = match serde_json::to_value(event) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    for field in BULKY_EVENT_FIELDS {
        summary.remove(field);
    }
    if let Some(kind) = summary.remove("type") {
        summary.insert("event".into(), kind);
    }
    summary.insert("seq".into(), json!(seq));
    summary.insert("workflow".into(), json!(record.workflow));
    if matches!(event, RunEvent::RunCreated { .. }) {
        // Inputs as the store keeps them: secret ones are already `***`.
        summary.insert("inputs".into(), record.inputs.clone());
        summary.insert("source_path".into(), json!(record.source_path));
        if let Some(parent) = &record.parent {
            summary.insert("parent_run".into(), json!(parent.run_id));
        }
    }
    summary.insert("event_sha256".into(), json!(digest(stored)));
    AuditRecord {
        at: event.at(),
        kind: RUN_EVENT.into(),
        subject: record.id.clone(),
        actor: None,
        summary: Value::Object(summary),
    }
}

/// The entry of pruning run `record` (finished): its events with seqs in
/// `removed` (`from..to`, see [`crate::prunable_seqs`]) were removed at
/// `at`. Their `run.event` entries stay in the log, with their digests:
/// this entry is what tells `audit verify` that their absence is retention,
/// not tampering, and an auditor when and what was removed.
pub fn run_pruned(
    record: &RunRecord,
    removed: std::ops::Range<u64>,
    at: DateTime<Utc>,
) -> AuditRecord {
    AuditRecord {
        at,
        kind: RUN_PRUNED.into(),
        subject: record.id.clone(),
        actor: None,
        summary: json!({
            "workflow": record.workflow,
            "status": record.status.as_str(),
            "finished_at": record.updated_at,
            "from_seq": removed.start,
            "to_seq": removed.end,
            "events_removed": removed.end.saturating_sub(removed.start),
        }),
    }
}

/// The event seqs a `run.pruned` entry says were removed (`from..to`).
pub fn pruned_seqs(summary: &Value) -> Option<std::ops::Range<u64>> {
    Some(summary["from_seq"].as_u64()?..summary["to_seq"].as_u64()?)
}

/// The entry of a console user's write (`user.added`, `user.disabled`,
/// `user.password_changed`), by `change.actor`. The summary names the role
/// and the state and carries the digest of the stored record; never the
/// password hash.
pub fn user(user: &User, change: &UserChange, stored: &[u8]) -> AuditRecord {
    AuditRecord {
        at: change.at,
        kind: change.kind.audit_kind().into(),
        subject: user.email.clone(),
        actor: Some(change.actor.clone()),
        summary: json!({
            "role": user.role.as_str(),
            "disabled": user.disabled,
            "language": user.language.as_str(),
            "revision": user.revision,
            "user_sha256": digest(stored),
        }),
    }
}

/// The entry of a task write; `ended_at` is when its run ended, for a task
/// cancelled with it (a task records no time of its own for that).
pub fn task(task: &Task, stored: &[u8], ended_at: Option<DateTime<Utc>>) -> AuditRecord {
    let (kind, at, actor) = match (&task.answer, task.status) {
        (_, TaskStatus::Open) => ("task.opened", task.created_at, None),
        (Some(answer), TaskStatus::Completed | TaskStatus::Rejected) => {
            ("task.answered", answer.at, answer.by.clone())
        }
        (_, TaskStatus::Expired) => ("task.expired", task.due.unwrap_or(task.created_at), None),
        (_, TaskStatus::Cancelled) => ("task.cancelled", ended_at.unwrap_or(task.created_at), None),
        (None, TaskStatus::Completed | TaskStatus::Rejected) => {
            ("task.answered", task.created_at, None)
        }
    };
    let mut summary = json!({
        "run": task.run_id,
        "step": task.step_id,
        "workflow": task.workflow,
        "title": task.title,
        "status": task.status.as_str(),
        "assignee": task.assignee,
        "due": task.due,
        "task_sha256": digest(stored),
    });
    if let Some(answer) = &task.answer {
        summary["answer"] = json!({
            "outcome": answer.outcome.as_str(),
            "fields": answer.fields,
            "note": answer.note,
        });
    }
    AuditRecord {
        at,
        kind: kind.into(),
        subject: task.id.clone(),
        actor,
        summary,
    }
}

/// The entry of an outbox write: `email.queued`, `email.sending`,
/// `email.sent` or `email.failed`. Recipients and subject are evidence; the
/// body is represented by the record's digest.
pub fn outbox(entry: &OutboxEntry, stored: &[u8]) -> AuditRecord {
    let mut summary = json!({
        "run": entry.run_id,
        "step": entry.step_id,
        "attempt": entry.attempt,
        "attempts": entry.attempts,
        "status": entry.status.as_str(),
        "error": entry.error,
        "outbox_sha256": digest(stored),
    });
    for field in ["to", "cc", "bcc", "subject"] {
        if let Some(value) = entry.input.get(field) {
            summary[field] = value.clone();
        }
    }
    AuditRecord {
        at: entry.updated_at,
        kind: format!("email.{}", entry.status.as_str()),
        subject: entry.message_id.clone(),
        actor: None,
        summary,
    }
}

/// The entry of an account write recorded as history `entry`.
pub fn account(account: &str, created: bool, entry: &HistoryEntry, stored: &[u8]) -> AuditRecord {
    let changes: Vec<Value> = entry
        .changes
        .iter()
        .map(|c| json!({"field": c.field, "old": c.old, "new": c.new}))
        .collect();
    AuditRecord {
        at: entry.at,
        kind: if created {
            ACCOUNT_CREATED
        } else {
            ACCOUNT_CHANGED
        }
        .into(),
        subject: account.to_owned(),
        actor: Some(entry.by.clone()),
        summary: json!({
            "history_seq": entry.seq,
            "reason": entry.reason,
            "changes": changes,
            "history_sha256": digest(stored),
        }),
    }
}

/// The entry of an event queued for the daemon.
pub fn emitted(event: &EmittedEvent, stored: &[u8]) -> AuditRecord {
    AuditRecord {
        at: event.at,
        kind: EVENT_EMITTED.into(),
        subject: event.name.clone(),
        actor: None,
        summary: json!({"id": event.id, "event_sha256": digest(stored)}),
    }
}

/// The entry of a compliance record (`kind` one of
/// [`COMPLIANCE_ACCESS_REVIEW`], [`COMPLIANCE_PROFILE_UPDATE`]): what was
/// reviewed or updated (`subject`), by whom, and its facts in `summary`.
/// Append it with [`super::AuditLog::record_audit`].
pub fn compliance(
    kind: &str,
    at: DateTime<Utc>,
    subject: &str,
    actor: &str,
    summary: Value,
) -> AuditRecord {
    AuditRecord {
        at,
        kind: kind.to_owned(),
        subject: subject.to_owned(),
        actor: Some(actor.to_owned()),
        summary,
    }
}

/// The entry of a configuration reload: the daemon reloaded its workflows
/// from `source` (a directory or file) at `at`; `summary` says what is in
/// force afterwards. Append it with [`super::AuditLog::record_audit`].
pub fn config_reload(at: DateTime<Utc>, source: &str, summary: Value) -> AuditRecord {
    AuditRecord {
        at,
        kind: CONFIG_RELOAD.into(),
        subject: source.to_owned(),
        actor: None,
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_event_summaries_leave_bulky_fields_out() {
        let at = DateTime::from_timestamp(1_772_000_000, 0).unwrap();
        let record = RunRecord {
            id: "01R".into(),
            workflow: "wf".into(),
            source: String::new(),
            source_path: "wf.yaml".into(),
            inputs: json!({"token": "***", "ruc": "1790011674001"}),
            parent: None,
            status: crate::run::RunStatus::Running,
            created_at: at,
            updated_at: at,
            next_seq: 0,
            wake_at: None,
            error: None,
            scope: Value::Null,
        };
        let event = RunEvent::StepSucceeded {
            step: "s".into(),
            attempt: 1,
            output: json!({"big": "x".repeat(1000)}),
            at,
        };
        let entry = run_event(&record, 4, &event, b"stored");
        assert_eq!(entry.subject, "01R");
        assert_eq!(entry.at, at);
        assert_eq!(
            entry.summary,
            json!({"event": "step_succeeded", "step": "s", "attempt": 1, "seq": 4,
                   "workflow": "wf", "event_sha256": digest(b"stored")})
        );
        let created = run_event(&record, 0, &RunEvent::RunCreated { at }, b"c");
        assert_eq!(created.summary["inputs"]["token"], "***");
    }
}
