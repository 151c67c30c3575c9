//! Keeping secret values out of everything Garita stores or prints.
//!
//! The policy (docs/operations.md, "Secrets"): the values of a run's
//! `secret: true` inputs and the secrets in the connectors' configuration
//! (keys such as `password`, `token`, `api_key`, and the variables named by
//! `password_env`-style keys) are replaced by [`REDACTED`] wherever they
//! occur in what the executor records: step outputs, step and run errors,
//! signal data, `for_each` items and run outputs. The executor redacts an
//! event before it applies it to the run's state, so a run reads the same
//! values whether it kept going in one process or was resumed in another.
//! Validation (see `parse/secret_flow.rs`) keeps secrets away from the places
//! where redaction would come too late: actions with side effects (an email
//! is mailed and kept in the outbox), task texts, outputs.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::model::Workflow;
use crate::run::RunEvent;

/// What a secret value is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Configuration key names (lowercase, compared against each `_`/`-`
/// separated word of a key) whose string values are secrets.
const SECRET_KEY_WORDS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "apikey",
    "credential",
    "credentials",
];

/// Replaces known secret values by [`REDACTED`]. Cheap to clone; an empty
/// redactor changes nothing and costs nothing.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretRedactor {
    /// Longest first, so a secret that contains another is replaced whole.
    values: Vec<String>,
}

impl std::fmt::Debug for SecretRedactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the values themselves: this type exists to hide them.
        f.debug_struct("SecretRedactor")
            .field("secrets", &self.values.len())
            .finish()
    }
}

impl SecretRedactor {
    /// A redactor for these values (empty ones are ignored).
    pub fn new(values: impl IntoIterator<Item = String>) -> Self {
        let mut values: Vec<String> = values.into_iter().filter(|v| !v.is_empty()).collect();
        values.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        values.dedup();
        Self { values }
    }

    /// This redactor plus `more` values.
    pub fn with(&self, more: impl IntoIterator<Item = String>) -> Self {
        Self::new(self.values.iter().cloned().chain(more))
    }

    /// True when there is nothing to redact.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// `text` with every secret value replaced.
    pub fn redact_text(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.values {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), REDACTED);
            }
        }
        out
    }

    /// `value` with every secret replaced in its strings and object keys.
    pub fn redact_value(&self, value: Value) -> Value {
        if self.is_empty() {
            return value;
        }
        match value {
            Value::String(text) => Value::String(self.redact_text(&text)),
            Value::Array(items) => {
                Value::Array(items.into_iter().map(|v| self.redact_value(v)).collect())
            }
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| (self.redact_text(&k), self.redact_value(v)))
                    .collect::<Map<String, Value>>(),
            ),
            other => other,
        }
    }

    /// `event` with every secret replaced in the values it carries.
    pub fn redact_event(&self, event: RunEvent) -> RunEvent {
        if self.is_empty() {
            return event;
        }
        match event {
            RunEvent::StepSucceeded {
                step,
                attempt,
                output,
                at,
            } => RunEvent::StepSucceeded {
                step,
                attempt,
                output: self.redact_value(output),
                at,
            },
            RunEvent::StepFailed {
                step,
                attempt,
                error,
                retry_at,
                at,
            } => RunEvent::StepFailed {
                step,
                attempt,
                error: self.redact_text(&error),
                retry_at,
                at,
            },
            RunEvent::StepWaiting {
                step,
                until,
                signal,
                task,
                children,
                items,
                at,
            } => RunEvent::StepWaiting {
                step,
                until,
                signal,
                task,
                children,
                items: items.into_iter().map(|v| self.redact_value(v)).collect(),
                at,
            },
            RunEvent::SignalReceived { name, data, at } => RunEvent::SignalReceived {
                name,
                data: self.redact_value(data),
                at,
            },
            RunEvent::RunSucceeded { outputs, at } => RunEvent::RunSucceeded {
                outputs: self.redact_value(outputs),
                at,
            },
            RunEvent::RunFailed { error, at } => RunEvent::RunFailed {
                error: self.redact_text(&error),
                at,
            },
            RunEvent::RunCancelled { reason, at } => RunEvent::RunCancelled {
                reason: reason.map(|r| self.redact_text(&r)),
                at,
            },
            // Listed so that a new event kind is a compile error here until
            // someone decides whether it carries values.
            event @ (RunEvent::RunCreated { .. }
            | RunEvent::StepStarted { .. }
            | RunEvent::StepResumed { .. }
            | RunEvent::RunQuarantined { .. }
            | RunEvent::QuarantineLifted { .. }
            | RunEvent::StepSkipped { .. }
            | RunEvent::StepTimedOut { .. }) => event,
        }
    }
}

/// The values of `workflow`'s secret inputs among `inputs` (the resolved
/// inputs of a run): strings as they are, numbers and booleans as their
/// text, and the leaves of lists and objects.
pub fn secret_input_values(workflow: &Workflow, inputs: &Map<String, Value>) -> Vec<String> {
    let mut out = Vec::new();
    for def in workflow.inputs.iter().filter(|d| d.secret) {
        if let Some(value) = inputs.get(&def.name) {
            leaves(value, &mut out);
        }
    }
    out
}

fn leaves(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Null => {}
        Value::String(text) => out.push(text.clone()),
        Value::Bool(_) => {} // `true` everywhere would be redacted: not a secret worth the damage.
        Value::Number(n) => out.push(n.to_string()),
        Value::Array(items) => items.iter().for_each(|v| leaves(v, out)),
        Value::Object(map) => map.values().for_each(|v| leaves(v, out)),
    }
}

/// True when a configuration key names a secret (`password`, `smtp_password`,
/// `api-token`, `apiKey` lowercased to `apikey`, …).
pub fn is_secret_key(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    let compact: String = lower.chars().filter(|c| *c != '_' && *c != '-').collect();
    compact == "apikey"
        || lower
            .split(['_', '-', '.'])
            .any(|word| SECRET_KEY_WORDS.contains(&word))
}

/// The secret values in the connectors' configuration sections: string
/// values under a secret key, and, for a secret key ending in `_env`
/// (`password_env`), the value of the environment variable it names, read
/// with `env` (the caller passes `std::env::var`).
pub fn config_secret_values(
    connector_config: &BTreeMap<String, Value>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Vec<String> {
    let mut out = Vec::new();
    for section in connector_config.values() {
        collect_config_secrets(section, env, &mut out);
    }
    out
}

fn collect_config_secrets(
    value: &Value,
    env: &dyn Fn(&str) -> Option<String>,
    out: &mut Vec<String>,
) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match v {
                    Value::String(text) if is_secret_key(key) => {
                        if key.to_ascii_lowercase().ends_with("_env") {
                            out.extend(env(text).filter(|s| !s.is_empty()));
                        } else {
                            out.push(text.clone());
                        }
                    }
                    other => collect_config_secrets(other, env, out),
                }
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|v| collect_config_secrets(v, env, out)),
        _ => {}
    }
}

/// `text`, a `{:?}` rendering, with the string literal after every field or
/// map key that names a secret (`control_token: Some("…")`,
/// `"password": String("…")`) replaced by `"[redacted]"`. For the `Debug`
/// of configuration structs, which must never print a secret even when a
/// field is added later without a thought for it.
pub fn redact_debug_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find(": ") {
        let (before, after) = rest.split_at(pos);
        out.push_str(before);
        out.push_str(": ");
        rest = &after[2..];
        let name: String = before
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-' || *c == '"')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if !is_secret_key(name.trim_matches('"')) {
            continue;
        }
        // Wrappers such as `Some(String("…"))` before the literal.
        let mut skip = 0;
        while let Some(prefix) = ["Some(", "String("]
            .iter()
            .find(|p| rest[skip..].starts_with(*p))
        {
            skip += prefix.len();
        }
        if let Some(len) = debug_literal_len(&rest[skip..]) {
            out.push_str(&rest[..skip]);
            out.push('"');
            out.push_str(REDACTED);
            out.push('"');
            rest = &rest[skip + len..];
        }
    }
    out.push_str(rest);
    out
}

/// Length in bytes of the `"…"` literal (with `\` escapes) `text` starts with.
fn debug_literal_len(text: &str) -> Option<usize> {
    let mut chars = text.char_indices();
    if chars.next()?.1 != '"' {
        return None;
    }
    let mut escaped = false;
    for (i, c) in chars {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(i + 1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    fn at() -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 5, 12, 0, 0).unwrap()
    }

    #[test]
    fn text_and_values_lose_every_occurrence() {
        let r = SecretRedactor::new(["S3cr3t".to_owned(), "S3cr3t-long".to_owned()]);
        assert_eq!(
            r.redact_text("a S3cr3t-long and S3cr3t"),
            "a [redacted] and [redacted]"
        );
        let v = r.redact_value(json!({"k": ["x S3cr3t"], "S3cr3t": 1, "n": 2}));
        assert_eq!(v, json!({"k": ["x [redacted]"], "[redacted]": 1, "n": 2}));
    }

    #[test]
    fn events_carrying_values_are_redacted() {
        let r = SecretRedactor::new(["tok".to_owned()]);
        let failed = r.redact_event(RunEvent::StepFailed {
            step: "a".into(),
            attempt: 1,
            error: "bad tok".into(),
            retry_at: None,
            at: at(),
        });
        assert!(
            matches!(failed, RunEvent::StepFailed { ref error, .. } if error == "bad [redacted]")
        );
        let ok = r.redact_event(RunEvent::StepSucceeded {
            step: "a".into(),
            attempt: 1,
            output: json!({"v": "tok"}),
            at: at(),
        });
        assert!(
            matches!(ok, RunEvent::StepSucceeded { ref output, .. } if output == &json!({"v": "[redacted]"}))
        );
        let run_failed = r.redact_event(RunEvent::RunFailed {
            error: "tok!".into(),
            at: at(),
        });
        assert!(
            matches!(run_failed, RunEvent::RunFailed { ref error, .. } if error == "[redacted]!")
        );
    }

    #[test]
    fn empty_values_are_ignored_and_debug_hides_values() {
        let r = SecretRedactor::new([String::new()]);
        assert!(r.is_empty());
        assert_eq!(r.redact_text("abc"), "abc");
        let r = r.with(["hidden-value".to_owned()]);
        assert!(!format!("{r:?}").contains("hidden-value"));
    }

    #[test]
    fn debug_text_loses_secret_fields_and_keys() {
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Daemon {
            control_token: Option<String>,
            host: String,
        }
        let daemon = Daemon {
            control_token: Some("tok\\\"en-1".into()),
            host: "h: \"x\"".into(),
        };
        let config = json!({"email": {"password": "pw-2", "host": "smtp"}});
        let text = redact_debug_text(&format!("{daemon:?} {config:?}"));
        assert!(!text.contains("en-1") && !text.contains("pw-2"), "{text}");
        assert!(
            text.contains("control_token: Some(\"[redacted]\")"),
            "{text}"
        );
        assert!(
            text.contains("\"password\": String(\"[redacted]\")"),
            "{text}"
        );
        assert!(
            text.contains("smtp") && text.contains("host: \"h: \\\"x\\\"\""),
            "{text}"
        );
    }

    #[test]
    fn secret_keys_are_recognized() {
        for key in [
            "password",
            "smtp_password",
            "password_env",
            "api-token",
            "apiKey",
            "api_key",
            "client_secret",
        ] {
            assert!(is_secret_key(key), "{key}");
        }
        for key in [
            "host",
            "port",
            "username",
            "from",
            "tokenizer_mode",
            "keyboard",
        ] {
            assert!(!is_secret_key(key), "{key}");
        }
    }

    #[test]
    fn config_secrets_include_named_environment_variables() {
        let config = BTreeMap::from([(
            "email".to_owned(),
            json!({"host": "smtp", "password": "p1", "password_env": "VAR", "nested": {"token": "t1"}}),
        )]);
        let env = |name: &str| (name == "VAR").then(|| "from-env".to_owned());
        let mut found = config_secret_values(&config, &env);
        found.sort();
        assert_eq!(found, vec!["from-env", "p1", "t1"]);
    }
}
