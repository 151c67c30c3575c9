//! The daemon's daily checkpoint (docs/audit.md, "Checkpoints"): once a day
//! (UTC, on the business clock) the daemon signs a checkpoint of the audit
//! log, and mails it through the outbox to `[audit] checkpoint_email`, an
//! address outside the company, when one is set.
//!
//! Reconciled from state, never from being awake at a given hour: whether
//! today has a checkpoint is read from the log itself (the newest
//! `audit.checkpoint` entry), so a daemon that was down makes the day's
//! checkpoint when it starts, and one that restarts the same day makes no
//! second one. The email's Message-ID comes from the day, so a send that
//! is tried again (after a crash, or a second daemon on a shared store) is
//! answered from the outbox record rather than delivered twice.

use chrono::NaiveDate;
use garita_sdk::{IdempotencyKey, InvokeContext};
use serde_json::json;

use super::audit_checkpoint::{checkpoint, Checkpoint, CHECKPOINT_KIND};
use super::Session;
use crate::AppError;

/// Entries read at a time while looking back for today's checkpoint.
const PAGE: u64 = 500;

/// What the daily look did.
#[derive(Debug, Clone, PartialEq)]
pub enum DailyCheckpoint {
    /// No signing key is configured: nothing to sign with.
    NotConfigured,
    /// Today already has one.
    AlreadyMade(NaiveDate),
    /// Signed now; `mailed_to` when it was handed to the outbox.
    Made {
        /// The checkpoint.
        checkpoint: Checkpoint,
        /// The outside address it was mailed to.
        mailed_to: Option<String>,
    },
}

/// Signs today's checkpoint unless the log already has one from today.
pub async fn checkpoint_if_due(session: &Session) -> Result<DailyCheckpoint, AppError> {
    if session.app.settings.audit.signing_key.is_none() {
        return Ok(DailyCheckpoint::NotConfigured);
    }
    let today = session.app.clock.now().date_naive();
    if made_on_or_after(session, today).await? {
        return Ok(DailyCheckpoint::AlreadyMade(today));
    }
    let made = checkpoint(session).await?;
    let mailed_to = match session.app.settings.audit.checkpoint_email.clone() {
        Some(to) if !to.trim().is_empty() => {
            mail(session, &made, today, &to).await?;
            Some(to)
        }
        _ => None,
    };
    Ok(DailyCheckpoint::Made {
        checkpoint: made,
        mailed_to,
    })
}

/// Whether the log holds a checkpoint written on `day` or later: looks back
/// from the head only through the entries of that day (entries are written
/// in time order; a clock that stepped back only makes the look longer).
async fn made_on_or_after(session: &Session, day: NaiveDate) -> Result<bool, AppError> {
    let log = session.backend.audit.as_ref();
    let head = log.audit_head().await?;
    let mut to = head.seq;
    while to >= 1 {
        let from = to.saturating_sub(PAGE - 1).max(1);
        let entries = log.audit_entries(from, Some(to)).await?;
        for entry in entries.iter().rev() {
            if entry.at.date_naive() < day {
                return Ok(false);
            }
            if entry.kind == CHECKPOINT_KIND {
                return Ok(true);
            }
        }
        to = from - 1;
    }
    Ok(false)
}

/// Hands the checkpoint to the outbox, keyed by the day.
async fn mail(
    session: &Session,
    made: &Checkpoint,
    day: NaiveDate,
    to: &str,
) -> Result<(), AppError> {
    let app = &session.app;
    let config = app
        .connector_config()
        .remove("email")
        .unwrap_or_else(|| json!({}));
    let ctx = InvokeContext {
        idempotency_key: IdempotencyKey {
            run_id: format!("audit-checkpoint-{day}"),
            step_id: "mail".into(),
            attempt: 1,
        },
        locale: "es".into(),
        time_zone: "UTC".into(),
        now: app.clock.now(),
        deadline: None,
        config,
    };
    let body = format!(
        "Punto de control firmado del registro de auditoría de Garita ({day}).\n\
         Signed checkpoint of Garita's audit log ({day}).\n\n\
         Guarde este correo fuera de la empresa: si más adelante alguien reescribiera el registro, \
         este punto de control ya no cuadraría con él.\n\
         Keep this email outside the company: if the log were ever rewritten, this checkpoint \
         would no longer agree with it.\n\n\
         Clave pública / verifier key: {}\n\n{}",
        made.verifier_key, made.note
    );
    let input = json!({
        "to": to,
        "subject": format!("Garita: punto de control del registro de auditoría {day} ({} entradas)", made.size),
        "body": body,
    });
    app.outbox_connectors(&session.backend)
        .send_email(ctx, input)
        .await
        .map_err(|e| {
            AppError::Refused(format!(
                "the checkpoint of {day} was signed, but mailing it to {to} ([audit] checkpoint_email) failed: {e}; it stays in the outbox (`garita outbox list`)"
            ))
        })?;
    Ok(())
}
