//! `garita outbox list|show|retry`: the durable email outbox.

use std::process::ExitCode;

use garita_engine::outbox::bare_message_id;
use garita_engine::{OutboxEntry, OutboxFilter, OutboxStatus, OutboxStore, OutboxTransport};
use garita_sdk::{IdempotencyKey, InvokeContext};
use garita_store::SledStore;
use serde_json::{json, Value};

use crate::app::App;
use crate::cli::OutboxCommand;
use crate::output::{say, Table};
use crate::usage::UsageError;
use garita_app::backend::Backend;

pub async fn outbox(app: &App, command: OutboxCommand) -> anyhow::Result<ExitCode> {
    let store = app.open_store()?;
    match command {
        OutboxCommand::List { status } => list(app, store.as_ref(), status.as_deref()).await,
        OutboxCommand::Show { id } => {
            let entry = resolve(store.as_ref(), &id).await?;
            if app.global.json {
                crate::output::json(&entry_json(&entry))?;
            } else {
                describe(&entry);
            }
            Ok(ExitCode::SUCCESS)
        }
        OutboxCommand::Retry { id } => retry(app, &store, &id).await,
    }
}

async fn list(app: &App, store: &SledStore, status: Option<&str>) -> anyhow::Result<ExitCode> {
    let statuses = match status {
        Some(text) => vec![text
            .parse::<OutboxStatus>()
            .map_err(|e| UsageError(format!("--status: {e}")))?],
        None => Vec::new(),
    };
    let filter = OutboxFilter {
        statuses,
        ..Default::default()
    };
    let entries = store.list(&filter).await?;
    if app.global.json {
        crate::output::json(&entries.iter().map(entry_json).collect::<Vec<_>>())?;
    } else if entries.is_empty() {
        say!("the outbox is empty");
    } else {
        let mut table = Table::new(&[
            "MESSAGE-ID",
            "STATUS",
            "TRANSPORT",
            "ATTEMPTS",
            "RUN",
            "STEP",
            "UPDATED",
            "TO",
            "SUBJECT",
        ]);
        for entry in &entries {
            table.row(vec![
                entry.bare_id().to_owned(),
                entry.status.to_string(),
                entry
                    .transport()
                    .map(|t| t.kind().to_owned())
                    .unwrap_or_default(),
                entry.attempts.to_string(),
                entry.run_id.clone(),
                entry.step_id.clone(),
                entry.updated_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                recipients(&entry.input),
                text_field(&entry.input, "subject"),
            ]);
        }
        table.print();
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints one message for people.
fn describe(entry: &OutboxEntry) {
    say!("message   {}", entry.message_id);
    say!("status    {}", entry.status);
    say!(
        "run       {} (step {}, attempt {})",
        entry.run_id,
        entry.step_id,
        entry.attempt
    );
    say!("attempts  {}", entry.attempts);
    say!("to        {}", recipients(&entry.input));
    say!("subject   {}", text_field(&entry.input, "subject"));
    say!("created   {}", entry.created_at.to_rfc3339());
    say!("updated   {}", entry.updated_at.to_rfc3339());
    match entry.transport() {
        Some(OutboxTransport::File { path }) => {
            say!("transport file: written, not delivered to anyone");
            say!("file      {path}");
        }
        Some(OutboxTransport::Smtp { server }) => {
            say!("transport smtp");
            say!(
                "server    {}",
                server.as_deref().unwrap_or("(not recorded)")
            );
        }
        None => {}
    }
    if let Some(reply) = entry
        .output
        .as_ref()
        .and_then(|output| output.get("accepted_by"))
        .and_then(Value::as_str)
    {
        say!("accepted  {reply}");
    }
    if let Some(error) = &entry.error {
        let kind = match entry.retryable {
            Some(true) => "temporary",
            _ => "permanent",
        };
        say!("error     ({kind}) {error}");
    }
    match entry.status {
        OutboxStatus::Failed => say!(
            "\n`garita outbox retry {}` sends it again with the same Message-ID",
            entry.bare_id()
        ),
        OutboxStatus::Sending => say!(
            "\nthe outcome of the last attempt is unknown (the process stopped while sending); \
             `garita resume` sends it again with the same Message-ID"
        ),
        OutboxStatus::Written => say!(
            "\nthis message is in a file only: give the file to a mail program, or configure \
             [connectors.email] transport = \"smtp\" and `garita outbox retry {}` delivers it",
            entry.bare_id()
        ),
        OutboxStatus::Queued | OutboxStatus::Sent => {}
    }
}

/// A record as `--json` prints it: with its `transport` (for records stored
/// before transports were recorded, the one their output names).
fn entry_json(entry: &OutboxEntry) -> Value {
    let mut value = serde_json::to_value(entry).unwrap_or(Value::Null);
    if let (Some(map), Some(transport)) = (value.as_object_mut(), entry.transport()) {
        map.insert("transport".into(), json!(transport));
    }
    value
}

/// `garita outbox retry`: sends a failed message again, outside its run;
/// delivers a `written` one once SMTP is configured.
async fn retry(
    app: &App,
    store: &std::sync::Arc<SledStore>,
    given: &str,
) -> anyhow::Result<ExitCode> {
    let entry = resolve(store.as_ref(), given).await?;
    if !matches!(entry.status, OutboxStatus::Failed | OutboxStatus::Written) {
        let why = match entry.status {
            OutboxStatus::Sent => "it was delivered already",
            OutboxStatus::Queued | OutboxStatus::Sending => {
                "its run is sending it; if that process stopped, `garita resume` sends it again"
            }
            OutboxStatus::Failed | OutboxStatus::Written => "",
        };
        anyhow::bail!(
            "message {} is {}, and only failed or written messages can be retried: {why}",
            entry.message_id,
            entry.status
        );
    }
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
    let connectors = app.outbox_connectors(&Backend::sled(store));
    let result = if entry.status == OutboxStatus::Written {
        refuse_rewriting(&entry, &ctx)?;
        connectors.deliver_written(ctx, entry.input.clone()).await
    } else {
        connectors.send_email(ctx, entry.input.clone()).await
    };
    let after = store
        .get(&entry.message_id)
        .await?
        .unwrap_or_else(|| entry.clone());
    if app.global.json {
        crate::output::json(&entry_json(&after))?;
    }
    match result {
        Ok(output) => {
            if !app.global.json {
                let receipt = output
                    .get("accepted_by")
                    .or_else(|| output.get("path"))
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                say!(
                    "{} {} (attempt {}): {receipt}",
                    after.message_id,
                    after.status,
                    after.attempts
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => Err(anyhow::anyhow!(
            "message {} failed again: {error}; it stays in the outbox as failed",
            after.message_id
        )),
    }
}

/// A `written` message is retried only towards SMTP: the file transport
/// would write the same file again and still deliver nothing.
fn refuse_rewriting(entry: &OutboxEntry, ctx: &InvokeContext) -> anyhow::Result<()> {
    let configured = email::EmailConfig::from_context(ctx)
        .map_err(|e| anyhow::anyhow!("cannot retry message {}: {e}", entry.message_id))?;
    match configured.transport {
        email::Transport::Smtp(_) => Ok(()),
        email::Transport::File { .. } => {
            let path = entry
                .transport()
                .map(|t| t.destination().to_owned())
                .unwrap_or_default();
            anyhow::bail!(
                "message {} was written to {path} and never delivered; retrying with the file \
                 transport would only write it again. Configure [connectors.email] transport = \"smtp\" \
                 (docs/email.md) and retry it to deliver it, or give the file to a mail program",
                entry.message_id
            )
        }
    }
}

/// The message `given` names: its Message-ID with or without `<>`, or a
/// unique prefix of it.
async fn resolve(store: &SledStore, given: &str) -> anyhow::Result<OutboxEntry> {
    let bare = bare_message_id(given);
    if bare.is_empty() {
        return Err(UsageError(
            "give a Message-ID (or the start of one); `garita outbox list` shows them".into(),
        )
        .into());
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
        [] => Err(anyhow::anyhow!(
            "no message `{given}` in the outbox; `garita outbox list` shows them"
        )),
        many => Err(UsageError(format!(
            "`{given}` matches {} messages; give more of the Message-ID",
            many.len()
        ))
        .into()),
    }
}

/// The `to` of a message input, one address or a list, for display.
fn recipients(input: &Value) -> String {
    match input.get("to") {
        Some(Value::String(one)) => one.clone(),
        Some(Value::Array(many)) => many
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        _ => String::new(),
    }
}

fn text_field(input: &Value, name: &str) -> String {
    input
        .get(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_read_one_address_or_a_list() {
        assert_eq!(recipients(&json!({"to": "a@x.com"})), "a@x.com");
        assert_eq!(
            recipients(&json!({"to": ["a@x.com", "Peña <b@x.com>"]})),
            "a@x.com, Peña <b@x.com>"
        );
        assert_eq!(recipients(&json!({})), "");
    }

    #[test]
    fn json_names_the_transport_also_for_records_stored_before_it_was_recorded() {
        let ctx = InvokeContext::for_test();
        let mut entry =
            OutboxEntry::queued("<a@garita.local>", &ctx, json!({"to": "a@x.com"}), ctx.now);
        assert!(
            entry_json(&entry).get("transport").is_none(),
            "not finished"
        );
        // An old `sent` record: the output says where it went, no `transport` field.
        entry.status = OutboxStatus::Sent;
        entry.output = Some(json!({"transport": "file", "path": "/s/outbox/a.eml"}));
        assert_eq!(
            entry_json(&entry)["transport"],
            json!({"kind": "file", "path": "/s/outbox/a.eml"})
        );
    }
}
