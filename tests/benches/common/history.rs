//! A daemon with history: `garita daemon` (release, default settings) on an
//! empty store, idle, then after `runs` three-step runs started through its
//! control socket, as `garita run` does while a daemon holds the store.
//! Reports its resident memory idle and after the work (issue 23: bounded
//! by configuration, not by history) and what a finished run costs on
//! disk, all included and tree by tree.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::Duration;

use super::process::{status_kib, THREE_STEPS};
use super::release::garita;
use super::stats::median;

/// Target: resident memory after the runs, at most this times idle.
pub const TARGET_RSS_RATIO: f64 = 1.5;
/// Target: bytes a finished three-step run adds to the store, all included.
pub const TARGET_BYTES_PER_RUN: f64 = 3.0 * 1024.0;

/// What the daemon measured.
pub struct HistoryFigures {
    /// VmRSS idle before any run, MiB (median of samples).
    pub idle_mib: f64,
    /// VmRSS idle after the runs, MiB (median of samples).
    pub after_mib: f64,
    /// VmHWM at the end, MiB.
    pub peak_mib: f64,
    /// Runs started (all succeeded).
    pub runs: usize,
    /// Seconds the runs took.
    pub runs_secs: f64,
    /// Bytes of the store directory per run (files on disk, after the
    /// daemon stopped), all included: events, summaries, indexes, audit
    /// entries, sled's own overhead and garbage not yet compacted.
    pub disk_bytes_per_run: f64,
    /// Logical bytes (keys + values) per run in each sled tree.
    pub tree_bytes_per_run: BTreeMap<String, f64>,
}

/// Median VmRSS of `child` over ten samples 200 ms apart, and VmHWM, MiB.
pub fn sample(child: &mut Child) -> (f64, f64) {
    let path = format!("/proc/{}/status", child.id());
    let mut rss = Vec::new();
    let mut hwm = 0.0;
    for _ in 0..10 {
        assert!(
            child.try_wait().expect("wait").is_none(),
            "the daemon exited early"
        );
        let status = std::fs::read_to_string(&path).expect("read /proc status");
        rss.push(status_kib(&status, "VmRSS:") / 1024.0);
        hwm = status_kib(&status, "VmHWM:") / 1024.0;
        std::thread::sleep(Duration::from_millis(200));
    }
    (median(rss), hwm)
}

/// `POST /v1/runs` of the three-step workflow on the control socket;
/// panics unless the run succeeded.
fn start_run(socket: &Path, body: &str) {
    let mut stream = UnixStream::connect(socket).expect("the control socket answers");
    let request = format!(
        "POST /v1/runs HTTP/1.1\r\nHost: bench\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    assert!(
        answer.starts_with("HTTP/1.1 200") && answer.contains("succeeded"),
        "the run did not succeed: {answer}"
    );
}

/// Bytes of every file under `dir`.
pub fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_bytes(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

/// Keys + values per sled tree of the store at `dir`.
pub fn tree_bytes(dir: &Path) -> BTreeMap<String, u64> {
    let db = garita_store::sled_config(dir)
        .expect("sled configuration")
        .open()
        .expect("open the store with sled");
    let mut out = BTreeMap::new();
    for name in db.tree_names() {
        let tree = db.open_tree(&name).expect("open tree");
        let bytes: u64 = tree
            .iter()
            .flatten()
            .map(|(k, v)| (k.len() + v.len()) as u64)
            .sum();
        let name = String::from_utf8_lossy(&name).into_owned();
        if bytes > 0 && name != "__sled__default" {
            out.insert(name, bytes);
        }
    }
    out
}

/// Starts the daemon on an empty store in `dir`, samples it idle, starts
/// `runs` runs through it from `clients` connections at a time, samples it
/// again, stops it and measures the store.
pub fn daemon_with_history(dir: &Path, runs: usize, clients: usize) -> HistoryFigures {
    let store = dir.join("history-store");
    let workflows = dir.join("history-workflows");
    std::fs::create_dir_all(&workflows).expect("workflows dir");
    let mut child = garita(&store)
        .arg("daemon")
        .arg("--workflows")
        .arg(&workflows)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("garita daemon starts");
    let socket = store.join("control.sock");
    for _ in 0..300 {
        if UnixStream::connect(&socket).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_secs(2));
    let (idle_mib, _) = sample(&mut child);
    let empty = dir_bytes(&store);
    let body = serde_json::json!({
        "file": "three-steps.yaml",
        "source": THREE_STEPS,
        "inputs": {"year": 2026},
    })
    .to_string();
    let started = std::time::Instant::now();
    std::thread::scope(|scope| {
        for client in 0..clients {
            let (socket, body) = (&socket, &body);
            scope.spawn(move || {
                for _ in (client..runs).step_by(clients) {
                    start_run(socket, body);
                }
            });
        }
    });
    let runs_secs = started.elapsed().as_secs_f64();
    std::thread::sleep(Duration::from_secs(2));
    let (after_mib, peak_mib) = sample(&mut child);
    let _ = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    child.wait().expect("reap the daemon");
    let disk = dir_bytes(&store).saturating_sub(empty);
    let per_run = |bytes: u64| bytes as f64 / runs as f64;
    HistoryFigures {
        idle_mib,
        after_mib,
        peak_mib,
        runs,
        runs_secs,
        disk_bytes_per_run: per_run(disk),
        tree_bytes_per_run: tree_bytes(&store)
            .into_iter()
            .map(|(name, bytes)| (name, per_run(bytes)))
            .collect(),
    }
}
