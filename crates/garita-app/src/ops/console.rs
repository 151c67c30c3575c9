//! What the officers' console does beyond the other operations: signing
//! in and out (sessions kept in the store, failed sign-ins rate-limited
//! per email and per client address) and recognising the session a
//! browser presents. Every sign-in, refused sign-in and sign-out is in the
//! audit log with who did it.

use chrono::{DateTime, Duration, Utc};
use garita_engine::audit::AuditRecord;
use garita_engine::user::{normalize_email, ConsoleSession, User};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::password;
use super::users::UserView;
use super::Session;
use crate::AppError;

/// Failed sign-ins under one email within [`FAILURE_WINDOW`] after which
/// that email is refused until the window passes.
pub const MAX_FAILURES_PER_EMAIL: u32 = 5;

/// Failed sign-ins from one client address within [`FAILURE_WINDOW`]
/// after which that address is refused (several people may share one).
pub const MAX_FAILURES_PER_CLIENT: u32 = 20;

/// The window failed sign-ins are counted in, in minutes.
pub const FAILURE_WINDOW_MINUTES: i64 = 15;

fn failure_window() -> Duration {
    Duration::minutes(FAILURE_WINDOW_MINUTES)
}

/// A sign-in as the login form sent it, with the client's address.
#[derive(Debug, Clone)]
pub struct SignIn {
    /// As typed (normalised here).
    pub email: String,
    /// As typed.
    pub password: String,
    /// The client's IP address, as the server saw it.
    pub client: String,
    /// How long the session lasts.
    pub lasts: Duration,
}

/// A session just made: the id goes into the browser's cookie and nowhere
/// else (the store keeps its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    /// The session id (secret).
    pub session_id: String,
    /// Who signed in.
    pub user: UserView,
    /// When the session ends.
    pub expires_at: DateTime<Utc>,
}

/// Why a sign-in was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignInRefused {
    /// Unknown email, wrong password or a disabled user: the page does not
    /// say which, so it does not tell who has an account.
    WrongCredentials,
    /// Too many failures for this email or from this address; try again
    /// after the window.
    TooManyAttempts,
}

/// The user behind a live session, and the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedInUser {
    /// The user (enabled).
    pub user: User,
    /// Their session (live).
    pub session: ConsoleSession,
}

/// Lower-case hex SHA-256 of a session id: its key in the store.
pub fn session_key(session_id: &str) -> String {
    garita_engine::audit::hex(&Sha256::digest(session_id.as_bytes()))
}

/// Signs in, or says why not. Checks the limits before the password (a
/// limited email is refused even with the right one), counts a failure
/// under the email and the client address, and clears the email's count
/// on success.
pub async fn sign_in(
    session: &Session,
    request: SignIn,
) -> Result<Result<SignedIn, SignInRefused>, AppError> {
    let users = &session.backend.users;
    let now = session.app.clock.now();
    let window = failure_window();
    let email =
        normalize_email(&request.email).unwrap_or_else(|_| request.email.trim().to_lowercase());
    let email_key = format!("email:{email}");
    let client_key = format!("ip:{}", request.client);
    let limited = users.login_failures(&email_key, now, window).await? >= MAX_FAILURES_PER_EMAIL
        || users.login_failures(&client_key, now, window).await? >= MAX_FAILURES_PER_CLIENT;
    if limited {
        record(
            session,
            "console.sign_in_limited",
            &email,
            None,
            json!({"client": request.client}),
        )
        .await?;
        return Ok(Err(SignInRefused::TooManyAttempts));
    }
    let user = users.user(&email).await?;
    let usable = user.as_ref().filter(|u| !u.disabled);
    let matches =
        password::verify(usable.map(|u| u.password_hash.clone()), request.password).await?;
    let Some(user) = usable.filter(|_| matches) else {
        let failures = users.note_login_failure(&email_key, now, window).await?;
        users.note_login_failure(&client_key, now, window).await?;
        record(
            session,
            "console.sign_in_refused",
            &email,
            None,
            json!({"client": request.client, "failures": failures}),
        )
        .await?;
        return Ok(Err(SignInRefused::WrongCredentials));
    };
    users.clear_login_failures(&email_key).await?;
    // Sessions that ended are swept here, where one begins.
    users.delete_expired_console_sessions(now).await?;
    let session_id = password::random_hex(32);
    let stored = ConsoleSession {
        id_hash: session_key(&session_id),
        email: user.email.clone(),
        created_at: now,
        expires_at: now + request.lasts,
        csrf_token: password::random_hex(32),
    };
    users.put_console_session(&stored).await?;
    record(
        session,
        "console.signed_in",
        &user.email,
        Some(&user.email),
        json!({"client": request.client, "role": user.role.as_str()}),
    )
    .await?;
    Ok(Ok(SignedIn {
        session_id,
        user: UserView::from(user),
        expires_at: stored.expires_at,
    }))
}

/// The enabled user behind a live session `session_id`, if any.
pub async fn signed_in_user(
    session: &Session,
    session_id: &str,
) -> Result<Option<SignedInUser>, AppError> {
    if session_id.is_empty() || session_id.len() > 128 {
        return Ok(None);
    }
    let users = &session.backend.users;
    let Some(stored) = users.console_session(&session_key(session_id)).await? else {
        return Ok(None);
    };
    if !stored.is_live(session.app.clock.now()) {
        return Ok(None);
    }
    let user = users.user(&stored.email).await?.filter(|u| !u.disabled);
    Ok(user.map(|user| SignedInUser {
        user,
        session: stored,
    }))
}

/// Ends a session and records who signed out.
pub async fn sign_out(session: &Session, signed_in: &SignedInUser) -> Result<(), AppError> {
    session
        .backend
        .users
        .delete_console_session(&signed_in.session.id_hash)
        .await?;
    let email = &signed_in.user.email;
    record(session, "console.signed_out", email, Some(email), json!({})).await
}

async fn record(
    session: &Session,
    kind: &str,
    subject: &str,
    actor: Option<&str>,
    summary: serde_json::Value,
) -> Result<(), AppError> {
    session
        .backend
        .audit
        .record_audit(AuditRecord {
            at: session.app.clock.now(),
            kind: kind.into(),
            subject: subject.into(),
            actor: actor.map(str::to_owned),
            summary,
        })
        .await?;
    Ok(())
}
