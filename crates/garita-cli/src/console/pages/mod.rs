//! One module per page or action, and what they share: the context every
//! template gets and the answers to a refused request.

pub mod access;
pub mod account_import;
pub mod account_sign_in;
pub mod accounts;
pub mod audit;
pub mod calendar_feed;
pub mod holder_link;
pub mod inicio;
pub mod login;
pub mod mail;
pub mod runs;
pub mod tasks;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use garita_app::ops::console::SignedInUser;
use garita_engine::user::Language;
use serde_json::{json, Value};

use super::guard::Refusal;
use super::render::page;
use super::texts::{text, texts};

/// The context of `base.html`: language, texts, title, who is signed in
/// and their form token, and which page it is.
pub fn base(
    language: Language,
    title_key: &str,
    viewer: Option<&SignedInUser>,
    page: &str,
) -> Value {
    json!({
        "lang": language.as_str(),
        "t": texts(language),
        "title": text(language, title_key),
        "page": page,
        "viewer": viewer.map(|v| json!({"email": v.user.email, "role": v.user.role.as_str()})),
        "csrf": viewer.map(|v| v.session.csrf_token.clone()),
    })
}

/// Adds `extra`'s members to `context`.
pub fn with(mut context: Value, extra: Value) -> Value {
    if let (Some(base), Value::Object(extra)) = (context.as_object_mut(), extra) {
        base.extend(extra);
    }
    context
}

/// The answer to a refused request: to the sign-in page when signed out,
/// else an error page in the user's language with its status.
pub fn refused(refusal: Refusal, viewer: Option<&SignedInUser>) -> Response {
    let language = viewer.map_or(Language::Es, |v| v.user.language);
    let message = match &refusal {
        Refusal::SignedOut => return Redirect::to("/login").into_response(),
        Refusal::BadCsrf => text(language, "form_expired").to_owned(),
        Refusal::Forbidden => text(language, "forbidden").to_owned(),
        Refusal::Refused(why) => why.clone(),
        Refusal::Failed(why) => {
            tracing::error!(error = %why, "a console request failed");
            text(language, "failed").to_owned()
        }
    };
    let context = with(
        base(language, "error_title", viewer, "error"),
        json!({"message": message}),
    );
    page(refusal.status(), "error.html", context)
}

/// Any other path.
pub async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "not found",
    )
        .into_response()
}
