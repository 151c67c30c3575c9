//! The `compliance` connector: workflows record a periodic review as an
//! audit entry of its own kind, which an evidence report can count.
//!
//! `compliance.record_access_review` appends one
//! `compliance.access_review` entry (OEA profile 9.2: user details kept
//! current and misuse detected): which company and portal, the day, who
//! reviewed, which accounts were confirmed and which flagged. It is
//! answered here, in front of the other connectors, because only the
//! application holds the audit log; connectors never see the store.
//!
//! A step that runs again after a crash (before its success was durable)
//! finds the entry its run and step already wrote among the newest ones and
//! answers from it instead of writing a second one.

use std::sync::Arc;

use async_trait::async_trait;
use garita_engine::audit::{compliance, AuditLog, COMPLIANCE_ACCESS_REVIEW};
use garita_engine::Connectors;
use garita_sdk::{ActionError, ActionSpec, FieldError, InvokeContext, Manifest};
use serde_json::{json, Value};

/// The connector's name in `uses:`.
pub const CONNECTOR: &str = "compliance";
/// `compliance.record_access_review`.
const ACCESS_REVIEW: &str = "record_access_review";
/// How far back (in entries) a step that runs again looks for its own.
const REPLAY_LOOKBACK: u64 = 10_000;

/// Connectors with `compliance.*` answered over the audit log.
pub struct ComplianceConnectors {
    inner: Arc<dyn Connectors>,
    /// None: declared only (validation, `plugins list`).
    audit: Option<Arc<dyn AuditLog>>,
}

impl ComplianceConnectors {
    /// `inner` with `compliance.*` recorded in `audit`.
    pub fn new(inner: Arc<dyn Connectors>, audit: Arc<dyn AuditLog>) -> Self {
        Self {
            inner,
            audit: Some(audit),
        }
    }

    /// `inner` with `compliance.*` declared only: a call says no store is open.
    pub fn declared_only(inner: Arc<dyn Connectors>) -> Self {
        Self { inner, audit: None }
    }

    async fn record_access_review(
        &self,
        audit: &dyn AuditLog,
        ctx: &InvokeContext,
        input: &Value,
    ) -> Result<Value, ActionError> {
        let text = |name: &str| -> Result<String, ActionError> {
            input
                .get(name)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| {
                    ActionError::invalid(
                        format!("`{name}` is required"),
                        vec![FieldError::new(
                            format!("/{name}"),
                            "give a non-empty text".to_owned(),
                        )],
                    )
                })
        };
        let portal = text("portal")?;
        let tax_id = text("tax_id")?;
        let reviewer = text("reviewer")?;
        let reviewed_on = text("reviewed_on")?;
        if chrono::NaiveDate::parse_from_str(&reviewed_on, "%Y-%m-%d").is_err() {
            return Err(ActionError::invalid(
                format!("`reviewed_on` is not a date: {reviewed_on}"),
                vec![FieldError::new(
                    "/reviewed_on",
                    "write it as YYYY-MM-DD".to_owned(),
                )],
            ));
        }
        let list = |name: &str| input.get(name).cloned().unwrap_or_else(|| json!([]));
        let run = ctx.idempotency_key.run_id.to_string();
        let step = ctx.idempotency_key.step_id.to_string();
        let subject = format!("{portal}:{tax_id}");
        if let Some(seq) = earlier_entry(audit, &subject, &run, &step).await? {
            return Ok(json!({"recorded": true, "seq": seq, "replayed": true}));
        }
        let confirmed = list("confirmed");
        let flagged = list("flagged");
        let summary = json!({
            "portal": portal,
            "company": input.get("company").cloned().unwrap_or(Value::Null),
            "tax_id": tax_id,
            "reviewed_on": reviewed_on,
            "accounts": list("accounts"),
            "confirmed": confirmed,
            "flagged": flagged,
            "note": input.get("note").cloned().unwrap_or(Value::Null),
            "run": run,
            "step": step,
        });
        let entry = audit
            .record_audit(compliance(
                COMPLIANCE_ACCESS_REVIEW,
                ctx.now,
                &subject,
                &reviewer,
                summary,
            ))
            .await
            .map_err(|e| {
                ActionError::retryable(format!("could not write the review to the audit log: {e}"))
            })?;
        Ok(json!({"recorded": true, "seq": entry.seq, "replayed": false}))
    }
}

/// The seq of the access-review entry `run`'s `step` wrote on `subject`,
/// among the newest [`REPLAY_LOOKBACK`] entries.
async fn earlier_entry(
    audit: &dyn AuditLog,
    subject: &str,
    run: &str,
    step: &str,
) -> Result<Option<u64>, ActionError> {
    let unreadable = |e: garita_engine::StoreError| {
        ActionError::retryable(format!("could not read the audit log: {e}"))
    };
    let head = audit.audit_head().await.map_err(unreadable)?;
    let from = head.seq.saturating_sub(REPLAY_LOOKBACK).max(1);
    if head.seq == 0 {
        return Ok(None);
    }
    let entries = audit.audit_entries(from, None).await.map_err(unreadable)?;
    Ok(entries
        .iter()
        .rev()
        .find(|e| {
            e.kind == COMPLIANCE_ACCESS_REVIEW
                && e.subject == subject
                && e.summary.get("run").and_then(Value::as_str) == Some(run)
                && e.summary.get("step").and_then(Value::as_str) == Some(step)
        })
        .map(|e| e.seq))
}

/// The `compliance` connector's manifest.
pub fn manifest() -> Manifest {
    let names = json!({"type": "array", "items": {"type": "string"}});
    Manifest::new(
        CONNECTOR,
        env!("CARGO_PKG_VERSION"),
        "Compliance records: a periodic review written to the audit log as an entry of its own kind.",
    )
    .action(
        ActionSpec::new(
            ACCESS_REVIEW,
            "Record one access review of a company's users on a portal (audit entry compliance.access_review).",
        )
        .input_schema(json!({
            "type": "object",
            "required": ["portal", "tax_id", "reviewer", "reviewed_on"],
            "additionalProperties": false,
            "properties": {
                "portal": {"type": "string", "minLength": 1, "description": "The portal reviewed (ctpat, ecuapass, anam, ...)."},
                "company": {"type": "string", "description": "The company's legal name."},
                "tax_id": {"type": "string", "minLength": 1, "description": "The company's tax id."},
                "reviewer": {"type": "string", "minLength": 1, "description": "Who reviewed (the officer who answered the task)."},
                "reviewed_on": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "description": "The day of the review, YYYY-MM-DD."},
                "accounts": {"type": "array", "description": "The accounts reviewed (keys, or objects with their facts)."},
                "confirmed": names.clone(),
                "flagged": names,
                "note": {"type": "string"}
            }
        }))
        .output_schema(json!({
            "type": "object",
            "required": ["recorded", "seq", "replayed"],
            "additionalProperties": false,
            "properties": {
                "recorded": {"type": "boolean"},
                "seq": {"type": "integer", "description": "The audit entry's sequence number."},
                "replayed": {"type": "boolean", "description": "The step ran again and found its own entry."}
            }
        })),
    )
}

#[async_trait]
impl Connectors for ComplianceConnectors {
    fn manifests(&self) -> Vec<Manifest> {
        let mut all = self.inner.manifests();
        all.push(manifest());
        all
    }

    async fn invoke(
        &self,
        connector: &str,
        action: &str,
        ctx: InvokeContext,
        input: Value,
    ) -> Result<Value, ActionError> {
        if connector != CONNECTOR {
            return self.inner.invoke(connector, action, ctx, input).await;
        }
        let Some(audit) = &self.audit else {
            return Err(ActionError::permanent(
                "compliance records need an open store; run the workflow through garita run or the daemon",
            ));
        };
        match action {
            ACCESS_REVIEW => {
                self.record_access_review(audit.as_ref(), &ctx, &input)
                    .await
            }
            other => Err(ActionError::unknown_action(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use garita_engine::audit::MemoryAuditLog;

    /// Answers every call with where it went.
    struct Echo;

    #[async_trait]
    impl Connectors for Echo {
        fn manifests(&self) -> Vec<Manifest> {
            Vec::new()
        }

        async fn invoke(
            &self,
            connector: &str,
            action: &str,
            _ctx: InvokeContext,
            _input: Value,
        ) -> Result<Value, ActionError> {
            Ok(json!({"inner": format!("{connector}.{action}")}))
        }
    }

    fn review() -> Value {
        json!({
            "portal": "anam",
            "company": "Logística Occidente y Golfo S.A. de C.V.",
            "tax_id": "LOG030214Q70",
            "reviewer": "oficial@example.com",
            "reviewed_on": "2027-01-04",
            "accounts": ["anam:drodriguez.log", "anam:aperez.log"],
            "confirmed": ["anam:aperez.log"],
            "flagged": ["anam:drodriguez.log"],
        })
    }

    fn step(run: &str, step: &str) -> InvokeContext {
        InvokeContext::builder().attempt(run, step, 1).build()
    }

    #[tokio::test]
    async fn a_review_is_one_entry_even_when_its_step_runs_again() {
        let log = Arc::new(MemoryAuditLog::default());
        let connectors = ComplianceConnectors::new(Arc::new(Echo), log.clone());
        let first = connectors
            .invoke(
                CONNECTOR,
                ACCESS_REVIEW,
                step("r1", "per_company.1.evidence"),
                review(),
            )
            .await
            .unwrap();
        assert_eq!(first["replayed"], false);
        let again = connectors
            .invoke(
                CONNECTOR,
                ACCESS_REVIEW,
                step("r1", "per_company.1.evidence"),
                review(),
            )
            .await
            .unwrap();
        assert_eq!(again["replayed"], true);
        assert_eq!(again["seq"], first["seq"]);
        // Another run's review of the same company is a review of its own.
        connectors
            .invoke(
                CONNECTOR,
                ACCESS_REVIEW,
                step("r2", "per_company.1.evidence"),
                review(),
            )
            .await
            .unwrap();
        let entries = log.audit_entries(1, None).await.unwrap();
        assert_eq!(entries.len(), 2);
        assert!(entries.iter().all(|e| e.kind == COMPLIANCE_ACCESS_REVIEW
            && e.subject == "anam:LOG030214Q70"
            && e.actor.as_deref() == Some("oficial@example.com")));
        assert_eq!(
            entries[0].summary["flagged"],
            json!(["anam:drodriguez.log"])
        );
    }

    #[tokio::test]
    async fn a_review_without_its_facts_is_refused_and_other_calls_pass_through() {
        let log = Arc::new(MemoryAuditLog::default());
        let connectors = ComplianceConnectors::new(Arc::new(Echo), log.clone());
        let mut no_reviewer = review();
        no_reviewer["reviewer"] = json!(" ");
        let err = connectors
            .invoke(CONNECTOR, ACCESS_REVIEW, step("r", "s"), no_reviewer)
            .await
            .unwrap_err();
        assert!(err.message().contains("reviewer"), "{}", err.message());
        let mut bad_day = review();
        bad_day["reviewed_on"] = json!("04/01/2027");
        assert!(connectors
            .invoke(CONNECTOR, ACCESS_REVIEW, step("r", "s"), bad_day)
            .await
            .is_err());
        assert!(log.audit_entries(1, None).await.unwrap().is_empty());
        let passed = connectors
            .invoke("email", "send", step("r", "s"), json!({}))
            .await
            .unwrap();
        assert_eq!(passed["inner"], "email.send");
        // Declared only: it validates, but a call says what is missing.
        let declared = ComplianceConnectors::declared_only(Arc::new(Echo));
        assert!(declared.manifests().iter().any(|m| m.name == CONNECTOR));
        assert!(declared
            .invoke(CONNECTOR, ACCESS_REVIEW, step("r", "s"), review())
            .await
            .is_err());
    }
}
