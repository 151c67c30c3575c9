//! The console's Inicio page as numbers: tasks waiting and overdue,
//! accounts at risk and deactivated per portal, failed emails, the next
//! deadlines and the deadlines of each of the next twelve weeks. Dates are
//! UTC days (the console has no time zone of its own yet). Every number
//! comes from the store, which answers from its indexes: the inventory's
//! from [`garita_engine::account::AccountOverview`] (counts, deadlines per
//! day and the few soonest accounts, from one pass over its compact rows),
//! the tasks' from [`garita_engine::task_overview::OpenTaskOverview`]
//! (counts, due days and the few soonest open tasks) and the failed
//! emails' from `OutboxStore::count_messages`.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use garita_engine::account::AccountStatus;
use garita_engine::OutboxStatus;
use serde::{Deserialize, Serialize};

use super::Session;
use crate::AppError;

/// Weeks the chart shows, this one first.
pub const CHART_WEEKS: usize = 12;

/// Deadlines listed as "next".
pub const NEXT_DEADLINES: usize = 8;

/// Everything the Inicio page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Dashboard {
    /// The instant it was computed for.
    pub now: DateTime<Utc>,
    /// Open tasks.
    pub tasks_waiting: u64,
    /// Open tasks whose due time has passed.
    pub tasks_overdue: u64,
    /// Per portal, by name.
    pub portals: Vec<PortalCounts>,
    /// Messages of the outbox whose last attempt failed.
    pub emails_failed: u64,
    /// The next deadlines from today on, soonest first.
    pub next_deadlines: Vec<Deadline>,
    /// Deadlines per week from this week's Monday on ([`CHART_WEEKS`]).
    pub weeks: Vec<WeekCount>,
}

/// The accounts of one portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PortalCounts {
    /// ctpat, ecuapass, anam, ...
    pub portal: String,
    /// Accounts in the inventory.
    pub accounts: u64,
    /// Accounts at risk of deactivation.
    pub at_risk: u64,
    /// Accounts the portal deactivated.
    pub deactivated: u64,
}

/// What kind of deadline.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineKind {
    /// An open task's due time.
    TaskDue,
    /// The day CTPAT deactivates an account without a new sign-in.
    CtpatDeactivation,
}

/// One deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Deadline {
    /// The day (UTC).
    pub on: NaiveDate,
    /// What kind.
    pub kind: DeadlineKind,
    /// What it is about: a task's title, an account's `PORTAL:IDENTIFIER`.
    pub subject: String,
    /// Who it concerns: the task's assignee, the account's holder.
    pub who: Option<String>,
}

/// The deadlines of one week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct WeekCount {
    /// Its Monday.
    pub starts_on: NaiveDate,
    /// Deadlines from that Monday to the Sunday after.
    pub deadlines: u64,
}

/// The dashboard at the session's clock.
pub async fn dashboard(session: &Session) -> Result<Dashboard, AppError> {
    let now = session.app.clock.now();
    let backend = &session.backend;
    // The stores count and pick the soonest deadlines from their indexes
    // and rows: a request holds numbers and a few records, not every open
    // task, every failed message or a summary of every account.
    let tasks = backend.runs.open_task_overview(now, NEXT_DEADLINES).await?;
    let today = now.date_naive();
    let overview = backend
        .accounts
        .account_overview(today, NEXT_DEADLINES)
        .await?;
    let emails_failed = backend.outbox.count_messages(OutboxStatus::Failed).await?;

    let mut portals: BTreeMap<String, PortalCounts> = BTreeMap::new();
    for count in &overview.counts {
        let counts = portals
            .entry(count.portal.clone())
            .or_insert_with(|| PortalCounts {
                portal: count.portal.clone(),
                accounts: 0,
                at_risk: 0,
                deactivated: 0,
            });
        counts.accounts += count.accounts;
        match count.status {
            AccountStatus::AtRisk => counts.at_risk += count.accounts,
            AccountStatus::Deactivated => counts.deactivated += count.accounts,
            _ => {}
        }
    }
    let mut deadlines: Vec<Deadline> = overview
        .next
        .iter()
        .filter_map(|account| {
            Some(Deadline {
                on: account.indexed_deactivation()?,
                kind: DeadlineKind::CtpatDeactivation,
                subject: account.key().to_string(),
                who: Some(account.holder.email.clone()),
            })
        })
        .collect();
    deadlines.extend(tasks.next.iter().filter_map(|task| {
        Some(Deadline {
            on: task.due?.date_naive(),
            kind: DeadlineKind::TaskDue,
            subject: task.title.clone(),
            who: task.assignee.clone(),
        })
    }));
    let days: Vec<(NaiveDate, u64)> = overview
        .deadlines_by_day
        .iter()
        .chain(&tasks.due_by_day)
        .copied()
        .collect();
    Ok(summarise(
        now,
        tasks.open,
        tasks.overdue,
        portals,
        emails_failed,
        deadlines,
        &days,
    ))
}

/// The list and the chart: `deadlines` are the soonest tasks' and
/// accounts' (for the list; each store gave its first few in the list's
/// order, so the first few of both are among them); the chart counts
/// every deadline, from `days` (deadlines per day, of tasks and accounts:
/// a day may come once per kind).
fn summarise(
    now: DateTime<Utc>,
    tasks_waiting: u64,
    tasks_overdue: u64,
    portals: BTreeMap<String, PortalCounts>,
    emails_failed: u64,
    mut deadlines: Vec<Deadline>,
    days: &[(NaiveDate, u64)],
) -> Dashboard {
    let today = now.date_naive();
    deadlines.retain(|d| d.on >= today);
    deadlines.sort_by(|a, b| (a.on, a.kind, &a.subject).cmp(&(b.on, b.kind, &b.subject)));
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let weeks = (0..CHART_WEEKS)
        .map(|week| {
            let starts_on = monday + Duration::weeks(week as i64);
            let ends = starts_on + Duration::weeks(1);
            WeekCount {
                starts_on,
                deadlines: days
                    .iter()
                    .filter(|(on, _)| *on >= today && *on >= starts_on && *on < ends)
                    .map(|(_, n)| n)
                    .sum::<u64>(),
            }
        })
        .collect();
    deadlines.truncate(NEXT_DEADLINES);
    Dashboard {
        now,
        tasks_waiting,
        tasks_overdue,
        portals: portals.into_values().collect(),
        emails_failed,
        next_deadlines: deadlines,
        weeks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn deadline(on: &str, subject: &str) -> Deadline {
        Deadline {
            on: day(on),
            kind: DeadlineKind::TaskDue,
            subject: subject.into(),
            who: None,
        }
    }

    /// Deadlines per day, as the stores count them.
    fn days_of(deadlines: &[Deadline]) -> Vec<(NaiveDate, u64)> {
        let mut days = BTreeMap::new();
        for d in deadlines {
            *days.entry(d.on).or_default() += 1;
        }
        days.into_iter().collect()
    }

    #[test]
    fn weeks_start_on_this_monday_and_past_deadlines_are_left_out() {
        // Saturday 5 December 2026.
        let now = "2026-12-05T12:00:00Z".parse().unwrap();
        let found = vec![
            deadline("2026-12-04", "ayer"),
            deadline("2026-12-06", "domingo"),
            deadline("2026-12-07", "lunes"),
            deadline("2026-12-07", "lunes bis"),
            deadline("2027-02-21", "semana 12"),
            deadline("2027-02-22", "más allá"),
        ];
        let days = days_of(&found);
        let board = summarise(now, 0, 0, BTreeMap::new(), 0, found, &days);
        assert_eq!(board.weeks.len(), CHART_WEEKS);
        assert_eq!(board.weeks[0].starts_on, day("2026-11-30"));
        let counts: Vec<u64> = board.weeks.iter().map(|w| w.deadlines).collect();
        assert_eq!(counts, [1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        let subjects: Vec<&str> = board
            .next_deadlines
            .iter()
            .map(|d| d.subject.as_str())
            .collect();
        assert_eq!(
            subjects,
            ["domingo", "lunes", "lunes bis", "semana 12", "más allá"]
        );
    }

    #[test]
    fn the_chart_counts_every_account_deadline_and_the_list_only_the_soonest() {
        let now = "2026-12-05T12:00:00Z".parse().unwrap();
        let listed = vec![
            Deadline {
                on: day("2026-12-08"),
                kind: DeadlineKind::CtpatDeactivation,
                subject: "ctpat:ana".into(),
                who: None,
            },
            deadline("2026-12-09", "revisar"),
        ];
        // Three accounts on the 8th (one of them listed), two in week 3;
        // the task on the 9th.
        let days = [
            (day("2026-12-08"), 3),
            (day("2026-12-16"), 2),
            (day("2026-12-09"), 1),
        ];
        let board = summarise(now, 1, 0, BTreeMap::new(), 0, listed, &days);
        let counts: Vec<u64> = board.weeks.iter().map(|w| w.deadlines).collect();
        assert_eq!(counts[..3], [0, 4, 2]);
        assert_eq!(board.next_deadlines.len(), 2);
        assert_eq!(board.next_deadlines[0].subject, "ctpat:ana");
    }
}
