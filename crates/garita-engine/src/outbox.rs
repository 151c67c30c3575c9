//! The durable outbox: one record per outgoing email, keyed by its Message-ID.
//!
//! A send is recorded as [`OutboxStatus::Queued`] (with the message input,
//! the run, step and attempt) before any network traffic, then
//! [`OutboxStatus::Sending`] just before the transport is called, then
//! [`OutboxStatus::Sent`] (an SMTP server accepted it),
//! [`OutboxStatus::Written`] (the file transport wrote it to a file: nobody
//! received it) or [`OutboxStatus::Failed`] (with the reason and whether
//! trying again may help). A finished record keeps the connector's output and
//! the [`OutboxTransport`] it went through (the server, or the file). Each
//! write is durable before the next step of the send starts, so after a crash
//! the record says how far the send got.
//!
//! `Written` is its own state because "sent" would claim a delivery that did
//! not happen: with no SMTP configured, mail lands in STORE/outbox/ and
//! someone has to pick it up.
//!
//! The Message-ID is derived from the run and step, not from the attempt, so
//! retries and re-runs after a crash update the same record and count its
//! attempts. A record found `Sent` or `Written` is never sent again by its
//! run: its stored output is the answer. Only a crash between the server's
//! acceptance and the `Sent` record can cause a second delivery, and it
//! carries the same Message-ID.
//!
//! The engine defines the types and the [`OutboxStore`] trait; `garita-store`
//! implements it on sled and the CLI puts it in front of the email connector.

use std::str::FromStr;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use garita_sdk::{ActionError, InvokeContext};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::store::StoreError;

/// How far the sending of one message got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    /// Recorded; nothing has gone to the transport for this attempt yet.
    Queued,
    /// Handed to the transport; the outcome is not recorded yet. Found after
    /// a crash, it means the message may or may not have been delivered.
    Sending,
    /// Accepted by an SMTP server.
    Sent,
    /// Written to a file by the file transport: not delivered to anyone.
    Written,
    /// The last attempt failed; `retryable` says whether trying again may help.
    Failed,
}

impl OutboxStatus {
    /// Every status, in life order.
    pub const ALL: [OutboxStatus; 5] = [
        Self::Queued,
        Self::Sending,
        Self::Sent,
        Self::Written,
        Self::Failed,
    ];

    /// Lower-case name, as printed and accepted by `--status`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Written => "written",
            Self::Failed => "failed",
        }
    }

    /// Whether the transport finished with the message (`Sent` or
    /// `Written`): its run does not hand it to the transport again.
    pub fn is_done(self) -> bool {
        matches!(self, Self::Sent | Self::Written)
    }
}

impl std::fmt::Display for OutboxStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status name that is not one of [`OutboxStatus::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown outbox status `{0}`; use one of: queued, sending, sent, written, failed")]
pub struct UnknownOutboxStatus(pub String);

impl FromStr for OutboxStatus {
    type Err = UnknownOutboxStatus;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == wanted)
            .ok_or_else(|| UnknownOutboxStatus(text.to_owned()))
    }
}

/// What a finished message went through, as the connector reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OutboxTransport {
    /// Written as a file (the default transport): nobody received it.
    File {
        /// The `.eml` file written.
        path: String,
    },
    /// Handed to an SMTP server.
    Smtp {
        /// `host:port` of the server, when the connector said it (records
        /// written before the server was reported have none).
        server: Option<String>,
    },
}

impl OutboxTransport {
    /// The transport an `email.send` output reports (`transport` with `path`
    /// or `server`); `None` when it names none.
    pub fn from_output(output: &Value) -> Option<Self> {
        let text = |key: &str| output.get(key).and_then(Value::as_str).map(str::to_owned);
        match output.get("transport").and_then(Value::as_str) {
            Some("file") => Some(Self::File {
                path: text("path").unwrap_or_default(),
            }),
            Some("smtp") => Some(Self::Smtp {
                server: text("server"),
            }),
            _ => None,
        }
    }

    /// `file` or `smtp`, as the `TRANSPORT` column shows it.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::File { .. } => "file",
            Self::Smtp { .. } => "smtp",
        }
    }

    /// Where the message went: the file's path or the server (empty when
    /// the server was not recorded).
    pub fn destination(&self) -> &str {
        match self {
            Self::File { path } => path,
            Self::Smtp { server } => server.as_deref().unwrap_or_default(),
        }
    }
}

/// One outgoing message and where its sending stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OutboxEntry {
    /// The message's Message-ID, with its angle brackets: the record's key.
    pub message_id: String,
    /// The run that sends it.
    pub run_id: String,
    /// The step that sends it.
    pub step_id: String,
    /// The step attempt of the latest send attempt.
    pub attempt: u32,
    /// How many times the message has been handed towards the transport
    /// (every retry, every re-run after a crash and every `outbox retry`).
    pub attempts: u32,
    /// Where the sending stands.
    pub status: OutboxStatus,
    /// The action's input, kept so the message can be sent again as it was.
    pub input: Value,
    /// The run's locale, for the connector's messages on a later retry.
    pub locale: String,
    /// The run's time zone, for the same reason.
    pub time_zone: String,
    /// When the message was first recorded.
    pub created_at: DateTime<Utc>,
    /// When the record last changed.
    pub updated_at: DateTime<Utc>,
    /// The connector's output once sent (the server's reply in
    /// `accepted_by`, or the file in `path`); returned again, instead of
    /// sending again, if the step runs again.
    pub output: Option<Value>,
    /// Why the latest attempt failed.
    pub error: Option<String>,
    /// Whether the latest failure was temporary (the step's `retry:` policy
    /// tries again) rather than permanent.
    pub retryable: Option<bool>,
    /// What the message went through once finished. Absent in records
    /// written before transports were recorded (read them with
    /// [`OutboxEntry::transport`], which falls back on the output).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport: Option<OutboxTransport>,
}

impl OutboxEntry {
    /// A new record in state `Queued` for the message the call `ctx` sends.
    pub fn queued(message_id: &str, ctx: &InvokeContext, input: Value, now: DateTime<Utc>) -> Self {
        let key = &ctx.idempotency_key;
        Self {
            message_id: message_id.to_owned(),
            run_id: key.run_id.clone(),
            step_id: key.step_id.clone(),
            attempt: key.attempt,
            attempts: 1,
            status: OutboxStatus::Queued,
            input,
            locale: ctx.locale.clone(),
            time_zone: ctx.time_zone.clone(),
            created_at: now,
            updated_at: now,
            output: None,
            error: None,
            retryable: None,
            transport: None,
        }
    }

    /// Queues the record again for one more attempt with `input` (which is
    /// what will go out this time), forgetting the previous outcome.
    pub fn requeue(&mut self, attempt: u32, input: Value, now: DateTime<Utc>) {
        self.attempt = attempt;
        self.attempts = self.attempts.saturating_add(1);
        self.status = OutboxStatus::Queued;
        self.input = input;
        self.updated_at = now;
        self.output = None;
        self.error = None;
        self.retryable = None;
        self.transport = None;
    }

    /// The transport is about to be called.
    pub fn mark_sending(&mut self, now: DateTime<Utc>) {
        self.status = OutboxStatus::Sending;
        self.updated_at = now;
    }

    /// The transport finished with the message and answered `output`: the
    /// record becomes `Written` when the output says the file transport
    /// wrote it, `Sent` otherwise (a server accepted it).
    pub fn mark_done(&mut self, output: &Value, now: DateTime<Utc>) {
        let transport = OutboxTransport::from_output(output);
        self.status = match transport {
            Some(OutboxTransport::File { .. }) => OutboxStatus::Written,
            Some(OutboxTransport::Smtp { .. }) | None => OutboxStatus::Sent,
        };
        self.transport = transport;
        self.updated_at = now;
        self.output = Some(output.clone());
        self.error = None;
        self.retryable = None;
    }

    /// The attempt failed with `error`.
    pub fn mark_failed(&mut self, error: &ActionError, now: DateTime<Utc>) {
        self.status = OutboxStatus::Failed;
        self.updated_at = now;
        self.output = None;
        self.error = Some(error.to_string());
        self.retryable = Some(error.is_retryable());
        self.transport = None;
    }

    /// The output to give a step that runs again after the transport
    /// finished with the message: `Some` only for a `Sent` or `Written`
    /// record.
    pub fn done_output(&self) -> Option<&Value> {
        self.output.as_ref().filter(|_| self.status.is_done())
    }

    /// What the message went through: the recorded transport, or for a
    /// record written before transports were recorded, what its output
    /// says. `None` while it is not finished.
    pub fn transport(&self) -> Option<OutboxTransport> {
        self.transport
            .clone()
            .or_else(|| self.output.as_ref().and_then(OutboxTransport::from_output))
    }

    /// The Message-ID without its angle brackets.
    pub fn bare_id(&self) -> &str {
        bare_message_id(&self.message_id)
    }
}

/// `id` without the angle brackets a Message-ID is written with.
pub fn bare_message_id(id: &str) -> &str {
    let id = id.trim();
    let id = id.strip_prefix('<').unwrap_or(id);
    id.strip_suffix('>').unwrap_or(id)
}

/// Which outbox records to list.
#[derive(Debug, Clone, Default)]
pub struct OutboxFilter {
    /// Only these statuses (empty: all).
    pub statuses: Vec<OutboxStatus>,
    /// Only messages of this run.
    pub run_id: Option<String>,
}

impl OutboxFilter {
    /// Whether `entry` passes the filter.
    pub fn matches(&self, entry: &OutboxEntry) -> bool {
        (self.statuses.is_empty() || self.statuses.contains(&entry.status))
            && self.run_id.as_ref().is_none_or(|run| &entry.run_id == run)
    }
}

/// Puts `entries` in the order [`OutboxStore::list`] answers: oldest
/// first, and by Message-ID among records created at the same instant (so
/// every backend lists the same way).
pub fn sort_for_listing(entries: &mut [OutboxEntry]) {
    entries.sort_by(|a, b| {
        a.created_at
            .cmp(&b.created_at)
            .then_with(|| a.message_id.cmp(&b.message_id))
    });
}

/// Durable storage of outbox records.
///
/// Contract: [`OutboxStore::record`] returns only once the record is durable,
/// because the caller's next move may be to put the message on the network.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Creates or replaces the record under `entry.message_id`, durably.
    async fn record(&self, entry: &OutboxEntry) -> Result<(), StoreError>;

    /// The record of one Message-ID (written with its angle brackets).
    async fn get(&self, message_id: &str) -> Result<Option<OutboxEntry>, StoreError>;

    /// Records matching `filter`, oldest first ([`sort_for_listing`]).
    async fn list(&self, filter: &OutboxFilter) -> Result<Vec<OutboxEntry>, StoreError>;

    /// How many records are in `status`. This default lists them; a store
    /// with an index by status counts its keys, so a dashboard's number
    /// does not read years of messages (the conformance suite checks both
    /// agree).
    async fn count_messages(&self, status: OutboxStatus) -> Result<u64, StoreError> {
        let filter = OutboxFilter {
            statuses: vec![status],
            ..OutboxFilter::default()
        };
        Ok(self.list(&filter).await?.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry() -> OutboxEntry {
        let mut ctx = InvokeContext::for_test();
        ctx.idempotency_key.run_id = "run-1".into();
        ctx.idempotency_key.step_id = "notify".into();
        OutboxEntry::queued(
            "<abc@garita.local>",
            &ctx,
            json!({"to": "a@example.com"}),
            ctx.now,
        )
    }

    #[test]
    fn a_retry_updates_the_same_record_and_counts_attempts() {
        let mut entry = entry();
        let now = entry.created_at;
        entry.mark_sending(now);
        entry.mark_failed(&ActionError::retryable("connection refused"), now);
        assert_eq!(
            (entry.status, entry.retryable),
            (OutboxStatus::Failed, Some(true))
        );
        assert!(entry.done_output().is_none());

        entry.requeue(2, json!({"to": "a@example.com"}), now);
        assert_eq!((entry.attempt, entry.attempts), (2, 2));
        assert_eq!(entry.status, OutboxStatus::Queued);
        assert_eq!((entry.error.as_ref(), entry.retryable), (None, None));

        entry.mark_sending(now);
        let reply =
            json!({"transport": "smtp", "server": "smtp.example.com:587", "accepted_by": "250 OK"});
        entry.mark_done(&reply, now);
        assert_eq!(entry.status, OutboxStatus::Sent);
        assert_eq!(entry.done_output(), Some(&reply));
        assert_eq!(
            entry.transport,
            Some(OutboxTransport::Smtp {
                server: Some("smtp.example.com:587".into())
            })
        );
    }

    #[test]
    fn a_file_written_is_written_not_sent() {
        let mut entry = entry();
        let now = entry.created_at;
        entry.mark_sending(now);
        let output = json!({"transport": "file", "path": "/store/outbox/abc.eml"});
        entry.mark_done(&output, now);
        assert_eq!(entry.status, OutboxStatus::Written);
        assert!(entry.status.is_done());
        assert_eq!(entry.done_output(), Some(&output));
        let transport = entry.transport().expect("finished");
        assert_eq!(
            (transport.kind(), transport.destination()),
            ("file", "/store/outbox/abc.eml")
        );

        // A new attempt forgets where the previous one went.
        entry.requeue(2, json!({"to": "a@example.com"}), now);
        assert_eq!((entry.transport(), entry.done_output()), (None, None));
    }

    #[test]
    fn an_old_sent_record_without_transport_still_reads() {
        // As stored before `written` and `transport` existed.
        let old = json!({
            "message_id": "<abc@garita.local>", "run_id": "run-1", "step_id": "notify",
            "attempt": 1, "attempts": 1, "status": "sent", "input": {"to": "a@example.com"},
            "locale": "es", "time_zone": "UTC",
            "created_at": "2026-01-05T08:00:00Z", "updated_at": "2026-01-05T08:00:01Z",
            "output": {"transport": "file", "path": "/old/outbox/abc.eml"},
            "error": null, "retryable": null
        });
        let entry: OutboxEntry = serde_json::from_value(old).expect("old records keep reading");
        assert_eq!(
            (entry.status, entry.transport.as_ref()),
            (OutboxStatus::Sent, None)
        );
        assert_eq!(
            entry.transport(),
            Some(OutboxTransport::File {
                path: "/old/outbox/abc.eml".into()
            })
        );
        assert!(entry.done_output().is_some());
    }

    #[test]
    fn the_transport_is_read_from_the_connector_output() {
        assert_eq!(
            OutboxTransport::from_output(&json!({"accepted_by": "250"})),
            None
        );
        assert_eq!(
            OutboxTransport::from_output(&json!({"transport": "smtp", "accepted_by": "250"})),
            Some(OutboxTransport::Smtp { server: None })
        );
        let smtp = OutboxTransport::Smtp { server: None };
        assert_eq!((smtp.kind(), smtp.destination()), ("smtp", ""));
        let as_json = serde_json::to_value(OutboxTransport::File {
            path: "/x.eml".into(),
        })
        .expect("serialisable");
        assert_eq!(as_json, json!({"kind": "file", "path": "/x.eml"}));
    }

    #[test]
    fn a_permanent_failure_is_not_retryable() {
        let mut entry = entry();
        entry.mark_failed(
            &ActionError::permanent("550 recipient refused"),
            entry.created_at,
        );
        assert_eq!(entry.retryable, Some(false));
        assert_eq!(entry.error.as_deref(), Some("550 recipient refused"));
    }

    #[test]
    fn statuses_parse_from_their_names_only() {
        for status in OutboxStatus::ALL {
            assert_eq!(status.as_str().parse::<OutboxStatus>(), Ok(status));
        }
        assert_eq!(" Failed ".parse::<OutboxStatus>(), Ok(OutboxStatus::Failed));
        let err = "lost".parse::<OutboxStatus>().unwrap_err();
        assert!(err
            .to_string()
            .contains("queued, sending, sent, written, failed"));
    }

    #[test]
    fn bare_ids_lose_only_their_brackets() {
        assert_eq!(bare_message_id("<abc@x.y>"), "abc@x.y");
        assert_eq!(bare_message_id("abc@x.y"), "abc@x.y");
        assert_eq!(bare_message_id(" <abc"), "abc");
        assert_eq!(entry().bare_id(), "abc@garita.local");
    }

    #[test]
    fn the_filter_matches_status_and_run() {
        let entry = entry();
        assert!(OutboxFilter::default().matches(&entry));
        let failed_only = OutboxFilter {
            statuses: vec![OutboxStatus::Failed],
            ..Default::default()
        };
        assert!(!failed_only.matches(&entry));
        let other_run = OutboxFilter {
            run_id: Some("run-2".into()),
            ..Default::default()
        };
        assert!(!other_run.matches(&entry));
    }
}
