//! Who is asking, and whether they may: the signed-in user behind the
//! session cookie ([`viewer`]), the role guards a handler must hold before
//! it acts ([`Officer`]; a guard exists only for a user whose role allows
//! it, so a handler that takes one cannot forget the check), and the CSRF
//! token check of every form ([`check_csrf`]).

use axum::http::{HeaderMap, StatusCode};
use garita_app::ops::console::{signed_in_user, SignedInUser};
use subtle::ConstantTimeEq;

use super::cookies;
use super::ConsoleState;

/// Why a request is refused before it acts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No live session: sign in first.
    SignedOut,
    /// The form's CSRF token is missing or wrong.
    BadCsrf,
    /// The user's role does not allow this.
    Forbidden,
    /// The operation refused the request (an unknown account, a state
    /// that forbids it); its words.
    Refused(String),
    /// The store failed; the message says how.
    Failed(String),
}

impl Refusal {
    /// An operation's error: the store's failure, or its refusal.
    pub fn of_error(error: &garita_app::AppError) -> Self {
        match error.class() {
            garita_app::ErrorClass::Internal => Self::Failed(error.to_string()),
            _ => Self::Refused(error.to_string()),
        }
    }
}

impl Refusal {
    /// The HTTP status it is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::SignedOut => StatusCode::SEE_OTHER,
            Self::BadCsrf | Self::Forbidden => StatusCode::FORBIDDEN,
            Self::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Failed(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The signed-in user behind the request's session cookie.
pub async fn viewer(state: &ConsoleState, headers: &HeaderMap) -> Result<SignedInUser, Refusal> {
    let Some(id) = cookies::read(headers, cookies::SESSION) else {
        return Err(Refusal::SignedOut);
    };
    match signed_in_user(&state.session, &id).await {
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(Refusal::SignedOut),
        Err(e) => Err(Refusal::Failed(e.to_string())),
    }
}

/// Refuses a form whose token is not the session's.
pub fn check_csrf(signed_in: &SignedInUser, sent: Option<&str>) -> Result<(), Refusal> {
    if same_token(&signed_in.session.csrf_token, sent) {
        Ok(())
    } else {
        Err(Refusal::BadCsrf)
    }
}

/// Whether `sent` is `expected`, compared in constant time.
pub fn same_token(expected: &str, sent: Option<&str>) -> bool {
    match sent {
        Some(sent) if !expected.is_empty() => {
            bool::from(expected.as_bytes().ct_eq(sent.as_bytes()))
        }
        _ => false,
    }
}

/// A signed-in user whose role may change tasks and accounts (officer or
/// admin). Only [`Officer::of`] makes one.
pub struct Officer(SignedInUser);

impl Officer {
    /// The guard for `user`, or [`Refusal::Forbidden`] for an auditor.
    pub fn of(user: SignedInUser) -> Result<Self, Refusal> {
        if user.user.role.may_act_as_officer() {
            Ok(Self(user))
        } else {
            Err(Refusal::Forbidden)
        }
    }

    /// Who acts: their email, recorded as the author of the change.
    pub fn email(&self) -> &str {
        &self.0.user.email
    }
}

/// A signed-in user whose role may download the audit log (auditor or
/// admin). Only [`AuditExporter::of`] makes one.
pub struct AuditExporter(SignedInUser);

impl AuditExporter {
    /// The guard for `user`, or [`Refusal::Forbidden`] for an officer.
    pub fn of(user: SignedInUser) -> Result<Self, Refusal> {
        if may_export_audit(user.user.role) {
            Ok(Self(user))
        } else {
            Err(Refusal::Forbidden)
        }
    }

    /// Who downloads.
    pub fn email(&self) -> &str {
        &self.0.user.email
    }
}

/// Whether `role` may download the audit log: auditors, whose work it
/// is, and admins.
pub fn may_export_audit(role: garita_engine::user::Role) -> bool {
    matches!(
        role,
        garita_engine::user::Role::Auditor | garita_engine::user::Role::Admin
    )
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use garita_engine::user::{ConsoleSession, Language, Role, User};

    use super::*;

    fn signed_in(role: Role) -> SignedInUser {
        let at = DateTime::<Utc>::UNIX_EPOCH;
        SignedInUser {
            user: User {
                email: "a@example.com".into(),
                role,
                password_hash: String::new(),
                disabled: false,
                created_at: at,
                updated_at: at,
                language: Language::Es,
                revision: 1,
            },
            session: ConsoleSession {
                id_hash: "x".into(),
                email: "a@example.com".into(),
                created_at: at,
                expires_at: at,
                csrf_token: "token".into(),
            },
        }
    }

    #[test]
    fn only_officers_and_admins_get_the_officer_guard() {
        assert!(Officer::of(signed_in(Role::Officer)).is_ok());
        assert!(Officer::of(signed_in(Role::Admin)).is_ok());
        assert_eq!(
            Officer::of(signed_in(Role::Auditor)).err(),
            Some(Refusal::Forbidden)
        );
        assert!(AuditExporter::of(signed_in(Role::Auditor)).is_ok());
        assert!(AuditExporter::of(signed_in(Role::Admin)).is_ok());
        assert!(AuditExporter::of(signed_in(Role::Officer)).is_err());
    }

    #[test]
    fn the_csrf_token_must_be_sent_and_equal() {
        let user = signed_in(Role::Officer);
        assert!(check_csrf(&user, Some("token")).is_ok());
        assert_eq!(check_csrf(&user, Some("tokem")), Err(Refusal::BadCsrf));
        assert_eq!(check_csrf(&user, None), Err(Refusal::BadCsrf));
        assert!(!same_token("", Some("")));
    }
}
