//! `garita outbox list|show|retry`: the durable email outbox.

use std::process::ExitCode;

use garita_app::ops::outbox::{receipt, OutboxQuery};
use garita_app::Operations;
use garita_engine::{OutboxEntry, OutboxStatus, OutboxTransport};
use serde_json::Value;

use crate::cli::OutboxCommand;
use crate::output::{say, Table};

pub async fn outbox(
    ops: &dyn Operations,
    json: bool,
    command: OutboxCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        OutboxCommand::List { status } => {
            let entries = ops.list_outbox(OutboxQuery { status }).await?;
            if json {
                // Through a Value, so the members print in name order as before.
                crate::output::json(&serde_json::to_value(&entries)?)?;
            } else {
                list(&entries);
            }
        }
        OutboxCommand::Show { id } => {
            let entry = ops.show_outbox_message(&id).await?;
            if json {
                crate::output::json(&serde_json::to_value(&entry)?)?;
            } else {
                describe(&entry);
            }
        }
        OutboxCommand::Retry { id } => {
            let after = ops.retry_outbox_message(&id).await?;
            if json {
                crate::output::json(&serde_json::to_value(&after)?)?;
            } else {
                say!(
                    "{} {} (attempt {}): {}",
                    after.message_id,
                    after.status,
                    after.attempts,
                    receipt(&after)
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn list(entries: &[OutboxEntry]) {
    if entries.is_empty() {
        say!("the outbox is empty");
        return;
    }
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
    for entry in entries {
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
    use serde_json::json;

    #[test]
    fn recipients_read_one_address_or_a_list() {
        assert_eq!(recipients(&json!({"to": "a@x.com"})), "a@x.com");
        assert_eq!(
            recipients(&json!({"to": ["a@x.com", "Peña <b@x.com>"]})),
            "a@x.com, Peña <b@x.com>"
        );
        assert_eq!(recipients(&json!({})), "");
    }
}
