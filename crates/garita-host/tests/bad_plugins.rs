//! Misbehaving plugin libraries: each is refused or contained with a message
//! that names the library and the problem, and the process survives.

mod support;

use std::sync::Arc;

use garita_engine::Connectors;
use garita_host::{HostConfig, HostError, PluginHost, PluginLibrary};
use garita_sdk::{ActionError, InvokeContext};
use serde_json::json;
use support::{fixture, installed};

fn load(name: &str) -> (tempfile::TempDir, Result<PluginHost, HostError>) {
    let (dir, path) = installed(&fixture(name));
    let mut host = PluginHost::new(HostConfig::empty());
    let result = host.load_library(&path).map(|_| host);
    (dir, result)
}

fn refusal(name: &str) -> String {
    match load(name).1 {
        Ok(_) => panic!("fixture {name} was accepted"),
        Err(err) => err.to_string(),
    }
}

#[test]
fn a_library_without_the_entry_symbol_is_not_a_plugin() {
    let message = refusal("not_a_plugin");
    assert!(message.contains("libnot_a_plugin"), "{message}");
    assert!(
        message.contains("not a Garita plugin: no `garita_connector_entry` symbol"),
        "{message}"
    );
}

#[test]
fn a_wrong_abi_version_is_refused_before_anything_is_called() {
    // The fixture's functions abort the process: reaching this assertion at
    // all proves none was called.
    let message = refusal("wrong_abi");
    assert!(message.contains("libwrong_abi"), "{message}");
    assert!(message.contains("ABI version 2"), "{message}");
    assert!(message.contains("this host speaks version 1"), "{message}");
}

#[test]
fn an_incompatible_sdk_is_refused_before_anything_is_called() {
    let message = refusal("old_sdk");
    assert!(message.contains("garita-sdk 99.0.0"), "{message}");
    assert!(message.contains(garita_sdk::SDK_VERSION), "{message}");
}

#[test]
fn a_manifest_that_is_not_json_is_refused() {
    let message = refusal("bad_manifest");
    assert!(message.contains("libbad_manifest"), "{message}");
    assert!(message.contains("not valid manifest JSON"), "{message}");
}

async fn call(
    host: &PluginHost,
    connector: &str,
    action: &str,
) -> Result<serde_json::Value, ActionError> {
    Connectors::invoke(
        host,
        connector,
        action,
        InvokeContext::for_test(),
        json!({}),
    )
    .await
}

#[tokio::test]
async fn a_panic_in_invoke_fails_the_call_and_the_process_survives() {
    let (_dir, host) = load("panicky");
    let host = host.unwrap();
    let err = call(&host, "panicky", "boom").await.unwrap_err();
    assert!(matches!(err, ActionError::Permanent { .. }), "{err:?}");
    assert!(
        err.message()
            .contains("the llama escaped from fixture panicky"),
        "{err}"
    );
    assert!(err.message().contains("libpanicky"), "{err}");
    // The library is still usable afterwards.
    assert_eq!(
        call(&host, "panicky", "fine").await.unwrap(),
        json!({"ok": true})
    );
}

#[tokio::test]
async fn garbage_output_is_a_permanent_error_naming_the_library() {
    let (_dir, host) = load("garbage");
    let host = host.unwrap();
    for (action, problem) in [
        ("binary", "not UTF-8"),
        ("text", "not valid JSON"),
        ("bad_error", "not ActionError JSON"),
    ] {
        let err = call(&host, "garbage", action).await.unwrap_err();
        assert!(matches!(err, ActionError::Permanent { .. }), "{err:?}");
        assert!(err.message().contains("libgarbage"), "{err}");
        assert!(err.message().contains(problem), "{action}: {err}");
    }
}

#[tokio::test]
async fn output_breaking_the_declared_schema_is_refused_with_every_mismatch() {
    let (_dir, host) = load("off_schema");
    let host = host.unwrap();
    let err = call(&host, "off_schema", "count").await.unwrap_err();
    assert!(matches!(err, ActionError::Permanent { .. }), "{err:?}");
    let message = err.message();
    assert!(message.contains("liboff_schema"), "{message}");
    assert!(
        message.contains("does not match its declared output schema"),
        "{message}"
    );
    assert!(message.contains("/count"), "{message}");
    assert!(message.contains("label"), "{message}");
}

#[test]
fn a_panicking_plugin_also_fails_the_conformance_suite_without_crashing() {
    let (_dir, path) = installed(&fixture("panicky"));
    let library = Arc::new(PluginLibrary::load(&path).unwrap());
    let failures = garita_host::conformance::run(library.as_ref(), &[("boom", json!({}))]);
    assert!(
        failures
            .iter()
            .any(|f| f.message.contains("the llama escaped")),
        "{failures:?}"
    );
}
