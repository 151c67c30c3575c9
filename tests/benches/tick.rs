//! The daemon's idle cost and the inventory's full recomputation, at
//! 100,000 accounts.
//!
//! The store holds 100,000 CTPAT accounts (indexed by deactivation date) and
//! 100,000 waiting runs, one per account deadline (timers spread over the
//! next 45 days), and the scheduler has 20 daily schedules. It measures:
//!
//! 1. one scheduler tick with nothing due (target: under 1 ms), next to a
//!    tick that would scan every unfinished run instead of the timer index;
//! 2. every account's CTPAT inactivity status from scratch: read the whole
//!    inventory from the store and compute each status (target: under 1 s).
//!
//! `cargo bench -p tests --bench tick` (GARITA_BENCH_ACCOUNTS changes the size).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use garita_engine::account::{
    Account, AccountFilter, AccountStore, AccountUpdate, ChangeMeta, Company, Holder,
};
use garita_engine::executor::{Engine, EngineSettings};
use garita_engine::run::{RunEvent, RunRecord, RunStatus};
use garita_engine::schedule::{LoadedWorkflow, ScheduleStore, Scheduler, SchedulerSettings};
use garita_engine::{Clock, Connectors, ManualClock, Store};
use garita_sdk::{ActionError, ActionSpec, InvokeContext, Manifest};
use garita_store::{Durability, SledStore, StoreOptions};
use serde_json::{json, Value};

const TICKS: u32 = 2_000;
const SCHEDULES: usize = 20;

struct Idle;

#[async_trait]
impl Connectors for Idle {
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
    Manifest::new("core", "1.0.0", "bench").action(ActionSpec::new("set", "echo"))
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T10:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .expect("valid instant")
}

fn account(i: usize, today: NaiveDate) -> Account {
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
    let last = today - TimeDelta::days((i % 60) as i64);
    account.last_sign_in = Some(last);
    account.deactivates_on = Some(last + TimeDelta::days(46));
    account
}

async fn fill_accounts(store: &SledStore, n: usize, today: NaiveDate) {
    let meta = ChangeMeta {
        by: "bench".into(),
        at: now(),
    };
    let all: Vec<usize> = (0..n).collect();
    for chunk in all.chunks(2_000) {
        let updates: Vec<AccountUpdate> = chunk
            .iter()
            .map(|&i| AccountUpdate {
                account: account(i, today),
                reason: "import".into(),
            })
            .collect();
        store
            .upsert_accounts(&updates, &meta, None)
            .await
            .expect("upsert");
    }
}

async fn fill_timers(store: Arc<SledStore>, n: usize) {
    let workers = 64;
    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..workers {
        let store = store.clone();
        tasks.spawn(async move {
            for i in (w..n).step_by(workers) {
                let created = now() - TimeDelta::days(1);
                // One deadline per account, spread over the next 45 days.
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
            LoadedWorkflow { workflow: Arc::new(workflow), source: Arc::from(source), path: format!("daily-{i}.yaml") }
        })
        .collect()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: usize = std::env::var("GARITA_BENCH_ACCOUNTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let options = StoreOptions {
        durability: Durability::ProcessCrash,
        ..StoreOptions::default()
    };
    let store = Arc::new(SledStore::open(dir.path(), options).expect("open store"));
    let today = now().date_naive();

    let t = Instant::now();
    fill_accounts(&store, n, today).await;
    fill_timers(store.clone(), n).await;
    println!(
        "setup: {n} accounts and {n} waiting runs with timers in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let clock = Arc::new(ManualClock::new(now()));
    let engine = Engine::new(
        store.clone(),
        Arc::new(Idle),
        clock.clone(),
        Arc::new(|p, s| garita_engine::parse::parse_workflow(p, s, &[manifest()])),
        EngineSettings::default(),
    );
    let states: Arc<dyn ScheduleStore> = store.clone();
    let mut scheduler = Scheduler::new(Arc::new(engine), states, SchedulerSettings::default())
        .with_events(store.clone());
    scheduler.load(workflows()).await.expect("load");

    // Warm up, and check that nothing is due at this instant.
    let work = scheduler.tick().await.expect("tick");
    assert!(work.is_empty(), "the bench expects an idle instant");

    let t = Instant::now();
    for _ in 0..TICKS {
        let work = scheduler.tick().await.expect("tick");
        assert!(work.is_empty());
    }
    let tick = t.elapsed().as_secs_f64() / f64::from(TICKS);
    let next = scheduler.next_due().await.expect("next due");

    // What a tick would cost if it looked at every unfinished run instead of
    // reading the timer index.
    let t = Instant::now();
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
    let sampled = unfinished.len().min(2_000);
    let scan = t.elapsed().as_secs_f64() * unfinished.len() as f64 / sampled.max(1) as f64;
    assert_eq!(due, 0);

    println!();
    println!("tick with nothing due ({n} timers, {n} accounts, {SCHEDULES} schedules): {:.1} µs per tick (target < 1000 µs: {:.0}x under)",
        tick * 1e6, 1e-3 / tick);
    println!(
        "  next due: {}",
        next.map(|t| t.to_rfc3339()).unwrap_or_default()
    );
    println!("  a tick scanning every unfinished run instead would take ~{:.0} ms ({:.0}x the indexed tick)", scan * 1e3, scan / tick);

    // Every account's status from scratch: read the inventory, compute each.
    let config = ctpat::CtpatConfig::default();
    let t = Instant::now();
    let accounts = store
        .list_accounts(&AccountFilter::default())
        .await
        .expect("list accounts");
    let read = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut stages: BTreeMap<String, usize> = BTreeMap::new();
    for account in &accounts {
        if let Some(last) = account.last_sign_in {
            if let Some(status) = ctpat::inactivity_status(last, today, &config) {
                *stages.entry(format!("{:?}", status.stage)).or_default() += 1;
            }
        }
    }
    let compute = t.elapsed().as_secs_f64();
    let total = read + compute;
    println!();
    println!("status of every account from scratch ({} accounts): {:.0} ms (target < 1000 ms: {:.1}x under)",
        accounts.len(), total * 1e3, 1.0 / total);
    println!(
        "  reading the inventory: {:.0} ms; computing the statuses: {:.1} ms",
        read * 1e3,
        compute * 1e3
    );
    println!("  stages: {stages:?}");
}
