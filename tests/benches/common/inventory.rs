//! A large inventory in the store: CTPAT accounts (indexed by deactivation
//! date) and one waiting run per account deadline, with a scheduler of daily
//! schedules on top. Used for the idle tick, the full status recomputation
//! and the idle daemon's memory.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use garita_engine::account::{
    Account, AccountFilter, AccountStore, AccountUpdate, ChangeMeta, Company, Holder,
};
use garita_engine::executor::{Engine, EngineSettings};
use garita_engine::run::{RunEvent, RunRecord, RunStatus};
use garita_engine::schedule::{LoadedWorkflow, ScheduleStore, Scheduler, SchedulerSettings};
use garita_engine::{Clock, ManualClock, Store};
use garita_store::SledStore;

use super::echo::{manifest, Echo};
use serde_json::{json, Value};

/// Daily schedules loaded into the scheduler.
pub const SCHEDULES: usize = 20;
/// Target for one tick with nothing due, µs.
pub const TARGET_TICK_US: f64 = 1_000.0;
/// Target for every account's status from scratch, ms.
pub const TARGET_RECOMPUTE_MS: f64 = 1_000.0;

/// The instant every measurement is taken at.
pub fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T10:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .expect("valid instant")
}

fn account(i: usize, today: NaiveDate, spread_days: usize) -> Account {
    let mut account = Account::new(
        "ctpat",
        &format!("user{i}@importadora{}.example.com", i % 500),
        Holder {
            name: format!("Usuario {i}"),
            email: format!("user{i}@importadora{}.example.com", i % 500),
            employee_id: Some(format!("E{i:06}")),
            national_id: None,
        },
        Company {
            legal_name: format!("Importadora {} S.A.", i % 500),
            tax_id: format!("17{:011}001", i % 500),
            ctpat_account_number: Some(format!("CT{:08}", i % 500)),
        },
    );
    let last = today - TimeDelta::days((i % spread_days) as i64);
    account.last_sign_in = Some(last);
    account.deactivates_on = Some(last + TimeDelta::days(46));
    account
}

/// Upserts `n` CTPAT accounts, signed in over the last 60 days (so about a
/// quarter are past the 45-day rule: the recomputation has work to do).
pub async fn fill_accounts(store: &SledStore, n: usize) {
    fill_accounts_signed_in_within(store, n, 60).await;
}

/// Upserts `n` CTPAT accounts, signed in over the last 25 days: nothing is
/// due for any of them at [`now`] (no reminder before day 30, no
/// deactivation before day 46), as the idle daemon's measurement needs;
/// in any account store (sled, PostgreSQL).
pub async fn fill_quiet_accounts(store: &impl AccountStore, n: usize) {
    fill_accounts_signed_in_within(store, n, 25).await;
}

async fn fill_accounts_signed_in_within(store: &impl AccountStore, n: usize, spread_days: usize) {
    let today = now().date_naive();
    let meta = ChangeMeta {
        by: "bench".into(),
        at: now(),
    };
    let all: Vec<usize> = (0..n).collect();
    for chunk in all.chunks(2_000) {
        let updates: Vec<AccountUpdate> = chunk
            .iter()
            .map(|&i| AccountUpdate {
                account: account(i, today, spread_days),
                reason: "import".into(),
                expected_revision: None,
            })
            .collect();
        store
            .upsert_accounts(&updates, &meta, None)
            .await
            .expect("upsert");
    }
}

/// Creates `n` waiting runs, one deadline per account spread over the next
/// 45 days, from 64 concurrent writers.
pub async fn fill_timers(store: Arc<SledStore>, n: usize) {
    let workers = 64;
    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..workers {
        let store = store.clone();
        tasks.spawn(async move {
            for i in (w..n).step_by(workers) {
                let created = now() - TimeDelta::days(1);
                let wake = now() + TimeDelta::minutes(1 + (i as i64 * 45 * 24 * 60) / n as i64);
                let mut record = RunRecord {
                    id: format!("01BENCH{i:019}"),
                    workflow: "deadline".into(),
                    source: String::new(),
                    source_path: "deadline.yaml".into(),
                    inputs: json!({"account": i}),
                    parent: None,
                    status: RunStatus::Waiting,
                    created_at: created,
                    updated_at: created,
                    next_seq: 0,
                    wake_at: Some(wake),
                    error: None,
                    scope: Value::Null,
                };
                store
                    .create_run(&mut record, &[RunEvent::RunCreated { at: created }])
                    .await
                    .expect("create run");
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("filler task");
    }
}

fn workflows() -> Vec<LoadedWorkflow> {
    (0..SCHEDULES)
        .map(|i| {
            let source = format!(
                "name: daily-{i}\non:\n  schedule: {{cron: \"{} 8 * * *\", time_zone: America/Guayaquil}}\nsteps:\n  - id: s\n    uses: core.set\n    with: {{}}\n",
                i % 60
            );
            let workflow = garita_engine::parse::parse_workflow("bench.yaml", &source, &[manifest()])
                .expect("bench workflow parses");
            LoadedWorkflow {
                workflow: Arc::new(workflow),
                source: Arc::from(source),
                path: format!("daily-{i}.yaml"),
            }
        })
        .collect()
}

/// A scheduler over `store` with [`SCHEDULES`] daily schedules, at [`now`].
pub async fn scheduler(store: Arc<SledStore>) -> (Scheduler, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(now()));
    let engine = Engine::new(
        store.clone(),
        Arc::new(Echo),
        clock.clone(),
        Arc::new(|p, s| garita_engine::parse::parse_workflow(p, s, &[manifest()])),
        EngineSettings::default(),
    );
    let states: Arc<dyn ScheduleStore> = store.clone();
    let mut scheduler =
        Scheduler::new(Arc::new(engine), states, SchedulerSettings::default()).with_events(store);
    scheduler.load(workflows()).await.expect("load");
    (scheduler, clock)
}

/// Mean µs of one tick over `ticks` ticks, after a warm-up tick that checks
/// nothing is due.
pub async fn idle_tick_us(scheduler: &mut Scheduler, ticks: u32) -> f64 {
    let work = scheduler.tick().await.expect("tick");
    assert!(work.is_empty(), "the bench expects an idle instant");
    let start = Instant::now();
    for _ in 0..ticks {
        let work = scheduler.tick().await.expect("tick");
        assert!(work.is_empty());
    }
    start.elapsed().as_secs_f64() * 1e6 / f64::from(ticks)
}

/// What a tick would cost if it looked at every unfinished run instead of
/// reading the timer index, in ms (estimated from a sample of 2,000 runs).
pub async fn scan_tick_ms(store: &SledStore, clock: &ManualClock) -> f64 {
    let start = Instant::now();
    let unfinished = store.unfinished_runs().await.expect("unfinished");
    let mut due = 0;
    for id in unfinished.iter().take(2_000) {
        if store
            .run(id)
            .await
            .expect("run")
            .and_then(|r| r.wake_at)
            .is_some_and(|w| w <= clock.now())
        {
            due += 1;
        }
    }
    assert_eq!(due, 0);
    let sampled = unfinished.len().min(2_000);
    start.elapsed().as_secs_f64() * 1e3 * unfinished.len() as f64 / sampled.max(1) as f64
}

/// Every account's CTPAT inactivity status from scratch.
pub struct Recompute {
    /// Accounts read.
    pub accounts: usize,
    /// Reading the inventory from the store, ms.
    pub read_ms: f64,
    /// Computing every status, ms.
    pub compute_ms: f64,
    /// Accounts per stage.
    pub stages: BTreeMap<String, usize>,
}

/// Reads the whole inventory and computes each account's status.
pub async fn recompute(store: &SledStore) -> Recompute {
    let today = now().date_naive();
    let config = ctpat::CtpatConfig::default();
    let start = Instant::now();
    let accounts = store
        .list_accounts(&AccountFilter::default())
        .await
        .expect("list accounts");
    let read_ms = start.elapsed().as_secs_f64() * 1e3;
    let start = Instant::now();
    let mut stages: BTreeMap<String, usize> = BTreeMap::new();
    for account in &accounts {
        if let Some(last) = account.last_sign_in {
            if let Some(status) = ctpat::inactivity_status(last, today, &config) {
                *stages.entry(format!("{:?}", status.stage)).or_default() += 1;
            }
        }
    }
    let compute_ms = start.elapsed().as_secs_f64() * 1e3;
    assert!(!stages.is_empty(), "some statuses were computed");
    Recompute {
        accounts: accounts.len(),
        read_ms,
        compute_ms,
        stages,
    }
}
