//! `garita calendar export` with the real binary on the example inventory
//! (workflows/examples/accounts.csv), its output read by an independent
//! iCalendar parser: Python's `icalendar` (Debian's python3-icalendar,
//! which .ci/run installs). The events, their dates, UIDs that stay across
//! exports, a SEQUENCE that rises after a sign-in, alarms, the filters, and
//! the same file through a running daemon.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::*;

/// The business clock of every command here: 5 March 2026, 10:00 in New York.
const NOW: &str = "2026-03-05T15:00:00Z";

/// A task due three days after it is asked.
const ASK: &str = r#"
name: confirm-site
steps:
  - id: confirm
    task:
      title: "Confirmar el sitio de Miami"
      assignee: maria.quintero@andes-sierra.example
      due: 3d
      fields:
        type: object
        properties:
          ok: {type: boolean}
"#;

/// Reads an iCalendar file with Python's `icalendar` and prints, per
/// VEVENT, what the test checks, as JSON. Dates are ISO text; alarm
/// triggers are seconds relative to their RELATED edge.
const PARSE: &str = r#"
import json, sys
import icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
out = {"version": str(cal.get('version')), "events": []}
for ev in cal.walk('VEVENT'):
    alarms = []
    for al in ev.walk('VALARM'):
        trig = al['trigger']
        alarms.append({
            "action": str(al.get('action')),
            "seconds": int(al.decoded('trigger').total_seconds()),
            "related": trig.params.get('RELATED', 'START'),
        })
    end = ev.get('dtend')
    out["events"].append({
        "uid": str(ev.get('uid')),
        "sequence": int(ev.get('sequence')),
        "dtstamp": ev.decoded('dtstamp').isoformat(),
        "dtstart": ev.decoded('dtstart').isoformat(),
        "dtend": ev.decoded('dtend').isoformat() if end is not None else None,
        "summary": str(ev.get('summary')),
        "description": str(ev.get('description')),
        "alarms": alarms,
    })
print(json.dumps(out))
"#;

/// The file's events, by UID, as the independent parser read them.
fn parse(file: &Path) -> BTreeMap<String, Value> {
    let out = Command::new(system_python())
        .arg("-c")
        .arg(PARSE)
        .arg(file)
        .output()
        .expect("python3 starts");
    assert!(
        out.status.success(),
        "Python's icalendar could not read {} (install Debian's python3-icalendar; .ci/run does):\n{}",
        file.display(),
        stderr(&out)
    );
    let parsed: Value = serde_json::from_slice(&out.stdout).expect("the parser prints JSON");
    assert_eq!(parsed["version"], "2.0");
    let mut events = BTreeMap::new();
    for event in parsed["events"].as_array().expect("events") {
        let uid = event["uid"].as_str().expect("uid").to_owned();
        assert!(
            events.insert(uid.clone(), event.clone()).is_none(),
            "UID {uid} twice"
        );
    }
    events
}

struct Setup {
    _dir: tempfile::TempDir,
    root: PathBuf,
    store: PathBuf,
}

impl Setup {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        // No configuration from the working directory: the defaults.
        write(&root, "garita.toml", "");
        Self {
            store: root.join("store"),
            root,
            _dir: dir,
        }
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = run(garita(&self.store)
            .arg("--config")
            .arg(self.root.join("garita.toml"))
            .args(["--now", NOW])
            .args(args));
        assert!(
            out.status.success(),
            "garita {args:?} failed ({}):\n{}\n{}",
            out.status,
            stdout(&out),
            stderr(&out)
        );
        stdout(&out)
    }

    /// `calendar export ARGS` into a file; its path.
    fn export(&self, name: &str, args: &[&str]) -> PathBuf {
        let file = self.root.join(name);
        let mut all = vec!["calendar", "export", "--output", file.to_str().unwrap()];
        all.extend_from_slice(args);
        self.ok(&all);
        file
    }
}

/// The one event whose UID starts with `kind` and whose summary names `who`.
fn event<'a>(events: &'a BTreeMap<String, Value>, kind: &str, who: &str) -> &'a Value {
    let found: Vec<&Value> = events
        .iter()
        .filter(|(uid, e)| {
            uid.starts_with(kind) && e["summary"].as_str().is_some_and(|s| s.contains(who))
        })
        .map(|(_, e)| e)
        .collect();
    assert_eq!(found.len(), 1, "{kind} events of {who}: {found:#?}");
    found[0]
}

#[test]
fn the_example_inventory_exports_as_a_calendar_another_parser_reads() {
    let setup = Setup::new();
    let inventory = root().join("workflows/examples/accounts.csv");
    setup.ok(&[
        "accounts",
        "import",
        inventory.to_str().unwrap(),
        "--by",
        "test",
    ]);
    let ask = write(&setup.root, "confirm.yaml", ASK);
    setup.ok(&["run", ask.to_str().unwrap()]);

    let first = setup.export("first.ics", &[]);
    let text = std::fs::read(&first).unwrap();
    let text = String::from_utf8(text).expect("UTF-8");
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{text}");
    assert!(
        !text.replace("\r\n", "").contains('\n'),
        "every line ends in CRLF"
    );
    assert!(
        text.split("\r\n").all(|l| l.len() <= 75),
        "folded at 75 octets"
    );
    // Printed on stdout, the same file.
    assert_eq!(setup.ok(&["calendar", "export"]), text);

    let events = parse(&first);
    // Five CTPAT users that can still be deactivated (one is deactivated,
    // one offboarded), five Ecuapass users for January 2027 (one disabled,
    // one offboarded), one open task.
    let count = |prefix: &str| events.keys().filter(|u| u.starts_with(prefix)).count();
    assert_eq!(count("ctpat-deactivation-"), 5, "{:#?}", events.keys());
    assert_eq!(
        count("ecuapass-annual-update-2027-"),
        5,
        "{:#?}",
        events.keys()
    );
    assert_eq!(count("task-due-"), 1, "{:#?}", events.keys());
    // The signing certificates of two Ecuapass and two ANAM holders, and
    // the password changes of María, Rosa's Ecuapass user and an ANAM user.
    assert_eq!(count("certificate-expiry-"), 4, "{:#?}", events.keys());
    assert_eq!(count("password-change-"), 3, "{:#?}", events.keys());
    assert_eq!(events.len(), 18);
    for (uid, e) in &events {
        assert!(uid.ends_with("@garita"), "{uid}");
        assert!(
            !uid.contains("andes-sierra"),
            "the UID shows the account: {uid}"
        );
        assert_eq!(e["dtstamp"], "2026-03-05T15:00:00+00:00", "{uid}");
        let alarms = e["alarms"].as_array().unwrap();
        assert!(!alarms.is_empty(), "no alarm on {uid}");
        for alarm in alarms {
            assert_eq!(alarm["action"], "DISPLAY", "{uid}");
            assert!(alarm["seconds"].as_i64().unwrap() < 0, "{uid}: {alarm}");
        }
    }

    // María signed in on 28 January: the last good day is 14 March (CBP
    // deactivates from the 15th), an all-day event, 7 days' warning at 09:00.
    let maria = event(&events, "ctpat-deactivation-", "maria.quintero@");
    assert_eq!(maria["dtstart"], "2026-03-14");
    assert_eq!(maria["dtend"], "2026-03-15");
    assert_eq!(maria["alarms"][0]["seconds"], -(6 * 86_400 + 15 * 3_600));
    let description = maria["description"].as_str().unwrap();
    assert!(description.contains("15 de marzo de 2026"), "{description}");
    assert!(
        !description.contains("garita "),
        "CLI syntax: {description}"
    );
    // Luisa (at risk) signed in on 26 January: 12 March.
    let luisa = event(&events, "ctpat-deactivation-", "luisa.mendez@");
    assert_eq!(luisa["dtstart"], "2026-03-12");
    // Rosa's Ecuapass user: the whole of January 2027.
    let rosa = event(&events, "ecuapass-annual-update-2027-", "RZAMBRANO1");
    assert_eq!(rosa["dtstart"], "2027-01-01");
    assert_eq!(rosa["dtend"], "2027-02-01");
    assert_eq!(rosa["alarms"][0]["related"], "END");
    // The task, due three days after it was asked, at that instant (UTC).
    let task = events
        .iter()
        .find(|(uid, _)| uid.starts_with("task-due-"))
        .map(|(_, e)| e)
        .unwrap();
    assert_eq!(task["dtstart"], "2026-03-08T15:00:00+00:00");
    assert_eq!(task["sequence"], 0);
    assert_eq!(task["alarms"].as_array().unwrap().len(), 2);

    // A second export of the same state: the same UIDs and sequences.
    let again = parse(&setup.export("again.ics", &[]));
    assert_eq!(again, events);

    // María signs in today: her event keeps its UID, moves to 19 April and
    // says so with a higher SEQUENCE; nothing else changes.
    setup.ok(&[
        "accounts",
        "touch",
        "ctpat:maria.quintero@andes-sierra.example",
        "--by",
        "test",
    ]);
    let after = parse(&setup.export("after.ics", &[]));
    assert_eq!(
        after.keys().collect::<BTreeSet<_>>(),
        events.keys().collect::<BTreeSet<_>>()
    );
    let moved = event(&after, "ctpat-deactivation-", "maria.quintero@");
    assert_eq!(moved["uid"], maria["uid"]);
    assert_eq!(moved["dtstart"], "2026-04-19");
    assert!(
        moved["sequence"].as_i64() > maria["sequence"].as_i64(),
        "SEQUENCE {} then {}",
        maria["sequence"],
        moved["sequence"]
    );
    // Her password event belongs to the same account, so its SEQUENCE rises
    // with it; its date does not move.
    let maria_password = event(&events, "password-change-", "maria.quintero@");
    let password_after = event(&after, "password-change-", "maria.quintero@");
    assert_eq!(password_after["dtstart"], maria_password["dtstart"]);
    for (uid, e) in &after {
        if *uid != maria["uid"] && *uid != maria_password["uid"] {
            assert_eq!(e, &events[uid], "{uid} changed");
        }
    }

    // Filters: a portal, a company by tax id; tasks belong to neither.
    let ecuapass = parse(&setup.export("ecuapass.ics", &["--portal", "ecuapass"]));
    assert_eq!(ecuapass.len(), 8, "{:#?}", ecuapass.keys());
    assert_eq!(
        ecuapass
            .keys()
            .filter(|u| u.starts_with("ecuapass-"))
            .count(),
        5
    );
    let andes = parse(&setup.export("andes.ics", &["--company", "84-3190275"]));
    assert_eq!(andes.len(), 3, "{:#?}", andes.keys());
    assert!(andes
        .values()
        .all(|e| e["summary"].as_str().unwrap().contains("Andes & Sierra")));

    // One person's deadlines: María's account and the task assigned to her.
    let maria_only = parse(&setup.export(
        "maria.ics",
        &["--holder", "maria.quintero@andes-sierra.example"],
    ));
    let kinds: BTreeSet<&str> = maria_only
        .keys()
        .map(|u| u.split('-').next().unwrap())
        .collect();
    assert_eq!(maria_only.len(), 3, "{:#?}", maria_only.keys());
    assert_eq!(kinds, BTreeSet::from(["ctpat", "password", "task"]));

    // English on request, and the alarm's lead.
    let english = parse(&setup.export("en.ics", &["--locale", "en", "--alarm-days", "3"]));
    let maria_en = event(&english, "ctpat-deactivation-", "maria.quintero@");
    assert!(maria_en["summary"]
        .as_str()
        .unwrap()
        .contains("last day to sign in"));
    assert_eq!(maria_en["alarms"][0]["seconds"], -(2 * 86_400 + 15 * 3_600));

    // CBP reactivates Tom today: he must sign in before New York's midnight
    // (EST on 5 March: 05:00 UTC), and his event says so until he does.
    setup.ok(&[
        "accounts",
        "add",
        "--portal",
        "ctpat",
        "--account",
        "tom.okafor@gulfcoast-produce.example",
        "--status",
        "active",
        "--by",
        "test",
    ]);
    let reactivated = setup.export("reactivated.ics", &[]);
    let events = parse(&reactivated);
    assert_eq!(events.len(), 19);
    let tom = event(&events, "ctpat-relogin-", "tom.okafor@");
    assert_eq!(tom["dtstart"], "2026-03-06T05:00:00+00:00");
    assert_eq!(tom["dtend"], Value::Null);
    let relogin_alarms: Vec<i64> = tom["alarms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["seconds"].as_i64().unwrap())
        .collect();
    assert_eq!(relogin_alarms, [-7 * 86_400, -2 * 3_600]);

    // The data behind the file, as --json and the control API answer it,
    // is what the OpenAPI description says.
    let answer: Value = serde_json::from_str(&setup.ok(&["--json", "calendar", "export"])).unwrap();
    let openapi: Value = serde_json::from_str(&setup.ok(&["schema", "api"])).unwrap();
    let mut schema = openapi["paths"]["/v1/calendar/deadlines"]["get"]["responses"]["200"]
        ["content"]["application/json"]["schema"]
        .clone();
    schema["components"] = openapi["components"].clone();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&answer)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}\n{answer}");
    let kinds: BTreeSet<&str> = answer["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        BTreeSet::from([
            "certificate_expiry",
            "ctpat_deactivation",
            "ctpat_relogin",
            "ecuapass_annual_update",
            "password_change",
            "task_due"
        ])
    );

    // Through a running daemon (it holds the store, so only its API can
    // answer): the very same file.
    let direct = std::fs::read(&reactivated).unwrap();
    let daemon = Daemon::start(&setup);
    let through = setup.export("through.ics", &[]);
    assert_eq!(std::fs::read(&through).unwrap(), direct);
    daemon.stop();
}

/// A running `garita daemon` on the setup's store, with the same pinned
/// clock; killed if the test fails before [`Daemon::stop`].
struct Daemon {
    child: Child,
    log: PathBuf,
}

impl Daemon {
    fn start(setup: &Setup) -> Self {
        let workflows = setup.root.join("workflows");
        std::fs::create_dir_all(&workflows).unwrap();
        let log = setup.root.join("daemon.log");
        let child = garita(&setup.store)
            .arg("--config")
            .arg(setup.root.join("garita.toml"))
            .args(["--now", NOW, "daemon", "--workflows"])
            .arg(&workflows)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut daemon = Self { child, log };
        let started = Instant::now();
        while !daemon.log_text().contains("control API listening") {
            if let Ok(Some(status)) = daemon.child.try_wait() {
                panic!("garita daemon ended ({status}):\n{}", daemon.log_text());
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the daemon did not start:\n{}",
                daemon.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        daemon
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn stop(mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let status = self.child.wait().unwrap();
        assert!(
            status.success(),
            "daemon exit {status}:\n{}",
            self.log_text()
        );
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
