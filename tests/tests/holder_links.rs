//! Holders' signed links and personal calendar feeds with the real binary:
//! links made with `garita links new` on the example inventory, `garita
//! daemon` serving the console on a loopback port, and plain HTTP/1.1
//! requests as a mail scanner and a browser without JavaScript send them.
//!
//! - A GET (what a mail scanner does) changes nothing: the audit log, the
//!   account and its history are as before.
//! - The POST from the page records the sign-in as the holder, with the
//!   address and browser in the history; a second POST says it was used.
//! - An expired link says so and records nothing; a tampered one is 404.
//! - A used link's page mails a fresh link once, through the outbox.
//! - A task assigned to an email is answered through its link.
//! - `garita calendar url` gives a feed Python's icalendar reads; after
//!   `--revoke` it is 404.

mod support;

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use support::console::{field, Site, USER_AGENT};
use support::*;

const NOW: &str = "2026-03-10T15:00:00Z";
/// Ten days earlier: a link made then has expired by NOW (links last 7 days).
const EARLIER: &str = "2026-02-28T15:00:00Z";
const MARIA: &str = "maria.quintero@andes-sierra.example";
const ACCOUNT: &str = "ctpat:maria.quintero@andes-sierra.example";

const TASK_WORKFLOW: &str = r#"
name: holder-question
steps:
  - id: confirm
    task:
      title: "¿Recibió el certificado?"
      assignee: maria.quintero@andes-sierra.example
      body: "Revise su correo y diga si llegó el certificado."
      fields:
        type: object
        required: [received]
        properties:
          received: {type: boolean, description: "¿Llegó?"}
"#;

/// What a GET must leave alone: the audit log's size and head, the
/// account and its history.
fn state(site: &Site) -> (Value, Value, Value) {
    let audit = site.json(&["audit", "verify"]);
    let account = site
        .json(&["accounts", "list"])
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["key"] == ACCOUNT)
        .cloned()
        .expect("the account is listed");
    let history = site.json(&["accounts", "history", ACCOUNT]);
    (
        serde_json::json!({"entries": audit["entries"], "head": audit["head"]}),
        account,
        history,
    )
}

fn parse_calendar(file: &Path) -> Value {
    const PARSE: &str = r#"
import json, sys
import icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
print(json.dumps({"version": str(cal.get('version')),
                  "summaries": [str(ev.get('summary')) for ev in cal.walk('VEVENT')],
                  "descriptions": [str(ev.get('description')) for ev in cal.walk('VEVENT')]}))
"#;
    let out = Command::new(system_python())
        .arg("-c")
        .arg(PARSE)
        .arg(file)
        .output()
        .expect("python3 starts");
    assert!(
        out.status.success(),
        "Python's icalendar could not read the feed (install Debian's python3-icalendar):\n{}",
        stderr(&out)
    );
    serde_json::from_slice(&out.stdout).expect("the parser prints JSON")
}

#[test]
fn holders_links_act_only_on_post_once_and_feeds_serve_until_revoked() {
    let mut site = Site::new(NOW, true);
    let inventory = root().join("workflows/examples/accounts.csv");
    site.ok(&["accounts", "import", inventory.to_str().unwrap()]);
    write(&site.root, "question.yaml", TASK_WORKFLOW);
    site.ok(&["run", site.root.join("question.yaml").to_str().unwrap()]);
    let task = site.json(&["tasks", "list"])[0]["id"]
        .as_str()
        .expect("the task")
        .to_owned();

    let fresh = site.path_of(&site.ok(&["links", "new", "--signed-in", ACCOUNT]));
    let expired = site.path_of(&site.ok_at(EARLIER, &["links", "new", "--signed-in", ACCOUNT]));
    let answer = site.path_of(&site.ok(&["links", "new", "--task", &task]));
    let feed = site.path_of(&site.ok(&["calendar", "url", "--user", MARIA]));
    let second_feed = site.path_of(&site.ok(&["calendar", "url", "--user", MARIA]));
    assert!(fresh.starts_with("/enlace/") && feed.starts_with("/calendario/"));
    assert!(
        !fresh.contains("maria") && !fresh.contains("ctpat"),
        "the link carries no store data: {fresh}"
    );
    site.start();

    // A mail scanner fetching the link changes nothing.
    let before = state(&site);
    let page = site.get(&fresh, None);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("María Quintero"), "{}", page.body);
    assert!(page.body.contains("2026-01-28"), "the last sign-in shown");
    let form_token = field(&page.body, "form_token");
    for _ in 0..3 {
        assert_eq!(site.get(&fresh, None).status, 200);
    }
    assert_eq!(state(&site), before, "a GET changed the store");

    // A form not from the page is refused, and changes nothing.
    let forged = site.post(&fresh, None, &[("form_token", "not-the-token")]);
    assert_eq!(forged.status, 403, "{}", forged.body);
    assert_eq!(state(&site), before, "a forged POST changed the store");

    // The page's form records the sign-in as the holder, with evidence.
    let done = site.post(&fresh, None, &[("form_token", &form_token)]);
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("quedó registrado"), "{}", done.body);
    let (audit, account, history) = state(&site);
    assert_eq!(account["last_sign_in"], "2026-03-10", "{account:#}");
    let last = history["history"]
        .as_array()
        .or_else(|| history.as_array())
        .and_then(|h| h.last())
        .cloned()
        .expect("a history entry");
    assert_eq!(last["by"], MARIA, "{last:#}");
    let reason = last["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("through a link")
            && reason.contains("127.0.0.1")
            && reason.contains(USER_AGENT),
        "{reason}"
    );
    assert!(audit["entries"].as_u64() > before.0["entries"].as_u64());
    let export = site.ok(&[
        "audit",
        "export",
        "--from",
        "2020-01-01",
        "--to",
        "2100-01-01",
    ]);
    assert!(
        export.contains("link.used") && export.contains(MARIA),
        "the audit log has the link's use, by the holder: {export}"
    );

    // Used: says so, records nothing more.
    let after = state(&site);
    let again = site.post(&fresh, None, &[("form_token", &form_token)]);
    assert_eq!(again.status, 409, "{}", again.body);
    assert!(again.body.contains("ya se usó"), "{}", again.body);
    assert_eq!(state(&site), after, "a second POST changed the store");

    // Expired: says so, records nothing.
    let old = site.get(&expired, None);
    assert_eq!(old.status, 200);
    assert!(old.body.contains("venció"), "{}", old.body);
    let late = site.post(
        &expired,
        None,
        &[("form_token", &field(&old.body, "form_token"))],
    );
    assert_eq!(late.status, 409, "{}", late.body);
    assert!(late.body.contains("venció"), "{}", late.body);
    assert_eq!(state(&site), after, "an expired link changed the store");

    // Tampered: refused, as an unknown link.
    let mut tampered = fresh.clone().into_bytes();
    let at = tampered.len() - 5;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    assert_eq!(site.get(&tampered, None).status, 404);
    assert_eq!(
        site.post(&tampered, None, &[("form_token", &form_token)])
            .status,
        404
    );
    assert_eq!(state(&site), after, "a tampered link changed the store");

    // A used link's page mails a fresh link, once however often it is asked.
    for _ in 0..2 {
        let renewed = site.post(
            &format!("{fresh}/nuevo"),
            None,
            &[("form_token", &form_token)],
        );
        assert_eq!(renewed.status, 200, "{}", renewed.body);
        assert!(renewed.body.contains("enlace nuevo"), "{}", renewed.body);
    }
    let outbox = site.json(&["outbox", "list"]);
    let renewals: Vec<&Value> = outbox
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["input"]["subject"] == "Garita: su enlace nuevo")
        .collect();
    assert_eq!(renewals.len(), 1, "{outbox:#}");
    let body = renewals[0]["input"]["body"].as_str().unwrap_or_default();
    assert!(
        body.contains(&format!("http://{}/enlace/", site.address)),
        "{body}"
    );

    // A task assigned to the holder, answered through its link.
    let question = site.get(&answer, None);
    assert_eq!(question.status, 200, "{}", question.body);
    assert!(
        question.body.contains("¿Recibió el certificado?"),
        "{}",
        question.body
    );
    assert!(
        question.body.contains("name=\"field.received\""),
        "{}",
        question.body
    );
    let token = field(&question.body, "form_token");
    let incomplete = site.post(&answer, None, &[("form_token", &token)]);
    assert_eq!(
        incomplete.status, 422,
        "a required field missing: {}",
        incomplete.body
    );
    let answered = site.post(
        &answer,
        None,
        &[("form_token", &token), ("field.received", "true")],
    );
    assert_eq!(answered.status, 200, "{}", answered.body);
    let shown = site.json(&["tasks", "show", &task]);
    assert_eq!(shown["status"], "completed", "{shown:#}");
    assert_eq!(shown["answer"]["by"], MARIA);
    assert_eq!(shown["answer"]["fields"]["received"], true);

    // The personal feed: no sign-in, an independent parser reads it.
    let ics = site.get(&feed, None);
    assert_eq!(ics.status, 200, "{}", ics.body);
    let file = write(&site.root, "feed.ics", &ics.body);
    let parsed = parse_calendar(&file);
    assert_eq!(parsed["version"], "2.0");
    let descriptions = parsed["descriptions"].to_string();
    assert!(
        descriptions.contains("maria.quintero") || descriptions.contains("María"),
        "María's deadlines: {parsed:#}"
    );
    assert!(
        !descriptions.contains("jordan.blake"),
        "only her deadlines: {parsed:#}"
    );
    let revoked = site.ok(&["calendar", "url", "--user", MARIA, "--revoke"]);
    assert!(revoked.contains("revoked 2"), "{revoked}");
    assert_eq!(site.get(&feed, None).status, 404);
    assert_eq!(site.get(&second_feed, None).status, 404);
    assert_eq!(site.get("/calendario/nothing.ics", None).status, 404);
}
