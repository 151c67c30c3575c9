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
