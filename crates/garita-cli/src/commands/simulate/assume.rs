//! `--assume`: what the people in the loop do during a simulation.
//!
//! | value | effect on each task, as soon as it is created |
//! |---|---|
//! | `task:open` (default) | nobody answers; the task stays open (and may expire) |
//! | `task:complete` | completed with no fields |
//! | `task:complete:fields=JSON` | completed with these fields, e.g. `task:complete:fields={"date":"2026-01-15"}` |
//! | `task:reject` | rejected (the run sees outcome `rejected`) |

use serde_json::Value;

use crate::usage::UsageError;

/// How simulated people answer tasks.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskAssumption {
    /// Nobody answers.
    Open,
    /// Completed with these fields.
    Complete(Value),
    /// Rejected.
    Reject,
}

impl TaskAssumption {
    /// Reads the `--assume` values (at most one about tasks).
    pub fn parse(values: &[String]) -> Result<Self, UsageError> {
        let mut found = None;
        for value in values {
            let parsed = parse_one(value)?;
            if found.replace(parsed).is_some() {
                return Err(UsageError(
                    "give --assume task:... only once; one answer applies to every task".into(),
                ));
            }
        }
        Ok(found.unwrap_or(Self::Open))
    }

    /// A short description for the report.
    pub fn describe(&self) -> String {
        match self {
            Self::Open => "tasks stay open".into(),
            Self::Complete(fields) => format!("tasks are completed at once with fields {fields}"),
            Self::Reject => "tasks are rejected at once".into(),
        }
    }
}

fn parse_one(value: &str) -> Result<TaskAssumption, UsageError> {
    let syntax =
        "--assume takes task:open, task:complete, task:reject or task:complete:fields=JSON";
    let Some(rest) = value.trim().strip_prefix("task:") else {
        return Err(UsageError(format!(
            "unknown assumption `{value}`; {syntax}"
        )));
    };
    match rest {
        "open" => Ok(TaskAssumption::Open),
        "complete" => Ok(TaskAssumption::Complete(Value::Object(Default::default()))),
        "reject" => Ok(TaskAssumption::Reject),
        other => match other.strip_prefix("complete:fields=") {
            Some(json) => match serde_json::from_str::<Value>(json) {
                Ok(fields @ Value::Object(_)) => Ok(TaskAssumption::Complete(fields)),
                Ok(_) => Err(UsageError(format!(
                    "the fields in `{value}` must be a JSON object such as {{\"date\":\"2026-01-15\"}}"
                ))),
                Err(e) => Err(UsageError(format!("the fields in `{value}` are not JSON: {e}"))),
            },
            None => Err(UsageError(format!("unknown assumption `{value}`; {syntax}"))),
        },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(values: &[&str]) -> Result<TaskAssumption, UsageError> {
        TaskAssumption::parse(&values.iter().map(|v| v.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn every_form_parses() {
        assert_eq!(parse(&[]).unwrap(), TaskAssumption::Open);
        assert_eq!(parse(&["task:reject"]).unwrap(), TaskAssumption::Reject);
        assert_eq!(
            parse(&["task:complete"]).unwrap(),
            TaskAssumption::Complete(json!({}))
        );
        assert_eq!(
            parse(&[r#"task:complete:fields={"date":"2026-01-15"}"#]).unwrap(),
            TaskAssumption::Complete(json!({"date": "2026-01-15"}))
        );
    }

    #[test]
    fn mistakes_are_usage_errors() {
        assert!(parse(&["tasks:complete"]).is_err());
        assert!(parse(&["task:complete:fields=[1]"]).is_err());
        assert!(parse(&["task:complete:fields={"]).is_err());
        assert!(parse(&["task:complete", "task:reject"]).is_err());
    }
}
