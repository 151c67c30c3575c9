//! What every [`UserStore`] must do, as a suite each implementation runs
//! from its own tests (sled in `garita-store`).

use chrono::{DateTime, Duration, Utc};

use super::model::{ConsoleSession, Language, Role, User, UserChange, UserChangeKind};
use super::store::UserStore;
use crate::audit::AuditLog;
use crate::store::StoreError;

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(1_772_000_000 + seconds, 0).unwrap_or_default()
}

fn user(email: &str, role: Role) -> User {
    User {
        email: email.into(),
        role,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo".into(),
        disabled: false,
        created_at: at(0),
        updated_at: at(0),
        language: Language::Es,
        revision: 0,
    }
}

fn change(kind: UserChangeKind, seconds: i64) -> UserChange {
    UserChange {
        kind,
        actor: "admin@example.com".into(),
        at: at(seconds),
    }
}

fn session(id_hash: &str, email: &str, expires: i64) -> ConsoleSession {
    ConsoleSession {
        id_hash: id_hash.into(),
        email: email.into(),
        created_at: at(0),
        expires_at: at(expires),
        csrf_token: format!("csrf-{id_hash}"),
    }
}

/// Every check, on `store` (which must start empty); `audit` is the same
/// store's audit log, where each user write must leave its entry.
pub async fn user_checks(store: &dyn UserStore, audit: &dyn AuditLog) {
    users_are_written_with_revisions_and_audited(store, audit).await;
    sessions_come_back_and_go(store).await;
    login_failures_count_in_their_window(store).await;
}

async fn users_are_written_with_revisions_and_audited(store: &dyn UserStore, audit: &dyn AuditLog) {
    assert_eq!(store.user("ana@example.com").await.expect("read"), None);
    let head = audit.audit_head().await.expect("head").seq;
    let ana = store
        .write_user(
            &user("ana@example.com", Role::Officer),
            0,
            &change(UserChangeKind::Added, 1),
        )
        .await
        .expect("add");
    assert_eq!(ana.revision, 1, "the first write is revision 1");
    store
        .write_user(
            &user("bea@example.com", Role::Auditor),
            0,
            &change(UserChangeKind::Added, 2),
        )
        .await
        .expect("add");
    assert_eq!(
        store.user("ana@example.com").await.expect("read"),
        Some(ana.clone()),
        "a user comes back as written"
    );
    let again = store
        .write_user(
            &user("ana@example.com", Role::Admin),
            0,
            &change(UserChangeKind::Added, 3),
        )
        .await;
    assert!(
        matches!(
            again,
            Err(StoreError::Conflict {
                expected: 0,
                found: 1,
                ..
            })
        ),
        "adding an existing user is a conflict, got {again:?}"
    );
    let disabled = User {
        disabled: true,
        updated_at: at(4),
        ..ana.clone()
    };
    let stored = store
        .write_user(&disabled, 1, &change(UserChangeKind::Disabled, 4))
        .await
        .expect("disable");
    assert_eq!((stored.revision, stored.disabled), (2, true));
    let stale = store
        .write_user(&ana, 1, &change(UserChangeKind::PasswordChanged, 5))
        .await;
    assert!(
        matches!(
            stale,
            Err(StoreError::Conflict {
                expected: 1,
                found: 2,
                ..
            })
        ),
        "a stale revision is refused, got {stale:?}"
    );
    assert_eq!(
        store.user("ana@example.com").await.expect("read"),
        Some(stored),
        "a refused write changes nothing"
    );
    let emails: Vec<String> = store
        .users()
        .await
        .expect("list")
        .into_iter()
        .map(|u| u.email)
        .collect();
    assert_eq!(emails, ["ana@example.com", "bea@example.com"], "by email");

    let entries = audit.audit_entries(head + 1, None).await.expect("entries");
    let written: Vec<(&str, &str, Option<&str>)> = entries
        .iter()
        .map(|e| (e.kind.as_str(), e.subject.as_str(), e.actor.as_deref()))
        .collect();
    assert_eq!(
        written,
        [
            ("user.added", "ana@example.com", Some("admin@example.com")),
            ("user.added", "bea@example.com", Some("admin@example.com")),
            (
                "user.disabled",
                "ana@example.com",
                Some("admin@example.com")
            ),
        ],
        "one entry per write, with who made it; none for refused writes"
    );
    let summary = entries[0].summary.to_string();
    assert!(
        !summary.contains("argon2"),
        "the password hash stays out of the audit log: {summary}"
    );
    assert!(audit.verify_audit().await.expect("verify").is_intact());
}

async fn sessions_come_back_and_go(store: &dyn UserStore) {
    let one = session("aa01", "ana@example.com", 100);
    let two = session("aa02", "ana@example.com", 10_000);
    let three = session("bb01", "bea@example.com", 10_000);
    for s in [&one, &two, &three] {
        store.put_console_session(s).await.expect("put session");
    }
    assert_eq!(
        store.console_session("aa01").await.expect("read"),
        Some(one)
    );
    assert_eq!(store.console_session("zz").await.expect("read"), None);
    assert_eq!(
        store
            .delete_expired_console_sessions(at(200))
            .await
            .expect("expire"),
        1
    );
    assert_eq!(store.console_session("aa01").await.expect("read"), None);
    assert_eq!(
        store
            .delete_console_sessions_of("ana@example.com")
            .await
            .expect("of"),
        1
    );
    assert_eq!(store.console_session("aa02").await.expect("read"), None);
    assert!(store.delete_console_session("bb01").await.expect("delete"));
    assert!(!store.delete_console_session("bb01").await.expect("delete"));
}

async fn login_failures_count_in_their_window(store: &dyn UserStore) {
    let window = Duration::minutes(15);
    assert_eq!(
        store
            .login_failures("ana@example.com", at(0), window)
            .await
            .expect("read"),
        0
    );
    for n in 1..=3 {
        let count = store
            .note_login_failure("ana@example.com", at(n * 60), window)
            .await
            .expect("note");
        assert_eq!(count, u32::try_from(n).unwrap_or_default());
    }
    assert_eq!(
        store
            .login_failures("ip:127.0.0.1", at(0), window)
            .await
            .expect("read"),
        0,
        "keys are separate"
    );
    assert_eq!(
        store
            .login_failures("ana@example.com", at(240), window)
            .await
            .expect("read"),
        3
    );
    assert_eq!(
        store
            .login_failures("ana@example.com", at(60 + 15 * 60), window)
            .await
            .expect("read"),
        0,
        "the window has passed"
    );
    store
        .clear_login_failures("ana@example.com")
        .await
        .expect("clear");
    assert_eq!(
        store
            .login_failures("ana@example.com", at(240), window)
            .await
            .expect("read"),
        0
    );
}
