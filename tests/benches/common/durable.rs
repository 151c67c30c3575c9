//! Durable step transitions per second, next to raw sled insert+flush per
//! second on the same disk with the same durability policy (sled flush +
//! fdatasync per commit).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use garita_engine::executor::{Engine, EngineSettings, WorkflowLoader};
use garita_engine::model::{RetryPolicy, Span, Step, StepKind, Workflow};
use garita_engine::{Diagnostic, Diagnostics, RunStatus, SystemClock};
use garita_store::{SledStore, StoreOptions};

use super::echo::Echo;

/// Target: one run's events/s over raw insert+flush/s.
pub const TARGET_RATIO: f64 = 0.5;

fn workflow(steps: usize, side_effects: bool) -> Workflow {
    Workflow {
        name: "bench".into(),
        description: None,
        locale: "es".into(),
        time_zone: "UTC".into(),
        inputs: vec![],
        triggers: vec![],
        steps: (0..steps)
            .map(|i| Step {
                id: format!("s{i}"),
                name: None,
                condition: None,
                kind: StepKind::Uses {
                    connector: "core".into(),
                    action: "set".into(),
                    with: serde_json::json!({"account": "ana.perez@example.com", "n": i, "note": "x".repeat(120)}),
                    // With side effects each step's start is made durable
                    // before the call, as for email; without, fast steps
                    // share their commits.
                    side_effects,
                },
                retry: RetryPolicy::default(),
                timeout: None,
                outputs: BTreeMap::new(),
                span: Span { line: 1, col: 1 },
            })
            .collect(),
        outputs: BTreeMap::new(),
    }
}

/// Raw sled, in the format of a new store (compressed pages): `n` inserts of
/// 200 bytes, each followed by flush and fdatasync; commits per second.
pub fn raw_sled(dir: &Path, n: usize) -> f64 {
    let db = garita_store::sled_config(dir)
        .expect("sled configuration")
        .cache_capacity(64 << 20)
        .open()
        .expect("open sled");
    let value = vec![b'x'; 200];
    let data_file = std::fs::File::open(dir.join("db")).expect("db file");
    let start = Instant::now();
    for i in 0..n {
        db.insert((i as u64).to_be_bytes(), value.as_slice())
            .expect("insert");
        db.flush().expect("flush");
        data_file.sync_data().expect("fdatasync");
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// What one engine measurement saw.
pub struct Measured {
    /// Run events made durable per second.
    pub events_per_sec: f64,
    /// Steps finished per second.
    pub steps_per_sec: f64,
    /// Events per store flush (group commit shares flushes).
    pub events_per_flush: f64,
}

/// Drives `runs` runs of `steps` steps each, all at once, on a fresh store in
/// `dir` with the default (power-loss) durability; the steps are declared
/// with side effects (the strict case).
pub async fn engine_runs(dir: &Path, runs: usize, steps: usize) -> Measured {
    engine_runs_of(dir, runs, steps, true).await
}

/// [`engine_runs`] with steps declared with or without side effects.
pub async fn engine_runs_of(dir: &Path, runs: usize, steps: usize, side_effects: bool) -> Measured {
    let store = Arc::new(SledStore::open(dir, StoreOptions::default()).expect("open store"));
    let wf = workflow(steps, side_effects);
    let source = serde_json::to_string(&wf).expect("serialize");
    let loader: WorkflowLoader = Arc::new(|path, source| {
        serde_json::from_str(source).map_err(|e| {
            Diagnostics(vec![Diagnostic::new(
                path,
                Span { line: 1, col: 1 },
                e.to_string(),
            )])
        })
    });
    let engine = Arc::new(Engine::new(
        store.clone(),
        Arc::new(Echo),
        Arc::new(SystemClock),
        loader,
        EngineSettings::default(),
    ));
    let mut ids = Vec::new();
    for _ in 0..runs {
        ids.push(
            engine
                .start(&wf, &source, "bench", &BTreeMap::new())
                .await
                .expect("start"),
        );
    }
    let flushes_before = store.flush_count();
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for id in ids.clone() {
        let engine = engine.clone();
        tasks.spawn(async move { engine.drive(&id).await.expect("drive") });
    }
    while let Some(status) = tasks.join_next().await {
        assert_eq!(status.expect("join"), RunStatus::Succeeded);
    }
    let elapsed = start.elapsed().as_secs_f64();
    let flushes = (store.flush_count() - flushes_before).max(1) as f64;
    // Per step: StepStarted + StepSucceeded; per run: RunSucceeded.
    let events = (runs * (2 * steps + 1)) as f64;
    Measured {
        events_per_sec: events / elapsed,
        steps_per_sec: (runs * steps) as f64 / elapsed,
        events_per_flush: events / flushes,
    }
}
