//! The scheduler over the in-memory stores and a manual clock: fires in
//! time zones across daylight-saving changes, catch-up after downtime,
//! events, pauses and reloads. Virtual time only.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use garita_sdk::{ActionError, ActionSpec, InvokeContext, Manifest};
use serde_json::{json, Value};

use super::*;
use crate::account::{AccountStore, NewEvent};
use crate::clock::ManualClock;
use crate::executor::{Engine, EngineSettings};
use crate::memory_accounts::MemoryAccounts;
use crate::memory_store::MemoryStore;
use crate::model::CatchUp;
use crate::run::RunStatus;
use crate::store::{RunFilter, Store};
use crate::Clock;

struct Echo;

#[async_trait]
impl crate::Connectors for Echo {
    fn manifests(&self) -> Vec<Manifest> {
        vec![manifest()]
    }
    async fn invoke(
        &self,
        _: &str,
        _: &str,
        _: InvokeContext,
        input: Value,
    ) -> Result<Value, ActionError> {
        Ok(input)
    }
}

fn manifest() -> Manifest {
    Manifest::new("core", "1.0.0", "test").action(ActionSpec::new("set", "echo"))
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .unwrap()
}

fn loaded(path: &str, source: &str) -> LoadedWorkflow {
    let workflow =
        crate::parse::parse_workflow(path, source, &[manifest()]).unwrap_or_else(|d| panic!("{d}"));
    LoadedWorkflow {
        workflow: Arc::new(workflow),
        source: Arc::from(source),
        path: path.to_owned(),
    }
}

fn daily(name: &str, zone: &str, catch_up: &str) -> LoadedWorkflow {
    loaded(
        &format!("{name}.yaml"),
        &format!(
            r#"
name: {name}
inputs:
  fired_at: {{type: string}}
  scheduled_for: {{type: string}}
on:
  schedule:
    cron: "0 8 * * *"
    time_zone: {zone}
    catch_up: {catch_up}
steps:
  - id: hello
    uses: core.set
    with: {{at: "${{{{ inputs.scheduled_for }}}}"}}
"#
        ),
    )
}

struct World {
    clock: Arc<ManualClock>,
    store: Arc<MemoryStore>,
    states: Arc<MemoryScheduleStore>,
    accounts: Arc<MemoryAccounts>,
}

impl World {
    fn new(now: &str) -> Self {
        Self {
            clock: Arc::new(ManualClock::new(at(now))),
            store: Arc::new(MemoryStore::new()),
            states: Arc::new(MemoryScheduleStore::new()),
            accounts: Arc::new(MemoryAccounts::new()),
        }
    }

    /// A scheduler as a freshly started daemon would build it.
    fn scheduler(&self) -> Scheduler {
        let manifests = vec![manifest()];
        let engine = Engine::new(
            self.store.clone(),
            Arc::new(Echo),
            self.clock.clone(),
            Arc::new(move |p, s| crate::parse::parse_workflow(p, s, &manifests)),
            EngineSettings::default(),
        );
        Scheduler::new(
            Arc::new(engine),
            self.states.clone(),
            SchedulerSettings::default(),
        )
        .with_events(self.accounts.clone())
    }

    /// Moves the clock from due instant to due instant until `until`,
    /// driving what is due at each; returns every run started.
    async fn run_until(&self, scheduler: &mut Scheduler, until: &str) -> Vec<StartedRun> {
        let until = at(until);
        let mut started = Vec::new();
        loop {
            for driven in scheduler.drive_due().await.unwrap() {
                assert_eq!(driven.status, Some(RunStatus::Succeeded));
                started.extend(driven.started);
            }
            match scheduler.next_due().await.unwrap() {
                Some(next) if next <= until => self.clock.set(next),
                _ => break,
            }
        }
        self.clock.set(until);
        started
    }
}

fn fires_of(started: &[StartedRun], workflow: &str) -> Vec<String> {
    started
        .iter()
        .filter(|s| s.workflow == workflow)
        .map(|s| match &s.cause {
            StartCause::Schedule { scheduled_for, .. } => instant_text(*scheduled_for),
            other => panic!("unexpected cause {other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn a_month_of_daily_fires_in_two_zones_across_the_tijuana_spring_change() {
    let world = World::new("2026-02-25T00:00:00Z");
    let mut scheduler = world.scheduler();
    scheduler
        .load(vec![
            daily("gye", "America/Guayaquil", "last"),
            daily("tij", "America/Tijuana", "last"),
        ])
        .await
        .unwrap();
    let started = world
        .run_until(&mut scheduler, "2026-03-25T00:00:00Z")
        .await;
    let gye = fires_of(&started, "gye");
    let tij = fires_of(&started, "tij");
    assert_eq!(gye.len(), 28);
    assert_eq!(tij.len(), 28);
    // Ecuador has no daylight saving: 08:00 is always 13:00 UTC.
    assert!(gye.iter().all(|t| t.ends_with("T13:00:00Z")), "{gye:?}");
    assert_eq!(gye[0], "2026-02-25T13:00:00Z");
    // Tijuana: 16:00 UTC (PST) up to 7 March, 15:00 UTC (PDT) from 8 March.
    assert_eq!(tij[10], "2026-03-07T16:00:00Z");
    assert_eq!(tij[11], "2026-03-08T15:00:00Z");
    assert!(tij[..11].iter().all(|t| t.ends_with("T16:00:00Z")));
    assert!(tij[11..].iter().all(|t| t.ends_with("T15:00:00Z")));
    // The run got its fire instant as an input.
    let runs = world
        .store
        .list_runs(&RunFilter {
            workflow: Some("tij".into()),
            ..RunFilter::default()
        })
        .await
        .unwrap();
    assert!(runs
        .iter()
        .any(|r| r.inputs["scheduled_for"] == json!("2026-03-08T15:00:00Z")));
}

async fn restart_after_three_days(policy: &str) -> Vec<StartedRun> {
    restart_after_three_days_then(policy, "2026-01-04T17:00:00Z").await
}

/// As [`restart_after_three_days`], then keeps the restarted daemon going until `until`.
async fn restart_after_three_days_then(policy: &str, until: &str) -> Vec<StartedRun> {
    let world = World::new("2026-01-01T14:00:00Z");
    let mut first = world.scheduler();
    first
        .load(vec![daily("wf", "America/Guayaquil", policy)])
        .await
        .unwrap();
    assert!(world
        .run_until(&mut first, "2026-01-01T14:00:00Z")
        .await
        .is_empty());
    drop(first);
    // Down for three days: the fires of the 2nd, 3rd and 4th (13:00 UTC) are missed.
    world.clock.set(at("2026-01-04T17:00:00Z"));
    let mut second = world.scheduler();
    second
        .load(vec![daily("wf", "America/Guayaquil", policy)])
        .await
        .unwrap();
    world.run_until(&mut second, until).await
}

#[tokio::test]
async fn catch_up_all_runs_each_missed_fire() {
    let started = restart_after_three_days("all").await;
    assert_eq!(
        fires_of(&started, "wf"),
        [
            "2026-01-02T13:00:00Z",
            "2026-01-03T13:00:00Z",
            "2026-01-04T13:00:00Z"
        ]
    );
    assert!(started
        .iter()
        .all(|s| matches!(s.cause, StartCause::Schedule { catch_up: true, .. })));
}

#[tokio::test]
async fn catch_up_last_runs_once() {
    let started = restart_after_three_days("last").await;
    assert_eq!(fires_of(&started, "wf"), ["2026-01-04T13:00:00Z"]);
}

#[tokio::test]
async fn catch_up_none_runs_nothing_and_then_fires_normally() {
    let started = restart_after_three_days("none").await;
    assert!(started.is_empty());
    let started = restart_after_three_days_then("none", "2026-01-05T17:00:00Z").await;
    assert_eq!(fires_of(&started, "wf"), ["2026-01-05T13:00:00Z"]);
}

#[tokio::test]
async fn a_trigger_seen_for_the_first_time_does_not_catch_up() {
    let world = World::new("2026-01-10T12:00:00Z");
    let mut scheduler = world.scheduler();
    let report = scheduler
        .load(vec![daily("wf", "UTC", "all")])
        .await
        .unwrap();
    assert_eq!(report.first_seen, [TriggerKey::new("wf", 0)]);
    let started = world
        .run_until(&mut scheduler, "2026-01-11T12:00:00Z")
        .await;
    assert_eq!(fires_of(&started, "wf"), ["2026-01-11T08:00:00Z"]);
    let state = world
        .states
        .trigger_state(&TriggerKey::new("wf", 0))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(state.last_fire, Some(at("2026-01-11T08:00:00Z")));
}

#[tokio::test]
async fn paused_workflows_skip_fires_and_unpausing_does_not_catch_up() {
    let world = World::new("2026-01-01T12:00:00Z");
    let mut scheduler = world.scheduler();
    scheduler
        .load(vec![daily("wf", "UTC", "all")])
        .await
        .unwrap();
    scheduler.set_paused("wf", true).await.unwrap();
    assert!(world
        .run_until(&mut scheduler, "2026-01-03T12:00:00Z")
        .await
        .is_empty());
    assert!(scheduler.schedules().unwrap()[0].paused);
    scheduler.set_paused("wf", false).await.unwrap();
    let started = world
        .run_until(&mut scheduler, "2026-01-04T12:00:00Z")
        .await;
    assert_eq!(fires_of(&started, "wf"), ["2026-01-04T08:00:00Z"]);
    assert!(matches!(
        scheduler.set_paused("nope", true).await,
        Err(ScheduleError::UnknownWorkflow(_))
    ));
}

#[tokio::test]
async fn events_start_their_workflows_with_the_data_as_inputs_and_are_acknowledged() {
    let world = World::new("2026-01-05T10:00:00Z");
    let mut scheduler = world.scheduler();
    scheduler
        .load(vec![loaded(
            "offboard.yaml",
            r#"
name: offboard
inputs:
  person: {type: string, required: true}
  event: {type: object}
on:
  event: account.offboarded
steps:
  - id: note
    uses: core.set
    with: {who: "${{ inputs.person }}"}
"#,
        )])
        .await
        .unwrap();
    world
        .accounts
        .emit_event(&NewEvent {
            name: "account.offboarded".into(),
            at: world.clock.now(),
            data: json!({"person": "ana@example.com"}),
        })
        .await
        .unwrap();
    world
        .accounts
        .emit_event(&NewEvent {
            name: "account.unrelated".into(),
            at: world.clock.now(),
            data: json!({}),
        })
        .await
        .unwrap();
    let driven = scheduler.drive_due().await.unwrap();
    assert_eq!(driven.len(), 1);
    assert_eq!(driven[0].status, Some(RunStatus::Succeeded));
    let record = world.store.run(&driven[0].run).await.unwrap().unwrap();
    assert_eq!(record.inputs["person"], json!("ana@example.com"));
    assert_eq!(record.inputs["event"]["name"], json!("account.offboarded"));
    assert!(world.accounts.pending_events(10).await.unwrap().is_empty());
    assert!(scheduler.drive_due().await.unwrap().is_empty());
}

#[tokio::test]
async fn waiting_runs_are_woken_when_due() {
    let world = World::new("2026-01-01T00:00:00Z");
    let mut scheduler = world.scheduler();
    let wf = loaded(
        "nap.yaml",
        r#"
name: nap
steps:
  - id: pause
    wait: {for: 3h}
  - id: after
    uses: core.set
    with: {}
"#,
    );
    scheduler.load(vec![wf.clone()]).await.unwrap();
    let engine = scheduler.engine().clone();
    let run = engine
        .start(&wf.workflow, &wf.source, &wf.path, &BTreeMap::new())
        .await
        .unwrap();
    assert_eq!(engine.drive(&run).await.unwrap(), RunStatus::Waiting);
    assert_eq!(
        scheduler.next_due().await.unwrap(),
        Some(at("2026-01-01T03:00:00Z"))
    );
    assert!(scheduler.drive_due().await.unwrap().is_empty());
    world.clock.advance(TimeDelta::hours(3));
    let driven = scheduler.drive_due().await.unwrap();
    assert_eq!(driven.len(), 1);
    assert_eq!(driven[0].started, None);
    assert_eq!(driven[0].status, Some(RunStatus::Succeeded));
}

#[tokio::test]
async fn an_invalid_set_is_refused_and_the_old_one_stays() {
    let world = World::new("2026-01-01T00:00:00Z");
    let mut scheduler = world.scheduler();
    scheduler
        .load(vec![daily("wf", "UTC", "last")])
        .await
        .unwrap();
    let needs_input = loaded(
        "needs.yaml",
        r#"
name: needs
inputs:
  ruc: {type: string, required: true}
on:
  schedule: "0 9 * * *"
steps:
  - id: s
    uses: core.set
    with: {}
"#,
    );
    let err = scheduler
        .load(vec![
            daily("wf", "UTC", "last"),
            daily("wf", "UTC", "all"),
            needs_input,
        ])
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("used by both"), "{text}");
    assert!(text.contains("`ruc`"), "{text}");
    let views = scheduler.schedules().unwrap();
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].catch_up, CatchUp::Last);
    assert_eq!(views[0].next_fire, Some(at("2026-01-01T08:00:00Z")));
}

#[tokio::test]
async fn the_scheduler_future_can_run_on_a_spawned_task() {
    // The daemon drives runs on spawned tasks; this fails to compile if the
    // engine's futures stop being Send.
    let world = World::new("2026-01-01T00:00:00Z");
    let mut scheduler = world.scheduler();
    let handle = tokio::spawn(async move {
        scheduler.load(vec![]).await.map(|_| ())?;
        scheduler.drive_due().await.map(|_| ())
    });
    assert!(handle.await.unwrap().is_ok());
}

#[test]
fn a_set_conflict_is_a_problem_of_the_files_at_fault_only() {
    let first = daily("wf", "UTC", "last");
    let mut second = daily("wf", "UTC", "all");
    second.path = "copy.yaml".into();
    let other = daily("other", "UTC", "last");
    let problems = problems_by_workflow(&[first, second, other]);
    assert_eq!(problems.len(), 3);
    // `name:` is on the second line of the source (after a blank one).
    assert_eq!(
        problems[0],
        ["wf.yaml:2:1: workflow name `wf` is used by both wf.yaml and copy.yaml; give each workflow its own name"]
    );
    assert_eq!(
        problems[1],
        ["copy.yaml:2:1: workflow name `wf` is used by both copy.yaml and wf.yaml; give each workflow its own name"]
    );
    assert!(problems[2].is_empty(), "{:?}", problems[2]);
}

/// A rule for the reconcile tests: a `demo` account whose `due_on`
/// attribute has passed is deactivated from that day, with an event.
struct DueOn;

impl crate::reconcile::AccountRule for DueOn {
    fn name(&self) -> &str {
        "demo.due_on"
    }
    fn candidates(&self, _: DateTime<Utc>) -> crate::account::AccountFilter {
        crate::account::AccountFilter {
            portal: Some("demo".into()),
            statuses: vec![crate::AccountStatus::Active],
            ..Default::default()
        }
    }
    fn due(
        &self,
        account: &crate::Account,
        now: DateTime<Utc>,
    ) -> Option<crate::reconcile::DueTransition> {
        let due_on = crate::account::facts::date(account, "due_on")?;
        (due_on <= now.date_naive()).then(|| crate::reconcile::DueTransition {
            name: "demo.deactivated".into(),
            effective_on: due_on,
            status: Some(crate::AccountStatus::Deactivated),
            reason: "due".into(),
            event: Some(json!({})),
        })
    }
    fn today(&self, now: DateTime<Utc>) -> chrono::NaiveDate {
        now.date_naive()
    }
}

#[tokio::test]
async fn a_tick_reconciles_the_rules_and_starts_the_workflows_of_their_events_the_same_tick() {
    let world = World::new("2026-01-05T10:00:00Z");
    let mut account = crate::Account::new(
        "demo",
        "ana",
        crate::Holder::default(),
        crate::Company::default(),
    );
    account
        .attributes
        .insert("due_on".into(), "2026-01-03".into());
    world
        .accounts
        .upsert_accounts(
            &[crate::AccountUpdate {
                account,
                reason: "created".into(),
                expected_revision: None,
            }],
            &crate::ChangeMeta {
                by: "test".into(),
                at: world.clock.now(),
            },
            None,
        )
        .await
        .unwrap();
    let accounts: Arc<dyn AccountStore> = world.accounts.clone();
    let reconciler =
        crate::reconcile::Reconciler::new(accounts, world.clock.clone(), vec![Arc::new(DueOn)]);
    let mut scheduler = world.scheduler().with_reconciler(reconciler);
    scheduler
        .load(vec![loaded(
            "alert.yaml",
            r#"
name: alert
inputs:
  account: {type: string, required: true}
  effective_on: {type: string}
on:
  event: demo.deactivated
steps:
  - id: note
    uses: core.set
    with: {who: "${{ inputs.account }}", since: "${{ inputs.effective_on }}"}
"#,
        )])
        .await
        .unwrap();

    // The first tick (a daemon's start) applies the missed transition and
    // starts the alert from its event.
    let driven = scheduler.drive_due().await.unwrap();
    assert_eq!(driven.len(), 1, "{driven:?}");
    let record = world.store.run(&driven[0].run).await.unwrap().unwrap();
    assert_eq!(record.workflow, "alert");
    assert_eq!(record.inputs["account"], json!("demo:ana"));
    assert_eq!(record.inputs["effective_on"], json!("2026-01-03"));
    let reports = scheduler.take_reconciled();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].applied[0].days_late, 2);

    // Looking again, now or after the cadence: nothing more.
    assert!(scheduler.drive_due().await.unwrap().is_empty());
    world.clock.advance(TimeDelta::minutes(6));
    let work = scheduler.tick().await.unwrap();
    let again = work.reconciled.expect("reconciled after the cadence");
    assert!(again.applied.is_empty());
    assert_eq!(
        again.already_applied, 0,
        "deactivated: no longer a candidate"
    );
    assert!(work.started.is_empty());
    assert!(scheduler.take_reconciled().is_empty());
    // Within the cadence the rules are not evaluated at all.
    world.clock.advance(TimeDelta::minutes(1));
    assert!(scheduler.tick().await.unwrap().reconciled.is_none());
}

/// The schedule line of `workflows/ctpat-email-list-review.yaml`: 09:00 New
/// York time on the first business day of each quarter.
fn quarterly_review() -> LoadedWorkflow {
    loaded(
        "review.yaml",
        r#"
name: review
on:
  schedule: {cron: "0 9 1 1,4,7,10 *", time_zone: America/New_York, catch_up: last, business_days: US}
steps:
  - id: hello
    uses: core.set
    with: {ok: true}
"#,
    )
}

#[tokio::test]
async fn a_schedule_kept_to_business_days_skips_new_years_day() {
    let world = World::new("2026-12-05T12:00:00Z");
    let mut scheduler = world.scheduler();
    scheduler.load(vec![quarterly_review()]).await.unwrap();
    // Friday 1 January 2027 is a federal holiday: Monday the 4th, 09:00 EST.
    assert_eq!(
        scheduler.next_due().await.unwrap(),
        Some(at("2027-01-04T14:00:00Z"))
    );
    let started = world
        .run_until(&mut scheduler, "2027-07-02T00:00:00Z")
        .await;
    assert_eq!(
        fires_of(&started, "review"),
        [
            "2027-01-04T14:00:00Z",
            "2027-04-01T13:00:00Z",
            "2027-07-01T13:00:00Z"
        ]
    );
    let views = scheduler.schedules().unwrap();
    assert_eq!(views[0].next_fire, Some(at("2027-10-01T13:00:00Z")));
}

#[tokio::test]
async fn a_moved_fire_is_caught_up_whether_or_not_the_daemon_was_up_on_the_holiday() {
    // Up on the holiday (ticking after its 09:00), then down over the
    // weekend and the Monday the fire moved to.
    let world = World::new("2026-12-30T12:00:00Z");
    let mut first = world.scheduler();
    first.load(vec![quarterly_review()]).await.unwrap();
    assert!(world
        .run_until(&mut first, "2027-01-01T20:00:00Z")
        .await
        .is_empty());
    drop(first);
    world.clock.set(at("2027-01-05T12:00:00Z"));
    let mut second = world.scheduler();
    second.load(vec![quarterly_review()]).await.unwrap();
    let started = world.run_until(&mut second, "2027-01-06T00:00:00Z").await;
    assert_eq!(fires_of(&started, "review"), ["2027-01-04T14:00:00Z"]);
    assert!(matches!(
        started[0].cause,
        StartCause::Schedule { catch_up: true, .. }
    ));
}

/// Every schedule fire of two daemons on one store (each with its own
/// scheduler and engine over the same stores), ticked in turn.
#[tokio::test]
async fn two_daemons_on_one_store_fire_each_instant_once() {
    let world = World::new("2026-01-01T14:00:00Z");
    let mut a = world.scheduler();
    let mut b = world.scheduler();
    for s in [&mut a, &mut b] {
        s.load(vec![daily("wf", "America/Guayaquil", "all")])
            .await
            .unwrap();
    }
    // Both were down three days: both plan the same three catch-up fires.
    world.clock.set(at("2026-01-04T17:00:00Z"));
    let mut started = Vec::new();
    for s in [&mut b, &mut a] {
        for driven in s.drive_due().await.unwrap() {
            started.extend(driven.started);
        }
    }
    assert_eq!(
        fires_of(&started, "wf"),
        [
            "2026-01-02T13:00:00Z",
            "2026-01-03T13:00:00Z",
            "2026-01-04T13:00:00Z"
        ],
        "each missed fire started once between the two daemons"
    );
    let runs = world.store.list_runs(&RunFilter::default()).await.unwrap();
    assert_eq!(runs.len(), 3, "three runs in the store, not six");
}

/// A daemon that crashed after starting a fire's run but before recording
/// the trigger's progress does not start that fire again.
#[tokio::test]
async fn a_fire_started_before_a_crash_is_not_started_again() {
    let world = World::new("2026-01-01T12:00:00Z");
    let mut first = world.scheduler();
    first
        .load(vec![daily("wf", "America/Guayaquil", "all")])
        .await
        .unwrap();
    let before = world.states.trigger_states().await.unwrap();
    world.clock.set(at("2026-01-01T13:00:00Z"));
    let started = first.drive_due().await.unwrap();
    assert_eq!(started.len(), 1);
    // The crash: the trigger's recorded progress is as it was before the fire.
    for (key, state) in &before {
        world.states.put_trigger_state(key, state).await.unwrap();
    }
    drop(first);
    let mut second = world.scheduler();
    second
        .load(vec![daily("wf", "America/Guayaquil", "all")])
        .await
        .unwrap();
    let again = second.drive_due().await.unwrap();
    assert!(
        again.iter().all(|d| d.started.is_none()),
        "the 13:00 fire already has its run: {again:?}"
    );
    let runs = world.store.list_runs(&RunFilter::default()).await.unwrap();
    assert_eq!(runs.len(), 1);
}

/// A pause recorded by one daemon holds for the other.
#[tokio::test]
async fn a_pause_by_one_daemon_holds_for_the_other() {
    let world = World::new("2026-01-01T12:00:00Z");
    let mut a = world.scheduler();
    let mut b = world.scheduler();
    for s in [&mut a, &mut b] {
        s.load(vec![daily("wf", "America/Guayaquil", "all")])
            .await
            .unwrap();
    }
    a.set_paused("wf", true).await.unwrap();
    world.clock.set(at("2026-01-01T13:00:00Z"));
    let driven = b.drive_due().await.unwrap();
    assert!(driven.is_empty(), "{driven:?}");
    assert!(world
        .store
        .list_runs(&RunFilter::default())
        .await
        .unwrap()
        .is_empty());
}
