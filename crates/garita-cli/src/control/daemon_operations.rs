//! The operations, answered by the daemon that holds the store: each call
//! is one request to a typed endpoint of its control API, and its answer is
//! the operation's own type. The command renders it exactly as it renders
//! a local answer.

use std::os::unix::net::UnixStream;
use std::path::PathBuf;

use async_trait::async_trait;
use garita_app::ops::accounts::{
    AccountAdded, AccountFields, AccountHistory, AccountQuery, AccountView, AccountsChecked,
    AccountsCsv, ImportProgress, ImportReport, ImportRequest, Offboarded, PasswordChangeRecorded,
    ProfileUpdateRecorded, SignInRecorded,
};
use garita_app::ops::audit::{AuditExport, AuditVerification};
use garita_app::ops::backup::BackupMade;
use garita_app::ops::calendar::{CalendarDeadlines, CalendarQuery};
use garita_app::ops::outbox::OutboxQuery;
use garita_app::ops::retention::{PruneRuns, RunsPruned};
use garita_app::ops::runs::{RunMoved, RunQuery, RunRow, RunView, SignalSent, StartRun};
use garita_app::ops::schedules::{ScheduleList, SchedulesPaused};
use garita_app::ops::tasks::{TaskAnswered, TaskQuery, TaskReply};
use garita_app::ops::users::{NewUser, UserChanged, UserView};
use garita_app::{AppError, ErrorClass, Operations};
use garita_engine::{OutboxEntry, Task};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::http1;
use super::percent::{encode, query};
use super::protocol::{ApiError, Health};
use crate::cli::GlobalArgs;
use garita_app::config::Settings;

/// Header with who the client says it is (percent-encoded): the default
/// author of what the request changes.
pub const USER_HEADER: &str = "garita-user";

/// Header with the client's `--now` (percent-encoded), which the daemon
/// accepts only when it is its own pinned instant.
pub const NOW_HEADER: &str = "garita-now";

/// The daemon holding the store, as the operations' provider.
pub struct DaemonOperations {
    socket: PathBuf,
    pid: u32,
    user: String,
    now: Option<String>,
}

impl DaemonOperations {
    /// The daemon holding the store the global options and `settings` (the
    /// configuration they name) point to, if one does.
    /// On PostgreSQL, none: a command talks to the database itself, as
    /// every daemon on it does (no process holds the store alone).
    pub fn find(global: &GlobalArgs, settings: &Settings) -> Option<Self> {
        if garita_app::wiring::StoreLocation::of(global.store.as_deref(), settings).is_postgres() {
            return None;
        }
        let dir = garita_app::wiring::store_dir(global.store.as_deref(), settings);
        let health = super::client::find_daemon(&dir)?;
        Some(Self {
            socket: dir.join(super::SOCKET_NAME),
            pid: health.pid,
            user: garita_app::identity::default_by(settings),
            now: global.now.clone(),
        })
    }

    /// The daemon `health` describes, serving the store directory `dir`,
    /// asked on behalf of `user`.
    pub fn serving(dir: &std::path::Path, health: &Health, user: String) -> Self {
        Self {
            socket: dir.join(super::SOCKET_NAME),
            pid: health.pid,
            user,
            now: None,
        }
    }

    /// Has the daemon write a backup of its store to `file` (an absolute
    /// path on its machine); answers once it is written.
    pub fn backup_now(&self, file: PathBuf) -> Result<BackupMade, AppError> {
        let body = members(&[("file", Some(Value::String(file.display().to_string())))]);
        self.call("POST", "/v1/backup", Some(&body))
    }

    /// One request; the answer as `T`, or the daemon's error.
    fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<T, AppError> {
        let answer = self.exchange(method, path, body)?;
        serde_json::from_slice(&answer).map_err(|e| AppError::Reported {
            class: ErrorClass::Internal,
            message: format!(
                "the garita daemon (pid {}) answered {method} {path} with something this garita ({}) cannot read ({e}); are the daemon and this garita the same version?",
                self.pid,
                env!("CARGO_PKG_VERSION")
            ),
        })
    }

    /// One request; the answer's body, or the daemon's error.
    fn exchange(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Vec<u8>, AppError> {
        let unreachable = |what: String| AppError::Reported {
            class: ErrorClass::Internal,
            message: what,
        };
        let body = body.map(|b| b.to_string());
        let user = encode(&self.user);
        let now = self.now.as_deref().map(encode);
        let mut headers = vec![(USER_HEADER, user.as_str())];
        if let Some(now) = &now {
            headers.push((NOW_HEADER, now.as_str()));
        }
        let mut stream = UnixStream::connect(&self.socket).map_err(|e| {
            unreachable(format!(
                "the garita daemon (pid {}) stopped answering on {} ({e}); run the command again (it then runs on the store directly if the daemon has stopped)",
                self.pid,
                self.socket.display()
            ))
        })?;
        let reply = http1::request_with_headers(
            &mut stream,
            method,
            path,
            &headers,
            body.as_deref().map(str::as_bytes),
        )
        .map_err(|e| {
            unreachable(format!(
                "the garita daemon (pid {}) closed the connection before answering ({e}); check its log (`garita runs list` shows whether the command took effect)",
                self.pid
            ))
        })?;
        if reply.status != 200 {
            let message = serde_json::from_slice::<ApiError>(&reply.body).map_or_else(
                |_| String::from_utf8_lossy(&reply.body).into_owned(),
                |e| e.error,
            );
            return Err(AppError::Reported {
                class: class_of_status(reply.status),
                message,
            });
        }
        Ok(reply.body)
    }
}

/// The class of failure an HTTP status stands for: the inverse of
/// [`super::state::status_of_class`], read from it; any other status is
/// the daemon's own trouble.
fn class_of_status(status: u16) -> ErrorClass {
    [
        ErrorClass::Usage,
        ErrorClass::NotFound,
        ErrorClass::Conflict,
        ErrorClass::Refused,
    ]
    .into_iter()
    .find(|class| super::state::status_of_class(*class) == status)
    .unwrap_or(ErrorClass::Internal)
}

#[async_trait]
impl Operations for DaemonOperations {
    async fn list_runs(&self, q: RunQuery) -> Result<Vec<RunRow>, AppError> {
        let path = format!(
            "/v1/runs{}",
            query(&[
                ("status", q.status),
                ("workflow", q.workflow),
                ("limit", q.limit.map(|l| l.to_string())),
            ])
        );
        self.call("GET", &path, None)
    }

    async fn show_run(&self, run: &str) -> Result<RunView, AppError> {
        self.call("GET", &format!("/v1/runs/{}", encode(run)), None)
    }

    async fn start_run(&self, request: StartRun) -> Result<RunView, AppError> {
        let mut body = serde_json::Map::new();
        body.insert("file".into(), Value::String(request.file));
        body.insert("source".into(), Value::String(request.source));
        if !request.inputs.is_empty() {
            body.insert("inputs".into(), Value::Object(request.inputs));
        }
        if request.no_wait {
            body.insert("no_wait".into(), Value::Bool(true));
        }
        self.call("POST", "/v1/runs", Some(&Value::Object(body)))
    }

    async fn resume_runs(&self) -> Result<Vec<RunMoved>, AppError> {
        self.call("POST", "/v1/resume", None)
    }

    async fn force_resume_run(&self, run: &str, by: Option<String>) -> Result<RunMoved, AppError> {
        let path = format!("/v1/runs/{}/resume", encode(run));
        self.call(
            "POST",
            &path,
            Some(&members(&[("by", by.map(Value::String))])),
        )
    }

    async fn prune_runs(&self, request: PruneRuns) -> Result<RunsPruned, AppError> {
        self.call(
            "POST",
            "/v1/runs/prune",
            Some(&members(&[(
                "finished_before",
                Some(Value::String(request.finished_before)),
            )])),
        )
    }

    async fn cancel_run(&self, run: &str, reason: Option<String>) -> Result<RunMoved, AppError> {
        let path = format!("/v1/runs/{}/cancel", encode(run));
        self.call(
            "POST",
            &path,
            Some(&members(&[("reason", reason.map(Value::String))])),
        )
    }

    async fn signal_run(&self, run: &str, name: &str, data: Value) -> Result<SignalSent, AppError> {
        let path = format!("/v1/runs/{}/signals/{}", encode(run), encode(name));
        let data = (!data.is_null()).then_some(data);
        self.call("POST", &path, Some(&members(&[("data", data)])))
    }

    async fn list_accounts(&self, q: AccountQuery) -> Result<Vec<AccountView>, AppError> {
        let path = format!(
            "/v1/accounts{}",
            query(&[
                ("portal", q.portal),
                ("status", q.status),
                ("company", q.company),
                (
                    "deactivates_within",
                    q.deactivates_within.map(|d| d.to_string())
                ),
            ])
        );
        self.call("GET", &path, None)
    }

    async fn add_account(&self, fields: AccountFields) -> Result<AccountAdded, AppError> {
        let body = serde_json::to_value(&fields).map_err(|e| AppError::Usage(e.to_string()))?;
        self.call("POST", "/v1/accounts", Some(&body))
    }

    /// The daemon does the work: no progress is shown here.
    async fn import_accounts(
        &self,
        request: ImportRequest,
        _progress: &dyn ImportProgress,
    ) -> Result<ImportReport, AppError> {
        let body = members(&[
            ("file", Some(Value::String(request.file))),
            ("csv", Some(Value::String(request.csv))),
            (
                "skip_invalid",
                request.skip_invalid.then_some(Value::Bool(true)),
            ),
            (
                "fix_leading_zeros",
                request.fix_leading_zeros.then_some(Value::Bool(true)),
            ),
            ("by", request.by.map(Value::String)),
        ]);
        self.call("POST", "/v1/accounts/import", Some(&body))
    }

    async fn export_accounts(&self) -> Result<AccountsCsv, AppError> {
        let body = self.exchange("GET", "/v1/accounts/export", None)?;
        let csv = String::from_utf8(body).map_err(|_| AppError::Reported {
            class: ErrorClass::Internal,
            message: format!(
                "the garita daemon (pid {}) sent an export that is not UTF-8",
                self.pid
            ),
        })?;
        // The rows after the header (a cell may hold a line break).
        let accounts = csv::Reader::from_reader(csv.as_bytes()).records().count();
        Ok(AccountsCsv { accounts, csv })
    }

    async fn touch_account(
        &self,
        account: &str,
        at: Option<String>,
        by: Option<String>,
    ) -> Result<SignInRecorded, AppError> {
        let path = format!("/v1/accounts/{}/touch", encode(account));
        let body = members(&[("at", at.map(Value::String)), ("by", by.map(Value::String))]);
        self.call("POST", &path, Some(&body))
    }

    async fn check_accounts(&self) -> Result<AccountsChecked, AppError> {
        self.call("GET", "/v1/accounts/check", None)
    }

    async fn password_changed(
        &self,
        account: &str,
        on: Option<String>,
        by: Option<String>,
    ) -> Result<PasswordChangeRecorded, AppError> {
        let path = format!("/v1/accounts/{}/password-changed", encode(account));
        let body = members(&[("on", on.map(Value::String)), ("by", by.map(Value::String))]);
        self.call("POST", &path, Some(&body))
    }

    async fn profile_updated(
        &self,
        account: &str,
        on: Option<String>,
        note: Option<String>,
        by: Option<String>,
    ) -> Result<ProfileUpdateRecorded, AppError> {
        let path = format!("/v1/accounts/{}/profile-updated", encode(account));
        let body = members(&[
            ("on", on.map(Value::String)),
            ("note", note.map(Value::String)),
            ("by", by.map(Value::String)),
        ]);
        self.call("POST", &path, Some(&body))
    }

    async fn account_history(&self, account: &str) -> Result<AccountHistory, AppError> {
        self.call(
            "GET",
            &format!("/v1/accounts/{}/history", encode(account)),
            None,
        )
    }

    async fn offboard(
        &self,
        person: &str,
        note: Option<String>,
        by: Option<String>,
    ) -> Result<Offboarded, AppError> {
        let body = members(&[
            ("person", Some(Value::String(person.to_owned()))),
            ("note", note.map(Value::String)),
            ("by", by.map(Value::String)),
        ]);
        self.call("POST", "/v1/offboard", Some(&body))
    }

    async fn verify_audit(
        &self,
        expect_head: Option<String>,
    ) -> Result<AuditVerification, AppError> {
        let path = format!("/v1/audit/verify{}", query(&[("expect_head", expect_head)]));
        self.call("GET", &path, None)
    }

    async fn audit_checkpoint(
        &self,
    ) -> Result<garita_app::ops::audit_checkpoint::Checkpoint, AppError> {
        self.call("POST", "/v1/audit/checkpoint", None)
    }

    async fn export_audit(&self, from: &str, to: &str) -> Result<AuditExport, AppError> {
        let path = format!(
            "/v1/audit/export{}",
            query(&[("from", Some(from.to_owned())), ("to", Some(to.to_owned()))])
        );
        self.call("GET", &path, None)
    }

    async fn backup(&self, file: PathBuf) -> Result<BackupMade, AppError> {
        self.backup_now(file)
    }

    async fn evidence_pack(
        &self,
        from: &str,
        to: &str,
        dir: PathBuf,
        lang: garita_engine::account::Locale,
    ) -> Result<garita_app::ops::evidence::PackMade, AppError> {
        let body = members(&[
            ("from", Some(Value::String(from.to_owned()))),
            ("to", Some(Value::String(to.to_owned()))),
            ("dir", Some(Value::String(dir.display().to_string()))),
            ("lang", Some(Value::String(lang.as_str().to_owned()))),
        ]);
        self.call("POST", "/v1/evidence/pack", Some(&body))
    }

    async fn calendar_deadlines(&self, q: CalendarQuery) -> Result<CalendarDeadlines, AppError> {
        let path = format!(
            "/v1/calendar/deadlines{}",
            query(&[
                ("portal", q.portal),
                ("company", q.company),
                ("holder", q.holder)
            ])
        );
        self.call("GET", &path, None)
    }

    async fn calendar_url(
        &self,
        user: &str,
        revoke: bool,
        by: Option<String>,
    ) -> Result<garita_app::ops::calendar_feed::FeedUrl, AppError> {
        let body = members(&[
            ("user", Some(Value::String(user.to_owned()))),
            ("revoke", Some(Value::Bool(revoke))),
            ("by", by.map(Value::String)),
        ]);
        self.call("POST", "/v1/calendar/feeds", Some(&body))
    }

    async fn new_link(
        &self,
        new: garita_app::ops::links::NewLink,
    ) -> Result<garita_app::link_issuer::IssuedLink, AppError> {
        let body = members(&[
            (
                "purpose",
                Some(Value::String(new.purpose.as_str().to_owned())),
            ),
            ("subject", Some(Value::String(new.subject))),
        ]);
        self.call("POST", "/v1/links", Some(&body))
    }

    async fn list_users(&self) -> Result<Vec<UserView>, AppError> {
        self.call("GET", "/v1/users", None)
    }

    async fn add_user(&self, new: NewUser) -> Result<UserView, AppError> {
        let body = members(&[
            ("email", Some(Value::String(new.email))),
            ("role", Some(Value::String(new.role))),
            ("language", new.language.map(Value::String)),
            ("password", Some(Value::String(new.password))),
            ("by", new.by.map(Value::String)),
        ]);
        self.call("POST", "/v1/users", Some(&body))
    }

    async fn disable_user(&self, email: &str, by: Option<String>) -> Result<UserChanged, AppError> {
        let path = format!("/v1/users/{}/disable", encode(email));
        let body = members(&[("by", by.map(Value::String))]);
        self.call("POST", &path, Some(&body))
    }

    async fn set_user_password(
        &self,
        email: &str,
        password: String,
        by: Option<String>,
    ) -> Result<UserChanged, AppError> {
        let path = format!("/v1/users/{}/password", encode(email));
        let body = members(&[
            ("password", Some(Value::String(password))),
            ("by", by.map(Value::String)),
        ]);
        self.call("POST", &path, Some(&body))
    }

    async fn list_tasks(&self, q: TaskQuery) -> Result<Vec<Task>, AppError> {
        let path = format!(
            "/v1/tasks{}",
            query(&[
                ("mine", q.mine),
                ("all", q.all.then(|| "true".to_owned())),
                ("run", q.run),
            ])
        );
        self.call("GET", &path, None)
    }

    async fn show_task(&self, task: &str) -> Result<Task, AppError> {
        self.call("GET", &format!("/v1/tasks/{}", encode(task)), None)
    }

    async fn complete_task(&self, task: &str, reply: TaskReply) -> Result<TaskAnswered, AppError> {
        let path = format!("/v1/tasks/{}/complete", encode(task));
        self.call("POST", &path, Some(&reply_body(reply)))
    }

    async fn reject_task(&self, task: &str, reply: TaskReply) -> Result<TaskAnswered, AppError> {
        let path = format!("/v1/tasks/{}/reject", encode(task));
        self.call("POST", &path, Some(&reply_body(reply)))
    }

    async fn list_outbox(&self, q: OutboxQuery) -> Result<Vec<OutboxEntry>, AppError> {
        self.call(
            "GET",
            &format!("/v1/outbox{}", query(&[("status", q.status)])),
            None,
        )
    }

    async fn show_outbox_message(&self, id: &str) -> Result<OutboxEntry, AppError> {
        self.call("GET", &outbox_path(id, ""), None)
    }

    async fn retry_outbox_message(&self, id: &str) -> Result<OutboxEntry, AppError> {
        self.call("POST", &outbox_path(id, "/retry"), None)
    }

    async fn list_schedules(&self, workflows: Option<PathBuf>) -> Result<ScheduleList, AppError> {
        let dir = workflows.map(|d| d.display().to_string());
        self.call(
            "GET",
            &format!("/v1/schedules{}", query(&[("workflows", dir)])),
            None,
        )
    }

    /// The daemon's scheduler changes its own workflows: `workflows` is not sent.
    async fn pause_schedules(
        &self,
        workflow: &str,
        paused: bool,
        _workflows: Option<PathBuf>,
    ) -> Result<SchedulesPaused, AppError> {
        let action = if paused { "pause" } else { "unpause" };
        let path = format!("/v1/schedules/{}/{action}", encode(workflow));
        self.call("POST", &path, None)
    }
}

/// A path with `id` as its percent-encoded segment.
fn outbox_path(id: &str, action: &str) -> String {
    format!("/v1/outbox/{}{action}", encode(id))
}

/// A JSON object of the members given.
fn members(pairs: &[(&str, Option<Value>)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .filter_map(|(name, value)| value.clone().map(|v| ((*name).to_owned(), v)))
            .collect(),
    )
}

/// A task answer as the endpoints take it: only the members given (the
/// daemon records the caller when `by` is absent).
fn reply_body(reply: TaskReply) -> Value {
    let mut body = serde_json::Map::new();
    if !reply.fields.is_empty() {
        body.insert("fields".into(), Value::Object(reply.fields));
    }
    if let Some(note) = reply.note {
        body.insert("note".into(), Value::String(note));
    }
    if let Some(by) = reply.by {
        body.insert("by".into(), Value::String(by));
    }
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_back_to_the_classes_they_came_from() {
        for class in [
            ErrorClass::Usage,
            ErrorClass::NotFound,
            ErrorClass::Conflict,
            ErrorClass::Refused,
            ErrorClass::Internal,
        ] {
            assert_eq!(
                class_of_status(super::super::state::status_of_class(class)),
                class
            );
        }
    }
}
