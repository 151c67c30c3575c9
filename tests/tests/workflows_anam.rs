//! The shipped ANAM workflows, end to end with the real binary and a pinned
//! clock: `anam-registration` (every problem at once, the checklist, the
//! three waits on people, a stall) and `anam-password-recovery`.

mod support;

use std::path::Path;
use std::process::Output;

use serde_json::Value;
use support::workflows::*;
use support::*;

const REGISTRATION: &str = "workflows/anam-registration.yaml";
const RECOVERY: &str = "workflows/anam-password-recovery.yaml";
const OFFICER: &str = "cumplimiento@aduanal-bajio.example";
const SERGIO: &str = "sergio.mendez@aduanal-bajio.example";

/// A complete, valid form; `change` replaces (or, with an empty value, drops) fields.
fn form(change: &[(&str, &str)]) -> Vec<String> {
    let mut fields = vec![
        ("user_type", "Dependiente"),
        ("curp", "MEPS920725HDFNXR09"),
        ("rfc", "MEPS920725AB3"),
        ("name", "Sergio"),
        ("first_surname", "Méndez"),
        ("second_surname", "Peña"),
        ("email", SERGIO),
        ("state", "Guanajuato"),
        ("locality", "Celaya"),
        ("colonia", "Centro"),
        ("postal_code", "38000"),
        ("exterior_number", "12"),
        ("street", "Av. Juárez"),
        ("company", "Agencia Aduanal Bajío S.C."),
        ("company_rfc", "ABA110815PL2"),
        ("officer", OFFICER),
    ];
    for (k, v) in change {
        fields.retain(|(name, _)| name != k);
        if !v.is_empty() {
            fields.push((k, v));
        }
    }
    fields
        .into_iter()
        .flat_map(|(k, v)| ["--input".to_owned(), format!("{k}={v}")])
        .collect()
}

fn register(store: &Path, now: &str, change: &[(&str, &str)]) -> Output {
    run(at(store, now)
        .arg("--json")
        .arg("run")
        .arg(root().join(REGISTRATION))
        .args(form(change)))
}

fn complete(store: &Path, now: &str, task: &str, fields: &[&str]) {
    let mut cmd = at(store, now);
    cmd.args(["tasks", "complete", task]);
    for f in fields {
        cmd.args(["--field", f]);
    }
    ok(&mut cmd);
}

// ---- anam-registration -------------------------------------------------------

#[test]
fn registration_reports_every_problem_at_once_and_stops() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let out = register(
        &store,
        "2026-03-02T16:00:00Z",
        &[
            ("curp", "MEPS920725HDFNXR0X"),
            ("email", "sergio.mendez@"),
            ("postal_code", "3800"),
            ("street", ""),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let failed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(failed["status"], "failed");
    let error = text(&failed["error"]);
    assert!(
        error.starts_with("step `stop`")
            && error.ends_with("core.fail: los datos del registro tienen 4 problema(s); la lista se envió a cumplimiento@aduanal-bajio.example"),
        "{error}"
    );
    let mails = outbox(&store);
    assert_eq!(mails.len(), 1, "{mails:#?}");
    let list = &mails[0];
    assert_eq!(list.to, OFFICER);
    assert_eq!(
        list.subject,
        "ANAM: el registro de Sergio Méndez tiene 4 problema(s)"
    );
    for line in [
        "- curp: El dígito verificador debería ser 9, no X.",
        "- email: Falta el dominio después de la arroba.",
        "- postal_code: El código postal tiene 5 dígitos; se recibieron 4.",
        "- street: Este campo es obligatorio.",
    ] {
        assert!(list.body.contains(line), "{line:?} in\n{}", list.body);
    }
    assert!(
        tasks(&store, true).is_empty(),
        "no task for a form with problems"
    );
}

#[test]
fn registration_sends_the_checklist_and_follows_confirmation_documents_and_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let out = register(&store, "2026-03-02T16:00:00Z", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let run_id = run_id(&serde_json::from_slice(&out.stdout).unwrap());

    let checklist = one_mail(&store, "documentos y pasos");
    assert_eq!(
        (checklist.to.as_str(), checklist.cc.as_str()),
        (SERGIO, OFFICER)
    );
    assert_eq!(
        checklist.subject,
        "ANAM Acceso Único: documentos y pasos para su registro (Dependiente)"
    );
    for part in [
        "Sus datos para el registro en Acceso Único están revisados y completos.",
        "Credencial para votar del Instituto Nacional Electoral (INE).",
        "las cédulas profesionales electrónicas no sirven",
        "- Responsiva firmada — ",
        "haga clic en «Reenviar correo»",
    ] {
        assert!(
            checklist.body.contains(part),
            "{part:?} in\n{}",
            checklist.body
        );
    }
    // The guide's Markdown is rendered: plain text for reading, and HTML.
    assert!(!checklist.body.contains("**"), "{}", checklist.body);
    let html = checklist.html.clone().unwrap_or_default();
    assert!(
        html.contains("<strong>Responsiva firmada</strong>"),
        "{html}"
    );

    // The three waits, one after the other, each with its own deadline.
    let first = tasks(&store, false);
    assert_eq!(first.len(), 1);
    assert_eq!(first[0]["step_id"], "email_confirmed");
    assert_eq!(first[0]["assignee"], SERGIO);
    assert_eq!(first[0]["due"], "2026-03-05T16:00:00Z");
    complete(
        &store,
        "2026-03-03T16:00:00Z",
        &task_of(&store, SERGIO),
        &["confirmed_on=2026-03-03"],
    );

    let second = tasks(&store, false);
    assert_eq!(second[0]["step_id"], "documents_uploaded");
    assert_eq!(second[0]["due"], "2026-03-08T16:00:00Z");
    assert!(text(&second[0]["body"]).contains("Responsiva firmada"));
    let id = text(&second[0]["id"]);
    // Only the IDs the ANAM accepts.
    let refused = run(at(&store, "2026-03-04T16:00:00Z").args([
        "tasks",
        "complete",
        &id,
        "--field",
        "uploaded_on=2026-03-04",
        "--field",
        "official_id=credencial del gimnasio",
    ]));
    assert_eq!(refused.status.code(), Some(1), "{}", stdout(&refused));
    complete(
        &store,
        "2026-03-04T16:00:00Z",
        &id,
        &["uploaded_on=2026-03-04", "official_id=INE"],
    );

    let third = tasks(&store, false);
    assert_eq!(third[0]["step_id"], "credentials_received");
    assert_eq!(third[0]["due"], "2026-03-14T16:00:00Z");
    complete(
        &store,
        "2026-03-10T16:00:00Z",
        &text(&third[0]["id"]),
        &["received_on=2026-03-10", "username=smendez.aab"],
    );

    let done = show(&store, &run_id);
    assert_eq!(done["status"], "succeeded", "{done:#}");
    assert_eq!(done["outputs"]["username"], "smendez.aab");
    assert_eq!(step(&done, "stalled")["status"], "skipped");
    let sequence: Vec<(String, String)> = tasks(&store, true)
        .iter()
        .map(|t| (text(&t["step_id"]), text(&t["status"])))
        .collect();
    assert_eq!(
        sequence,
        [
            ("credentials_received", "completed"),
            ("documents_uploaded", "completed"),
            ("email_confirmed", "completed"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    let closing = one_mail(&store, "alta terminada");
    assert_eq!(
        (closing.to.as_str(), closing.date.as_str()),
        (OFFICER, "2026-03-10T16:00:00Z")
    );
    assert!(closing
        .body
        .contains("Correo confirmado el 2026-03-03; documentos subidos el 2026-03-04 (INE)."));
    // The inventory command it suggests is accepted as written.
    let command = closing
        .body
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("garita accounts add"))
        .expect("an inventory command")
        .to_owned();
    assert_eq!(
        command,
        "garita accounts add --portal anam --account smendez.aab --holder-name \"Sergio Méndez Peña\" --holder-email sergio.mendez@aduanal-bajio.example --holder-national-id MEPS920725HDFNXR09 --company \"Agencia Aduanal Bajío S.C.\" --tax-id ABA110815PL2 --role \"Dependiente\" --last-sign-in 2026-03-10"
    );
}

#[test]
fn registration_stalls_when_the_documents_never_arrive() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let out = register(&store, "2026-03-02T16:00:00Z", &[]);
    let run_id = run_id(&serde_json::from_slice(&out.stdout).unwrap());
    complete(
        &store,
        "2026-03-03T16:00:00Z",
        &task_of(&store, SERGIO),
        &["confirmed_on=2026-03-03"],
    );
    resume(&store, "2026-03-08T15:59:59Z");
    assert_eq!(show(&store, &run_id)["status"], "waiting");
    resume(&store, "2026-03-08T16:00:00Z");
    let done = show(&store, &run_id);
    assert_eq!(done["status"], "succeeded", "{done:#}");
    let stalled = one_mail(&store, "está detenido");
    assert_eq!(
        (stalled.to.as_str(), stalled.cc.as_str()),
        (OFFICER, SERGIO)
    );
    assert_eq!(stalled.date, "2026-03-08T16:00:00Z");
    assert!(stalled.body.contains(
        "No consta que se hayan subido la identificación oficial y la responsiva firmada."
    ));
    assert!(mails_about(&store, "alta terminada").is_empty());
    assert_eq!(done["outputs"]["username"], "");
}

// ---- anam-password-recovery --------------------------------------------------

fn recover(store: &Path, username: &str, send_to: &str) -> String {
    run_id(&json_out(
        at(store, "2026-03-02T16:00:00Z")
            .arg("run")
            .arg(root().join(RECOVERY))
            .args(["--input", &format!("username={username}")])
            .args(["--input", &format!("send_to={send_to}")])
            .args(["--input", &format!("officer={OFFICER}")]),
    ))
}

#[test]
fn password_recovery_when_the_email_does_not_arrive() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let andres = "andres.perez@log-occidente.example";
    let run_id = recover(&store, "aperez.log", andres);
    let guide = one_mail(&store, "cómo recuperar la contraseña");
    assert_eq!(guide.to, andres);
    assert!(guide.body.contains("Escriba el usuario aperez.log"));
    let ask = tasks(&store, false);
    assert_eq!(ask[0]["due"], "2026-03-03T16:00:00Z");
    complete(
        &store,
        "2026-03-03T10:00:00Z",
        &task_of(&store, andres),
        &["received=false"],
    );
    let done = show(&store, &run_id);
    assert_eq!(done["status"], "succeeded");
    assert_eq!(done["outputs"]["recovered"], false);
    assert_eq!(step(&done, "signed_in")["status"], "skipped");
    let help = one_mail(&store, "no llegó el correo");
    assert_eq!((help.to.as_str(), help.cc.as_str()), (andres, OFFICER));
    assert!(help
        .body
        .contains("el portal muestra el mismo aviso aunque el usuario no exista"));
    // Andrés has no Garita: he is asked to reply, with no command.
    assert!(help
        .body
        .contains("Si la dirección registrada cambió, responda a este correo con la nueva"));
    assert!(!help.body.contains("garita "), "{}", help.body);
}

#[test]
fn password_recovery_follows_up_until_the_person_signs_in() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let sofia = "sofia.lozano@aduanal-bajio.example";
    let run_id = recover(&store, "slozano.aab", sofia);
    complete(
        &store,
        "2026-03-02T18:00:00Z",
        &task_of(&store, sofia),
        &["received=true"],
    );
    let second = tasks(&store, false);
    assert_eq!(second[0]["step_id"], "signed_in");
    assert_eq!(second[0]["due"], "2026-03-04T18:00:00Z");
    // Two days of silence: the officer is asked to call.
    resume(&store, "2026-03-04T18:00:00Z");
    let done = show(&store, &run_id);
    assert_eq!(done["outputs"]["recovered"], false);
    let stuck = one_mail(&store, "no confirma haber entrado");
    assert_eq!(
        (stuck.to.as_str(), stuck.date.as_str()),
        (OFFICER, "2026-03-04T18:00:00Z")
    );
    assert!(mails_about(&store, "no llegó").is_empty());

    // And when she answers in time, the run ends quietly with the date.
    let other = dir.path().join("other");
    let run_id = recover(&other, "slozano.aab", sofia);
    complete(
        &other,
        "2026-03-02T18:00:00Z",
        &task_of(&other, sofia),
        &["received=true"],
    );
    complete(
        &other,
        "2026-03-03T09:00:00Z",
        &task_of(&other, sofia),
        &["signed_in_on=2026-03-03"],
    );
    let done = show(&other, &run_id);
    assert_eq!(done["outputs"]["recovered"], true);
    assert_eq!(done["outputs"]["signed_in_on"], "2026-03-03");
    assert_eq!(
        outbox(&other).len(),
        2,
        "the guide and the question after it, nothing to the officer"
    );
    // Without [web] public_url, the question says whom to answer instead
    // of carrying a link (docs/console.md, "Holders' links").
    let question = one_mail(&other, "pudo entrar con la contraseña nueva");
    assert!(
        question
            .body
            .contains("Para responder, conteste este correo")
            && !question.body.contains("http")
            && !question.body.contains("signed_in_on="),
        "{}",
        question.body
    );
}
