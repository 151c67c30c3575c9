//! The console at 10,000 accounts alone (the console rows of the report):
//! `cargo bench -p tests --bench console_load`. `GARITA_BENCH_CONSOLE_REQUESTS`
//! sets the timed requests per view (default 50); `GARITA_BENCH_BINARY=PATH`
//! measures another build of garita the same way.
//!
//! `GARITA_BENCH_CONSOLE_BACKEND=postgres` measures the console over
//! PostgreSQL instead of sled (`sled`, the default): the same accounts in a
//! database of a throwaway cluster the bench starts (PostgreSQL's `initdb`
//! and `pg_ctl` on `PATH` or in `/usr/lib/postgresql/*/bin`, or the server
//! `GARITA_TEST_POSTGRES_URL` names), the daemon pointed at it by `[store]
//! url`. The daemon's memory rows then leave out the server's own memory.

mod common;

use common::console_load::{
    console_load_on, ConsoleBackend, TARGET_CONSOLE_DAEMON_MIB, TARGET_PAGE_MS,
};
use common::stats::env_number;

/// Accounts in the store, as in the report.
const ACCOUNTS: usize = 10_000;

/// The store `GARITA_BENCH_CONSOLE_BACKEND` names: `sled` (or unset) or
/// `postgres`.
fn backend() -> ConsoleBackend {
    match std::env::var("GARITA_BENCH_CONSOLE_BACKEND").as_deref() {
        Err(_) | Ok("" | "sled") => ConsoleBackend::Sled,
        Ok("postgres" | "postgresql") => ConsoleBackend::Postgres,
        Ok(other) => panic!("GARITA_BENCH_CONSOLE_BACKEND={other}: say sled or postgres"),
    }
}

fn main() {
    let backend = backend();
    common::release::release_garita();
    let requests = env_number("GARITA_BENCH_CONSOLE_REQUESTS", 50).max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let figures = console_load_on(backend, &runtime, dir.path(), ACCOUNTS, requests);
    let store = match backend {
        ConsoleBackend::Sled => "sled",
        ConsoleBackend::Postgres => "PostgreSQL",
    };
    println!("store: {store}");
    println!(
        "store read of {} accounts in process: whole {:.1} ms, summaries {:.1} ms",
        figures.accounts, figures.whole_read_ms, figures.summary_read_ms
    );
    for page in &figures.pages {
        println!(
            "console {:<34} server median {:>6.2} ms, p95 {:>6.2} ms; client median {:>6.2} ms ({} requests), target median < {TARGET_PAGE_MS} ms",
            page.name, page.median_ms, page.p95_ms, page.client_median_ms, page.requests
        );
    }
    println!(
        "garita daemon with console, {} accounts: VmRSS idle {:.1} MiB before the load, {:.1} MiB after (peak {:.1}), target < {TARGET_CONSOLE_DAEMON_MIB} MiB",
        figures.accounts, figures.idle_before_mib, figures.idle_after_mib, figures.hwm_mib
    );
    println!(
        "  anonymous / file-backed: {:.1} / {:.1} MiB before, {:.1} / {:.1} MiB after",
        figures.split_before_mib.0,
        figures.split_before_mib.1,
        figures.split_after_mib.0,
        figures.split_after_mib.1
    );
    if backend == ConsoleBackend::Postgres {
        println!(
            "  (PostgreSQL: the daemon's memory only; the database server's own is not included)"
        );
    }
}
