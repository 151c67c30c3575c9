//! `/enlace/{token}`: a holder's signed link (garita-app's `ops::links`).
//!
//! - `GET` shows the confirmation page and changes nothing: mail scanners
//!   that fetch every link in a message use up nothing.
//! - `POST` (the page's form, with its form token) acts once: the sign-in
//!   or the answer, recorded as the holder with the client's address and
//!   browser.
//! - `POST /enlace/{token}/nuevo` (from a used or expired link's page)
//!   mails a fresh link.
//!
//! No sign-in: the link is the holder's proof. Anything malformed,
//! altered or unknown is answered 404 with the same page.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::Form;
use garita_app::ops::links::{self, LinkActedState, LinkPost, LinkState};
use garita_app::AppError;
use garita_engine::user::Language;
use serde_json::{json, Value};

use super::{base, with};
use crate::console::link_texts::{language_of, texts};
use crate::console::render::page;
use crate::console::ConsoleState;

fn language(headers: &HeaderMap) -> Language {
    language_of(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

fn context(language: Language, extra: Value) -> Value {
    let title = if language == Language::En {
        "Link"
    } else {
        "Enlace"
    };
    let context = with(
        base(language, "error_title", None, "link"),
        json!({"l": texts(language), "title": title}),
    );
    with(context, extra)
}

fn shown(language: Language, status: StatusCode, extra: Value) -> Response {
    page(status, "link.html", context(language, extra))
}

fn invalid(language: Language) -> Response {
    shown(language, StatusCode::NOT_FOUND, json!({"state": "invalid"}))
}

fn failed(language: Language, error: &AppError) -> Response {
    match error {
        AppError::NotFound(_) => invalid(language),
        AppError::Refused(_) => shown(
            language,
            StatusCode::FORBIDDEN,
            json!({"state": "refused", "message": texts(language)["form_old"]}),
        ),
        other => {
            tracing::error!(error = %other, "a holder's link could not be acted on");
            shown(
                language,
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"state": "refused", "message": texts(language)["failed"]}),
            )
        }
    }
}

fn state_name(state: LinkState) -> &'static str {
    match state {
        LinkState::Ready => "ready",
        LinkState::Used => "used",
        LinkState::Expired => "expired",
        LinkState::Closed => "closed",
    }
}

/// The page of a link, with `message` over its form (a wrong answer).
async fn link_page(
    state: &ConsoleState,
    token: &str,
    language: Language,
    status: StatusCode,
    message: Option<String>,
) -> Response {
    match links::open(&state.session, token).await {
        Ok(link) => shown(
            language,
            status,
            json!({
                "state": state_name(link.state),
                "purpose": link.purpose.as_str(),
                "form_token": link.form_token,
                "expires_at": link.expires_at.format("%Y-%m-%d %H:%M").to_string(),
                "used_at": link.used_at.map(|t| t.format("%Y-%m-%d %H:%M").to_string()),
                "account": link.account,
                "task": link.task.map(|t| json!({
                    "title": t.title,
                    "body": t.body,
                    "due": t.due.map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string()),
                    "fields": t.fields,
                })),
                "action": format!("/enlace/{token}"),
                "message": message,
            }),
        ),
        Err(e) => failed(language, &e),
    }
}

/// `GET /enlace/{token}`: reads only.
pub async fn show(
    State(state): State<Arc<ConsoleState>>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    link_page(&state, &token, language(&headers), StatusCode::OK, None).await
}

/// `POST /enlace/{token}`: the confirmation.
pub async fn confirm(
    State(state): State<Arc<ConsoleState>>,
    Path(token): Path<String>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(sent): Form<Vec<(String, String)>>,
) -> Response {
    let language = language(&headers);
    let mut post = LinkPost {
        ip: client.ip().to_string(),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
        ..LinkPost::default()
    };
    for (name, value) in sent {
        match name.as_str() {
            "form_token" => post.form_token = value,
            "note" => post.note = Some(value),
            _ => {
                if let Some(field) = name.strip_prefix("field.") {
                    post.fields.insert(field.to_owned(), value);
                }
            }
        }
    }
    match links::act(&state.session, &token, post).await {
        Ok(acted) => {
            let name = match acted.state {
                LinkActedState::Done => "done",
                LinkActedState::Used => "used",
                LinkActedState::Expired => "expired",
                LinkActedState::Closed => "closed",
            };
            if name == "done" {
                shown(
                    language,
                    StatusCode::OK,
                    json!({"state": "done", "purpose": acted.purpose.as_str()}),
                )
            } else {
                // The link's own page says why, and offers a new one.
                link_page(&state, &token, language, StatusCode::CONFLICT, None).await
            }
        }
        // A wrong or incomplete answer: the form again, saying what.
        Err(AppError::Usage(why)) => {
            link_page(
                &state,
                &token,
                language,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(why),
            )
            .await
        }
        Err(e) => failed(language, &e),
    }
}

/// The renewal form's field.
#[derive(Debug, serde::Deserialize)]
pub struct Renewal {
    #[serde(default)]
    form_token: String,
}

/// `POST /enlace/{token}/nuevo`: mails a fresh link.
pub async fn renew(
    State(state): State<Arc<ConsoleState>>,
    Path(token): Path<String>,
    headers: HeaderMap,
    Form(sent): Form<Renewal>,
) -> Response {
    let language = language(&headers);
    match links::renew(&state.session, &token, &sent.form_token).await {
        Ok(renewed) if renewed.sent => shown(language, StatusCode::OK, json!({"state": "renewed"})),
        Ok(_) => shown(language, StatusCode::OK, json!({"state": "not_renewed"})),
        Err(e) => failed(language, &e),
    }
}
