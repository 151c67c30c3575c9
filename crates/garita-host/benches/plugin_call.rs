//! Cost of one call of `core.set` (about 200 bytes of input) through the
//! host: the linked built-in against the same connector loaded from its
//! release cdylib. Prints both, and the ratio (target: dynamic ≤ 1.3 × static).
//! Also prints the bare `Connector::invoke` costs, without the host, to show
//! what the C ABI and its JSON round trip cost on their own.
//!
//! Run: `cargo bench -p garita-host --bench plugin_call`

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

const WARMUP_ROUNDS: usize = 3;
const CALLS_PER_ROUND: u32 = 1_000;
/// Many short rounds, alternating between the two variants, so that load from
/// other processes hits both alike; the median round is the estimate.
const ROUNDS: usize = 41;

fn main() {
    let library = build_release_core();
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).expect("chmod");
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

    let input = sample_input();
    println!(
        "input: {} bytes of JSON; {ROUNDS} alternating rounds × {CALLS_PER_ROUND} calls each",
        input.to_string().len()
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let via_host = |host: &PluginHost| {
        runtime.block_on(async {
            let start = Instant::now();
            for _ in 0..CALLS_PER_ROUND {
                let output = host
                    .invoke("core", "set", InvokeContext::for_test(), input.clone())
                    .await;
                black_box(output.expect("core.set succeeds"));
            }
            start.elapsed()
        })
    };
    let through_host = compare(|| via_host(&linked), || via_host(&dynamic));
    report(
        "through the host (spawn_blocking, schema checks)",
        &through_host,
    );

    let plugin = PluginLibrary::load(&installed).expect("load the core cdylib");
    let bare = |connector: &dyn Connector| {
        let ctx = InvokeContext::for_test();
        let start = Instant::now();
        for _ in 0..CALLS_PER_ROUND {
            black_box(
                connector
                    .invoke(&ctx, "set", input.clone())
                    .expect("core.set succeeds"),
            );
        }
        start.elapsed()
    };
    let bare_calls = compare(|| bare(&garita_core::Core), || bare(&plugin));
    report("bare Connector::invoke (no host)", &bare_calls);
}

/// About 200 bytes, shaped like a real step input.
fn sample_input() -> Value {
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

/// Per-call times of the two variants, from rounds run back to back.
struct Comparison {
    first: Vec<Duration>,
    second: Vec<Duration>,
}

/// Alternates rounds of the two closures after a warm-up.
fn compare(
    mut first: impl FnMut() -> Duration,
    mut second: impl FnMut() -> Duration,
) -> Comparison {
    for _ in 0..WARMUP_ROUNDS {
        first();
        second();
    }
    let mut comparison = Comparison {
        first: Vec::with_capacity(ROUNDS),
        second: Vec::with_capacity(ROUNDS),
    };
    for _ in 0..ROUNDS {
        comparison.first.push(first() / CALLS_PER_ROUND);
        comparison.second.push(second() / CALLS_PER_ROUND);
    }
    comparison
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Prints median and fastest per-call times and the ratio. The ratio is the
/// median of the ratios of adjacent rounds: two rounds run back to back see
/// the same load from other processes, so their ratio is steadier than a
/// ratio of two medians on a busy machine.
fn report(label: &str, comparison: &Comparison) {
    let micros = |rounds: &[Duration]| {
        rounds
            .iter()
            .map(|d| d.as_secs_f64() * 1e6)
            .collect::<Vec<_>>()
    };
    let (linked, dynamic) = (micros(&comparison.first), micros(&comparison.second));
    let fastest = |values: &[f64]| values.iter().copied().fold(f64::INFINITY, f64::min);
    let paired: Vec<f64> = dynamic.iter().zip(&linked).map(|(d, s)| d / s).collect();
    println!("{label}:                 median      fastest round");
    println!(
        "  static (linked built-in): {:>9.2} µs  {:>9.2} µs per call",
        median(linked.clone()),
        fastest(&linked)
    );
    println!(
        "  dynamic (cdylib via ABI): {:>9.2} µs  {:>9.2} µs per call",
        median(dynamic.clone()),
        fastest(&dynamic)
    );
    println!(
        "  ratio dynamic/static:     {:>9.2}     (median of {} paired rounds)",
        median(paired),
        linked.len()
    );
}

/// Builds `libgarita_core` as a release plugin and returns its path.
fn build_release_core() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "--release",
            "-p",
            "garita-core",
            "--features",
            "cdylib",
        ])
        .current_dir(&root)
        .status()
        .expect("run cargo");
    assert!(status.success(), "building the release core cdylib failed");
    // A relative CARGO_TARGET_DIR is relative to where cargo started: the root.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), |dir| root.join(dir));
    target
        .join("release")
        .join(format!("libgarita_core.{LIBRARY_EXTENSION}"))
}
