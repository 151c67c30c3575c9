//! The holder's own deadlines, end to end with the real binary: a signing
//! certificate's expiry (`certificate.expiry` and `certificate-expiry`) and
//! the periodic password change (`password.rotation` and
//! `password-change-reminder`). Each reminder on its exact day in virtual
//! time (`garita simulate`), each sent once, the ones missed while no
//! daemon ran collapsed into the latest (`daemon --once` after downtime),
//! and the renewal or change recorded as evidence in the history.

mod support;

use std::path::{Path, PathBuf};

use support::workflows::*;
use support::*;

const CERTIFICATES: &str = "workflows/certificate-expiry.yaml";
const OFFICER: &str = "cumplimiento@aduanal-bajio.example";
const SOFIA: &str = "sofia.lozano@aduanal-bajio.example";
const ROSA: &str = "rosa.zambrano@bananera-pacifico.example";

const HEADER: &str = "portal,account,holder_name,holder_email,holder_national_id,company,tax_id,role,status,time_zone,locale,certificate_expires_on,attr.annual_update_on\n";

/// Sofía's e.firma (Mexico City's calendar, Spanish) expires on 15 March
/// 2027; Rosa's TOKEN (Guayaquil, English) on 20 February; Lucía has no
/// date recorded and Andrés left the company.
fn inventory() -> String {
    format!(
        "{HEADER}\
anam,slozano.aab,Sofía Lozano Ramírez,{SOFIA},LORS850317MGTZRF06,Agencia Aduanal Bajío S.C.,ABA110815PL2,Agente Aduanal,active,,,2027-03-15,
ecuapass,RZAMBRANO1,Rosa Zambrano,{ROSA},0915487326,Exportadora Bananera del Pacífico S.A.,0992147350001,Representante,active,America/Guayaquil,en,2027-02-20,2027-01-10
anam,lmora.aab,Lucía Mora,lucia.mora@aduanal-bajio.example,,Agencia Aduanal Bajío S.C.,ABA110815PL2,Dependiente,active,,,,
anam,aruiz.aab,Andrés Ruiz,andres.ruiz@aduanal-bajio.example,,Agencia Aduanal Bajío S.C.,ABA110815PL2,Dependiente,offboarded,,,2027-03-15,
"
    )
}

fn config(dir: &Path) -> PathBuf {
    write(
        dir,
        "garita.toml",
        &format!("[rules]\nofficer = \"{OFFICER}\"\n"),
    )
}

#[test]
fn certificate_reminders_fall_on_their_exact_days_in_the_holders_calendar() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let config = config(dir.path());
    import(&store, dir.path(), &inventory(), "2026-12-01T12:00:00Z");
    let workflows = workflows_dir(dir.path(), &[CERTIFICATES]);

    let report = simulate_with(
        &store,
        &workflows,
        "2026-12-01",
        "2027-03-17",
        "America/Mexico_City",
        &["--config", config.to_str().unwrap()],
    );

    // Each reminder on its day on the holder's clock. The simulation looks
    // at midnight of its own zone (Mexico City, UTC−6 all year since 2022),
    // so Rosa's, due from midnight in Guayaquil (05:00 UTC), is applied an
    // hour later with the same effective day; a running daemon looks every
    // five minutes.
    let reminders: Vec<(String, String, String, String, String)> =
        happenings(&report, "rule_transition")
            .iter()
            .filter(|h| text(&h["transition"]).starts_with("certificate."))
            .map(|h| {
                (
                    text(&h["at"]),
                    text(&h["account"]),
                    text(&h["transition"]),
                    text(&h["effective_on"]),
                    text(&h["status_after"]),
                )
            })
            .collect();
    let row = |at: &str, account: &str, transition: &str, on: &str| {
        (
            at.to_owned(),
            account.to_owned(),
            transition.to_owned(),
            on.to_owned(),
            "active".to_owned(),
        )
    };
    let (rosa, sofia) = ("ecuapass:rzambrano1", "anam:slozano.aab");
    assert_eq!(
        reminders,
        [
            row(
                "2026-12-22T06:00:00Z",
                rosa,
                "certificate.expiring",
                "2026-12-22"
            ),
            row(
                "2027-01-14T06:00:00Z",
                sofia,
                "certificate.expiring",
                "2027-01-14"
            ),
            row(
                "2027-01-21T06:00:00Z",
                rosa,
                "certificate.expiring",
                "2027-01-21"
            ),
            row(
                "2027-02-13T06:00:00Z",
                sofia,
                "certificate.expiring",
                "2027-02-13"
            ),
            row(
                "2027-02-13T06:00:00Z",
                rosa,
                "certificate.expiring",
                "2027-02-13"
            ),
            row(
                "2027-02-20T06:00:00Z",
                rosa,
                "certificate.expired",
                "2027-02-20"
            ),
            row(
                "2027-03-08T06:00:00Z",
                sofia,
                "certificate.expiring",
                "2027-03-08"
            ),
            row(
                "2027-03-15T06:00:00Z",
                sofia,
                "certificate.expired",
                "2027-03-15"
            ),
        ]
    );

    // Each reaches its holder, in their language, with the officer in copy.
    let emails: Vec<(String, Vec<String>, String)> = happenings(&report, "email")
        .iter()
        .map(|e| {
            let to = e["to"].as_array().unwrap().iter().map(text).collect();
            (text(&e["at"]), to, text(&e["subject"]))
        })
        .collect();
    let mail = |at: &str, to: &str, subject: &str| {
        (
            at.to_owned(),
            vec![to.to_owned(), OFFICER.to_owned()],
            subject.to_owned(),
        )
    };
    assert_eq!(
        emails,
        [
            mail(
                "2026-12-22T06:00:00Z",
                ROSA,
                "Your TOKEN certificate expires on February 20, 2027 (60 days left)"
            ),
            mail(
                "2027-01-14T06:00:00Z",
                SOFIA,
                "Su e.firma vence el 15 de marzo de 2027 (faltan 60 días)"
            ),
            mail(
                "2027-01-21T06:00:00Z",
                ROSA,
                "Your TOKEN certificate expires on February 20, 2027 (30 days left)"
            ),
            mail(
                "2027-02-13T06:00:00Z",
                SOFIA,
                "Su e.firma vence el 15 de marzo de 2027 (faltan 30 días)"
            ),
            mail(
                "2027-02-13T06:00:00Z",
                ROSA,
                "Your TOKEN certificate expires on February 20, 2027 (7 days left)"
            ),
            mail(
                "2027-02-20T06:00:00Z",
                ROSA,
                "Your TOKEN certificate expires today, February 20, 2027"
            ),
            mail(
                "2027-03-08T06:00:00Z",
                SOFIA,
                "Su e.firma vence el 15 de marzo de 2027 (faltan 7 días)"
            ),
            mail(
                "2027-03-15T06:00:00Z",
                SOFIA,
                "Su e.firma vence hoy, 15 de marzo de 2027"
            ),
        ]
    );
}

/// `garita daemon --once` at `now` with only the certificate workflow.
fn look(store: &Path, config: &Path, workflows: &Path, now: &str) {
    ok(atc(store, config, now)
        .args(["daemon", "--once", "--workflows"])
        .arg(workflows));
}

#[test]
fn a_certificate_reminder_missed_while_down_is_sent_once_and_a_renewal_is_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let config = config(dir.path());
    import(&store, dir.path(), &inventory(), "2027-01-05T12:00:00Z");
    let workflows = workflows_dir(dir.path(), &[CERTIFICATES]);
    // The daemon looks right after the import: Rosa's 60-day reminder
    // (22 December, before Garita knew of her) goes out late, once, with
    // the days actually left; nothing is due for Sofía before 14 January.
    look(&store, &config, &workflows, "2027-01-05T12:05:00Z");
    let rosa: Vec<String> = outbox(&store).into_iter().map(|m| m.subject).collect();
    assert_eq!(
        rosa,
        ["Your TOKEN certificate expires on February 20, 2027 (46 days left)"]
    );

    // No daemon from 5 January to 10 March: Sofía's 60-, 30- and 7-day
    // reminders all passed. Only the latest goes out, saying what is true
    // today (five days left), and only once however often Garita looks.
    for now in [
        "2027-03-10T18:00:00Z",
        "2027-03-10T19:00:00Z",
        "2027-03-11T18:00:00Z",
    ] {
        look(&store, &config, &workflows, now);
    }
    let sent = mails_about(&store, "e.firma");
    assert_eq!(sent.len(), 1, "{sent:#?}");
    let notice = &sent[0];
    assert_eq!(
        notice.subject,
        "Su e.firma vence el 15 de marzo de 2027 (faltan 5 días)"
    );
    assert_eq!((notice.to.as_str(), notice.cc.as_str()), (SOFIA, OFFICER));
    assert!(
        notice.body.contains("Hola, Sofía Lozano Ramírez:"),
        "{}",
        notice.body
    );
    assert!(
        notice
            .body
            .contains("La e.firma la emite el SAT y es válida por cuatro años."),
        "{}",
        notice.body
    );
    assert!(
        !notice.body.contains("garita "),
        "no commands in a holder's mail"
    );
    let reminders: Vec<(String, String)> = history_rows(&store, "anam:slozano.aab")
        .into_iter()
        .filter(|(_, by, _, _)| by == "garita (rule certificate.expiry)")
        .map(|(at, _, reason, _)| (at, reason))
        .collect();
    // A reminder changes no field, so it writes no history entry; its
    // record is the transition key, the event and the email.
    assert!(reminders.is_empty(), "{reminders:#?}");

    // Sofía renews on 12 March; the officer records the new date.
    ok(atc(&store, &config, "2027-03-12T17:00:00Z").args([
        "accounts",
        "add",
        "--portal",
        "anam",
        "--account",
        "slozano.aab",
        "--certificate-expires-on",
        "2031-03-11",
        "--by",
        OFFICER,
    ]));
    let entries = history(&store, "anam:slozano.aab");
    let renewal = entries.last().unwrap();
    assert_eq!(renewal["by"], OFFICER);
    assert_eq!(
        renewal["changes"],
        serde_json::json!([{"field": "certificate_expires_on", "old": "2027-03-15", "new": "2031-03-11"}])
    );
    // The old date's last reminder is no longer due; the new date's first
    // is in 2031.
    look(&store, &config, &workflows, "2027-03-16T18:00:00Z");
    assert_eq!(mails_about(&store, "e.firma").len(), 1);
    let listed = accounts(&store, &["--portal", "anam"]);
    let sofia = listed
        .iter()
        .find(|a| a["key"] == "anam:slozano.aab")
        .unwrap();
    assert_eq!(sofia["certificate_expires_on"], "2031-03-11");
    // Rosa's 30- and 7-day reminders and her expiry day passed in the same
    // outage: she hears once that it expired. Nobody else heard anything
    // (Lucía has no date, Andrés left).
    let to: Vec<(String, String)> = outbox(&store)
        .into_iter()
        .map(|m| (m.to, m.subject))
        .collect();
    assert_eq!(
        to,
        [
            (
                ROSA,
                "Your TOKEN certificate expires on February 20, 2027 (46 days left)"
            ),
            (
                SOFIA,
                "Su e.firma vence el 15 de marzo de 2027 (faltan 5 días)"
            ),
            (ROSA, "Your TOKEN certificate expired on February 20, 2027"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
}

// ---- password-change-reminder ------------------------------------------------

const PASSWORDS: &str = "workflows/password-change-reminder.yaml";
const JORGE: &str = "jorge.vera@bananera-pacifico.example";

/// Jorge changed his Ecuapass password on 5 January 2026 (due again on
/// 5 April with the default 90 days); the team's shared `aduanas@` user has
/// no change recorded.
fn password_inventory() -> String {
    format!(
        "portal,account,holder_name,holder_email,holder_national_id,company,tax_id,role,password_changed_on\n\
ecuapass,JVERA2024,Jorge Vera,{JORGE},0923456784,Exportadora Bananera del Pacífico S.A.,0992147350001,Empleado,2026-01-05
anam,aduanas.aab,Equipo de aduanas,aduanas@aduanal-bajio.example,,Agencia Aduanal Bajío S.C.,ABA110815PL2,Dependiente,
"
    )
}

#[test]
fn password_change_reminders_come_once_and_the_recorded_change_is_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let config = config(dir.path());
    import(
        &store,
        dir.path(),
        &password_inventory(),
        "2026-03-01T15:00:00Z",
    );
    let workflows = workflows_dir(dir.path(), &[PASSWORDS]);

    // The day before the 14-day reminder: nothing; on it (Guayaquil's 22
    // March), the first reminder, once however often Garita looks.
    look(&store, &config, &workflows, "2026-03-21T22:00:00Z");
    assert!(outbox(&store).is_empty());
    for now in ["2026-03-22T13:00:00Z", "2026-03-22T18:00:00Z"] {
        look(&store, &config, &workflows, now);
    }
    let first = one_mail(&store, "ECUAPASS: cambie su contraseña");
    assert_eq!(
        first.subject,
        "ECUAPASS: cambie su contraseña a más tardar el 5 de abril de 2026"
    );
    assert_eq!((first.to.as_str(), first.cc.as_str()), (JORGE, OFFICER));
    assert!(
        first.body.contains("se cambió por última vez el 5 de enero de 2026. La empresa cambia las contraseñas de los portales cada 90 días, así que le toca cambiarla a más tardar el 5 de abril de 2026: faltan 14 días."),
        "{}",
        first.body
    );
    assert!(first
        .body
        .contains("Nunca escriba la contraseña en un correo."));

    // Down from 23 March to 7 April: the 3-day reminder and the day itself
    // passed; Jorge hears once that the change was due.
    look(&store, &config, &workflows, "2026-04-07T15:00:00Z");
    look(&store, &config, &workflows, "2026-04-07T16:00:00Z");
    let subjects: Vec<String> = outbox(&store).into_iter().map(|m| m.subject).collect();
    assert_eq!(
        subjects,
        [
            "ECUAPASS: cambie su contraseña a más tardar el 5 de abril de 2026",
            "ECUAPASS: el cambio de contraseña tocaba el 5 de abril de 2026",
        ]
    );

    // `accounts check` names the overdue change and the shared team user.
    let checked =
        json_out(atc(&store, &config, "2026-04-07T17:00:00Z").args(["accounts", "check"]));
    let found: Vec<(String, String)> = checked["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (text(&f["account"]), text(&f["kind"])))
        .collect();
    let owned = |v: &[(&str, &str)]| {
        v.iter()
            .map(|(a, k)| (a.to_string(), k.to_string()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        found,
        owned(&[
            ("anam:aduanas.aab", "generic_identity"),
            ("anam:aduanas.aab", "password_change_not_recorded"),
            ("ecuapass:jvera2024", "password_change_overdue"),
        ])
    );

    // Jorge changes it on the 7th; the officer records the day.
    let out = ok(atc(&store, &config, "2026-04-07T18:00:00Z").args([
        "accounts",
        "password-changed",
        "JVERA2024",
        "--by",
        OFFICER,
    ]));
    assert!(
        stdout(&out).contains("the next change is due on 2026-07-06"),
        "{}",
        stdout(&out)
    );
    let entries = history(&store, "ecuapass:jvera2024");
    let recorded = entries.last().unwrap();
    assert_eq!(
        (recorded["by"].as_str(), recorded["reason"].as_str()),
        (Some(OFFICER), Some("password change recorded"))
    );
    assert_eq!(
        recorded["changes"],
        serde_json::json!([{"field": "password_changed_on", "old": "2026-01-05", "new": "2026-04-07"}])
    );
    // Nothing more until 22 June (14 days before 6 July).
    look(&store, &config, &workflows, "2026-06-21T15:00:00Z");
    assert_eq!(outbox(&store).len(), 2);
    let checked =
        json_out(atc(&store, &config, "2026-04-08T15:00:00Z").args(["accounts", "check"]));
    assert!(
        !checked.to_string().contains("ecuapass:jvera2024"),
        "{checked:#}"
    );
}
