//! Nothing a plugin does takes the daemon down (issue 17): a C plugin built
//! here (tests/fixtures/hostile.c) exits, aborts, hangs, allocates without
//! end and answers 100 MB, each in its own action; a second one never
//! finishes its manifest and a third exits in its initialiser. The daemon
//! fails only the call in flight, keeps answering, stays small and ends on
//! SIGTERM within its grace period; a run that keeps stopping the process
//! (a plugin pinned in process) is quarantined; read-only commands never
//! start a plugin at all.

mod support;

#[path = "support/crash_daemon.rs"]
#[allow(dead_code)]
mod crash_daemon;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crash_daemon::{log_tail, Daemon};
use support::*;

/// Compiles tests/fixtures/hostile.c as connector `name` into `dir`.
fn hostile_library(dir: &Path, name: &str, defines: &[&str]) -> PathBuf {
    let lib = dir.join(format!("lib{name}.so"));
    let status = Command::new("cc")
        .args(["-shared", "-fPIC", "-Wall", "-Werror"])
        .arg(format!("-DNAME=\"{name}\""))
        .args(defines)
        .arg("-o")
        .arg(&lib)
        .arg(root().join("tests/fixtures/hostile.c"))
        .status()
        .expect("cc runs");
    assert!(status.success(), "compiling hostile.c failed");
    std::fs::set_permissions(&lib, std::fs::Permissions::from_mode(0o755)).unwrap();
    lib
}

/// A plugin directory only its owner may write (the host refuses others).
fn plugin_dir(parent: &Path) -> PathBuf {
    let dir = parent.join("plugins");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    dir
}

/// A store, an empty workflows folder, a daemon log and a configuration
/// whose `[plugins]` table is `plugins_table`, with a 2 s shutdown grace.
struct Place {
    store: PathBuf,
    workflows: PathBuf,
    log: PathBuf,
    config: PathBuf,
}

fn place(dir: &Path, plugins_table: &str) -> Place {
    let workflows = dir.join("workflows");
    std::fs::create_dir(&workflows).unwrap();
    let config = write(
        dir,
        "garita.toml",
        &format!("[plugins]\n{plugins_table}\n[daemon]\nshutdown_grace = \"2s\"\n"),
    );
    Place {
        store: dir.join("store"),
        workflows,
        log: dir.join("daemon.log"),
        config,
    }
}

fn one_step(dir: &Path, name: &str, action: &str, timeout: Option<&str>) -> PathBuf {
    let timeout = timeout.map_or(String::new(), |t| format!("    timeout: {t}\n"));
    write(
        dir,
        &format!("{name}.yaml"),
        &format!(
            "name: {name}\nsteps:\n  - id: call\n    uses: {action}\n{timeout}    with: {{}}\n"
        ),
    )
}

/// Resident memory of `pid` in KiB, from /proc.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .expect("VmRSS in /proc")
}

/// `accounts list` through the daemon succeeds; returns how long it took.
fn accounts_answer(store: &Path, config: &Path, log: &Path) -> Duration {
    let started = Instant::now();
    let out = run(garita(store)
        .arg("--config")
        .arg(config)
        .args(["accounts", "list"]));
    let took = started.elapsed();
    assert!(
        out.status.success(),
        "accounts list failed: {}{}\nlog tail:\n{}",
        stdout(&out),
        stderr(&out),
        log_tail(log, 30)
    );
    took
}

/// Worker processes of `lib` still alive.
fn workers_of(lib: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            let words: Vec<String> = cmdline
                .split(|b| *b == 0)
                .map(|w| String::from_utf8_lossy(w).into_owned())
                .collect();
            if words.iter().any(|w| w == "worker") && words.iter().any(|w| Path::new(w) == lib) {
                found.push(words.join(" "));
            }
        }
    }
    found
}

#[test]
fn every_hostile_plugin_fails_only_its_own_call_and_the_daemon_keeps_answering() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = plugin_dir(dir.path());
    let lib = hostile_library(&plugins, "hostile", &[]);
    let lib = lib.canonicalize().unwrap();
    let Place {
        store,
        workflows,
        log,
        config,
    } = place(
        dir.path(),
        &format!(
            "dirs = [\"{}\"]\nworker_memory_mib = 512\n",
            plugins.display()
        ),
    );
    let mut daemon = Daemon::start(&store, &config, &workflows, &log);
    daemon.wait_for_socket(&store);

    let cases = [
        ("exit", None, "exited with code 9"),
        ("abort", None, "killed by signal SIGABRT"),
        ("hog", None, "killed by signal SIGABRT"),
        ("hang", Some("2s"), "did not answer within 2s"),
        ("flood", None, "returned 104857600 bytes"),
    ];
    for (action, timeout, expected) in cases {
        let wf = one_step(dir.path(), action, &format!("hostile.{action}"), timeout);
        let out = run(garita(&store)
            .arg("--config")
            .arg(&config)
            .arg("run")
            .arg(&wf));
        assert_eq!(
            out.status.code(),
            Some(1),
            "{action}: {}{}",
            stdout(&out),
            stderr(&out)
        );
        assert!(
            stderr(&out).contains(expected),
            "{action}: expected `{expected}` in: {}",
            stderr(&out)
        );
        daemon.assert_alive(&format!("after hostile.{action}"));
        let took = accounts_answer(&store, &config, &log);
        eprintln!("accounts list after hostile.{action}: {took:?}");
        // The issue asks for an answer within a second; on a shared CI
        // machine the margin is wider, a hang would be far longer.
        assert!(
            took < Duration::from_secs(3),
            "accounts list took {took:?} after hostile.{action}"
        );
    }
    // The 100 MB answer was refused by its length, never read.
    let rss = rss_kib(daemon.pid());
    assert!(rss < 150 * 1024, "daemon RSS {rss} KiB after the flood");

    // A fresh worker serves the next call.
    let ok = one_step(dir.path(), "fine", "hostile.ok", None);
    let out = run(garita(&store)
        .arg("--config")
        .arg(&config)
        .arg("run")
        .arg(&ok));
    assert_success(&out, "hostile.ok after the failures");

    // SIGTERM with a call stuck in plugin code (no step timeout): the daemon
    // ends within its grace period and its workers go with it.
    let forever = one_step(dir.path(), "forever", "hostile.hang", None);
    let mut client = garita(&store)
        .arg("--config")
        .arg(&config)
        .arg("run")
        .arg(&forever)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let since = Instant::now();
    while workers_of(&lib).len() < 2 && since.elapsed() < Duration::from_secs(20) {
        // one idle worker (from `ok`) and one in the stuck call
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let stopping = Instant::now();
    let status = daemon.stop(Duration::from_secs(10));
    let took = stopping.elapsed();
    assert!(status.success(), "daemon exit {status}");
    assert!(
        took < Duration::from_secs(5),
        "SIGTERM took {took:?} with a grace of 2 s"
    );
    let _ = client.kill();
    let _ = client.wait();
    let since = Instant::now();
    while !workers_of(&lib).is_empty() && since.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        workers_of(&lib),
        Vec::<String>::new(),
        "workers outlived the daemon"
    );
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("daemon stopped"), "{}", log_tail(&log, 20));
}

#[test]
fn a_run_that_keeps_stopping_the_daemon_is_quarantined_not_resumed_forever() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = plugin_dir(dir.path());
    let lib = hostile_library(&plugins, "hostile", &[]);
    let check = run(garita(&dir.path().join("s"))
        .args(["plugins", "check", "--json"])
        .arg(&lib));
    assert_success(&check, "plugins check");
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    let sha = report["sha256"].as_str().unwrap().to_owned();
    // Pinned in process: its exit() ends whatever process calls it.
    let Place {
        store,
        workflows,
        log,
        config,
    } = place(
        dir.path(),
        &format!(
            "dirs = [\"{}\"]\nallow_sha256 = [\"{sha}\"]\nin_process = [\"{sha}\"]\n",
            plugins.display()
        ),
    );
    let listed = run(garita(&dir.path().join("listing"))
        .arg("--config")
        .arg(&config)
        .args(["plugins", "list"]));
    assert!(
        stdout(&listed)
            .lines()
            .any(|l| l.starts_with("hostile") && l.contains("garita (pinned)")),
        "{}",
        stdout(&listed)
    );
    let poison = one_step(dir.path(), "poison", "hostile.exit", None);
    let out = run(garita(&store)
        .arg("--config")
        .arg(&config)
        .arg("run")
        .arg(&poison));
    assert_eq!(
        out.status.code(),
        Some(9),
        "the pinned plugin ends the command"
    );

    // Each start resumes the run and dies in the same call, until the run
    // is set aside; then the daemon stays up.
    let mut deaths = 0;
    let daemon = loop {
        let mut daemon = Daemon::start(&store, &config, &workflows, &log);
        let since = Instant::now();
        let mut quarantined = false;
        while since.elapsed() < Duration::from_secs(30) {
            if daemon_ended(&mut daemon) {
                break;
            }
            if std::fs::read_to_string(&log)
                .unwrap_or_default()
                .contains("run quarantined")
            {
                quarantined = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        if quarantined {
            break daemon;
        }
        let status = daemon.wait_end(Duration::from_secs(10));
        assert_eq!(status.code(), Some(9), "{}", log_tail(&log, 20));
        deaths += 1;
        assert!(deaths <= 3, "still crash-looping after {deaths} restarts");
    };
    // Set aside, the run no longer stops the daemon: it answers.
    std::thread::sleep(Duration::from_millis(500));
    assert!(daemon_answers(&store, &config), "{}", log_tail(&log, 20));
    assert_eq!(
        deaths, 2,
        "a side-effect-free step: one death to find it, one to see it again"
    );
    let text = without_colours(&std::fs::read_to_string(&log).unwrap());
    assert!(
        text.contains("resuming a step that was in flight") && text.contains("step=call"),
        "the log names the run and step it resumes:\n{}",
        log_tail(&log, 30)
    );
    assert!(text.contains("run quarantined"), "{}", log_tail(&log, 30));

    let list = run(garita(&store)
        .arg("--config")
        .arg(&config)
        .args(["runs", "list", "--json"]));
    let runs: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(runs[0]["status"], "quarantined", "{runs}");
    let id = runs[0]["id"].as_str().unwrap().to_owned();
    let show = run(garita(&store)
        .arg("--config")
        .arg(&config)
        .args(["runs", "show", &id]));
    let text = stdout(&show);
    assert!(text.contains("status    quarantined"), "{text}");
    assert!(text.contains("step `call`"), "{text}");
    assert!(
        text.contains(&format!("garita resume {id} --force")),
        "{text}"
    );

    // Only a quarantined run can be forced; this one can be cancelled.
    let cancel = run(garita(&store)
        .arg("--config")
        .arg(&config)
        .args(["cancel", &id]));
    assert_success(&cancel, "cancel the quarantined run");
    let forced = run(garita(&store)
        .arg("--config")
        .arg(&config)
        .args(["resume", &id, "--force"]));
    assert_eq!(forced.status.code(), Some(1), "{}", stderr(&forced));
    assert!(
        stderr(&forced).contains("not quarantined"),
        "{}",
        stderr(&forced)
    );
    daemon.stop(Duration::from_secs(10));
}

/// The log without its ANSI colour codes.
fn without_colours(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for end in chars.by_ref() {
                if end == 'm' {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain
}

fn daemon_answers(store: &Path, config: &Path) -> bool {
    run(garita(store)
        .arg("--config")
        .arg(config)
        .args(["accounts", "list"]))
    .status
    .success()
}

fn daemon_ended(daemon: &mut Daemon) -> bool {
    // `assert_alive` panics when it ended; ask /proc instead.
    let pid = daemon.pid();
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .and_then(|rest| rest.split_whitespace().next())
            .is_some_and(|state| state == "Z"),
        Err(_) => true,
    }
}

#[test]
fn read_only_commands_never_start_a_plugin_and_a_broken_one_costs_its_limit_once() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = plugin_dir(dir.path());
    hostile_library(&plugins, "stuck", &["-DMANIFEST_HANGS"]);
    hostile_library(&plugins, "stuck2", &["-DMANIFEST_HANGS"]);
    let exits = write(
        dir.path(),
        "exits.c",
        "#include <stdlib.h>\n__attribute__((constructor)) static void boom(void) { exit(7); }\n",
    );
    let exiting = plugins.join("libexits.so");
    let status = Command::new("cc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(&exiting)
        .arg(&exits)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::set_permissions(&exiting, std::fs::Permissions::from_mode(0o755)).unwrap();
    let store = dir.path().join("store");
    let config = write(
        dir.path(),
        "garita.toml",
        &format!("[plugins]\ndirs = [\"{}\"]\n", plugins.display()),
    );
    let backup = dir.path().join("copy.backup");
    let commands: Vec<Vec<String>> = vec![
        vec!["runs".into(), "list".into()],
        vec!["tasks".into(), "list".into()],
        vec!["audit".into(), "verify".into()],
        vec!["outbox".into(), "list".into()],
        vec!["accounts".into(), "list".into()],
        vec!["backup".into(), backup.display().to_string()],
        vec![
            "backup".into(),
            "verify".into(),
            backup.display().to_string(),
        ],
    ];
    // Built before the clock starts: the first `garita` of a test process
    // runs `cargo build`, which is no part of what a command costs.
    garita_bin();
    for words in &commands {
        let started = Instant::now();
        let out = run(garita(&store).arg("--config").arg(&config).args(words));
        let took = started.elapsed();
        assert_success(&out, &words.join(" "));
        assert!(
            !stderr(&out).contains("plugin"),
            "`{}` started a plugin: {}",
            words.join(" "),
            stderr(&out)
        );
        // A manifest that never returns is cut at 10 s: far above this.
        assert!(
            took < Duration::from_secs(5),
            "`{}` took {took:?}",
            words.join(" ")
        );
    }

    // A command that needs connectors loads the libraries side by side: two
    // stuck manifests cost one time limit, and each refusal says why.
    let wf = write(
        dir.path(),
        "plain.yaml",
        "name: plain\nsteps:\n  - id: set\n    uses: core.set\n    with: {values: {a: 1}}\n",
    );
    let started = Instant::now();
    let out = run(garita(&store)
        .arg("--config")
        .arg(&config)
        .arg("run")
        .arg(&wf));
    let took = started.elapsed();
    assert_success(&out, "a run on built-ins beside broken plugins");
    let err = stderr(&out);
    assert!(
        err.contains("libstuck.so was not loaded: its worker process did not load the library and send its manifest within 10 s"),
        "{err}"
    );
    assert!(err.contains("libstuck2.so was not loaded"), "{err}");
    assert!(
        err.contains(
            "libexits.so was not loaded: its worker process exited with code 7 while loading it"
        ),
        "{err}"
    );
    assert!(
        took < Duration::from_secs(18),
        "two stuck manifests took {took:?}"
    );
}

#[test]
fn a_plugin_seen_before_starts_only_when_one_of_its_actions_is_called() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = plugin_dir(dir.path());
    let alpha = hostile_library(&plugins, "alpha", &[])
        .canonicalize()
        .unwrap();
    let beta = hostile_library(&plugins, "beta", &[])
        .canonicalize()
        .unwrap();
    let Place {
        store,
        workflows,
        log,
        config,
    } = place(dir.path(), &format!("dirs = [\"{}\"]\n", plugins.display()));
    let wf = one_step(dir.path(), "alpha-ok", "alpha.ok", None);
    // The first command that needs connectors asks every library for its
    // manifest and remembers it by SHA-256.
    let first = run(garita(&store)
        .arg("--config")
        .arg(&config)
        .arg("run")
        .arg(&wf));
    assert_success(&first, "the first run");
    assert_eq!(
        std::fs::read_dir(store.join("plugin-manifests"))
            .unwrap()
            .count(),
        2,
        "both manifests remembered"
    );
    // From then on, a daemon registers both without starting either, and a
    // call starts only the library it calls.
    let mut daemon = Daemon::start(&store, &config, &workflows, &log);
    daemon.wait_for_socket(&store);
    let listed = run(garita(&store)
        .arg("--config")
        .arg(&config)
        .args(["plugins", "list"]));
    assert_success(&listed, "plugins list");
    assert!(stdout(&listed).contains("alpha") && stdout(&listed).contains("beta"));
    let json = run(garita(&store)
        .arg("--config")
        .arg(&config)
        .args(["plugins", "list", "--json"]));
    let plugins_listed: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    for plugin in plugins_listed.as_array().unwrap() {
        let expected = if plugin["origin"] == "built_in" {
            "built_in"
        } else {
            "worker"
        };
        assert_eq!(plugin["isolation"], expected, "{plugin}");
    }
    assert!(workers_of(&alpha).is_empty() && workers_of(&beta).is_empty());
    let second = run(garita(&store)
        .arg("--config")
        .arg(&config)
        .arg("run")
        .arg(&wf));
    assert_success(&second, "a run through the daemon");
    assert_eq!(
        workers_of(&alpha).len(),
        1,
        "alpha's worker serves the call"
    );
    assert!(workers_of(&beta).is_empty(), "beta was never needed");
    daemon.stop(Duration::from_secs(10));
}
