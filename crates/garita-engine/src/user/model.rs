//! The records of [`super::UserStore`]: users, console sessions and sign-in
//! failure counts.

use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// What a console user may do. Checked on the server for every page and
/// every action (garita-cli's console holds a guard per role).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Answers tasks and keeps the accounts inventory.
    Officer,
    /// Reads everything, changes nothing; exports the audit log.
    Auditor,
    /// Manages users and schedules, and may do what an officer does.
    Admin,
}

impl Role {
    /// Every role.
    pub const ALL: [Self; 3] = [Self::Officer, Self::Auditor, Self::Admin];

    /// Lower-case name, as `--role` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Officer => "officer",
            Self::Auditor => "auditor",
            Self::Admin => "admin",
        }
    }

    /// Whether this role may change tasks and accounts (officers and admins).
    pub fn may_act_as_officer(self) -> bool {
        matches!(self, Self::Officer | Self::Admin)
    }

    /// Whether this role may manage users and schedules.
    pub fn may_administer(self) -> bool {
        self == Self::Admin
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = UserError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == wanted)
            .ok_or_else(|| UserError::UnknownRole(text.to_owned()))
    }
}

/// The console's language for a user.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    /// Spanish, the default.
    #[default]
    Es,
    /// English.
    En,
}

impl Language {
    /// `es` or `en`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Es => "es",
            Self::En => "en",
        }
    }
}

impl FromStr for Language {
    type Err = UserError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "es" => Ok(Self::Es),
            "en" => Ok(Self::En),
            _ => Err(UserError::UnknownLanguage(text.to_owned())),
        }
    }
}

/// What is wrong with a user's email, role or language as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserError {
    /// Not an email address.
    #[error("`{0}` is not an email address (expected name@domain, without spaces)")]
    BadEmail(String),
    /// Not one of [`Role::ALL`].
    #[error("unknown role `{0}`; use one of: officer, auditor, admin")]
    UnknownRole(String),
    /// Not `es` or `en`.
    #[error("unknown language `{0}`; use es or en")]
    UnknownLanguage(String),
}

/// The email as a user's key: trimmed and in lower case. Refuses text that
/// is not `local@domain` (nothing empty, no whitespace or control
/// characters inside, one `@`), so that two spellings never name two users.
pub fn normalize_email(text: &str) -> Result<String, UserError> {
    let email = text.trim().to_lowercase();
    let bad = || UserError::BadEmail(text.trim().to_owned());
    let (local, domain) = email.split_once('@').ok_or_else(bad)?;
    if local.is_empty()
        || domain.is_empty()
        || domain.contains('@')
        || !domain.contains('.')
        || email.len() > 254
        || email.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(bad());
    }
    Ok(email)
}

/// One person who may sign in to the console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// The key: normalised by [`normalize_email`].
    pub email: String,
    /// What they may do.
    pub role: Role,
    /// argon2id hash of the password, PHC string format
    /// (`$argon2id$v=19$m=...,t=...,p=...$salt$hash`).
    pub password_hash: String,
    /// A disabled user cannot sign in; their sessions are ended.
    pub disabled: bool,
    /// When the user was added.
    pub created_at: DateTime<Utc>,
    /// When the record last changed.
    pub updated_at: DateTime<Utc>,
    /// The console's language for them.
    pub language: Language,
    /// Raised by one on every write; a write names the revision it read
    /// (0: none) and the store refuses it when that is no longer current.
    pub revision: u64,
}

/// What a write of a user is, for its audit entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserChangeKind {
    /// `user.added`.
    Added,
    /// `user.disabled`.
    Disabled,
    /// `user.password_changed`.
    PasswordChanged,
}

impl UserChangeKind {
    /// The audit entry's kind.
    pub fn audit_kind(self) -> &'static str {
        match self {
            Self::Added => "user.added",
            Self::Disabled => "user.disabled",
            Self::PasswordChanged => "user.password_changed",
        }
    }
}

/// Who changed a user, when and how: the audit entry written with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserChange {
    /// What the change is.
    pub kind: UserChangeKind,
    /// Who made it.
    pub actor: String,
    /// When, by the business clock.
    pub at: DateTime<Utc>,
}

/// A signed-in console session. The browser holds the random id; the store
/// holds only its SHA-256 (`id_hash`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleSession {
    /// Lower-case hex SHA-256 of the session id the cookie carries.
    pub id_hash: String,
    /// The signed-in user (normalised email).
    pub email: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it stops being accepted.
    pub expires_at: DateTime<Utc>,
    /// The token every form of this session must send back.
    pub csrf_token: String,
}

impl ConsoleSession {
    /// Whether it is still accepted at `now`.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        now < self.expires_at
    }
}

/// Failed sign-ins under one key (an email or an address) in a fixed
/// window that starts at the first failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginFailures {
    /// The first failure of the window.
    pub since: DateTime<Utc>,
    /// Failures since then.
    pub count: u32,
}

impl LoginFailures {
    /// The count at `now` for a window of `window` (0 once it has passed).
    pub fn count_at(&self, now: DateTime<Utc>, window: Duration) -> u32 {
        if now - self.since >= window {
            0
        } else {
            self.count
        }
    }

    /// The record after one more failure at `at`.
    pub fn after_failure(previous: Option<Self>, at: DateTime<Utc>, window: Duration) -> Self {
        match previous {
            Some(p) if p.count_at(at, window) > 0 => Self {
                since: p.since,
                count: p.count.saturating_add(1),
            },
            _ => Self {
                since: at,
                count: 1,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_lowercased_and_checked() {
        assert_eq!(
            normalize_email("  Ana.Perez@Example.COM \n"),
            Ok("ana.perez@example.com".into())
        );
        for bad in [
            "",
            "ana",
            "@example.com",
            "ana@",
            "a na@example.com",
            "ana@@x.com",
            "ana@localhost",
            "a@b.c\0",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn roles_and_languages_parse_their_names_only() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert_eq!(" Admin ".parse::<Role>(), Ok(Role::Admin));
        assert!("root".parse::<Role>().is_err());
        assert_eq!("EN".parse::<Language>(), Ok(Language::En));
        assert!("fr".parse::<Language>().is_err());
        assert!(Role::Admin.may_act_as_officer() && !Role::Auditor.may_act_as_officer());
        assert!(Role::Admin.may_administer() && !Role::Officer.may_administer());
    }

    #[test]
    fn failures_count_within_their_window_and_start_over_after_it() {
        let t0 = DateTime::<Utc>::from_timestamp(1_772_000_000, 0).unwrap();
        let window = Duration::minutes(15);
        let one = LoginFailures::after_failure(None, t0, window);
        let two = LoginFailures::after_failure(Some(one), t0 + Duration::minutes(5), window);
        assert_eq!(
            two,
            LoginFailures {
                since: t0,
                count: 2
            }
        );
        assert_eq!(two.count_at(t0 + Duration::minutes(14), window), 2);
        assert_eq!(two.count_at(t0 + window, window), 0);
        let fresh = LoginFailures::after_failure(Some(two), t0 + window, window);
        assert_eq!(
            fresh,
            LoginFailures {
                since: t0 + window,
                count: 1
            }
        );
    }
}
