//! The durable email outbox in front of the connectors.
//!
//! [`OutboxConnectors`] implements the engine's [`Connectors`] over another
//! one (the plugin host). Every action passes straight through except
//! `email.send`, which goes through the outbox state machine of
//! [`garita_engine::outbox`]:
//!
//! 1. `queued`, durable, with the input, the Message-ID and run/step/attempt,
//!    before anything reaches the network;
//! 2. `sending`, durable, just before the transport is called;
//! 3. `sent` (an SMTP server accepted it) or `written` (the file transport
//!    wrote it: nobody received it), with the connector's output and the
//!    transport; or `failed` with the reason and whether it is temporary.
//!    The step sees the same output or error, so its `retry:` policy decides
//!    what happens next.
//!
//! The record is keyed by the Message-ID, which `email::message_id_for`
//! derives from the run and step but not the attempt, so retries and re-runs
//! update one record. A record already `sent` or `written` is answered from
//! the record without sending again: only a crash between the server's
//! acceptance and the `sent` record causes a second delivery, with the same
//! Message-ID. `garita outbox retry` may deliver a `written` message over
//! SMTP on purpose ([`OutboxConnectors::deliver_written`]).

use std::sync::Arc;

use async_trait::async_trait;
use garita_engine::{Clock, Connectors, OutboxEntry, OutboxStatus, OutboxStore, StoreError};
use garita_sdk::{ActionError, InvokeContext, Manifest};
use serde_json::Value;

use crate::link_markers::LinkMarkers;

/// The action the outbox intercepts, after `email.`.
const SEND_ACTION: &str = "send";

/// [`Connectors`] that record every `email.send` in a durable outbox.
pub struct OutboxConnectors {
    inner: Arc<dyn Connectors>,
    outbox: Arc<dyn OutboxStore>,
    clock: Arc<dyn Clock>,
    links: Option<LinkMarkers>,
}

impl OutboxConnectors {
    /// Puts `outbox` in front of `inner`; `clock` stamps the records.
    pub fn new(
        inner: Arc<dyn Connectors>,
        outbox: Arc<dyn OutboxStore>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            inner,
            outbox,
            clock,
            links: None,
        }
    }

    /// Also turns the link markers of a message (`signed_in_link`,
    /// `answer_link`) into holders' links when it is queued
    /// ([`crate::link_markers`]).
    pub fn with_links(mut self, links: LinkMarkers) -> Self {
        self.links = Some(links);
        self
    }

    /// Sends one message through the outbox: what `email.send` does here.
    pub async fn send_email(&self, ctx: InvokeContext, input: Value) -> Result<Value, ActionError> {
        self.send(ctx, input, Again::Never).await
    }

    /// Sends a message the file transport wrote (`written`) once more,
    /// through the transport configured now: what `garita outbox retry`
    /// does once SMTP is configured. A `sent` message is still answered
    /// from its record, never sent twice.
    pub async fn deliver_written(
        &self,
        ctx: InvokeContext,
        input: Value,
    ) -> Result<Value, ActionError> {
        self.send(ctx, input, Again::IfWritten).await
    }

    async fn send(
        &self,
        ctx: InvokeContext,
        input: Value,
        again: Again,
    ) -> Result<Value, ActionError> {
        let message_id = message_id_of(&ctx);
        let known = self
            .outbox
            .get(&message_id)
            .await
            .map_err(|e| unrecorded(&message_id, &e))?;
        let finished = known
            .as_ref()
            .filter(|entry| !(again == Again::IfWritten && entry.status == OutboxStatus::Written))
            .and_then(OutboxEntry::done_output);
        if let Some(output) = finished {
            // Finished before the step's success became durable (a crash, or
            // `garita outbox retry` while the run waited): do not send twice.
            tracing::info!(%message_id, "already sent or written; answering from the outbox");
            return Ok(output.clone());
        }
        // Links are made before the message is queued, so the outbox holds
        // the message as it is sent.
        let input = match &self.links {
            Some(links) => links.expand(&ctx, input).await.map_err(|e| {
                ActionError::retryable(format!(
                    "the links of message {message_id} could not be made, so it was not sent: {e}"
                ))
            })?,
            None => input,
        };
        let now = self.clock.now();
        let mut entry = match known {
            Some(mut entry) => {
                entry.requeue(ctx.idempotency_key.attempt, input.clone(), now);
                entry
            }
            None => OutboxEntry::queued(&message_id, &ctx, input.clone(), now),
        };
        self.outbox
            .record(&entry)
            .await
            .map_err(|e| unrecorded(&message_id, &e))?;
        entry.mark_sending(self.clock.now());
        self.outbox
            .record(&entry)
            .await
            .map_err(|e| unrecorded(&message_id, &e))?;

        let result = self
            .inner
            .invoke(email::CONNECTOR_NAME, SEND_ACTION, ctx, input)
            .await;

        let now = self.clock.now();
        match &result {
            Ok(output) => entry.mark_done(output, now),
            Err(error) => entry.mark_failed(error, now),
        }
        if let Err(e) = self.outbox.record(&entry).await {
            // The outcome stands (the message may be out already); the record
            // stays `sending`, which says exactly that.
            tracing::warn!(%message_id, error = %e, "could not record the outcome of a send in the outbox");
        }
        tracing::debug!(%message_id, status = %entry.status, attempts = entry.attempts, "outbox updated");
        result
    }
}

/// Whether a finished record is handed to the transport again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Again {
    /// Never: its recorded output is the answer (a step that runs again).
    Never,
    /// When it was only written to a file (an operator's `outbox retry`).
    IfWritten,
}

#[async_trait]
impl Connectors for OutboxConnectors {
    fn manifests(&self) -> Vec<Manifest> {
        self.inner.manifests()
    }

    async fn invoke(
        &self,
        connector: &str,
        action: &str,
        ctx: InvokeContext,
        input: Value,
    ) -> Result<Value, ActionError> {
        if connector == email::CONNECTOR_NAME && action == SEND_ACTION {
            self.send_email(ctx, input).await
        } else {
            self.inner.invoke(connector, action, ctx, input).await
        }
    }
}

/// The Message-ID the email connector gives the message of this call: the
/// same derivation, from the same `message_id_domain` setting.
pub fn message_id_of(ctx: &InvokeContext) -> String {
    let domain = ctx
        .config
        .get("message_id_domain")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|domain| !domain.is_empty())
        .unwrap_or(email::DEFAULT_MESSAGE_ID_DOMAIN);
    let key = &ctx.idempotency_key;
    email::message_id_for(&key.run_id, &key.step_id, domain)
}

/// The step's error when the outbox cannot be written: temporary, since a
/// full disk or a busy store can recover, and nothing was sent.
fn unrecorded(message_id: &str, error: &StoreError) -> ActionError {
    ActionError::retryable(format!(
        "the outbox could not record message {message_id}, so it was not sent: {error}"
    ))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    use chrono::{DateTime, Utc};
    use garita_engine::{ManualClock, OutboxFilter, OutboxTransport};
    use serde_json::json;

    use super::*;

    /// An outbox in memory that can be told to refuse writes.
    #[derive(Default)]
    struct MemoryOutbox {
        entries: Mutex<BTreeMap<String, OutboxEntry>>,
        broken: Mutex<bool>,
    }

    impl MemoryOutbox {
        fn entry(&self, id: &str) -> Option<OutboxEntry> {
            self.entries.lock().ok()?.get(id).cloned()
        }
    }

    #[async_trait]
    impl OutboxStore for MemoryOutbox {
        async fn record(&self, entry: &OutboxEntry) -> Result<(), StoreError> {
            if self.broken.lock().map(|b| *b).unwrap_or(true) {
                return Err(StoreError::Io {
                    path: "memory".into(),
                    detail: "disk full".into(),
                });
            }
            if let Ok(mut entries) = self.entries.lock() {
                entries.insert(entry.message_id.clone(), entry.clone());
            }
            Ok(())
        }

        async fn get(&self, message_id: &str) -> Result<Option<OutboxEntry>, StoreError> {
            Ok(self.entry(message_id))
        }

        async fn list(&self, filter: &OutboxFilter) -> Result<Vec<OutboxEntry>, StoreError> {
            let entries = self.entries.lock().map(|e| e.clone()).unwrap_or_default();
            let mut listed: Vec<OutboxEntry> = entries
                .into_values()
                .filter(|e| filter.matches(e))
                .collect();
            garita_engine::outbox::sort_for_listing(&mut listed);
            Ok(listed)
        }
    }

    #[tokio::test]
    async fn the_test_outbox_keeps_the_outbox_contract() {
        garita_engine::outbox_conformance::outbox_checks(&MemoryOutbox::default()).await;
    }

    /// A connector set that answers from a script and remembers, for each
    /// call, the outbox record as it stood when the transport was called.
    struct Scripted {
        outbox: Arc<MemoryOutbox>,
        answers: Mutex<Vec<Result<Value, ActionError>>>,
        seen: Mutex<Vec<(String, Option<OutboxEntry>)>>,
    }

    #[async_trait]
    impl Connectors for Scripted {
        fn manifests(&self) -> Vec<Manifest> {
            Vec::new()
        }

        async fn invoke(
            &self,
            connector: &str,
            action: &str,
            ctx: InvokeContext,
            _input: Value,
        ) -> Result<Value, ActionError> {
            let record = self.outbox.entry(&message_id_of(&ctx));
            if let Ok(mut seen) = self.seen.lock() {
                seen.push((format!("{connector}.{action}"), record));
            }
            let mut answers = self
                .answers
                .lock()
                .map_err(|_| ActionError::permanent("poisoned"))?;
            if answers.is_empty() {
                Ok(json!({"ok": true}))
            } else {
                answers.remove(0)
            }
        }
    }

    struct Rig {
        outbox: Arc<MemoryOutbox>,
        inner: Arc<Scripted>,
        connectors: OutboxConnectors,
    }

    fn rig(answers: Vec<Result<Value, ActionError>>) -> Rig {
        let outbox = Arc::new(MemoryOutbox::default());
        let inner = Arc::new(Scripted {
            outbox: outbox.clone(),
            answers: Mutex::new(answers),
            seen: Mutex::new(Vec::new()),
        });
        let clock = Arc::new(ManualClock::new(DateTime::<Utc>::UNIX_EPOCH));
        let connectors = OutboxConnectors::new(inner.clone(), outbox.clone(), clock);
        Rig {
            outbox,
            inner,
            connectors,
        }
    }

    fn ctx(attempt: u32) -> InvokeContext {
        let mut ctx = InvokeContext::for_test();
        ctx.idempotency_key.run_id = "run-7".into();
        ctx.idempotency_key.step_id = "notify".into();
        ctx.idempotency_key.attempt = attempt;
        ctx.config = json!({"message_id_domain": "example.org"});
        ctx
    }

    fn input() -> Value {
        json!({"to": "ana@example.com", "subject": "Año nuevo", "body": "Hola"})
    }

    fn id() -> String {
        email::message_id_for("run-7", "notify", "example.org")
    }

    fn seen(rig: &Rig) -> Vec<(String, Option<OutboxEntry>)> {
        rig.inner.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }

    #[tokio::test]
    async fn other_actions_pass_straight_through() {
        let rig = rig(vec![]);
        let out = rig
            .connectors
            .invoke("email", "render", ctx(1), input())
            .await;
        assert_eq!(out, Ok(json!({"ok": true})));
        let out = rig
            .connectors
            .invoke("core", "set", ctx(1), json!({}))
            .await;
        assert_eq!(out, Ok(json!({"ok": true})));
        assert_eq!(rig.outbox.entry(&id()), None);
    }

    #[tokio::test]
    async fn a_send_is_sending_durably_before_the_transport_runs_then_sent() {
        let reply = json!({"message_id": id(), "transport": "smtp", "server": "smtp.example.com:587", "accepted_by": "250 OK"});
        let rig = rig(vec![Ok(reply.clone())]);
        let out = rig
            .connectors
            .invoke("email", "send", ctx(1), input())
            .await;
        assert_eq!(out, Ok(reply.clone()));

        let calls = seen(&rig);
        assert_eq!(calls.len(), 1);
        let at_call = calls[0].1.clone().expect("recorded before the call");
        assert_eq!(at_call.status, OutboxStatus::Sending);
        assert_eq!(at_call.input, input());
        assert_eq!(
            (at_call.run_id.as_str(), at_call.step_id.as_str()),
            ("run-7", "notify")
        );

        let after = rig.outbox.entry(&id()).expect("recorded");
        assert_eq!(after.status, OutboxStatus::Sent);
        assert_eq!(after.output, Some(reply));
        assert_eq!(
            after.transport,
            Some(OutboxTransport::Smtp {
                server: Some("smtp.example.com:587".into())
            })
        );
        assert_eq!((after.attempt, after.attempts), (1, 1));
    }

    fn written_reply() -> Value {
        json!({"message_id": id(), "transport": "file", "path": "/store/outbox/x.eml"})
    }

    #[tokio::test]
    async fn a_file_written_is_recorded_written_with_its_path_not_sent() {
        let rig = rig(vec![Ok(written_reply())]);
        let out = rig
            .connectors
            .invoke("email", "send", ctx(1), input())
            .await;
        assert_eq!(out, Ok(written_reply()));
        let after = rig.outbox.entry(&id()).expect("recorded");
        assert_eq!(after.status, OutboxStatus::Written);
        assert_eq!(
            after.transport,
            Some(OutboxTransport::File {
                path: "/store/outbox/x.eml".into()
            })
        );

        // The step running again (a crash) is answered from the record.
        let again = rig
            .connectors
            .invoke("email", "send", ctx(1), input())
            .await;
        assert_eq!(again, Ok(written_reply()));
        assert_eq!(seen(&rig).len(), 1, "the file is not written twice");
    }

    #[tokio::test]
    async fn deliver_written_sends_a_written_message_but_never_a_sent_one_again() {
        let smtp =
            json!({"transport": "smtp", "server": "smtp.example.com:587", "accepted_by": "250 OK"});
        let rig = rig(vec![Ok(written_reply()), Ok(smtp.clone())]);
        rig.connectors
            .send_email(ctx(1), input())
            .await
            .expect("written");
        let delivered = rig.connectors.deliver_written(ctx(2), input()).await;
        assert_eq!(delivered, Ok(smtp.clone()));
        let after = rig.outbox.entry(&id()).expect("recorded");
        assert_eq!(
            (after.status, after.attempts, after.attempt),
            (OutboxStatus::Sent, 2, 2)
        );

        // Now sent: asking again answers from the record.
        let again = rig.connectors.deliver_written(ctx(3), input()).await;
        assert_eq!(again, Ok(smtp));
        assert_eq!(seen(&rig).len(), 2, "the server got it once");
    }

    #[tokio::test]
    async fn a_temporary_failure_is_recorded_and_the_retry_updates_the_same_record() {
        let rig = rig(vec![
            Err(ActionError::retryable("could not connect to 127.0.0.1:1")),
            Ok(json!({"transport": "smtp", "accepted_by": "250 OK"})),
        ]);
        let first = rig
            .connectors
            .invoke("email", "send", ctx(1), input())
            .await;
        assert!(
            first.as_ref().is_err_and(ActionError::is_retryable),
            "{first:?}"
        );
        let failed = rig.outbox.entry(&id()).expect("recorded");
        assert_eq!(failed.status, OutboxStatus::Failed);
        assert_eq!(failed.retryable, Some(true));
        assert!(failed
            .error
            .as_deref()
            .is_some_and(|e| e.contains("127.0.0.1:1")));

        let second = rig
            .connectors
            .invoke("email", "send", ctx(2), input())
            .await;
        assert_eq!(
            second,
            Ok(json!({"transport": "smtp", "accepted_by": "250 OK"}))
        );
        let sent = rig.outbox.entry(&id()).expect("recorded");
        assert_eq!(sent.status, OutboxStatus::Sent);
        assert_eq!((sent.attempt, sent.attempts), (2, 2));
        assert_eq!((sent.error, sent.retryable), (None, None));
    }

    #[tokio::test]
    async fn a_message_already_sent_is_not_sent_again() {
        let rig = rig(vec![Ok(json!({"accepted_by": "250 first"}))]);
        let first = rig
            .connectors
            .invoke("email", "send", ctx(1), input())
            .await;
        // The step runs again with the same key, as after a crash.
        let again = rig
            .connectors
            .invoke("email", "send", ctx(1), input())
            .await;
        assert_eq!(first, again);
        assert_eq!(seen(&rig).len(), 1, "the transport is called once");
    }

    #[tokio::test]
    async fn a_send_interrupted_while_sending_goes_out_again_with_its_count() {
        let rig = rig(vec![]);
        let mut interrupted = OutboxEntry::queued(&id(), &ctx(1), input(), ctx(1).now);
        interrupted.mark_sending(ctx(1).now);
        rig.outbox.record(&interrupted).await.expect("memory");

        let out = rig
            .connectors
            .invoke("email", "send", ctx(1), input())
            .await;
        assert!(out.is_ok());
        let sent = rig.outbox.entry(&id()).expect("recorded");
        assert_eq!((sent.status, sent.attempts), (OutboxStatus::Sent, 2));
    }

    #[tokio::test]
    async fn nothing_is_sent_when_the_outbox_cannot_record_it() {
        let rig = rig(vec![]);
        if let Ok(mut broken) = rig.outbox.broken.lock() {
            *broken = true;
        }
        let err = rig
            .connectors
            .invoke("email", "send", ctx(1), input())
            .await
            .expect_err("refused");
        assert!(err.is_retryable());
        assert!(err.message().contains("was not sent"), "{err}");
        assert!(seen(&rig).is_empty(), "the transport was never called");
    }

    #[test]
    fn the_message_id_follows_the_configured_domain() {
        let mut plain = ctx(3);
        plain.config = Value::Null;
        assert_eq!(
            message_id_of(&plain),
            email::message_id_for("run-7", "notify", "garita.local")
        );
        assert_eq!(message_id_of(&ctx(3)), id());
    }
}
