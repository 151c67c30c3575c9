//! Templates are bounded in bytes (issue 17.3): a workflow whose template
//! doubles a string thirty times, repeats a 100 MB string a thousand times,
//! or expands a string into millions of values with one filter, validates
//! (the sizes are only known when it runs) but fails its step with the byte
//! budget's message, in the daemon too, which stays small.

mod support;

#[path = "support/crash_daemon.rs"]
#[allow(dead_code)]
mod crash_daemon;

use std::path::Path;
use std::time::Duration;

use crash_daemon::Daemon;
use support::*;

fn doubling_workflow(dir: &Path) -> std::path::PathBuf {
    let mut template = String::from("{% set a = 'xxxxxxxx' %}");
    for _ in 0..30 {
        template.push_str("{% set a = a ~ a %}");
    }
    template.push_str("${{ a | length }}");
    write(
        dir,
        "doubling.yaml",
        &format!(
            "name: doubling\nsteps:\n  - id: grow\n    uses: core.set\n    with:\n      values:\n        size: \"{template}\"\n"
        ),
    )
}

fn list_bomb_workflow(dir: &Path) -> std::path::PathBuf {
    write(
        dir,
        "list-bomb.yaml",
        "name: list-bomb\nsteps:\n  - id: grow\n    uses: core.set\n    with:\n      values:\n        items: \"${{ (['x' * 10**8] * 1000) | map('upper') | list }}\"\n",
    )
}

/// One filter call that used to build far more than its input: a 16 MB
/// string as sixteen million one-item lists (the daemon peaked at 1.7 GB).
fn expanding_bomb_workflow(dir: &Path) -> std::path::PathBuf {
    write(
        dir,
        "expanding-bomb.yaml",
        "name: expanding-bomb\nsteps:\n  - id: grow\n    uses: core.set\n    with:\n      values:\n        batches: \"${{ ('x' * 16000000) | batch(1) | list }}\"\n",
    )
}

/// A count that reserved a billion values at once (24 GB: the allocation
/// failed and the process aborted).
fn reserving_bomb_workflow(dir: &Path) -> std::path::PathBuf {
    write(
        dir,
        "reserving-bomb.yaml",
        "name: reserving-bomb\nsteps:\n  - id: grow\n    uses: core.set\n    with:\n      values:\n        slices: \"${{ [1, 2, 3] | slice(10**9) }}\"\n",
    )
}

/// A line of `/proc/PID/status` in KiB: `VmRSS` now, `VmHWM` the peak.
fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim_start_matches(':').split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/{pid}/status"))
}

#[test]
fn template_bombs_fail_their_step_on_the_byte_budget() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    for wf in [
        doubling_workflow(dir.path()),
        list_bomb_workflow(dir.path()),
        expanding_bomb_workflow(dir.path()),
        reserving_bomb_workflow(dir.path()),
    ] {
        let valid = run(garita(&store).arg("validate").arg(&wf));
        assert_success(
            &valid,
            "the bomb validates: sizes are known only at run time",
        );
        let out = run(garita(&store).arg("run").arg(&wf));
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("step `grow`"), "{err}");
        assert!(
            err.contains("would build more than 16777216 bytes"),
            "{err}"
        );
    }
}

#[test]
fn a_template_bomb_run_by_the_daemon_leaves_it_small_and_answering() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let workflows = dir.path().join("workflows");
    std::fs::create_dir(&workflows).unwrap();
    let config = write(
        dir.path(),
        "garita.toml",
        "[daemon]\nshutdown_grace = \"2s\"\n",
    );
    let log = dir.path().join("daemon.log");
    let mut daemon = Daemon::start(&store, &config, &workflows, &log);
    daemon.wait_for_socket(&store);
    for wf in [
        doubling_workflow(dir.path()),
        expanding_bomb_workflow(dir.path()),
        reserving_bomb_workflow(dir.path()),
    ] {
        let out = run(garita(&store)
            .arg("--config")
            .arg(&config)
            .arg("run")
            .arg(&wf));
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("would build more than 16777216 bytes"),
            "{}",
            stderr(&out)
        );
        daemon.assert_alive("after the template bomb");
    }
    let rss = status_kib(daemon.pid(), "VmRSS");
    assert!(rss < 150 * 1024, "daemon RSS {rss} KiB after the bombs");
    // The peak too: a bomb that allocated and freed would pass the above.
    let peak = status_kib(daemon.pid(), "VmHWM");
    assert!(
        peak < 200 * 1024,
        "daemon peak RSS {peak} KiB during the bombs"
    );
    let list = run(garita(&store)
        .arg("--config")
        .arg(&config)
        .args(["accounts", "list"]));
    assert_success(&list, "accounts list after the bomb");
    daemon.stop(Duration::from_secs(10));
}
