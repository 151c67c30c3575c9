//! The daemon's control API with the real binaries: while `garita daemon`
//! holds the store, `garita` commands from other processes go through it
//! (same output, same exit codes, effects in the daemon's runs); with the
//! daemon stopped they work on the store directly; the TCP listener wants
//! its token and stays on loopback unless told otherwise; a store held by
//! something that is not a daemon is refused naming that process.

mod support;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::*;

/// A task, then a wait for signal `go`, then a last step.
const ASK: &str = r#"
name: ask
inputs:
  who: {type: string, required: true}
steps:
  - id: approve
    task:
      title: "Approve ${{ inputs.who }}"
      assignee: ana@example.com
      fields:
        type: object
        required: [ticket]
        properties:
          ticket: {type: string}
  - id: wait_go
    wait: {signal: go, timeout: 7d}
  - id: done
    uses: core.set
    with: {ticket: "${{ steps.approve.outputs.fields.ticket }}"}
"#;

/// Holds the store for a while: a `garita run` that is not a daemon.
const SLOW: &str = r#"
name: slow
steps:
  - id: nap
    uses: core.sleep
    with: {ms: 20000}
"#;

/// A step in flight for a while, then one side effect.
const NAPPER: &str = r#"
name: napper
inputs:
  file: {type: string, required: true}
steps:
  - id: nap
    uses: core.sleep
    with: {ms: 1500}
  - id: mark
    uses: core.append_file
    with: {path: "${{ inputs.file }}", line: "once"}
"#;

const TOKEN: &str = "test-token-0123456789abcdef";

/// A running `garita daemon`, stopped (SIGTERM) when dropped.
struct Daemon {
    child: Child,
    log: PathBuf,
}

impl Daemon {
    fn start(store: &Path, workflows: &Path, log: &Path, env: &[(&str, &str)]) -> Self {
        let mut cmd = garita(store);
        cmd.args(["--log-format", "json", "daemon", "--workflows"])
            .arg(workflows)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).unwrap());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut daemon = Self {
            child: cmd.spawn().unwrap(),
            log: log.to_path_buf(),
        };
        daemon.wait_for_log("control API listening");
        daemon
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The JSON log lines.
    fn log_lines(&self) -> Vec<Value> {
        self.log()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    fn wait_for_log(&mut self, text: &str) {
        let started = Instant::now();
        while !self.log().contains(text) {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "garita daemon ended ({status}) before `{text}`:\n{}",
                    self.log()
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "timed out waiting for `{text}`:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn stop(mut self) {
        self.terminate();
    }

    fn terminate(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(self.child.id().to_string())
                .status();
            let status = self.child.wait().unwrap();
            assert!(status.success(), "daemon exit {status}:\n{}", self.log());
        }
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

/// A store, an empty workflows directory and the workflow files.
struct Setup {
    _dir: tempfile::TempDir,
    root: PathBuf,
    store: PathBuf,
    workflows: PathBuf,
}

impl Setup {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let workflows = root.join("workflows");
        std::fs::create_dir(&workflows).unwrap();
        write(&root, "ask.yaml", ASK);
        write(&root, "slow.yaml", SLOW);
        write(&root, "napper.yaml", NAPPER);
        Self {
            store: root.join("store"),
            _dir: dir,
            root,
            workflows,
        }
    }

    fn daemon(&self, env: &[(&str, &str)]) -> Daemon {
        Daemon::start(
            &self.store,
            &self.workflows,
            &self.root.join("daemon.log"),
            env,
        )
    }

    fn garita(&self, args: &[&str]) -> Output {
        run(garita(&self.store).args(args))
    }

    /// Runs and requires success; stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.garita(args);
        assert!(
            out.status.success(),
            "garita {args:?} failed ({}):\n{}\n{}",
            out.status,
            stdout(&out),
            stderr(&out)
        );
        stdout(&out)
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let text = self.ok(&all);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    }

    fn socket(&self) -> PathBuf {
        self.store.join("control.sock")
    }
}

/// One HTTP/1.1 request on `stream`; status and body.
fn http(
    mut stream: impl Read + Write,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, String) {
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    let body = body.unwrap_or("");
    request.push_str(&format!(
        "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ));
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let (head, rest) = raw.split_once("\r\n\r\n").expect("an HTTP answer");
    let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        let mut out = String::new();
        let mut rest = rest;
        loop {
            let (size, after) = rest.split_once("\r\n").unwrap();
            let size = usize::from_str_radix(size.trim(), 16).unwrap();
            if size == 0 {
                break;
            }
            out.push_str(&after[..size]);
            rest = &after[size + 2..];
        }
        out
    } else {
        rest.to_owned()
    };
    (status, body)
}

fn unix_http(socket: &Path, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
    let (status, text) = http(
        UnixStream::connect(socket).unwrap(),
        method,
        path,
        &[],
        body,
    );
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, value)
}

/// Who each entry of the account's history names, oldest first.
fn recorded_by(setup: &Setup, account: &str) -> Vec<String> {
    let history = setup.json(&["accounts", "history", account]);
    history["history"]
        .as_array()
        .expect("a history list")
        .iter()
        .map(|entry| entry["by"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Every sign-in date the account's history records, oldest first.
fn touched_on(setup: &Setup, account: &str) -> Vec<String> {
    let history = setup.json(&["accounts", "history", account]);
    history["history"]
        .as_array()
        .expect("a history list")
        .iter()
        .flat_map(|entry| entry["changes"].as_array().cloned().unwrap_or_default())
        .filter(|change| change["field"] == "last_sign_in")
        .filter_map(|change| change["new"].as_str().map(str::to_owned))
        .collect()
}

fn add_account(setup: &Setup) {
    setup.ok(&[
        "accounts",
        "add",
        "--portal",
        "ctpat",
        "--account",
        "ana@example.com",
        "--holder-name",
        "Ana Pérez",
        "--holder-email",
        "ana@example.com",
        "--company",
        "Acme Imports",
        "--tax-id",
        "12-3456789",
    ]);
}

/// Starts `ask`, answers its task and signals it; returns the run id.
fn drive_ask(setup: &Setup, who: &str) -> String {
    let wf = setup.root.join("ask.yaml");
    let out = setup.garita(&[
        "run",
        wf.to_str().unwrap(),
        "--input",
        &format!("who={who}"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(" waiting"), "{}", stdout(&out));
    assert!(stderr(&out).contains("started (ask)"), "{}", stderr(&out));
    let run = stdout(&out).split_whitespace().next().unwrap().to_owned();
    let tasks = setup.json(&["tasks", "list", "--run", &run]);
    let task = tasks[0]["id"].as_str().unwrap().to_owned();
    let done = setup.ok(&["tasks", "complete", &task, "--field", "ticket=HR-7"]);
    assert_eq!(
        done,
        format!("task {task} completed; run {run} is waiting\n")
    );
    let signalled = setup.ok(&["signal", &run, "go"]);
    assert_eq!(
        signalled,
        format!("{run} succeeded (signal `go` delivered)\n")
    );
    run
}

#[test]
fn commands_from_another_process_go_through_the_daemon_and_land_in_its_runs() {
    let setup = Setup::new();
    add_account(&setup);
    let daemon = setup.daemon(&[]);
    let pid = std::fs::read_to_string(setup.store.join("garita.pid")).unwrap();
    assert_eq!(
        pid.lines().next().unwrap(),
        daemon.child.id().to_string(),
        "the daemon holds the store"
    );
    let mode = std::fs::metadata(setup.socket()).unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(mode.permissions().mode() & 0o777, 0o600);
    assert_eq!(
        std::fs::metadata(&setup.store)
            .unwrap()
            .permissions()
            .mode()
            & 0o077,
        0
    );

    let run = drive_ask(&setup, "Ana");
    setup.ok(&[
        "accounts",
        "touch",
        "ctpat:ana@example.com",
        "--at",
        "2026-11-02",
    ]);

    // The daemon's engine did the work: its log has the run's events.
    let lines = daemon.log_lines();
    for message in ["run created", "signal received"] {
        assert!(
            lines
                .iter()
                .any(|l| l["message"] == message && l["run"] == run.as_str()),
            "no `{message}` for {run} in the daemon's log:\n{}",
            daemon.log()
        );
    }
    // Read back through the API, as a command and as a typed endpoint.
    let shown = setup.json(&["runs", "show", &run]);
    assert_eq!(shown["status"], "succeeded", "{shown}");
    let (status, typed) = unix_http(&setup.socket(), "GET", &format!("/v1/runs/{run}"), None);
    assert_eq!(status, 200, "{typed}");
    assert_eq!(typed, shown);
    let (status, health) = unix_http(&setup.socket(), "GET", "/v1/health", None);
    assert_eq!(status, 200);
    assert_eq!(health["service"], "garita-daemon");
    assert_eq!(health["pid"], daemon.child.id());
    // Typed errors: a clear message and a hint, with a 4xx code.
    let (status, missing) = unix_http(&setup.socket(), "GET", "/v1/tasks/nope", None);
    assert_eq!(status, 404, "{missing}");
    assert!(missing["error"]
        .as_str()
        .unwrap()
        .contains("no task with id `nope`"));
    assert!(!missing["hint"].as_str().unwrap().is_empty());
    let (status, bad) = unix_http(
        &setup.socket(),
        "POST",
        "/v1/runs",
        Some(r#"{"file":"x.yaml"}"#),
    );
    assert_eq!(status, 400, "{bad}");
    assert!(
        bad["error"]
            .as_str()
            .unwrap()
            .contains("`source` is required"),
        "{bad}"
    );
    // A finished run takes no more signals: a conflict, and nothing is recorded.
    let (status, _) = unix_http(
        &setup.socket(),
        "POST",
        &format!("/v1/runs/{run}/signals/go"),
        Some(r#"{"data": {"late": true}}"#),
    );
    assert_eq!(status, 409, "a finished run takes no signal");

    // The running daemon's store is backed up through it, and the audit
    // chain is checked through it.
    let backup = setup.root.join("running.bak");
    let said = setup.ok(&["backup", backup.to_str().unwrap()]);
    assert!(
        said.starts_with(&format!("backup written to {}", backup.display())),
        "{said}"
    );
    setup.ok(&["backup", "verify", backup.to_str().unwrap()]);
    let verified = setup.json(&["audit", "verify"]);
    assert_eq!(verified["intact"], true, "{verified}");

    daemon.stop();
    assert!(!setup.socket().exists(), "the socket goes with the daemon");
    // Directly on the store: the same run, finished, with the task's answer.
    let direct = setup.json(&["runs", "show", &run]);
    assert_eq!(direct, shown);
    let steps = direct["steps"].as_array().unwrap();
    let done = steps.iter().find(|s| s["id"] == "done").unwrap();
    assert_eq!(done["outputs"]["ticket"], "HR-7", "{done}");
    let history = touched_on(&setup, "ctpat:ana@example.com");
    assert_eq!(history, ["2026-11-02"]);
}

/// The answer `body` of `method path` is valid against the schema the
/// OpenAPI description (`garita schema api`) gives for its 200 response.
fn assert_matches_openapi(openapi: &Value, method: &str, route: &str, body: &Value) {
    let response = &openapi["paths"][route][method]["responses"]["200"]["content"]
        ["application/json"]["schema"];
    assert!(
        response.get("$ref").is_some() || response.get("type").is_some(),
        "no 200 schema for {method} {route}: {response}"
    );
    // The response schema with the components beside it, so its
    // `#/components/schemas/...` references resolve.
    let mut schema = response.clone();
    schema["components"] = openapi["components"].clone();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {route} answered outside its OpenAPI schema: {errors:?}\n{body}"
    );
}

#[test]
fn every_answer_matches_the_schema_the_openapi_description_gives_it() {
    let setup = Setup::new();
    add_account(&setup);
    let openapi: Value = serde_json::from_str(&setup.ok(&["schema", "api"])).unwrap();
    let _daemon = setup.daemon(&[]);
    let run = drive_ask(&setup, "Ana");
    let socket = setup.socket();
    let mut checked = 0;
    for (method, path, route) in [
        ("get", "/v1/runs".to_owned(), "/v1/runs"),
        ("get", format!("/v1/runs/{run}"), "/v1/runs/{run}"),
        ("get", "/v1/tasks?all=true".to_owned(), "/v1/tasks"),
        ("get", "/v1/accounts".to_owned(), "/v1/accounts"),
        (
            "get",
            "/v1/accounts/ctpat:ana@example.com/history".to_owned(),
            "/v1/accounts/{account}/history",
        ),
        ("get", "/v1/outbox".to_owned(), "/v1/outbox"),
        ("get", "/v1/schedules".to_owned(), "/v1/schedules"),
        ("get", "/v1/audit/verify".to_owned(), "/v1/audit/verify"),
        (
            "get",
            "/v1/audit/export?from=2020-01-01&to=2030-12-31".to_owned(),
            "/v1/audit/export",
        ),
        ("post", "/v1/resume".to_owned(), "/v1/resume"),
        (
            "get",
            "/v1/calendar/deadlines".to_owned(),
            "/v1/calendar/deadlines",
        ),
    ] {
        let (status, body) = unix_http(&socket, &method.to_uppercase(), &path, None);
        assert_eq!(status, 200, "{method} {path}: {body}");
        assert_matches_openapi(&openapi, method, route, &body);
        checked += 1;
    }
    let touch = "/v1/accounts/ctpat:ana@example.com/touch";
    let (status, body) = unix_http(&socket, "POST", touch, Some(r#"{"at": "2026-11-03"}"#));
    assert_eq!(status, 200, "{body}");
    assert_matches_openapi(&openapi, "post", "/v1/accounts/{account}/touch", &body);
    assert_eq!(checked, 11);
}

#[test]
fn with_the_daemon_stopped_the_same_commands_work_directly_with_the_same_output() {
    let setup = Setup::new();
    add_account(&setup);
    // Directly: no daemon, no socket.
    let run = drive_ask(&setup, "Luis");
    setup.ok(&["accounts", "touch", "ana@example.com", "--at", "2026-11-03"]);
    assert!(!setup.socket().exists());

    let commands: Vec<Vec<String>> = vec![
        vec!["runs".into(), "show".into(), run.clone()],
        vec!["runs".into(), "list".into()],
        vec![
            "--json".into(),
            "tasks".into(),
            "list".into(),
            "--all".into(),
        ],
        vec!["accounts".into(), "list".into()],
        vec!["accounts".into(), "export".into()],
        vec!["tasks".into(), "complete".into(), "nope".into()],
        vec![
            "runs".into(),
            "list".into(),
            "--status".into(),
            "bogus".into(),
        ],
        vec!["signal".into(), run.clone(), "go".into()],
    ];
    let outputs = |label: &str| -> Vec<(Option<i32>, String, String)> {
        commands
            .iter()
            .map(|args| {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let out = setup.garita(&args);
                eprintln!("{label} {args:?}: {}", out.status);
                (out.status.code(), stdout(&out), stderr(&out))
            })
            .collect()
    };
    let direct = outputs("direct");
    assert_eq!(direct[5].0, Some(1), "{:?}", direct[5]);
    assert_eq!(direct[6].0, Some(2), "{:?}", direct[6]);
    assert_eq!(direct[7].0, Some(1), "{:?}", direct[7]);
    let daemon = setup.daemon(&[]);
    let routed = outputs("routed");
    for (i, args) in commands.iter().enumerate() {
        assert_eq!(
            routed[i], direct[i],
            "garita {args:?} differs through the daemon"
        );
    }
    // The export to a file is written by the client, whole.
    let exported = setup.root.join("out.csv");
    let said = setup.ok(&["accounts", "export", "--output", exported.to_str().unwrap()]);
    assert_eq!(
        said,
        format!("exported 1 account(s) to {}\n", exported.display())
    );
    assert_eq!(std::fs::read_to_string(&exported).unwrap(), direct[4].1);
    // And an import is read by the client and sent.
    let csv = setup.root.join("more.csv");
    std::fs::write(
        &csv,
        direct[4].1.replace("ana@example.com", "luis@example.com"),
    )
    .unwrap();
    let imported = setup.ok(&["accounts", "import", csv.to_str().unwrap()]);
    assert_eq!(imported, "imported 1, unchanged 0, skipped 0\n");
    daemon.stop();
    let list = setup.json(&["accounts", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
}

#[test]
fn tcp_needs_the_token_and_a_refused_request_changes_nothing() {
    let setup = Setup::new();
    add_account(&setup);
    let before = touched_on(&setup, "ctpat:ana@example.com");
    assert!(before.is_empty(), "{before:?}");
    let mut daemon = setup.daemon(&[
        ("GARITA_DAEMON__CONTROL_TCP", "127.0.0.1:0"),
        ("GARITA_CONTROL_TOKEN", TOKEN),
    ]);
    // The socket's line comes first; the TCP listener's right after.
    daemon.wait_for_log("control API listening on TCP");
    let address = daemon
        .log_lines()
        .into_iter()
        .find(|l| l["message"] == "control API listening on TCP (bearer token required)")
        .and_then(|l| l["address"].as_str().map(str::to_owned))
        .expect("the TCP address is logged");
    let tcp = || std::net::TcpStream::connect(&address).unwrap();
    let touch = "/v1/accounts/ctpat:ana@example.com/touch";
    let body = Some(r#"{"at": "2026-11-05"}"#);
    let (status, text) = http(tcp(), "POST", touch, &[], body);
    assert_eq!(status, 401, "{text}");
    assert!(text.contains("Authorization: Bearer"), "{text}");
    let wrong = format!("Bearer {}x", &TOKEN[..TOKEN.len() - 1]);
    let (status, _) = http(tcp(), "POST", touch, &[("Authorization", &wrong)], body);
    assert_eq!(status, 401);
    let (status, _) = http(tcp(), "GET", "/v1/health", &[], None);
    assert_eq!(status, 401, "even health needs the token on TCP");
    // Nothing changed.
    assert_eq!(touched_on(&setup, "ctpat:ana@example.com"), before);
    assert!(!daemon.log().contains("sign-in"), "{}", daemon.log());

    let bearer = format!("Bearer {TOKEN}");
    let (status, text) = http(tcp(), "POST", touch, &[("Authorization", &bearer)], body);
    assert_eq!(status, 200, "{text}");
    let after = touched_on(&setup, "ctpat:ana@example.com");
    assert_eq!(after, ["2026-11-05"]);
    // Over TCP only the token vouches for the caller, and the record says so.
    assert_eq!(
        recorded_by(&setup, "ctpat:ana@example.com")
            .last()
            .map(String::as_str),
        Some("control-token")
    );
    daemon.stop();
}

#[test]
fn a_non_loopback_tcp_address_needs_an_explicit_opt_in() {
    let setup = Setup::new();
    let out = run(garita(&setup.store)
        .args(["daemon", "--workflows"])
        .arg(&setup.workflows)
        .env("GARITA_DAEMON__CONTROL_TCP", "0.0.0.0:0")
        .env("GARITA_CONTROL_TOKEN", TOKEN));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not a loopback address")
            && stderr(&out).contains("control_tcp_allow_remote"),
        "{}",
        stderr(&out)
    );
    // Refused before the store was opened: it is free.
    setup.ok(&["runs", "list"]);
    let mut daemon = setup.daemon(&[
        ("GARITA_DAEMON__CONTROL_TCP", "0.0.0.0:0"),
        ("GARITA_DAEMON__CONTROL_TCP_ALLOW_REMOTE", "true"),
        ("GARITA_CONTROL_TOKEN", TOKEN),
    ]);
    daemon.wait_for_log("control API listening on TCP");
    daemon.stop();
}

#[test]
fn a_store_held_by_a_process_that_is_not_a_daemon_is_refused_naming_it() {
    let setup = Setup::new();
    setup.ok(&["runs", "list"]);
    let wf = setup.root.join("slow.yaml");
    let mut holder = garita(&setup.store)
        .arg("run")
        .arg(&wf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !setup.store.join("garita.pid").exists() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the run never held the store"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = setup.garita(&["tasks", "list"]);
    let _ = holder.kill();
    let _ = holder.wait();
    assert_eq!(out.status.code(), Some(1));
    let text = stderr(&out);
    assert!(text.contains(&format!("pid {}", holder.id())), "{text}");
    assert!(
        text.contains("garita") && text.contains("run") && text.contains("slow.yaml"),
        "{text}"
    );
    assert!(!text.contains("Resource temporarily unavailable"), "{text}");

    // A process that is not garita at all (it leaves no garita.pid).
    let _ = std::fs::remove_file(setup.store.join("garita.pid"));
    let mut foreign = Command::new("python3")
        .args([
            "-c",
            "import fcntl,sys,time; f=open(sys.argv[1],'r+'); fcntl.flock(f, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(30)",
        ])
        .arg(setup.store.join("db"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut ready = [0u8; 6];
    foreign
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut ready)
        .unwrap();
    let out = setup.garita(&["runs", "list"]);
    let _ = foreign.kill();
    let _ = foreign.wait();
    assert_eq!(out.status.code(), Some(1));
    let text = stderr(&out);
    assert!(text.contains(&format!("pid {}", foreign.id())), "{text}");
    assert!(text.contains("python3"), "{text}");
}

#[test]
fn a_run_in_flight_in_the_daemon_is_never_driven_twice_at_once() {
    let setup = Setup::new();
    let daemon = setup.daemon(&[]);
    let effects = setup.store.join("files").join("effects.txt");
    let wf = setup.root.join("napper.yaml");
    let mut started = garita(&setup.store)
        .arg("run")
        .arg(&wf)
        .arg("--input")
        .arg(format!("file={}", effects.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // While `nap` is in flight, two more processes ask for every unfinished
    // run to be driven: the daemon's one engine makes them wait their turn.
    let begun = Instant::now();
    while setup
        .json(&["runs", "list", "--status", "running"])
        .as_array()
        .unwrap()
        .is_empty()
    {
        assert!(
            begun.elapsed() < Duration::from_secs(30),
            "the run never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let resumers: Vec<Child> = (0..2)
        .map(|_| {
            garita(&setup.store)
                .arg("resume")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in resumers {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let out = started.wait().unwrap();
    assert!(out.success());
    let _ = started.stdout.take();
    let lines: Vec<String> = std::fs::read_to_string(&effects)
        .unwrap()
        .lines()
        .map(|l| l.split('\t').next().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(lines, ["once"], "the side effect ran once");
    let runs = setup.json(&["runs", "list"]);
    let run = runs[0]["id"].as_str().unwrap().to_owned();
    let shown = setup.json(&["runs", "show", &run]);
    assert_eq!(shown["status"], "succeeded", "{shown}");
    for step in shown["steps"].as_array().unwrap() {
        assert_eq!(step["attempts"], 1, "{step}");
    }
    daemon.stop();
}

#[test]
fn a_socket_left_by_a_killed_daemon_is_ignored_then_replaced() {
    let setup = Setup::new();
    add_account(&setup);
    let mut daemon = setup.daemon(&[]);
    let _ = daemon.child.kill();
    let _ = daemon.child.wait();
    assert!(setup.socket().exists(), "SIGKILL leaves the socket behind");
    // Nobody answers on it: the command runs on the store directly.
    setup.ok(&[
        "accounts",
        "touch",
        "ctpat:ana@example.com",
        "--at",
        "2026-11-04",
    ]);
    let daemon = setup.daemon(&[]);
    assert!(
        daemon.log().contains("replaced a stale control socket"),
        "{}",
        daemon.log()
    );
    // The new daemon holds the store, so this can only succeed through it.
    setup.ok(&[
        "accounts",
        "touch",
        "ctpat:ana@example.com",
        "--at",
        "2026-11-06",
    ]);
    assert!(
        daemon.log_lines().iter().all(|l| l["level"] != "ERROR"),
        "{}",
        daemon.log()
    );
    daemon.stop();
    assert_eq!(
        touched_on(&setup, "ctpat:ana@example.com"),
        ["2026-11-04", "2026-11-06"]
    );
}

#[test]
fn a_schedule_paused_through_the_daemon_is_skipped_by_its_scheduler() {
    let setup = Setup::new();
    write(
        &setup.workflows,
        "minutely.yaml",
        "name: minutely\non:\n  schedule:\n    cron: \"* * * * *\"\nsteps:\n  - id: note\n    uses: core.set\n    with: {x: 1}\n",
    );
    let mut daemon = setup.daemon(&[]);
    let paused = setup.ok(&["schedules", "pause", "minutely"]);
    assert_eq!(paused, "minutely: 1 schedule(s) paused\n");
    // The next fire comes at the next minute: the daemon's scheduler must
    // skip it (a pause written behind its back would be ignored).
    daemon.wait_for_log("schedule paused: fires skipped");
    assert_eq!(setup.json(&["runs", "list"]), serde_json::json!([]));
    let views = setup.json(&["schedules"]);
    assert_eq!(views["schedules"][0]["paused"], true, "{views}");
    daemon.stop();
}

#[test]
fn through_the_daemon_the_client_is_recorded_not_the_daemon() {
    let setup = Setup::new();
    add_account(&setup);
    // The daemon's own default must not be what a client's command records.
    let daemon = setup.daemon(&[("GARITA_IDENTITY__DEFAULT_BY", "the-daemon")]);
    let me = os_user();
    let account = "ctpat:ana@example.com";

    // The CLI through the socket: the peer's user (SO_PEERCRED), which is
    // also the name the client sends.
    setup.ok(&["accounts", "touch", account, "--at", "2026-11-02"]);
    // A client that says it is someone else (its configured default): the
    // peer's user comes first and the claim is kept beside it.
    let client_toml = write(
        &setup.root,
        "client.toml",
        "[identity]\ndefault_by = \"oficina@example.com\"\n",
    );
    let out = run(garita(&setup.store)
        .arg("--config")
        .arg(&client_toml)
        .args(["accounts", "touch", account, "--at", "2026-11-03"]));
    assert!(out.status.success(), "{}", stderr(&out));
    // A typed endpoint on the socket, without `by`: the peer's user.
    let (status, body) = unix_http(
        &setup.socket(),
        "POST",
        "/v1/accounts/ctpat:ana@example.com/touch",
        Some(r#"{"at": "2026-11-04"}"#),
    );
    assert_eq!(status, 200, "{body}");

    // The first entry is the `accounts add` made before the daemon started.
    let by = recorded_by(&setup, account);
    assert_eq!(
        by,
        [
            me.clone(),
            me.clone(),
            format!("{me} (client says oficina@example.com)"),
            me.clone()
        ],
        "{by:?}"
    );

    // A task rejected through the daemon records the client too.
    let wf = setup.root.join("ask.yaml");
    let out = setup.ok(&["run", wf.to_str().unwrap(), "--input", "who=Luis"]);
    let run_id = out.split_whitespace().next().unwrap().to_owned();
    let tasks = setup.json(&["tasks", "list", "--run", &run_id]);
    let task = tasks[0]["id"].as_str().unwrap().to_owned();
    setup.ok(&["tasks", "reject", &task, "--note", "not this one"]);
    let shown = setup.json(&["tasks", "show", &task]);
    assert_eq!(shown["answer"]["by"], me.as_str(), "{shown}");
    daemon.stop();
}
