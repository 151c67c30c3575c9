//! The shipped Ecuapass workflows, end to end with the real binary and a
//! pinned clock: `ecuapass-annual-update` over a whole campaign read from
//! the inventory (simulated from the schedule, and driven by hand with
//! answers recorded as evidence, a rejection, the portal rule marking the
//! unconfirmed accounts disabled on 1 February, and the report), and
//! `ecuapass-password-reset` with its follow-up.

mod support;

use serde_json::json;
use support::workflows::*;
use support::*;

/// When the inventory is imported, before the campaign.
const IMPORTED: &str = "2025-11-20T12:00:00Z";

const ANNUAL: &str = "workflows/ecuapass-annual-update.yaml";
const RESET: &str = "workflows/ecuapass-password-reset.yaml";
const MISSED: &str = "workflows/ecuapass-update-missed.yaml";
const OFFICER: &str = "oficial@bananera-pacifico.example";

const INVENTORY: &str = "\
portal,account,holder_name,holder_email,employee_id,holder_national_id,company,tax_id,role,status,last_sign_in
ecuapass,RZAMBRANO1,Rosa Zambrano,rosa.zambrano@bananera-pacifico.example,BP-015,0915487326,Exportadora Bananera del Pacífico S.A.,0992147350001,Representante,active,2025-10-19
ecuapass,JVERA2024,Jorge Vera,jorge.vera@bananera-pacifico.example,BP-031,0923456784,Exportadora Bananera del Pacífico S.A.,0992147350001,Empleado,active,2025-10-22
ecuapass,PNAVARRETE,Pablo Navarrete,pablo.navarrete@flores-sierra.example,FS-009,1704567898,Flores de la Sierra Cía. Ltda.,1793058124001,Empleado,active,2025-10-27
ecuapass,LTOAPANTA,Lucía Toapanta,lucia.toapanta@maderas-cotopaxi.example,MC-001,0503124786,Maderas del Cotopaxi S.A.,0590274615001,Representante,disabled,2025-01-05
";

// ---- ecuapass-annual-update -------------------------------------------------

#[test]
fn annual_update_simulated_from_the_december_fire_to_the_february_report() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    // Jorge never confirms; Lucía's user ID is already disabled.
    let csv: String = INVENTORY
        .lines()
        .filter(|l| !l.contains("RZAMBRANO1") && !l.contains("PNAVARRETE"))
        .map(|l| format!("{l}\n"))
        .collect();
    import(&store, dir.path(), &csv, IMPORTED);
    let workflows = workflows_dir(dir.path(), &[ANNUAL]);

    let report = simulate(
        &store,
        &workflows,
        "2025-11-30",
        "2026-02-02",
        "America/Guayaquil",
    );

    let started = happenings(&report, "run_started");
    assert_eq!(started.len(), 1, "{started:#?}");
    assert_eq!(
        started[0]["trigger"]["scheduled_for"], "2025-12-01T14:00:00Z",
        "1 December, 09:00 in Guayaquil"
    );

    let jorge = "jorge.vera@bananera-pacifico.example";
    let officer = "cumplimiento@example.com"; // the input's default
    let emails: Vec<(String, Vec<String>, String)> = happenings(&report, "email")
        .iter()
        .map(|e| {
            let to = e["to"].as_array().unwrap().iter().map(text).collect();
            (text(&e["at"]), to, text(&e["subject"]))
        })
        .collect();
    let expect = |at: &str, to: &[&str], subject: &str| {
        (
            at.to_owned(),
            to.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            subject.to_owned(),
        )
    };
    assert_eq!(
        emails,
        vec![
            expect(
                "2025-12-01T14:00:00Z",
                &[jorge],
                "Ecuapass: en enero toca actualizar los datos del usuario JVERA2024"
            ),
            expect(
                "2025-12-01T14:00:00Z",
                &[officer],
                "Ecuapass: campaña de actualización anual 2026, cuentas: 1"
            ),
            expect(
                "2026-01-02T13:00:00Z",
                &[jorge],
                "Ecuapass: actualice los datos del usuario JVERA2024 antes del 31 de enero"
            ),
            expect(
                "2026-01-09T13:00:00Z",
                &[jorge],
                "Recordatorio: actualización anual de Ecuapass pendiente (JVERA2024)"
            ),
            expect(
                "2026-01-16T13:00:00Z",
                &[jorge],
                "Segundo recordatorio: actualización anual de Ecuapass pendiente (JVERA2024)"
            ),
            expect(
                "2026-01-23T13:00:00Z",
                &[jorge],
                "Último recordatorio: actualización anual de Ecuapass (JVERA2024)"
            ),
            expect(
                "2026-01-26T13:00:00Z",
                &[officer, jorge],
                "Escalamiento: JVERA2024 no ha confirmado la actualización anual de Ecuapass"
            ),
            expect(
                "2026-02-01T13:00:00Z",
                &[officer],
                "Ecuapass 2026: actualizadas 0, en riesgo 1"
            ),
        ]
    );

    // One confirmation task a week, each due when the next reminder goes out.
    let created: Vec<(String, String, String)> = happenings(&report, "task_created")
        .iter()
        .map(|t| (text(&t["at"]), text(&t["assignee"]), text(&t["due"])))
        .collect();
    assert_eq!(
        created,
        [
            ("2026-01-02T13:00:00Z", "2026-01-09T13:00:00Z"),
            ("2026-01-09T13:00:00Z", "2026-01-16T13:00:00Z"),
            ("2026-01-16T13:00:00Z", "2026-01-23T13:00:00Z"),
            ("2026-01-23T13:00:00Z", "2026-01-26T13:00:00Z"),
            ("2026-01-26T13:00:00Z", "2026-02-01T13:00:00Z"),
        ]
        .map(|(at, due)| (at.to_owned(), jorge.to_owned(), due.to_owned()))
    );
    assert!(happenings(&report, "task_created")
        .iter()
        .all(|t| t["title"] == "Confirmar la actualización anual de Ecuapass (JVERA2024)"));

    // 1 February, at midnight in Guayaquil: the portal rule marks Jorge's
    // account disabled (on the simulation's copy of the inventory); no
    // workflow writes the status. Lucía's was disabled already.
    assert!(happenings(&report, "inventory").is_empty(), "{report:#}");
    let marked: Vec<(String, String, String, String, String)> =
        happenings(&report, "rule_transition")
            .iter()
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
    assert_eq!(
        marked,
        [(
            "2026-02-01T05:00:00Z".to_owned(),
            "ecuapass:jvera2024".to_owned(),
            "ecuapass.update_missed".to_owned(),
            "2026-02-01".to_owned(),
            "disabled".to_owned()
        )]
    );

    // The account's child run ends on 1 February, and its parent with it,
    // at the same instant, when the report goes out.
    let finished: Vec<(String, String, String)> = happenings(&report, "run_finished")
        .iter()
        .map(|f| (text(&f["at"]), text(&f["workflow"]), text(&f["status"])))
        .collect();
    let feb = "2026-02-01T13:00:00Z";
    assert_eq!(
        finished,
        [
            (feb, "ecuapass-annual-update/per_account", "succeeded"),
            (feb, "ecuapass-annual-update", "succeeded"),
        ]
        .map(|(a, w, s)| (a.to_owned(), w.to_owned(), s.to_owned()))
    );
    // A simulation works on a copy: the real inventory is untouched.
    assert_eq!(status_of(&store, "ecuapass:jvera2024"), "active");
}

#[test]
fn annual_update_by_hand_keeps_the_evidence_and_reports_who_is_at_risk() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    import(&store, dir.path(), INVENTORY, IMPORTED);
    let rosa = "rosa.zambrano@bananera-pacifico.example";
    let jorge = "jorge.vera@bananera-pacifico.example";
    let pablo = "pablo.navarrete@flores-sierra.example";

    // 1 December: notices.
    let started = json_out(
        at(&store, "2025-12-01T14:00:00Z")
            .arg("run")
            .arg(root().join(ANNUAL))
            .args(["--input", &format!("officer={OFFICER}")]),
    );
    let run_id = run_id(&started);
    assert_eq!(started["status"], "waiting");
    let december = outbox(&store);
    let recipients: Vec<&str> = december.iter().map(|m| m.to.as_str()).collect();
    assert_eq!(
        december.len(),
        4,
        "three holders and the officer: {recipients:?}"
    );
    assert!(december.iter().all(|m| m.date == "2025-12-01T14:00:00Z"));
    let notice = one_mail(&store, "RZAMBRANO1");
    assert_eq!(notice.to, rosa);
    assert!(notice.body.contains("Entre el 1 y el 31 de enero de 2026"));
    assert!(notice.body.contains("(Representante)"));
    assert!(notice.body.contains("TOKEN"), "{}", notice.body);
    let campaign = one_mail(&store, "campaña");
    assert_eq!(campaign.to, OFFICER);
    for line in [
        "- JVERA2024: Jorge Vera <jorge.vera@bananera-pacifico.example>, Empleado",
        "- PNAVARRETE: Pablo Navarrete <pablo.navarrete@flores-sierra.example>, Empleado",
        "- RZAMBRANO1: Rosa Zambrano <rosa.zambrano@bananera-pacifico.example>, Representante",
        "- LTOAPANTA: Lucía Toapanta, estado disabled",
        "recordatorios el 9 de enero de 2026, 16 de enero de 2026 y 23 de enero de 2026",
    ] {
        assert!(
            campaign.body.contains(line),
            "{line:?} in\n{}",
            campaign.body
        );
    }
    assert!(tasks(&store, false).is_empty(), "no task before January");

    // 2 January 08:00 in Guayaquil: the guide for each user type, and a task each.
    resume(&store, "2026-01-02T13:00:00Z");
    let guides = mails_about(&store, "antes del 31 de enero");
    assert_eq!(guides.len(), 3);
    assert!(guides.iter().all(|m| m.date == "2026-01-02T13:00:00Z"));
    let to_rosa = guides.iter().find(|m| m.to == rosa).unwrap();
    assert!(to_rosa.body.contains("tipo de usuario «Representante»"));
    assert!(to_rosa.body.contains("3.2.3"));
    let to_jorge = guides.iter().find(|m| m.to == jorge).unwrap();
    assert!(to_jorge.body.contains("tipo de usuario «Empleado»"));
    let open = tasks(&store, false);
    assert_eq!(open.len(), 3);
    assert!(
        open.iter().all(|t| t["due"] == "2026-01-09T13:00:00Z"),
        "{open:#?}"
    );
    assert_eq!(
        open[0]["fields"]["required"],
        serde_json::json!(["updated_on", "confirmation"])
    );

    // Rosa confirms with evidence; a confirmation without the portal's text is refused.
    let rosa_task = task_of(&store, rosa);
    let refused = run(at(&store, "2026-01-05T15:00:00Z").args([
        "tasks",
        "complete",
        &rosa_task,
        "--field",
        "updated_on=2026-01-05",
    ]));
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    ok(at(&store, "2026-01-05T15:00:00Z").args([
        "tasks",
        "complete",
        &rosa_task,
        "--field",
        "updated_on=2026-01-05",
        "--field",
        "confirmation=Su actualización de Datos se ha realizado con éxito",
        "--field",
        "evidence=//nas/cumplimiento/2026/rzambrano1.png",
        "--by",
        rosa,
    ]));
    // Pablo cannot: the officer hears it that day.
    let pablo_task = task_of(&store, pablo);
    ok(at(&store, "2026-01-06T15:00:00Z").args([
        "tasks",
        "reject",
        &pablo_task,
        "--note",
        "TOKEN vencido, renovación en trámite",
    ]));
    let blocked = one_mail(&store, "PNAVARRETE no puede");
    assert_eq!(blocked.to, OFFICER);
    assert_eq!(blocked.date, "2026-01-06T15:00:00Z");
    assert!(blocked
        .body
        .contains("TOKEN vencido, renovación en trámite"));

    // Jorge: a reminder every Friday, the officer in the last week.
    for day in ["2026-01-09", "2026-01-16", "2026-01-23", "2026-01-26"] {
        resume(&store, &format!("{day}T13:00:00Z"));
    }
    let to_jorge: Vec<(String, String)> = outbox(&store)
        .into_iter()
        .filter(|m| m.to == jorge && m.date.as_str() > "2026-01-02T13:00:00Z")
        .map(|m| (m.date, m.subject))
        .collect();
    assert_eq!(
        to_jorge,
        [
            (
                "2026-01-09T13:00:00Z",
                "Recordatorio: actualización anual de Ecuapass pendiente (JVERA2024)"
            ),
            (
                "2026-01-16T13:00:00Z",
                "Segundo recordatorio: actualización anual de Ecuapass pendiente (JVERA2024)"
            ),
            (
                "2026-01-23T13:00:00Z",
                "Último recordatorio: actualización anual de Ecuapass (JVERA2024)"
            ),
        ]
        .map(|(d, s)| (d.to_owned(), s.to_owned()))
    );
    let escalation = one_mail(&store, "Escalamiento");
    assert_eq!(
        (
            escalation.to.as_str(),
            escalation.cc.as_str(),
            escalation.date.as_str()
        ),
        (OFFICER, jorge, "2026-01-26T13:00:00Z")
    );
    assert!(escalation
        .body
        .contains("Empleado, Exportadora Bananera del Pacífico S.A."));
    assert!(
        mails_about(&store, "RZAMBRANO1")
            .iter()
            .all(|m| m.date.as_str() < "2026-01-09"),
        "no reminder after Rosa's confirmation"
    );

    // Jorge's tasks: one per week, each expired when the next opened.
    let jorge_tasks: Vec<(String, String)> = tasks(&store, true)
        .into_iter()
        .filter(|t| t["assignee"] == jorge)
        .map(|t| (text(&t["step_id"]), text(&t["status"])))
        .collect();
    assert_eq!(
        jorge_tasks,
        [
            ("week1", "expired"),
            ("week2", "expired"),
            ("week3", "expired"),
            ("week4", "expired"),
            ("week5", "open"),
        ]
        .map(|(s, st)| (s.to_owned(), st.to_owned()))
    );
    let last = task_of(&store, jorge);
    ok(at(&store, "2026-01-28T15:00:00Z").args([
        "tasks",
        "complete",
        &last,
        "--field",
        "updated_on=2026-01-28",
        "--field",
        "confirmation=Su actualización de Datos se ha realizado con éxito",
    ]));

    // Everyone answered, but the report waits for 1 February.
    resume(&store, "2026-01-31T13:00:00Z");
    assert_eq!(show(&store, &run_id)["status"], "waiting");
    assert!(mails_about(&store, "en riesgo").is_empty());

    // The daemon's morning on 1 February: the run's report, and the portal
    // rule for whoever has no update recorded this year.
    let workflows = workflows_dir(dir.path(), &[MISSED]);
    let config = write(
        dir.path(),
        "garita.toml",
        &format!("[rules]\nofficer = \"{OFFICER}\"\n"),
    );
    ok(atc(&store, &config, "2026-02-01T13:00:00Z")
        .args(["daemon", "--once", "--workflows"])
        .arg(&workflows));
    let shown = show(&store, &run_id);
    assert_eq!(shown["status"], "succeeded", "{shown:#}");
    assert_eq!(
        shown["outputs"]["confirmed"],
        serde_json::json!(["ecuapass:jvera2024", "ecuapass:rzambrano1"])
    );
    assert_eq!(
        shown["outputs"]["at_risk"],
        serde_json::json!(["ecuapass:pnavarrete"])
    );
    let report = one_mail(&store, "Ecuapass 2026: actualizadas 2, en riesgo 1");
    assert_eq!(
        (report.to.as_str(), report.date.as_str()),
        (OFFICER, "2026-02-01T13:00:00Z")
    );
    for line in [
        "- JVERA2024 (Jorge Vera): 2026-01-28, «Su actualización de Datos se ha realizado con éxito»",
        "- RZAMBRANO1 (Rosa Zambrano): 2026-01-05, «Su actualización de Datos se ha realizado con éxito», captura: //nas/cumplimiento/2026/rzambrano1.png; confirmó rosa.zambrano@bananera-pacifico.example",
        "- PNAVARRETE (Pablo Navarrete <pablo.navarrete@flores-sierra.example>): no pudo hacerla: TOKEN vencido, renovación en trámite",
        "Desde hoy figuran como inhabilitadas en el inventario (garita accounts list --portal ecuapass --status disabled)",
    ] {
        assert!(report.body.contains(line), "{line:?} in\n{}", report.body);
    }

    // The inventory: Pablo disabled from 1 February by the portal rule (his
    // update was never recorded); the others as they were (Lucía's user ID
    // was already disabled, so the rule leaves it alone).
    let disabled: Vec<String> = accounts(&store, &["--portal", "ecuapass", "--status", "disabled"])
        .iter()
        .map(|a| text(&a["key"]))
        .collect();
    assert_eq!(disabled, ["ecuapass:ltoapanta", "ecuapass:pnavarrete"]);
    for (key, status) in [
        ("ecuapass:rzambrano1", "active"),
        ("ecuapass:jvera2024", "active"),
    ] {
        assert_eq!(status_of(&store, key), status, "{key}");
    }
    let pablo_history = history_rows(&store, "ecuapass:pnavarrete");
    assert_eq!(pablo_history.len(), 2, "{pablo_history:#?}");
    let (when, by, why, change) = &pablo_history[1];
    assert_eq!(when, "2026-02-01T13:00:00Z");
    assert_eq!(by, "garita (rule ecuapass.annual_update)");
    assert!(
        why.starts_with(
            "no Ecuapass annual update recorded for 2026 by 31 January (last recorded: none)"
        ),
        "{why}"
    );
    assert_eq!(change, "active -> disabled");
    // The officer hears of it once, from ecuapass-update-missed.
    let alert = one_mail(&store, "sin actualización anual 2026");
    // The officer's alone: it holds a command, and holders have no Garita.
    assert_eq!((alert.to.as_str(), alert.cc.as_str()), (OFFICER, ""));
    assert!(
        alert.body.contains("Recomendación de Garita"),
        "{}",
        alert.body
    );
    ok(atc(&store, &config, "2026-02-02T13:00:00Z")
        .args(["daemon", "--once", "--workflows"])
        .arg(&workflows));
    assert_eq!(mails_about(&store, "sin actualización anual").len(), 1);

    // Each confirmation is evidence on its account, from the child that got it.
    let evidence: Vec<(String, String)> = ["ecuapass:rzambrano1", "ecuapass:jvera2024"]
        .iter()
        .map(|key| {
            let rows = history_rows(&store, key);
            assert_eq!(rows.len(), 2, "{key}: {rows:#?}");
            assert!(rows[1].1.ends_with(" step evidence"), "{rows:#?}");
            assert_eq!(rows[1].3, "", "evidence leaves the status alone");
            (rows[1].0.clone(), rows[1].2.clone())
        })
        .collect();
    assert_eq!(
        evidence,
        [
            (
                "2026-01-05T15:00:00Z".to_owned(),
                "evidence of 2026-01-05: Actualización anual de Ecuapass 2026 confirmada: «Su actualización de Datos se ha realizado con éxito» (reference: //nas/cumplimiento/2026/rzambrano1.png)".to_owned()
            ),
            (
                "2026-01-28T15:00:00Z".to_owned(),
                "evidence of 2026-01-28: Actualización anual de Ecuapass 2026 confirmada: «Su actualización de Datos se ha realizado con éxito»".to_owned()
            ),
        ]
    );
    let rosa_account = accounts(&store, &["--portal", "ecuapass"])
        .into_iter()
        .find(|a| a["key"] == "ecuapass:rzambrano1")
        .unwrap();
    assert_eq!(
        rosa_account["attributes"],
        json!({
            "evidence": "Actualización anual de Ecuapass 2026 confirmada: «Su actualización de Datos se ha realizado con éxito»",
            "evidence_on": "2026-01-05",
            "evidence_reference": "//nas/cumplimiento/2026/rzambrano1.png",
            "annual_update_on": "2026-01-05"
        })
    );
}

/// A campaign inventory with roles the annual update must read or report:
/// "Representante legal" is the password-reset form's name for the
/// operator's representative; "Perito" is a reset classification with no
/// annual-update counterpart; "Gerente" is nobody's user type; one role is blank.
const MIXED_ROLES: &str = "\
portal,account,holder_name,holder_email,employee_id,holder_national_id,company,tax_id,role,status,last_sign_in
ecuapass,RZAMBRANO1,Rosa Zambrano,rosa.zambrano@bananera-pacifico.example,BP-015,0915487326,Exportadora Bananera del Pacífico S.A.,0992147350001,Representante,active,2025-10-19
ecuapass,JVERA2024,Jorge Vera,jorge.vera@bananera-pacifico.example,BP-031,0923456784,Exportadora Bananera del Pacífico S.A.,0992147350001,Empleado,active,2025-10-22
ecuapass,MCEDENO,María Cedeño,maria.cedeno@bananera-pacifico.example,BP-002,,Exportadora Bananera del Pacífico S.A.,0992147350001,Representante legal,active,2025-10-25
ecuapass,AMORA,Andrés Mora,andres.mora@bananera-pacifico.example,BP-077,,Exportadora Bananera del Pacífico S.A.,0992147350001,Perito,active,2025-10-25
ecuapass,GERENTE1,Gustavo Ortiz,gustavo.ortiz@bananera-pacifico.example,BP-001,,Exportadora Bananera del Pacífico S.A.,0992147350001,Gerente,active,2025-10-25
ecuapass,SINROL,Sonia Ruiz,sonia.ruiz@bananera-pacifico.example,BP-090,,Exportadora Bananera del Pacífico S.A.,0992147350001,,active,2025-10-25
";

/// The accounts of `MIXED_ROLES` the campaign cannot include, with why.
const PROBLEM_ACCOUNTS: [(&str, &str); 3] = [
    ("AMORA", "role_without_counterpart"),
    ("GERENTE1", "role_unknown"),
    ("SINROL", "role_missing"),
];

/// The `problems` a run's `roles` step reports: (identifier, code).
fn reported_problems(shown: &serde_json::Value) -> Vec<(String, String)> {
    step(shown, "roles")["outputs"]["problems"]
        .as_array()
        .unwrap_or_else(|| panic!("no problems list in {shown:#}"))
        .iter()
        .map(|p| {
            (
                text(&p["account"]["identifier"]),
                text(&p["problem"]["code"]),
            )
        })
        .collect()
}

#[test]
fn annual_update_reads_reset_classifications_and_reports_problem_accounts_per_account() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    import(&store, dir.path(), MIXED_ROLES, IMPORTED);
    let maria = "maria.cedeno@bananera-pacifico.example";

    // 1 December: one account with a role nobody can read does not stop
    // the others' campaign.
    let out = run(at(&store, "2025-12-01T14:00:00Z")
        .arg("run")
        .arg(root().join(ANNUAL))
        .args(["--input", &format!("officer={OFFICER}"), "--json"]));
    assert_eq!(
        out.status.code(),
        Some(0),
        "the campaign must go on\nstdout: {}\nstderr: {}",
        stdout(&out),
        stderr(&out)
    );
    let started: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let run_id = run_id(&started);
    assert_eq!(started["status"], "waiting");
    let shown = show(&store, &run_id);
    assert_eq!(
        reported_problems(&shown),
        PROBLEM_ACCOUNTS.map(|(id, code)| (id.to_owned(), code.to_owned()))
    );
    for problem in step(&shown, "roles")["outputs"]["problems"]
        .as_array()
        .unwrap()
    {
        let what = text(&problem["problem"]["message"]);
        let todo = text(&problem["problem"]["advice"]);
        assert!(!what.is_empty() && !todo.is_empty(), "{problem:#}");
    }

    // Notices to the three holders whose role reads as a user type; María's
    // "Representante legal" is the annual update's "Representante".
    let notices = mails_about(&store, "en enero toca actualizar");
    let notified: Vec<&str> = notices.iter().map(|m| m.to.as_str()).collect();
    assert_eq!(notices.len(), 3, "{notified:?}");
    let to_maria = notices.iter().find(|m| m.to == maria).unwrap();
    assert!(
        to_maria.body.contains("(Representante)"),
        "{}",
        to_maria.body
    );
    for (id, _) in PROBLEM_ACCOUNTS {
        assert!(
            mails_about(&store, id).is_empty(),
            "no notice to the holder of {id}"
        );
    }

    // The officer's notice: the campaign, and each account left out with
    // what is wrong and what to do.
    let campaign = one_mail(&store, "campaña");
    assert_eq!(campaign.to, OFFICER);
    assert!(
        campaign.subject.ends_with("cuentas: 3"),
        "{}",
        campaign.subject
    );
    for line in [
        "- MCEDENO: María Cedeño <maria.cedeno@bananera-pacifico.example>, Representante",
        "- AMORA (Andrés Mora <andres.mora@bananera-pacifico.example>), rol «Perito»:",
        "- GERENTE1 (Gustavo Ortiz <gustavo.ortiz@bananera-pacifico.example>), rol «Gerente»:",
        "- SINROL (Sonia Ruiz <sonia.ruiz@bananera-pacifico.example>), sin rol:",
        "garita accounts add --portal ecuapass --account AMORA --role",
    ] {
        assert!(
            campaign.body.contains(line),
            "{line:?} in\n{}",
            campaign.body
        );
    }

    // 2 January: the guide and a task for each of the three, María's for
    // the user type "Representante".
    resume(&store, "2026-01-02T13:00:00Z");
    let guides = mails_about(&store, "antes del 31 de enero");
    assert_eq!(guides.len(), 3);
    let to_maria = guides.iter().find(|m| m.to == maria).unwrap();
    assert!(
        to_maria.body.contains("tipo de usuario «Representante»"),
        "{}",
        to_maria.body
    );
    let open = tasks(&store, false);
    assert_eq!(open.len(), 3, "{open:#?}");
    for task in open {
        ok(at(&store, "2026-01-05T15:00:00Z").args([
            "tasks",
            "complete",
            &text(&task["id"]),
            "--field",
            "updated_on=2026-01-05",
            "--field",
            "confirmation=Su actualización de Datos se ha realizado con éxito",
        ]));
    }

    // 1 February: the report names the accounts left out, and so do the
    // run's outputs.
    resume(&store, "2026-02-01T13:00:00Z");
    let shown = show(&store, &run_id);
    assert_eq!(shown["status"], "succeeded", "{shown:#}");
    assert_eq!(
        shown["outputs"]["left_out_for_role"],
        json!(["ecuapass:amora", "ecuapass:gerente1", "ecuapass:sinrol"])
    );
    let report = one_mail(&store, "Ecuapass 2026: actualizadas 3, en riesgo 0");
    for line in [
        "Fuera de la campaña por el rol del inventario (3):",
        "- AMORA (Andrés Mora <andres.mora@bananera-pacifico.example>), rol «Perito»:",
    ] {
        assert!(report.body.contains(line), "{line:?} in\n{}", report.body);
    }
}

#[test]
fn annual_update_started_in_january_tells_the_officer_at_once_which_accounts_it_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    import(&store, dir.path(), MIXED_ROLES, IMPORTED);

    let out = run(at(&store, "2026-01-05T15:00:00Z")
        .arg("run")
        .arg(root().join(ANNUAL))
        .args(["--input", &format!("officer={OFFICER}"), "--json"]));
    assert_eq!(
        out.status.code(),
        Some(0),
        "the campaign must go on\nstdout: {}\nstderr: {}",
        stdout(&out),
        stderr(&out)
    );
    // No December notice in January: the guides go out at once...
    assert!(mails_about(&store, "en enero toca").is_empty());
    assert_eq!(mails_about(&store, "antes del 31 de enero").len(), 3);
    // ...and the officer learns the same day which accounts are left out.
    let left_out = one_mail(&store, "fuera de la campaña");
    assert_eq!(left_out.to, OFFICER);
    assert!(left_out.subject.contains("3"), "{}", left_out.subject);
    for (id, _) in PROBLEM_ACCOUNTS {
        assert!(
            left_out.body.contains(&format!("- {id} (")),
            "{id} in\n{}",
            left_out.body
        );
    }
}

// ---- ecuapass-password-reset ------------------------------------------------

#[test]
fn password_reset_sends_the_guide_and_follows_up_when_nobody_confirms() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let started = json_out(
        at(&store, "2026-03-02T15:00:00Z")
            .arg("run")
            .arg(root().join(RESET))
            .args([
                "--input",
                "classification=Representante legal",
                "--input",
                "identification=1710034065",
                "--input",
                "ruc=1790011674001",
                "--input",
                "send_to=ana.perez@example.com",
                "--input",
                &format!("officer={OFFICER}"),
            ]),
    );
    let run_id = run_id(&started);
    let guide = one_mail(&store, "cómo reiniciar su clave");
    assert_eq!(guide.to, "ana.perez@example.com");
    assert!(guide
        .body
        .contains("Escriba el RUC de la empresa 1790011674001"));
    let open = tasks(&store, false);
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["due"], "2026-03-04T15:00:00Z");

    // Two days without an answer: the follow-up, with the officer in copy.
    resume(&store, "2026-03-04T15:00:00Z");
    let follow = one_mail(&store, "no se completó");
    assert_eq!(
        (follow.to.as_str(), follow.cc.as_str()),
        ("ana.perez@example.com", OFFICER)
    );
    assert_eq!(follow.date, "2026-03-04T15:00:00Z");
    assert!(follow.body.contains("correo personal registrado"));
    let shown = show(&store, &run_id);
    assert_eq!(shown["status"], "succeeded");
    assert_eq!(shown["outputs"]["signed_in"], false);
}

#[test]
fn password_reset_ends_quietly_once_the_person_signed_in() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let started = json_out(
        at(&store, "2026-03-02T15:00:00Z")
            .arg("run")
            .arg(root().join(RESET))
            .args([
                "--input",
                "classification=Perito",
                "--input",
                "identification=1710034065",
                "--input",
                "personal_email=perito@example.com",
                "--input",
                "send_to=perito@example.com",
            ]),
    );
    let run_id = run_id(&started);
    let task = task_of(&store, "perito@example.com");
    ok(at(&store, "2026-03-03T10:00:00Z").args([
        "tasks",
        "complete",
        &task,
        "--field",
        "signed_in=true",
    ]));
    let shown = show(&store, &run_id);
    assert_eq!(shown["status"], "succeeded");
    assert_eq!(shown["outputs"]["signed_in"], true);
    assert_eq!(step(&shown, "follow_up")["status"], "skipped");
    assert_eq!(outbox(&store).len(), 1, "only the guide");
}
