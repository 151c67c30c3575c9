//! The officers' console with the real binary: users added through
//! `garita users add` (password on standard input), `garita daemon`
//! serving `[web]` on a loopback port, and plain HTTP/1.1 requests as a
//! browser without JavaScript sends them: the sign-in form and its token,
//! a refused and a limited sign-in, Inicio's numbers against the
//! inventory, an officer's action and an auditor refused it, forms
//! without their token refused, sign-out.

mod support;

use std::net::TcpListener;

use serde_json::Value;
use support::console::{field, Site};
use support::*;

/// 10:00 in New York on 2026-03-10.
const NOW: &str = "2026-03-10T15:00:00Z";
const OFFICER: &str = "oficial@example.com";
const AUDITOR: &str = "auditora@example.com";
const PASSWORD: &str = "una frase bastante larga";

/// The number in the element with `id` (its first `class="number..."` or
/// its own text).
fn count_in(html: &str, id: &str, data: Option<&str>) -> u64 {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in:\n{html}"));
    let rest = &html[start..];
    let marker = match data {
        Some(name) => format!("data-count=\"{name}\">"),
        None => "class=\"number".to_owned(),
    };
    let at = rest
        .find(&marker)
        .unwrap_or_else(|| panic!("no {marker} in #{id}"));
    let after = &rest[at..];
    let digits: String = after[after.find('>').unwrap() + 1..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap()
}

fn accounts(console: &Site) -> Vec<Value> {
    let text = console.ok(&["--json", "accounts", "list"]);
    serde_json::from_str::<Value>(&text)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn users_sign_in_see_inicio_act_by_role_and_sign_out() {
    let mut console = Site::new(NOW, false);
    console.import_example();
    let short = console.add_user(OFFICER, "officer", "corta");
    assert_eq!(short.status.code(), Some(2), "{}", stderr(&short));
    assert!(stderr(&short).contains("at least 12"), "{}", stderr(&short));
    for (email, role) in [
        (OFFICER, "officer"),
        (AUDITOR, "auditor"),
        ("limitada@example.com", "officer"),
    ] {
        let out = console.add_user(email, role, PASSWORD);
        assert_success(&out, "users add");
    }
    let listed = console.ok(&["--json", "users", "list"]);
    assert!(
        !listed.contains("argon2") && listed.contains(AUDITOR),
        "{listed}"
    );
    console.start();

    // The form, with its headers.
    let login = console.get("/login", None);
    assert_eq!(login.status, 200);
    let csp = login.header("content-security-policy").unwrap_or_default();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(login.body.contains("name=\"email\"") && login.body.contains("name=\"password\""));
    let token_cookie = login.set_cookie("garita_login_csrf").unwrap();
    assert!(
        token_cookie.contains("HttpOnly") && token_cookie.contains("SameSite=Strict"),
        "{token_cookie}"
    );
    assert!(!login.body.contains("<script"));
    // Signed out, Inicio sends to the form.
    let home = console.get("/", None);
    assert_eq!(
        (home.status, home.header("location")),
        (303, Some("/login"))
    );

    // Without the form's token: refused before the password is looked at.
    let no_token = console.post(
        "/login",
        None,
        &[("email", OFFICER), ("password", PASSWORD)],
    );
    assert_eq!(no_token.status, 403, "{}", no_token.body);
    // A wrong password: refused, no session, the email kept in the field.
    let wrong = console.sign_in(OFFICER, "no es la contraseña");
    assert_eq!(wrong.status, 401, "{}", wrong.body);
    assert!(wrong.body.contains("no son correctos"), "{}", wrong.body);
    assert!(wrong.cookie("garita_session").is_none());
    assert!(
        wrong.body.contains(&format!("value=\"{OFFICER}\"")),
        "the email stays in its field"
    );
    // Failures are counted: after five, even the right password waits.
    for _ in 0..5 {
        assert_eq!(
            console
                .sign_in("limitada@example.com", "otra equivocada")
                .status,
            401
        );
    }
    let limited = console.sign_in("limitada@example.com", PASSWORD);
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert!(
        limited.body.contains("Demasiados intentos"),
        "{}",
        limited.body
    );
    assert!(
        console.log().contains("too many failed attempts"),
        "a limited sign-in is logged"
    );

    // The right password: a strict, HttpOnly session cookie and on to Inicio.
    let signed = console.sign_in(OFFICER, PASSWORD);
    assert_eq!(
        (signed.status, signed.header("location")),
        (303, Some("/")),
        "{}",
        signed.body
    );
    let set = signed.set_cookie("garita_session").unwrap();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict") && !set.contains("Secure"),
        "{set}"
    );
    let officer = signed.cookie("garita_session").unwrap();
    let inicio = console.get("/", Some(&officer));
    assert_eq!(inicio.status, 200, "{}", inicio.body);
    assert!(inicio.body.contains(OFFICER) && inicio.body.contains("<svg"));

    // The numbers are the inventory's.
    let all = accounts(&console);
    let of = |portal: &str, status: &str| {
        all.iter()
            .filter(|a| a["portal"] == portal && a["status"] == status)
            .count() as u64
    };
    let mut seen_any = 0;
    for portal in ["ctpat", "ecuapass", "anam"] {
        let id = format!("portal-{portal}");
        let (at_risk, deactivated) = (of(portal, "at_risk"), of(portal, "deactivated"));
        assert_eq!(
            count_in(&inicio.body, &id, Some("at_risk")),
            at_risk,
            "{portal} at risk"
        );
        assert_eq!(
            count_in(&inicio.body, &id, Some("deactivated")),
            deactivated,
            "{portal} deactivated"
        );
        seen_any += at_risk + deactivated;
    }
    assert!(
        seen_any > 0,
        "the example inventory has accounts at risk or deactivated"
    );
    assert_eq!(count_in(&inicio.body, "tasks-waiting", None), 0);
    assert_eq!(count_in(&inicio.body, "emails-failed", None), 0);
    let csrf = field(&inicio.body, "csrf");
    // A CTPAT account with a deactivation date is among the next deadlines.
    let target = field(
        &inicio.body[inicio.body.find("/cuentas/ingreso").unwrap()..],
        "account",
    );
    assert!(target.starts_with("ctpat:"), "{target}");

    // An action without the session's token is refused and changes nothing.
    let history = |c: &Site| c.ok(&["--json", "accounts", "history", &target]);
    let before = history(&console);
    let forged = console.post("/cuentas/ingreso", Some(&officer), &[("account", &target)]);
    assert_eq!(forged.status, 403, "{}", forged.body);
    let other = console.post(
        "/cuentas/ingreso",
        Some(&officer),
        &[("account", &target), ("csrf", "0000")],
    );
    assert_eq!(other.status, 403);
    assert_eq!(history(&console), before);

    // An auditor signs in and sees Inicio (in English), without the button,
    // and the action itself is refused even with their own token.
    let auditor = console
        .sign_in(AUDITOR, PASSWORD)
        .cookie("garita_session")
        .unwrap();
    let seen = console.get("/", Some(&auditor));
    assert_eq!(seen.status, 200);
    assert!(!seen.body.contains("/cuentas/ingreso"));
    let auditor_csrf = field(&seen.body, "csrf");
    let refused = console.post(
        "/cuentas/ingreso",
        Some(&auditor),
        &[("account", &target), ("csrf", &auditor_csrf)],
    );
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(history(&console), before, "the auditor changed nothing");

    // The officer's action works, recorded as done by the officer.
    let done = console.post(
        "/cuentas/ingreso",
        Some(&officer),
        &[("account", &target), ("csrf", &csrf)],
    );
    assert_eq!(
        (done.status, done.header("location")),
        (303, Some("/")),
        "{}",
        done.body
    );
    let after = history(&console);
    assert_ne!(after, before);
    assert!(after.contains(OFFICER), "{after}");

    // `users disable` while the daemon runs goes through it and ends the
    // auditor's session at once.
    let disabled: Value =
        serde_json::from_str(&console.ok(&["--json", "users", "disable", AUDITOR])).unwrap();
    assert_eq!(disabled["sessions_ended"], 1, "{disabled}");
    assert_eq!(console.get("/", Some(&auditor)).status, 303);
    assert_eq!(console.sign_in(AUDITOR, PASSWORD).status, 401);

    // Signing out needs the token too, then the cookie no longer works.
    assert_eq!(console.post("/logout", Some(&officer), &[]).status, 403);
    let out = console.post("/logout", Some(&officer), &[("csrf", &csrf)]);
    assert_eq!((out.status, out.header("location")), (303, Some("/login")));
    assert!(out
        .set_cookie("garita_session")
        .unwrap()
        .contains("Max-Age=0"));
    assert_eq!(console.get("/", Some(&officer)).status, 303);

    // Everything is in the audit log, with who did it, and it verifies.
    let verify = console.ok(&["audit", "verify"]);
    assert!(verify.contains("intact"), "{verify}");
    let exported = console.ok(&[
        "audit",
        "export",
        "--from",
        "2000-01-01",
        "--to",
        "2100-01-01",
    ]);
    for kind in [
        "user.added",
        "console.sign_in_refused",
        "console.signed_in",
        "console.signed_out",
    ] {
        assert!(exported.contains(kind), "{kind} is in the audit log");
    }
}

/// A console reachable from the network without https is refused before
/// the daemon opens the store, saying what to do.
#[test]
fn a_listen_address_beyond_loopback_needs_an_https_public_url() {
    let console = Site::new(NOW, false);
    write(
        &console.root,
        "garita.toml",
        "[web]\nlisten = \"0.0.0.0:18099\"\npublic_url = \"http://garita.example.com\"\n",
    );
    let out = run(console
        .garita()
        .args(["daemon", "--workflows"])
        .arg(console.root.join("workflows")));
    assert_ne!(out.status.code(), Some(0));
    let said = stderr(&out);
    assert!(
        said.contains("not a loopback address") && said.contains("https"),
        "{said}"
    );
    assert!(!console.store.exists(), "nothing was opened");
}

/// A review an officer answers from the console: its title and guidance
/// carry markup that must be shown as text.
const REVIEW: &str = r#"
name: console-review
steps:
  - id: review
    task:
      title: "Revisar la solicitud <b>urgente</b>"
      assignee: oficial@example.com
      body: "Revise la solicitud y responda.\n<script>alert(1)</script>"
      due: 3d
      fields:
        type: object
        required: [approved]
        properties:
          approved: {type: boolean, description: "true: enviar"}
          copies: {type: integer, description: Copias}
          emails: {type: array, items: {type: string}, title: Correos habilitados}
      on_timeout: fail
"#;

/// An email whose server is down: it fails at once.
const DOWN: &str = r#"
name: console-mail
steps:
  - id: send
    uses: email.send
    with:
      from: "Garita <robot@garita.test>"
      to: "ana@cliente.test"
      subject: "Aviso <i>importante</i>"
      body: "Hola <img src=x onerror=alert(1)>"
"#;

/// An attribute's text as a browser reads it (what minijinja escapes).
fn unescape(html: &str) -> String {
    html.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/")
        .replace("&amp;", "&")
}

/// The `data-key` of every account row of a Cuentas page.
fn account_keys(html: &str) -> Vec<String> {
    html.match_indices("class=\"account-row\" data-key=\"")
        .map(|(at, marker)| {
            let rest = &html[at + marker.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

/// The number in the element carrying `data-count="NAME"`.
fn data_count(html: &str, name: &str) -> u64 {
    let marker = format!("data-count=\"{name}\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {marker} in:\n{html}"));
    let rest = &html[at..];
    let text = &rest[rest.find('>').unwrap() + 1..];
    text.chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

#[test]
fn officers_answer_tasks_keep_accounts_and_retry_mail_and_auditors_only_look_and_export() {
    let mut console = Site::new(NOW, false);
    // Mail goes to a port nothing listens on, so the message fails.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    console.configure(
        false,
        &format!(
            "[connectors.email]\ntransport = \"smtp\"\nhost = \"127.0.0.1\"\nport = {closed}\ntls = \"none\"\nconnect_timeout_secs = 2\ntimeout_secs = 5\n"
        ),
    );
    console.import_example();
    let review = write(&console.root, "review.yaml", REVIEW);
    let down = write(&console.root, "down.yaml", DOWN);
    console.ok(&["run", review.to_str().unwrap()]);
    let _ = run(console.garita().arg("run").arg(&down));
    for (email, role) in [(OFFICER, "officer"), (AUDITOR, "auditor")] {
        assert_success(&console.add_user(email, role, PASSWORD), "users add");
    }
    console.start();
    let officer = console
        .sign_in(OFFICER, PASSWORD)
        .cookie("garita_session")
        .unwrap();
    let auditor = console
        .sign_in(AUDITOR, PASSWORD)
        .cookie("garita_session")
        .unwrap();

    // Tareas: the inbox counts the officer's task, in every view but overdue.
    let inbox = console.get("/tareas", Some(&officer));
    assert_eq!(inbox.status, 200, "{}", inbox.body);
    let csrf = field(&inbox.body, "csrf");
    assert_eq!(data_count(&inbox.body, "mine"), 1);
    assert_eq!(data_count(&inbox.body, "group"), 1);
    assert_eq!(data_count(&inbox.body, "all"), 1);
    assert_eq!(data_count(&inbox.body, "overdue"), 0);
    assert!(
        inbox.body.contains("Revisar la solicitud &lt;b&gt;urgente")
            && !inbox.body.contains("<b>urgente"),
        "the title is shown as text"
    );
    let task = field(
        &inbox.body[inbox.body.find("/tareas/ver").unwrap()..],
        "task",
    );
    // The auditor's "mine" is empty; their group (auditors) has nothing either.
    let theirs = console.get("/tareas", Some(&auditor));
    assert_eq!(data_count(&theirs.body, "mine"), 0);
    assert_eq!(data_count(&theirs.body, "all"), 1);
    let auditor_csrf = field(&theirs.body, "csrf");
    let overdue = console.post(
        "/tareas",
        Some(&officer),
        &[("csrf", &csrf), ("view", "overdue")],
    );
    assert!(
        overdue.body.contains("No hay tareas abiertas"),
        "{}",
        overdue.body
    );

    // The task's page: its guidance as text, a typed form from its fields.
    let shown = console.post(
        "/tareas/ver",
        Some(&officer),
        &[("csrf", &csrf), ("task", &task)],
    );
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert!(shown.body.contains("&lt;script&gt;alert(1)&lt;"));
    assert!(!shown.body.contains("<script"));
    assert!(
        shown.body.contains("name=\"answer.approved\"") && shown.body.contains("type=\"number\"")
    );
    // A list of texts is pasted one per line, never typed as JSON.
    assert!(
        shown
            .body
            .contains("<textarea id=\"answer-emails\" name=\"answer.emails\""),
        "{}",
        shown.body
    );

    // The auditor may look but not answer.
    let forbidden = console.post(
        "/tareas/responder",
        Some(&auditor),
        &[
            ("csrf", &auditor_csrf),
            ("task", &task),
            ("answer.approved", "true"),
        ],
    );
    assert_eq!(forbidden.status, 403, "{}", forbidden.body);
    // A wrong value is refused naming the field, and changes nothing.
    let wrong = console.post(
        "/tareas/responder",
        Some(&officer),
        &[
            ("csrf", &csrf),
            ("task", &task),
            ("answer.approved", "true"),
            ("answer.copies", "tres"),
        ],
    );
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert!(wrong.body.contains("copies") && wrong.body.contains("whole number"));
    // The answer, typed, recorded as the officer's in the task, the run and the audit log.
    let answered = console.post(
        "/tareas/responder",
        Some(&officer),
        &[
            ("csrf", &csrf),
            ("task", &task),
            ("answer.approved", "true"),
            ("answer.copies", "2"),
            (
                "answer.emails",
                "ana@empresa.com\r\n\r\n luis@empresa.com \r\n",
            ),
        ],
    );
    assert_eq!(answered.status, 200, "{}", answered.body);
    assert!(
        answered
            .body
            .contains(&format!("id=\"answered-by\">{OFFICER}<")),
        "{}",
        answered.body
    );
    let stored: Value =
        serde_json::from_str(&console.ok(&["--json", "tasks", "show", &task])).unwrap();
    assert_eq!(stored["answer"]["by"], OFFICER);
    assert_eq!(stored["answer"]["fields"]["approved"], true);
    assert_eq!(stored["answer"]["fields"]["copies"], 2);
    assert_eq!(
        stored["answer"]["fields"]["emails"],
        serde_json::json!(["ana@empresa.com", "luis@empresa.com"])
    );
    let run_id = stored["run_id"].as_str().unwrap().to_owned();
    let run_page = console.post(
        "/ejecuciones/ver",
        Some(&officer),
        &[("csrf", &csrf), ("run", &run_id)],
    );
    assert_eq!(run_page.status, 200, "{}", run_page.body);
    assert!(
        run_page
            .body
            .contains("id=\"run-status\" data-status=\"succeeded\""),
        "{}",
        run_page.body
    );
    assert!(
        run_page.body.contains(OFFICER),
        "the run's step shows who answered"
    );
    let runs = console.get("/ejecuciones", Some(&officer));
    assert!(runs.body.contains(&run_id) && runs.body.contains("console-mail"));
    let again = console.get("/tareas", Some(&officer));
    assert_eq!(data_count(&again.body, "mine"), 0);

    // Cuentas: the first page of the inventory, then only the accounts at risk.
    let all = accounts(&console);
    let listed = console.get("/cuentas", Some(&officer));
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(account_keys(&listed.body).len(), all.len().min(50));
    let at_risk: Vec<&Value> = all.iter().filter(|a| a["status"] == "at_risk").collect();
    assert!(!at_risk.is_empty());
    let risky = console.post(
        "/cuentas",
        Some(&officer),
        &[("csrf", &csrf), ("status", "at_risk"), ("page", "1")],
    );
    let keys = account_keys(&risky.body);
    assert_eq!(keys.len(), at_risk.len(), "{}", risky.body);
    // Searching for one at-risk holder finds exactly their account.
    let target = at_risk[0];
    let key = format!(
        "{}:{}",
        target["portal"].as_str().unwrap(),
        target["identifier"].as_str().unwrap().to_lowercase()
    );
    let holder = target["holder"]["email"].as_str().unwrap().to_owned();
    let searched = console.post(
        "/cuentas",
        Some(&officer),
        &[("csrf", &csrf), ("q", &holder), ("status", "at_risk")],
    );
    assert!(
        account_keys(&searched.body).contains(&key),
        "{key} in {:?}",
        account_keys(&searched.body)
    );
    // Its page: history and evidence.
    let account = console.post(
        "/cuentas/ver",
        Some(&officer),
        &[("csrf", &csrf), ("account", &key)],
    );
    assert_eq!(account.status, 200, "{}", account.body);
    assert!(account.body.contains("class=\"timeline\"") && account.body.contains("imported from"));
    // Offboarding: refused to the auditor, done for the officer, in the history.
    let refused = console.post(
        "/cuentas/baja",
        Some(&auditor),
        &[("csrf", &auditor_csrf), ("account", &key)],
    );
    assert_eq!(refused.status, 403);
    let off = console.post(
        "/cuentas/baja",
        Some(&officer),
        &[
            ("csrf", &csrf),
            ("account", &key),
            ("note", "dejó la empresa"),
        ],
    );
    assert_eq!(off.status, 200, "{}", off.body);
    assert!(
        off.body.contains("id=\"account-status\">dada de baja<"),
        "{}",
        off.body
    );
    let history = console.ok(&["--json", "accounts", "history", &key]);
    assert!(
        history.contains("dejó la empresa") && history.contains(OFFICER),
        "{history}"
    );

    // Import: a bad row is reported by line and column, and nothing is written
    // unless the good rows are asked for.
    let example = std::fs::read_to_string(root().join("workflows/examples/accounts.csv")).unwrap();
    let header = example.lines().next().unwrap();
    let good = "anam,nuevo.usuario,Nuevo Usuario,nuevo@example.com,E-1,,Importadora Norte SA de CV,INO850101AB1,,,active,2026-03-01,,,,,,";
    let bad = "nope,otro.usuario,Otro Usuario,otro@example.com,E-2,,Importadora Norte SA de CV,INO850101AB1,,,active,2026-03-01,,,,,,";
    // As a browser sends a textarea: lines ended by CR LF.
    let csv = format!("{header}\r\n{good}\r\n{bad}\r\n");
    assert_eq!(
        console
            .post(
                "/cuentas/importar",
                Some(&auditor),
                &[("csrf", &auditor_csrf), ("csv", &csv)]
            )
            .status,
        403
    );
    let report = console.post(
        "/cuentas/importar",
        Some(&officer),
        &[("csrf", &csrf), ("file", "nuevas.csv"), ("csv", &csv)],
    );
    assert_eq!(report.status, 422, "{}", report.body);
    assert!(
        report
            .body
            .contains("class=\"problem-row\"><td>3</td><td><code>portal</code>"),
        "{}",
        report.body
    );
    assert_eq!(data_count(&report.body, "imported"), 0);
    let partial = console.post(
        "/cuentas/importar",
        Some(&officer),
        &[
            ("csrf", &csrf),
            ("file", "nuevas.csv"),
            ("csv", &csv),
            ("skip_invalid", "true"),
        ],
    );
    assert_eq!(partial.status, 200, "{}", partial.body);
    assert_eq!(data_count(&partial.body, "imported"), 1);
    assert_eq!(data_count(&partial.body, "skipped"), 1);
    assert_eq!(accounts(&console).len(), all.len() + 1);

    // Correo: the failed message, shown as text, retried by the officer only.
    let mail = console.get("/correo", Some(&officer));
    assert_eq!(mail.status, 200, "{}", mail.body);
    assert!(
        mail.body.contains("Aviso &lt;i&gt;importante"),
        "{}",
        mail.body
    );
    let message = unescape(&field(
        &mail.body[mail.body.find("/correo/ver").unwrap()..],
        "message",
    ));
    let shown = console.post(
        "/correo/ver",
        Some(&officer),
        &[("csrf", &csrf), ("message", &message)],
    );
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert!(
        shown.body.contains("&lt;img src=x onerror=alert(1)&gt;") && !shown.body.contains("<img")
    );
    assert!(
        shown.body.contains("id=\"mail-status\">fallido<"),
        "{}",
        shown.body
    );
    assert_eq!(
        console
            .post(
                "/correo/reintentar",
                Some(&auditor),
                &[("csrf", &auditor_csrf), ("message", &message)]
            )
            .status,
        403
    );
    let retried = console.post(
        "/correo/reintentar",
        Some(&officer),
        &[("csrf", &csrf), ("message", &message)],
    );
    // The server is still down: the attempt is made, fails again, and says so.
    assert_eq!(retried.status, 422, "{}", retried.body);
    assert!(retried.body.contains("failed again"), "{}", retried.body);
    let outbox: Value =
        serde_json::from_str(&console.ok(&["--json", "outbox", "show", &message])).unwrap();
    assert_eq!(outbox["attempts"], 2, "{outbox}");

    // Auditoría: the chain verifies; the export is the auditor's, not the officer's.
    let audit = console.get("/auditoria", Some(&auditor));
    assert_eq!(audit.status, 200, "{}", audit.body);
    assert!(
        audit.body.contains("data-intact=\"true\""),
        "{}",
        audit.body
    );
    let period = [("from", "2000-01-01"), ("to", "2100-01-01")];
    let by_officer = console.post(
        "/auditoria/exportar",
        Some(&officer),
        &[("csrf", &csrf), period[0], period[1]],
    );
    assert_eq!(by_officer.status, 403);
    let export = console.post(
        "/auditoria/exportar",
        Some(&auditor),
        &[("csrf", &auditor_csrf), period[0], period[1]],
    );
    assert_eq!(export.status, 200, "{}", export.body);
    assert!(export
        .header("content-disposition")
        .unwrap_or_default()
        .contains("attachment"));
    assert!(export
        .header("content-type")
        .unwrap_or_default()
        .starts_with("text/csv"));
    for (kind, actor) in [
        ("task.answered", OFFICER),
        ("outbox.retried", OFFICER),
        ("account.", OFFICER),
    ] {
        assert!(
            export
                .body
                .lines()
                .any(|l| l.contains(kind) && l.contains(actor)),
            "{kind} by {actor} in the export"
        );
    }
    let exported = console.ok(&[
        "audit",
        "export",
        "--from",
        "2000-01-01",
        "--to",
        "2100-01-01",
    ]);
    assert!(exported.contains("audit.exported") && exported.contains(AUDITOR));
    assert!(console.ok(&["audit", "verify"]).contains("intact"));

    // Forms without the session's token change nothing.
    assert_eq!(
        console
            .post("/cuentas/baja", Some(&officer), &[("account", &key)])
            .status,
        403
    );
}
