//! examples/hello-plugin, the out-of-tree example of docs/plugin-authors.md:
//! it builds against the SDK alone, passes `plugins check` and the
//! conformance suite, and answers through the host.

mod support;

use garita_engine::Connectors;
use garita_host::{check_library, conformance, HostConfig, PluginHost, PluginLibrary};
use garita_sdk::{ActionError, InvokeContext};
use serde_json::json;
use support::{hello_library, installed};

#[test]
fn the_example_is_a_valid_plugin() {
    let (_dir, path) = installed(hello_library());
    let report = check_library(&path).unwrap();
    assert_eq!(report.manifest.name, "hello");
    assert_eq!(report.manifest.actions[0].name, "greet");
}

#[test]
fn the_example_passes_the_conformance_suite() {
    let library = PluginLibrary::load(hello_library()).unwrap();
    let failures = conformance::run(&library, &[("greet", json!({"name": "Ana"}))]);
    assert!(failures.is_empty(), "{}", conformance::describe(&failures));
}

#[tokio::test]
async fn the_example_greets_through_the_host() {
    let (dir, _path) = installed(hello_library());
    let config = HostConfig {
        dirs: vec![dir.path().to_path_buf()],
        ..HostConfig::empty()
    };
    let mut host = PluginHost::new(config);
    let report = host.load_plugins();
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    let ctx = InvokeContext {
        locale: "en".into(),
        ..InvokeContext::for_test()
    };
    let output = host
        .invoke("hello", "greet", ctx, json!({"name": "Ana"}))
        .await
        .unwrap();
    assert_eq!(output, json!({"greeting": "Hello, Ana!"}));
    let err = host
        .invoke("hello", "greet", InvokeContext::for_test(), json!({}))
        .await
        .unwrap_err();
    assert!(matches!(err, ActionError::InvalidInput { .. }), "{err:?}");
}
