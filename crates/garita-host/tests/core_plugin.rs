//! The `core` connector, linked and as its built cdylib: the conformance suite,
//! discovery, trust checks, name conflicts, and calls through the host.

mod support;

use std::sync::Arc;

use garita_engine::Connectors;
use garita_host::{check_library, conformance, HostConfig, HostError, Origin, PluginHost};
use garita_sdk::{ActionError, IdempotencyKey, InvokeContext};
use serde_json::{json, Value};
use support::{core_library, install, installed, private_dir};

fn examples() -> Vec<(&'static str, Value)> {
    vec![
        (
            "set",
            json!({"name": "Ana", "days": 45, "nested": {"list": [1, 2, 3]}}),
        ),
        (
            "fail",
            json!({"message": "expected failure", "retryable": true}),
        ),
        ("sleep", json!({"ms": 1})),
    ]
}

#[test]
fn linked_core_passes_the_conformance_suite() {
    let failures = conformance::run(&garita_core::Core, &examples());
    assert!(failures.is_empty(), "{}", conformance::describe(&failures));
}

#[test]
fn core_cdylib_passes_the_conformance_suite_and_matches_the_linked_one() {
    let failures = conformance::run_library(core_library(), &garita_core::Core, &examples());
    assert!(failures.is_empty(), "{}", conformance::describe(&failures));
}

#[test]
fn check_library_reports_what_the_cli_prints() {
    let (_dir, path) = installed(core_library());
    let report = check_library(&path).unwrap();
    assert_eq!(report.abi_version, garita_sdk::abi::ABI_VERSION);
    assert_eq!(report.sdk_version, garita_sdk::SDK_VERSION);
    assert_eq!(report.manifest.name, "core");
    assert_eq!(report.sha256.len(), 64);
}

#[test]
fn discovery_loads_libraries_and_reports_refusals_and_missing_dirs() {
    let dir = private_dir();
    install(core_library(), dir.path(), "libgarita_core.so");
    install(
        &support::fixture("not_a_plugin"),
        dir.path(),
        "libzz_not_a_plugin.so",
    );
    let missing = dir.path().join("missing");
    let config = HostConfig {
        dirs: vec![missing.clone(), dir.path().to_path_buf()],
        ..HostConfig::empty()
    };
    let mut host = PluginHost::new(config);
    let report = host.load_plugins();
    assert_eq!(report.loaded.len(), 1);
    assert_eq!(report.loaded[0].name, "core");
    assert_eq!(report.refused.len(), 1);
    assert!(matches!(report.refused[0], HostError::NotAPlugin { .. }));
    assert_eq!(report.missing_dirs, [missing]);
    let list = host.list();
    assert_eq!(
        list[0].origin,
        Origin::Path(dir.path().join("libgarita_core.so"))
    );
    assert_eq!(
        list[0].actions,
        ["set", "fail", "append_file", "sleep", "panic"]
    );
}

#[test]
fn a_world_writable_directory_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = private_dir();
    let path = install(core_library(), dir.path(), "libgarita_core.so");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let err = PluginHost::new(HostConfig::empty())
        .load_library(&path)
        .unwrap_err();
    assert!(
        matches!(
            err,
            HostError::InsecurePermissions {
                kind: "directory",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("chmod go-w"), "{err}");
}

#[test]
fn the_sha256_allow_list_is_enforced() {
    let (_dir, path) = installed(core_library());
    let sha = check_library(&path).unwrap().sha256;
    let refused = HostConfig {
        allow_sha256: Some(vec!["00".repeat(32)]),
        ..HostConfig::empty()
    };
    let err = PluginHost::new(refused).load_library(&path).unwrap_err();
    assert!(matches!(err, HostError::NotAllowed { .. }), "{err}");
    assert!(err.to_string().contains(&sha), "{err}");
    let allowed = HostConfig {
        allow_sha256: Some(vec![sha.to_uppercase()]),
        ..HostConfig::empty()
    };
    PluginHost::new(allowed).load_library(&path).unwrap();
}

#[test]
fn a_plugin_may_not_shadow_a_built_in_unless_overridden() {
    let (_dir, path) = installed(core_library());
    let mut host = PluginHost::new(HostConfig::empty());
    host.register_builtin(Arc::new(garita_core::Core)).unwrap();
    let err = host.load_library(&path).unwrap_err();
    assert!(matches!(err, HostError::ShadowsBuiltIn { .. }), "{err}");
    assert!(err.to_string().contains("plugins.override"), "{err}");
    assert_eq!(host.list()[0].origin, Origin::BuiltIn);

    let mut host = PluginHost::new(HostConfig {
        overrides: vec!["core".into()],
        ..HostConfig::empty()
    });
    host.register_builtin(Arc::new(garita_core::Core)).unwrap();
    host.load_library(&path).unwrap();
    assert_eq!(host.list()[0].origin, Origin::Path(path.clone()));
}

#[test]
fn the_same_connector_from_two_libraries_is_refused() {
    let (_first_dir, first) = installed(core_library());
    let (_second_dir, second) = installed(core_library());
    let mut host = PluginHost::new(HostConfig::empty());
    host.load_library(&first).unwrap();
    let err = host.load_library(&second).unwrap_err();
    assert!(matches!(err, HostError::Duplicate { .. }), "{err}");
}

fn ctx(run: &str, step: &str) -> InvokeContext {
    InvokeContext {
        idempotency_key: IdempotencyKey {
            run_id: run.into(),
            step_id: step.into(),
            attempt: 1,
        },
        ..InvokeContext::for_test()
    }
}

/// One host with the linked core, one with the library: both must behave the same.
fn both_hosts() -> (tempfile::TempDir, Vec<PluginHost>) {
    let (dir, path) = installed(core_library());
    let mut linked = PluginHost::new(HostConfig::empty());
    linked
        .register_builtin(Arc::new(garita_core::Core))
        .unwrap();
    let mut dynamic = PluginHost::new(HostConfig::empty());
    dynamic.load_library(&path).unwrap();
    (dir, vec![linked, dynamic])
}

#[tokio::test]
async fn invalid_input_is_refused_with_field_paths_before_the_call() {
    let (_dir, hosts) = both_hosts();
    for host in &hosts {
        let err = host
            .invoke("core", "sleep", ctx("r", "s"), json!({"ms": "soon"}))
            .await
            .unwrap_err();
        let ActionError::InvalidInput { fields, .. } = err else {
            panic!("expected InvalidInput, got {err:?}")
        };
        assert_eq!(fields[0].path, "/ms", "{fields:?}");
    }
}

#[tokio::test]
async fn a_panicking_action_fails_with_its_message_through_either_path() {
    let (_dir, hosts) = both_hosts();
    for host in &hosts {
        let input = json!({"message": "deliberate test panic"});
        let err = host
            .invoke("core", "panic", ctx("r", "s"), input)
            .await
            .unwrap_err();
        assert!(matches!(err, ActionError::Permanent { .. }), "{err:?}");
        assert!(err.message().contains("deliberate test panic"), "{err}");
    }
    let err = hosts[0]
        .invoke("core", "panic", ctx("r", "s"), json!({}))
        .await
        .unwrap_err();
    assert!(
        err.message()
            .starts_with("connector core panicked in action panic: "),
        "{err}"
    );
}

#[tokio::test]
async fn append_file_writes_once_per_step_through_the_library() {
    let (_dir, hosts) = both_hosts();
    let out = private_dir();
    let file = out.path().join("log.txt");
    let input = json!({"path": file.to_str().unwrap(), "line": "renewal reminder sent"});
    let first = hosts[1]
        .invoke("core", "append_file", ctx("run-1", "notify"), input.clone())
        .await
        .unwrap();
    let replay = hosts[1]
        .invoke("core", "append_file", ctx("run-1", "notify"), input.clone())
        .await
        .unwrap();
    let linked = hosts[0]
        .invoke("core", "append_file", ctx("run-1", "notify"), input)
        .await
        .unwrap();
    assert_eq!(first, json!({"appended": true}));
    assert_eq!(replay, json!({"appended": false}));
    assert_eq!(linked, json!({"appended": false}));
    assert_eq!(std::fs::read_to_string(&file).unwrap().lines().count(), 1);
}

#[tokio::test]
async fn unknown_connectors_and_actions_are_permanent_errors() {
    let (_dir, hosts) = both_hosts();
    let err = hosts[1]
        .invoke("nope", "x", ctx("r", "s"), json!({}))
        .await
        .unwrap_err();
    assert!(err.message().contains("unknown connector `nope`"), "{err}");
    let err = hosts[1]
        .invoke("core", "nope", ctx("r", "s"), json!({}))
        .await
        .unwrap_err();
    assert!(err.message().contains("has no action `nope`"), "{err}");
}

#[test]
fn calls_work_from_a_current_thread_runtime() {
    let (_dir, hosts) = both_hosts();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let output = runtime
        .block_on(hosts[1].invoke("core", "set", ctx("r", "s"), json!({"a": 1})))
        .unwrap();
    assert_eq!(output, json!({"a": 1}));
}
