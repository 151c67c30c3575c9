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
//!
//! Several daemons on one store (PostgreSQL) each look at the log; without
//! more, two could both find no checkpoint of today and both sign one. So
//! the signing is done under a lease named after the day (the runs' lease
//! table, [`garita_engine::lease`], atomic across processes), and the look
//! is repeated once the lease is held: the daemon that held it before has
//! either recorded the day's checkpoint (which the second look finds) or
//! died, and its lease expired after [`CLAIM_TTL`].

use std::time::Duration;

use chrono::NaiveDate;
use garita_sdk::{IdempotencyKey, InvokeContext};
use serde_json::json;

use super::audit_checkpoint::{checkpoint, Checkpoint, CHECKPOINT_KIND};
use super::Session;
use crate::AppError;

/// Entries read at a time while looking back for today's checkpoint.
const PAGE: u64 = 500;

/// How long a daemon holds the day's signing before another may take it
/// over: longer than reading a large log takes, short beside a day.
const CLAIM_TTL: Duration = Duration::from_secs(600);

/// The lease the daemons sharing a store take to sign the checkpoint of `day`.
fn claim_name(day: NaiveDate) -> String {
    format!("audit-checkpoint-{day}")
}

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
    let (leases, owner, claim) = (
        &session.backend.leases,
        session.engine.lease_owner(),
        claim_name(today),
    );
    if !leases.claim(&claim, owner, CLAIM_TTL).await?.granted() {
        // Another daemon is signing it now.
        return Ok(DailyCheckpoint::AlreadyMade(today));
    }
    if made_on_or_after(session, today).await? {
        leases.release(&claim, owner).await?;
        return Ok(DailyCheckpoint::AlreadyMade(today));
    }
    let made = checkpoint(session).await;
    // Released once the checkpoint is recorded (or failed), so the next
    // look of any daemon reads the log rather than waiting out the lease.
    leases.release(&claim, owner).await?;
    let made = made?;
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use garita_store_postgres::test_cluster::TestDb;

    use super::*;
    use crate::ops::audit_checkpoint::init_signing_key;
    use crate::{App, AppOptions};

    /// Daemons on one PostgreSQL store, each with an engine (a lease owner)
    /// of its own, all looking for the day's checkpoint at once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn daemons_sharing_a_postgres_store_sign_one_checkpoint_a_day() {
        let db = TestDb::create().await;
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("audit.key");
        init_signing_key("garita.example/audit", &key).unwrap();
        let config = dir.path().join("garita.toml");
        std::fs::write(
            &config,
            format!(
                "[audit]\nsigning_key = {:?}\n[store]\nurl = {:?}\npath = {:?}\n",
                key.display().to_string(),
                db.url,
                dir.path().join("local").display().to_string()
            ),
        )
        .unwrap();
        let daemon = |now: &str| {
            let app = App::new(AppOptions {
                config: Some(config.clone()),
                store: None,
                now: Some(now.into()),
            })
            .unwrap();
            Arc::new(Session::open(Arc::new(app)).unwrap())
        };
        for (day, now) in [
            ("2026-12-05", "2026-12-05T00:00:05Z"),
            ("2026-12-06", "2026-12-06T09:00:00Z"),
        ] {
            let daemons: Vec<Arc<Session>> = (0..4).map(|_| daemon(now)).collect();
            let looks: Vec<_> = daemons
                .iter()
                .map(|s| {
                    let s = s.clone();
                    tokio::spawn(async move { checkpoint_if_due(&s).await })
                })
                .collect();
            let mut made = 0;
            for look in looks {
                match look.await.unwrap().unwrap() {
                    DailyCheckpoint::Made { .. } => made += 1,
                    DailyCheckpoint::AlreadyMade(d) => assert_eq!(d.to_string(), day),
                    DailyCheckpoint::NotConfigured => panic!("the key is configured"),
                }
            }
            assert_eq!(made, 1, "{day}: one daemon signs the day's checkpoint");
            let log = daemons[0].backend.audit.clone();
            let head = log.audit_head().await.unwrap();
            let signed: Vec<_> = log
                .audit_entries(1, Some(head.seq))
                .await
                .unwrap()
                .into_iter()
                .filter(|e| e.kind == CHECKPOINT_KIND)
                .map(|e| e.at.date_naive().to_string())
                .collect();
            assert_eq!(signed.last().map(String::as_str), Some(day));
            assert_eq!(
                signed.iter().filter(|d| d.as_str() == day).count(),
                1,
                "{signed:?}"
            );
        }
    }
}
