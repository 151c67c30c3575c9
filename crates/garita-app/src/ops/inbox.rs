//! The task inbox a signed-in person sees: open tasks as "mine", "my
//! group's", "all" or "overdue", with how many each view holds, from one
//! read of the open tasks and one of the console users.
//!
//! A person's group is their console role: "my group's" tasks are those
//! assigned to a console user with the same role as the viewer (their
//! colleagues, and themselves) or to nobody in particular. Tasks assigned
//! to an address that is no console user (a holder answering by email)
//! are only in "all".

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use garita_engine::user::Role;
use garita_engine::{Task, TaskFilter, TaskStatus};
use serde::{Deserialize, Serialize};

use super::Session;
use crate::AppError;

/// Which tasks the inbox lists.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum InboxView {
    /// Assigned to the viewer.
    #[default]
    Mine,
    /// Assigned to someone of the viewer's role, or to nobody.
    Group,
    /// Every open task.
    All,
    /// Every open task past its due time.
    Overdue,
}

impl InboxView {
    /// Every view, in the order a page offers them.
    pub const ALL: [Self; 4] = [Self::Mine, Self::Group, Self::All, Self::Overdue];

    /// Its name (`mine`, `group`, `all`, `overdue`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mine => "mine",
            Self::Group => "group",
            Self::All => "all",
            Self::Overdue => "overdue",
        }
    }

    /// The view named `text`; anything else is the default (`mine`).
    pub fn parse(text: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == text.trim())
            .unwrap_or_default()
    }
}

/// Whose inbox, and which view of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxQuery {
    /// The viewer's email (normalised, as stored for console users).
    pub email: String,
    /// The viewer's role: their group.
    pub role: Role,
    /// Which tasks.
    pub view: InboxView,
}

/// How many open tasks each view holds.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct InboxCounts {
    /// Assigned to the viewer.
    pub mine: u64,
    /// The viewer's group's.
    pub group: u64,
    /// Every open task.
    pub all: u64,
    /// Past their due time.
    pub overdue: u64,
}

/// One task in the inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct InboxTask {
    /// Task id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// The workflow that asks.
    pub workflow: String,
    /// Who should answer.
    pub assignee: Option<String>,
    /// When it is due.
    pub due: Option<DateTime<Utc>>,
    /// Whether its due time has passed.
    pub overdue: bool,
    /// When it was asked.
    pub created_at: DateTime<Utc>,
}

/// The inbox: the counts of every view and the tasks of the one asked,
/// overdue first, then by due time, then oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Inbox {
    /// The instant it was computed for.
    pub now: DateTime<Utc>,
    /// The view listed.
    pub view: InboxView,
    /// Every view's count.
    pub counts: InboxCounts,
    /// The view's tasks.
    pub tasks: Vec<InboxTask>,
}

/// The inbox of `query`'s viewer.
pub async fn inbox(session: &Session, query: InboxQuery) -> Result<Inbox, AppError> {
    let now = session.app.clock.now();
    let open = TaskFilter {
        statuses: vec![TaskStatus::Open],
        ..TaskFilter::default()
    };
    let tasks = session.backend.runs.list_tasks(&open).await?;
    let colleagues: BTreeSet<String> = session
        .backend
        .users
        .users()
        .await?
        .into_iter()
        .filter(|u| u.role == query.role && !u.disabled)
        .map(|u| u.email.to_lowercase())
        .collect();
    Ok(sort_into(now, &query, &colleagues, tasks))
}

/// The counts and the view's tasks, from the open tasks and the emails of
/// the viewer's group.
fn sort_into(
    now: DateTime<Utc>,
    query: &InboxQuery,
    colleagues: &BTreeSet<String>,
    tasks: Vec<Task>,
) -> Inbox {
    let me = query.email.to_lowercase();
    let mine = |t: &Task| t.assignee.as_ref().is_some_and(|a| a.to_lowercase() == me);
    let group = |t: &Task| {
        t.assignee
            .as_ref()
            .is_none_or(|a| a.trim().is_empty() || colleagues.contains(&a.to_lowercase()))
            || mine(t)
    };
    let overdue = |t: &Task| t.due.is_some_and(|d| d < now);
    let mut counts = InboxCounts::default();
    let mut listed = Vec::new();
    for task in tasks {
        let (is_mine, is_group, is_overdue) = (mine(&task), group(&task), overdue(&task));
        counts.all += 1;
        counts.mine += u64::from(is_mine);
        counts.group += u64::from(is_group);
        counts.overdue += u64::from(is_overdue);
        let shown = match query.view {
            InboxView::Mine => is_mine,
            InboxView::Group => is_group,
            InboxView::All => true,
            InboxView::Overdue => is_overdue,
        };
        if shown {
            listed.push(InboxTask {
                id: task.id,
                title: task.title,
                workflow: task.workflow,
                assignee: task.assignee,
                due: task.due,
                overdue: is_overdue,
                created_at: task.created_at,
            });
        }
    }
    listed.sort_by(|a, b| {
        (!a.overdue, a.due.is_none(), a.due, a.created_at, &a.id).cmp(&(
            !b.overdue,
            b.due.is_none(),
            b.due,
            b.created_at,
            &b.id,
        ))
    });
    Inbox {
        now,
        view: query.view,
        counts,
        tasks: listed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(id: &str, assignee: Option<&str>, due: Option<&str>) -> Task {
        Task {
            id: id.into(),
            run_id: "r".into(),
            step_id: "s".into(),
            workflow: "w".into(),
            title: id.into(),
            body: String::new(),
            assignee: assignee.map(str::to_owned),
            due: due.map(|d| d.parse().unwrap()),
            fields: None,
            status: TaskStatus::Open,
            created_at: "2026-03-01T00:00:00Z".parse().unwrap(),
            answer: None,
        }
    }

    #[test]
    fn views_count_and_list_mine_my_groups_all_and_overdue() {
        let now = "2026-03-10T15:00:00Z".parse().unwrap();
        let tasks = || {
            vec![
                task("mia", Some("Ana@Example.com"), Some("2026-03-12T00:00:00Z")),
                task("colega", Some("luis@example.com"), None),
                task("nadie", None, Some("2026-03-09T00:00:00Z")),
                task(
                    "titular",
                    Some("holder@corp.example"),
                    Some("2026-03-01T00:00:00Z"),
                ),
            ]
        };
        let colleagues: BTreeSet<String> = ["ana@example.com", "luis@example.com"]
            .map(String::from)
            .into();
        let query = |view| InboxQuery {
            email: "ana@example.com".into(),
            role: Role::Officer,
            view,
        };
        let ids = |inbox: &Inbox| inbox.tasks.iter().map(|t| t.id.clone()).collect::<Vec<_>>();
        let mine = sort_into(now, &query(InboxView::Mine), &colleagues, tasks());
        assert_eq!(
            mine.counts,
            InboxCounts {
                mine: 1,
                group: 3,
                all: 4,
                overdue: 2
            }
        );
        assert_eq!(ids(&mine), ["mia"]);
        let group = sort_into(now, &query(InboxView::Group), &colleagues, tasks());
        assert_eq!(ids(&group), ["nadie", "mia", "colega"]);
        let all = sort_into(now, &query(InboxView::All), &colleagues, tasks());
        assert_eq!(ids(&all), ["titular", "nadie", "mia", "colega"]);
        let overdue = sort_into(now, &query(InboxView::Overdue), &colleagues, tasks());
        assert_eq!(ids(&overdue), ["titular", "nadie"]);
        assert!(overdue.tasks.iter().all(|t| t.overdue));
        assert_eq!(InboxView::parse("overdue"), InboxView::Overdue);
        assert_eq!(InboxView::parse("<script>"), InboxView::Mine);
    }
}
