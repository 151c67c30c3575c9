//! Console users: add, list, disable, change a password
//! (`garita users ...`). Passwords arrive in plain text from the front end
//! (standard input of the command, the control socket's JSON) and leave
//! this module only as argon2id hashes; no answer carries a hash.

use chrono::{DateTime, Utc};
use garita_engine::user::{normalize_email, Language, Role, User, UserChange, UserChangeKind};
use serde::{Deserialize, Serialize};

use super::password;
use super::Session;
use crate::AppError;

/// A user as the front ends show it: everything but the password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct UserView {
    /// Their email (normalised: trimmed, lower case).
    pub email: String,
    /// officer, auditor or admin.
    pub role: Role,
    /// es or en.
    pub language: Language,
    /// A disabled user cannot sign in.
    pub disabled: bool,
    /// When they were added.
    pub created_at: DateTime<Utc>,
    /// When the record last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        Self {
            email: user.email.clone(),
            role: user.role,
            language: user.language,
            disabled: user.disabled,
            created_at: user.created_at,
            updated_at: user.updated_at,
        }
    }
}

/// `garita users add`: who to add, as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUser {
    /// Their email (normalised here).
    pub email: String,
    /// officer, auditor or admin.
    pub role: String,
    /// es (default) or en.
    pub language: Option<String>,
    /// The password, in plain text; only its hash is kept.
    pub password: String,
    /// Who adds them (default: the caller).
    pub by: Option<String>,
}

/// What disabling a user or changing a password did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct UserChanged {
    /// The user now.
    pub user: UserView,
    /// Console sessions of theirs that were ended (signed out everywhere).
    pub sessions_ended: u64,
}

/// Adds a user; refused when the email is taken.
pub async fn add(session: &Session, new: NewUser, by: String) -> Result<UserView, AppError> {
    let email = normalize_email(&new.email).map_err(|e| AppError::Usage(e.to_string()))?;
    let role: Role = new
        .role
        .parse()
        .map_err(|e: garita_engine::user::UserError| AppError::Usage(e.to_string()))?;
    let language = match new.language.as_deref() {
        Some(text) => text
            .parse()
            .map_err(|e: garita_engine::user::UserError| AppError::Usage(e.to_string()))?,
        None => Language::default(),
    };
    password::check_new_password(&new.password)?;
    if session.backend.users.user(&email).await?.is_some() {
        return Err(AppError::Refused(format!(
            "{email} is already a user; `garita users passwd {email}` changes the password"
        )));
    }
    let now = session.app.clock.now();
    let user = User {
        email,
        role,
        password_hash: password::hash(new.password).await?,
        disabled: false,
        created_at: now,
        updated_at: now,
        language,
        revision: 0,
    };
    let change = UserChange {
        kind: UserChangeKind::Added,
        actor: by,
        at: now,
    };
    let stored = session.backend.users.write_user(&user, 0, &change).await?;
    Ok(UserView::from(&stored))
}

/// Every user, by email.
pub async fn list(session: &Session) -> Result<Vec<UserView>, AppError> {
    Ok(session
        .backend
        .users
        .users()
        .await?
        .iter()
        .map(UserView::from)
        .collect())
}

/// Disables a user and ends their sessions.
pub async fn disable(session: &Session, email: &str, by: String) -> Result<UserChanged, AppError> {
    let current = existing(session, email).await?;
    let now = session.app.clock.now();
    let next = User {
        disabled: true,
        updated_at: now,
        ..current.clone()
    };
    let change = UserChange {
        kind: UserChangeKind::Disabled,
        actor: by,
        at: now,
    };
    changed(session, &current, next, change).await
}

/// Sets a new password and ends the user's sessions.
pub async fn passwd(
    session: &Session,
    email: &str,
    new_password: String,
    by: String,
) -> Result<UserChanged, AppError> {
    password::check_new_password(&new_password)?;
    let current = existing(session, email).await?;
    let now = session.app.clock.now();
    let next = User {
        password_hash: password::hash(new_password).await?,
        updated_at: now,
        ..current.clone()
    };
    let change = UserChange {
        kind: UserChangeKind::PasswordChanged,
        actor: by,
        at: now,
    };
    changed(session, &current, next, change).await
}

async fn existing(session: &Session, email: &str) -> Result<User, AppError> {
    let email = normalize_email(email).map_err(|e| AppError::Usage(e.to_string()))?;
    session.backend.users.user(&email).await?.ok_or_else(|| {
        AppError::NotFound(format!(
            "no user {email}; `garita users list` shows the users"
        ))
    })
}

async fn changed(
    session: &Session,
    current: &User,
    next: User,
    change: UserChange,
) -> Result<UserChanged, AppError> {
    let users = &session.backend.users;
    let stored = users.write_user(&next, current.revision, &change).await?;
    let sessions_ended = users.delete_console_sessions_of(&stored.email).await?;
    Ok(UserChanged {
        user: UserView::from(&stored),
        sessions_ended,
    })
}
