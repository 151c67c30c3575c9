//! What happened during a simulation, day by day, and how it is printed.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use garita_engine::schedule::instant_text;
use serde::Serialize;
use serde_json::Value;

use super::window::SimWindow;
use crate::output::say;

/// One thing that would happen.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Happening {
    /// The scheduler started a run.
    RunStarted {
        run: String,
        workflow: String,
        /// `{kind: schedule, cron, time_zone, scheduled_for, catch_up}` or `{kind: event, name}`.
        trigger: Value,
    },
    /// An unfinished run of the store was resumed when the simulation began.
    RunResumed { run: String, workflow: String },
    /// A run ended.
    RunFinished {
        run: String,
        workflow: String,
        status: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// `email.send` would have sent this.
    Email {
        run: String,
        step: String,
        to: Vec<String>,
        subject: String,
    },
    /// Another action with side effects would have been called.
    SideEffect {
        run: String,
        step: String,
        connector: String,
        action: String,
    },
    /// The inventory changed on the simulation's copy (a status set,
    /// evidence recorded) or an event was queued.
    Inventory {
        run: String,
        step: String,
        action: String,
        /// The account written, for `accounts.*`.
        #[serde(skip_serializing_if = "Option::is_none")]
        account: Option<String>,
        /// The new status, for `accounts.set_status`.
        #[serde(skip_serializing_if = "Option::is_none")]
        status: Option<String>,
        /// The event queued (`event.emit`, or `emit` of `set_status`).
        #[serde(skip_serializing_if = "Option::is_none")]
        event: Option<String>,
    },
    /// A task for a person was created.
    TaskCreated {
        task: String,
        run: String,
        workflow: String,
        title: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        assignee: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        due: Option<String>,
    },
    /// A task was answered per `--assume`.
    TaskAnswered { task: String, outcome: String },
    /// The answer per `--assume` did not fit the task; it stays open.
    TaskAnswerRefused { task: String, error: String },
    /// A CTPAT account is deactivated by CBP that day (no sign-in for too long).
    AccountDeactivates {
        account: String,
        holder: String,
        company: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        last_sign_in: Option<String>,
    },
    /// A portal rule applied a transition on the copy (late when its
    /// effective day is earlier than the simulated day).
    RuleTransition {
        account: String,
        transition: String,
        effective_on: String,
        days_late: i64,
        status_before: String,
        status_after: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        event: Option<String>,
    },
    /// A retention pass (`[retention] run_events_days`) removed the step
    /// events of runs that finished before `finished_before`.
    Pruned {
        runs: u64,
        events: u64,
        finished_before: String,
    },
}

/// A happening and its virtual instant.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    #[serde(serialize_with = "serialize_instant")]
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub what: Happening,
}

fn serialize_instant<S: serde::Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&instant_text(*at))
}

/// Totals for the closing line.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Totals {
    pub runs_started: usize,
    pub caught_up: usize,
    pub succeeded: usize,
    pub failed: usize,
    pub cancelled: usize,
    pub emails: usize,
    pub side_effects: usize,
    pub tasks_created: usize,
    pub tasks_answered: usize,
    pub accounts_deactivating: usize,
    pub rule_transitions: usize,
    pub runs_pruned: u64,
    pub events_pruned: u64,
}

/// Everything that happened, by local day.
pub struct Timeline {
    window: SimWindow,
    days: BTreeMap<NaiveDate, Vec<Entry>>,
    totals: Totals,
    /// `--summary`: only the totals are kept (a simulation of years would
    /// otherwise hold every happening in memory to print it).
    totals_only: bool,
}

impl Timeline {
    pub fn new(window: SimWindow, totals_only: bool) -> Self {
        Self {
            window,
            days: BTreeMap::new(),
            totals: Totals::default(),
            totals_only,
        }
    }

    pub fn push(&mut self, at: DateTime<Utc>, what: Happening) {
        let t = &mut self.totals;
        match &what {
            Happening::RunStarted { trigger, .. } => {
                t.runs_started += 1;
                if trigger["catch_up"] == Value::Bool(true) {
                    t.caught_up += 1;
                }
            }
            Happening::RunFinished { status, .. } => match status.as_str() {
                "succeeded" => t.succeeded += 1,
                "failed" => t.failed += 1,
                _ => t.cancelled += 1,
            },
            Happening::Email { .. } => t.emails += 1,
            Happening::SideEffect { .. } | Happening::Inventory { .. } => t.side_effects += 1,
            Happening::TaskCreated { .. } => t.tasks_created += 1,
            Happening::TaskAnswered { .. } => t.tasks_answered += 1,
            Happening::AccountDeactivates { .. } => t.accounts_deactivating += 1,
            Happening::RuleTransition { .. } => t.rule_transitions += 1,
            Happening::Pruned { runs, events, .. } => {
                t.runs_pruned += runs;
                t.events_pruned += events;
            }
            Happening::RunResumed { .. } | Happening::TaskAnswerRefused { .. } => {}
        }
        if self.totals_only {
            return;
        }
        self.days
            .entry(self.window.day_of(at))
            .or_default()
            .push(Entry { at, what });
    }

    /// The report as JSON: every day of the period, quiet ones included.
    pub fn to_json(&self, header: Value, still_waiting: usize) -> Value {
        let days: Vec<Value> = self
            .window
            .days()
            .into_iter()
            .filter(|_| !self.totals_only)
            .map(|day| {
                let entries = self.days.get(&day).cloned().unwrap_or_default();
                serde_json::json!({"date": day.to_string(), "happenings": entries})
            })
            .collect();
        let mut report = header;
        report["days"] = Value::Array(days);
        report["totals"] = serde_json::to_value(&self.totals).unwrap_or(Value::Null);
        report["totals"]["still_waiting"] = Value::from(still_waiting);
        report
    }

    /// The report for people: a heading per day, one line per happening.
    pub fn print(&self, still_waiting: usize) {
        let zone = self.window.zone;
        let days = if self.totals_only {
            Vec::new()
        } else {
            self.window.days()
        };
        for day in days {
            let entries = self.days.get(&day).map(Vec::as_slice).unwrap_or_default();
            let weekday = day.format("%a");
            if entries.is_empty() {
                say!("{day} {weekday}  -");
                continue;
            }
            say!("{day} {weekday}");
            for entry in entries {
                let time = entry.at.with_timezone(&zone).format("%H:%M");
                say!("  {time}  {}", describe(&entry.what));
            }
        }
        let t = &self.totals;
        say!();
        say!(
            "{} run(s) started ({} catch-up), {} succeeded, {} failed, {} cancelled, {} still waiting at the end",
            t.runs_started, t.caught_up, t.succeeded, t.failed, t.cancelled, still_waiting
        );
        say!(
            "{} email(s) drafted, {} other side effect(s) captured, {} task(s) created ({} answered), {} CTPAT deactivation(s), {} rule transition(s) applied",
            t.emails, t.side_effects, t.tasks_created, t.tasks_answered, t.accounts_deactivating, t.rule_transitions
        );
        if t.runs_pruned > 0 {
            say!(
                "retention pruned the step events of {} run(s) ({} event(s)); their summaries, outputs and audit entries stay",
                t.runs_pruned, t.events_pruned
            );
        }
    }
}

fn describe(what: &Happening) -> String {
    match what {
        Happening::RunStarted {
            run,
            workflow,
            trigger,
        } => {
            let cause = match trigger["kind"].as_str() {
                Some("schedule") => format!(
                    "{}schedule `{}` {}, for {}",
                    if trigger["catch_up"] == Value::Bool(true) {
                        "catch-up of "
                    } else {
                        ""
                    },
                    trigger["cron"].as_str().unwrap_or_default(),
                    trigger["time_zone"].as_str().unwrap_or_default(),
                    trigger["scheduled_for"].as_str().unwrap_or_default()
                ),
                Some("event") => format!("event {}", trigger["name"].as_str().unwrap_or_default()),
                _ => "unknown trigger".to_owned(),
            };
            format!("run started: {workflow} ({cause}) [{run}]")
        }
        Happening::RunResumed { run, workflow } => format!("run resumed: {workflow} [{run}]"),
        Happening::RunFinished {
            run,
            workflow,
            status,
            error,
        } => match error {
            Some(error) => format!("run {status}: {workflow} [{run}]: {error}"),
            None => format!("run {status}: {workflow} [{run}]"),
        },
        Happening::Email { to, subject, .. } => {
            format!("email to {}: \"{subject}\"", to.join(", "))
        }
        Happening::SideEffect {
            connector,
            action,
            step,
            ..
        } => format!("would call {connector}.{action} (step {step})"),
        Happening::Inventory {
            action,
            account,
            status,
            event,
            ..
        } => {
            let mut line = format!("inventory: {action}");
            if let Some(account) = account {
                line.push_str(&format!(" {account}"));
            }
            if let Some(status) = status {
                line.push_str(&format!(" -> {status}"));
            }
            if let Some(event) = event {
                line.push_str(&format!(", event {event} queued"));
            }
            line
        }
        Happening::TaskCreated {
            title,
            assignee,
            due,
            ..
        } => {
            let mut line = format!("task created: \"{title}\"");
            if let Some(who) = assignee {
                line.push_str(&format!(" for {who}"));
            }
            if let Some(due) = due {
                line.push_str(&format!(", due {due}"));
            }
            line
        }
        Happening::Pruned {
            runs,
            events,
            finished_before,
        } => format!(
            "retention: step events of {runs} run(s) finished before {finished_before} pruned ({events} event(s))"
        ),
        Happening::TaskAnswered { task, outcome } => format!("task {outcome} (assumed): {task}"),
        Happening::TaskAnswerRefused { task, error } => {
            format!("task {task} stays open: the assumed answer does not fit ({error})")
        }
        Happening::AccountDeactivates {
            account,
            holder,
            company,
            last_sign_in,
        } => {
            let since = last_sign_in
                .as_ref()
                .map(|d| format!(", last sign-in {d}"))
                .unwrap_or_default();
            format!(
                "CTPAT account {account} ({holder}, {company}) is deactivated by CBP today{since}"
            )
        }
        Happening::RuleTransition {
            account,
            transition,
            effective_on,
            days_late,
            status_before,
            status_after,
            event,
        } => {
            let late = match days_late {
                0 => String::new(),
                n => format!(", {n} day(s) late"),
            };
            let event = event
                .as_ref()
                .map(|e| format!("; event {e} queued"))
                .unwrap_or_default();
            format!("rule: {account} {transition} effective {effective_on}{late}: {status_before} -> {status_after}{event}")
        }
    }
}
