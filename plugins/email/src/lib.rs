//! The `email` connector: builds messages with [lettre] and delivers them to
//! a file outbox or an SMTP server.
//!
//! | action | side effects | does |
//! |---|---|---|
//! | `email.render` | no | builds the RFC 5322 message and returns it as text with its Message-ID |
//! | `email.send` | yes | builds the same message and delivers it through the configured transport |
//!
//! # Safety of what is built
//!
//! Every address is parsed into lettre's typed `Mailbox` (display names with
//! accents and `ñ` are fine and get MIME-encoded), and the message is built
//! only through lettre's typed builder. CR, LF and other control characters
//! in the subject, a display name or an attachment name are refused with
//! [`garita_sdk::ActionError::InvalidInput`], so no input can add a header.
//! Attachments are read from disk with a size limit (10 MiB each by default)
//! and an error that names the missing or oversized file.
//!
//! # Bodies: Markdown, sent as plain text and HTML
//!
//! `body` is Markdown unless the input gives its own `html` or says
//! `format: text`. A Markdown body is sent as `multipart/alternative`: a
//! text/plain part written for reading (no `**`, `#` or `[text](url)`
//! left; lists keep `-` or their numbers, links show the bare URL) and a
//! text/html part rendered from the same source, with inline styles and
//! every piece of text, raw HTML included, escaped ([`markdown`]).
//!
//! # Delivery contract: at least once, same Message-ID
//!
//! The engine may run a step again after a crash or a transient failure. The
//! Message-ID is therefore derived from the run and step ids, *not* from the
//! attempt number ([`message_id_for`]), and the `Date` header comes from the
//! engine's clock: a message sent again carries the same Message-ID.
//!
//! - File transport (the default): the message is written as
//!   `<hash>.eml` in the outbox, where `<hash>` is the left part of the
//!   Message-ID. Sending twice overwrites the same file, so delivery to the
//!   outbox is idempotent. Nobody receives it: the output says
//!   `"transport": "file"` with the `path`, and the durable outbox records
//!   the message `written`, not `sent`.
//! - SMTP transport: delivery is at least once. If the process dies after the
//!   server accepted the message but before the step was recorded, the re-run
//!   sends it again, with the same Message-ID, which lets mail systems and
//!   people recognise the duplicate. The output names the `server`
//!   (`host:port`) and its reply (`accepted_by`). (The durable outbox state machine that
//!   narrows this window lives in the engine, not here.)
//!
//! # Configuration (`[connectors.email]`)
//!
//! | key | default | meaning |
//! |---|---|---|
//! | `transport` | `"file"` | `"file"` or `"smtp"` |
//! | `outbox_dir` | `.garita/outbox` | file transport directory, created with mode 0700 |
//! | `from` | — | sender when the input has none |
//! | `message_id_domain` | `garita.local` | right part of Message-IDs |
//! | `max_attachment_bytes` | 10485760 | size limit per attachment |
//! | `host`, `port` | —, by `tls` | SMTP server (587 starttls, 465 implicit, 25 none) |
//! | `tls` | `"starttls"` | `"starttls"`, `"implicit"`, or `"none"` (loopback hosts only, for tests) |
//! | `username`, `password_env` | — | SMTP login; `password_env` is the *name* of the environment variable holding the password, which never appears in configuration, output or errors |
//! | `connect_timeout_secs` | 10 | to connect, read the greeting and say EHLO |
//! | `timeout_secs` | 60 | for every later exchange |
//!
//! SMTP errors: 4xx replies, refused connections and timeouts are
//! `Retryable`; 5xx replies (refused recipient, failed authentication) and
//! TLS problems are `Permanent`, with the server's reply text.

mod actions;
mod address;
mod attachment;
mod compose;
mod config;
mod header_fold;
mod input;
mod markdown;
mod message_id;
mod outbox;
mod request;
mod schema;
mod smtp;

pub use config::{
    EmailConfig, SmtpSettings, SmtpTls, Transport, DEFAULT_CONNECT_TIMEOUT_SECS,
    DEFAULT_MAX_ATTACHMENT_BYTES, DEFAULT_OUTBOX_DIR, DEFAULT_TIMEOUT_SECS,
};
pub use message_id::{message_id_for, DEFAULT_MESSAGE_ID_DOMAIN};

use garita_sdk::serde_json::Value;
use garita_sdk::{ActionError, Connector, InvokeContext, Manifest};

/// The connector's name: the part before the dot in `email.ACTION`.
pub const CONNECTOR_NAME: &str = "email";

/// The email connector. Holds no state: settings come with every call in
/// `ctx.config`, and each SMTP delivery opens its own connection.
#[derive(Debug, Default, Clone, Copy)]
pub struct EmailConnector;

impl Connector for EmailConnector {
    fn manifest(&self) -> Manifest {
        Manifest::new(
            CONNECTOR_NAME,
            env!("CARGO_PKG_VERSION"),
            "Email: renders RFC 5322 messages and sends them to a file outbox or over SMTP, with stable Message-IDs.",
        )
        .action(actions::render::spec())
        .action(actions::send::spec())
    }

    fn invoke(
        &self,
        ctx: &InvokeContext,
        action: &str,
        input: Value,
    ) -> Result<Value, ActionError> {
        match action {
            actions::render::NAME => actions::render::run(ctx, &input),
            actions::send::NAME => actions::send::run(ctx, &input),
            other => Err(ActionError::unknown_action(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_marks_only_send_as_side_effecting() {
        let manifest = EmailConnector.manifest();
        assert_eq!(manifest.name, "email");
        let render = manifest.find("render").unwrap();
        let send = manifest.find("send").unwrap();
        assert!(!render.side_effects && send.side_effects);
        assert_eq!(render.input_schema, send.input_schema);
        assert_eq!(
            send.input_schema["required"],
            garita_sdk::serde_json::json!(["to", "subject", "body"])
        );
    }
}

// Makes the cdylib loadable by the Garita host (the C ABI entry point). Gated
// because the garita binary links this crate statically next to other
// connectors, and each export defines the same symbol.
#[cfg(feature = "cdylib")]
garita_sdk::export_connector!(EmailConnector);
