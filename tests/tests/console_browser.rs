//! The console's flows in a real browser: Debian's `chromium`, headless,
//! driven over the DevTools protocol by tests/browser/console_flows.py,
//! against the real `garita daemon` serving `[web]`, with mail going to a
//! real SMTP server on loopback (aiosmtpd, tests/tests/email/sink.rs).
//!
//! The store holds the example inventory, two tasks waiting for the
//! officer and the CTPAT inactivity watch's reminder to Luisa Méndez (at
//! risk, day 43), whose "I signed in today" link is taken from the mail the
//! sink caught. The browser signs in through the form, checks the inbox
//! count, answers a task, finds Luisa through Cuentas' filters, signs out,
//! opens her link (a GET), presses its button (the POST), sees the used and
//! expired pages, and downloads her calendar feed, which Python's
//! `icalendar` reads. At its checkpoints this side looks at the store
//! through the binary: the answer is the officer's and the run went on; the
//! GET changed nothing; the POST recorded the sign-in as Luisa's with the
//! browser's User-Agent as evidence.
//!
//! Needs chromium and python3-websocket (and python3-icalendar, aiosmtpd),
//! which .ci/run installs; without them this test fails, it never skips.
//! The screenshots of every page it visits are kept in
//! target/console-browser/ (the path is printed).

mod support;

// Shared with email.rs, which uses all of it; this test does not.
#[allow(dead_code)]
#[path = "email/sink.rs"]
mod sink;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::console::Site;
use support::*;

/// 10:00 in New York on 2026-03-10: Luisa Méndez's CTPAT user (last sign-in
/// 2026-01-26) is on day 43, the watch's last reminder.
const NOW: &str = "2026-03-10T15:00:00Z";
const TODAY: &str = "2026-03-10";
/// Ten days earlier: a link made then has expired (links last 7 days).
const EARLIER: &str = "2026-02-28T15:00:00Z";
const OFFICER: &str = "oficial@example.com";
const PASSWORD: &str = "una frase bastante larga";
const LUISA: &str = "luisa.mendez@gulfcoast-produce.example";
const LUISA_ACCOUNT: &str = "ctpat:luisa.mendez@gulfcoast-produce.example";
/// The whole browser run may take this long before it is stopped.
const DRIVER_LIMIT: Duration = Duration::from_secs(240);

/// A review for the officer; once answered, the run goes on and mails who
/// answered, so the sink shows that the run continued with that identity.
const REVIEW: &str = r#"
name: browser-review
inputs:
  subject: {type: string}
steps:
  - id: review
    task:
      title: "Revisar ${{ inputs.subject }}"
      assignee: oficial@example.com
      body: "Revise la solicitud y responda."
      due: 3d
      fields:
        type: object
        required: [approved]
        properties:
          approved: {type: boolean, description: "¿Se aprueba?"}
          copies: {type: integer, description: Copias}
  - id: notify
    uses: email.send
    with:
      from: "Garita <robot@garita.test>"
      to: "jefatura@example.com"
      subject: "Revisión de ${{ inputs.subject }}"
      body: "Respondió ${{ steps.review.outputs.by }}: aprobado=${{ steps.review.outputs.fields.approved }}, copias=${{ steps.review.outputs.fields.copies }}."
"#;

/// What must be installed; a missing piece fails the test with what to do.
fn require_browser_tools() {
    let chromium = Command::new("chromium")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    assert!(
        chromium.is_ok_and(|s| s.success()),
        "`chromium` is not installed: the console's browser test needs Debian's chromium \
         (`apt-get install chromium python3-websocket python3-icalendar`; .ci/run installs them)"
    );
    let modules = Command::new(system_python())
        .args(["-c", "import websocket, icalendar"])
        .output()
        .expect("python3 starts");
    assert!(
        modules.status.success(),
        "{} lacks a module the browser driver needs (`apt-get install python3-websocket \
         python3-icalendar`; .ci/run installs them): {}",
        system_python().display(),
        stderr(&modules)
    );
}

/// Where the screenshots are kept, emptied first.
fn screenshot_dir() -> PathBuf {
    let dir = target_dir().join("console-browser");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the screenshot directory");
    dir
}

/// The account's inventory record, its history and the audit log's length
/// and head: all a GET of a link must leave alone.
fn luisa_state(site: &Site) -> Value {
    let account = site
        .json(&["accounts", "list"])
        .as_array()
        .expect("a list")
        .iter()
        .find(|a| a["key"] == LUISA_ACCOUNT)
        .cloned()
        .expect("Luisa's account is listed");
    let history = site.json(&["accounts", "history", LUISA_ACCOUNT]);
    let audit = site.json(&["audit", "verify"]);
    json!({"account": account, "history": history,
           "audit": {"entries": audit["entries"], "head": audit["head"]}})
}

/// The decoded text of every part of a message.
fn text_of(raw: &[u8]) -> String {
    let mail = mailparse::parse_mail(raw).expect("the message parses");
    let mut text = mail.get_body().unwrap_or_default();
    for part in &mail.subparts {
        text.push('\n');
        text.push_str(&part.get_body().unwrap_or_default());
    }
    text
}

/// The first `PREFIX…` URL in a message.
fn link_in(raw: &[u8], prefix: &str) -> Option<String> {
    let text = text_of(raw);
    let at = text.find(prefix)?;
    let url: String = text[at..]
        .chars()
        .take_while(|c| !c.is_whitespace() && !"<>\")".contains(*c))
        .collect();
    Some(url.trim_end_matches(['.', ',']).to_owned())
}

/// The messages the sink caught for `to`, waiting up to 30 s for `at_least`.
fn mail_to(sink: &sink::Sink, to: &str, at_least: usize) -> Vec<sink::Received> {
    let started = Instant::now();
    loop {
        let found: Vec<sink::Received> = sink
            .received()
            .into_iter()
            .filter(|m| m.envelope["rcpt_tos"].to_string().contains(to))
            .collect();
        if found.len() >= at_least || started.elapsed() > Duration::from_secs(30) {
            return found;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The browser driver: stdin kept for checkpoints; stopped when dropped
/// (end of input first, which the driver answers by closing Chromium).
struct Driver {
    child: Child,
    stdin: Option<ChildStdin>,
    done: Arc<AtomicBool>,
}

impl Driver {
    fn start(spec: &Path) -> (Self, BufReader<std::process::ChildStdout>) {
        let mut child = Command::new(system_python())
            .arg(root().join("tests/browser/console_flows.py"))
            .arg(spec)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 starts the driver");
        let stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        let stdin = child.stdin.take();
        // A watchdog: a driver that hangs is stopped (SIGTERM, on which it
        // closes Chromium), so the test fails instead of waiting forever.
        let done = Arc::new(AtomicBool::new(false));
        let (flag, pid) = (done.clone(), child.id());
        std::thread::spawn(move || {
            let started = Instant::now();
            while !flag.load(Ordering::SeqCst) {
                if started.elapsed() > DRIVER_LIMIT {
                    let _ = Command::new("kill")
                        .args(["-TERM", &pid.to_string()])
                        .status();
                    return;
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        });
        (Self { child, stdin, done }, stdout)
    }

    fn go_on(&mut self) {
        let stdin = self.stdin.as_mut().expect("the driver's stdin is open");
        stdin
            .write_all(b"ok\n")
            .expect("the driver reads its stdin");
        stdin.flush().expect("flushed");
    }

    /// Ends the driver (if it has not ended) and returns its exit code and
    /// standard error.
    fn finish(&mut self) -> (Option<i32>, String) {
        drop(self.stdin.take());
        let started = Instant::now();
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break status,
                _ if started.elapsed() > Duration::from_secs(15) => {
                    let _ = Command::new("kill")
                        .args(["-TERM", &self.child.id().to_string()])
                        .status();
                    std::thread::sleep(Duration::from_secs(5));
                    let _ = self.child.kill();
                    break self.child.wait().expect("the driver ends");
                }
                _ => std::thread::sleep(Duration::from_millis(50)),
            }
        };
        self.done.store(true, Ordering::SeqCst);
        let mut err = String::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            let _ = pipe.read_to_string(&mut err);
        }
        (status.code(), err)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.finish();
        }
        self.done.store(true, Ordering::SeqCst);
    }
}

#[test]
fn an_officer_and_a_holder_go_through_the_console_in_chromium() {
    require_browser_tools();
    let started = Instant::now();
    let sink = sink::Sink::start().unwrap_or_else(|| {
        panic!("the console's browser test needs the SMTP sink (python3 with aiosmtpd)")
    });
    let mut site = Site::new(NOW, true);
    site.configure(true, &sink.config_toml());
    site.import_example();
    let review = write(&site.root, "review.yaml", REVIEW);
    for subject in ["el permiso de Miami", "la baja de Tom Okafor"] {
        site.ok(&[
            "run",
            review.to_str().expect("UTF-8"),
            "--input",
            &format!("subject={subject}"),
        ]);
    }
    // The watch mails Luisa (day 43) her reminder with an "I signed in" link.
    let watch = root().join("workflows/ctpat-inactivity-watch.yaml");
    site.ok(&["run", watch.to_str().expect("UTF-8")]);
    println!(
        "{:.1} s: the store is set up",
        started.elapsed().as_secs_f64()
    );
    assert_success(&site.add_user(OFFICER, "officer", PASSWORD), "users add");
    let expired =
        site.path_of(&site.ok_at(EARLIER, &["links", "new", "--signed-in", LUISA_ACCOUNT]));
    let feed = site.path_of(&site.ok(&["calendar", "url", "--user", LUISA]));

    // What the browser must find, read from the store.
    let tasks = site.json(&["tasks", "list"]);
    let tasks = tasks.as_array().expect("a list");
    let waiting = tasks
        .iter()
        .filter(|t| t["assignee"] == OFFICER && t["status"] == "open")
        .count();
    assert_eq!(waiting, 2, "the two reviews wait: {tasks:#?}");
    let answered = tasks
        .iter()
        .find(|t| t["title"] == "Revisar el permiso de Miami")
        .expect("the review to answer")
        .clone();
    let luisa = luisa_state(&site);
    assert_eq!(luisa["account"]["status"], "at_risk", "{luisa:#}");
    site.start();
    println!(
        "{:.1} s: the daemon serves",
        started.elapsed().as_secs_f64()
    );

    let reminders = mail_to(&sink, LUISA, 1);
    assert_eq!(reminders.len(), 1, "Luisa's reminder reached the sink");
    let link =
        link_in(&reminders[0].raw, &format!("{}/enlace/", site.base())).unwrap_or_else(|| {
            panic!(
                "no link in Luisa's reminder:\n{}",
                String::from_utf8_lossy(&reminders[0].raw)
            )
        });
    println!(
        "{:.1} s: Luisa's link, from her email: {link}",
        started.elapsed().as_secs_f64()
    );

    // Her feed after the link's sign-in: one CTPAT event, on the new last
    // good day (the sign-in + 45 days, docs/calendar.md).
    let today = chrono::NaiveDate::parse_from_str(TODAY, "%Y-%m-%d").expect("a date");
    let last_good_day = (today + chrono::Days::new(45)).to_string();
    let shots = screenshot_dir();
    let spec = json!({
        "base": site.base(),
        "email": OFFICER,
        "password": PASSWORD,
        "shots": shots,
        "waiting": waiting,
        "task_title": answered["title"],
        "answer": {"approved": true, "copies": 3},
        "at_risk": {"key": LUISA_ACCOUNT, "portal": "ctpat"},
        "link": site.path_of(&link),
        "holder_name": "Luisa Méndez",
        "expired_link": expired,
        "feed": feed,
        "events": [{"uid_prefix": "ctpat-deactivation-", "summary_contains": "luisa.mendez@",
                    "dtstart": last_good_day}],
    });
    let spec_file = write(&site.root, "spec.json", &spec.to_string());
    println!("screenshots: {}", shots.display());

    let (mut driver, stdout) = Driver::start(&spec_file);
    let mut checkpoints = Vec::new();
    let mut passed = false;
    let mut before_link = None;
    for line in stdout.lines() {
        let line = line.expect("the driver's output is UTF-8");
        println!("{:.1} s: driver: {line}", started.elapsed().as_secs_f64());
        passed |= line.starts_with("FLOWS PASSED");
        let Some(name) = line.strip_prefix("CHECKPOINT ") else {
            continue;
        };
        checkpoints.push(name.to_owned());
        match name {
            "task-answered" => {
                let task_id = answered["id"].as_str().expect("an id");
                let shown = site.json(&["tasks", "show", task_id]);
                assert_eq!(shown["status"], "completed", "{shown:#}");
                assert_eq!(shown["answer"]["by"], OFFICER, "{shown:#}");
                assert_eq!(shown["answer"]["fields"]["approved"], true, "{shown:#}");
                assert_eq!(shown["answer"]["fields"]["copies"], 3, "{shown:#}");
                // The run went on: its next step mailed who answered.
                let mails = mail_to(&sink, "jefatura@example.com", 1);
                assert_eq!(mails.len(), 1, "the run's next step sent its message");
                let body = text_of(&mails[0].raw);
                assert!(
                    body.contains(&format!("Respondió {OFFICER}: aprobado=True, copias=3")),
                    "{body}"
                );
                let run_id = shown["run_id"].as_str().expect("a run id");
                let runs = site.json(&["runs", "list"]);
                let run = runs
                    .as_array()
                    .expect("a list")
                    .iter()
                    .find(|r| r["id"] == run_id)
                    .cloned()
                    .unwrap_or_else(|| panic!("run {run_id} in {runs:#}"));
                assert_eq!(run["status"], "succeeded", "{run:#}");
                // The other review still waits.
                let open = site.json(&["tasks", "list"]);
                assert_eq!(open.as_array().map(Vec::len), Some(1), "{open:#}");
            }
            "before-link" => before_link = Some(luisa_state(&site)),
            "link-opened" => {
                let before = before_link.as_ref().expect("before-link came first");
                assert_eq!(
                    &luisa_state(&site),
                    before,
                    "opening the link (a GET) changed the store"
                );
                assert_eq!(before["account"]["last_sign_in"], "2026-01-26");
            }
            "link-used" => {
                let now = luisa_state(&site);
                assert_eq!(now["account"]["last_sign_in"], TODAY, "{now:#}");
                let history = &now["history"];
                let last = history["history"]
                    .as_array()
                    .or_else(|| history.as_array())
                    .and_then(|h| h.last())
                    .cloned()
                    .expect("a history entry");
                assert_eq!(last["by"], LUISA, "{last:#}");
                let reason = last["reason"].as_str().unwrap_or_default();
                assert!(
                    reason.contains("through a link")
                        && reason.contains("127.0.0.1")
                        && reason.contains("HeadlessChrome"),
                    "the evidence names the address and the browser: {reason}"
                );
            }
            other => panic!("unknown checkpoint {other}"),
        }
        driver.go_on();
    }
    let (code, err) = driver.finish();
    assert!(
        code == Some(0) && passed,
        "the browser flows failed (exit {code:?}):\n{err}"
    );
    assert_eq!(
        checkpoints,
        ["task-answered", "before-link", "link-opened", "link-used"],
        "every checkpoint was reached, in order"
    );

    // Asking for a new link from the used page mailed Luisa a fresh one.
    let to_luisa = mail_to(&sink, LUISA, 2);
    assert_eq!(to_luisa.len(), 2, "the reminder and the new link");
    let renewed = link_in(&to_luisa[1].raw, &format!("{}/enlace/", site.base()))
        .expect("a link in the renewal");
    assert_ne!(renewed, link);

    // Every page visited has its picture, and each is a real PNG.
    let pictures: BTreeSet<String> = std::fs::read_dir(&shots)
        .expect("the screenshots")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    for page in [
        "login",
        "inicio",
        "tareas",
        "tarea",
        "tarea-respondida",
        "cuentas-en-riesgo",
        "cuenta",
        "enlace",
        "enlace-listo",
        "enlace-usado",
        "enlace-nuevo",
        "enlace-vencido",
    ] {
        let name = pictures
            .iter()
            .find(|n| n.ends_with(&format!("-{page}.png")))
            .unwrap_or_else(|| panic!("no screenshot of {page} in {pictures:?}"));
        let bytes = std::fs::read(shots.join(name)).expect("the picture");
        assert!(
            bytes.starts_with(b"\x89PNG") && bytes.len() > 5_000,
            "{name} is a picture"
        );
    }
    println!(
        "{} screenshots in {}; the whole test took {:.1} s",
        pictures.len(),
        shots.display(),
        started.elapsed().as_secs_f64()
    );
}
