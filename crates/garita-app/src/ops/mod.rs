//! The typed operations every front end calls, grouped by what users do
//! (runs, tasks, outbox, schedules, accounts, calendar, ...). Each takes a
//! typed request and answers a serde type: the `garita` command renders it
//! as text or prints it with `--json`, the control API sends it as JSON, so
//! both say the same.
//!
//! [`Operations`] is the one interface a front end holds. [`Session`]
//! implements it on an open store (a command run directly, or the daemon
//! serving its API); a front end that reaches a daemon over its API
//! implements it by calling the typed endpoints, and answers the same types.

pub mod accounts;
pub mod audit;
pub mod audit_checkpoint;
pub mod audit_description;
mod audit_period;
pub mod backup;
pub mod calendar;
pub mod calendar_feed;
pub mod console;
pub mod daily_checkpoint;
pub mod dashboard;
#[cfg(test)]
mod dashboard_tests;
pub mod evidence;
pub mod evidence_html;
pub mod evidence_report;
pub mod inbox;
pub mod links;
pub mod outbox;
pub mod password;
pub mod retention;
pub mod runs;
pub mod schedules;
mod session;
pub mod store_copy;
pub mod task_form;
pub mod tasks;
#[cfg(test)]
mod tests;
pub mod users;

pub use session::Session;

use std::path::PathBuf;

use garita_engine::account::Locale;

use async_trait::async_trait;
use garita_engine::{OutboxEntry, Task};

use crate::AppError;

/// Everything users do, as one interface over plain data.
#[async_trait]
pub trait Operations: Send + Sync {
    /// Runs, newest first (`garita runs list`).
    async fn list_runs(&self, query: runs::RunQuery) -> Result<Vec<runs::RunRow>, AppError>;
    /// One run with its steps (`garita runs show`); `run` may be a unique prefix.
    async fn show_run(&self, run: &str) -> Result<runs::RunView, AppError>;
    /// Starts a run and drives it until it waits or ends (`garita run`).
    async fn start_run(&self, request: runs::StartRun) -> Result<runs::RunView, AppError>;
    /// Drives every unfinished run (`garita resume`).
    async fn resume_runs(&self) -> Result<Vec<runs::RunMoved>, AppError>;
    /// Tries a quarantined run again (`garita resume RUN --force`).
    async fn force_resume_run(
        &self,
        run: &str,
        by: Option<String>,
    ) -> Result<runs::RunMoved, AppError>;
    /// Removes the step-level events of runs finished before a cutoff
    /// (`garita runs prune`).
    async fn prune_runs(
        &self,
        request: retention::PruneRuns,
    ) -> Result<retention::RunsPruned, AppError>;
    /// Cancels a run (`garita cancel`).
    async fn cancel_run(
        &self,
        run: &str,
        reason: Option<String>,
    ) -> Result<runs::RunMoved, AppError>;
    /// Delivers a signal to a run (`garita signal`).
    async fn signal_run(
        &self,
        run: &str,
        name: &str,
        data: serde_json::Value,
    ) -> Result<runs::SignalSent, AppError>;
    /// Tasks (`garita tasks list`).
    async fn list_tasks(&self, query: tasks::TaskQuery) -> Result<Vec<Task>, AppError>;
    /// One task (`garita tasks show`); `task` may be a unique prefix.
    async fn show_task(&self, task: &str) -> Result<Task, AppError>;
    /// Completes a task (`garita tasks complete`).
    async fn complete_task(
        &self,
        task: &str,
        reply: tasks::TaskReply,
    ) -> Result<tasks::TaskAnswered, AppError>;
    /// Rejects a task (`garita tasks reject`); `reply.note` says why.
    async fn reject_task(
        &self,
        task: &str,
        reply: tasks::TaskReply,
    ) -> Result<tasks::TaskAnswered, AppError>;
    /// Messages of the outbox (`garita outbox list`).
    async fn list_outbox(&self, query: outbox::OutboxQuery) -> Result<Vec<OutboxEntry>, AppError>;
    /// One message (`garita outbox show`); `id` may be a unique prefix.
    async fn show_outbox_message(&self, id: &str) -> Result<OutboxEntry, AppError>;
    /// Sends a failed or written message again (`garita outbox retry`).
    async fn retry_outbox_message(&self, id: &str) -> Result<OutboxEntry, AppError>;
    /// The schedules of a workflows directory (`garita schedules`; default:
    /// the daemon's, else the configured one).
    async fn list_schedules(
        &self,
        workflows: Option<PathBuf>,
    ) -> Result<schedules::ScheduleList, AppError>;
    /// Pauses or unpauses a workflow's schedules (`garita schedules pause|unpause`).
    async fn pause_schedules(
        &self,
        workflow: &str,
        paused: bool,
        workflows: Option<PathBuf>,
    ) -> Result<schedules::SchedulesPaused, AppError>;
    /// Accounts of the inventory (`garita accounts list`).
    async fn list_accounts(
        &self,
        query: accounts::AccountQuery,
    ) -> Result<Vec<accounts::AccountView>, AppError>;
    /// Adds or changes an account (`garita accounts add`).
    async fn add_account(
        &self,
        fields: accounts::AccountFields,
    ) -> Result<accounts::AccountAdded, AppError>;
    /// Imports an inventory CSV (`garita accounts import`); `progress` is
    /// told how far it got when the work is done in this process.
    async fn import_accounts(
        &self,
        request: accounts::ImportRequest,
        progress: &dyn accounts::ImportProgress,
    ) -> Result<accounts::ImportReport, AppError>;
    /// The inventory as CSV (`garita accounts export`).
    async fn export_accounts(&self) -> Result<accounts::AccountsCsv, AppError>;
    /// Records a sign-in (`garita accounts touch`).
    async fn touch_account(
        &self,
        account: &str,
        at: Option<String>,
        by: Option<String>,
    ) -> Result<accounts::SignInRecorded, AppError>;
    /// What the officer should look at in the inventory (`garita accounts
    /// check`): shared or generic accounts, password and certificate evidence.
    async fn check_accounts(&self) -> Result<accounts::AccountsChecked, AppError>;
    /// Records a password change, as evidence (`garita accounts
    /// password-changed`).
    async fn password_changed(
        &self,
        account: &str,
        on: Option<String>,
        by: Option<String>,
    ) -> Result<accounts::PasswordChangeRecorded, AppError>;

    /// Records a company's yearly security-profile update, as evidence
    /// (`garita accounts profile-updated`).
    async fn profile_updated(
        &self,
        account: &str,
        on: Option<String>,
        note: Option<String>,
        by: Option<String>,
    ) -> Result<accounts::ProfileUpdateRecorded, AppError>;
    /// An account's history (`garita accounts history`).
    async fn account_history(&self, account: &str) -> Result<accounts::AccountHistory, AppError>;
    /// Offboards a person (`garita accounts offboard`).
    async fn offboard(
        &self,
        person: &str,
        note: Option<String>,
        by: Option<String>,
    ) -> Result<accounts::Offboarded, AppError>;
    /// Verifies the audit chain (`garita audit verify`).
    async fn verify_audit(
        &self,
        expect_head: Option<String>,
    ) -> Result<audit::AuditVerification, AppError>;
    /// The audit entries written in a period (`garita audit export`).
    async fn export_audit(&self, from: &str, to: &str) -> Result<audit::AuditExport, AppError>;
    /// Signs a checkpoint of the audit log with the configured key and
    /// records it (`garita audit checkpoint`).
    async fn audit_checkpoint(&self) -> Result<audit_checkpoint::Checkpoint, AppError>;
    /// Writes the evidence pack of a period into the new directory `dir`,
    /// a path on the machine that holds the store (`garita evidence pack`).
    async fn evidence_pack(
        &self,
        from: &str,
        to: &str,
        dir: PathBuf,
        lang: Locale,
    ) -> Result<evidence::PackMade, AppError>;
    /// Writes a backup of the whole store to `file`, a path on the machine
    /// that holds the store (`garita backup FILE`).
    async fn backup(&self, file: PathBuf) -> Result<backup::BackupMade, AppError>;
    /// Every deadline Garita knows, as of now (`garita calendar export`).
    async fn calendar_deadlines(
        &self,
        query: calendar::CalendarQuery,
    ) -> Result<calendar::CalendarDeadlines, AppError>;
    /// A personal calendar feed's URL for `user`, or with `revoke` the
    /// removal of all of theirs (`garita calendar url`).
    async fn calendar_url(
        &self,
        user: &str,
        revoke: bool,
        by: Option<String>,
    ) -> Result<calendar_feed::FeedUrl, AppError>;
    /// A holder's link for an account or a task (`garita links new`).
    async fn new_link(
        &self,
        new: links::NewLink,
    ) -> Result<crate::link_issuer::IssuedLink, AppError>;
    /// Console users, by email (`garita users list`).
    async fn list_users(&self) -> Result<Vec<users::UserView>, AppError>;
    /// Adds a console user (`garita users add`).
    async fn add_user(&self, new: users::NewUser) -> Result<users::UserView, AppError>;
    /// Disables a console user and ends their sessions (`garita users disable`).
    async fn disable_user(
        &self,
        email: &str,
        by: Option<String>,
    ) -> Result<users::UserChanged, AppError>;
    /// Sets a console user's password and ends their sessions (`garita users passwd`).
    async fn set_user_password(
        &self,
        email: &str,
        password: String,
        by: Option<String>,
    ) -> Result<users::UserChanged, AppError>;
}

#[async_trait]
impl Operations for Session {
    async fn list_runs(&self, query: runs::RunQuery) -> Result<Vec<runs::RunRow>, AppError> {
        runs::list(self, query).await
    }

    async fn show_run(&self, run: &str) -> Result<runs::RunView, AppError> {
        runs::show(self, run).await
    }

    async fn start_run(&self, request: runs::StartRun) -> Result<runs::RunView, AppError> {
        runs::start(self, request).await
    }

    async fn resume_runs(&self) -> Result<Vec<runs::RunMoved>, AppError> {
        runs::resume_all(self).await
    }

    async fn force_resume_run(
        &self,
        run: &str,
        by: Option<String>,
    ) -> Result<runs::RunMoved, AppError> {
        runs::force_resume(self, run, self.author(by)).await
    }

    async fn prune_runs(
        &self,
        request: retention::PruneRuns,
    ) -> Result<retention::RunsPruned, AppError> {
        retention::prune(self, request).await
    }

    async fn cancel_run(
        &self,
        run: &str,
        reason: Option<String>,
    ) -> Result<runs::RunMoved, AppError> {
        runs::cancel(self, run, reason).await
    }

    async fn signal_run(
        &self,
        run: &str,
        name: &str,
        data: serde_json::Value,
    ) -> Result<runs::SignalSent, AppError> {
        runs::signal(self, run, name, data).await
    }

    async fn list_tasks(&self, query: tasks::TaskQuery) -> Result<Vec<Task>, AppError> {
        tasks::list(self, query).await
    }

    async fn show_task(&self, task: &str) -> Result<Task, AppError> {
        tasks::show(self, task).await
    }

    async fn complete_task(
        &self,
        task: &str,
        mut reply: tasks::TaskReply,
    ) -> Result<tasks::TaskAnswered, AppError> {
        let by = self.author(reply.by.take());
        tasks::complete(self, task, reply, by).await
    }

    async fn reject_task(
        &self,
        task: &str,
        reply: tasks::TaskReply,
    ) -> Result<tasks::TaskAnswered, AppError> {
        let by = self.author(reply.by);
        tasks::reject(self, task, reply.note.unwrap_or_default(), by).await
    }

    async fn list_outbox(&self, query: outbox::OutboxQuery) -> Result<Vec<OutboxEntry>, AppError> {
        outbox::list(self, query).await
    }

    async fn show_outbox_message(&self, id: &str) -> Result<OutboxEntry, AppError> {
        outbox::show(self, id).await
    }

    async fn retry_outbox_message(&self, id: &str) -> Result<OutboxEntry, AppError> {
        outbox::retry(self, id).await
    }

    async fn list_schedules(
        &self,
        workflows: Option<PathBuf>,
    ) -> Result<schedules::ScheduleList, AppError> {
        let dir = schedules::workflows_dir(self, workflows)?;
        schedules::list(self, &dir).await
    }

    async fn pause_schedules(
        &self,
        workflow: &str,
        paused: bool,
        workflows: Option<PathBuf>,
    ) -> Result<schedules::SchedulesPaused, AppError> {
        let dir = schedules::workflows_dir(self, workflows)?;
        schedules::pause(self, &dir, workflow, paused).await
    }

    async fn list_accounts(
        &self,
        query: accounts::AccountQuery,
    ) -> Result<Vec<accounts::AccountView>, AppError> {
        accounts::list(self, query).await
    }

    async fn add_account(
        &self,
        mut fields: accounts::AccountFields,
    ) -> Result<accounts::AccountAdded, AppError> {
        let by = self.author(fields.by.take());
        accounts::add(self, fields, by).await
    }

    async fn import_accounts(
        &self,
        mut request: accounts::ImportRequest,
        progress: &dyn accounts::ImportProgress,
    ) -> Result<accounts::ImportReport, AppError> {
        let by = self.author(request.by.take());
        accounts::import(self, request, by, progress).await
    }

    async fn export_accounts(&self) -> Result<accounts::AccountsCsv, AppError> {
        accounts::export(self).await
    }

    async fn touch_account(
        &self,
        account: &str,
        at: Option<String>,
        by: Option<String>,
    ) -> Result<accounts::SignInRecorded, AppError> {
        accounts::touch(self, account, at, self.author(by)).await
    }

    async fn check_accounts(&self) -> Result<accounts::AccountsChecked, AppError> {
        accounts::check(self).await
    }

    async fn password_changed(
        &self,
        account: &str,
        on: Option<String>,
        by: Option<String>,
    ) -> Result<accounts::PasswordChangeRecorded, AppError> {
        accounts::password_changed(self, account, on, self.author(by)).await
    }

    async fn profile_updated(
        &self,
        account: &str,
        on: Option<String>,
        note: Option<String>,
        by: Option<String>,
    ) -> Result<accounts::ProfileUpdateRecorded, AppError> {
        accounts::profile_updated(self, account, on, note, self.author(by)).await
    }

    async fn account_history(&self, account: &str) -> Result<accounts::AccountHistory, AppError> {
        accounts::history(self, account).await
    }

    async fn offboard(
        &self,
        person: &str,
        note: Option<String>,
        by: Option<String>,
    ) -> Result<accounts::Offboarded, AppError> {
        accounts::offboard(self, person, note, self.author(by)).await
    }

    async fn verify_audit(
        &self,
        expect_head: Option<String>,
    ) -> Result<audit::AuditVerification, AppError> {
        audit::verify(self, expect_head).await
    }

    async fn audit_checkpoint(&self) -> Result<audit_checkpoint::Checkpoint, AppError> {
        audit_checkpoint::checkpoint(self).await
    }

    async fn evidence_pack(
        &self,
        from: &str,
        to: &str,
        dir: PathBuf,
        lang: Locale,
    ) -> Result<evidence::PackMade, AppError> {
        evidence::pack(self, from, to, &dir, lang).await
    }

    async fn export_audit(&self, from: &str, to: &str) -> Result<audit::AuditExport, AppError> {
        audit::export(self, from, to).await
    }

    async fn backup(&self, file: PathBuf) -> Result<backup::BackupMade, AppError> {
        backup::backup(self, file).await
    }

    async fn calendar_deadlines(
        &self,
        query: calendar::CalendarQuery,
    ) -> Result<calendar::CalendarDeadlines, AppError> {
        calendar::deadlines(self, query).await
    }

    async fn calendar_url(
        &self,
        user: &str,
        revoke: bool,
        by: Option<String>,
    ) -> Result<calendar_feed::FeedUrl, AppError> {
        calendar_feed::url(self, user, revoke, self.author(by)).await
    }

    async fn new_link(
        &self,
        new: links::NewLink,
    ) -> Result<crate::link_issuer::IssuedLink, AppError> {
        links::issue(self, new).await
    }

    async fn list_users(&self) -> Result<Vec<users::UserView>, AppError> {
        users::list(self).await
    }

    async fn add_user(&self, mut new: users::NewUser) -> Result<users::UserView, AppError> {
        let by = self.author(new.by.take());
        users::add(self, new, by).await
    }

    async fn disable_user(
        &self,
        email: &str,
        by: Option<String>,
    ) -> Result<users::UserChanged, AppError> {
        users::disable(self, email, self.author(by)).await
    }

    async fn set_user_password(
        &self,
        email: &str,
        password: String,
        by: Option<String>,
    ) -> Result<users::UserChanged, AppError> {
        users::passwd(self, email, password, self.author(by)).await
    }
}
