//! Inicio from the stores' overviews shows what it showed when it read
//! every open task and every failed message: the earlier computation is
//! kept here as the reference, run on the same sled store.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use garita_engine::account::AccountStatus;
use garita_engine::{OutboxFilter, OutboxStatus, Task, TaskFilter, TaskStatus};

use super::dashboard::{dashboard, Dashboard, Deadline, DeadlineKind, PortalCounts};
use super::dashboard::{CHART_WEEKS, NEXT_DEADLINES};
use super::Session;
use crate::{App, AppOptions};

const NOW: &str = "2026-12-05T12:00:00Z";

fn session(dir: &std::path::Path) -> Session {
    // An empty configuration: the defaults, whatever the working directory holds.
    let config = dir.join("garita.toml");
    std::fs::write(&config, "").unwrap();
    let app = App::new(AppOptions {
        config: Some(config),
        store: Some(dir.join("store")),
        now: Some(NOW.into()),
    })
    .unwrap();
    Session::open(Arc::new(app)).unwrap()
}

fn task(i: i64, title: &str, due: Option<DateTime<Utc>>, status: TaskStatus) -> Task {
    let now: DateTime<Utc> = NOW.parse().unwrap();
    Task {
        id: format!("R{i:02}.ask.1"),
        run_id: format!("R{i:02}"),
        step_id: "ask".into(),
        workflow: "wf".into(),
        title: title.into(),
        body: String::new(),
        assignee: Some(format!("p{i}@example.com")),
        due,
        fields: None,
        status,
        // Later ids were created earlier: the list's order is not the ids'.
        created_at: now - Duration::minutes(100 - i),
        answer: None,
    }
}

use garita_engine::outbox_conformance::message;

/// Inicio as computed before the stores answered: from every open task
/// and every failed message (accounts as now).
async fn from_every_record(session: &Session) -> Dashboard {
    let now = session.app.clock.now();
    let backend = &session.backend;
    let open = TaskFilter {
        statuses: vec![TaskStatus::Open],
        ..TaskFilter::default()
    };
    let tasks = backend.runs.list_tasks(&open).await.unwrap();
    let today = now.date_naive();
    let overview = backend
        .accounts
        .account_overview(today, NEXT_DEADLINES)
        .await
        .unwrap();
    let failed = OutboxFilter {
        statuses: vec![OutboxStatus::Failed],
        ..OutboxFilter::default()
    };
    let emails_failed = backend.outbox.list(&failed).await.unwrap().len() as u64;
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
    deadlines.extend(tasks.iter().filter_map(|task| {
        Some(Deadline {
            on: task.due?.date_naive(),
            kind: DeadlineKind::TaskDue,
            subject: task.title.clone(),
            who: task.assignee.clone(),
        })
    }));
    deadlines.retain(|d| d.on >= today);
    deadlines.sort_by(|a, b| (a.on, a.kind, &a.subject).cmp(&(b.on, b.kind, &b.subject)));
    let monday = today
        - Duration::days(i64::from(
            chrono::Datelike::weekday(&today).num_days_from_monday(),
        ));
    let weeks = (0..CHART_WEEKS)
        .map(|week| {
            let starts_on = monday + Duration::weeks(week as i64);
            let ends = starts_on + Duration::weeks(1);
            super::dashboard::WeekCount {
                starts_on,
                deadlines: deadlines
                    .iter()
                    .filter(|d| d.kind == DeadlineKind::TaskDue)
                    .filter(|d| d.on >= starts_on && d.on < ends)
                    .count() as u64
                    + overview
                        .deadlines_by_day
                        .iter()
                        .filter(|(on, _)| *on >= starts_on && *on < ends)
                        .map(|(_, n)| n)
                        .sum::<u64>(),
            }
        })
        .collect();
    deadlines.truncate(NEXT_DEADLINES);
    Dashboard {
        now,
        tasks_waiting: tasks.len() as u64,
        tasks_overdue: tasks
            .iter()
            .filter(|t| t.due.is_some_and(|d| d < now))
            .count() as u64,
        portals: portals.into_values().collect(),
        emails_failed,
        next_deadlines: deadlines,
        weeks,
    }
}

#[tokio::test]
async fn inicio_from_the_overviews_equals_inicio_from_every_record() {
    let dir = tempfile::tempdir().unwrap();
    let session = session(dir.path());
    let now: DateTime<Utc> = NOW.parse().unwrap();
    let hours = |h: i64| Some(now + Duration::hours(h));
    let open = TaskStatus::Open;
    // More tasks than the list holds: several on one day whose titles do
    // not follow their hours, two with one title on one day, overdue ones
    // (earlier today too), one without a due date, answered ones, and one
    // past the chart's weeks.
    let tasks = [
        task(1, "Revisar", hours(-30), open),
        task(2, "Aprobar", hours(-2), open),
        task(3, "Zeta", hours(2), open),
        task(4, "Aprobar", hours(11), open),
        task(5, "Firmar", hours(11), open),
        task(6, "Aprobar", hours(3), open),
        task(7, "Aprobar", hours(20), open),
        task(8, "Aprobar", hours(40), open),
        task(9, "Beta", hours(40), open),
        task(10, "Alfa", hours(60), open),
        task(11, "Alfa", hours(60), TaskStatus::Completed),
        task(12, "Sin fecha", None, open),
        task(13, "Lejana", hours(24 * 100), open),
        task(14, "Gamma", hours(24 * 9), open),
        task(15, "Gamma", hours(24 * 9 + 1), TaskStatus::Expired),
    ];
    for t in &tasks {
        session.backend.runs.put_task(t).await.unwrap();
    }
    for i in 0..9 {
        let status = OutboxStatus::ALL[i % OutboxStatus::ALL.len()];
        session
            .backend
            .outbox
            .record(&message(i, status))
            .await
            .unwrap();
    }
    let board = dashboard(&session).await.unwrap();
    assert_eq!(board, from_every_record(&session).await);
    assert_eq!((board.tasks_waiting, board.tasks_overdue), (13, 2));
    assert_eq!(board.emails_failed, 1);
    assert_eq!(board.next_deadlines.len(), NEXT_DEADLINES);

    // After answers and new failures, still the same.
    let mut answered = tasks[3].clone();
    answered.status = TaskStatus::Completed;
    session.backend.runs.put_task(&answered).await.unwrap();
    session
        .backend
        .outbox
        .record(&message(0, OutboxStatus::Failed))
        .await
        .unwrap();
    let board = dashboard(&session).await.unwrap();
    assert_eq!(board, from_every_record(&session).await);
    assert_eq!(board.emails_failed, 2);
}
