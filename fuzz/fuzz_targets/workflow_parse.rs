//! Any bytes as a workflow file: `parse_workflow` (with the manifests of every
//! built-in connector, so `uses:`/`with:` checks run too) and `yaml_to_json`
//! must answer with a workflow or diagnostics, never panic or hang.
#![no_main]

use std::sync::OnceLock;

use garita_sdk::{Connector, Manifest};
use libfuzzer_sys::fuzz_target;

fn manifests() -> &'static [Manifest] {
    static MANIFESTS: OnceLock<Vec<Manifest>> = OnceLock::new();
    MANIFESTS.get_or_init(|| {
        let connectors: [&dyn Connector; 5] = [
            &garita_core::Core,
            &ecuapass::EcuapassConnector,
            &anam::AnamConnector,
            &ctpat::CtpatConnector,
            &email::EmailConnector,
        ];
        connectors.iter().map(|c| c.manifest()).collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    match garita_engine::parse::parse_workflow("fuzz.yaml", source, manifests()) {
        Ok(workflow) => assert!(!workflow.steps.is_empty(), "a parsed workflow has steps"),
        Err(diagnostics) => assert!(!diagnostics.0.is_empty(), "a refused file has a diagnostic"),
    }
    let _ = garita_engine::parse::yaml_to_json("fuzz.yaml", source);
});
