//! Correo: the outbox by status (`GET /correo`, `POST /correo`), a
//! message (`POST /correo/ver`: its text body shown as text, escaped like
//! everything a template prints, never its HTML as markup), and sending a
//! failed one again (`POST /correo/reintentar`, officers; recorded in the
//! audit log with who asked).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Form;
use garita_app::ops::console::SignedInUser;
use garita_app::ops::outbox::{retry_by, summary, OutboxQuery};
use garita_app::Operations;
use garita_engine::{OutboxEntry, OutboxStatus};
use serde::Deserialize;
use serde_json::{json, Value};

use super::access::{form_reader, officer, reader};
use super::{base, refused, with};
use crate::console::guard::Refusal;
use crate::console::page_texts::moment;
use crate::console::render::page;
use crate::console::texts::text;
use crate::console::ConsoleState;

/// The status filter, or a message to show.
#[derive(Debug, Default, Deserialize)]
pub struct MailForm {
    csrf: Option<String>,
    #[serde(default)]
    status: String,
    #[serde(default)]
    message: String,
}

/// Every message.
pub async fn list(State(state): State<Arc<ConsoleState>>, headers: HeaderMap) -> Response {
    match reader(&state, &headers).await {
        Ok(signed) => show_list(&state, &signed, "").await,
        Err(response) => response,
    }
}

/// The status the form names.
pub async fn filter(
    State(state): State<Arc<ConsoleState>>,
    headers: HeaderMap,
    Form(sent): Form<MailForm>,
) -> Response {
    match form_reader(&state, &headers, sent.csrf.as_deref()).await {
        Ok(signed) => show_list(&state, &signed, sent.status.trim()).await,
        Err(response) => response,
    }
}

fn row(language: garita_engine::user::Language, entry: &OutboxEntry) -> Value {
    let said = summary(entry);
    json!({
        "id": entry.message_id,
        "to": said.to,
        "subject": said.subject,
        "body": said.body,
        "status": entry.status.to_string(),
        "attempts": entry.attempts,
        "error": entry.error,
        "created": moment(language, entry.created_at),
        "run": entry.run_id,
        "step": entry.step_id,
    })
}

async fn show_list(state: &ConsoleState, signed: &SignedInUser, status: &str) -> Response {
    let status = OutboxStatus::ALL
        .into_iter()
        .map(|s| s.to_string())
        .find(|s| s == status);
    let query = OutboxQuery {
        status: status.clone(),
    };
    let mut entries = match state.session.list_outbox(query).await {
        Ok(entries) => entries,
        Err(e) => return refused(Refusal::of_error(&e), Some(signed)),
    };
    entries.sort_by_key(|entry| std::cmp::Reverse(entry.created_at));
    let language = signed.user.language;
    let messages: Vec<_> = entries.iter().map(|e| row(language, e)).collect();
    let statuses: Vec<String> = OutboxStatus::ALL.iter().map(ToString::to_string).collect();
    let context = with(
        base(language, "mail_title", Some(signed), "correo"),
        json!({"messages": messages, "statuses": statuses, "status": status}),
    );
    page(StatusCode::OK, "correo.html", context)
}

/// One message.
pub async fn show(
    State(state): State<Arc<ConsoleState>>,
    headers: HeaderMap,
    Form(sent): Form<MailForm>,
) -> Response {
    let signed = match form_reader(&state, &headers, sent.csrf.as_deref()).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    match state.session.show_outbox_message(sent.message.trim()).await {
        Ok(entry) => message_page(&signed, &entry, StatusCode::OK, None, None),
        Err(e) => refused(Refusal::of_error(&e), Some(&signed)),
    }
}

/// Sends a failed (or written) message again, as the signed-in officer.
pub async fn retry(
    State(state): State<Arc<ConsoleState>>,
    headers: HeaderMap,
    Form(sent): Form<MailForm>,
) -> Response {
    let (guard, signed) = match officer(&state, &headers, sent.csrf.as_deref()).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let given = sent.message.trim();
    match retry_by(&state.session, given, guard.email()).await {
        Ok(entry) => {
            let notice = text(signed.user.language, "retried")
                .replace("{status}", &entry.status.to_string());
            message_page(&signed, &entry, StatusCode::OK, Some(notice), None)
        }
        Err(e) => match (
            Refusal::of_error(&e),
            state.session.show_outbox_message(given).await,
        ) {
            (Refusal::Refused(why), Ok(entry)) => message_page(
                &signed,
                &entry,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(why),
            ),
            (refusal, _) => refused(refusal, Some(&signed)),
        },
    }
}

fn message_page(
    signed: &SignedInUser,
    entry: &OutboxEntry,
    status: StatusCode,
    notice: Option<String>,
    message: Option<String>,
) -> Response {
    let language = signed.user.language;
    let retryable = matches!(entry.status, OutboxStatus::Failed | OutboxStatus::Written);
    let m = row(language, entry);
    let context = with(
        base(language, "mail_title", Some(signed), "correo"),
        json!({
            "title": m["subject"],
            "m": m,
            "may_retry": retryable && signed.user.role.may_act_as_officer(),
            "notice": notice,
            "message": message,
        }),
    );
    page(status, "mensaje.html", context)
}
