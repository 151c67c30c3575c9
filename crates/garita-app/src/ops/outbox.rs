//! The durable email outbox: listing and showing messages, and retrying a
//! failed one (or delivering one that was only written to a file).

use garita_engine::outbox::bare_message_id;
use garita_engine::{OutboxEntry, OutboxFilter, OutboxStatus};
use garita_sdk::{IdempotencyKey, InvokeContext};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::Session;
use crate::AppError;

/// Which messages to list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OutboxQuery {
    /// Only messages in this status (`queued`, `sending`, `sent`, `failed`,
    /// `written`), as the user typed it.
    pub status: Option<String>,
}

/// Messages of the outbox, each with its transport.
pub async fn list(session: &Session, query: OutboxQuery) -> Result<Vec<OutboxEntry>, AppError> {
    let statuses = match query.status.as_deref() {
        Some(text) => vec![text
            .parse::<OutboxStatus>()
            .map_err(|e| AppError::Usage(format!("--status: {e}")))?],
        None => Vec::new(),
    };
    let filter = OutboxFilter {
        statuses,
        ..Default::default()
    };
    let entries = session.backend.outbox.list(&filter).await?;
    Ok(entries.into_iter().map(with_transport).collect())
}

/// One message; `given` is its Message-ID with or without `<>`, or a
/// unique prefix of it.
pub async fn show(session: &Session, given: &str) -> Result<OutboxEntry, AppError> {
    resolve(session, given).await.map(with_transport)
}

/// What a person reads of a message: its recipients, subject and text
/// body, as the message's input holds them (the HTML alternative is never
/// shown as markup).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MessageSummary {
    /// The `to` addresses, joined with `, `.
    pub to: String,
    /// The subject.
    pub subject: String,
    /// The text (Markdown) body.
    pub body: String,
}

/// The summary of `entry`'s input; a field it lacks is empty.
pub fn summary(entry: &OutboxEntry) -> MessageSummary {
    let text = |key: &str| match entry.input.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(", "),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    MessageSummary {
        to: text("to"),
        subject: text("subject"),
        body: text("body"),
    }
}

/// [`retry`] on behalf of `by` (a console user). Every attempt it made is
/// recorded in the audit log as `outbox.retried`, with who asked and the
/// status the message ended in, whether it was delivered or failed again
/// (then the error is answered too); a retry refused before any attempt
/// (a message already sent) records nothing.
pub async fn retry_by(session: &Session, given: &str, by: &str) -> Result<OutboxEntry, AppError> {
    let before = resolve(session, given).await?;
    let result = retry(session, given).await;
    let after = resolve(session, given).await?;
    if after.attempts > before.attempts {
        session
            .backend
            .audit
            .record_audit(garita_engine::audit::AuditRecord {
                at: session.app.clock.now(),
                kind: "outbox.retried".into(),
                subject: after.message_id.clone(),
                actor: Some(by.to_owned()),
                summary: json!({"status": after.status.to_string(), "attempts": after.attempts}),
            })
            .await?;
    }
    result
}

/// Sends a failed message again, outside its run, with the same
/// Message-ID; delivers a `written` one once SMTP is configured. Answers
/// the message as it is afterwards.
pub async fn retry(session: &Session, given: &str) -> Result<OutboxEntry, AppError> {
    let entry = resolve(session, given).await?;
    if !matches!(entry.status, OutboxStatus::Failed | OutboxStatus::Written) {
        let why = match entry.status {
            OutboxStatus::Sent => "it was delivered already",
            OutboxStatus::Queued | OutboxStatus::Sending => {
                "its run is sending it; if that process stopped, `garita resume` sends it again"
            }
            OutboxStatus::Failed | OutboxStatus::Written => "",
        };
        return Err(AppError::Refused(format!(
            "message {} is {}, and only failed or written messages can be retried: {why}",
            entry.message_id, entry.status
        )));
    }
    let app = &session.app;
    let mut config = app
        .connector_config()
        .remove(email::CONNECTOR_NAME)
        .unwrap_or_else(|| json!({}));
    // The recorded domain, so the message keeps its Message-ID even if
    // `message_id_domain` changed since it was first sent.
    if let (Some((_, domain)), Some(settings)) =
        (entry.bare_id().split_once('@'), config.as_object_mut())
    {
        settings.insert("message_id_domain".into(), json!(domain));
    }
    let ctx = InvokeContext {
        idempotency_key: IdempotencyKey {
            run_id: entry.run_id.clone(),
            step_id: entry.step_id.clone(),
            attempt: entry.attempt.saturating_add(1),
        },
        locale: entry.locale.clone(),
        time_zone: entry.time_zone.clone(),
        now: app.clock.now(),
        deadline: None,
        config,
    };
    let connectors = app.outbox_connectors(&session.backend);
    let result = if entry.status == OutboxStatus::Written {
        refuse_rewriting(&entry, &ctx)?;
        connectors.deliver_written(ctx, entry.input.clone()).await
    } else {
        connectors.send_email(ctx, entry.input.clone()).await
    };
    let after = session
        .backend
        .outbox
        .get(&entry.message_id)
        .await?
        .unwrap_or_else(|| entry.clone());
    match result {
        Ok(_) => Ok(with_transport(after)),
        Err(error) => Err(AppError::Refused(format!(
            "message {} failed again: {error}; it stays in the outbox as failed",
            after.message_id
        ))),
    }
}

/// What a delivered message's receipt says: the server's reply, or the
/// file it was written to.
pub fn receipt(entry: &OutboxEntry) -> &str {
    entry
        .output
        .as_ref()
        .and_then(|output| output.get("accepted_by").or_else(|| output.get("path")))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The record with its `transport` (for records stored before transports
/// were recorded, the one their output names).
fn with_transport(mut entry: OutboxEntry) -> OutboxEntry {
    entry.transport = entry.transport();
    entry
}

/// A `written` message is retried only towards SMTP: the file transport
/// would write the same file again and still deliver nothing.
fn refuse_rewriting(entry: &OutboxEntry, ctx: &InvokeContext) -> Result<(), AppError> {
    let configured = email::EmailConfig::from_context(ctx).map_err(|e| {
        AppError::Refused(format!("cannot retry message {}: {e}", entry.message_id))
    })?;
    match configured.transport {
        email::Transport::Smtp(_) => Ok(()),
        email::Transport::File { .. } => {
            let path = entry
                .transport()
                .map(|t| t.destination().to_owned())
                .unwrap_or_default();
            Err(AppError::Refused(format!(
                "message {} was written to {path} and never delivered; retrying with the file \
                 transport would only write it again. Configure [connectors.email] transport = \"smtp\" \
                 (docs/email.md) and retry it to deliver it, or give the file to a mail program",
                entry.message_id
            )))
        }
    }
}

/// The message `given` names.
async fn resolve(session: &Session, given: &str) -> Result<OutboxEntry, AppError> {
    let store = session.backend.outbox.as_ref();
    let bare = bare_message_id(given);
    if bare.is_empty() {
        return Err(AppError::Usage(
            "give a Message-ID (or the start of one); `garita outbox list` shows them".into(),
        ));
    }
    if let Some(entry) = store.get(&format!("<{bare}>")).await? {
        return Ok(entry);
    }
    let wanted = bare.to_ascii_lowercase();
    let all = store.list(&OutboxFilter::default()).await?;
    let matches: Vec<&OutboxEntry> = all
        .iter()
        .filter(|entry| entry.bare_id().to_ascii_lowercase().starts_with(&wanted))
        .collect();
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(AppError::NotFound(format!(
            "no message `{given}` in the outbox; `garita outbox list` shows them"
        ))),
        many => Err(AppError::Usage(format!(
            "`{given}` matches {} messages; give more of the Message-ID",
            many.len()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_transport_is_named_also_for_records_stored_before_it_was_recorded() {
        let ctx = InvokeContext::for_test();
        let mut entry =
            OutboxEntry::queued("<a@garita.local>", &ctx, json!({"to": "a@x.com"}), ctx.now);
        assert!(
            with_transport(entry.clone()).transport.is_none(),
            "not finished"
        );
        // An old `sent` record: the output says where it went, no `transport` field.
        entry.status = OutboxStatus::Sent;
        entry.output = Some(json!({"transport": "file", "path": "/s/outbox/a.eml"}));
        let named = serde_json::to_value(with_transport(entry.clone())).unwrap();
        assert_eq!(
            named["transport"],
            json!({"kind": "file", "path": "/s/outbox/a.eml"})
        );
        assert_eq!(receipt(&entry), "/s/outbox/a.eml");
    }
}
