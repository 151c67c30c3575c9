//! The portal rules reconcile from state (issue: "no account dies
//! quietly"): the real binary, exact dates, and the promise that each
//! transition happens once whenever Garita happens to look.
//!
//! - the example inventory imported on 4 December 2026: its five CTPAT
//!   accounts whose 45 days ran out months ago are marked deactivated at
//!   the import, with the date each one took effect; the daemon's next look
//!   sends each officer alert once and starts each reactivation once; a
//!   second look, a re-import and a restart add nothing;
//! - a daemon that was down across an account's deactivation day (looked on
//!   the 18th, then on the 22nd, for an account due on the 20th) applies it
//!   on the 22nd, dated the 20th, once.

mod support;

use serde_json::Value;
use support::workflows::*;
use support::*;

const TODAY: &str = "2026-12-04T15:00:00Z";
const OFFICER: &str = "oficial@example.com";

fn config(dir: &std::path::Path) -> std::path::PathBuf {
    write(
        dir,
        "garita.toml",
        &format!(
            "[connectors.ctpat]\ncbp_specialist_email = \"scss.specialist@cbp.dhs.example\"\n\n[rules]\nofficer = \"{OFFICER}\"\n"
        ),
    )
}

fn daemon_once(store: &std::path::Path, config: &std::path::Path, now: &str) -> Value {
    json_out(
        atc(store, config, now)
            .args(["daemon", "--once", "--workflows"])
            .arg(root().join("workflows")),
    )
}

#[test]
fn the_example_inventory_imported_today_gets_its_overdue_ctpat_accounts_deactivated_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let config = config(dir.path());
    let example = root().join("workflows/examples/accounts.csv");

    // The import says plainly which deadlines had already passed.
    let out = ok(atc(&store, &config, TODAY)
        .args(["accounts", "import"])
        .arg(&example));
    let said = stdout(&out);
    assert!(
        said.contains(
            "7 account(s) were already past a deadline; the portal rules applied 8 transition(s):"
        ),
        "{said}"
    );
    // Three holders' password changes (interval 90 days) fell due long ago:
    // one reminder each, on the holder's calendar, no status change.
    for (key, due_on, late) in [
        ("anam:slozano.aab", "2026-05-21", 197),
        (
            "ctpat:maria.quintero@andes-sierra.example",
            "2026-04-28",
            220,
        ),
        ("ecuapass:rzambrano1", "2026-04-19", 229),
    ] {
        let line = format!("  {key}  password.change_due on {due_on} ({late} days ago): reminder");
        assert!(said.contains(&line), "{line:?} in\n{said}");
    }
    let expected = [
        ("ctpat:carlos.ibarra@tfnorte.example", "2026-03-20", 259),
        ("ctpat:jordan.blake@andes-sierra.example", "2026-04-07", 241),
        (
            "ctpat:luisa.mendez@gulfcoast-produce.example",
            "2026-03-13",
            266,
        ),
        (
            "ctpat:maria.quintero@andes-sierra.example",
            "2026-03-15",
            264,
        ),
        (
            "ctpat:rosa.zambrano@bananera-pacifico.example",
            "2026-03-28",
            251,
        ),
    ];
    for (key, on, late) in expected {
        let line = format!("  {key}  ctpat.deactivated on {on} ({late} days ago): ");
        assert!(said.contains(&line), "{line:?} in\n{said}");
        assert_eq!(status_of(&store, key), "deactivated", "{key}");
    }
    // Already deactivated (Tom) or offboarded (Diego) are left alone.
    assert_eq!(
        status_of(&store, "ctpat:tom.okafor@gulfcoast-produce.example"),
        "deactivated"
    );
    assert_eq!(
        status_of(&store, "ctpat:diego.paredes@bananera-pacifico.example"),
        "offboarded"
    );
    // No Ecuapass account is said to have missed an update Garita never
    // tracked (they were imported after 1 February).
    assert!(!said.contains("ecuapass."), "{said}");
    let disabled: Vec<Value> = accounts(&store, &["--portal", "ecuapass", "--status", "disabled"]);
    assert_eq!(
        disabled.len(),
        1,
        "only LTOAPANTA, disabled in the file: {disabled:#?}"
    );
    assert_eq!(status_of(&store, "ecuapass:rzambrano1"), "active");
    let history = history_rows(&store, "ctpat:carlos.ibarra@tfnorte.example");
    assert_eq!(
        history[1..],
        [(
            "2026-12-04T15:00:00Z".to_owned(),
            "garita (rule ctpat.inactivity)".to_owned(),
            "no CTPAT sign-in recorded since 2026-02-02: CBP deactivates a user after 45 days without one, so from 2026-03-20".to_owned(),
            "active -> deactivated".to_owned()
        )]
    );

    // The daemon's first look: one alert and one reactivation per account.
    let first = daemon_once(&store, &config, "2026-12-04T15:05:00Z");
    let started: Vec<&Value> = first["driven"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["event"] == "ctpat.deactivated")
        .collect();
    assert_eq!(started.len(), 5, "{first:#}");
    assert!(started
        .iter()
        .all(|r| r["workflow"] == "ctpat-reactivation"));
    let alerts = mails_about(&store, "CBP desactivó a");
    let mut subjects: Vec<String> = alerts.iter().map(|m| m.subject.clone()).collect();
    subjects.sort();
    assert_eq!(
        subjects,
        [
            "CTPAT: CBP desactivó a Carlos Ibarra Hernández (carlos.ibarra@tfnorte.example) el 20 de marzo de 2026",
            "CTPAT: CBP desactivó a Jordan Blake (jordan.blake@andes-sierra.example) el 7 de abril de 2026",
            "CTPAT: CBP desactivó a Luisa Méndez (luisa.mendez@gulfcoast-produce.example) el 13 de marzo de 2026",
            "CTPAT: CBP desactivó a María Quintero (maria.quintero@andes-sierra.example) el 15 de marzo de 2026",
            "CTPAT: CBP desactivó a Rosa Zambrano (rosa.zambrano@bananera-pacifico.example) el 28 de marzo de 2026",
        ]
    );
    assert!(alerts.iter().all(|m| m.to == OFFICER), "{alerts:#?}");
    let carlos = alerts
        .iter()
        .find(|m| m.subject.contains("Carlos"))
        .unwrap();
    assert!(
        carlos.body.contains("(305 días sin entrar)"),
        "{}",
        carlos.body
    );
    // One review per CTPAT account: Jordan and María share Andes & Sierra's
    // account 81234567, so Jordan's run (first by key) asks CBP for both.
    let reviews = tasks(&store, false);
    assert_eq!(reviews.len(), 4, "{reviews:#?}");
    assert!(reviews.iter().all(|t| t["assignee"] == OFFICER));
    let titles: Vec<String> = reviews.iter().map(|t| text(&t["title"])).collect();
    assert!(
        titles.iter().any(|t| t.ends_with("de Jordan Blake"))
            && !titles.iter().any(|t| t.contains("María Quintero")),
        "{titles:#?}"
    );

    // A second look, a re-import, and the next morning: nothing repeats.
    let second = daemon_once(&store, &config, "2026-12-04T15:10:00Z");
    assert!(
        second["reconciled"].as_array().unwrap().is_empty(),
        "{second:#}"
    );
    assert!(
        second["driven"].as_array().unwrap().is_empty(),
        "{second:#}"
    );
    let again = ok(atc(&store, &config, "2026-12-04T16:00:00Z")
        .args(["accounts", "import"])
        .arg(&example));
    assert!(
        stdout(&again).contains("imported 0, unchanged 20, skipped 0"),
        "{}",
        stdout(&again)
    );
    assert!(!stdout(&again).contains("past a deadline"));
    let next_day = daemon_once(&store, &config, "2026-12-05T13:00:00Z");
    assert!(next_day["reconciled"].as_array().unwrap().is_empty());
    assert_eq!(mails_about(&store, "CBP desactivó a").len(), 5);
    assert_eq!(tasks(&store, false).len(), 4);
    assert_eq!(
        status_of(&store, "ctpat:carlos.ibarra@tfnorte.example"),
        "deactivated"
    );
}

#[test]
fn a_daemon_down_across_the_deactivation_day_applies_it_once_on_its_next_look() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let config = config(dir.path());
    // Signed in on 4 March: the 45 days run out on 18 April, so CBP
    // deactivates from 20 April... with the default limit, 4 March + 46 = 19
    // April; 5 March + 46 = 20 April.
    let csv = "portal,account,holder_name,holder_email,company,tax_id,ctpat_account_number,role,status,last_sign_in\n\
ctpat,ana.ruiz@importadora.example,Ana Ruiz,ana.ruiz@importadora.example,Importadora del Golfo Inc.,27-5501846,80456123,User,active,2026-03-05\n";
    import(&store, dir.path(), csv, "2026-04-01T12:00:00Z");
    let key = "ctpat:ana.ruiz@importadora.example";

    let before = daemon_once(&store, &config, "2026-04-18T12:00:00Z");
    assert!(before["reconciled"].as_array().unwrap().is_empty());
    assert_eq!(status_of(&store, key), "active");

    // Down on the 19th, 20th and 21st.
    let after = daemon_once(&store, &config, "2026-04-22T12:00:00Z");
    let applied = after["reconciled"].as_array().unwrap();
    assert_eq!(applied.len(), 1, "{after:#}");
    assert_eq!(applied[0]["account"], key);
    assert_eq!(applied[0]["transition"], "ctpat.deactivated");
    assert_eq!(applied[0]["effective_on"], "2026-04-20");
    assert_eq!(applied[0]["days_late"], 2);
    assert_eq!(status_of(&store, key), "deactivated");
    let alert = one_mail(&store, "CBP desactivó a Ana Ruiz");
    assert_eq!(
        alert.subject,
        "CTPAT: CBP desactivó a Ana Ruiz (ana.ruiz@importadora.example) el 20 de abril de 2026"
    );
    assert_eq!(alert.date, "2026-04-22T12:00:00Z");
    let reactivations: Vec<&Value> = after["driven"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["workflow"] == "ctpat-reactivation")
        .collect();
    assert_eq!(reactivations.len(), 1, "{after:#}");

    // Looking again changes nothing.
    let again = daemon_once(&store, &config, "2026-04-22T12:30:00Z");
    assert!(again["reconciled"].as_array().unwrap().is_empty());
    assert_eq!(mails_about(&store, "CBP desactivó a").len(), 1);
    // The rule's one transition, then the reactivation's note that the
    // user is in the request it drafted.
    let history = history_rows(&store, key);
    assert_eq!(history.len(), 3, "{history:#?}");
    assert!(history[2].1.ends_with("step mark_listed"), "{history:#?}");
    assert_eq!(history[1].0, "2026-04-22T12:00:00Z");
    assert!(
        history[1].2.ends_with("so from 2026-04-20"),
        "{}",
        history[1].2
    );
}
