//! What every [`BackupRecords`] must do, as a suite each backend runs from
//! its own tests with one line (sled in `garita-store`, and any later
//! backend), given fresh stores seen through every trait:
//!
//! ```ignore
//! garita_engine::backup::conformance::backup_checks(&|| Box::pin(async { fresh_subject() })).await;
//! ```
//!
//! The promises: an empty store exports every kind, empty, with the
//! genesis head, and the export checks; a store filled through its traits
//! (runs waiting, finished and a child of a step, tasks, accounts with
//! history and a CTPAT deactivation date, an applied transition, a queued
//! event, an outbox message, a schedule state, a console user and a
//! session, audit entries) exports a set
//! that checks ([`check_record_set`]: the audit chain and the digests of
//! the records it covers) and survives the file format; imported into a
//! fresh store it exports the same set again, byte for byte; the imported
//! store answers every trait as the first one does, its indexes included
//! (due runs, next wake, unfinished runs, children, deactivation dates),
//! but for console sessions, which are not backed up,
//! and its next audit entry continues the chain; an import into a store
//! that holds records is refused and writes nothing.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chrono::NaiveDate;
use serde_json::json;

use super::check::check_record_set;
use super::file::{decode_file, encode_file, unframe};
use super::records::{RecordKind, RecordSet};
use super::store::BackupRecords;
use crate::account::{
    Account, AccountFilter, AccountKey, AccountStatus, AccountStore, AccountUpdate, ChangeMeta,
    Company, Holder, NewEvent, TransitionKey, TransitionWrite,
};
use crate::audit::{AuditLog, AuditRecord};
use crate::outbox::{OutboxEntry, OutboxFilter, OutboxStore};
use crate::run::{ParentRef, RunEvent, RunStatus};
use crate::schedule::{ScheduleStore, TriggerKey, TriggerState};
use crate::store::{RunFilter, Store};
use crate::store_conformance::{at, record, started, task};
use crate::task::TaskFilter;
use crate::user::{ConsoleSession, Language, Role, User, UserChange, UserChangeKind, UserStore};

/// One fresh, empty store seen through each trait, and whatever must live
/// as long as it (its temporary directory), dropped last.
pub struct BackupSubject {
    /// Runs, events, timers and tasks.
    pub runs: Arc<dyn Store>,
    /// The accounts inventory.
    pub accounts: Arc<dyn AccountStore>,
    /// The outbox.
    pub outbox: Arc<dyn OutboxStore>,
    /// Schedule states.
    pub schedules: Arc<dyn ScheduleStore>,
    /// Console users (and sessions, which a backup leaves out).
    pub users: Arc<dyn UserStore>,
    /// Holders' links, their secret and feed tokens.
    pub links: Arc<dyn crate::link::LinkStore>,
    /// The audit log.
    pub audit: Arc<dyn AuditLog>,
    /// Export and import.
    pub backup: Arc<dyn BackupRecords>,
    /// Dropped after the store.
    pub keep: Box<dyn Any + Send>,
}

/// Makes fresh subjects for the checks.
pub type BackupSubjectFactory<'a> =
    &'a (dyn Fn() -> Pin<Box<dyn Future<Output = BackupSubject> + Send>> + Sync);

/// Runs every check, each on stores from `fresh`.
pub async fn backup_checks(fresh: BackupSubjectFactory<'_>) {
    an_empty_store_exports_every_kind_empty(&fresh().await).await;
    let source = fresh().await;
    fill(&source).await;
    let target = fresh().await;
    a_filled_store_round_trips_through_a_file_and_another_store(&source, &target).await;
    let busy = fresh().await;
    an_import_into_a_store_with_records_is_refused(&source, &busy).await;
}

/// An empty store exports one empty section per kind, the genesis head,
/// and a set that checks.
pub async fn an_empty_store_exports_every_kind_empty(store: &BackupSubject) {
    let set = store.backup.export_records().await.expect("export_records");
    let kinds: Vec<RecordKind> = set.sections.iter().map(|s| s.kind).collect();
    assert_eq!(kinds, RecordKind::ALL, "one section per kind, in order");
    assert!(set.is_empty(), "an empty store exports no record");
    assert_eq!(
        set.audit_head,
        store.audit.audit_head().await.expect("head")
    );
    assert_eq!(set.audit_head.seq, 0, "the genesis head");
    check_record_set(&set).expect("an empty export checks");
}

fn ctpat_account(email: &str) -> Account {
    let mut account = Account::new(
        "ctpat",
        email,
        Holder {
            name: "Ana Pérez".into(),
            email: email.into(),
            employee_id: Some("E-7".into()),
            national_id: None,
        },
        Company {
            legal_name: "Exportadora Andina S.A.".into(),
            tax_id: "1790011674001".into(),
            ctpat_account_number: Some("12345".into()),
        },
    );
    account.deactivates_on = NaiveDate::from_ymd_opt(2026, 3, 16);
    account
}

fn meta() -> ChangeMeta {
    ChangeMeta {
        by: "officer@example.com".into(),
        at: at(0),
    }
}

/// Fills a store through its traits with one of every kind of record.
async fn fill(store: &BackupSubject) {
    let runs = store.runs.as_ref();
    // A finished run, a waiting one with a timer, and a child of a step.
    let mut done = record("R-done", 0);
    runs.create_run(&mut done, &[RunEvent::RunCreated { at: at(0) }])
        .await
        .expect("create_run");
    done.status = RunStatus::Succeeded;
    runs.append(&mut done, &[started("a", 5)])
        .await
        .expect("append");
    let mut waiting = record("R-wait", 10);
    runs.create_run(&mut waiting, &[RunEvent::RunCreated { at: at(10) }])
        .await
        .expect("create_run");
    waiting.status = RunStatus::Waiting;
    waiting.wake_at = Some(at(5_000));
    runs.append(&mut waiting, &[started("ask", 11)])
        .await
        .expect("append");
    let mut child = record("R-wait.each.0", 20);
    child.parent = Some(ParentRef {
        run_id: "R-wait".into(),
        step_id: "each".into(),
        index: 0,
    });
    runs.create_run(&mut child, &[RunEvent::RunCreated { at: at(20) }])
        .await
        .expect("create_run");
    runs.put_task(&task("R-wait.ask.1", "R-wait", 12, Some("ana@example.com")))
        .await
        .expect("put_task");

    let account = ctpat_account("ana@example.com");
    let key = account.key();
    store
        .accounts
        .upsert_accounts(
            &[AccountUpdate {
                account: account.clone(),
                reason: "imported".into(),
                expected_revision: None,
            }],
            &meta(),
            None,
        )
        .await
        .expect("upsert_accounts");
    let stored = store
        .accounts
        .account(&key)
        .await
        .expect("account")
        .expect("the account was written");
    let mut at_risk = stored.clone();
    at_risk.status = AccountStatus::AtRisk;
    store
        .accounts
        .apply_transitions(
            &[TransitionWrite {
                key: TransitionKey {
                    account: key.clone(),
                    name: "ctpat.at_risk".into(),
                    effective_on: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or_default(),
                },
                expected_revision: stored.revision,
                update: AccountUpdate {
                    account: at_risk,
                    reason: "45-day rule".into(),
                    expected_revision: Some(stored.revision),
                },
                event: Some(NewEvent {
                    name: "ctpat.at_risk".into(),
                    at: at(30),
                    data: json!({"account": key.to_string()}),
                }),
            }],
            &meta(),
        )
        .await
        .expect("apply_transitions");

    let ctx = garita_sdk::InvokeContext::builder()
        .now(at(15))
        .attempt("R-done", "notify", 1)
        .build();
    store
        .outbox
        .record(&OutboxEntry::queued(
            "<m1@garita.local>",
            &ctx,
            json!({"to": "ana@example.com", "subject": "Ingrese al portal"}),
            at(15),
        ))
        .await
        .expect("record");
    store
        .schedules
        .put_trigger_state(
            &TriggerKey::new("ctpat-inactivity-watch", 0),
            &TriggerState {
                last_fire: Some(at(40)),
                covered_until: at(41),
                paused: true,
            },
        )
        .await
        .expect("put_trigger_state");
    let user = User {
        email: "oficial@example.com".into(),
        role: Role::Officer,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        disabled: false,
        created_at: at(45),
        updated_at: at(45),
        language: Language::En,
        revision: 0,
    };
    let change = UserChange {
        kind: UserChangeKind::Added,
        actor: "admin@example.com".into(),
        at: at(45),
    };
    store
        .users
        .write_user(&user, 0, &change)
        .await
        .expect("write_user");
    fill_links(store).await;
    store
        .users
        .put_console_session(&ConsoleSession {
            id_hash: "ab".repeat(32),
            email: user.email.clone(),
            created_at: at(46),
            expires_at: at(100_000),
            csrf_token: "csrf".into(),
        })
        .await
        .expect("put_console_session");
    store
        .audit
        .record_audit(AuditRecord {
            at: at(50),
            kind: "config.reloaded".into(),
            subject: "garita.toml".into(),
            actor: Some("ops".into()),
            summary: json!({"changed": ["smtp"]}),
        })
        .await
        .expect("record_audit");
}

/// Everything a person could read back, through the traits.
async fn readings(store: &BackupSubject) -> Vec<String> {
    let runs = store.runs.as_ref();
    let mut out = Vec::new();
    let mut say = |what: &str, value: String| out.push(format!("{what}: {value}"));
    for id in ["R-done", "R-wait", "R-wait.each.0"] {
        say(id, format!("{:?}", runs.run(id).await.expect("run")));
        say(id, format!("{:?}", runs.events(id).await.expect("events")));
    }
    let all = runs
        .list_runs(&RunFilter::default())
        .await
        .expect("list_runs");
    say("list_runs", format!("{all:?}"));
    say(
        "unfinished",
        format!("{:?}", runs.unfinished_runs().await.expect("unfinished")),
    );
    say(
        "due",
        format!("{:?}", runs.due_runs(at(6_000)).await.expect("due")),
    );
    say(
        "next_wake",
        format!("{:?}", runs.next_wake().await.expect("next_wake")),
    );
    say(
        "children",
        format!(
            "{:?}",
            runs.children("R-wait", "each").await.expect("children")
        ),
    );
    say(
        "tasks",
        format!(
            "{:?}",
            runs.list_tasks(&TaskFilter::default())
                .await
                .expect("tasks")
        ),
    );
    let accounts = store.accounts.as_ref();
    let listed = accounts
        .list_accounts(&AccountFilter::default())
        .await
        .expect("accounts");
    say("accounts", format!("{listed:?}"));
    let key = AccountKey::new("ctpat", "ana@example.com");
    say(
        "history",
        format!(
            "{:?}",
            accounts.account_history(&key).await.expect("history")
        ),
    );
    let day = NaiveDate::from_ymd_opt(2026, 3, 16).unwrap_or_default();
    say(
        "deactivating",
        format!(
            "{:?}",
            accounts
                .accounts_deactivating_between(day, day)
                .await
                .expect("index")
        ),
    );
    let applied = TransitionKey {
        account: key.clone(),
        name: "ctpat.at_risk".into(),
        effective_on: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or_default(),
    };
    say(
        "applied",
        format!(
            "{:?}",
            accounts
                .transition_applied(&applied)
                .await
                .expect("applied")
        ),
    );
    say(
        "events",
        format!("{:?}", accounts.pending_events(10).await.expect("events")),
    );
    say(
        "outbox",
        format!(
            "{:?}",
            store
                .outbox
                .list(&OutboxFilter::default())
                .await
                .expect("outbox")
        ),
    );
    say(
        "schedules",
        format!(
            "{:?}",
            store.schedules.trigger_states().await.expect("states")
        ),
    );
    say(
        "users",
        format!("{:?}", store.users.users().await.expect("users")),
    );
    let links = &store.links;
    say(
        "links",
        format!(
            "{:?} {:?} {:?}",
            links
                .link_secret(&crate::link::LinkSecret {
                    key: "bm90IHRoaXMgb25l".into(),
                    created_at: at(0),
                })
                .await
                .expect("secret"),
            links
                .link(&crate::link::token::id_from_bytes([5; 16]))
                .await
                .expect("link"),
            links.feed_token(&"cd".repeat(32)).await.expect("feed"),
        ),
    );
    say(
        "audit",
        format!(
            "{:?}",
            store.audit.audit_entries(1, None).await.expect("entries")
        ),
    );
    out
}

/// A secret, a used link and a feed token.
async fn fill_links(store: &BackupSubject) {
    use crate::link::{FeedToken, HolderLink, LinkPurpose, LinkSecret, LinkUse};
    store
        .links
        .link_secret(&LinkSecret {
            key: "c2VjcmV0IGJ5dGVz".into(),
            created_at: at(47),
        })
        .await
        .expect("link_secret");
    let id = crate::link::token::id_from_bytes([5; 16]);
    store
        .links
        .put_link(&HolderLink {
            id: id.clone(),
            purpose: LinkPurpose::SignedIn,
            subject: "ctpat:ACME-1".into(),
            recipient: "ana@example.com".into(),
            created_at: at(47),
            expires_at: at(10_000),
            used: None,
        })
        .await
        .expect("put_link");
    store
        .links
        .claim_link(
            &id,
            &LinkUse {
                at: at(48),
                ip: "192.0.2.1".into(),
                user_agent: "backup test".into(),
            },
        )
        .await
        .expect("claim_link");
    store
        .links
        .put_feed_token(&FeedToken {
            token_hash: "cd".repeat(32),
            email: "ana@example.com".into(),
            created_at: at(48),
        })
        .await
        .expect("put_feed_token");
}

/// Export, file, import, export again: the same records and the same
/// answers, and the chain goes on.
pub async fn a_filled_store_round_trips_through_a_file_and_another_store(
    source: &BackupSubject,
    target: &BackupSubject,
) {
    let set = source
        .backup
        .export_records()
        .await
        .expect("export_records");
    for kind in RecordKind::ALL {
        assert!(
            !set.section(kind).is_empty(),
            "the filled store exports records of kind `{}`",
            kind.name()
        );
    }
    assert_eq!(
        set.audit_head,
        source.audit.audit_head().await.expect("head")
    );
    let report = check_record_set(&set).expect("a store's own export checks");
    assert!(
        report.records_checked >= 4,
        "the records the entries cover are compared"
    );
    let (_, bytes) = encode_file(&set, at(60)).expect("encode_file");
    let (_, read) = decode_file(&unframe(&bytes).expect("unframe")).expect("decode_file");
    assert_eq!(read, set, "the file gives back the records");

    target
        .backup
        .import_records(&read)
        .await
        .expect("import_records");
    let again = target.backup.export_records().await.expect("export again");
    if let Some(difference) = first_difference(&set, &again) {
        panic!("an imported store exports the same records, byte for byte: {difference}");
    }
    let (before, after) = (readings(source).await, readings(target).await);
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(a, b, "the imported store answers as the original");
    }
    assert_eq!(before.len(), after.len());
    let sessions = (
        source.users.console_session(&"ab".repeat(32)).await,
        target.users.console_session(&"ab".repeat(32)).await,
    );
    assert!(
        matches!(sessions, (Ok(Some(_)), Ok(None))),
        "console sessions are not backed up: {sessions:?}"
    );
    let verified = target.audit.verify_audit().await.expect("verify_audit");
    assert!(
        verified.is_intact(),
        "the imported chain verifies: {:?}",
        verified.problems
    );
    assert_eq!(verified.head, set.audit_head);
    let next = target
        .audit
        .record_audit(AuditRecord {
            at: at(70),
            kind: "store.restored".into(),
            subject: "backup".into(),
            actor: None,
            summary: json!({}),
        })
        .await
        .expect("record_audit after import");
    assert_eq!(
        next.seq,
        set.audit_head.seq + 1,
        "the chain continues after the import"
    );
    assert_eq!(
        next.prev_hash, set.audit_head.hash,
        "linked to the imported head"
    );
    let verified = target.audit.verify_audit().await.expect("verify_audit");
    assert!(verified.is_intact(), "{:?}", verified.problems);
    // A new event gets an id of its own: it never takes (and overwrites)
    // the id of an imported one still queued.
    let queued_before = target.accounts.pending_events(100).await.expect("events");
    assert!(!queued_before.is_empty(), "the filled store queued events");
    let new = target
        .accounts
        .emit_event(&NewEvent {
            name: "after.import".into(),
            at: at(71),
            data: json!({}),
        })
        .await
        .expect("emit_event after import");
    assert!(
        queued_before.iter().all(|e| e.id < new.id),
        "a new event's id {} comes after every imported one ({:?})",
        new.id,
        queued_before.iter().map(|e| e.id).collect::<Vec<_>>()
    );
    let queued_after = target.accounts.pending_events(100).await.expect("events");
    assert_eq!(
        queued_after.len(),
        queued_before.len() + 1,
        "nothing queued was lost"
    );
    // The imported timer still wakes the run, and the run can go on.
    let due = target.runs.due_runs(at(5_000)).await.expect("due_runs");
    assert_eq!(due, vec!["R-wait".to_string()]);
    let mut waiting = target
        .runs
        .run("R-wait")
        .await
        .expect("run")
        .expect("imported");
    waiting.status = RunStatus::Succeeded;
    waiting.wake_at = None;
    target
        .runs
        .append(&mut waiting, &[started("done", 5_001)])
        .await
        .expect("an imported run takes new events");
    assert!(target
        .runs
        .due_runs(at(10_000))
        .await
        .expect("due")
        .is_empty());
}

/// A store that holds records refuses an import, and keeps what it had.
pub async fn an_import_into_a_store_with_records_is_refused(
    source: &BackupSubject,
    busy: &BackupSubject,
) {
    let set = source
        .backup
        .export_records()
        .await
        .expect("export_records");
    let mut mine = record("R-mine", 0);
    busy.runs
        .create_run(&mut mine, &[RunEvent::RunCreated { at: at(0) }])
        .await
        .expect("create_run");
    let before = busy.backup.export_records().await.expect("export");
    let refused = busy.backup.import_records(&set).await;
    assert!(
        refused.is_err(),
        "an import over existing records is refused"
    );
    let after = busy.backup.export_records().await.expect("export");
    if let Some(difference) = first_difference(&before, &after) {
        panic!("a refused import writes nothing: {difference}");
    }
}

/// Where two sets first differ, in a line a person can read (the sets
/// themselves are too long to print).
fn first_difference(expected: &RecordSet, found: &RecordSet) -> Option<String> {
    if expected.audit_head != found.audit_head {
        return Some(format!(
            "audit head {:?} instead of {:?}",
            found.audit_head, expected.audit_head
        ));
    }
    for kind in RecordKind::ALL {
        let (a, b) = (expected.section(kind), found.section(kind));
        if a.len() != b.len() {
            return Some(format!(
                "{} {} records instead of {}",
                kind.name(),
                b.len(),
                a.len()
            ));
        }
        if let Some(((key, _), _)) = a.iter().zip(b).find(|(x, y)| x != y) {
            return Some(format!(
                "{} record {} differs",
                kind.name(),
                String::from_utf8_lossy(key).replace('\0', "/")
            ));
        }
    }
    (expected != found).then(|| "the sections differ in order".into())
}
