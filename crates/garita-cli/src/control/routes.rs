//! The typed REST endpoints. Each is served by an operation of the
//! application layer (`garita_app::Operations`): its parameters are checked
//! against the table here, turned into the operation's typed request, and
//! the operation's answer is the endpoint's JSON — the same value the
//! `garita` command renders, so an endpoint and its command always agree.
//! The OpenAPI description ([`super::openapi`]) is generated from this
//! table, and the router ([`super::server`]) is built from it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use std::future::Future;
use std::pin::Pin;

use garita_app::ops::accounts::{
    AccountAdded, AccountHistory, AccountView, AccountsChecked, ImportReport, Offboarded,
    PasswordChangeRecorded, ProfileUpdateRecorded, SignInRecorded,
};
use garita_app::ops::accounts::{AccountFields, AccountQuery, ImportRequest, NoProgress};
use garita_app::ops::audit::csv_text;
use garita_app::ops::audit::{AuditExport, AuditVerification};
use garita_app::ops::backup::BackupMade;
use garita_app::ops::calendar::{CalendarDeadlines, CalendarQuery};
use garita_app::ops::outbox::OutboxQuery;
use garita_app::ops::retention::{PruneRuns, RunsPruned};
use garita_app::ops::runs::{RunMoved, RunRow, RunView, SignalSent};
use garita_app::ops::runs::{RunQuery, StartRun};
use garita_app::ops::schedules::{ScheduleList, SchedulesPaused};
use garita_app::ops::tasks::TaskAnswered;
use garita_app::ops::tasks::{field_value, TaskQuery, TaskReply};
use garita_app::ops::users::{NewUser, UserChanged, UserView};
use garita_app::{AppError, Operations, Session};
use garita_engine::RunStatus;
use garita_engine::{OutboxEntry, Task};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value};

/// An HTTP method the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// Reads.
    Get,
    /// Changes (or runs) something.
    Post,
}

impl Method {
    /// Lower-case name, as OpenAPI writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Post => "post",
        }
    }
}

/// Where a parameter is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum In {
    /// A `{name}` segment of the path.
    Path,
    /// `?name=value`.
    Query,
    /// A member of the JSON request body.
    Body,
}

/// A parameter's JSON type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A string.
    Text,
    /// A non-negative integer.
    Integer,
    /// `true` or `false`.
    Boolean,
    /// An object of any members.
    Object,
    /// Any JSON value (signal data).
    Any,
}

impl Kind {
    /// Its JSON Schema.
    pub fn schema(self) -> Value {
        let name = match self {
            Kind::Text => "string",
            Kind::Integer => "integer",
            Kind::Boolean => "boolean",
            Kind::Object => "object",
            Kind::Any => return Value::Object(Map::new()),
        };
        serde_json::json!({ "type": name })
    }
}

/// One parameter of an endpoint.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// Its name.
    pub name: &'static str,
    /// Where it goes.
    pub location: In,
    /// Its type.
    pub kind: Kind,
    /// Whether it must be given.
    pub required: bool,
    /// What it is.
    pub doc: &'static str,
}

const fn param(
    name: &'static str,
    location: In,
    kind: Kind,
    required: bool,
    doc: &'static str,
) -> Param {
    Param {
        name,
        location,
        kind,
        required,
        doc,
    }
}

/// What a successful answer carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// The command's `--json` output.
    Json,
    /// CSV text (`accounts export`).
    Csv,
}

/// One endpoint.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// HTTP method.
    pub method: Method,
    /// Path, with `{name}` segments.
    pub path: &'static str,
    /// OpenAPI operationId.
    pub operation: &'static str,
    /// The command it stands for, for people.
    pub command: &'static str,
    /// One line on what it does.
    pub summary: &'static str,
    /// Its parameters.
    pub params: &'static [Param],
    /// What it answers.
    pub answer: Answer,
    /// The JSON Schema of its answer, from the operation's answer type.
    pub schema: fn(&mut SchemaGenerator) -> Schema,
    /// What to do when it fails, for the error answer's `hint`.
    pub hint: &'static str,
    /// The operation that serves it; its answer is the endpoint's JSON.
    pub handler: fn(Session, Given, Caller) -> OperationFuture,
}

/// The schema of `T` as a route's answer (a reference into the OpenAPI
/// document's components for named types).
fn schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// What a typed operation's handler answers.
pub type OperationFuture = Pin<Box<dyn Future<Output = Result<Answered, AppError>> + Send>>;

/// An operation's answer: its value as JSON, and the exit code the command
/// ends with for it (header `garita-exit-code`: 1 when a task's run failed,
/// a schedule file was refused or the audit chain is broken).
#[derive(Debug, Clone, PartialEq)]
pub struct Answered {
    /// The answer.
    pub value: Value,
    /// 0, or 1 when the answer reports a failure.
    pub exit_code: u8,
}

/// Who calls an endpoint, as the server worked it out.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Recorded as the author of what the call changes when it gives no `by`.
    pub author: String,
    /// True when the caller may name only paths in `[files] allowed_dirs`:
    /// a client over TCP, or of another user than the daemon's (or root).
    pub confined: bool,
}

impl Caller {
    /// Refuses a path a confined caller names (to read or to write)
    /// outside `[files] allowed_dirs`.
    pub fn may_name(&self, session: &Session, path: &Path) -> Result<(), AppError> {
        if !self.confined {
            return Ok(());
        }
        session
            .app
            .allowed_dirs()
            .judge(path)
            .map(|_| ())
            .map_err(|e| AppError::Usage(e.to_string()))
    }
}

/// The handler's answer from an operation's result (exit code 0).
fn answer_of<T: serde::Serialize>(result: Result<T, AppError>) -> Result<Answered, AppError> {
    answer_with(result, |_| 0)
}

/// The handler's answer, with the exit code `exit_code` reads from it.
fn answer_with<T: serde::Serialize>(
    result: Result<T, AppError>,
    exit_code: impl FnOnce(&T) -> u8,
) -> Result<Answered, AppError> {
    let value = result?;
    let exit_code = exit_code(&value);
    let value = serde_json::to_value(value)
        .map_err(|e| AppError::Refused(format!("the answer cannot be written as JSON: {e}")))?;
    Ok(Answered { value, exit_code })
}

/// A task answer from the call: its fields (a string that reads as a JSON
/// number or boolean taken as one, as `--field` does), note and author
/// (the caller unless `by` is given).
/// The `lang` of a report or description: es (default) or en.
fn report_lang(text: Option<String>) -> Result<garita_engine::account::Locale, AppError> {
    match text.filter(|t| !t.trim().is_empty()) {
        None => Ok(garita_engine::account::Locale::Es),
        Some(t) => garita_engine::account::Locale::parse(&t)
            .ok_or_else(|| AppError::Usage(format!("`lang` must be es or en, not `{t}`"))),
    }
}

fn reply_of(g: &Given, caller: Caller) -> TaskReply {
    let fields = g
        .object("fields")
        .into_iter()
        .map(|(key, value)| match value {
            Value::String(text) => (key, field_value(&text)),
            other => (key, other),
        })
        .collect();
    TaskReply {
        fields,
        note: g.text("note"),
        by: Some(by_or_caller(g, caller)),
    }
}

/// The call's `by`, else the caller.
fn by_or_caller(g: &Given, caller: Caller) -> String {
    g.text("by")
        .filter(|b| !b.trim().is_empty())
        .unwrap_or(caller.author)
}

/// The parameters of one call, type-checked against the route.
#[derive(Debug, Default)]
pub struct Given {
    values: HashMap<&'static str, Value>,
}

impl Given {
    /// A string parameter (integers and booleans as their text).
    pub fn text(&self, name: &str) -> Option<String> {
        self.values.get(name).and_then(as_text)
    }

    /// An integer parameter, when given.
    pub fn number(&self, name: &str) -> Result<Option<usize>, AppError> {
        match self.values.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => value
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
                .map(Some)
                .ok_or_else(|| AppError::Usage(format!("`{name}` must be a non-negative integer"))),
        }
    }

    /// True when a boolean parameter is given and true.
    pub fn flag(&self, name: &str) -> bool {
        self.values.get(name).and_then(Value::as_bool) == Some(true)
    }

    /// An object parameter's members.
    pub fn object(&self, name: &str) -> Map<String, Value> {
        self.values
            .get(name)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    }
}

fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

const RUN: Param = param(
    "run",
    In::Path,
    Kind::Text,
    true,
    "Run id (a unique prefix is enough).",
);
const TASK: Param = param(
    "task",
    In::Path,
    Kind::Text,
    true,
    "Task id (a unique prefix is enough).",
);
const ACCOUNT: Param = param(
    "account",
    In::Path,
    Kind::Text,
    true,
    "PORTAL:IDENTIFIER, or an identifier only one portal has.",
);
const MESSAGE: Param = param(
    "id",
    In::Path,
    Kind::Text,
    true,
    "Message-ID, with or without <>, or a unique prefix.",
);
const WORKFLOW: Param = param("workflow", In::Path, Kind::Text, true, "Workflow name.");
const USER_EMAIL: Param = param("email", In::Path, Kind::Text, true, "The user's email.");

const BY: Param = param(
    "by",
    In::Body,
    Kind::Text,
    false,
    "Who makes the change, for the record. Without it, the caller's OS user on the Unix socket (SO_PEERCRED); on TCP, `control-token`.",
);

/// Every typed endpoint.
pub static ROUTES: &[Route] = &[
    Route {
        method: Method::Get,
        path: "/v1/runs",
        operation: "listRuns",
        command: "garita runs list",
        summary: "Runs, newest first.",
        params: &[
            param("status", In::Query, Kind::Text, false, "Only runs with this status: running, waiting, succeeded, failed or cancelled."),
            param("workflow", In::Query, Kind::Text, false, "Only runs of this workflow."),
            param("limit", In::Query, Kind::Integer, false, "At most this many (default 50)."),
        ],
        answer: Answer::Json,
        schema: schema_of::<Vec<RunRow>>,
        hint: "check the filters: status is one of running, waiting, succeeded, failed, cancelled",
        handler: |session, g, _| {
            Box::pin(async move {
                let query = RunQuery {
                    status: g.text("status"),
                    workflow: g.text("workflow"),
                    limit: g.number("limit")?,
                };
                answer_of(session.list_runs(query).await)
            })
        },
    },
    Route {
        method: Method::Get,
        path: "/v1/runs/{run}",
        operation: "showRun",
        command: "garita runs show RUN",
        summary: "One run with each step's status, attempts, times and outputs.",
        params: &[RUN],
        answer: Answer::Json,
        schema: schema_of::<RunView>,
        hint: "GET /v1/runs lists the run ids",
        handler: |session, g, _| {
            Box::pin(async move { answer_of(session.show_run(&g.text("run").unwrap_or_default()).await) })
        },
    },
    Route {
        method: Method::Post,
        path: "/v1/runs",
        operation: "startRun",
        command: "garita run FILE --input KEY=VALUE...",
        summary: "Start a run of a workflow (its source in the body) and drive it until it waits or ends.",
        params: &[
            param("file", In::Body, Kind::Text, true, "The workflow file's name, as recorded with the run (for example ecuapass-password-reset.yaml)."),
            param("source", In::Body, Kind::Text, true, "The workflow file's contents (YAML)."),
            param("inputs", In::Body, Kind::Object, false, "The inputs, by name; values are typed against the workflow's inputs as `--input KEY=VALUE` is."),
            param("no_wait", In::Body, Kind::Boolean, false, "Return as soon as the run waits, even for a short retry back-off."),
        ],
        answer: Answer::Json,
        schema: schema_of::<RunView>,
        hint: "`garita validate FILE` checks a workflow; every input the workflow requires must be in `inputs`",
        handler: |session, g, _| {
            Box::pin(async move {
                let request = StartRun {
                    file: g.text("file").unwrap_or_default(),
                    source: g.text("source").unwrap_or_default(),
                    inputs: g.object("inputs"),
                    no_wait: g.flag("no_wait"),
                };
                let view = session.start_run(request).await;
                answer_with(view, |v| u8::from(v.status == RunStatus::Failed))
            })
        },
    },
    Route {
        method: Method::Post,
        path: "/v1/runs/{run}/cancel",
        operation: "cancelRun",
        command: "garita cancel RUN",
        summary: "Cancel a run and its child runs.",
        params: &[RUN, param("reason", In::Body, Kind::Text, false, "Why, for the record.")],
        answer: Answer::Json,
        schema: schema_of::<RunMoved>,
        hint: "only a run that is still going can be cancelled; GET /v1/runs/{run} shows its status",
        handler: |session, g, _| {
            Box::pin(async move {
                let run = g.text("run").unwrap_or_default();
                answer_of(session.cancel_run(&run, g.text("reason")).await)
            })
        },
    },
    Route {
        method: Method::Post,
        path: "/v1/runs/{run}/signals/{name}",
        operation: "signalRun",
        command: "garita signal RUN NAME",
        summary: "Deliver a named signal to a run (kept if the run is not waiting for it yet).",
        params: &[
            RUN,
            param("name", In::Path, Kind::Text, true, "Signal name."),
            param("data", In::Body, Kind::Any, false, "Signal data (any JSON; the workflow reads it)."),
        ],
        answer: Answer::Json,
        schema: schema_of::<SignalSent>,
        hint: "a finished run takes no signals; GET /v1/runs/{run} shows its status",
        handler: |session, g, _| {
            Box::pin(async move {
                let run = g.text("run").unwrap_or_default();
                let name = g.text("name").unwrap_or_default();
                let data = g.values.get("data").cloned().unwrap_or(Value::Null);
                let sent = session.signal_run(&run, &name, data).await;
                answer_with(sent, |s| u8::from(s.status == RunStatus::Failed))
            })
        },
    },
    Route {
        method: Method::Post,
        path: "/v1/resume",
        operation: "resumeRuns",
        command: "garita resume",
        summary: "Drive every unfinished run as far as it can go now.",
        params: &[],
        answer: Answer::Json,
        schema: schema_of::<Vec<RunMoved>>,
        hint: "GET /v1/runs?status=failed shows runs that failed",
        handler: |session, _, _| {
            Box::pin(async move {
                let resumed = session.resume_runs().await;
                answer_with(resumed, |r| {
                    u8::from(r.iter().any(|m| m.status == RunStatus::Failed))
                })
            })
        },
    },
    Route {
        method: Method::Post,
        path: "/v1/runs/prune",
        operation: "pruneRuns",
        command: "garita runs prune --finished-before DATE",
        summary: "Retention: remove the step-level events of runs that finished before a date, keeping each run's summary, outputs and audit entries (a run.pruned audit entry records each).",
        params: &[param("finished_before", In::Body, Kind::Text, true, "A day (2026-01-31, its UTC midnight) or an RFC 3339 instant.")],
        answer: Answer::Json,
        schema: schema_of::<RunsPruned>,
        hint: "finished_before is a day such as 2026-01-31 or an RFC 3339 instant; docs/operations.md, \"Retention\", says what is kept",
        handler: |session, g, _| {
            Box::pin(async move {
                let request = PruneRuns {
                    finished_before: g.text("finished_before").unwrap_or_default(),
                };
                answer_of(session.prune_runs(request).await)
            })
        },
    },
    Route {
        method: Method::Post,
        path: "/v1/runs/{run}/resume",
        operation: "forceResumeRun",
        command: "garita resume RUN --force",
        summary: "Try a quarantined run again: the step that stopped the process twice runs once more.",
        params: &[
            RUN,
            param("by", In::Body, Kind::Text, false, "Who asks, for the record."),
        ],
        answer: Answer::Json,
        schema: schema_of::<RunMoved>,
        hint: "only a quarantined run can be forced; GET /v1/runs/{run} shows its status and why",
        handler: |session, g, caller| {
            Box::pin(async move {
                let run = g.text("run").unwrap_or_default();
                let moved = session.force_resume_run(&run, Some(by_or_caller(&g, caller))).await;
                answer_with(moved, |m| u8::from(m.status == RunStatus::Failed))
            })
        },
    },
    Route {
        method: Method::Get,
        path: "/v1/tasks",
        operation: "listTasks",
        command: "garita tasks list",
        summary: "Tasks waiting for people (open ones unless all=true).",
        params: &[
            param("mine", In::Query, Kind::Text, false, "Only tasks assigned to this email."),
            param("all", In::Query, Kind::Boolean, false, "Include answered, expired and cancelled tasks."),
            param("run", In::Query, Kind::Text, false, "Only tasks of this run."),
        ],
        answer: Answer::Json,
        schema: schema_of::<Vec<Task>>,
        hint: "check the filters",
        handler: |session, g, _| {
            Box::pin(async move {
                let query = TaskQuery {
                    mine: g.text("mine"),
                    all: g.flag("all"),
                    run: g.text("run"),
                };
                answer_of(session.list_tasks(query).await)
            })
        },
    },
    Route {
        method: Method::Get,
        path: "/v1/tasks/{task}",
        operation: "showTask",
        command: "garita tasks show TASK",
        summary: "One task with its body and fields.",
        params: &[TASK],
        answer: Answer::Json,
        schema: schema_of::<Task>,
        hint: "GET /v1/tasks lists the open tasks",
        handler: |session, g, _| {
            Box::pin(async move { answer_of(session.show_task(&g.text("task").unwrap_or_default()).await) })
        },
    },
    Route {
        method: Method::Post,
        path: "/v1/tasks/{task}/complete",
        operation: "completeTask",
        command: "garita tasks complete TASK --field KEY=VALUE...",
        summary: "Answer a task; the run waiting on it goes on.",
        params: &[
            TASK,
            param("fields", In::Body, Kind::Object, false, "The answer's fields, as `--field KEY=VALUE` (a string value that reads as a JSON number or boolean is taken as one)."),
            param("note", In::Body, Kind::Text, false, "A note for the record."),
            BY,
        ],
        answer: Answer::Json,
        schema: schema_of::<TaskAnswered>,
        hint: "GET /v1/tasks/{task} shows the fields to fill in; only open tasks can be answered",
        handler: |session, g, caller| {
            Box::pin(async move {
                let task = g.text("task").unwrap_or_default();
                let answered = session.complete_task(&task, reply_of(&g, caller)).await;
                answer_with(answered, |a| u8::from(a.run_status == RunStatus::Failed))
            })
        },
    },
    Route {
        method: Method::Post,
        path: "/v1/tasks/{task}/reject",
        operation: "rejectTask",
        command: "garita tasks reject TASK --note TEXT",
        summary: "Refuse a task, with the reason; the run sees outcome `rejected`.",
        params: &[
            TASK,
            param("note", In::Body, Kind::Text, true, "Why (required)."),
            BY,
        ],
        answer: Answer::Json,
        schema: schema_of::<TaskAnswered>,
        hint: "only open tasks can be answered; the note must say why",
        handler: |session, g, caller| {
            Box::pin(async move {
                let task = g.text("task").unwrap_or_default();
                let answered = session.reject_task(&task, reply_of(&g, caller)).await;
                answer_with(answered, |a| u8::from(a.run_status == RunStatus::Failed))
            })
        },
    },
    Route {
        method: Method::Get,
        path: "/v1/accounts",
        operation: "listAccounts",
        command: "garita accounts list",
        summary: "Accounts of the inventory, by portal and identifier.",
        params: &[
            param("portal", In::Query, Kind::Text, false, "Only accounts on this portal."),
            param("status", In::Query, Kind::Text, false, "Only accounts with this status (active, at_risk, deactivated, disabled, offboarded)."),
            param("company", In::Query, Kind::Text, false, "Only companies whose legal name contains this text, or with this tax id."),
            param("deactivates_within", In::Query, Kind::Integer, false, "Only CTPAT accounts the portal deactivates on one of the next N days."),
        ],
        answer: Answer::Json,
        schema: schema_of::<Vec<AccountView>>,
        hint: "check the filters (docs/accounts.md)",
        handler: |session, g, _| {
            Box::pin(async move {
                let within = g.number("deactivates_within")?;
                let query = AccountQuery {
                    portal: g.text("portal"),
                    status: g.text("status"),
                    company: g.text("company"),
                    deactivates_within: within
                        .map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
                };
                answer_of(session.list_accounts(query).await)
            })
        },
    },
    Route {
        method: Method::Post,
        path: "/v1/accounts",
        operation: "addAccount",
        command: "garita accounts add --portal P --account ID ...",
        summary: "Add an account, or change the given fields of an existing one (the checks of an imported row).",
        params: &[
            param("portal", In::Body, Kind::Text, true, "Portal: ctpat, ecuapass, anam or a plugin's name."),
            param("account", In::Body, Kind::Text, true, "The account on the portal: sign-in email (CTPAT), user ID (Ecuapass), username (ANAM)."),
            param("holder_name", In::Body, Kind::Text, false, "Holder's full name (required for a new account)."),
            param("holder_email", In::Body, Kind::Text, false, "Holder's work email (required for a new account)."),
            param("employee_id", In::Body, Kind::Text, false, "Holder's employee id."),
            param("holder_national_id", In::Body, Kind::Text, false, "Holder's cédula (Ecuapass) or CURP (ANAM)."),
            param("company", In::Body, Kind::Text, false, "Company legal name (required for a new account)."),
            param("tax_id", In::Body, Kind::Text, false, "Company tax id: RUC, RFC or IRS/EIN number (required for a new account)."),
            param("ctpat_account_number", In::Body, Kind::Text, false, "The company's CTPAT account number."),
            param("role", In::Body, Kind::Text, false, "Holder's role on the portal."),
            param("status", In::Body, Kind::Text, false, "active, at_risk, deactivated, disabled or offboarded."),
            param("last_sign_in", In::Body, Kind::Text, false, "Last sign-in, YYYY-MM-DD."),
            param("time_zone", In::Body, Kind::Text, false, "Holder's IANA time zone (America/Tijuana)."),
            param("locale", In::Body, Kind::Text, false, "Holder's language: es or en."),
            param("certificate_expires_on", In::Body, Kind::Text, false, "Last day the holder's signing certificate (e.firma, TOKEN) is valid, YYYY-MM-DD; a later date records its renewal."),
            param("password_changed_on", In::Body, Kind::Text, false, "Day the holder last changed the password, YYYY-MM-DD."),
            param("attributes", In::Body, Kind::Object, false, "Free attributes, by name (an empty value removes one)."),
            BY,
        ],
        answer: Answer::Json,
        schema: schema_of::<AccountAdded>,
        hint: "docs/accounts.md lists the fields and their checks",
        handler: |session, g, caller| {
            Box::pin(async move {
                let attributes = g
                    .object("attributes")
                    .into_iter()
                    .map(|(name, value)| match value {
                        Value::String(text) => (name, text),
                        other => (name, other.to_string()),
                    })
                    .collect();
                let fields = AccountFields {
                    portal: g.text("portal").unwrap_or_default(),
                    account: g.text("account").unwrap_or_default(),
                    holder_name: g.text("holder_name"),
                    holder_email: g.text("holder_email"),
                    employee_id: g.text("employee_id"),
                    holder_national_id: g.text("holder_national_id"),
                    company: g.text("company"),
                    tax_id: g.text("tax_id"),
                    ctpat_account_number: g.text("ctpat_account_number"),
                    role: g.text("role"),
                    status: g.text("status"),
                    last_sign_in: g.text("last_sign_in"),
                    time_zone: g.text("time_zone"),
                    locale: g.text("locale"),
                    certificate_expires_on: g.text("certificate_expires_on"),
                    password_changed_on: g.text("password_changed_on"),
                    attributes,
                    by: Some(by_or_caller(&g, caller)),
                };
                answer_of(session.add_account(fields).await)
            })
        },
    },
    Route {
        method: Method::Post,
        path: "/v1/accounts/import",
        operation: "importAccounts",
        command: "garita accounts import FILE.csv",
        summary: "Import accounts from CSV (the columns of docs/accounts.md); nothing is imported if a row is bad, unless skip_invalid.",
        params: &[
            param("file", In::Body, Kind::Text, true, "The file's name, for messages and the history (for example staff.csv)."),
            param("csv", In::Body, Kind::Text, true, "The CSV text (comma- or semicolon-separated, with a header row)."),
            param("skip_invalid", In::Body, Kind::Boolean, false, "Import the good rows even when some are bad."),
            param("fix_leading_zeros", In::Body, Kind::Boolean, false, "Put back the leading zero a spreadsheet dropped from a cédula or RUC (each repair is a warning)."),
            BY,
        ],
        answer: Answer::Json,
        schema: schema_of::<ImportReport>,
        hint: "fix the rows the error lists and import again, or set skip_invalid",
        handler: |session, g, caller| {
            Box::pin(async move {
                let request = ImportRequest {
                    file: g.text("file").unwrap_or_default(),
                    csv: g.text("csv").unwrap_or_default(),
                    skip_invalid: g.flag("skip_invalid"),
                    fix_leading_zeros: g.flag("fix_leading_zeros"),
                    by: Some(by_or_caller(&g, caller)),
                };
                let report = session.import_accounts(request, &NoProgress).await;
                answer_with(report, |r| u8::from(r.refused.is_some()))
            })
        },
    },
    Route {
        method: Method::Get,
        path: "/v1/accounts/export",
        operation: "exportAccounts",
        command: "garita accounts export",
        summary: "The inventory as CSV with the import's header, safe to open in a spreadsheet.",
        params: &[],
        answer: Answer::Csv,
        schema: schema_of::<String>,
        hint: "the store could not be read; check the daemon's log",
        handler: |session, _, _| {
            Box::pin(async move {
                let export = session.export_accounts().await?;
                Ok(Answered {
                    value: Value::String(export.csv),
                    exit_code: 0,
                })
            })
        },
    },
    Route {
        method: Method::Post,
        path: "/v1/accounts/{account}/touch",
        operation: "touchAccount",
        command: "garita accounts touch ACCOUNT",
        summary: "Record that the holder signed in (today, or at).",
        params: &[
            ACCOUNT,
            param("at", In::Body, Kind::Text, false, "The sign-in date, YYYY-MM-DD (default: today)."),
            BY,
        ],
        answer: Answer::Json,
        schema: schema_of::<SignInRecorded>,
        hint: "GET /v1/accounts lists the accounts as PORTAL:IDENTIFIER",
        handler: |session, g, caller| {
            Box::pin(async move {
                let account = g.text("account").unwrap_or_default();
                let by = Some(by_or_caller(&g, caller));
                answer_of(session.touch_account(&account, g.text("at"), by).await)
            })
        },
    },
    Route {
        method: Method::Get,
        path: "/v1/accounts/check",
        operation: "checkAccounts",
        command: "garita accounts check",
        summary: "What the officer should look at: accounts that look shared or generic, missing or overdue password changes, expired signing certificates. Changes nothing.",
        params: &[],
        answer: Answer::Json,
        schema: schema_of::<AccountsChecked>,
        hint: "the store could not be read; check the daemon's log",
        handler: |session, _g, _caller| {
            Box::pin(async move { answer_of(session.check_accounts().await) })
        },
    },
    Route {
        method: Method::Post,
        path: "/v1/accounts/{account}/password-changed",
        operation: "recordPasswordChange",
        command: "garita accounts password-changed ACCOUNT",
        summary: "Record the day the holder changed the account's password (today, or on), as evidence; never the password.",
        params: &[
            ACCOUNT,
            param("on", In::Body, Kind::Text, false, "The day of the change, YYYY-MM-DD (default: today on the holder's calendar)."),
            BY,
        ],
        answer: Answer::Json,
        schema: schema_of::<PasswordChangeRecorded>,
        hint: "GET /v1/accounts lists the accounts as PORTAL:IDENTIFIER",
        handler: |session, g, caller| {
            Box::pin(async move {
                let account = g.text("account").unwrap_or_default();
                let by = Some(by_or_caller(&g, caller));
                answer_of(session.password_changed(&account, g.text("on"), by).await)
            })
        },
    },
    Route {
        method: Method::Post,
        path: "/v1/accounts/{account}/profile-updated",
        operation: "recordProfileUpdate",
        command: "garita accounts profile-updated ACCOUNT",
        summary: "Record a company's yearly security-profile update (Empresa Certificada, regla 7.2.1) on the account carrying its attr.profile_update_due, as evidence (audit entry compliance.profile_update).",
        params: &[
            ACCOUNT,
            param("on", In::Body, Kind::Text, false, "The day of the update, YYYY-MM-DD (default: today on the holder's calendar)."),
            param("note", In::Body, Kind::Text, false, "A folio, or where the acknowledgement is kept."),
            BY,
        ],
        answer: Answer::Json,
        schema: schema_of::<ProfileUpdateRecorded>,
        hint: "GET /v1/accounts lists the accounts as PORTAL:IDENTIFIER",
        handler: |session, g, caller| {
            Box::pin(async move {
                let account = g.text("account").unwrap_or_default();
                let by = Some(by_or_caller(&g, caller));
                answer_of(
                    session
                        .profile_updated(&account, g.text("on"), g.text("note"), by)
                        .await,
                )
            })
        },
    },
    Route {
        method: Method::Get,
        path: "/v1/accounts/{account}/history",
        operation: "accountHistory",
        command: "garita accounts history ACCOUNT",
        summary: "Every recorded change of an account: who, when, what.",
        params: &[ACCOUNT],
        answer: Answer::Json,
        schema: schema_of::<AccountHistory>,
        hint: "GET /v1/accounts lists the accounts as PORTAL:IDENTIFIER",
        handler: |session, g, _| {
            Box::pin(async move {
                let account = g.text("account").unwrap_or_default();
                answer_of(session.account_history(&account).await)
            })
        },
    },
    Route {
        method: Method::Post,
        path: "/v1/offboard",
        operation: "offboardPerson",
        command: "garita accounts offboard PERSON",
        summary: "Mark every account of a person offboarded and queue the event account.offboarded.",
        params: &[
            param("person", In::Body, Kind::Text, true, "The holder's email or employee id."),
            param("note", In::Body, Kind::Text, false, "Why, for the record (for example the HR ticket)."),
            BY,
        ],
        answer: Answer::Json,
        schema: schema_of::<Offboarded>,
        hint: "give the holder's email or employee id as the inventory has it",
        handler: |session, g, caller| {
            Box::pin(async move {
                let person = g.text("person").unwrap_or_default();
                let by = Some(by_or_caller(&g, caller));
                answer_of(session.offboard(&person, g.text("note"), by).await)
            })
        },
    },
    Route {
        method: Method::Get,
        path: "/v1/outbox",
        operation: "listOutbox",
        command: "garita outbox list",
        summary: "Messages in the outbox, oldest first.",
        params: &[param("status", In::Query, Kind::Text, false, "Only messages in this state: queued, sending, sent, written or failed.")],
        answer: Answer::Json,
        schema: schema_of::<Vec<OutboxEntry>>,
        hint: "status is one of queued, sending, sent, written, failed",
        handler: |session, g, _| {
            Box::pin(async move {
                answer_of(session.list_outbox(OutboxQuery { status: g.text("status") }).await)
            })
        },
    },
    Route {
        method: Method::Get,
        path: "/v1/outbox/{id}",
        operation: "showOutboxMessage",
        command: "garita outbox show ID",
        summary: "One message with its state, attempts and outcome.",
        params: &[MESSAGE],
        answer: Answer::Json,
        schema: schema_of::<OutboxEntry>,
        hint: "GET /v1/outbox lists the Message-IDs",
        handler: |session, g, _| {
            Box::pin(async move {
                answer_of(session.show_outbox_message(&g.text("id").unwrap_or_default()).await)
            })
        },
    },
    Route {
        method: Method::Post,
        path: "/v1/outbox/{id}/retry",
        operation: "retryOutboxMessage",
        command: "garita outbox retry ID",
        summary: "Send a failed message again, with the same Message-ID and content; deliver a written one once SMTP is configured.",
        params: &[MESSAGE],
        answer: Answer::Json,
        schema: schema_of::<OutboxEntry>,
        hint: "only failed messages, and written ones once SMTP is configured, are retried",
        handler: |session, g, _| {
            Box::pin(async move {
                answer_of(session.retry_outbox_message(&g.text("id").unwrap_or_default()).await)
            })
        },
    },
    Route {
        method: Method::Get,
        path: "/v1/schedules",
        operation: "listSchedules",
        command: "garita schedules",
        summary: "Every schedule trigger of the daemon's workflows with its last and next fire and pause (`schedules`), and the workflow files refused with their problems (`refused`; garita-exit-code 1 when there are some).",
        params: &[param("workflows", In::Query, Kind::Text, false, "The workflows directory to read, an absolute path on the daemon's machine (default: the directory the daemon loaded). Outside `[files] allowed_dirs` only for the daemon's own user.")],
        answer: Answer::Json,
        schema: schema_of::<ScheduleList>,
        hint: "the daemon's workflows directory must be readable; `garita validate FILE` checks a refused file",
        handler: |session, g, caller| {
            Box::pin(async move {
                let workflows = g.text("workflows").map(PathBuf::from);
                if let Some(dir) = &workflows {
                    caller.may_name(&session, dir)?;
                }
                let list = session.list_schedules(workflows).await;
                answer_with(list, |l| u8::from(!l.refused.is_empty()))
            })
        },
    },
    Route {
        method: Method::Post,
        path: "/v1/schedules/{workflow}/pause",
        operation: "pauseSchedules",
        command: "garita schedules pause WORKFLOW",
        summary: "Skip the fires of every schedule trigger of a workflow.",
        params: &[WORKFLOW],
        answer: Answer::Json,
        schema: schema_of::<SchedulesPaused>,
        hint: "GET /v1/schedules lists the workflows with schedules",
        handler: |session, g, _| {
            Box::pin(async move {
                let workflow = g.text("workflow").unwrap_or_default();
                answer_of(session.pause_schedules(&workflow, true, None).await)
            })
        },
    },
    Route {
        method: Method::Post,
        path: "/v1/schedules/{workflow}/unpause",
        operation: "unpauseSchedules",
        command: "garita schedules unpause WORKFLOW",
        summary: "Fire again from now on (fires skipped while paused are not caught up).",
        params: &[WORKFLOW],
        answer: Answer::Json,
        schema: schema_of::<SchedulesPaused>,
        hint: "GET /v1/schedules lists the workflows with schedules",
        handler: |session, g, _| {
            Box::pin(async move {
                let workflow = g.text("workflow").unwrap_or_default();
                answer_of(session.pause_schedules(&workflow, false, None).await)
            })
        },
    },
    Route {
        method: Method::Get,
        path: "/v1/calendar/deadlines",
        operation: "calendarDeadlines",
        command: "garita calendar export",
        summary: "Every deadline Garita knows (CTPAT deactivations and same-day sign-ins, Ecuapass January windows, open tasks' due dates), earliest first, with stable ids and sequence numbers; the command renders them as iCalendar (docs/calendar.md).",
        params: &[
            param("portal", In::Query, Kind::Text, false, "Only deadlines of accounts on this portal (tasks are left out)."),
            param("company", In::Query, Kind::Text, false, "Only deadlines of accounts of companies whose legal name contains this text, or with this tax id (tasks are left out)."),
            param("holder", In::Query, Kind::Text, false, "Only one person's deadlines: the accounts they hold (holder email or employee id) and the tasks assigned to their email."),
        ],
        answer: Answer::Json,
        schema: schema_of::<CalendarDeadlines>,
        hint: "check the filters (docs/calendar.md)",
        handler: |session, g, _| {
            Box::pin(async move {
                let query = CalendarQuery {
                    portal: g.text("portal"),
                    company: g.text("company"),
                    holder: g.text("holder"),
                };
                answer_of(session.calendar_deadlines(query).await)
            })
        },
    },
    Route {
        method: Method::Post,
        path: "/v1/calendar/feeds",
        operation: "calendarUrl",
        command: "garita calendar url --user EMAIL [--revoke]",
        summary: "A personal calendar feed's URL (a secret token the console serves without a sign-in; shown once), or with revoke=true the removal of every feed of that person (docs/calendar.md).",
        params: &[
            param("user", In::Body, Kind::Text, true, "Whose feed: a console user gets every deadline, anybody else the accounts they hold and the tasks assigned to them."),
            param("revoke", In::Body, Kind::Boolean, false, "Remove every feed of the person instead."),
            BY,
        ],
        answer: Answer::Json,
        schema: schema_of::<garita_app::ops::calendar_feed::FeedUrl>,
        hint: "the console serves the feeds: set [web] listen (docs/console.md)",
        handler: |session, g, caller| {
            Box::pin(async move {
                let user = g.text("user").unwrap_or_default();
                let revoke = g.flag("revoke");
                let by = Some(by_or_caller(&g, caller));
                answer_of(session.calendar_url(&user, revoke, by).await)
            })
        },
    },
    Route {
        method: Method::Post,
        path: "/v1/links",
        operation: "newLink",
        command: "garita links new --signed-in ACCOUNT | --task TASK",
        summary: "A holder's signed link under [web] public_url: 'I signed in to the portal today' for an account's holder, or 'answer this task' for a task assigned to an email (docs/console.md, \"Holders' links\").",
        params: &[
            param("purpose", In::Body, Kind::Text, true, "signed_in or answer_task."),
            param("subject", In::Body, Kind::Text, true, "The account (PORTAL:IDENTIFIER) or the task (id or unique prefix)."),
        ],
        answer: Answer::Json,
        schema: schema_of::<garita_app::link_issuer::IssuedLink>,
        hint: "GET /v1/accounts and GET /v1/tasks list what a link can be for",
        handler: |session, g, _| {
            Box::pin(async move {
                let purpose = match g.text("purpose").as_deref() {
                    Some("signed_in") => garita_engine::link::LinkPurpose::SignedIn,
                    Some("answer_task") => garita_engine::link::LinkPurpose::AnswerTask,
                    other => {
                        return answer_of::<garita_app::link_issuer::IssuedLink>(Err(
                            AppError::Usage(format!(
                                "purpose must be signed_in or answer_task, not `{}`",
                                other.unwrap_or_default()
                            )),
                        ))
                    }
                };
                let subject = g.text("subject").unwrap_or_default();
                answer_of(
                    session
                        .new_link(garita_app::ops::links::NewLink { purpose, subject })
                        .await,
                )
            })
        },
    },
    Route {
        method: Method::Get,
        path: "/v1/audit/verify",
        operation: "verifyAudit",
        command: "garita audit verify",
        summary: "Check the audit log's hash chain; garita-exit-code 1 when it is broken (each broken entry named).",
        params: &[param("expect_head", In::Query, Kind::Text, false, "Also require this entry hash (a head copied off-machine earlier) to be in the chain.")],
        answer: Answer::Json,
        schema: schema_of::<AuditVerification>,
        hint: "docs/audit.md says what a broken chain means and what to do",
        handler: |session, g, _| {
            Box::pin(async move {
                let report = session.verify_audit(g.text("expect_head")).await;
                answer_with(report, |r| u8::from(!r.intact))
            })
        },
    },
    Route {
        method: Method::Post,
        path: "/v1/audit/checkpoint",
        operation: "auditCheckpoint",
        command: "garita audit checkpoint",
        summary: "Sign a checkpoint (C2SP signed note) of the audit log's Merkle tree with the daemon's [audit] signing_key, record it as an audit entry and return it.",
        params: &[],
        answer: Answer::Json,
        schema: schema_of::<garita_app::ops::audit_checkpoint::Checkpoint>,
        hint: "`garita keys init` creates the key; docs/audit.md explains checkpoints",
        handler: |session, _, _| {
            Box::pin(async move { answer_of(session.audit_checkpoint().await) })
        },
    },
    Route {
        method: Method::Get,
        path: "/v1/audit/export",
        operation: "exportAudit",
        command: "garita audit export --from DATE --to DATE --format json",
        summary: "The audit entries of a period with their chain hashes, as one JSON document.",
        params: &[
            param("from", In::Query, Kind::Text, true, "First day (YYYY-MM-DD, UTC) or RFC 3339 instant."),
            param("to", In::Query, Kind::Text, true, "Last day, included (YYYY-MM-DD, UTC), or RFC 3339 instant (excluded)."),
        ],
        answer: Answer::Json,
        schema: schema_of::<AuditExport>,
        hint: "from must come before to; dates are YYYY-MM-DD",
        handler: |session, g, _| {
            Box::pin(async move {
                let (from, to) = (g.text("from").unwrap_or_default(), g.text("to").unwrap_or_default());
                answer_of(session.export_audit(&from, &to).await)
            })
        },
    },
    Route {
        method: Method::Get,
        path: "/v1/audit/export.csv",
        operation: "exportAuditCsv",
        command: "garita audit export --from DATE --to DATE --format csv",
        summary: "The audit entries of a period with their chain hashes, as CSV (formula-safe).",
        params: &[
            param("from", In::Query, Kind::Text, true, "First day (YYYY-MM-DD, UTC) or RFC 3339 instant."),
            param("to", In::Query, Kind::Text, true, "Last day, included (YYYY-MM-DD, UTC), or RFC 3339 instant (excluded)."),
            param("lang", In::Query, Kind::Text, false, "Language of the `description` column: es (default) or en."),
        ],
        answer: Answer::Csv,
        schema: schema_of::<String>,
        hint: "from must come before to; dates are YYYY-MM-DD",
        handler: |session, g, _| {
            Box::pin(async move {
                let (from, to) = (g.text("from").unwrap_or_default(), g.text("to").unwrap_or_default());
                let lang = report_lang(g.text("lang"))?;
                let export = session.export_audit(&from, &to).await?;
                Ok(Answered {
                    value: Value::String(csv_text(&export, lang)?),
                    exit_code: 0,
                })
            })
        },
    },
    Route {
        method: Method::Post,
        path: "/v1/backup",
        operation: "backupStore",
        command: "garita backup FILE",
        summary: "Write a consistent backup of the whole store to a file on the daemon's machine.",
        params: &[param("file", In::Body, Kind::Text, true, "The backup file, an absolute path on the daemon's machine. Outside `[files] allowed_dirs` only for the daemon's own user.")],
        answer: Answer::Json,
        schema: schema_of::<BackupMade>,
        hint: "give an absolute path in a directory the daemon may write; `garita backup verify FILE` checks the result",
        handler: |session, g, caller| {
            Box::pin(async move {
                let file = PathBuf::from(g.text("file").unwrap_or_default());
                if file.is_relative() {
                    return Err(AppError::Usage(format!(
                        "`file` must be an absolute path on the daemon's machine, not `{}`",
                        file.display()
                    )));
                }
                caller.may_name(&session, &file)?;
                answer_of(session.backup(file).await)
            })
        },
    },
    Route {
        method: Method::Post,
        path: "/v1/evidence/pack",
        operation: "evidencePack",
        command: "garita evidence pack --from DATE --to DATE --output DIR",
        summary: "Write the evidence pack of a period (entries, a checkpoint signed now, the proofs, the public key) into a new directory on the daemon's machine.",
        params: &[
            param("from", In::Body, Kind::Text, true, "First day (YYYY-MM-DD, UTC) or RFC 3339 instant."),
            param("to", In::Body, Kind::Text, true, "Last day, included (YYYY-MM-DD, UTC), or RFC 3339 instant (excluded)."),
            param("dir", In::Body, Kind::Text, true, "The new directory, an absolute path on the daemon's machine. Outside `[files] allowed_dirs` only for the daemon's own user."),
            param("lang", In::Body, Kind::Text, false, "Language of the report and of the CSV's descriptions: es (default) or en."),
        ],
        answer: Answer::Json,
        schema: schema_of::<garita_app::ops::evidence::PackMade>,
        hint: "the directory must not exist yet; `garita evidence verify DIR` checks the result",
        handler: |session, g, caller| {
            Box::pin(async move {
                let dir = PathBuf::from(g.text("dir").unwrap_or_default());
                if dir.is_relative() {
                    return Err(AppError::Usage(format!(
                        "`dir` must be an absolute path on the daemon's machine, not `{}`",
                        dir.display()
                    )));
                }
                caller.may_name(&session, &dir)?;
                let from = g.text("from").unwrap_or_default();
                let to = g.text("to").unwrap_or_default();
                let lang = report_lang(g.text("lang"))?;
                answer_of(session.evidence_pack(&from, &to, dir, lang).await)
            })
        },
    },
    Route {
        method: Method::Get,
        path: "/v1/users",
        operation: "listUsers",
        command: "garita users list",
        summary: "The console's users, by email (never their password hashes).",
        params: &[],
        answer: Answer::Json,
        schema: schema_of::<Vec<UserView>>,
        hint: "the store could not be read; check the daemon's log",
        handler: |session, _, _| Box::pin(async move { answer_of(session.list_users().await) }),
    },
    Route {
        method: Method::Post,
        path: "/v1/users",
        operation: "addUser",
        command: "garita users add EMAIL --role ROLE",
        summary: "Add a console user; only an argon2id hash of the password is kept.",
        params: &[
            param("email", In::Body, Kind::Text, true, "Their email (their sign-in name)."),
            param("role", In::Body, Kind::Text, true, "officer, auditor or admin."),
            param("language", In::Body, Kind::Text, false, "es (default) or en."),
            param("password", In::Body, Kind::Text, true, "The password, at least 12 characters."),
            BY,
        ],
        answer: Answer::Json,
        schema: schema_of::<UserView>,
        hint: "docs/console.md says what a user needs",
        handler: |session, g, caller| {
            Box::pin(async move {
                let new = NewUser {
                    email: g.text("email").unwrap_or_default(),
                    role: g.text("role").unwrap_or_default(),
                    language: g.text("language"),
                    password: g.text("password").unwrap_or_default(),
                    by: Some(by_or_caller(&g, caller)),
                };
                answer_of(session.add_user(new).await)
            })
        },
    },
    Route {
        method: Method::Post,
        path: "/v1/users/{email}/disable",
        operation: "disableUser",
        command: "garita users disable EMAIL",
        summary: "Disable a console user and end their sessions.",
        params: &[USER_EMAIL, BY],
        answer: Answer::Json,
        schema: schema_of::<UserChanged>,
        hint: "GET /v1/users lists the users",
        handler: |session, g, caller| {
            Box::pin(async move {
                let email = g.text("email").unwrap_or_default();
                let by = Some(by_or_caller(&g, caller));
                answer_of(session.disable_user(&email, by).await)
            })
        },
    },
    Route {
        method: Method::Post,
        path: "/v1/users/{email}/password",
        operation: "setUserPassword",
        command: "garita users passwd EMAIL",
        summary: "Set a console user's password and end their sessions.",
        params: &[
            USER_EMAIL,
            param("password", In::Body, Kind::Text, true, "The new password, at least 12 characters."),
            BY,
        ],
        answer: Answer::Json,
        schema: schema_of::<UserChanged>,
        hint: "GET /v1/users lists the users",
        handler: |session, g, caller| {
            Box::pin(async move {
                let email = g.text("email").unwrap_or_default();
                let password = g.text("password").unwrap_or_default();
                let by = Some(by_or_caller(&g, caller));
                answer_of(session.set_user_password(&email, password, by).await)
            })
        },
    },
];

/// Checks a call's parameters against `route`: every required one given,
/// none unknown, each of its type. The error says which and how.
pub fn check(
    route: &Route,
    path: &[(String, String)],
    query: &[(String, String)],
    body: Option<&Map<String, Value>>,
) -> Result<Given, String> {
    let mut given = Given::default();
    let mut seen_query = std::collections::HashSet::new();
    for (name, _) in query {
        if !seen_query.insert(name.as_str()) {
            return Err(format!("query parameter `{name}` is given twice"));
        }
    }
    let unknown = |location: &str, name: &str| {
        let known: Vec<&str> = route
            .params
            .iter()
            .filter(|p| match location {
                "query" => p.location == In::Query,
                _ => p.location == In::Body,
            })
            .map(|p| p.name)
            .collect();
        format!(
            "unknown {location} parameter `{name}` for {} {}; known: {}",
            route.method.as_str().to_uppercase(),
            route.path,
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        )
    };
    for (name, _) in query {
        if !route
            .params
            .iter()
            .any(|p| p.location == In::Query && p.name == name)
        {
            return Err(unknown("query", name));
        }
    }
    if let Some(body) = body {
        for name in body.keys() {
            if !route
                .params
                .iter()
                .any(|p| p.location == In::Body && p.name == name)
            {
                return Err(unknown("body", name));
            }
        }
    }
    for p in route.params {
        let raw: Option<Value> = match p.location {
            In::Path => path
                .iter()
                .find(|(k, _)| k == p.name)
                .map(|(_, v)| Value::String(v.clone())),
            In::Query => query
                .iter()
                .find(|(k, _)| k == p.name)
                .map(|(_, v)| query_value(p, v))
                .transpose()?,
            In::Body => body.and_then(|b| b.get(p.name)).cloned(),
        };
        let value = match raw {
            None | Some(Value::Null) if p.required => {
                return Err(format!("`{}` is required: {}", p.name, p.doc));
            }
            None | Some(Value::Null) => continue,
            Some(v) => v,
        };
        let fits = match p.kind {
            Kind::Text => value.is_string(),
            Kind::Integer => value.as_u64().is_some(),
            Kind::Boolean => value.is_boolean(),
            Kind::Object => value.is_object(),
            Kind::Any => true,
        };
        if !fits {
            return Err(format!(
                "`{}` must be {} ({}), not {value}",
                p.name,
                match p.kind {
                    Kind::Text => "a string",
                    Kind::Integer => "a non-negative integer",
                    Kind::Boolean => "true or false",
                    Kind::Object => "a JSON object",
                    Kind::Any => "JSON",
                },
                p.doc
            ));
        }
        given.values.insert(p.name, value);
    }
    Ok(given)
}

/// A query string value as its parameter's type.
fn query_value(p: &Param, text: &str) -> Result<Value, String> {
    match p.kind {
        Kind::Text => Ok(Value::String(text.to_owned())),
        Kind::Integer => text
            .parse::<u64>()
            .map(Value::from)
            .map_err(|_| format!("`{}` must be a non-negative integer, not `{text}`", p.name)),
        Kind::Boolean => match text {
            "true" | "1" | "" => Ok(Value::Bool(true)),
            "false" | "0" => Ok(Value::Bool(false)),
            _ => Err(format!("`{}` must be true or false, not `{text}`", p.name)),
        },
        Kind::Object | Kind::Any => Err(format!("`{}` cannot be given in the query", p.name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(path: &str, method: Method) -> &'static Route {
        ROUTES
            .iter()
            .find(|r| r.path == path && r.method == method)
            .unwrap()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn every_route_is_unique_and_its_path_params_are_in_its_path() {
        let mut seen = std::collections::HashSet::new();
        for r in ROUTES {
            assert!(seen.insert((r.path, r.method)), "{} twice", r.path);
            for p in r.params.iter().filter(|p| p.location == In::Path) {
                assert!(r.path.contains(&format!("{{{}}}", p.name)), "{}", r.path);
            }
            let body = r.params.iter().any(|p| p.location == In::Body);
            assert!(!(body && r.method == Method::Get), "{}", r.path);
        }
    }

    #[test]
    fn a_task_answer_takes_typed_fields_and_the_caller_as_author() {
        let r = route("/v1/tasks/{task}/complete", Method::Post);
        let caller = || Caller {
            author: "ana".into(),
            confined: true,
        };
        let body =
            serde_json::json!({"fields": {"ok": "true", "ref": "A-1", "n": 2}, "note": "done"});
        let given = check(r, &pairs(&[("task", "01T")]), &[], body.as_object()).unwrap();
        let reply = reply_of(&given, caller());
        assert_eq!(
            Value::Object(reply.fields),
            serde_json::json!({"ok": true, "ref": "A-1", "n": 2})
        );
        assert_eq!(reply.note.as_deref(), Some("done"));
        assert_eq!(reply.by.as_deref(), Some("ana"));
        let body = serde_json::json!({"by": "luis@example.com"});
        let given = check(r, &pairs(&[("task", "01T")]), &[], body.as_object()).unwrap();
        assert_eq!(
            reply_of(&given, caller()).by.as_deref(),
            Some("luis@example.com")
        );
    }

    #[test]
    fn wrong_parameters_are_refused_with_what_to_do() {
        let r = route("/v1/runs", Method::Get);
        let err = check(r, &[], &pairs(&[("limit", "many")]), None).unwrap_err();
        assert!(err.contains("non-negative integer"), "{err}");
        let err = check(r, &[], &pairs(&[("colour", "red")]), None).unwrap_err();
        assert!(err.contains("known: status, workflow, limit"), "{err}");
        let r = route("/v1/tasks/{task}/reject", Method::Post);
        let err = check(r, &pairs(&[("task", "t")]), &[], Some(&Map::new())).unwrap_err();
        assert!(err.contains("`note` is required"), "{err}");
        let body = serde_json::json!({"note": 3});
        let err = check(r, &pairs(&[("task", "t")]), &[], body.as_object()).unwrap_err();
        assert!(err.contains("must be a string"), "{err}");
        // A value that looks like an option stays a value.
        let r = route("/v1/accounts/{account}/history", Method::Get);
        let given = check(r, &pairs(&[("account", "--all")]), &[], None).unwrap();
        assert_eq!(given.text("account").as_deref(), Some("--all"));
    }
}
