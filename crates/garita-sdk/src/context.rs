use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Identifies one attempt of one step of one run.
///
/// The executor hands the same key again when it re-runs a step that was in
/// flight during a crash; a connector with side effects uses it to do them at
/// most once (or, for email, to give the duplicate the same `Message-ID`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IdempotencyKey {
    /// The run's id.
    pub run_id: String,
    /// The step's id inside the workflow.
    pub step_id: String,
    /// 1 for the first attempt, 2 for the first retry, ...
    pub attempt: u32,
}

impl std::fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.run_id, self.step_id, self.attempt)
    }
}

/// Everything a connector may know about the call besides its input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvokeContext {
    /// Run, step and attempt of this call.
    pub idempotency_key: IdempotencyKey,
    /// `es` or `en`: the language of any text meant for people.
    pub locale: String,
    /// IANA time zone of the run (for example `America/Guayaquil`).
    pub time_zone: String,
    /// The current instant as the engine's clock sees it (it may be pinned or
    /// simulated); connectors read time from here, never from the system.
    pub now: DateTime<Utc>,
    /// When the call must be over; past it the engine treats the attempt as timed out.
    pub deadline: Option<DateTime<Utc>>,
    /// The connector's own section of `garita.toml` (`[connectors.NAME]`), or `null`.
    #[serde(default)]
    pub config: serde_json::Value,
}

impl InvokeContext {
    /// A context for unit tests and direct calls: run `test`, step `test`,
    /// attempt 1, locale `es`, zone `UTC`, the Unix epoch as `now`.
    pub fn for_test() -> Self {
        Self {
            idempotency_key: IdempotencyKey {
                run_id: "test".into(),
                step_id: "test".into(),
                attempt: 1,
            },
            locale: "es".into(),
            time_zone: "UTC".into(),
            now: DateTime::<Utc>::UNIX_EPOCH,
            deadline: None,
            config: serde_json::Value::Null,
        }
    }

    /// True when the caller asked for English text.
    pub fn is_english(&self) -> bool {
        self.locale.eq_ignore_ascii_case("en")
            || self.locale.to_ascii_lowercase().starts_with("en-")
    }
}
