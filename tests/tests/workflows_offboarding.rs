//! `staff-offboarding` end to end (started by the `account.offboarded` event
//! through `garita daemon --once`, each removal recorded as evidence on its
//! inventory account, and by hand with an evidence log), and the
//! shipped `workflows/` directory as a whole: every file validates and the
//! set loads into the scheduler.

mod support;

use std::path::Path;

use serde_json::{json, Value};
use support::workflows::*;
use support::*;

const OFFBOARDING: &str = "workflows/staff-offboarding.yaml";
const OFFICER: &str = "cumplimiento@example.com"; // the input's default

const INVENTORY: &str = "\
portal,account,holder_name,holder_email,employee_id,holder_national_id,company,tax_id,ctpat_account_number,role,status,last_sign_in
ctpat,carlos.ibarra@tfnorte.example,Carlos Ibarra Hernández,carlos.ibarra@tfnorte.example,TFN-022,,Transportes Fronterizos del Norte S.A. de C.V.,TFN190522K3A,79345210,Account Administrator,active,2026-02-02
anam,cibarra.tfn,Carlos Ibarra Hernández,carlos.ibarra@tfnorte.example,TFN-022,IAHC880411HNLBRR01,Transportes Fronterizos del Norte S.A. de C.V.,TFN190522K3A,,Transportista,active,2026-02-25
ecuapass,CIBARRA,Carlos Ibarra Hernández,carlos.ibarra@tfnorte.example,TFN-022,0915487326,Exportadora Bananera del Pacífico S.A.,0992147350001,,Empleado,active,2026-01-19
ctpat,otra.persona@tfnorte.example,Otra Persona,otra.persona@tfnorte.example,TFN-023,,Transportes Fronterizos del Norte S.A. de C.V.,TFN190522K3A,79345210,User,active,2026-02-02
";

fn complete(store: &Path, now: &str, task: &str, fields: &[&str]) {
    let mut cmd = at(store, now);
    cmd.args(["tasks", "complete", task]);
    for f in fields {
        cmd.args(["--field", f]);
    }
    ok(&mut cmd);
}

/// The open task whose title mentions `part`.
fn task_about(store: &Path, part: &str) -> Value {
    let found: Vec<Value> = tasks(store, false)
        .into_iter()
        .filter(|t| text(&t["title"]).contains(part))
        .collect();
    assert_eq!(found.len(), 1, "one open task about {part:?}: {found:#?}");
    found.into_iter().next().unwrap()
}

// ---- staff-offboarding -------------------------------------------------------

#[test]
fn offboarding_event_opens_a_removal_task_per_account_and_reports_the_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let csv = write(dir.path(), "inventory.csv", INVENTORY);
    ok(at(&store, "2026-03-10T12:00:00Z")
        .args(["accounts", "import"])
        .arg(&csv));
    ok(at(&store, "2026-03-11T15:30:00Z").args([
        "accounts",
        "offboard",
        "TFN-022",
        "--note",
        "Ticket RR. HH. 4411",
        "--by",
        "rrhh@tfnorte.example",
    ]));
    // The daemon, over the shipped directory, turns the event into a run.
    let once = ok(at(&store, "2026-03-11T15:31:00Z")
        .args(["daemon", "--once", "--workflows"])
        .arg(root().join("workflows")));
    assert!(
        stdout(&once).contains("staff-offboarding on event account.offboarded"),
        "{}",
        stdout(&once)
    );

    let open = tasks(&store, false);
    let titles: Vec<String> = open.iter().map(|t| text(&t["title"])).collect();
    assert_eq!(open.len(), 3, "{titles:#?}");
    assert!(open
        .iter()
        .all(|t| t["assignee"] == OFFICER && t["due"] == "2026-03-13T15:31:00Z"));
    let ctpat = task_about(&store, "CTPAT (CBP)");
    assert_eq!(
        ctpat["title"],
        "Retirar el acceso de Carlos Ibarra Hernández a CTPAT (CBP) (carlos.ibarra@tfnorte.example)"
    );
    let body = text(&ctpat["body"]);
    assert!(body.contains("Carlos Ibarra Hernández dejó la empresa (Ticket RR. HH. 4411)."));
    assert!(body.contains("abre «Company Details» (Detalles de la Empresa) y quita carlos.ibarra@tfnorte.example de la lista de correos habilitados"));
    let ecuapass = text(&task_about(&store, "Ecuapass (SENAE)")["body"]);
    assert!(
        ecuapass.contains("actuar por Exportadora Bananera del Pacífico S.A. (RUC 0992147350001)")
    );
    // A signing certificate is the person's own signature: revoked with its
    // issuer, never reclaimed for someone else.
    assert!(ecuapass.contains("pida su revocación a la entidad que lo emitió"));
    assert!(!ecuapass.contains("recupérelo"), "{ecuapass}");
    let anam = text(&task_about(&store, "Acceso Único (ANAM)")["body"]);
    assert!(anam.contains("dé de baja el usuario cibarra.tfn de Acceso Único"));
    assert!(anam.contains("pídale que la revoque ante el SAT"), "{anam}");
    assert!(
        titles.iter().all(|t| !t.contains("Otra")),
        "only the person who left"
    );

    // CTPAT done the next day, with its evidence.
    complete(
        &store,
        "2026-03-12T10:00:00Z",
        &text(&ctpat["id"]),
        &[
            "removed_on=2026-03-12",
            "evidence=Captura de Company Details, expediente TFN-022",
        ],
    );
    // Two days later the other two are overdue: a reminder each, a new task each.
    resume(&store, "2026-03-13T15:31:00Z");
    let overdue: Vec<(String, String)> = mails_about(&store, "Pendiente:")
        .into_iter()
        .map(|m| (m.date, m.subject))
        .collect();
    assert_eq!(
        overdue,
        [
            "Pendiente: retirar el acceso de Carlos Ibarra Hernández a Acceso Único (ANAM)",
            "Pendiente: retirar el acceso de Carlos Ibarra Hernández a Ecuapass (SENAE)",
        ]
        .map(|s| ("2026-03-13T15:31:00Z".to_owned(), s.to_owned()))
    );
    let late = tasks(&store, false);
    assert_eq!(late.len(), 2);
    assert!(late
        .iter()
        .all(|t| t["step_id"] == "remove_late" && t["due"] == "2026-03-18T15:31:00Z"));
    complete(
        &store,
        "2026-03-16T09:00:00Z",
        &text(&task_about(&store, "Ecuapass (SENAE)")["id"]),
        &["removed_on=2026-03-16", "evidence=Acuse SENAE 2026-EC-1234"],
    );
    // ANAM never confirmed: the report says so.
    resume(&store, "2026-03-18T15:31:00Z");
    let runs = json_out(garita(&store).args(["runs", "list", "--workflow", "staff-offboarding"]));
    let run_id = text(&runs[0]["id"]);
    let done = show(&store, &run_id);
    assert_eq!(done["status"], "succeeded", "{done:#}");
    assert_eq!(
        done["outputs"]["removed"],
        json!(["ctpat:carlos.ibarra@tfnorte.example", "ecuapass:cibarra"])
    );
    assert_eq!(done["outputs"]["pending"], json!(["anam:cibarra.tfn"]));
    let report = one_mail(&store, "Baja de Carlos Ibarra Hernández");
    assert_eq!(
        (report.to.as_str(), report.date.as_str()),
        (OFFICER, "2026-03-18T15:31:00Z")
    );
    assert_eq!(
        report.subject,
        "Baja de Carlos Ibarra Hernández: accesos retirados 2, pendientes 1"
    );
    for line in [
        "Registro de la baja de Carlos Ibarra Hernández (TFN-022), registrada el 2026-03-11T15:30:00Z por rrhh@tfnorte.example: Ticket RR. HH. 4411.",
        "- ctpat:carlos.ibarra@tfnorte.example: el 2026-03-12; evidencia: Captura de Company Details, expediente TFN-022",
        "- ecuapass:cibarra: el 2026-03-16; evidencia: Acuse SENAE 2026-EC-1234",
        "Pendientes, sin evidencia:\n\n- anam:cibarra.tfn",
        "(anexo 1, 8.2 y 9.2)",
    ] {
        assert!(report.body.contains(line), "{line:?} in\n{}", report.body);
    }

    // Each removal is evidence on its account, after the offboarding; the
    // access still pending has none.
    let removals = [
        (
            "ctpat:carlos.ibarra@tfnorte.example",
            "2026-03-12T10:00:00Z",
            "evidence of 2026-03-12: Acceso retirado por la baja de Carlos Ibarra Hernández",
            "(reference: Captura de Company Details, expediente TFN-022)",
        ),
        (
            "ecuapass:cibarra",
            "2026-03-16T09:00:00Z",
            "evidence of 2026-03-16: Acceso retirado por la baja de Carlos Ibarra Hernández",
            "(reference: Acuse SENAE 2026-EC-1234)",
        ),
    ];
    for (key, when, starts, ends) in removals {
        let rows = history_rows(&store, key);
        assert_eq!(rows.len(), 3, "{key}: {rows:#?}");
        assert_eq!(
            rows[1].2, "offboarded TFN-022: Ticket RR. HH. 4411",
            "{key}: {rows:#?}"
        );
        assert_eq!(rows[1].3, "active -> offboarded");
        let (at, by, why, change) = &rows[2];
        assert_eq!(at, when, "{key}");
        assert!(
            by.starts_with(&format!("run {run_id}.")) && by.ends_with(" step evidence"),
            "{by}"
        );
        assert!(why.starts_with(starts) && why.ends_with(ends), "{why}");
        assert_eq!(change, "", "evidence leaves the status alone");
        assert_eq!(status_of(&store, key), "offboarded");
    }
    assert_eq!(history_rows(&store, "anam:cibarra.tfn").len(), 2);
}

#[test]
fn offboarding_by_hand_appends_one_evidence_line_per_removal() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let log = store.join("files").join("bajas.tsv");
    // Ana's CTPAT access is in the inventory; her VUCEM one is not.
    import(
        &store,
        dir.path(),
        "portal,account,holder_name,holder_email,company,tax_id,ctpat_account_number,role,status,last_sign_in\n\
         ctpat,ana@example.com,Ana Ejemplo,ana@example.com,Ejemplo S.A.,12-3456789,70000001,User,offboarded,2026-04-20\n",
        "2026-05-04T13:00:00Z",
    );
    let accounts = json!([
        {"key": "ctpat:ana@example.com", "portal": "ctpat", "identifier": "ana@example.com", "company": "Ejemplo S.A."},
        {"key": "vucem:ana01", "portal": "vucem", "identifier": "ana01", "company": "Ejemplo S.A."}
    ]);
    let started = json_out(
        at(&store, "2026-05-04T14:00:00Z")
            .arg("run")
            .arg(root().join(OFFBOARDING))
            .args(["--input", "person=ana@example.com"])
            .args(["--input", &format!("accounts={accounts}")])
            .args(["--input", "officer=oficial@example.com"])
            .arg("--input")
            .arg(format!("evidence_log={}", log.display())),
    );
    let run_id = run_id(&started);
    // A portal Garita has no guidance for gets the general rule.
    let other = task_about(&store, "vucem");
    assert_eq!(
        other["title"],
        "Retirar el acceso de ana@example.com a vucem (ana01)"
    );
    assert!(text(&other["body"]).contains("Retire en vucem el acceso ana01"));
    complete(
        &store,
        "2026-05-04T18:00:00Z",
        &text(&other["id"]),
        &[
            "removed_on=2026-05-04",
            "evidence=Correo del administrador de VUCEM",
        ],
    );
    let ctpat = task_about(&store, "CTPAT");
    ok(at(&store, "2026-05-05T09:00:00Z").args([
        "tasks",
        "complete",
        &text(&ctpat["id"]),
        "--field",
        "removed_on=2026-05-05",
        "--field",
        "evidence=Captura\tcon tabulador",
        "--by",
        "oficial@example.com",
    ]));
    assert_eq!(show(&store, &run_id)["status"], "succeeded");
    // Resuming again writes nothing twice.
    resume(&store, "2026-05-06T09:00:00Z");
    let written = std::fs::read_to_string(&log).unwrap();
    let rows: Vec<Vec<&str>> = written.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), 2, "{written}");
    let mut rows: Vec<Vec<&str>> = rows.into_iter().map(|r| r[..5].to_vec()).collect();
    rows.sort();
    // The VUCEM task was answered without --by: the OS user confirmed it.
    let me = os_user();
    assert_eq!(
        rows,
        [
            vec![
                "2026-05-04",
                "ana@example.com",
                "vucem:ana01",
                "Correo del administrador de VUCEM",
                me.as_str()
            ],
            vec![
                "2026-05-05",
                "ana@example.com",
                "ctpat:ana@example.com",
                "Captura con tabulador",
                "oficial@example.com"
            ],
        ]
    );
    // The evidence on the inventory account, once despite the extra resume;
    // the VUCEM access has none (the inventory does not know it).
    let rows = history_rows(&store, "ctpat:ana@example.com");
    assert_eq!(rows.len(), 2, "{rows:#?}");
    assert_eq!(rows[1].0, "2026-05-05T09:00:00Z");
    assert_eq!(
        rows[1].2,
        "evidence of 2026-05-05: Acceso retirado por la baja de ana@example.com; confirmó oficial@example.com (reference: Captura\tcon tabulador)"
    );
    let done = show(&store, &run_id);
    assert_eq!(done["status"], "succeeded");
}

// ---- the shipped directory -------------------------------------------------

#[test]
fn every_shipped_workflow_validates_and_the_set_loads_into_the_scheduler() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let mut files: Vec<_> = std::fs::read_dir(root().join("workflows"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    let out = ok(garita(&store).arg("validate").args(&files));
    let names: Vec<String> = stdout(&out)
        .lines()
        .map(|l| {
            l.rsplit('(')
                .next()
                .unwrap()
                .trim_end_matches(')')
                .to_owned()
        })
        .collect();
    assert_eq!(
        names,
        [
            "access-review-anam",
            "access-review-ctpat",
            "access-review-ecuapass",
            "anam-password-recovery",
            "anam-registration",
            "certificate-expiry",
            "ctpat-email-list-review",
            "ctpat-inactivity-watch",
            "ctpat-reactivation",
            "ctpat-relogin-missed",
            "ecuapass-annual-update",
            "ecuapass-password-reset",
            "ecuapass-update-missed",
            "password-change-reminder",
            "profile-update-reminder",
            "staff-offboarding",
        ]
    );
    // Scheduled ones need nothing a schedule cannot give; a day of the
    // daemon's logic fires the daily watch once, at 07:00 in New York.
    let report = json_out(
        garita(&store)
            .args(["simulate", "--from", "2026-07-01", "--to", "2026-07-01"])
            .args(["--time-zone", "America/New_York", "--workflows"])
            .arg(root().join("workflows")),
    );
    let started: Vec<(String, String)> = report["days"][0]["happenings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["kind"] == "run_started")
        .map(|h| (text(&h["workflow"]), text(&h["trigger"]["scheduled_for"])))
        .collect();
    // 1 July is also the first day of a quarter: the email-list review
    // and each portal's access review, at 09:00 in its own country.
    assert_eq!(
        started,
        [
            ("ctpat-inactivity-watch", "2026-07-01T11:00:00Z"),
            ("access-review-ctpat", "2026-07-01T13:00:00Z"),
            ("ctpat-email-list-review", "2026-07-01T13:00:00Z"),
            ("access-review-ecuapass", "2026-07-01T14:00:00Z"),
            ("access-review-anam", "2026-07-01T15:00:00Z"),
        ]
        .map(|(w, at)| (w.to_owned(), at.to_owned()))
    );
}
