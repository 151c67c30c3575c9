//! What a dashboard asks about open tasks, answered whole by the store
//! ([`crate::Store::open_task_overview`]) so that a request holds numbers
//! and a few tasks, not every open task.
//!
//! The functions here are the reference answers, computed from tasks: the
//! trait's default uses them, a store may answer from its own index
//! instead, and the conformance suite checks that both agree. Days are UTC
//! days, as everywhere the console dates things.

use chrono::{DateTime, NaiveDate, Utc};

use crate::task::{Task, TaskStatus};

/// The open tasks in numbers, for a dashboard.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OpenTaskOverview {
    /// Open tasks.
    pub open: u64,
    /// Open tasks due before the asked instant.
    pub overdue: u64,
    /// Open tasks' due days (UTC) on or after the asked instant's day, per
    /// day, earliest first; only non-zero counts.
    pub due_by_day: Vec<(NaiveDate, u64)>,
    /// The open tasks due on or after that day, at most the asked number,
    /// in [`next_order`].
    pub next: Vec<Task>,
}

/// The order of [`OpenTaskOverview::next`]: due day, then title, then the
/// order tasks are listed in (creation, id). A dashboard that sorts its
/// deadlines by day and title with a stable sort over listed tasks sees
/// the same order, so taking the first few of this order is taking the
/// first few it would show.
pub fn next_order(task: &Task) -> (Option<NaiveDate>, &str, DateTime<Utc>, &str) {
    (
        task.due.map(|due| due.date_naive()),
        &task.title,
        task.created_at,
        &task.id,
    )
}

/// The first instant of `day` (UTC): a task is due on or after `day` when
/// its due instant is not before it.
pub fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

impl OpenTaskOverview {
    /// The reference answer from tasks (any order; those not open are left
    /// out): counts at `now`, the due days from `now`'s day on, and the
    /// `soonest` first of those tasks.
    pub fn of(tasks: &[Task], now: DateTime<Utc>, soonest: usize) -> Self {
        let from = now.date_naive();
        let open: Vec<&Task> = tasks
            .iter()
            .filter(|t| t.status == TaskStatus::Open)
            .collect();
        let mut days = std::collections::BTreeMap::<NaiveDate, u64>::new();
        for due in open.iter().filter_map(|t| t.due) {
            if due.date_naive() >= from {
                *days.entry(due.date_naive()).or_default() += 1;
            }
        }
        Self {
            open: open.len() as u64,
            overdue: open
                .iter()
                .filter(|t| t.due.is_some_and(|d| d < now))
                .count() as u64,
            due_by_day: days.into_iter().collect(),
            next: Self::soonest(open.into_iter().cloned().collect(), from, soonest),
        }
    }

    /// The `soonest` first of `candidates` that are open and due on or
    /// after `from`, in [`next_order`]. A store passes every open task due
    /// from `from` up to the end of the day of the `soonest`-th by due
    /// instant: the rest cannot come first.
    pub fn soonest(candidates: Vec<Task>, from: NaiveDate, soonest: usize) -> Vec<Task> {
        let mut next: Vec<Task> = candidates
            .into_iter()
            .filter(|t| t.status == TaskStatus::Open)
            .filter(|t| t.due.is_some_and(|due| due.date_naive() >= from))
            .collect();
        next.sort_by(|a, b| next_order(a).cmp(&next_order(b)));
        next.truncate(soonest);
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(id: &str, title: &str, due: Option<&str>, status: TaskStatus) -> Task {
        Task {
            id: id.into(),
            run_id: "R".into(),
            step_id: "s".into(),
            workflow: "wf".into(),
            title: title.into(),
            body: String::new(),
            assignee: None,
            due: due.and_then(|d| d.parse().ok()),
            fields: None,
            status,
            created_at: DateTime::<Utc>::UNIX_EPOCH,
            answer: None,
        }
    }

    #[test]
    fn counts_at_the_instant_and_lists_by_day_then_title() {
        let now: DateTime<Utc> = "2026-12-05T12:00:00Z".parse().unwrap_or_default();
        let open = TaskStatus::Open;
        let tasks = [
            task("a", "z", Some("2026-12-05T09:00:00Z"), open),
            task("b", "b", Some("2026-12-05T18:00:00Z"), open),
            task("c", "a", Some("2026-12-05T23:00:00Z"), open),
            task("d", "a", Some("2026-12-04T23:00:00Z"), open),
            task("e", "a", None, open),
            task(
                "f",
                "a",
                Some("2026-12-06T01:00:00Z"),
                TaskStatus::Completed,
            ),
            task("g", "a", Some("2026-12-07T01:00:00Z"), open),
        ];
        let overview = OpenTaskOverview::of(&tasks, now, 3);
        assert_eq!((overview.open, overview.overdue), (6, 2));
        let day = |d: &str| d.parse::<NaiveDate>().unwrap_or_default();
        assert_eq!(
            overview.due_by_day,
            [(day("2026-12-05"), 3), (day("2026-12-07"), 1)]
        );
        // Today's overdue task still counts as today's deadline; on one day,
        // titles decide, whatever the hour.
        let ids: Vec<&str> = overview.next.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["c", "b", "a"]);
    }
}
