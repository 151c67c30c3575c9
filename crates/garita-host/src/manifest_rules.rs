//! The rules every connector's manifest must follow, whether built in or loaded.

use std::collections::BTreeSet;

use garita_sdk::Manifest;

/// Every problem with `manifest`; empty when it is well-formed.
///
/// Names must be non-empty and free of dots and whitespace (workflows write
/// `CONNECTOR.ACTION`), action names unique, and both schemas of every action
/// JSON objects.
pub fn manifest_problems(manifest: &Manifest) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(problem) = name_problem(&manifest.name) {
        problems.push(format!("connector name {problem}"));
    }
    if manifest.version.trim().is_empty() {
        problems.push("the version is empty".to_owned());
    }
    let mut seen = BTreeSet::new();
    for action in &manifest.actions {
        if let Some(problem) = name_problem(&action.name) {
            problems.push(format!("action name `{}` {problem}", action.name));
        }
        if !seen.insert(action.name.as_str()) {
            problems.push(format!(
                "action `{}` is declared more than once",
                action.name
            ));
        }
        for (which, schema) in [
            ("input", &action.input_schema),
            ("output", &action.output_schema),
        ] {
            if !schema.is_object() {
                problems.push(format!(
                    "the {which} schema of action `{}` is not a JSON object",
                    action.name
                ));
            }
        }
    }
    problems
}

fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("is empty")
    } else if name.contains('.') {
        Some("contains a dot")
    } else if name.chars().any(char::is_whitespace) {
        Some("contains whitespace")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use garita_sdk::ActionSpec;

    #[test]
    fn a_good_manifest_has_no_problems() {
        let manifest = Manifest::new("x", "1.0.0", "").action(ActionSpec::new("a", ""));
        assert!(manifest_problems(&manifest).is_empty());
    }

    #[test]
    fn reports_every_problem() {
        let manifest = Manifest::new("", "1.0.0", "")
            .action(ActionSpec::new("a", ""))
            .action(ActionSpec::new("a", "").input_schema(serde_json::json!(true)))
            .action(ActionSpec::new("b.c", ""));
        let problems = manifest_problems(&manifest);
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].contains("connector name is empty"));
        assert!(problems.iter().any(|p| p.contains("more than once")));
        assert!(problems
            .iter()
            .any(|p| p.contains("input schema of action `a` is not a JSON object")));
        assert!(problems.iter().any(|p| p.contains("contains a dot")));
    }
}
