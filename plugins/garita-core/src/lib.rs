//! The built-in `core` connector: small, dependable actions every Garita
//! installation has, used by workflows for plumbing and by the test suites to
//! exercise the engine (failures, slow steps, crashes mid-step, panics).
//!
//! It is linked into the `garita` binary and also built as a `cdylib`, which
//! makes it the reference plugin for the host's conformance tests.
//!
//! | action | side effects | what it does |
//! |---|---|---|
//! | `core.set` | no | returns its input object |
//! | `core.fail` | no | fails with the given message (retryable or not) |
//! | `core.append_file` | yes | appends a line to a file, once per run and step |
//! | `core.sleep` | no | sleeps up to 60 s |
//! | `core.panic` | no | panics: only for testing panic isolation |

mod append_file;
mod fail;
mod input;
mod panic;
mod set;
mod sleep;

use garita_sdk::serde_json::Value;
use garita_sdk::{ActionError, Connector, InvokeContext, Manifest};

/// The connector's name, the prefix of its actions in workflows.
pub const NAME: &str = "core";

/// The `core` connector. Stateless; create it with `Core` or `Core::default()`.
#[derive(Debug, Default, Clone, Copy)]
pub struct Core;

impl Connector for Core {
    fn manifest(&self) -> Manifest {
        Manifest::new(
            NAME,
            env!("CARGO_PKG_VERSION"),
            "Built-in plumbing: set values, fail, append to a file, sleep.",
        )
        .action(set::spec())
        .action(fail::spec())
        .action(append_file::spec())
        .action(sleep::spec())
        .action(panic::spec())
    }

    fn invoke(
        &self,
        ctx: &InvokeContext,
        action: &str,
        input: Value,
    ) -> Result<Value, ActionError> {
        match action {
            set::NAME => set::run(input),
            fail::NAME => fail::run(&input),
            append_file::NAME => append_file::run(ctx, &input),
            sleep::NAME => sleep::run(&input),
            panic::NAME => panic::run(&input),
            other => Err(ActionError::unknown_action(other)),
        }
    }
}

#[cfg(feature = "cdylib")]
garita_sdk::export_connector!(Core);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_lists_every_action_once() {
        let manifest = Core.manifest();
        let names: Vec<&str> = manifest.actions.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["set", "fail", "append_file", "sleep", "panic"]);
        assert!(manifest.find("append_file").unwrap().side_effects);
    }

    #[test]
    fn unknown_action_is_permanent() {
        let err = Core
            .invoke(&InvokeContext::for_test(), "nope", Value::Null)
            .unwrap_err();
        assert_eq!(err, ActionError::unknown_action("nope"));
    }
}
