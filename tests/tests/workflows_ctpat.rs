//! The shipped CTPAT workflows, end to end with the real binary and a pinned
//! clock: the daily inactivity watch reading the inventory (simulated, and
//! run by `garita daemon --once` day by day) reminding the holder, the
//! portal rule marking the account deactivated on the day and starting
//! `ctpat-reactivation` through its event; the reactivation through the
//! officer's alert, approval, CBP's signal, and both outcomes of the
//! same-day sign-in, each visible in the inventory; and the quarterly
//! enabled-email review.

mod support;

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use support::workflows::*;
use support::*;

const WATCH: &str = "workflows/ctpat-inactivity-watch.yaml";
const REACTIVATION: &str = "workflows/ctpat-reactivation.yaml";
const REVIEW: &str = "workflows/ctpat-email-list-review.yaml";
const RELOGIN: &str = "workflows/ctpat-relogin-missed.yaml";
const OFFICER: &str = "oficial@gulfcoast-produce.example";
const SPECIALIST: &str = "scss.specialist@cbp.dhs.example";
const LUISA: &str = "luisa.mendez@gulfcoast-produce.example";
const TOM: &str = "tom.okafor@gulfcoast-produce.example";
/// The watch's `officer` input default, which its event hands on.
const DEFAULT_OFFICER: &str = "cumplimiento@example.com";

const HEADER: &str = "portal,account,holder_name,holder_email,company,tax_id,ctpat_account_number,role,status,last_sign_in\n";

/// Luisa last signed in on 2 March 2026; Diego left (same date, must be
/// ignored); Jordan signed in later and stays quiet in the window.
fn watch_inventory() -> String {
    format!(
        "{HEADER}\
ctpat,{LUISA},Luisa Méndez,{LUISA},Gulf Coast Produce Distributors Inc.,27-5501846,80456123,Account Administrator,active,2026-03-02
ctpat,diego.paredes@gulfcoast-produce.example,Diego Paredes,diego.paredes@gulfcoast-produce.example,Gulf Coast Produce Distributors Inc.,27-5501846,80456123,User,offboarded,2026-03-02
ctpat,jordan.blake@andes-sierra.example,Jordan Blake,jordan.blake@andes-sierra.example,Andes & Sierra Imports LLC,84-3190275,81234567,Security Officer,active,2026-03-20
"
    )
}

/// The simulated emails as (instant, recipients, subject).
fn simulated_emails(report: &Value) -> Vec<(String, Vec<String>, String)> {
    happenings(report, "email")
        .iter()
        .map(|e| {
            let to = e["to"].as_array().unwrap().iter().map(text).collect();
            (text(&e["at"]), to, text(&e["subject"]))
        })
        .collect()
}

fn email(at: &str, to: &[&str], subject: &str) -> (String, Vec<String>, String) {
    (
        at.to_owned(),
        to.iter().map(|s| s.to_string()).collect(),
        subject.to_owned(),
    )
}

fn start_reactivation(store: &Path, config: &Path, now: &str, inputs: &[(&str, &str)]) -> String {
    let mut cmd = atc(store, config, now);
    cmd.arg("run").arg(root().join(REACTIVATION));
    for (k, v) in inputs {
        cmd.args(["--input", &format!("{k}={v}")]);
    }
    run_id(&json_out(&mut cmd))
}

fn ctpat_config(dir: &Path) -> PathBuf {
    write(
        dir,
        "garita.toml",
        &format!("[connectors.ctpat]\ncbp_specialist_email = \"{SPECIALIST}\"\n"),
    )
}

const TOM_ROW: &str = "ctpat,tom.okafor@gulfcoast-produce.example,Tom Okafor,tom.okafor@gulfcoast-produce.example,Gulf Coast Produce Distributors Inc.,27-5501846,80456123,User,deactivated,2026-03-02\n";

fn tom_inputs() -> Vec<(&'static str, &'static str)> {
    vec![
        ("account", "ctpat:tom.okafor@gulfcoast-produce.example"),
        ("officer", OFFICER),
        ("user_time_zone", "America/Mexico_City"),
    ]
}

fn owned(rows: &[(&str, &str, &str, &str)]) -> Vec<(String, String, String, String)> {
    rows.iter()
        .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()))
        .collect()
}

// ---- ctpat-inactivity-watch --------------------------------------------------

#[test]
fn inactivity_watch_simulated_reminds_on_days_30_38_43_then_the_rule_deactivates_and_starts_the_reactivation(
) {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    import(
        &store,
        dir.path(),
        &watch_inventory(),
        "2026-03-25T12:00:00Z",
    );
    let workflows = workflows_dir(dir.path(), &[WATCH, REACTIVATION]);
    let config = ctpat_config(dir.path());
    let report = simulate_with(
        &store,
        &workflows,
        "2026-03-28",
        "2026-04-18",
        "America/New_York",
        &["--config", config.to_str().unwrap()],
    );

    // Every morning at 07:00 in New York (EDT, UTC-4), and one reactivation.
    let started: Vec<(String, String, String)> = happenings(&report, "run_started")
        .iter()
        .map(|h| {
            (
                text(&h["at"]),
                text(&h["workflow"]),
                text(&h["trigger"]["kind"]),
            )
        })
        .collect();
    assert_eq!(started.len(), 23, "{started:#?}");
    assert_eq!(
        started[0],
        (
            "2026-03-28T11:00:00Z".into(),
            "ctpat-inactivity-watch".into(),
            "schedule".into()
        )
    );
    let by_event: Vec<&(String, String, String)> =
        started.iter().filter(|s| s.2 == "event").collect();
    assert_eq!(
        by_event,
        [&(
            "2026-04-17T04:00:00Z".to_owned(),
            "ctpat-reactivation".to_owned(),
            "event".to_owned()
        )]
    );

    assert_eq!(
        simulated_emails(&report),
        vec![
            email(
                "2026-04-01T11:00:00Z",
                &[LUISA],
                "CTPAT: entre al portal antes del 17 de abril de 2026 (30 días sin entrar)"
            ),
            email(
                "2026-04-09T11:00:00Z",
                &[LUISA],
                "CTPAT: entre al portal antes del 17 de abril de 2026 (38 días sin entrar)"
            ),
            email(
                "2026-04-14T11:00:00Z",
                &[LUISA, DEFAULT_OFFICER],
                "Urgente: CTPAT: entre al portal antes del 17 de abril de 2026 (43 días sin entrar)"
            ),
            email(
                "2026-04-17T04:00:00Z",
                &[DEFAULT_OFFICER, LUISA],
                "CTPAT: CBP desactivó a Luisa Méndez (luisa.mendez@gulfcoast-produce.example) el 17 de abril de 2026"
            ),
        ]
    );
    // No workflow writes the status: the rule does, at New York's midnight,
    // with the event in the same commit. The reactivation only notes that
    // Luisa is in a request under way (so another request leaves her out).
    let writes: Vec<String> = happenings(&report, "inventory")
        .iter()
        .map(|h| format!("{} {}", text(&h["action"]), text(&h["step"])))
        .collect();
    assert_eq!(
        writes,
        ["accounts.record_evidence mark_listed"],
        "{report:#}"
    );
    let transitions: Vec<(String, String, String, String, i64)> =
        happenings(&report, "rule_transition")
            .iter()
            .map(|h| {
                (
                    text(&h["at"]),
                    text(&h["account"]),
                    text(&h["transition"]),
                    text(&h["effective_on"]),
                    h["days_late"].as_i64().unwrap(),
                )
            })
            .collect();
    assert_eq!(
        transitions,
        [(
            "2026-04-17T04:00:00Z".to_owned(),
            format!("ctpat:{LUISA}"),
            "ctpat.deactivated".to_owned(),
            "2026-04-17".to_owned(),
            0
        )]
    );
    // The reactivation asks the officer the watch names to review the request.
    let created: Vec<(String, String, String, String)> = happenings(&report, "task_created")
        .iter()
        .map(|t| {
            (
                text(&t["at"]),
                text(&t["title"]),
                text(&t["assignee"]),
                text(&t["due"]),
            )
        })
        .collect();
    assert_eq!(
        created,
        owned(&[(
            "2026-04-17T04:00:00Z",
            "Revisar la solicitud de reactivación CTPAT de Luisa Méndez",
            DEFAULT_OFFICER,
            // Friday at midnight in New York: two business days of the US
            // calendar end on Tuesday at midnight, not over the weekend.
            "2026-04-21T04:00:00Z"
        )])
    );
    // The inventory agrees on the day: 2 March + 45 days of grace + 1.
    let deactivating: Vec<String> = happenings(&report, "account_deactivates")
        .iter()
        .map(|h| text(&h["account"]))
        .collect();
    assert_eq!(deactivating, [format!("ctpat:{LUISA}")]);
    // Nothing failed, and the reactivation is still waiting for the review.
    let finished = happenings(&report, "run_finished");
    assert!(
        finished.iter().all(|f| f["status"] == "succeeded"),
        "{finished:#?}"
    );
    assert_eq!(finished.len(), 22, "{finished:#?}");
    assert_eq!(report["totals"]["still_waiting"], 1);
    // A simulation works on a copy: the real inventory is untouched.
    assert_eq!(status_of(&store, &format!("ctpat:{LUISA}")), "active");
}

#[test]
fn a_sign_in_recorded_in_the_inventory_silences_the_watch() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    import(
        &store,
        dir.path(),
        &watch_inventory(),
        "2026-03-25T12:00:00Z",
    );
    let workflows = workflows_dir(dir.path(), &[WATCH, REACTIVATION]);
    // Luisa signed in on 30 March and it was recorded.
    ok(at(&store, "2026-03-30T20:00:00Z").args([
        "accounts",
        "touch",
        &format!("ctpat:{LUISA}"),
        "--at",
        "2026-03-30",
    ]));
    let report = simulate(
        &store,
        &workflows,
        "2026-03-31",
        "2026-04-18",
        "America/New_York",
    );
    assert_eq!(happenings(&report, "run_started").len(), 19);
    assert!(simulated_emails(&report).is_empty(), "{report:#}");
    assert!(happenings(&report, "inventory").is_empty(), "{report:#}");
    assert!(happenings(&report, "task_created").is_empty());
    let finished = happenings(&report, "run_finished");
    assert_eq!(finished.len(), 19);
    assert!(
        finished.iter().all(|f| f["status"] == "succeeded"),
        "{finished:#?}"
    );
}

#[test]
fn watch_then_rule_then_reactivation_in_a_real_store_ends_deactivated_again_without_a_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let config = ctpat_config(dir.path());
    let csv = format!(
        "{HEADER}ctpat,{LUISA},Luisa Méndez,{LUISA},Gulf Coast Produce Distributors Inc.,27-5501846,80456123,Account Administrator,active,2026-03-02\n"
    );
    import(&store, dir.path(), &csv, "2026-03-25T12:00:00Z");
    let workflows = workflows_dir(dir.path(), &[WATCH, REACTIVATION, RELOGIN]);
    let daemon_once = |now: &str| {
        ok(atc(&store, &config, now)
            .args(["daemon", "--once", "--workflows"])
            .arg(&workflows));
    };
    // The daemon learns the schedule, then wakes on the reminder days.
    daemon_once("2026-03-31T12:00:00Z");
    for day in ["2026-04-01", "2026-04-09", "2026-04-14", "2026-04-17"] {
        daemon_once(&format!("{day}T11:00:00Z"));
    }
    let officer = DEFAULT_OFFICER;
    let sent: Vec<(String, String, String, String)> = outbox(&store)
        .into_iter()
        .map(|m| (m.date, m.to, m.cc, m.subject))
        .collect();
    assert_eq!(
        sent,
        owned(&[
            (
                "2026-04-01T11:00:00Z",
                LUISA,
                "",
                "CTPAT: entre al portal antes del 17 de abril de 2026 (30 días sin entrar)"
            ),
            (
                "2026-04-09T11:00:00Z",
                LUISA,
                "",
                "CTPAT: entre al portal antes del 17 de abril de 2026 (38 días sin entrar)"
            ),
            (
                "2026-04-14T11:00:00Z",
                LUISA,
                officer,
                "Urgente: CTPAT: entre al portal antes del 17 de abril de 2026 (43 días sin entrar)"
            ),
            (
                "2026-04-17T11:00:00Z",
                officer,
                LUISA,
                "CTPAT: CBP desactivó a Luisa Méndez (luisa.mendez@gulfcoast-produce.example) el 17 de abril de 2026"
            ),
        ])
    );
    let reminder = one_mail(&store, "30 días");
    assert!(reminder.body.contains("lleva 30 días sin iniciar sesión"));
    assert!(reminder
        .body
        .contains("Gulf Coast Produce Distributors Inc."));
    let alert = one_mail(&store, "CBP desactivó a");
    assert!(
        alert.body.contains("(46 días sin entrar)"),
        "{}",
        alert.body
    );

    // Deactivated in the inventory on the day, by the rule.
    let key = format!("ctpat:{LUISA}");
    assert_eq!(status_of(&store, &key), "deactivated");
    let marked = history_rows(&store, &key);
    assert_eq!(
        marked[1..2],
        owned(&[(
            "2026-04-17T11:00:00Z",
            "garita (rule ctpat.inactivity)",
            "no CTPAT sign-in recorded since 2026-03-02: CBP deactivates a user after 45 days without one, so from 2026-04-17",
            "active -> deactivated"
        )])
    );
    // The reactivation's draft notes that she is in a request under way.
    assert_eq!(marked.len(), 3, "{marked:#?}");
    assert!(
        marked[2].1.ends_with(".mark_requested.0 step mark_listed"),
        "{marked:#?}"
    );
    assert_eq!(
        marked[2].2,
        "evidence of 2026-04-17: Incluido en la solicitud de reactivación a CBP de la cuenta CTPAT 80456123"
    );

    // ...and ctpat-reactivation started from its event: the review is open.
    let open = tasks(&store, false);
    assert_eq!(open.len(), 1, "{open:#?}");
    assert_eq!(open[0]["assignee"], officer);
    assert_eq!(
        text(&open[0]["title"]),
        "Revisar la solicitud de reactivación CTPAT de Luisa Méndez"
    );
    let reactivation = text(&open[0]["run_id"]);
    let started = show(&store, &reactivation);
    assert_eq!(started["workflow"], "ctpat-reactivation");
    assert_eq!(started["inputs"]["account"], json!(key));
    assert_eq!(started["inputs"]["deactivated_on"], "2026-04-17");
    // The next morning says nothing new and starts nothing new.
    daemon_once("2026-04-18T11:00:00Z");
    assert_eq!(outbox(&store).len(), 4);
    assert_eq!(tasks(&store, false).len(), 1);

    // Nothing goes to CBP before the officer approves.
    assert!(mails_about(&store, "reactivation request").is_empty());
    ok(atc(&store, &config, "2026-04-20T14:00:00Z").args([
        "tasks",
        "complete",
        &text(&open[0]["id"]),
        "--field",
        "approved=true",
        "--by",
        officer,
    ]));
    let request = one_mail(&store, "reactivation request");
    assert_eq!(
        (request.to.as_str(), request.cc.as_str()),
        (SPECIALIST, officer)
    );
    assert_eq!(
        request.subject,
        "CTPAT Portal user reactivation request - Gulf Coast Produce Distributors Inc. (account 80456123)"
    );
    // Read from the inventory through `account:`.
    for line in [
        "User name: Luisa Méndez",
        "Last sign-in: 2026-03-02",
        "CTPAT account number: 80456123",
    ] {
        assert!(request.body.contains(line), "{line:?} in\n{}", request.body);
    }

    // CBP reactivates on 21 April; the user is told the exact limit, and
    // the account carries the day as its `reactivated_on` fact.
    ok(atc(&store, &config, "2026-04-21T14:00:00Z").args([
        "signal",
        &reactivation,
        "reactivated",
        "--data",
        r#"{"on":"2026-04-21"}"#,
    ]));
    assert_eq!(status_of(&store, &key), "active");
    let hurry = one_mail(&store, "inicie sesión en cuanto");
    assert_eq!(hurry.to, LUISA);
    assert_eq!(hurry.date, "2026-04-21T14:00:00Z");
    // Luisa's account has no zone or language: New York and Spanish.
    assert_eq!(
        hurry.subject,
        "CTPAT: inicie sesión en cuanto reciba este aviso, antes de la medianoche (hora del Este) del 21 al 22 de abril de 2026"
    );
    let done = show(&store, &reactivation);
    assert_eq!(done["status"], "succeeded", "{done:#}");
    assert_eq!(done["outputs"]["reactivated_on"], "2026-04-21");
    // No SMTP configured: the request was written to a file, not sent.
    assert_eq!(done["outputs"]["sent"], false);
    assert!(
        text(&done["outputs"]["written_to"]).ends_with(".eml"),
        "{}",
        done["outputs"]
    );
    let luisa = accounts(&store, &["--portal", "ctpat"]);
    assert_eq!(luisa[0]["attributes"]["reactivated_on"], "2026-04-21");

    // No sign-in recorded by midnight in New York: the rule deactivates it
    // again, once, and the officer hears it from ctpat-relogin-missed.
    daemon_once("2026-04-22T03:59:59Z");
    assert_eq!(status_of(&store, &key), "active");
    daemon_once("2026-04-22T04:00:00Z");
    assert_eq!(status_of(&store, &key), "deactivated");
    let again = one_mail(&store, "no inició sesión el día de la reactivación");
    // The officer's message has the commands; the holder gets one of her own.
    assert_eq!((again.to.as_str(), again.cc.as_str()), (officer, ""));
    let told = one_mail(&store, "volvió a quedar desactivado");
    assert_eq!(told.to, LUISA);
    assert!(
        told.body.contains("responda a este correo") && !told.body.contains("garita "),
        "{}",
        told.body
    );
    assert_eq!(again.date, "2026-04-22T04:00:00Z");
    assert!(
        again.body.contains(
            "CBP reactivó al usuario luisa.mendez@gulfcoast-produce.example el 21 de abril de 2026"
        ),
        "{}",
        again.body
    );
    let rows: Vec<(String, String, String, String)> =
        history_rows(&store, &key).into_iter().skip(3).collect();
    assert_eq!(
        rows,
        owned(&[
            (
                "2026-04-21T14:00:00Z",
                &format!("run {reactivation} step mark_active"),
                "CBP reactivó al usuario el 2026-04-21",
                "deactivated -> active"
            ),
            (
                "2026-04-22T04:00:00Z",
                "garita (rule ctpat.inactivity)",
                "CBP reactivated the user on 2026-04-21 and no sign-in was recorded that day (last sign-in: 2026-03-02): the portal deactivated it again at midnight",
                "active -> deactivated"
            ),
        ])
    );
    // Later days repeat nothing; the watch leaves a deactivated account alone.
    daemon_once("2026-04-23T11:00:00Z");
    assert_eq!(outbox(&store).len(), 8);
    assert!(tasks(&store, false).is_empty());
}

// ---- ctpat-reactivation ------------------------------------------------------

#[test]
fn reactivation_sends_the_edited_request_and_ends_active_when_the_sign_in_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let config = ctpat_config(dir.path());
    import(
        &store,
        dir.path(),
        &format!("{HEADER}{TOM_ROW}"),
        "2026-04-20T12:00:00Z",
    );
    let mut inputs = tom_inputs();
    inputs.push(("specialist_email", "other.specialist@cbp.dhs.example"));
    let run_id = start_reactivation(&store, &config, "2026-04-20T13:00:00Z", &inputs);

    let review = tasks(&store, false);
    assert_eq!(review.len(), 1);
    assert_eq!(review[0]["assignee"], OFFICER);
    assert_eq!(review[0]["due"], "2026-04-22T13:00:00Z");
    let shown = text(&review[0]["body"]);
    assert!(
        shown.contains("Para: other.specialist@cbp.dhs.example"),
        "{shown}"
    );
    assert!(shown.contains("Dear CBP Supply Chain Security Specialist"));

    let edited = "Dear Officer Smith,\n\nPlease reactivate Tom Okafor (tom.okafor@gulfcoast-produce.example), CTPAT account 80456123.\n\nRegards,\nCompliance\n";
    ok(atc(&store, &config, "2026-04-20T14:00:00Z").args([
        "tasks",
        "complete",
        &text(&review[0]["id"]),
        "--field",
        "approved=true",
        "--field",
        &format!("body={edited}"),
    ]));
    let request = one_mail(&store, "reactivation request");
    assert_eq!(request.to, "other.specialist@cbp.dhs.example");
    assert_eq!(request.body.trim_end(), edited.trim_end());
    assert_eq!(
        step(&show(&store, &run_id), "review")["outputs"]["edited"],
        true
    );

    // The signal without data: reactivated today (New York).
    ok(atc(&store, &config, "2026-04-20T15:30:00Z").args(["signal", &run_id, "reactivated"]));
    // The run's `user_time_zone` input wins over the inventory (none here).
    let hurry = one_mail(&store, "inicie sesión en cuanto");
    assert_eq!(
        hurry.subject,
        "CTPAT: inicie sesión en cuanto reciba este aviso, antes de las 22:00 (hora del centro de México) del 20 de abril de 2026"
    );
    assert!(
        hurry.body.contains(
            "antes de las 22:00 (hora del centro de México) del 20 de abril de 2026. CBP no indica en qué zona horaria cuenta la medianoche; esa es la más temprana posible: la medianoche (hora del Este) del 20 al 21 de abril de 2026."
        ),
        "{}",
        hurry.body
    );
    assert_eq!((hurry.to.as_str(), hurry.cc.as_str()), (TOM, OFFICER));

    // Tom signs in that evening and the officer records it.
    ok(at(&store, "2026-04-20T22:00:00Z").args([
        "accounts",
        "touch",
        &format!("ctpat:{TOM}"),
        "--at",
        "2026-04-20",
    ]));
    let done = show(&store, &run_id);
    assert_eq!(done["status"], "succeeded", "{done:#}");
    assert_eq!(done["outputs"]["deadline"], "2026-04-20T23:59:59-04:00");
    let marked = &step(&done, "mark_active")["outputs"];
    assert_eq!(marked["account"]["status"], "active");
    assert_eq!(marked["previous_status"], "deactivated");
    // Started by hand (no rule event): no alert to the officer.
    assert_eq!(step(&done, "alert")["status"], "skipped");
    // Past midnight the rule finds the same-day sign-in and leaves it active.
    ok(atc(&store, &config, "2026-04-21T05:00:00Z")
        .args(["daemon", "--once", "--workflows"])
        .arg(root().join("workflows")));
    let key = format!("ctpat:{TOM}");
    assert_eq!(status_of(&store, &key), "active");
    let tom = accounts(&store, &["--portal", "ctpat"]);
    assert_eq!(tom[0]["last_sign_in"], "2026-04-20");
    assert_eq!(step(&done, "no_answer")["status"], "skipped");
    assert_eq!(
        outbox(&store).len(),
        2,
        "the request and the user's notice only"
    );
}

#[test]
fn reactivation_not_approved_sends_nothing_to_cbp() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let config = ctpat_config(dir.path());
    import(
        &store,
        dir.path(),
        &format!("{HEADER}{TOM_ROW}"),
        "2026-04-20T12:00:00Z",
    );
    let run_id = start_reactivation(&store, &config, "2026-04-20T13:00:00Z", &tom_inputs());
    let review = task_of(&store, OFFICER);
    ok(atc(&store, &config, "2026-04-20T14:00:00Z").args([
        "tasks",
        "reject",
        &review,
        "--note",
        "Tom leaves the company next week",
    ]));
    let done = show(&store, &run_id);
    assert_eq!(done["status"], "succeeded");
    assert_eq!(done["outputs"]["sent"], false);
    assert_eq!(done["outputs"]["written_to"], Value::Null);
    for skipped in ["send", "reactivated", "deadline", "tell_user", "no_answer"] {
        assert_eq!(step(&done, skipped)["status"], "skipped", "{skipped}");
    }
    // Still deactivated: nobody asked CBP.
    assert_eq!(status_of(&store, &format!("ctpat:{TOM}")), "deactivated");
    let mails = outbox(&store);
    assert_eq!(mails.len(), 1, "{mails:#?}");
    assert_eq!(mails[0].to, OFFICER);
    assert_eq!(
        mails[0].subject,
        "CTPAT: no se envió la solicitud de reactivación de Tom Okafor"
    );
}

#[test]
fn reactivation_escalates_when_cbp_does_not_answer_in_14_days() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let config = ctpat_config(dir.path());
    import(
        &store,
        dir.path(),
        &format!("{HEADER}{TOM_ROW}"),
        "2026-04-20T12:00:00Z",
    );
    let run_id = start_reactivation(&store, &config, "2026-04-20T13:00:00Z", &tom_inputs());
    let review = task_of(&store, OFFICER);
    ok(atc(&store, &config, "2026-04-20T14:00:00Z").args([
        "tasks",
        "complete",
        &review,
        "--field",
        "approved=true",
    ]));
    assert_eq!(one_mail(&store, "reactivation request").to, SPECIALIST);

    resume(&store, "2026-05-04T13:59:59Z");
    assert_eq!(show(&store, &run_id)["status"], "waiting");
    resume(&store, "2026-05-04T14:00:00Z");
    let done = show(&store, &run_id);
    assert_eq!(done["status"], "succeeded", "{done:#}");
    // Jumped over by the wait's `goto`: never ran. (`runs show` lists steps
    // a goto jumped over as `pending`, while templates see them `skipped`.)
    for jumped in ["mark_active", "deadline", "tell_user"] {
        let s = step(&done, jumped);
        assert!(
            s["status"] == "pending" || s["status"] == "skipped",
            "{jumped}: {s:#}"
        );
        assert!(s["outputs"].is_null(), "{jumped}: {s:#}");
    }
    assert_eq!(status_of(&store, &format!("ctpat:{TOM}")), "deactivated");
    let chase = one_mail(&store, "CBP no ha confirmado");
    assert_eq!(
        (chase.to.as_str(), chase.date.as_str()),
        (OFFICER, "2026-05-04T14:00:00Z")
    );
    assert!(chase.body.contains(SPECIALIST));
    assert!(chase.body.contains("CTPAT Portal user reactivation request - Gulf Coast Produce Distributors Inc. (account 80456123)"));
}

/// Who stands in for Tom: the inventory names her in `attr.backup_owner`.
const BACKUP: &str = "maria.soto@gulfcoast-produce.example";

fn tom_with_backup_owner() -> String {
    format!(
        "{},attr.backup_owner\n{},{BACKUP}\n",
        HEADER.trim_end(),
        TOM_ROW.trim_end()
    )
}

#[test]
fn a_review_opened_on_a_friday_is_never_dropped_it_escalates_to_the_backup_owner_then_the_officer()
{
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let config = ctpat_config(dir.path());
    import(
        &store,
        dir.path(),
        &tom_with_backup_owner(),
        "2026-04-17T12:00:00Z",
    );
    let workflows = workflows_dir(dir.path(), &[REACTIVATION]);
    let daemon_once = |now: &str| {
        ok(atc(&store, &config, now)
            .args(["daemon", "--once", "--workflows"])
            .arg(&workflows));
    };
    let dropped = || mails_about(&store, "no se envió");

    // Friday 17 April 2026, 11:00 in New York: two business days are
    // Friday and Monday, so the review is due on Tuesday at 11:00.
    let run_id = start_reactivation(&store, &config, "2026-04-17T15:00:00Z", &tom_inputs());
    let review = tasks(&store, false);
    assert_eq!(review.len(), 1, "{review:#?}");
    assert_eq!(review[0]["assignee"], OFFICER);
    assert_eq!(review[0]["due"], "2026-04-21T15:00:00Z");

    // The weekend passes unanswered: on Monday nothing was dropped.
    daemon_once("2026-04-20T13:00:00Z");
    assert!(dropped().is_empty(), "{:#?}", dropped());
    assert_eq!(show(&store, &run_id)["status"], "waiting");
    assert_eq!(task_of(&store, OFFICER), text(&review[0]["id"]));

    // Garita is down from Monday to Wednesday: the due date passes while
    // nobody looks, and the escalation happens when it comes back.
    daemon_once("2026-04-22T14:00:00Z");
    assert!(dropped().is_empty(), "{:#?}", dropped());
    let handed = one_mail(&store, "le pasamos la revisión");
    assert_eq!(
        (handed.to.as_str(), handed.cc.as_str(), handed.date.as_str()),
        (BACKUP, OFFICER, "2026-04-22T14:00:00Z")
    );
    assert!(handed.body.contains("Tom Okafor"), "{}", handed.body);
    let open = tasks(&store, false);
    assert_eq!(open.len(), 1, "{open:#?}");
    assert_eq!(open[0]["assignee"], BACKUP);
    // One business day from when she was asked.
    assert_eq!(open[0]["due"], "2026-04-23T14:00:00Z");

    // She does not answer either: the officer gets it back, urgent, and
    // with no deadline left to expire.
    daemon_once("2026-04-23T14:00:00Z");
    let urgent = one_mail(&store, "sigue sin revisar");
    assert_eq!(
        (urgent.to.as_str(), urgent.date.as_str()),
        (OFFICER, "2026-04-23T14:00:00Z")
    );
    let open = tasks(&store, false);
    assert_eq!(open.len(), 1, "{open:#?}");
    assert_eq!(open[0]["assignee"], OFFICER);
    assert_eq!(open[0]["due"], Value::Null);

    // Weeks later the request is still there, waiting for an answer.
    daemon_once("2026-05-15T14:00:00Z");
    assert!(dropped().is_empty(), "{:#?}", dropped());
    assert_eq!(show(&store, &run_id)["status"], "waiting");

    ok(atc(&store, &config, "2026-05-15T15:00:00Z").args([
        "tasks",
        "complete",
        &text(&open[0]["id"]),
        "--field",
        "approved=true",
        "--by",
        OFFICER,
    ]));
    let request = one_mail(&store, "reactivation request");
    assert_eq!(request.to, SPECIALIST);
    assert!(dropped().is_empty(), "{:#?}", dropped());
}

#[test]
fn without_a_backup_owner_the_unanswered_review_goes_back_to_the_officer_as_urgent() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let config = ctpat_config(dir.path());
    import(
        &store,
        dir.path(),
        &format!("{HEADER}{TOM_ROW}"),
        "2026-04-17T12:00:00Z",
    );
    let workflows = workflows_dir(dir.path(), &[REACTIVATION]);
    let run_id = start_reactivation(&store, &config, "2026-04-17T15:00:00Z", &tom_inputs());
    ok(atc(&store, &config, "2026-04-21T15:00:00Z")
        .args(["daemon", "--once", "--workflows"])
        .arg(&workflows));
    assert!(mails_about(&store, "le pasamos la revisión").is_empty());
    assert!(mails_about(&store, "no se envió").is_empty());
    let urgent = one_mail(&store, "sigue sin revisar");
    assert_eq!((urgent.to.as_str(), urgent.cc.as_str()), (OFFICER, ""));
    assert!(
        urgent.body.contains("no tiene suplente en el inventario"),
        "{}",
        urgent.body
    );
    let open = tasks(&store, false);
    assert_eq!(open.len(), 1, "{open:#?}");
    assert_eq!(open[0]["assignee"], OFFICER);
    assert_eq!(open[0]["due"], Value::Null);
    assert_eq!(show(&store, &run_id)["status"], "waiting");
}

// ---- ctpat-email-list-review -------------------------------------------------

#[test]
fn email_list_review_compares_each_company_list_with_the_inventory() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let csv = format!(
        "{HEADER}\
ctpat,rosa.zambrano@bananera-pacifico.example,Rosa Zambrano,rosa.zambrano@bananera-pacifico.example,Exportadora Bananera del Pacífico S.A.,0992147350001,82567341,Account Administrator,active,2026-02-10
ctpat,diego.paredes@bananera-pacifico.example,Diego Paredes,diego.paredes@bananera-pacifico.example,Exportadora Bananera del Pacífico S.A.,0992147350001,82567341,User,offboarded,2025-10-30
ctpat,ana.vela@bananera-pacifico.example,Ana Vela,ana.vela@bananera-pacifico.example,Exportadora Bananera del Pacífico S.A.,0992147350001,82567341,User,active,2026-03-01
ctpat,maria.quintero@andes-sierra.example,María Quintero,maria.quintero@andes-sierra.example,Andes & Sierra Imports LLC,84-3190275,81234567,Account Administrator,active,2026-01-28
"
    );
    import(&store, dir.path(), &csv, "2026-03-25T12:00:00Z");
    let run_id = run_id(&json_out(
        at(&store, "2026-04-01T13:00:00Z")
            .arg("run")
            .arg(root().join(REVIEW))
            .args(["--input", &format!("officer={OFFICER}")]),
    ));
    // One list to copy per CTPAT account.
    let open = tasks(&store, false);
    let titles: Vec<String> = open.iter().map(|t| text(&t["title"])).collect();
    assert_eq!(titles.len(), 2, "{titles:?}");
    assert!(titles.contains(&"CTPAT: copiar los correos habilitados de Exportadora Bananera del Pacífico S.A. (cuenta 82567341)".to_owned()));
    assert!(titles.contains(
        &"CTPAT: copiar los correos habilitados de Andes & Sierra Imports LLC (cuenta 81234567)"
            .to_owned()
    ));
    let task_for = |number: &str| {
        tasks(&store, false)
            .into_iter()
            .find(|t| text(&t["title"]).contains(number))
            .map(|t| text(&t["id"]))
            .unwrap()
    };
    ok(at(&store, "2026-04-02T13:00:00Z").args([
        "tasks",
        "complete",
        &task_for("82567341"),
        "--field",
        r#"enabled_emails=["Rosa.Zambrano@bananera-pacifico.example","diego.paredes@bananera-pacifico.example","exportaciones@bananera-pacifico.example"]"#,
    ]));
    ok(at(&store, "2026-04-02T13:00:00Z").args([
        "tasks",
        "complete",
        &task_for("81234567"),
        "--field",
        r#"enabled_emails=["maria.quintero@andes-sierra.example"]"#,
    ]));
    // Changes only where there are some.
    let apply = tasks(&store, false);
    assert_eq!(apply.len(), 1, "{apply:#?}");
    let body = text(&apply[0]["body"]);
    for line in [
        "- ana.vela@bananera-pacifico.example (Ana Vela)",
        "- diego.paredes@bananera-pacifico.example: Diego Paredes ya no está en la empresa",
        "- exportaciones@bananera-pacifico.example: nadie del inventario usa este correo",
    ] {
        assert!(body.contains(line), "{line:?} in\n{body}");
    }
    ok(at(&store, "2026-04-03T15:00:00Z").args([
        "tasks",
        "complete",
        &text(&apply[0]["id"]),
        "--field",
        "applied_on=2026-04-03",
    ]));
    let done = show(&store, &run_id);
    assert_eq!(done["status"], "succeeded", "{done:#}");
    assert_eq!(done["outputs"]["companies"], 2);
    let report = one_mail(&store, "revisión trimestral");
    assert_eq!(
        (report.to.as_str(), report.date.as_str()),
        (OFFICER, "2026-04-03T15:00:00Z")
    );
    for line in [
        "Exportadora Bananera del Pacífico S.A. (cuenta 82567341):",
        "- Agregar: ana.vela@bananera-pacifico.example",
        "- Quitar: diego.paredes@bananera-pacifico.example (baja), exportaciones@bananera-pacifico.example (desconocido)",
        "- Cambios hechos en el portal: 2026-04-03",
        "Andes & Sierra Imports LLC (cuenta 81234567):",
        "- Se mantienen: 1",
    ] {
        assert!(report.body.contains(line), "{line:?} in\n{}", report.body);
    }
}

#[test]
fn email_list_review_reports_a_list_nobody_copied() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let csv = format!(
        "{HEADER}ctpat,maria.quintero@andes-sierra.example,María Quintero,maria.quintero@andes-sierra.example,Andes & Sierra Imports LLC,84-3190275,81234567,Account Administrator,active,2026-01-28\n"
    );
    import(&store, dir.path(), &csv, "2026-03-25T12:00:00Z");
    let run_id = run_id(&json_out(
        at(&store, "2026-04-01T13:00:00Z")
            .arg("run")
            .arg(root().join(REVIEW)),
    ));
    resume(&store, "2026-04-08T13:00:00Z");
    let done = show(&store, &run_id);
    assert_eq!(done["status"], "succeeded");
    let report = one_mail(&store, "revisión trimestral");
    assert_eq!(report.date, "2026-04-08T13:00:00Z");
    assert!(report.body.contains(
        "No se copió la lista del portal: la revisión de este trimestre quedó sin hacer."
    ));
}

#[test]
fn email_list_review_of_the_first_quarter_of_2027_waits_for_monday_the_4th() {
    // "First working morning of the quarter": Friday 1 January 2027 is a US
    // federal holiday, then a weekend; the review starts on Monday 4
    // January at 09:00 New York time (EST, UTC-5), once.
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let workflows = workflows_dir(dir.path(), &[REVIEW]);
    let config = ctpat_config(dir.path());
    let report = simulate_with(
        &store,
        &workflows,
        "2026-12-28",
        "2027-01-08",
        "America/New_York",
        &["--config", config.to_str().unwrap()],
    );
    let fires: Vec<String> = happenings(&report, "run_started")
        .iter()
        .filter(|h| h["workflow"] == "ctpat-email-list-review")
        .map(|h| text(&h["trigger"]["scheduled_for"]))
        .collect();
    assert_eq!(fires, ["2027-01-04T14:00:00Z"], "{report:#}");
}

// ---- the holder's time zone and language --------------------------------------

const ZONED_HEADER: &str = "portal,account,holder_name,holder_email,company,tax_id,ctpat_account_number,role,status,last_sign_in,time_zone,locale\n";
const ROSA: &str = "rosa.lugo@gulfcoast-produce.example";
const ANA: &str = "ana.ruiz@gulfcoast-produce.example";

/// Runs `ctpat-reactivation` by hand for `holder` (no `user_time_zone`
/// input: the inventory says where the holder is), approves the request
/// and signals the reactivation at 11:30 in New York; returns the notice.
fn reactivation_notice_for(holder: &str, zone: &str, locale: &str) -> Mail {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let config = ctpat_config(dir.path());
    let row = format!(
        "ctpat,{holder},Holder Name,{holder},Gulf Coast Produce Distributors Inc.,27-5501846,80456123,User,deactivated,2026-03-02,{zone},{locale}\n"
    );
    import(
        &store,
        dir.path(),
        &format!("{ZONED_HEADER}{row}"),
        "2026-04-20T12:00:00Z",
    );
    let account = format!("ctpat:{holder}");
    let run_id = start_reactivation(
        &store,
        &config,
        "2026-04-20T13:00:00Z",
        &[("account", account.as_str()), ("officer", OFFICER)],
    );
    ok(atc(&store, &config, "2026-04-20T14:00:00Z").args([
        "tasks",
        "complete",
        &task_of(&store, OFFICER),
        "--field",
        "approved=true",
    ]));
    ok(atc(&store, &config, "2026-04-20T15:30:00Z").args(["signal", &run_id, "reactivated"]));
    let done = show(&store, &run_id);
    assert_eq!(step(&done, "tell_user")["status"], "succeeded", "{done:#}");
    let mails = outbox(&store);
    assert_eq!(mails.len(), 2, "the request and the notice: {mails:#?}");
    let notice = mails.into_iter().find(|m| m.to == holder).unwrap();
    assert_eq!(notice.cc, OFFICER);
    notice
}

#[test]
fn a_holder_in_tijuana_is_told_in_spanish_the_earliest_midnight_in_pacific_time() {
    let notice = reactivation_notice_for(ROSA, "America/Tijuana", "es");
    // CBP does not say whose midnight counts; the earliest plausible one is
    // New York's (00:00 EDT on the 21st), 21:00 on the 20th in Tijuana.
    assert_eq!(
        notice.subject,
        "CTPAT: inicie sesión en cuanto reciba este aviso, antes de las 21:00 (hora del Pacífico) del 20 de abril de 2026"
    );
    for part in [
        "Hola, Holder Name:",
        "Inicie sesión en cuanto reciba este aviso",
        "antes de las 21:00 (hora del Pacífico) del 20 de abril de 2026.",
        "CBP no indica en qué zona horaria cuenta la medianoche",
    ] {
        assert!(notice.body.contains(part), "{part:?} in {}", notice.body);
    }
}

#[test]
fn a_holder_in_miami_is_told_in_english() {
    let notice = reactivation_notice_for(ANA, "America/New_York", "en");
    assert_eq!(
        notice.subject,
        "CTPAT: sign in as soon as you read this, before midnight Eastern Time at the end of April 20, 2026"
    );
    for part in [
        "Hello Holder Name,",
        "Sign in as soon as you receive this notice",
        "before midnight Eastern Time at the end of April 20, 2026.",
        "CBP does not say in which time zone it counts midnight",
    ] {
        assert!(notice.body.contains(part), "{part:?} in {}", notice.body);
    }
    assert!(!notice.body.contains("Hola"), "{}", notice.body);
}

#[test]
fn the_inactivity_reminder_is_written_in_the_holders_language() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let row = |holder: &str, zone: &str, locale: &str| {
        format!("ctpat,{holder},Holder Name,{holder},Gulf Coast Produce Distributors Inc.,27-5501846,80456123,User,active,2026-03-02,{zone},{locale}\n")
    };
    let csv = format!(
        "{ZONED_HEADER}{}{}{}",
        row(ANA, "America/New_York", "en"),
        row(ROSA, "America/Tijuana", "es"),
        row(LUISA, "", "")
    );
    import(&store, dir.path(), &csv, "2026-03-25T12:00:00Z");
    let workflows = workflows_dir(dir.path(), &[WATCH]);
    // 2026-04-01 is day 30 without a sign-in for all three.
    let report = simulate(
        &store,
        &workflows,
        "2026-04-01",
        "2026-04-01",
        "America/New_York",
    );
    let mut sent = simulated_emails(&report);
    sent.sort_by(|a, b| a.1.cmp(&b.1));
    let subjects: Vec<(&str, &str)> = sent
        .iter()
        .map(|(_, to, subject)| (to[0].as_str(), subject.as_str()))
        .collect();
    assert_eq!(
        subjects,
        [
            (
                ANA,
                "CTPAT: sign in to the portal before April 17, 2026 (30 days without signing in)"
            ),
            (
                LUISA,
                "CTPAT: entre al portal antes del 17 de abril de 2026 (30 días sin entrar)"
            ),
            (
                ROSA,
                "CTPAT: entre al portal antes del 17 de abril de 2026 (30 días sin entrar)"
            ),
        ]
    );
}

// ---- one request for several users of one account ------------------------------

#[test]
fn users_of_one_account_deactivated_together_go_to_cbp_in_one_request() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let config = ctpat_config(dir.path());
    // Luisa and Tom (account 80456123) and Jordan (another account) all
    // passed the 45 days; the import's look deactivates the three.
    let csv = format!(
        "{ZONED_HEADER}\
ctpat,{LUISA},Luisa Méndez,{LUISA},Gulf Coast Produce Distributors Inc.,27-5501846,80456123,Account Administrator,active,2026-03-02,,
ctpat,{TOM},Tom Okafor,{TOM},Gulf Coast Produce Distributors Inc.,27-5501846,80456123,User,active,2026-03-05,America/Los_Angeles,en
ctpat,jordan.blake@andes-sierra.example,Jordan Blake,jordan.blake@andes-sierra.example,Andes & Sierra Imports LLC,84-3190275,81234567,Security Officer,active,2026-03-02,,
"
    );
    import(&store, dir.path(), &csv, "2026-04-20T12:00:00Z");
    let workflows = workflows_dir(dir.path(), &[REACTIVATION]);
    ok(atc(&store, &config, "2026-04-20T12:05:00Z")
        .args(["daemon", "--once", "--workflows"])
        .arg(&workflows));
    // An alert per user, but one review per CTPAT account: Luisa's run
    // (first by key) drafts for Luisa and Tom; Tom's run leaves it to her.
    assert_eq!(mails_about(&store, "CBP desactivó a").len(), 3);
    let open = tasks(&store, false);
    let mut titles: Vec<String> = open.iter().map(|t| text(&t["title"])).collect();
    titles.sort();
    assert_eq!(
        titles,
        [
            "Revisar la solicitud de reactivación CTPAT de Jordan Blake",
            "Revisar la solicitud de reactivación CTPAT de Luisa Méndez",
        ]
    );
    for key in [format!("ctpat:{LUISA}"), format!("ctpat:{TOM}")] {
        let account = &accounts(&store, &["--portal", "ctpat"])
            .into_iter()
            .find(|a| a["key"] == json!(key))
            .unwrap();
        assert_eq!(
            account["attributes"]["reactivation_requested_on"], "2026-04-20",
            "{account:#}"
        );
    }
    let luisa_task = open
        .iter()
        .find(|t| text(&t["title"]).contains("Luisa"))
        .unwrap();
    ok(atc(&store, &config, "2026-04-20T14:00:00Z").args([
        "tasks",
        "complete",
        &text(&luisa_task["id"]),
        "--field",
        "approved=true",
    ]));
    let request = one_mail(&store, "80456123");
    assert_eq!(
        request.subject,
        "CTPAT Portal user reactivation request (2 users) - Gulf Coast Produce Distributors Inc. (account 80456123)"
    );
    for line in [
        "1. User name: Luisa Méndez",
        &format!("   User sign-in email: {LUISA}"),
        "2. User name: Tom Okafor",
        "   Last sign-in: 2026-03-05",
        "Please reply to this email once the users have been reactivated",
    ] {
        assert!(request.body.contains(line), "{line:?} in\n{}", request.body);
    }
    let html = request.html.clone().unwrap_or_default();
    assert!(html.contains("<ol start=\"1\""), "{html}");

    // CBP reactivates both; Luisa's run marks both active and tells each in
    // their language and zone.
    let luisa_run = text(&luisa_task["run_id"]);
    ok(atc(&store, &config, "2026-04-21T14:00:00Z").args([
        "signal",
        &luisa_run,
        "reactivated",
        "--data",
        r#"{"on":"2026-04-21"}"#,
    ]));
    for key in [format!("ctpat:{LUISA}"), format!("ctpat:{TOM}")] {
        assert_eq!(status_of(&store, &key), "active", "{key}");
    }
    let to_luisa = one_mail(&store, "inicie sesión en cuanto");
    assert_eq!(to_luisa.to, LUISA);
    assert_eq!(
        to_luisa.subject,
        "CTPAT: inicie sesión en cuanto reciba este aviso, antes de la medianoche (hora del Este) del 21 al 22 de abril de 2026"
    );
    let to_tom = one_mail(&store, "sign in as soon as");
    assert_eq!(to_tom.to, TOM);
    assert_eq!(
        to_tom.subject,
        "CTPAT: sign in as soon as you read this, before 9:00 PM Pacific Time on April 21, 2026"
    );
    // The request is settled: nothing marks them as in a request any more.
    let listed = accounts(&store, &["--portal", "ctpat"]);
    assert!(
        listed.iter().all(
            |a| a["attributes"].get("reactivation_requested_on").is_none()
                || a["key"] == json!("ctpat:jordan.blake@andes-sierra.example")
        ),
        "{listed:#?}"
    );
}
