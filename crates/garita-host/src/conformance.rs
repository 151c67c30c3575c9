//! The conformance suite every connector's tests run.
//!
//! It calls the connector directly — not through [`PluginHost`](crate::PluginHost),
//! whose schema check would hide a connector that trusts its input — and checks:
//!
//! - the manifest follows the host's rules ([`manifest_problems`]);
//! - every input and output schema is a valid JSON Schema (draft 2020-12);
//! - inputs generated to violate an action's input schema are refused with
//!   [`ActionError::InvalidInput`] carrying field paths, without a panic;
//! - each caller-given example input matches the input schema; its output
//!   matches the output schema; side-effect-free actions return the same
//!   result when called twice (side-effecting ones are called once);
//! - an unknown action name is an error, not a success or a panic.
//!
//! A connector crate adds, in `tests/conformance.rs`:
//!
//! ```no_run
//! # struct Ecuapass; impl garita_sdk::Connector for Ecuapass {
//! #   fn manifest(&self) -> garita_sdk::Manifest { unimplemented!() }
//! #   fn invoke(&self, _: &garita_sdk::InvokeContext, _: &str, _: serde_json::Value)
//! #     -> Result<serde_json::Value, garita_sdk::ActionError> { unimplemented!() } }
//! use serde_json::json;
//! let examples = [("validate_ruc", json!({"ruc": "0990000000001"}))];
//! let failures = garita_host::conformance::run(&Ecuapass, &examples);
//! assert!(failures.is_empty(), "{}", garita_host::conformance::describe(&failures));
//! // and, with the cdylib built, the same suite through the C ABI:
//! // garita_host::conformance::run_library(&lib_path, &Ecuapass, &examples)
//! ```

mod invalid_inputs;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use garita_sdk::{ActionError, ActionSpec, Connector, InvokeContext, Manifest};
use jsonschema::Validator;
use serde_json::{json, Value};

use crate::library::PluginLibrary;
use crate::manifest_rules::manifest_problems;

/// Which rule a connector broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// The library could not be loaded at all.
    Load,
    /// The manifest breaks the host's rules, or `manifest()` panicked.
    Manifest,
    /// A schema is not a valid JSON Schema.
    Schema,
    /// Input violating the schema was not refused properly.
    InvalidInput,
    /// A caller-given example is wrong or gave output violating the schema.
    Example,
    /// A side-effect-free action gave different results for the same input.
    Determinism,
    /// An unknown action name was not refused.
    UnknownAction,
    /// The library and the linked connector disagree.
    SameAsBuiltIn,
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq)]
pub struct ConformanceFailure {
    /// What was tested: `connector NAME` or `library PATH`.
    pub subject: String,
    /// The rule.
    pub check: Check,
    /// The action concerned, if any.
    pub action: Option<String>,
    /// What went wrong.
    pub message: String,
}

impl std::fmt::Display for ConformanceFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} [{:?}]", self.subject, self.check)?;
        if let Some(action) = &self.action {
            write!(f, " action `{action}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// All failures, one per line, for an assertion message.
pub fn describe(failures: &[ConformanceFailure]) -> String {
    failures
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs the suite on `connector`. `examples` are `(action name, valid input)`
/// pairs, the action name without the connector prefix.
pub fn run(connector: &dyn Connector, examples: &[(&str, Value)]) -> Vec<ConformanceFailure> {
    let mut suite = Suite {
        connector,
        subject: String::new(),
        failures: Vec::new(),
    };
    let Some(manifest) = suite.manifest() else {
        return suite.failures;
    };
    suite.subject = format!("connector {}", manifest.name);
    suite.run(&manifest, examples);
    suite.failures
}

/// Runs the suite on the plugin library at `path` and on `built_in`, the same
/// connector linked, and checks that both have the same manifest and give the
/// same results for the side-effect-free examples.
///
/// File permissions are not checked here (a build directory need not be
/// locked down); [`check_library`](crate::check_library) does that.
pub fn run_library(
    path: &Path,
    built_in: &dyn Connector,
    examples: &[(&str, Value)],
) -> Vec<ConformanceFailure> {
    let subject = format!("library {}", path.display());
    let library = match PluginLibrary::load(path) {
        Ok(library) => library,
        Err(err) => {
            return vec![ConformanceFailure {
                subject,
                check: Check::Load,
                action: None,
                message: err.to_string(),
            }];
        }
    };
    let mut failures = run(built_in, examples);
    let mut dynamic = Suite {
        connector: &library,
        subject: subject.clone(),
        failures: Vec::new(),
    };
    if let Some(manifest) = dynamic.manifest() {
        dynamic.run(&manifest, examples);
        let linked = Suite {
            connector: built_in,
            subject: String::new(),
            failures: Vec::new(),
        }
        .manifest();
        if linked.as_ref() != Some(&manifest) {
            dynamic.fail(
                Check::SameAsBuiltIn,
                None,
                "the library's manifest differs from the linked connector's".into(),
            );
        }
        for (action, input) in examples {
            if manifest.find(action).is_some_and(|spec| !spec.side_effects) {
                let from_library = call(&library, action, input.clone());
                let from_linked = call(built_in, action, input.clone());
                if from_library != from_linked {
                    dynamic.fail(
                        Check::SameAsBuiltIn,
                        Some(action),
                        format!("the library returned {from_library:?}, the linked connector {from_linked:?}"),
                    );
                }
            }
        }
    }
    failures.extend(dynamic.failures);
    failures
}

/// A call's outcome, with a panic as its message.
type Outcome = Result<Result<Value, ActionError>, String>;

fn call(connector: &dyn Connector, action: &str, input: Value) -> Outcome {
    let ctx = InvokeContext::for_test();
    catch_unwind(AssertUnwindSafe(|| connector.invoke(&ctx, action, input)))
        .map_err(|payload| garita_sdk::abi::panic_message(&*payload))
}

struct Suite<'a> {
    connector: &'a dyn Connector,
    subject: String,
    failures: Vec<ConformanceFailure>,
}

impl Suite<'_> {
    fn fail(&mut self, check: Check, action: Option<&str>, message: String) {
        self.failures.push(ConformanceFailure {
            subject: self.subject.clone(),
            check,
            action: action.map(str::to_owned),
            message,
        });
    }

    fn manifest(&mut self) -> Option<Manifest> {
        let connector = self.connector;
        match catch_unwind(AssertUnwindSafe(|| connector.manifest())) {
            Ok(manifest) => Some(manifest),
            Err(payload) => {
                let message = format!(
                    "`manifest()` panicked: {}",
                    garita_sdk::abi::panic_message(&*payload)
                );
                self.fail(Check::Manifest, None, message);
                None
            }
        }
    }

    fn run(&mut self, manifest: &Manifest, examples: &[(&str, Value)]) {
        for problem in manifest_problems(manifest) {
            self.fail(Check::Manifest, None, problem);
        }
        for spec in &manifest.actions {
            let input = self.compile(spec, "input", &spec.input_schema);
            let output = self.compile(spec, "output", &spec.output_schema);
            let action_examples: Vec<&Value> = examples
                .iter()
                .filter(|(action, _)| *action == spec.name)
                .map(|(_, input)| input)
                .collect();
            if let Some(input) = &input {
                self.invalid_inputs_are_refused(spec, input, action_examples.first().copied());
            }
            for example in action_examples {
                self.example(spec, input.as_ref(), output.as_ref(), example);
            }
        }
        for (action, _) in examples {
            if manifest.find(action).is_none() {
                self.fail(
                    Check::Example,
                    Some(action),
                    "an example names an action the manifest does not declare".into(),
                );
            }
        }
        self.unknown_action_is_refused();
    }

    fn compile(&mut self, spec: &ActionSpec, which: &str, schema: &Value) -> Option<Validator> {
        match jsonschema::draft202012::new(schema) {
            Ok(validator) => Some(validator),
            Err(err) => {
                self.fail(
                    Check::Schema,
                    Some(&spec.name),
                    format!("the {which} schema is not a valid JSON Schema: {err}"),
                );
                None
            }
        }
    }

    fn invalid_inputs_are_refused(
        &mut self,
        spec: &ActionSpec,
        schema: &Validator,
        example: Option<&Value>,
    ) {
        for input in invalid_inputs::generate(&spec.input_schema, example) {
            if schema.is_valid(&input) {
                continue; // the generator's guess happened to be valid
            }
            let message = match call(self.connector, &spec.name, input.clone()) {
                Ok(Err(ActionError::InvalidInput { fields, .. })) if !fields.is_empty() => continue,
                Ok(Err(ActionError::InvalidInput { .. })) => {
                    format!("refused {input} as invalid input but named no field")
                }
                Ok(Err(other)) => {
                    format!("refused {input} with {other:?} instead of an invalid_input error")
                }
                Ok(Ok(output)) => format!(
                    "accepted {input}, which violates its input schema, and returned {output}"
                ),
                Err(panic) => format!("panicked on the invalid input {input}: {panic}"),
            };
            self.fail(Check::InvalidInput, Some(&spec.name), message);
        }
    }

    fn example(
        &mut self,
        spec: &ActionSpec,
        input: Option<&Validator>,
        output: Option<&Validator>,
        example: &Value,
    ) {
        let name = spec.name.as_str();
        if let Some(problems) = input
            .map(|schema| schema_problems(schema, example))
            .filter(|p| !p.is_empty())
        {
            self.fail(
                Check::Example,
                Some(name),
                format!("the example {example} violates the input schema: {problems}"),
            );
            return;
        }
        let first = call(self.connector, name, example.clone());
        match &first {
            Err(panic) => {
                self.fail(
                    Check::Example,
                    Some(name),
                    format!("panicked on the example {example}: {panic}"),
                );
                return;
            }
            Ok(Ok(value)) => {
                if let Some(problems) = output
                    .map(|schema| schema_problems(schema, value))
                    .filter(|p| !p.is_empty())
                {
                    self.fail(
                        Check::Example,
                        Some(name),
                        format!("the output {value} violates the output schema: {problems}"),
                    );
                }
            }
            Ok(Err(_)) => {}
        }
        if !spec.side_effects {
            let second = call(self.connector, name, example.clone());
            if second != first {
                self.fail(
                    Check::Determinism,
                    Some(name),
                    format!("two calls with {example} gave {first:?} and then {second:?}; a side-effect-free action must be deterministic"),
                );
            }
        }
    }

    fn unknown_action_is_refused(&mut self) {
        const UNKNOWN: &str = "garita-conformance-no-such-action";
        let message = match call(self.connector, UNKNOWN, json!({})) {
            Ok(Err(_)) => return,
            Ok(Ok(output)) => format!("the unknown action `{UNKNOWN}` succeeded with {output}"),
            Err(panic) => format!("the unknown action `{UNKNOWN}` panicked: {panic}"),
        };
        self.fail(Check::UnknownAction, None, message);
    }
}

fn schema_problems(schema: &Validator, value: &Value) -> String {
    schema
        .iter_errors(value)
        .map(|err| format!("{}: {err}", err.instance_path()))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests;
