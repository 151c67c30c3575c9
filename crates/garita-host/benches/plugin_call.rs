//! Cost of one call of `core.set` (about 200 bytes of input) through the
//! host: the linked built-in against the same connector loaded from its
//! cdylib (built with the bench profile, as this binary is). Prints both,
//! and the ratio (target: dynamic ≤ 1.3 × static).
//! Also prints the bare `Connector::invoke` costs, without the host, to show
//! what the C ABI and its JSON round trip cost on their own.
//!
//! Run: `cargo bench -p garita-host --bench plugin_call`
//! (`GARITA_BENCH_ROUNDS` sets the rounds, default 41). With
//! `GARITA_BENCH_BINARY=PATH` (a `garita` binary) it also measures the
//! same calls served by a worker process, as the report does.
//!
//! For a profiler, `GARITA_BENCH_ONLY=host-static|host-dynamic|bare-static|bare-dynamic`
//! runs just that variant for `GARITA_BENCH_CALLS` calls (default 10,000) in
//! `host_calls`/`bare_calls`, e.g. with the library prebuilt:
//! `GARITA_BENCH_CORE_LIB=target/release/libgarita_core.so GARITA_BENCH_ONLY=bare-dynamic
//! valgrind --tool=callgrind --toggle-collect='*bare_calls*' target/release/deps/plugin_call-HASH`

#[path = "support/plugin_calls.rs"]
#[allow(dead_code)]
mod plugin_calls;

use plugin_calls::{fastest, Comparison, Fixture};

fn main() {
    let fixture = Fixture::new();
    if let Ok(only) = std::env::var("GARITA_BENCH_ONLY") {
        profile_one(&fixture, &only);
        return;
    }
    let rounds = std::env::var("GARITA_BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(41);
    println!(
        "input: {} bytes of JSON; {rounds} alternating rounds × {} calls each",
        plugin_calls::sample_input().to_string().len(),
        plugin_calls::CALLS_PER_ROUND
    );
    report(
        "through the host (Connectors::invoke: schema checks, blocking pool, panic guard)",
        &plugin_calls::compare_through_host(&fixture, rounds),
    );
    report(
        "bare Connector::invoke (no host)",
        &plugin_calls::compare_bare(&fixture, rounds),
    );
    // The worker needs a `garita` binary (the report bench builds one).
    if let Some(program) = std::env::var_os("GARITA_BENCH_BINARY") {
        let worker = plugin_calls::worker_host(&fixture, std::path::Path::new(&program));
        let isolated = plugin_calls::compare_worker(&fixture, &worker, rounds);
        println!(
            "in a worker process: {:.1} µs per call against {:.1} µs in process (medians): {:.1} µs added (target <= 100)",
            isolated.second_median_us(),
            isolated.first_median_us(),
            isolated.added_us()
        );
    }
}

/// Runs one variant alone, for a profiler.
fn profile_one(fixture: &Fixture, only: &str) {
    let calls = std::env::var("GARITA_BENCH_CALLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let input = plugin_calls::sample_input();
    let elapsed = match only {
        "host-static" => plugin_calls::host_calls(&fixture.runtime, &fixture.linked, &input, calls),
        "host-dynamic" => {
            plugin_calls::host_calls(&fixture.runtime, &fixture.dynamic, &input, calls)
        }
        "bare-static" => plugin_calls::bare_calls(&garita_core::Core, &input, calls),
        "bare-dynamic" => plugin_calls::bare_calls(&fixture.library, &input, calls),
        other => panic!(
            "GARITA_BENCH_ONLY={other}: expected host-static, host-dynamic, bare-static or bare-dynamic"
        ),
    };
    println!(
        "{only}: {calls} calls, {:.2} µs per call",
        elapsed.as_secs_f64() * 1e6 / f64::from(calls)
    );
}

/// Prints median and fastest per-call times and the paired ratio.
fn report(label: &str, comparison: &Comparison) {
    println!("{label}:");
    println!("                             median      fastest round");
    println!(
        "  static (linked built-in): {:>9.2} µs  {:>9.2} µs per call",
        comparison.first_median_us(),
        fastest(&comparison.first)
    );
    println!(
        "  dynamic (cdylib via ABI): {:>9.2} µs  {:>9.2} µs per call",
        comparison.second_median_us(),
        fastest(&comparison.second)
    );
    println!(
        "  ratio dynamic/static:     {:>9.2}     (median of {} paired rounds)",
        comparison.paired_ratio(),
        comparison.first.len()
    );
}
