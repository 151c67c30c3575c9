//! The measurement behind `plugin_call` (garita-host) and the plugin row of
//! the one-table report (`cargo bench -p tests --bench report`): the same
//! action, `core.set` with about 200 bytes of input, called through the
//! engine's `Connectors` interface of a `PluginHost` that has it linked in
//! (static) and of one that loaded it from its cdylib (dynamic), both built
//! with the `bench` profile.
//! Both go through the same path: input schema check, blocking-pool hop,
//! panic guard, output schema check.

use std::hint::black_box;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use garita_engine::Connectors;
use garita_host::{HostConfig, PluginHost, PluginLibrary, LIBRARY_EXTENSION};
use garita_sdk::{Connector, InvokeContext};
use serde_json::{json, Value};

/// Calls per timed round.
pub const CALLS_PER_ROUND: u32 = 1_000;
/// Rounds run before timing, alternating, to warm caches and thread pools.
pub const WARMUP_ROUNDS: usize = 3;

/// The two hosts, the bare library, and the runtime the engine would use.
pub struct Fixture {
    /// `core` linked in.
    pub linked: PluginHost,
    /// `core` loaded from its cdylib.
    pub dynamic: PluginHost,
    /// The same cdylib loaded on its own, for bare `Connector::invoke` calls.
    pub library: PluginLibrary,
    /// Two workers, as `garita` runs.
    pub runtime: tokio::runtime::Runtime,
    /// The installed copy of the cdylib (for a host that runs it in workers).
    pub installed: PathBuf,
    /// Keeps the installed copy of the library (never unloaded) in place.
    _dir: tempfile::TempDir,
}

impl Fixture {
    /// Builds the cdylib (or takes `GARITA_BENCH_CORE_LIB`, so a
    /// profiler run does not trace cargo) and loads it into a private,
    /// owner-only directory as the host requires.
    pub fn new() -> Self {
        let library = std::env::var_os("GARITA_BENCH_CORE_LIB")
            .map_or_else(build_release_core, PathBuf::from);
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
            .expect("chmod the temp dir");
        let installed = dir.path().join(library.file_name().expect("file name"));
        std::fs::copy(&library, &installed).expect("copy the cdylib");

        let mut linked = PluginHost::new(HostConfig::empty());
        linked
            .register_builtin(Arc::new(garita_core::Core))
            .expect("register core");
        let mut dynamic = PluginHost::new(HostConfig::empty());
        dynamic
            .load_library(&installed)
            .expect("load the core cdylib");
        let library = PluginLibrary::load(&installed).expect("load the core cdylib");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        Self {
            linked,
            dynamic,
            library,
            runtime,
            installed,
            _dir: dir,
        }
    }
}

impl Default for Fixture {
    fn default() -> Self {
        Self::new()
    }
}

/// About 200 bytes, shaped like a real step input.
pub fn sample_input() -> Value {
    json!({
        "account": "ctpat-0042",
        "holder": "María Fernanda Quispe",
        "email": "compliance@example.com",
        "portal": "CTPAT",
        "last_sign_in": "2026-01-15",
        "days_inactive": 44,
        "tags": ["oea", "annual-review"]
    })
}

/// `calls` calls through the engine's interface; the elapsed time.
#[inline(never)]
pub fn host_calls(
    runtime: &tokio::runtime::Runtime,
    host: &PluginHost,
    input: &Value,
    calls: u32,
) -> Duration {
    runtime.block_on(async {
        let start = Instant::now();
        for _ in 0..calls {
            let output = Connectors::invoke(
                host,
                "core",
                "set",
                InvokeContext::for_test(),
                input.clone(),
            )
            .await;
            black_box(output.expect("core.set succeeds"));
        }
        start.elapsed()
    })
}

/// `calls` bare `Connector::invoke` calls, no host around them.
#[inline(never)]
pub fn bare_calls(connector: &dyn Connector, input: &Value, calls: u32) -> Duration {
    let ctx = InvokeContext::for_test();
    let start = Instant::now();
    for _ in 0..calls {
        black_box(
            connector
                .invoke(&ctx, "set", input.clone())
                .expect("core.set succeeds"),
        );
    }
    start.elapsed()
}

/// Per-call times of two variants, from rounds run back to back.
pub struct Comparison {
    /// The first variant (static), one entry per round.
    pub first: Vec<Duration>,
    /// The second variant (dynamic), one entry per round.
    pub second: Vec<Duration>,
}

impl Comparison {
    /// Median per-call time of the first variant, in µs.
    pub fn first_median_us(&self) -> f64 {
        median(micros(&self.first))
    }

    /// Median per-call time of the second variant, in µs.
    pub fn second_median_us(&self) -> f64 {
        median(micros(&self.second))
    }

    /// What the second variant adds to a call, in µs: the difference of the
    /// medians (a worker's added time; a ratio would grow as the in-process
    /// call shrinks, while the cost of crossing to a process does not).
    pub fn added_us(&self) -> f64 {
        self.second_median_us() - self.first_median_us()
    }

    /// The median of the ratios second/first of adjacent rounds: two rounds
    /// run back to back see the same load from other processes, so their
    /// ratio is steadier than a ratio of two medians on a busy machine.
    pub fn paired_ratio(&self) -> f64 {
        median(
            self.second
                .iter()
                .zip(&self.first)
                .map(|(d, s)| d.as_secs_f64() / s.as_secs_f64())
                .collect(),
        )
    }
}

/// Alternates `rounds` rounds of the two closures (each returning the time of
/// [`CALLS_PER_ROUND`] calls) after a warm-up; which one goes first
/// alternates too, so neither always runs on a cache warmed by the other.
pub fn compare(
    rounds: usize,
    mut first: impl FnMut() -> Duration,
    mut second: impl FnMut() -> Duration,
) -> Comparison {
    for _ in 0..WARMUP_ROUNDS {
        first();
        second();
    }
    let mut comparison = Comparison {
        first: Vec::with_capacity(rounds),
        second: Vec::with_capacity(rounds),
    };
    for round in 0..rounds {
        let (a, b) = if round % 2 == 0 {
            let a = first();
            (a, second())
        } else {
            let b = second();
            (first(), b)
        };
        comparison.first.push(a / CALLS_PER_ROUND);
        comparison.second.push(b / CALLS_PER_ROUND);
    }
    comparison
}

/// Static against dynamic through the host, as the engine calls them.
pub fn compare_through_host(fixture: &Fixture, rounds: usize) -> Comparison {
    let input = sample_input();
    compare(
        rounds,
        || host_calls(&fixture.runtime, &fixture.linked, &input, CALLS_PER_ROUND),
        || host_calls(&fixture.runtime, &fixture.dynamic, &input, CALLS_PER_ROUND),
    )
}

/// A host that runs the cdylib in worker processes of `program` (the
/// `garita` binary), as garita runs every plugin not pinned in process.
pub fn worker_host(fixture: &Fixture, program: &Path) -> PluginHost {
    let mut host = PluginHost::new(HostConfig::empty());
    host.run_libraries_in_workers(program.to_path_buf());
    host.load_library(&fixture.installed)
        .expect("load the core cdylib in a worker");
    host
}

/// The cdylib in process against the same cdylib in a worker process,
/// through the host: what isolation costs per call.
pub fn compare_worker(fixture: &Fixture, worker: &PluginHost, rounds: usize) -> Comparison {
    let input = sample_input();
    compare(
        rounds,
        || host_calls(&fixture.runtime, &fixture.dynamic, &input, CALLS_PER_ROUND),
        || host_calls(&fixture.runtime, worker, &input, CALLS_PER_ROUND),
    )
}

/// Static against dynamic without the host: what the C ABI costs alone.
pub fn compare_bare(fixture: &Fixture, rounds: usize) -> Comparison {
    let input = sample_input();
    compare(
        rounds,
        || bare_calls(&garita_core::Core, &input, CALLS_PER_ROUND),
        || bare_calls(&fixture.library, &input, CALLS_PER_ROUND),
    )
}

fn micros(rounds: &[Duration]) -> Vec<f64> {
    rounds.iter().map(|d| d.as_secs_f64() * 1e6).collect()
}

/// The median (upper median for an even count); NaN for no values.
pub fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The fastest value.
pub fn fastest(values: &[Duration]) -> f64 {
    micros(values).into_iter().fold(f64::INFINITY, f64::min)
}

/// Builds `libgarita_core` as a plugin with the `bench` profile (the one
/// this benchmark is built with: without the release profile's LTO, so
/// the two sides of the comparison are compiled alike) and returns its path.
pub fn build_release_core() -> PathBuf {
    // The workspace root: the nearest folder up with the lock file (this
    // file is compiled into benches of two packages at different depths).
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .find(|dir| dir.join("Cargo.lock").is_file())
        .expect("the workspace root has Cargo.lock")
        .to_path_buf();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "--profile",
            "bench",
            "-p",
            "garita-core",
            "--features",
            "cdylib",
        ])
        .current_dir(&root)
        .status()
        .expect("run cargo");
    assert!(status.success(), "building the core cdylib failed");
    // A relative CARGO_TARGET_DIR is relative to where cargo started: the root.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), |dir| root.join(dir));
    // Cargo puts the `bench` profile's output in `release/`.
    target
        .join("release")
        .join(format!("libgarita_core.{LIBRARY_EXTENSION}"))
}
