//! Helpers shared by the end-to-end tests of the shipped workflows
//! (`workflows_*.rs`): the binary under a pinned clock, the inventory, the
//! file outbox, runs, tasks and `garita simulate` reports.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::{DateTime, SecondsFormat, Utc};
use mailparse::MailHeaderMap;
use serde_json::Value;

use super::{garita, root, run, stderr, stdout, write};

/// `garita --store STORE --now NOW`.
pub fn at(store: &Path, now: &str) -> Command {
    let mut cmd = garita(store);
    cmd.args(["--now", now]);
    cmd
}

/// `garita --store STORE --config CONFIG --now NOW`.
pub fn atc(store: &Path, config: &Path, now: &str) -> Command {
    let mut cmd = at(store, now);
    cmd.arg("--config").arg(config);
    cmd
}

/// Runs `cmd` and insists it succeeds, showing its output otherwise.
pub fn ok(cmd: &mut Command) -> Output {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "garita failed ({:?})\nstdout: {}\nstderr: {}",
        out.status.code(),
        stdout(&out),
        stderr(&out)
    );
    out
}

/// Runs `cmd --json` and parses what it prints.
pub fn json_out(cmd: &mut Command) -> Value {
    let out = ok(cmd.arg("--json"));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(&out)))
}

/// Imports `csv` into the inventory of `store` at `now`.
pub fn import(store: &Path, dir: &Path, csv: &str, now: &str) {
    let file = write(dir, "inventory.csv", csv);
    ok(at(store, now).args(["accounts", "import"]).arg(&file));
}

/// `garita accounts list --json` with `args`.
pub fn accounts(store: &Path, args: &[&str]) -> Vec<Value> {
    let list = json_out(garita(store).args(["accounts", "list"]).args(args));
    list.as_array().expect("a list of accounts").clone()
}

/// The status of one account, as `garita accounts list --json` shows it.
pub fn status_of(store: &Path, key: &str) -> String {
    let all = accounts(store, &[]);
    let account = all
        .iter()
        .find(|a| a["key"] == key)
        .unwrap_or_else(|| panic!("no account {key} in {all:#?}"));
    text(&account["status"])
}

/// `garita accounts history KEY --json`: every entry, oldest first.
pub fn history(store: &Path, key: &str) -> Vec<Value> {
    let out = json_out(garita(store).args(["accounts", "history", key]));
    match out {
        Value::Array(entries) => entries,
        other => other["history"]
            .as_array()
            .unwrap_or_else(|| panic!("no history in {other:#}"))
            .clone(),
    }
}

/// The history entries of `key` as (at, by, reason, status change "old -> new").
pub fn history_rows(store: &Path, key: &str) -> Vec<(String, String, String, String)> {
    history(store, key)
        .iter()
        .map(|e| {
            let status = e["changes"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|c| c["field"] == "status")
                .map(|c| format!("{} -> {}", text(&c["old"]), text(&c["new"])))
                .unwrap_or_default();
            (text(&e["at"]), text(&e["by"]), text(&e["reason"]), status)
        })
        .collect()
}

/// One message of `<store>/outbox`, decoded.
#[derive(Debug, Clone)]
pub struct Mail {
    pub date: String,
    pub to: String,
    pub cc: String,
    pub subject: String,
    /// The text/plain part (the whole body of a single-part message).
    pub body: String,
    /// The text/html part, when the message has one.
    pub html: Option<String>,
}

/// The decoded text of the first part of type `mimetype`, depth first.
fn part_text(mail: &mailparse::ParsedMail<'_>, mimetype: &str) -> Option<String> {
    if mail.subparts.is_empty() {
        return (mail.ctype.mimetype == mimetype)
            .then(|| mail.get_body().unwrap().replace("\r\n", "\n"));
    }
    mail.subparts
        .iter()
        .find_map(|part| part_text(part, mimetype))
}

/// Every `.eml` the file transport wrote, oldest first (then by subject).
pub fn outbox(store: &Path) -> Vec<Mail> {
    let Ok(entries) = std::fs::read_dir(store.join("outbox")) else {
        return Vec::new();
    };
    let mut mails: Vec<Mail> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .map(|p| {
            let raw = std::fs::read(&p).unwrap();
            let parsed = mailparse::parse_mail(&raw).unwrap();
            let header = |name: &str| parsed.headers.get_first_value(name).unwrap_or_default();
            let date = mailparse::dateparse(&header("Date")).unwrap();
            Mail {
                date: DateTime::<Utc>::from_timestamp(date, 0)
                    .unwrap()
                    .to_rfc3339_opts(SecondsFormat::Secs, true),
                to: header("To"),
                cc: header("Cc"),
                subject: header("Subject"),
                body: part_text(&parsed, "text/plain").unwrap_or_default(),
                html: part_text(&parsed, "text/html"),
            }
        })
        .collect();
    mails.sort_by(|a, b| (&a.date, &a.subject).cmp(&(&b.date, &b.subject)));
    mails
}

/// The messages whose subject contains `part`.
pub fn mails_about(store: &Path, part: &str) -> Vec<Mail> {
    outbox(store)
        .into_iter()
        .filter(|m| m.subject.contains(part))
        .collect()
}

/// The one message whose subject contains `part`.
pub fn one_mail(store: &Path, part: &str) -> Mail {
    let found = mails_about(store, part);
    assert_eq!(found.len(), 1, "one message about {part:?}: {found:#?}");
    found.into_iter().next().unwrap()
}

/// The id in `garita run --json`'s answer.
pub fn run_id(started: &Value) -> String {
    started["id"].as_str().expect("run id").to_owned()
}

/// `garita runs show RUN --json`.
pub fn show(store: &Path, run: &str) -> Value {
    json_out(garita(store).args(["runs", "show", run]))
}

/// One step of a `runs show` answer.
pub fn step<'a>(run: &'a Value, id: &str) -> &'a Value {
    run["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no step {id} in {run:#}"))
}

/// Open tasks (or all with `all`), sorted by id.
pub fn tasks(store: &Path, all: bool) -> Vec<Value> {
    let mut cmd = garita(store);
    cmd.args(["tasks", "list"]);
    if all {
        cmd.arg("--all");
    }
    let mut list: Vec<Value> = json_out(&mut cmd).as_array().unwrap().clone();
    list.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    list
}

/// The task assigned to `who` among the open ones.
pub fn task_of(store: &Path, who: &str) -> String {
    let open: Vec<Value> = tasks(store, false)
        .into_iter()
        .filter(|t| t["assignee"] == who)
        .collect();
    assert_eq!(open.len(), 1, "one open task for {who}: {open:#?}");
    open[0]["id"].as_str().unwrap().to_owned()
}

/// `garita resume` at `now`.
pub fn resume(store: &Path, now: &str) {
    ok(at(store, now).arg("resume"));
}

/// A workflows directory holding copies of the shipped `files`: what a
/// daemon or a simulation loads.
pub fn workflows_dir(dir: &Path, files: &[&str]) -> PathBuf {
    let out = dir.join("workflows");
    std::fs::create_dir_all(&out).unwrap();
    for file in files {
        let name = Path::new(file).file_name().unwrap();
        std::fs::copy(root().join(file), out.join(name)).unwrap();
    }
    out
}

/// `garita simulate --json` over `workflows`.
pub fn simulate(store: &Path, workflows: &Path, from: &str, to: &str, zone: &str) -> Value {
    simulate_with(store, workflows, from, to, zone, &[])
}

/// `garita simulate --json` over `workflows`, with `extra` arguments.
pub fn simulate_with(
    store: &Path,
    workflows: &Path,
    from: &str,
    to: &str,
    zone: &str,
    extra: &[&str],
) -> Value {
    json_out(
        garita(store)
            .args(["simulate", "--from", from, "--to", to, "--time-zone", zone])
            .arg("--workflows")
            .arg(workflows)
            .args(extra),
    )
}

/// The happenings of a simulation report of one kind, in order.
pub fn happenings<'a>(report: &'a Value, kind: &'a str) -> Vec<&'a Value> {
    report["days"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["happenings"].as_array().unwrap().iter())
        .filter(|h| h["kind"] == kind)
        .collect()
}

/// A JSON string's text ("" for anything else).
pub fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}
