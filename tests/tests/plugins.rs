//! Plugins with the real binary: an out-of-tree plugin built against the SDK
//! alone is checked, loaded from a configured directory and used by a
//! workflow; a panicking step fails only that step.

mod support;

use std::path::PathBuf;
use std::process::Command;

use support::*;

/// Builds examples/hello-plugin (its own workspace) into a private target dir.
fn build_hello_plugin() -> PathBuf {
    let target = root().join("target").join("e2e-hello-plugin");
    let status = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--manifest-path"])
        .arg(root().join("examples/hello-plugin/Cargo.toml"))
        .arg("--target-dir")
        .arg(&target)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building examples/hello-plugin failed");
    target.join("debug").join("libhello_plugin.so")
}

#[test]
fn an_out_of_tree_plugin_is_checked_loaded_and_used_by_a_workflow() {
    let lib = build_hello_plugin();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");

    let check = run(garita(&store)
        .args(["plugins", "check"])
        .arg(&lib)
        .arg("--json"));
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(report["valid"], true);
    assert_eq!(report["abi_version"], 1);
    assert_eq!(report["manifest"]["name"], "hello");

    // Install it in a plugin directory named by the configuration.
    let plugins = dir.path().join("plugins");
    std::fs::create_dir(&plugins).unwrap();
    std::fs::copy(&lib, plugins.join("libhello_plugin.so")).unwrap();
    let config = write(
        dir.path(),
        "garita.toml",
        &format!("[plugins]\ndirs = [\"{}\"]\n", plugins.display()),
    );

    let list = run(garita(&store)
        .arg("--config")
        .arg(&config)
        .args(["plugins", "list", "--json"]));
    let listed: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "hello"),
        "{listed}"
    );

    let wf = write(
        dir.path(),
        "hello.yaml",
        "name: hello-demo\nlocale: en\nsteps:\n  - id: greet\n    uses: hello.greet\n    with: {name: Ana}\n",
    );
    let out = run(garita(&store)
        .arg("--config")
        .arg(&config)
        .arg("run")
        .arg(&wf)
        .arg("--json"));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let view: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let greeting = view["steps"][0]["outputs"]["greeting"].as_str().unwrap();
    assert!(greeting.contains("Ana"), "{greeting}");

    // Without the configuration the action is unknown, and validation says so.
    let invalid = run(garita(&store).arg("validate").arg(&wf));
    assert_eq!(invalid.status.code(), Some(1));
    assert!(stdout(&invalid).contains("hello"), "{}", stdout(&invalid));
}

#[test]
fn a_library_that_is_not_a_plugin_is_refused_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let fake = write(dir.path(), "libfake.so", "not a library");
    let out = run(garita(&dir.path().join("s"))
        .args(["plugins", "check"])
        .arg(&fake));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("libfake.so"), "{}", stderr(&out));
}

#[test]
fn a_panicking_step_fails_only_that_run_and_records_the_panic() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let wf = write(
        dir.path(),
        "panic.yaml",
        "name: panics\nsteps:\n  - id: boom\n    uses: core.panic\n    with: {message: kaboom-42}\n",
    );
    let out = run(garita(&store).arg("run").arg(&wf));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("kaboom-42"), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("thread 'main' panicked"),
        "{}",
        stderr(&out)
    );
    // The process survived to record it: the run shows the panic.
    let show = run(garita(&store).args(["runs", "list", "--json"]));
    let runs: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(runs[0]["status"], "failed");
    assert!(
        runs[0]["error"].as_str().unwrap().contains("panicked"),
        "{}",
        runs[0]
    );
}

/// A shared library whose initialiser ends the process that loads it with
/// exit code 7 (issue 16.5: `plugins check` of such a file ended garita).
fn exiting_library(dir: &std::path::Path, name: &str) -> PathBuf {
    let source = write(
        dir,
        "exits.c",
        "#include <stdlib.h>\n__attribute__((constructor)) static void boom(void) { exit(7); }\n",
    );
    let lib = dir.join(name);
    let status = Command::new("gcc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(&lib)
        .arg(&source)
        .status()
        .expect("gcc runs");
    assert!(status.success(), "gcc failed");
    lib
}

#[test]
fn checking_a_library_never_runs_it_in_garita_and_prints_its_hash_first() {
    let dir = tempfile::tempdir().unwrap();
    let lib = exiting_library(dir.path(), "libexits.so");
    let out = run(garita(&dir.path().join("s"))
        .args(["plugins", "check"])
        .arg(&lib));
    assert_eq!(
        out.status.code(),
        Some(1),
        "garita itself must not end with the library's exit code: {}{}",
        stdout(&out),
        stderr(&out)
    );
    let bytes = std::fs::read(&lib).unwrap();
    let digest: String = sha2_hex(&bytes);
    assert!(
        stdout(&out).contains(&format!("sha256       {digest}")),
        "the hash is printed from the file first: {}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("exited with code 7 while loading it"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_bare_file_name_loads_that_file_not_one_on_the_loader_path() {
    let dir = tempfile::tempdir().unwrap();
    let here = dir.path().join("here");
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir(&here).unwrap();
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::copy(build_hello_plugin(), here.join("libx.so")).unwrap();
    exiting_library(&elsewhere, "libx.so");
    let out = run(garita(&dir.path().join("s"))
        .current_dir(&here)
        .env("LD_LIBRARY_PATH", &elsewhere)
        .args(["plugins", "check", "libx.so", "--json"]));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["manifest"]["name"], "hello", "{report}");
}

#[test]
fn a_library_another_user_could_replace_is_refused_naming_the_culprit() {
    if !is_root() {
        eprintln!("SKIPPED: changing owners needs root");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let nobody = 65534;
    // A directory on the path that belongs to someone else.
    let theirs = dir.path().join("theirs");
    std::fs::create_dir(&theirs).unwrap();
    let lib = theirs.join("libhello.so");
    std::fs::copy(build_hello_plugin(), &lib).unwrap();
    std::os::unix::fs::chown(&theirs, Some(nobody), Some(nobody)).unwrap();
    let out = run(garita(&dir.path().join("s"))
        .args(["plugins", "check"])
        .arg(&lib));
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("directory") && stderr(&out).contains("belongs to uid 65534"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains(&theirs.display().to_string()),
        "{}",
        stderr(&out)
    );

    // The library itself owned by someone else, 0755.
    let mine = dir.path().join("mine");
    std::fs::create_dir(&mine).unwrap();
    let lib = mine.join("libhello.so");
    std::fs::copy(build_hello_plugin(), &lib).unwrap();
    std::os::unix::fs::chown(&lib, Some(nobody), Some(nobody)).unwrap();
    let out = run(garita(&dir.path().join("s"))
        .args(["plugins", "check"])
        .arg(&lib));
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("file") && stderr(&out).contains("belongs to uid 65534"),
        "{}",
        stderr(&out)
    );
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn sha2_hex(bytes: &[u8]) -> String {
    let out = Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(bytes)?;
            child.wait_with_output()
        })
        .expect("sha256sum runs");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}
