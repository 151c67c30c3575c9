//! Issue 16.8: what a workflow or a control-API client can name is confined
//! to `[files] allowed_dirs` (by default the store's `files/` folder). A
//! workflow sent to `POST /v1/runs` could append to any file the daemon's
//! user can write and mail `/proc/self/environ` (the control token with
//! it); `backup ../../x` with `"cwd": "/"` wrote anywhere; `schedules
//! --workflows /any/dir` read any directory.

mod support;

#[path = "support/crash_daemon.rs"]
#[allow(dead_code)] // `kill` is for the crash loop
mod crash_daemon;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use crash_daemon::Daemon;
use serde_json::{json, Value};
use support::*;

const TOKEN: &str = "confined-paths-token-0123456789";

/// A POST with the token on the TCP listener: (status, body).
fn post(address: SocketAddr, path: &str, body: &Value) -> (u16, Value) {
    request(address, "POST", path, &body.to_string())
}

/// A request with the token on the TCP listener: (status, body).
fn request(address: SocketAddr, method: &str, path: &str, body: &str) -> (u16, Value) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    let status = reply[9..12].parse().unwrap();
    let body = reply.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (
        status,
        serde_json::from_str(body).unwrap_or(Value::String(body.to_owned())),
    )
}

fn start(root: &Path, extra: &str) -> (Daemon, std::path::PathBuf, SocketAddr) {
    let address = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let store = root.join("store");
    let workflows = root.join("workflows");
    std::fs::create_dir_all(&workflows).unwrap();
    let config = write(
        root,
        "garita.toml",
        &format!("[daemon]\ncontrol_tcp = \"{address}\"\ncontrol_token = \"{TOKEN}\"\n{extra}"),
    );
    let mut daemon = Daemon::start(&store, &config, &workflows, &root.join("daemon.log"));
    let started = Instant::now();
    while TcpStream::connect(address).is_err() || !store.join("control.sock").exists() {
        daemon.assert_alive("while starting");
        assert!(started.elapsed() < Duration::from_secs(30), "no daemon");
        std::thread::sleep(Duration::from_millis(50));
    }
    (daemon, store, address)
}

const APPEND: &str = "name: append\ninputs:\n  file: {type: string}\nsteps:\n  - id: mark\n    uses: core.append_file\n    with: {path: \"${{ inputs.file }}\", line: \"written\"}\n";

const ATTACH: &str = "name: attach\ninputs:\n  file: {type: string}\nsteps:\n  - id: mail\n    uses: email.send\n    with:\n      to: [ana@example.com]\n      subject: informe\n      body: adjunto\n      attachments: [{path: \"${{ inputs.file }}\"}]\n";

fn start_run(address: SocketAddr, name: &str, source: &str, file: &Path) -> (u16, Value) {
    post(
        address,
        "/v1/runs",
        &json!({"file": name, "source": source, "inputs": {"file": file.display().to_string()}}),
    )
}

#[test]
fn a_workflow_sent_to_the_daemon_writes_and_attaches_only_allowed_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let (daemon, store, address) = start(root, "");
    let victim = root.join("victim.txt");
    std::fs::write(&victim, "untouched\n").unwrap();

    let (_, answer) = start_run(address, "append.yaml", APPEND, &victim);
    let text = answer.to_string();
    assert!(text.contains("failed"), "{text}");
    assert!(text.contains("[files] allowed_dirs"), "{text}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "untouched\n");

    let (_, answer) = start_run(
        address,
        "attach.yaml",
        ATTACH,
        Path::new("/proc/self/environ"),
    );
    let text = answer.to_string();
    assert!(
        text.contains("failed") && text.contains("/proc/self/environ"),
        "{text}"
    );
    assert!(!text.contains(TOKEN), "{text}");

    // Inside the store's files/ folder both work.
    let inside = store.join("files").join("evidence.log");
    let (_, answer) = start_run(address, "append.yaml", APPEND, &inside);
    assert!(answer.to_string().contains("succeeded"), "{answer}");
    assert!(std::fs::read_to_string(&inside)
        .unwrap()
        .contains("written"));
    let report = store.join("files").join("report.txt");
    std::fs::write(&report, "informe").unwrap();
    let (_, answer) = start_run(address, "attach.yaml", ATTACH, &report);
    assert!(answer.to_string().contains("succeeded"), "{answer}");
    daemon.stop(Duration::from_secs(15));
}

#[test]
fn a_token_holder_names_no_backup_or_workflows_directory_outside_the_allowed_ones() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let allowed = root.join("exchange");
    std::fs::create_dir(&allowed).unwrap();
    let (daemon, store, address) = start(
        root,
        &format!("\n[files]\nallowed_dirs = [\"{}\"]\n", allowed.display()),
    );
    let escape = root.join("escaped.backup");
    // A backup outside the allowed directories is refused (400), naming them.
    let (status, answer) = post(
        address,
        "/v1/backup",
        &json!({"file": escape.display().to_string()}),
    );
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer.to_string().contains("[files] allowed_dirs"),
        "{answer}"
    );
    assert!(!escape.exists(), "the backup was written outside");
    // A path that climbs out of an allowed one is no way around it.
    let climbing = format!("{}/../escaped.backup", allowed.display());
    let (status, answer) = post(address, "/v1/backup", &json!({"file": climbing}));
    assert_eq!(status, 400, "{answer}");
    assert!(!escape.exists(), "the backup was written outside");

    let (status, answer) = request(address, "GET", "/v1/schedules?workflows=%2Fetc", "");
    assert_eq!(status, 400, "{answer}");
    assert!(answer.to_string().contains("/etc is outside"), "{answer}");

    // In the allowed directory a backup is written.
    let inside = allowed.join("ok.backup");
    let (status, answer) = post(
        address,
        "/v1/backup",
        &json!({"file": inside.display().to_string()}),
    );
    assert_eq!(status, 200, "{answer}");
    assert!(inside.exists());
    // The daemon's own user on the Unix socket is not confined: it can
    // write those files anyway.
    let own = root.join("own.backup");
    let out = run(garita(&store).arg("backup").arg(&own));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(own.exists());
    daemon.stop(Duration::from_secs(15));
}
