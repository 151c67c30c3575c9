//! The whole compliance year (issue 20, "Done when"): `garita simulate`
//! over 2027 on the example inventory with every shipped workflow shows
//! each obligation on its exact day, and none of those that keep to
//! working days on a weekend or a public holiday of their country.
//!
//! - quarterly access reviews per portal (item 13) and the CTPAT
//!   email-list review, on the first working morning of each quarter, with
//!   their tasks due in business days of the portal's country;
//! - the yearly security-profile update (item 14);
//! - certificate expiry (item 11), periodic password change (item 12) and
//!   the Ecuapass annual update, as the portal rules date them.
//!
//! And with the real binary outside virtual time: an answered access review
//! offboards the flagged account (starting staff-offboarding) and is one
//! `compliance.access_review` audit entry; a recorded profile update is one
//! `compliance.profile_update` entry and silences the year's reminders.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;
use support::workflows::*;
use support::*;

const IMPORTED: &str = "2026-12-04T15:00:00Z";
const OFFICER: &str = "oficial@example.com";

fn config(dir: &Path) -> PathBuf {
    write(
        dir,
        "garita.toml",
        &format!(
            "[connectors.ctpat]\ncbp_specialist_email = \"scss.specialist@cbp.dhs.example\"\n\n[rules]\nofficer = \"{OFFICER}\"\n"
        ),
    )
}

fn example_store(dir: &Path) -> (PathBuf, PathBuf) {
    let store = dir.join("store");
    let config = config(dir);
    ok(atc(&store, &config, IMPORTED)
        .args(["accounts", "import"])
        .arg(root().join("workflows/examples/accounts.csv")));
    (store, config)
}

/// The days off of 2027 the working-day obligations must avoid, by
/// country (as the calendar's own tests list them).
fn days_off_2027(country: &str) -> BTreeSet<&'static str> {
    match country {
        "US" => [
            "2027-01-01",
            "2027-01-18",
            "2027-02-15",
            "2027-05-31",
            "2027-06-18",
            "2027-07-05",
            "2027-09-06",
            "2027-10-11",
            "2027-11-11",
            "2027-11-25",
            "2027-12-24",
            "2027-12-31",
        ]
        .into(),
        "EC" => [
            "2027-01-01",
            "2027-02-08",
            "2027-02-09",
            "2027-03-26",
            "2027-04-30",
            "2027-05-24",
            "2027-08-09",
            "2027-10-08",
            "2027-11-01",
            "2027-11-05",
            "2027-12-24",
            "2027-12-31",
        ]
        .into(),
        "MX" => [
            "2027-01-01",
            "2027-02-01",
            "2027-03-15",
            "2027-05-01",
            "2027-09-16",
            "2027-11-15",
            "2027-12-25",
        ]
        .into(),
        _ => BTreeSet::new(),
    }
}

#[test]
fn a_year_of_the_example_inventory_shows_every_obligation_on_its_exact_day() {
    let dir = tempfile::tempdir().unwrap();
    let (store, config) = example_store(dir.path());
    let report = simulate_with(
        &store,
        &root().join("workflows"),
        "2027-01-01",
        "2027-12-31",
        "America/Mexico_City",
        &["--config", config.to_str().unwrap()],
    );

    // Scheduled reviews: the first working morning of each quarter, 09:00
    // in the portal's country. 1 January is a holiday everywhere and the
    // 2nd and 3rd a weekend, so the year starts on Monday 4 January.
    let scheduled: Vec<(String, String)> = happenings(&report, "run_started")
        .into_iter()
        .filter(|h| h["trigger"]["kind"] == "schedule")
        .map(|h| (text(&h["workflow"]), text(&h["trigger"]["scheduled_for"])))
        .filter(|(w, _)| w != "ctpat-inactivity-watch")
        .collect();
    let mut expected = Vec::new();
    for (day, edt) in [
        ("2027-01-04", false),
        ("2027-04-01", true),
        ("2027-07-01", true),
        ("2027-10-01", true),
    ] {
        let ny = if edt { "13" } else { "14" };
        expected.push(("access-review-ctpat", format!("{day}T{ny}:00:00Z")));
        expected.push(("ctpat-email-list-review", format!("{day}T{ny}:00:00Z")));
        expected.push(("access-review-ecuapass", format!("{day}T14:00:00Z")));
        expected.push(("access-review-anam", format!("{day}T15:00:00Z")));
    }
    // The Ecuapass annual-update campaign for 2028 opens on 1 December.
    expected.push(("ecuapass-annual-update", "2027-12-01T14:00:00Z".into()));
    let mut expected: Vec<(String, String)> = expected
        .into_iter()
        .map(|(w, at)| (w.to_owned(), at))
        .collect();
    let mut got = scheduled.clone();
    got.sort();
    expected.sort();
    assert_eq!(got, expected);

    // None of the working-day ones lands on a day off of its country.
    for (workflow, at) in &scheduled {
        let country = match workflow.as_str() {
            "access-review-ctpat" | "ctpat-email-list-review" => "US",
            "access-review-ecuapass" => "EC",
            "access-review-anam" => "MX",
            _ => continue,
        };
        assert!(
            !days_off_2027(country).contains(&at[..10]),
            "{workflow} on {at}, a day off in {country}"
        );
    }

    // Each access-review task is due five business days later in its
    // country: the US observes 4 July on Monday 5 July, Ecuador rests on
    // Friday 8 October for the 9th, Columbus Day is 11 October in the US.
    let due: BTreeSet<(String, String)> = happenings(&report, "task_created")
        .into_iter()
        .filter(|h| text(&h["workflow"]).starts_with("access-review-"))
        .map(|h| (text(&h["workflow"]), text(&h["due"])))
        .collect();
    let want: BTreeSet<(String, String)> = [
        ("access-review-ctpat", "2027-01-11T14:00:00Z"),
        ("access-review-ctpat", "2027-04-08T13:00:00Z"),
        ("access-review-ctpat", "2027-07-09T13:00:00Z"),
        ("access-review-ctpat", "2027-10-08T13:00:00Z"),
        ("access-review-ecuapass", "2027-01-11T14:00:00Z"),
        ("access-review-ecuapass", "2027-04-08T14:00:00Z"),
        ("access-review-ecuapass", "2027-07-08T14:00:00Z"),
        ("access-review-ecuapass", "2027-10-11T14:00:00Z"),
        ("access-review-anam", "2027-01-11T15:00:00Z"),
        ("access-review-anam", "2027-04-08T15:00:00Z"),
        ("access-review-anam", "2027-07-08T15:00:00Z"),
        ("access-review-anam", "2027-10-08T15:00:00Z"),
    ]
    .into_iter()
    .map(|(w, d)| (w.to_owned(), d.to_owned()))
    .collect();
    assert_eq!(due, want);
    // One task per company holding accounts on the portal, every quarter.
    let per_quarter = |workflow: &str| {
        happenings(&report, "task_created")
            .into_iter()
            .filter(|h| h["workflow"] == workflow)
            .count()
    };
    assert_eq!(per_quarter("access-review-ctpat"), 4 * 4);
    assert_eq!(per_quarter("access-review-ecuapass"), 3 * 4);
    assert_eq!(per_quarter("access-review-anam"), 3 * 4);

    // The portal rules' dated obligations of the year, each on its day
    // (the rest of the imports' overdue ones were applied at the import).
    let transitions: Vec<(String, String, String)> = happenings(&report, "rule_transition")
        .into_iter()
        .filter(|h| h["days_late"].as_i64().unwrap_or(0) == 0)
        .map(|h| {
            (
                text(&h["effective_on"]),
                text(&h["account"]),
                text(&h["transition"]),
            )
        })
        .collect();
    let row = |on: &str, account: &str, transition: &str| {
        (on.to_owned(), account.to_owned(), transition.to_owned())
    };
    assert_eq!(
        transitions,
        [
            row("2027-01-14", "anam:slozano.aab", "certificate.expiring"),
            row("2027-01-21", "ecuapass:rzambrano1", "certificate.expiring"),
            row("2027-02-01", "ecuapass:fcevallos", "ecuapass.update_missed"),
            row("2027-02-01", "ecuapass:gchicaiza", "ecuapass.update_missed"),
            row("2027-02-01", "ecuapass:jvera2024", "ecuapass.update_missed"),
            row(
                "2027-02-01",
                "ecuapass:pnavarrete",
                "ecuapass.update_missed"
            ),
            row(
                "2027-02-01",
                "ecuapass:rzambrano1",
                "ecuapass.update_missed"
            ),
            row("2027-02-13", "anam:slozano.aab", "certificate.expiring"),
            row("2027-02-13", "ecuapass:rzambrano1", "certificate.expiring"),
            row("2027-02-20", "ecuapass:rzambrano1", "certificate.expired"),
            row("2027-03-08", "anam:slozano.aab", "certificate.expiring"),
            row("2027-03-15", "anam:slozano.aab", "certificate.expired"),
            row("2027-05-01", "ecuapass:fcevallos", "certificate.expiring"),
            row("2027-05-31", "ecuapass:fcevallos", "certificate.expiring"),
            row(
                "2027-05-31",
                "anam:drodriguez.log",
                "profile.update_due_soon"
            ),
            row("2027-06-23", "ecuapass:fcevallos", "certificate.expiring"),
            row(
                "2027-06-23",
                "anam:drodriguez.log",
                "profile.update_due_soon"
            ),
            row("2027-06-30", "ecuapass:fcevallos", "certificate.expired"),
            row("2027-06-30", "anam:drodriguez.log", "profile.update_due"),
            row("2027-09-15", "anam:cibarra.tfn", "profile.update_due_soon"),
            row("2027-10-08", "anam:cibarra.tfn", "profile.update_due_soon"),
            row("2027-10-15", "anam:cibarra.tfn", "profile.update_due"),
        ]
    );

    // The profile reminders reach the holder who answers for the profile,
    // officer in copy, on those days.
    let profile_mail: Vec<(String, String)> = happenings(&report, "email")
        .into_iter()
        .filter(|e| text(&e["subject"]).contains("perfil de seguridad"))
        .map(|e| (text(&e["at"])[..10].to_owned(), text(&e["subject"])))
        .collect();
    assert_eq!(
        profile_mail,
        [
            ("2027-05-31", "Logística Occidente y Golfo S.A. de C.V.: actualice el perfil de seguridad a más tardar el 30 de junio de 2027"),
            ("2027-06-23", "Logística Occidente y Golfo S.A. de C.V.: actualice el perfil de seguridad a más tardar el 30 de junio de 2027"),
            ("2027-06-30", "Logística Occidente y Golfo S.A. de C.V.: hoy toca actualizar el perfil de seguridad"),
            ("2027-09-15", "Transportes Fronterizos del Norte S.A. de C.V.: actualice el perfil de seguridad a más tardar el 15 de octubre de 2027"),
            ("2027-10-08", "Transportes Fronterizos del Norte S.A. de C.V.: actualice el perfil de seguridad a más tardar el 15 de octubre de 2027"),
            ("2027-10-15", "Transportes Fronterizos del Norte S.A. de C.V.: hoy toca actualizar el perfil de seguridad"),
        ]
        .map(|(d, s)| (d.to_owned(), s.to_owned()))
    );
}

/// Every audit entry of `kind`, oldest first.
fn audit_entries(store: &Path, kind: &str) -> Vec<Value> {
    let out = ok(garita(store).args([
        "audit",
        "export",
        "--from",
        "2000-01-01",
        "--to",
        "2100-01-01",
        "--format",
        "json",
    ]));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .cloned()
        .collect()
}

#[test]
fn an_answered_access_review_is_evidence_and_offboards_the_flagged_account() {
    let dir = tempfile::tempdir().unwrap();
    let (store, config) = example_store(dir.path());
    let now = "2027-01-04T15:00:00Z";
    let started = json_out(
        atc(&store, &config, now)
            .arg("run")
            .arg(root().join("workflows/access-review-anam.yaml"))
            .args(["--input", &format!("officer={OFFICER}")]),
    );
    let run = run_id(&started);
    let open = tasks(&store, false);
    assert_eq!(open.len(), 3, "one review per company: {open:#?}");
    for task in &open {
        let title = text(&task["title"]);
        let flagged = if title.contains("Logística Occidente") {
            // A key of another company's account is ignored: a typo
            // offboards nobody.
            r#"flagged=["anam:drodriguez.log", "anam:cibarra.tfn"]"#
        } else {
            "flagged=[]"
        };
        ok(atc(&store, &config, now)
            .args(["tasks", "complete"])
            .arg(text(&task["id"]))
            .args(["--field", flagged, "--by", OFFICER]));
    }
    resume(&store, now);
    assert_eq!(text(&show(&store, &run)["status"]), "succeeded");
    assert_eq!(status_of(&store, "anam:drodriguez.log"), "offboarded");
    assert_eq!(status_of(&store, "anam:cibarra.tfn"), "active");
    assert_eq!(status_of(&store, "anam:aperez.log"), "at_risk");

    // One evidence entry per company reviewed, naming who confirmed what.
    let reviews = audit_entries(&store, "compliance.access_review");
    let mut seen: Vec<(String, Value, Value)> = reviews
        .iter()
        .map(|e| {
            assert_eq!(e["actor"], OFFICER);
            assert_eq!(e["summary"]["reviewed_on"], "2027-01-04");
            (
                text(&e["subject"]),
                e["summary"]["confirmed"].clone(),
                e["summary"]["flagged"].clone(),
            )
        })
        .collect();
    seen.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        seen,
        [
            (
                "anam:ABA110815PL2".to_owned(),
                serde_json::json!(["anam:slozano.aab", "anam:smendez.aab"]),
                serde_json::json!([])
            ),
            (
                "anam:LOG030214Q70".to_owned(),
                serde_json::json!(["anam:aperez.log"]),
                serde_json::json!(["anam:drodriguez.log"])
            ),
            (
                "anam:TFN190522K3A".to_owned(),
                serde_json::json!(["anam:cibarra.tfn", "anam:fmorales.tfn"]),
                serde_json::json!([])
            ),
        ]
    );

    // The offboarding follows on the event, like `accounts offboard`.
    let daemon = json_out(
        atc(&store, &config, now)
            .args(["daemon", "--once", "--workflows"])
            .arg(workflows_dir(
                dir.path(),
                &["workflows/staff-offboarding.yaml"],
            )),
    );
    let text_of = daemon.to_string();
    assert!(
        text_of.contains("staff-offboarding"),
        "staff-offboarding started: {daemon:#}"
    );
}

/// An inventory imported without roles, one account never signed in: the
/// review still lists every account (a `with:` used to drop the nulls inside
/// the accounts it handed on, and the body's `{% if a.role %}` then read a
/// missing field, which failed the review of every company).
#[test]
fn an_access_review_lists_accounts_without_a_role_or_a_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let config = config(dir.path());
    let csv = write(
        dir.path(),
        "no-roles.csv",
        "portal,account,holder_name,holder_email,company,tax_id,ctpat_account_number,last_sign_in\n\
         ctpat,ana@norte.example,Ana Ruiz,ana@norte.example,Norte Imports LLC,84-3190111,81230001,2026-12-01\n\
         ctpat,luis@norte.example,Luis Paz,luis@norte.example,Norte Imports LLC,84-3190111,81230001,\n",
    );
    ok(atc(&store, &config, IMPORTED)
        .args(["accounts", "import"])
        .arg(&csv));
    let now = "2027-01-04T15:00:00Z";
    let started = json_out(
        atc(&store, &config, now)
            .arg("run")
            .arg(root().join("workflows/access-review-ctpat.yaml"))
            .args(["--input", &format!("officer={OFFICER}")]),
    );
    let run = run_id(&started);
    assert_ne!(
        text(&show(&store, &run)["status"]),
        "failed",
        "the review failed: {:#}",
        show(&store, &run)
    );
    let open = tasks(&store, false);
    assert_eq!(open.len(), 1, "one review for the one company: {open:#?}");
    let task = open[0].to_string();
    assert!(task.contains("Norte Imports LLC"), "{task}");
    assert!(task.contains("ctpat:ana@norte.example"), "{task}");
    assert!(task.contains("ctpat:luis@norte.example"), "{task}");
    assert!(task.contains("none recorded"), "{task}");
}

#[test]
fn a_recorded_profile_update_is_evidence_and_silences_the_years_reminders() {
    let dir = tempfile::tempdir().unwrap();
    let (store, config) = example_store(dir.path());
    let recorded = json_out(
        atc(&store, &config, "2027-09-20T17:00:00Z")
            .args(["accounts", "profile-updated", "anam:cibarra.tfn"])
            .args(["--note", "acuse 2027-0915", "--by", OFFICER]),
    );
    assert_eq!(recorded["updated_on"], "2027-09-20");
    assert_eq!(recorded["counts_for"], "2027-10-15");
    assert_eq!(
        recorded["attributes"]["profile_updated_on"], "2027-09-20",
        "{recorded:#}"
    );
    let entries = audit_entries(&store, "compliance.profile_update");
    assert_eq!(entries.len(), 1, "{entries:#?}");
    assert_eq!(entries[0]["subject"], "company:TFN190522K3A");
    assert_eq!(entries[0]["actor"], OFFICER);
    assert_eq!(entries[0]["summary"]["note"], "acuse 2027-0915");
    assert_eq!(entries[0]["summary"]["counts_for"], "2027-10-15");

    // The 15 September reminder came before (the import does not know it
    // in this store: it was recorded afterwards), and the later ones of
    // the year do not come at all.
    let report = simulate_with(
        &store,
        &workflows_dir(dir.path(), &["workflows/profile-update-reminder.yaml"]),
        "2027-09-21",
        "2027-12-31",
        "America/Mexico_City",
        &["--config", config.to_str().unwrap()],
    );
    let profile: Vec<&Value> = happenings(&report, "rule_transition")
        .into_iter()
        .filter(|h| text(&h["transition"]).starts_with("profile."))
        .collect();
    assert!(profile.is_empty(), "{profile:#?}");

    // An account without a due day is told how to give it one.
    let out = run(atc(&store, &config, "2027-09-20T17:00:00Z").args([
        "accounts",
        "profile-updated",
        "anam:slozano.aab",
    ]));
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("attr.profile_update_due"),
        "{}",
        stderr(&out)
    );
}
