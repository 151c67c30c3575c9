//! The in-memory form of a workflow file, produced by [`crate::parse`] after
//! validation. Everything here is already checked: ids are unique, references
//! resolve, durations parse.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A position in a source file, 1-based.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1.
    pub col: u32,
}

/// A validated workflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workflow {
    /// Unique name (`ecuapass-annual-update`).
    pub name: String,
    /// What the workflow is for.
    pub description: Option<String>,
    /// Language of texts meant for people: `es` (default) or `en`.
    pub locale: String,
    /// IANA time zone used for dates in templates when a trigger gives none (default `UTC`).
    pub time_zone: String,
    /// Declared inputs, in file order.
    pub inputs: Vec<InputDef>,
    /// Triggers under `on:`; empty means manual only.
    pub triggers: Vec<Trigger>,
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// Run outputs: name → template evaluated when the run succeeds.
    pub outputs: BTreeMap<String, serde_json::Value>,
}

impl Workflow {
    /// The position of a step by id.
    pub fn step_index(&self, id: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.id == id)
    }
}

/// The type of an input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum InputType {
    /// Any string.
    String,
    /// A JSON number.
    Number,
    /// `true` / `false`.
    Bool,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// One of a fixed list of strings.
    Enum {
        /// The allowed values.
        values: Vec<String>,
    },
    /// A list (JSON array), for `for_each`.
    List,
    /// A JSON object.
    Object,
}

/// One declared input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputDef {
    /// The name used as `inputs.NAME`.
    pub name: String,
    /// Its type.
    pub kind: InputType,
    /// Must be given (when there is no default).
    pub required: bool,
    /// Value used when not given.
    pub default: Option<serde_json::Value>,
    /// Never stored, logged or shown: replaced by `***` everywhere.
    pub secret: bool,
    /// For humans.
    pub description: Option<String>,
}

/// What to do with schedule fires missed while Garita was not running.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum CatchUp {
    /// Run once for every missed fire.
    All,
    /// Run once, for the most recent missed fire (the default).
    #[default]
    Last,
    /// Skip missed fires.
    None,
}

/// A trigger under `on:`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Trigger {
    /// Started by a person (`garita run`).
    Manual,
    /// Started by the daemon on a cron schedule.
    Schedule {
        /// Five-field cron expression (minute hour day-of-month month day-of-week).
        cron: String,
        /// IANA time zone the expression is evaluated in.
        time_zone: String,
        /// Missed-fire policy.
        catch_up: CatchUp,
        /// When set, a fire that lands on a weekend or public holiday of
        /// this country (in `time_zone`) moves to the next business day at
        /// the same local time.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        business_days: Option<crate::calendar::Country>,
    },
    /// Started when Garita emits the named event (`account.offboarded`).
    Event {
        /// Event name.
        name: String,
    },
}

/// Retry policy of a step. `attempts` counts the first try: 1 means no retry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetryPolicy {
    /// Total attempts, at least 1.
    pub attempts: u32,
    /// Delay before the second attempt.
    #[serde(with = "humantime_serde_compat")]
    pub initial_backoff: Duration,
    /// Multiplier applied to the delay after each attempt.
    pub factor: f64,
    /// Upper bound of the delay.
    #[serde(with = "humantime_serde_compat")]
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 1,
            initial_backoff: Duration::from_secs(1),
            factor: 2.0,
            max_backoff: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// The delay after attempt number `attempt` (1-based) failed.
    pub fn backoff_after(&self, attempt: u32) -> Duration {
        let exp = self
            .factor
            .max(1.0)
            .powi(attempt.saturating_sub(1).min(30) as i32);
        let secs = (self.initial_backoff.as_secs_f64() * exp).min(self.max_backoff.as_secs_f64());
        Duration::from_secs_f64(secs.max(0.0))
    }
}

/// What a wait or task does when its timeout passes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", content = "step", rename_all = "snake_case")]
pub enum OnTimeout {
    /// The step fails (and so the run, unless the step is retried).
    Fail,
    /// The step succeeds with `timed_out: true` in its output and the run goes on.
    Continue,
    /// The run jumps to the named (later) step.
    Goto(String),
}

/// What a `wait:` step waits for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WaitFor {
    /// An instant or date given by a template (RFC 3339 or `YYYY-MM-DD`, midnight in the workflow's zone).
    Until {
        /// Template that renders to the date.
        at: String,
    },
    /// A fixed duration from when the step starts.
    Duration {
        /// The duration.
        #[serde(with = "humantime_serde_compat")]
        duration: Duration,
    },
    /// Business days of a country's calendar from when the step starts
    /// (`for: {days: 2, business_days: EC}`): the same local time, in the
    /// workflow's zone, on the `days`th business day after the start's day,
    /// as a task's `due:` counts them, so a reminder never lands on a day
    /// off.
    BusinessDays {
        /// How many business days.
        days: u32,
        /// Whose weekends and public holidays do not count.
        #[serde(rename = "business_days")]
        calendar: crate::calendar::Country,
    },
    /// A named signal delivered by `garita signal RUN NAME`.
    Signal {
        /// The signal's name.
        name: String,
    },
}

/// A `wait:` step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaitSpec {
    /// What it waits for.
    pub wait_for: WaitFor,
    /// Give up after this long (required for signals; optional otherwise):
    /// elapsed time (`7d`), or business days of a country's calendar
    /// (`{days: 5, business_days: EC}`), counted as a task's `due:` is.
    pub timeout: Option<Due>,
    /// What giving up means.
    pub on_timeout: OnTimeout,
}

/// How long a person has to answer a task (`due:`); the deadline itself is
/// [`Due::deadline`] (`task_due.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Due {
    /// Elapsed time from when the step starts (`due: 3d`).
    Elapsed(#[serde(with = "humantime_serde_compat")] Duration),
    /// Business days of a country's calendar (`due: {days: 2,
    /// business_days: US}`): the same local time, in the workflow's time
    /// zone, on the `days`th business day after the day the step starts.
    BusinessDays {
        /// How many business days.
        days: u32,
        /// Whose weekends and public holidays do not count.
        #[serde(rename = "business_days")]
        calendar: crate::calendar::Country,
    },
}

/// A `task:` step: a question for a person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskSpec {
    /// Title template.
    pub title: String,
    /// Markdown body template.
    pub body: Option<String>,
    /// Assignee (email) template.
    pub assignee: Option<String>,
    /// How long the person has.
    pub due: Option<Due>,
    /// JSON Schema of the fields the person fills in.
    pub fields: Option<serde_json::Value>,
    /// What happens when `due` passes.
    pub on_timeout: OnTimeout,
}

/// A `for_each:` step: one child run per item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForEachSpec {
    /// Expression that evaluates to a list.
    pub items: String,
    /// The variable name each child sees the item under (default `item`).
    pub item_var: String,
    /// At most this many children unfinished at once.
    pub concurrency: u32,
    /// The steps of each child run.
    pub steps: Vec<Step>,
    /// Which of the parent's step outputs the children's templates read,
    /// found by the parser in their syntax trees. Each child gets a copy of
    /// just those.
    #[serde(default)]
    pub parent_steps: ParentStepReads,
}

/// The parent's steps a `for_each` body reads (`steps.ID…` or
/// `parent.steps.ID…`, at any depth of nesting).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParentStepReads {
    /// Any of them: a template reads `steps` or `parent` as a whole, or
    /// through a name computed at run time (`steps[name]`). Also what a
    /// spec built without the parser gets, to be safe.
    #[default]
    All,
    /// Only these step ids.
    Only(BTreeSet<String>),
}

impl ParentStepReads {
    /// Notes that the body reads step `id`.
    pub fn add(&mut self, id: &str) {
        if let Self::Only(ids) = self {
            ids.insert(id.to_owned());
        }
    }

    /// Whether a child needs the output of step `id`.
    pub fn includes(&self, id: &str) -> bool {
        match self {
            Self::All => true,
            Self::Only(ids) => ids.contains(id),
        }
    }
}

/// The safe assumption about an action whose manifest was not consulted.
fn side_effects_unless_known() -> bool {
    true
}

/// What a step does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StepKind {
    /// Call a connector action.
    Uses {
        /// Connector name.
        connector: String,
        /// Action name.
        action: String,
        /// Input, with templates in string values.
        with: serde_json::Value,
        /// Whether the action changes anything outside the run, as its
        /// manifest declares. A step with side effects is made durable as
        /// started before the call, so that a crash cannot hide that the
        /// effect may have happened; a side-effect-free one may simply be
        /// called again after a crash, so its start waits for the next
        /// commit. Unknown (an older stored form) counts as side effects.
        #[serde(default = "side_effects_unless_known")]
        side_effects: bool,
    },
    /// Wait for a person.
    Task(TaskSpec),
    /// Wait for time or a signal.
    Wait(WaitSpec),
    /// Fan out.
    ForEach(ForEachSpec),
}

/// One step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// Unique id inside the workflow.
    pub id: String,
    /// Optional human name.
    pub name: Option<String>,
    /// Condition expression; the step is skipped when it is false.
    pub condition: Option<String>,
    /// What the step does.
    pub kind: StepKind,
    /// Retry policy.
    pub retry: RetryPolicy,
    /// Bound on one attempt of a `uses:` step.
    #[serde(with = "humantime_serde_opt")]
    pub timeout: Option<Duration>,
    /// Named outputs: name → template over `result` (the raw output). Empty
    /// means the raw output is the step's output.
    pub outputs: BTreeMap<String, serde_json::Value>,
    /// Where the step starts in the file.
    pub span: Span,
}

mod humantime_serde_compat {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&humantime::format_duration(*d).to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(d)?;
        humantime::parse_duration(&text).map_err(serde::de::Error::custom)
    }
}

mod humantime_serde_opt {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&humantime::format_duration(*d).to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        let text = Option::<String>::deserialize(d)?;
        text.map(|t| humantime::parse_duration(&t).map_err(serde::de::Error::custom))
            .transpose()
    }
}
