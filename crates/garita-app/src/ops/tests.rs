//! The operations on a real store (sled in a temporary directory), as a
//! front end calls them through [`Operations`].

use std::sync::Arc;

use serde_json::{json, Map};

use super::runs::{RunQuery, StartRun};
use super::tasks::{TaskQuery, TaskReply};
use super::{Operations, Session};
use crate::{App, AppError, AppOptions, ErrorClass};

const ASK: &str = r#"
name: ask-demo
inputs:
  who: { type: string }
steps:
  - id: ask
    task:
      title: "Approve"
      fields:
        type: object
        properties:
          ok: { type: boolean }
  - id: done
    uses: core.set
    with: { value: "{{ inputs.who }}" }
"#;

fn session(dir: &std::path::Path) -> Session {
    // An empty configuration: the defaults, whatever the working directory holds.
    let config = dir.join("garita.toml");
    std::fs::write(&config, "").unwrap();
    let app = App::new(AppOptions {
        config: Some(config),
        store: Some(dir.join("store")),
        now: Some("2026-12-05T12:00:00Z".into()),
    })
    .unwrap();
    Session::open(Arc::new(app)).unwrap()
}

fn start(who: &str) -> StartRun {
    let mut inputs = Map::new();
    inputs.insert("who".into(), json!(who));
    StartRun {
        file: "ask.yaml".into(),
        source: ASK.into(),
        inputs,
        no_wait: true,
    }
}

#[tokio::test]
async fn a_run_started_waits_for_its_task_and_the_answer_finishes_it() {
    let dir = tempfile::tempdir().unwrap();
    let ops = session(dir.path());
    let view = ops.start_run(start("Ana")).await.unwrap();
    assert_eq!(view.status.to_string(), "waiting");
    assert_eq!(view.workflow, "ask-demo");

    let listed = ops.list_runs(RunQuery::default()).await.unwrap();
    assert_eq!(listed.len(), 1);
    // A unique prefix finds the run.
    let shown = ops.show_run(&view.id[..10]).await.unwrap();
    assert_eq!(shown.id, view.id);

    let tasks = ops.list_tasks(TaskQuery::default()).await.unwrap();
    assert_eq!(tasks.len(), 1);
    let mut fields = Map::new();
    fields.insert("ok".into(), json!(true));
    let reply = TaskReply {
        fields,
        note: None,
        by: Some("ana@example.com".into()),
    };
    let answered = ops.complete_task(&tasks[0].id, reply).await.unwrap();
    assert_eq!(answered.outcome, "completed");
    assert_eq!(answered.run_status.to_string(), "succeeded");
    let task = ops.show_task(&tasks[0].id).await.unwrap();
    assert_eq!(
        task.answer.and_then(|a| a.by).as_deref(),
        Some("ana@example.com")
    );
    // Answering again is a conflict, and the class says so.
    let again = ops
        .complete_task(&tasks[0].id, TaskReply::default())
        .await
        .unwrap_err();
    assert_eq!(again.class(), ErrorClass::Conflict, "{again}");

    // The audit chain holds what happened, and exports it.
    let verified = ops.verify_audit(None).await.unwrap();
    assert!(verified.intact, "{verified:?}");
    assert!(verified.entries > 0);
    let export = ops.export_audit("2000-01-01", "2100-12-31").await.unwrap();
    let csv = super::audit::csv_text(&export, garita_engine::account::Locale::Es).unwrap();
    assert_eq!(csv.lines().count(), export.entries.len() + 1);
}

#[tokio::test]
async fn requests_that_are_wrong_are_usage_errors_and_unknown_ids_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let ops = session(dir.path());
    let query = RunQuery {
        status: Some("sleeping".into()),
        ..RunQuery::default()
    };
    let wrong = ops.list_runs(query).await.unwrap_err();
    assert_eq!(wrong.class(), ErrorClass::Usage, "{wrong}");
    assert!(wrong.to_string().contains("not a run status"), "{wrong}");
    let missing = ops.show_run("nope").await.unwrap_err();
    assert_eq!(missing.class(), ErrorClass::NotFound, "{missing}");
    let missing = ops.show_outbox_message("nope@x").await.unwrap_err();
    assert!(matches!(missing, AppError::NotFound(_)), "{missing}");
    let missing = ops.account_history("ctpat:nobody@x.com").await.unwrap_err();
    assert_eq!(missing.class(), ErrorClass::NotFound, "{missing}");
    let empty = ops
        .export_audit("2026-02-01", "2026-01-01")
        .await
        .unwrap_err();
    assert_eq!(empty.class(), ErrorClass::Usage, "{empty}");
    let signal = ops.signal_run("nope", "", json!(null)).await.unwrap_err();
    assert_eq!(signal.class(), ErrorClass::Usage, "{signal}");
}

#[tokio::test]
async fn two_runs_with_one_prefix_are_ambiguous_not_a_guess() {
    let dir = tempfile::tempdir().unwrap();
    let ops = session(dir.path());
    let a = ops.start_run(start("Ana")).await.unwrap();
    let b = ops.start_run(start("Luis")).await.unwrap();
    let common: String =
        a.id.chars()
            .zip(b.id.chars())
            .take_while(|(x, y)| x == y)
            .map(|(x, _)| x)
            .collect();
    if !common.is_empty() {
        let err = ops.cancel_run(&common, None).await.unwrap_err();
        assert_eq!(err.class(), ErrorClass::Usage, "{err}");
        assert!(err.to_string().contains("matches 2 runs"), "{err}");
    }
    let cancelled = ops.cancel_run(&a.id, Some("test".into())).await.unwrap();
    assert_eq!(cancelled.status.to_string(), "cancelled");
}

#[tokio::test]
async fn the_calendar_lists_the_stores_deadlines_by_the_pinned_clock_and_filters() {
    use super::accounts::AccountFields;
    use super::calendar::{CalendarQuery, DeadlineWhen};
    use chrono::NaiveDate;

    let dir = tempfile::tempdir().unwrap();
    let ops = session(dir.path());
    let add =
        |portal: &str, account: &str, company: &str, tax_id: &str, signed_in: &str| AccountFields {
            portal: portal.into(),
            account: account.into(),
            holder_name: Some("Rosa Zambrano".into()),
            holder_email: Some("rosa@example.com".into()),
            holder_national_id: (portal == "ecuapass").then(|| "0915487326".into()),
            company: Some(company.into()),
            tax_id: Some(tax_id.into()),
            role: Some("Representante".into()),
            last_sign_in: Some(signed_in.into()),
            ..AccountFields::default()
        };
    ops.add_account(add(
        "ctpat",
        "rosa@example.com",
        "Andes & Sierra Imports LLC",
        "84-3190275",
        "2026-11-20",
    ))
    .await
    .unwrap();
    ops.add_account(add(
        "ecuapass",
        "RZAMBRANO1",
        "Exportadora Bananera del Pacífico S.A.",
        "0992147350001",
        "2026-11-02",
    ))
    .await
    .unwrap();
    // A run waiting on a task without a due date adds nothing.
    ops.start_run(start("Ana")).await.unwrap();

    let all = ops
        .calendar_deadlines(CalendarQuery::default())
        .await
        .unwrap();
    assert_eq!(all.as_of.to_rfc3339(), "2026-12-05T12:00:00+00:00");
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let whens: Vec<DeadlineWhen> = all.deadlines.iter().map(|d| d.when).collect();
    assert_eq!(
        whens,
        vec![
            DeadlineWhen::Day {
                last_day: day(2027, 1, 4)
            },
            DeadlineWhen::Window {
                first_day: day(2027, 1, 1),
                last_day: day(2027, 1, 31)
            },
        ]
    );
    let ctpat = ops
        .calendar_deadlines(CalendarQuery {
            portal: Some("CTPAT".into()),
            ..CalendarQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(ctpat.deadlines.len(), 1);
    assert_eq!(ctpat.deadlines[0].id, all.deadlines[0].id);
    let banana = ops
        .calendar_deadlines(CalendarQuery {
            company: Some("0992147350001".into()),
            ..CalendarQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(banana.deadlines.len(), 1);
    assert_eq!(banana.deadlines[0].id, all.deadlines[1].id);

    // One person's: the accounts they hold.
    let rosa = ops
        .calendar_deadlines(CalendarQuery {
            holder: Some("Rosa@Example.com".into()),
            ..CalendarQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(rosa.deadlines.len(), 2);
    let nobody = ops
        .calendar_deadlines(CalendarQuery {
            holder: Some("luis@example.com".into()),
            ..CalendarQuery::default()
        })
        .await
        .unwrap();
    assert!(nobody.deadlines.is_empty(), "{nobody:?}");

    // A sign-in moves the date; the identity stays and the sequence rises.
    ops.touch_account("ctpat:rosa@example.com", Some("2026-12-05".into()), None)
        .await
        .unwrap();
    let after = ops
        .calendar_deadlines(CalendarQuery::default())
        .await
        .unwrap();
    let moved = after
        .deadlines
        .iter()
        .find(|d| d.id == all.deadlines[0].id)
        .unwrap();
    assert_eq!(
        moved.when,
        DeadlineWhen::Day {
            last_day: day(2027, 1, 19)
        }
    );
    assert!(moved.sequence > all.deadlines[0].sequence);
}

fn new_user(email: &str, role: &str, password: &str) -> super::users::NewUser {
    super::users::NewUser {
        email: email.into(),
        role: role.into(),
        language: None,
        password: password.into(),
        by: Some("admin@example.com".into()),
    }
}

fn sign_in(email: &str, password: &str) -> super::console::SignIn {
    super::console::SignIn {
        email: email.into(),
        password: password.into(),
        client: "127.0.0.1".into(),
        lasts: chrono::Duration::hours(8),
    }
}

/// Users are added normalised, listed without hashes, sign in with the
/// right password only, are limited after five failures, and disabling
/// ends their sessions; every step is audited with who did it.
#[tokio::test]
async fn users_sign_in_are_limited_and_disabling_signs_them_out() {
    use super::console::{self, SignInRefused};
    let dir = tempfile::tempdir().unwrap();
    let ops = session(dir.path());
    let added = ops
        .add_user(new_user(
            "  Ana@Example.com ",
            "officer",
            "una frase bastante larga",
        ))
        .await
        .unwrap();
    assert_eq!(added.email, "ana@example.com");
    let again = ops
        .add_user(new_user(
            "ana@example.com",
            "admin",
            "otra frase bastante larga",
        ))
        .await;
    assert!(again.unwrap_err().to_string().contains("already a user"));
    let short = ops
        .add_user(new_user("bea@example.com", "auditor", "corta"))
        .await;
    assert_eq!(short.unwrap_err().class(), ErrorClass::Usage);
    let listed = serde_json::to_string(&ops.list_users().await.unwrap()).unwrap();
    assert!(
        listed.contains("ana@example.com") && !listed.contains("argon2"),
        "{listed}"
    );

    let wrong = console::sign_in(&ops, sign_in("ana@example.com", "no es esta"))
        .await
        .unwrap();
    assert_eq!(wrong, Err(SignInRefused::WrongCredentials));
    let signed = console::sign_in(&ops, sign_in("ANA@example.com", "una frase bastante larga"))
        .await
        .unwrap()
        .unwrap();
    let found = console::signed_in_user(&ops, &signed.session_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.user.email, "ana@example.com");
    assert_eq!(console::signed_in_user(&ops, "0000").await.unwrap(), None);

    for _ in 0..console::MAX_FAILURES_PER_EMAIL {
        console::sign_in(&ops, sign_in("ana@example.com", "no es esta"))
            .await
            .unwrap()
            .unwrap_err();
    }
    let limited = console::sign_in(&ops, sign_in("ana@example.com", "una frase bastante larga"))
        .await
        .unwrap();
    assert_eq!(
        limited,
        Err(SignInRefused::TooManyAttempts),
        "even the right password waits"
    );

    let disabled = ops.disable_user("ana@example.com", None).await.unwrap();
    assert_eq!((disabled.user.disabled, disabled.sessions_ended), (true, 1));
    assert_eq!(
        console::signed_in_user(&ops, &signed.session_id)
            .await
            .unwrap(),
        None
    );

    let entries = ops.backend.audit.audit_entries(1, None).await.unwrap();
    let kinds: Vec<(&str, Option<&str>)> = entries
        .iter()
        .map(|e| (e.kind.as_str(), e.actor.as_deref()))
        .collect();
    assert_eq!(kinds[0], ("user.added", Some("admin@example.com")));
    assert!(kinds.contains(&("console.signed_in", Some("ana@example.com"))));
    assert!(kinds.contains(&("console.sign_in_refused", None)));
    assert!(!kinds.iter().any(|k| k.0 == "console.sign_in_limited"));
    assert_eq!(kinds.last().map(|k| k.0), Some("user.disabled"));
}
