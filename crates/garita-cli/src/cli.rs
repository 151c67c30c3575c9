//! The command line, as clap sees it. Global options are accepted before or
//! after the command name.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Garita keeps customs-portal accounts (CTPAT, Ecuapass, ANAM) alive and
/// compliant with declarative workflows.
#[derive(Debug, Parser)]
#[command(name = "garita", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// The store directory (an embedded sled store, created on first use).
    #[arg(long, global = true, env = "GARITA_STORE", value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// Configuration file (default: garita.toml when present; then GARITA_* variables).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Machine-readable JSON output.
    #[arg(long, global = true)]
    pub json: bool,
    /// Pin the clock to this instant (RFC 3339), for tests and rehearsals.
    #[arg(long, global = true, env = "GARITA_NOW", value_name = "RFC3339")]
    pub now: Option<String>,
    /// More log output (-v info, -vv debug, -vvv trace); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

// Parsed once per process; boxing variants would only obscure the clap definitions.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse and check workflow files; every problem as file:line:col.
    Validate {
        /// Workflow files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Run a workflow now; prints the run id and its status.
    Run {
        /// The workflow file.
        file: PathBuf,
        /// An input, as KEY=VALUE (repeatable). Every user can read a command
        /// line (`ps`): give a secret as KEY=- (read from standard input) or
        /// in an --input-file.
        #[arg(short, long = "input", value_name = "KEY=VALUE")]
        inputs: Vec<String>,
        /// A file of inputs, one KEY=VALUE per line (`#` starts a comment);
        /// keep it `chmod 600` when it holds a secret (repeatable).
        #[arg(long = "input-file", value_name = "FILE")]
        input_files: Vec<PathBuf>,
        /// Return as soon as the run waits, even for a short retry back-off.
        #[arg(long)]
        no_wait: bool,
    },
    /// Inspect runs.
    Runs {
        #[command(subcommand)]
        command: RunsCommand,
    },
    /// Drive every unfinished run as far as it can go now (quarantined runs
    /// stay set aside); or, with RUN --force, try a quarantined run again.
    Resume {
        /// A quarantined run to try again (id or unique prefix); needs --force.
        #[arg(requires = "force")]
        run: Option<String>,
        /// Drive RUN although it is quarantined: the step that stopped the
        /// process twice runs once more.
        #[arg(long, requires = "run")]
        force: bool,
        /// Who asks, for the record (default: [identity] default_by, else the OS user).
        #[arg(long, value_name = "EMAIL")]
        by: Option<String>,
    },
    /// Cancel a run (and its child runs).
    Cancel {
        /// Run id (a unique prefix is enough).
        run: String,
        /// Why, for the record.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Deliver a named signal to a run.
    Signal {
        /// Run id (a unique prefix is enough).
        run: String,
        /// Signal name.
        name: String,
        /// Signal data, as JSON.
        #[arg(long, value_name = "JSON")]
        data: Option<String>,
    },
    /// Human tasks: list them, answer them.
    Tasks {
        #[command(subcommand)]
        command: TasksCommand,
    },
    /// The email outbox: every message sent by a run, with its state.
    Outbox {
        #[command(subcommand)]
        command: OutboxCommand,
    },
    /// The account inventory: import, list, add, sign-ins, offboarding, export, history.
    Accounts {
        #[command(subcommand)]
        command: AccountsCommand,
    },
    /// The calendar of deadlines (CTPAT, Ecuapass, tasks) as an iCalendar
    /// file for Outlook or Google Calendar (docs/calendar.md).
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// Holders' signed links: "I signed in to the portal today" and
    /// "answer this task", for people without a console login
    /// (docs/console.md).
    Links {
        #[command(subcommand)]
        command: LinksCommand,
    },
    /// People who may sign in to the officers' console (docs/console.md).
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Call one connector action directly.
    Call {
        /// CONNECTOR.ACTION
        target: String,
        /// Input JSON object, or `-` to read one JSON object per line from stdin
        /// and write one JSON result per line.
        input: Option<String>,
    },
    /// Print a JSON Schema.
    Schema {
        #[command(subcommand)]
        what: SchemaCommand,
    },
    /// Connectors: built in and loaded from plugin libraries.
    Plugins {
        #[command(subcommand)]
        command: PluginsCommand,
    },
    /// The scheduled runner: fires schedules in their time zones, catches up
    /// missed fires, fires event triggers, wakes and resumes runs.
    Daemon {
        /// Do what is due now (resume, catch up, fire, wake, consume events) and exit.
        #[arg(long)]
        once: bool,
        /// Workflows directory (default: [daemon] workflows_dir, else `workflows`).
        #[arg(long, value_name = "DIR")]
        workflows: Option<PathBuf>,
    },
    /// Schedule triggers with their last and next fires; pause and unpause them.
    Schedules {
        #[command(subcommand)]
        command: Option<SchedulesCommand>,
        /// Workflows directory (default: [daemon] workflows_dir, else `workflows`).
        #[arg(long, value_name = "DIR", global = true)]
        workflows: Option<PathBuf>,
    },
    /// Write a consistent copy of the whole store to FILE (0600); `backup
    /// verify FILE` checks a backup without restoring it.
    #[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
    Backup {
        #[command(subcommand)]
        command: Option<BackupCommand>,
        /// The backup file to write (replaced whole, never half-written).
        #[arg(value_name = "FILE", required = true)]
        file: Option<PathBuf>,
    },
    /// Replace the store with a backup: the whole file is verified first, a
    /// store in use is refused, and the old store is kept beside it.
    Restore {
        /// A file written by `garita backup`.
        file: PathBuf,
    },
    /// The store itself: copy every record into a new, empty store (a
    /// directory or a postgres:// database), verified before it says done.
    Store {
        #[command(subcommand)]
        command: StoreCommand,
    },
    /// The tamper-evident audit log: verify its hash chain, export evidence.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Evidence packs: a period's audit entries with the proofs and
    /// signatures an auditor checks without Garita.
    Evidence {
        #[command(subcommand)]
        command: EvidenceCommand,
    },
    /// Keys: the Ed25519 key that signs the audit log's checkpoints.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Run the scheduler in virtual time on a copy of the store and print,
    /// day by day, what would happen; nothing is sent or written.
    Simulate {
        /// First day (YYYY-MM-DD in --time-zone) or RFC 3339 instant.
        #[arg(long, value_name = "DATE")]
        from: String,
        /// Last day, included (YYYY-MM-DD) or RFC 3339 instant (excluded).
        #[arg(long, value_name = "DATE")]
        to: String,
        /// Zone the dates and the daily report are in.
        #[arg(long, value_name = "ZONE", default_value = "UTC")]
        time_zone: String,
        /// Workflows directory (default: [daemon] workflows_dir, else `workflows`).
        #[arg(long, value_name = "DIR")]
        workflows: Option<PathBuf>,
        /// What people do: task:open (default), task:complete, task:reject,
        /// or task:complete:fields=JSON.
        #[arg(long, value_name = "ASSUMPTION")]
        assume: Vec<String>,
        /// Print only the totals, not every day (allows up to ten years).
        #[arg(long)]
        summary: bool,
        /// Leave the simulated store in DIR (must not exist yet) to look at
        /// afterwards with --store DIR; by default it is thrown away.
        #[arg(long, value_name = "DIR")]
        keep_store: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// List runs, newest first.
    List {
        /// Only runs with this status.
        #[arg(long)]
        status: Option<String>,
        /// Only runs of this workflow.
        #[arg(long)]
        workflow: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Show one run with each step.
    Show {
        /// Run id (a unique prefix is enough).
        run: String,
    },
    /// Remove the step-level events of runs that finished before a date,
    /// keeping each run's summary, outputs and audit entries (retention;
    /// docs/operations.md, "Retention").
    Prune {
        /// A day (`2026-01-31`, its UTC midnight) or an RFC 3339 instant.
        #[arg(long, value_name = "DATE")]
        finished_before: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// The JSON Schema of workflow files.
    Workflow,
    /// The OpenAPI 3.1 description of the daemon's control API (docs/api.md).
    Api,
}

#[derive(Debug, Subcommand)]
pub enum PluginsCommand {
    /// Every available connector with its version, origin and actions.
    List,
    /// Report whether a library is a valid plugin: its SHA-256 first (from
    /// the file, without loading it), then the checks, loading it only in a
    /// child process.
    Check {
        /// Path to the shared library.
        lib: PathBuf,
    },
    /// The child `plugins check` runs: loads LIB and prints its report as
    /// JSON. Not for people: it runs the library's code in this process.
    #[command(hide = true)]
    ProbeChild {
        /// Absolute path to the shared library.
        lib: PathBuf,
    },
    /// A plugin worker: loads LIB and answers calls on stdin/stdout until
    /// stdin closes. Not for people: garita starts these for the plugins
    /// it loads.
    #[command(hide = true)]
    Worker {
        /// Absolute path to the shared library.
        lib: PathBuf,
        /// Largest output one call may return, in bytes.
        #[arg(long)]
        max_output: usize,
        /// Address-space limit, in MiB.
        #[arg(long)]
        memory: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum TasksCommand {
    /// Tasks waiting for people (open ones unless --all).
    List {
        /// Only tasks assigned to this email.
        #[arg(long, value_name = "EMAIL")]
        mine: Option<String>,
        /// Include answered, expired and cancelled tasks.
        #[arg(long)]
        all: bool,
        /// Only tasks of this run.
        #[arg(long)]
        run: Option<String>,
    },
    /// Show one task with its body.
    Show {
        /// Task id (a unique prefix is enough).
        task: String,
    },
    /// Answer a task: the run waiting on it goes on.
    Complete {
        /// Task id (a unique prefix is enough).
        task: String,
        /// A field of the answer, as KEY=VALUE (repeatable; VALUE may be JSON).
        #[arg(long = "field", value_name = "KEY=VALUE")]
        fields: Vec<String>,
        /// A note for the record.
        #[arg(long)]
        note: Option<String>,
        /// Who answers, for the record (default: [identity] default_by, else the OS user).
        #[arg(long, value_name = "EMAIL")]
        by: Option<String>,
    },
    /// Refuse a task, with the reason; the run sees outcome `rejected`.
    Reject {
        /// Task id (a unique prefix is enough).
        task: String,
        /// Why (required).
        #[arg(long)]
        note: String,
        /// Who answers, for the record (default: [identity] default_by, else the OS user).
        #[arg(long, value_name = "EMAIL")]
        by: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Messages in the outbox, oldest first.
    List {
        /// Only messages in this state: queued, sending, sent, written or failed.
        #[arg(long, value_name = "STATUS")]
        status: Option<String>,
    },
    /// One message with its state, attempts and outcome.
    Show {
        /// Message-ID, with or without <>, or a unique prefix.
        id: String,
    },
    /// Send a failed message again, with the same Message-ID and content; a
    /// written one (in a file only) is delivered once SMTP is configured.
    Retry {
        /// Message-ID, with or without <>, or a unique prefix.
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Add a user; the password is read from standard input (one line, not
    /// echoed on a terminal; at least 12 characters).
    Add {
        /// Their email (it is their sign-in name).
        email: String,
        /// officer (tasks and accounts), auditor (read-only, audit export)
        /// or admin (users and schedules too).
        #[arg(long)]
        role: String,
        /// The console's language for them: es (default) or en.
        #[arg(long)]
        language: Option<String>,
        /// Who adds them, for the audit log (default: [identity] default_by, else the OS user).
        #[arg(long, value_name = "WHO")]
        by: Option<String>,
    },
    /// List the users (never their passwords).
    List,
    /// Disable a user: they can no longer sign in and their sessions end.
    Disable {
        /// Their email.
        email: String,
        /// Who disables them, for the audit log.
        #[arg(long, value_name = "WHO")]
        by: Option<String>,
    },
    /// Set a user's password (read from standard input); their sessions end.
    Passwd {
        /// Their email.
        email: String,
        /// Who changes it, for the audit log.
        #[arg(long, value_name = "WHO")]
        by: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// Import accounts from a CSV file (columns in docs/accounts.md); every
    /// row is checked and nothing is imported if one is bad.
    Import {
        /// The CSV file (UTF-8, comma- or semicolon-separated, with a header row).
        file: PathBuf,
        /// Import the good rows even when some are bad (those are reported and skipped).
        #[arg(long)]
        skip_invalid: bool,
        /// Put back the leading zero a spreadsheet dropped from a cédula or
        /// RUC (912345678 → 0912345678), with a warning per repaired cell.
        #[arg(long)]
        fix_leading_zeros: bool,
        /// Who imports, for the history (default: [identity] default_by, else the OS user).
        #[arg(long, value_name = "WHO")]
        by: Option<String>,
    },
    /// List accounts, by portal and identifier.
    List {
        /// Only accounts on this portal.
        #[arg(long)]
        portal: Option<String>,
        /// Only accounts with this status (active, at_risk, deactivated, disabled, offboarded).
        #[arg(long)]
        status: Option<String>,
        /// Only companies whose legal name contains this text, or with this tax id.
        #[arg(long)]
        company: Option<String>,
        /// Only CTPAT accounts the portal deactivates on one of the next N days
        /// (accounts already deactivated are not listed).
        #[arg(long, value_name = "N")]
        deactivates_within: Option<u32>,
    },
    /// Add an account, or change the given fields of an existing one.
    Add(Box<AccountArgs>),
    /// Record that the holder signed in (today, or --at DATE).
    Touch {
        /// PORTAL:IDENTIFIER, or an identifier only one portal has.
        account: String,
        /// The sign-in date, YYYY-MM-DD (default: today).
        #[arg(long, value_name = "DATE")]
        at: Option<String>,
        /// Who records it (default: [identity] default_by, else the OS user).
        #[arg(long, value_name = "WHO")]
        by: Option<String>,
    },
    /// What to look at: accounts that look shared or generic, missing or
    /// overdue password changes, expired signing certificates (changes nothing).
    Check,
    /// Record a company's yearly security-profile update (Empresa
    /// Certificada, regla 7.2.1) on the account carrying its
    /// attr.profile_update_due (today, or --on DATE), as evidence.
    ProfileUpdated {
        /// PORTAL:IDENTIFIER, or an identifier only one portal has.
        account: String,
        /// The day of the update, YYYY-MM-DD (default: today on the holder's calendar).
        #[arg(long, value_name = "DATE")]
        on: Option<String>,
        /// A folio, or where the acknowledgement is kept.
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
        /// Who records it (default: [identity] default_by, else the OS user).
        #[arg(long, value_name = "WHO")]
        by: Option<String>,
    },
    /// Record the day the holder changed the account's password (today, or
    /// --on DATE), as evidence of the periodic change; never the password.
    PasswordChanged {
        /// PORTAL:IDENTIFIER, or an identifier only one portal has.
        account: String,
        /// The day of the change, YYYY-MM-DD (default: today on the holder's calendar).
        #[arg(long, value_name = "DATE")]
        on: Option<String>,
        /// Who records it (default: [identity] default_by, else the OS user).
        #[arg(long, value_name = "WHO")]
        by: Option<String>,
    },
    /// Mark every account of a person offboarded and queue the event
    /// `account.offboarded` for the daemon.
    Offboard {
        /// The holder's email or employee id.
        person: String,
        /// Why, for the record (for example the HR ticket).
        #[arg(long)]
        note: Option<String>,
        /// Who offboards (default: [identity] default_by, else the OS user).
        #[arg(long, value_name = "WHO")]
        by: Option<String>,
    },
    /// Write the inventory as CSV (the import's columns), safe to open in a spreadsheet.
    Export {
        /// Write to this file instead of stdout.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Every recorded change of an account: who, when, what.
    History {
        /// PORTAL:IDENTIFIER, or an identifier only one portal has.
        account: String,
    },
}

/// The fields of `garita accounts add`; the same checks as an imported row.
#[derive(Debug, Args)]
pub struct AccountArgs {
    /// Portal: ctpat, ecuapass, anam or a plugin's name.
    #[arg(long)]
    pub portal: String,
    /// The account on the portal: sign-in email (CTPAT), user ID (Ecuapass), username (ANAM).
    #[arg(long, value_name = "ID")]
    pub account: String,
    /// Holder's full name (required for a new account).
    #[arg(long, value_name = "NAME")]
    pub holder_name: Option<String>,
    /// Holder's work email (required for a new account).
    #[arg(long, value_name = "EMAIL")]
    pub holder_email: Option<String>,
    /// Holder's employee id.
    #[arg(long, value_name = "ID")]
    pub employee_id: Option<String>,
    /// Holder's cédula (Ecuapass) or CURP (ANAM).
    #[arg(long, value_name = "ID")]
    pub holder_national_id: Option<String>,
    /// Company legal name (required for a new account).
    #[arg(long, value_name = "NAME")]
    pub company: Option<String>,
    /// Company tax id: RUC (Ecuapass), RFC (ANAM), IRS/EIN number (CTPAT) (required for a new account).
    #[arg(long, value_name = "ID")]
    pub tax_id: Option<String>,
    /// The company's CTPAT account number.
    #[arg(long, value_name = "NUMBER")]
    pub ctpat_account_number: Option<String>,
    /// Holder's role on the portal.
    #[arg(long)]
    pub role: Option<String>,
    /// active, at_risk, deactivated, disabled or offboarded (new accounts: active).
    #[arg(long)]
    pub status: Option<String>,
    /// Last sign-in, YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    pub last_sign_in: Option<String>,
    /// Holder's IANA time zone, where notices show deadlines (America/Tijuana); empty clears it.
    #[arg(long, value_name = "ZONE")]
    pub time_zone: Option<String>,
    /// Holder's language for reminders and notices: es or en; empty clears it.
    #[arg(long, value_name = "LOCALE")]
    pub locale: Option<String>,
    /// Last day the holder's signing certificate (e.firma, TOKEN) is valid,
    /// YYYY-MM-DD; a renewal is recorded by giving the new date. Empty clears it.
    #[arg(long, value_name = "DATE")]
    pub certificate_expires_on: Option<String>,
    /// Day the holder last changed the password, YYYY-MM-DD (never the
    /// password itself); empty clears it.
    #[arg(long, value_name = "DATE")]
    pub password_changed_on: Option<String>,
    /// A free attribute, KEY=VALUE (repeatable; an empty VALUE removes it).
    #[arg(long = "attr", value_name = "KEY=VALUE")]
    pub attributes: Vec<String>,
    /// Who makes the change (default: [identity] default_by, else the OS user).
    #[arg(long, value_name = "WHO")]
    pub by: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum LinksCommand {
    /// Make a link under [web] public_url and print its address, for the
    /// account's holder (--signed-in) or the task's assignee (--task). It
    /// works once, for 7 days; opening it changes nothing until its page's
    /// button is pressed.
    New {
        /// "I signed in to the portal today" for this account (PORTAL:IDENTIFIER).
        #[arg(
            long,
            value_name = "ACCOUNT",
            conflicts_with = "task",
            required_unless_present = "task"
        )]
        signed_in: Option<String>,
        /// "Answer this task" (its id or a unique prefix); it must be
        /// assigned to an email address.
        #[arg(long, value_name = "TASK")]
        task: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Print a personal feed URL for Outlook or Google Calendar to
    /// subscribe to (a secret token, shown once; the console serves it
    /// without a sign-in). A console user's feed has every deadline;
    /// anybody else's, the accounts they hold and the tasks assigned to them.
    Url {
        /// Whose feed (an email).
        #[arg(long, value_name = "EMAIL")]
        user: String,
        /// Revoke every feed URL of this person instead (they stop working at once).
        #[arg(long)]
        revoke: bool,
    },
    /// Print every deadline Garita knows as an iCalendar (RFC 5545) file:
    /// CTPAT deactivations and same-day sign-ins, Ecuapass January windows,
    /// open tasks' due dates; each with a reminder.
    Export {
        /// Only deadlines of accounts on this portal (tasks are left out).
        #[arg(long)]
        portal: Option<String>,
        /// Only deadlines of accounts of companies whose legal name contains
        /// this text, or with this tax id (tasks are left out).
        #[arg(long)]
        company: Option<String>,
        /// Only one person's deadlines: the accounts they hold (holder email
        /// or employee id) and the tasks assigned to their email.
        #[arg(long, value_name = "EMAIL")]
        holder: Option<String>,
        /// Write to this file instead of stdout (replaced whole).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Days before each deadline its reminder goes off (at 09:00 for a
        /// deadline that is a day; instants also get one 2 hours before).
        #[arg(long, value_name = "DAYS", default_value_t = crate::calendar_ics::DEFAULT_ALARM_DAYS,
              value_parser = clap::value_parser!(u32).range(0..=crate::calendar_ics::MAX_ALARM_DAYS as i64))]
        alarm_days: u32,
        /// Language of the events' titles and descriptions: es or en.
        #[arg(long, value_name = "LOCALE", default_value = "es")]
        locale: String,
    },
    /// Print a country's days off of one year as Garita counts business
    /// days: the law's public holidays on the days they are observed, the
    /// days off added in the configuration's [calendar] (decrees), and the
    /// configured working days (docs/accounts.md, "Business days").
    Holidays {
        /// The country: MX, EC or US.
        #[arg(long, value_name = "CC")]
        country: String,
        /// The year (default: this year, by --now when given).
        #[arg(long)]
        year: Option<i32>,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum SchedulesCommand {
    /// Every schedule trigger (the default).
    List,
    /// Skip the fires of every schedule trigger of a workflow.
    Pause {
        /// Workflow name.
        workflow: String,
    },
    /// Fire again from now on (fires skipped while paused are not caught up).
    Unpause {
        /// Workflow name.
        workflow: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Check a backup file whole (checksum, format, every record) without restoring it.
    Verify {
        /// A file written by `garita backup`.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum EvidenceCommand {
    /// Write the pack of the entries recorded in a period into a new
    /// directory (signs a checkpoint: needs [audit] signing_key).
    Pack {
        /// First day (YYYY-MM-DD, UTC) or RFC 3339 instant.
        #[arg(long, value_name = "DATE")]
        from: String,
        /// Last day, included (YYYY-MM-DD, UTC), or RFC 3339 instant (excluded).
        #[arg(long, value_name = "DATE")]
        to: String,
        /// The new directory.
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
        /// Language of the report (index.html) and of the CSV's
        /// descriptions: es or en.
        #[arg(long, value_enum, default_value_t = ReportLang::Es)]
        lang: ReportLang,
    },
    /// Check a pack with only its files and the public key: exit 0 when
    /// intact, else 1 naming each problem. Needs no store.
    Verify {
        /// The pack's directory.
        dir: PathBuf,
        /// The verifier key the company gave you (default: the pack's own
        /// verifier-key.txt, which proves less: compare its id).
        #[arg(long, value_name = "KEY")]
        key: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create the checkpoint signing key (0600) and print its public
    /// verifier key; then set `[audit] signing_key` to the file.
    Init {
        /// Where to write the private key: outside the store directory, so
        /// that whoever can rewrite the store cannot also sign.
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
        /// The key's name, printed as the origin line of every checkpoint
        /// (default: garita/HOSTNAME).
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Copy every record of one store into a new, empty one (directory to
    /// postgres:// and back, or directory to directory); the target's audit
    /// chain and records are checked against the source before it succeeds.
    Copy {
        /// The store to copy: a directory or postgres://USER@HOST/DB.
        #[arg(long, value_name = "LOCATION")]
        from: PathBuf,
        /// The new, empty store: a directory or postgres://USER@HOST/DB.
        #[arg(long, value_name = "LOCATION")]
        to: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain: exit 0 when intact, else 1 naming each broken entry.
    Verify {
        /// Also require this entry hash (a head copied off-machine earlier) to be in the chain.
        #[arg(long, value_name = "HASH")]
        expect_head: Option<String>,
    },
    /// Sign a checkpoint of the audit log (its size and Merkle root, as a
    /// C2SP signed note) with [audit] signing_key, record it, and print it.
    Checkpoint,
    /// Write the entries written in a period (by the real time of writing, never --now), with their chain hashes, as evidence for an audit.
    Export {
        /// First day (YYYY-MM-DD, UTC) or RFC 3339 instant.
        #[arg(long, value_name = "DATE")]
        from: String,
        /// Last day, included (YYYY-MM-DD, UTC), or RFC 3339 instant (excluded).
        #[arg(long, value_name = "DATE")]
        to: String,
        /// csv (one row per entry) or json (one document with the chain's head).
        #[arg(long, value_enum, default_value_t = AuditFormat::Csv)]
        format: AuditFormat,
        /// Write to this file instead of stdout.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Language of the CSV's `description` column: es or en.
        #[arg(long, value_enum, default_value_t = ReportLang::Es)]
        lang: ReportLang,
    },
}

/// The language of descriptions and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportLang {
    Es,
    En,
}

impl From<ReportLang> for garita_engine::account::Locale {
    fn from(lang: ReportLang) -> Self {
        match lang {
            ReportLang::Es => Self::Es,
            ReportLang::En => Self::En,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    Csv,
    Json,
}
