//! A plugin written in C from docs/plugin-abi.md alone (tests/fixtures/c-plugin)
//! loads and answers: the document is precise enough to implement the ABI.

mod support;

use std::process::Command;

use garita_engine::Connectors;
use garita_host::{HostConfig, PluginHost};
use garita_sdk::InvokeContext;
use serde_json::json;
use support::private_dir;

#[tokio::test]
async fn a_c_plugin_written_from_the_abi_document_works() {
    let dir = private_dir();
    let library = dir
        .path()
        .join(format!("libc_echo.{}", garita_host::LIBRARY_EXTENSION));
    let source = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/c-plugin/echo.c"
    );
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_owned());
    // Rust itself links through `cc` here, so a C compiler is always present.
    let status = Command::new(&cc)
        .args(["-shared", "-fPIC", "-Wall", "-Werror", "-o"])
        .arg(&library)
        .arg(source)
        .status()
        .unwrap_or_else(|err| panic!("cannot run {cc}: {err}"));
    assert!(status.success(), "compiling {source} failed");

    // The SDK version in the C file is fixed; skip the comparison if the SDK moved on.
    if !garita_host::sdk_compatible("0.1.0", garita_sdk::SDK_VERSION) {
        eprintln!("skipped: echo.c declares garita-sdk 0.1.0, update it");
        return;
    }
    let mut host = PluginHost::new(HostConfig::empty());
    host.load_library(&library).unwrap();
    let ctx = InvokeContext::for_test();
    let output = host
        .invoke("c_echo", "echo", ctx.clone(), json!({"a": [1, 2]}))
        .await
        .unwrap();
    assert_eq!(output, json!({"echo": {"a": [1, 2]}}));
    let err = host
        .invoke("c_echo", "nope", ctx, json!({}))
        .await
        .unwrap_err();
    assert!(err.message().contains("has no action `nope`"), "{err}");
}
