//! `GET /login`, `POST /login`, `POST /logout`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use garita_app::ops::console::{self, SignIn, SignInRefused};
use garita_app::ops::password::random_hex;
use garita_engine::user::Language;
use serde::Deserialize;
use serde_json::json;

use super::{base, refused, with};
use crate::console::cookies;
use crate::console::guard::{check_csrf, same_token, viewer};
use crate::console::render::page;
use crate::console::texts::text;
use crate::console::ConsoleState;

/// Seconds the sign-in form's token lasts.
const FORM_SECONDS: i64 = 3600;

/// The sign-in form's fields.
#[derive(Debug, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    csrf: Option<String>,
}

/// A form that carries only its token.
#[derive(Debug, Deserialize)]
pub struct TokenForm {
    csrf: Option<String>,
}

/// The sign-in page, with a fresh form token (or Inicio when signed in).
pub async fn form(State(state): State<Arc<ConsoleState>>, headers: HeaderMap) -> Response {
    if viewer(&state, &headers).await.is_ok() {
        return Redirect::to("/").into_response();
    }
    login_page(&state, StatusCode::OK, "", None)
}

/// Checks the form token, then signs in: a session cookie and on to
/// Inicio, or the page again with why not.
pub async fn submit(
    State(state): State<Arc<ConsoleState>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(sent): Form<SignInForm>,
) -> Response {
    let expected = cookies::read(&headers, cookies::LOGIN_CSRF).unwrap_or_default();
    if !same_token(&expected, sent.csrf.as_deref()) {
        return login_page(
            &state,
            StatusCode::FORBIDDEN,
            &sent.email,
            Some("form_expired"),
        );
    }
    let request = SignIn {
        email: sent.email.clone(),
        password: sent.password,
        client: client.ip().to_string(),
        lasts: chrono::Duration::hours(i64::from(state.config.session_hours)),
    };
    match console::sign_in(&state.session, request).await {
        Ok(Ok(signed)) => {
            let secure = state.config.secure_cookies;
            let seconds = (signed.expires_at - state.session.app.clock.now())
                .num_seconds()
                .max(0);
            let mut response = Redirect::to("/").into_response();
            let headers = response.headers_mut();
            for cookie in [
                cookies::set(cookies::SESSION, &signed.session_id, seconds, secure),
                cookies::clear(cookies::LOGIN_CSRF, secure),
            ] {
                if let Ok(value) = cookie.parse() {
                    headers.append(header::SET_COOKIE, value);
                }
            }
            response
        }
        Ok(Err(SignInRefused::WrongCredentials)) => login_page(
            &state,
            StatusCode::UNAUTHORIZED,
            &sent.email,
            Some("wrong_credentials"),
        ),
        Ok(Err(SignInRefused::TooManyAttempts)) => login_page(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            &sent.email,
            Some("too_many_attempts"),
        ),
        Err(e) => refused(crate::console::guard::Refusal::Failed(e.to_string()), None),
    }
}

/// Ends the session (the form's token must be the session's).
pub async fn sign_out(
    State(state): State<Arc<ConsoleState>>,
    headers: HeaderMap,
    Form(sent): Form<TokenForm>,
) -> Response {
    let signed = match viewer(&state, &headers).await {
        Ok(signed) => signed,
        Err(refusal) => return refused(refusal, None),
    };
    if let Err(refusal) = check_csrf(&signed, sent.csrf.as_deref()) {
        return refused(refusal, Some(&signed));
    }
    if let Err(e) = console::sign_out(&state.session, &signed).await {
        return refused(
            crate::console::guard::Refusal::Failed(e.to_string()),
            Some(&signed),
        );
    }
    let mut response = Redirect::to("/login").into_response();
    if let Ok(value) = cookies::clear(cookies::SESSION, state.config.secure_cookies).parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// The sign-in page with a new form token in its cookie; `message` is a
/// text key. The email typed stays in the field; the password never does.
fn login_page(
    state: &ConsoleState,
    status: StatusCode,
    email: &str,
    message: Option<&str>,
) -> Response {
    let language = Language::Es;
    let token = random_hex(16);
    let context = with(
        base(language, "sign_in_title", None, "login"),
        json!({
            "csrf": token,
            "email": email,
            "message": message.map(|key| text(language, key)),
        }),
    );
    let mut response = page(status, "login.html", context);
    let cookie = cookies::set(
        cookies::LOGIN_CSRF,
        &token,
        FORM_SECONDS,
        state.config.secure_cookies,
    );
    if let Ok(value) = cookie.parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}
