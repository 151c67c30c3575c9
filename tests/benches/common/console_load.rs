//! The console at 10,000 accounts: the release `garita daemon` serving
//! `[web] listen` on a loopback port over a store of quiet CTPAT accounts,
//! an officer signed in through the form, and a bounded number of requests
//! to Inicio and Cuentas (page 1, a filtered view, a search, a late page).
//!
//! The store is a sled folder ([`console_load`]) or, with
//! [`ConsoleBackend::Postgres`], a database of a throwaway PostgreSQL
//! cluster this process starts (`garita_store_postgres::test_cluster`, or
//! the server `GARITA_TEST_POSTGRES_URL` names) that the daemon finds as
//! `[store] url` in its configuration file. The accounts, the views and the
//! checks on the answers are the same. With PostgreSQL the daemon's
//! resident memory leaves out the server's.
//!
//! The time of a page is the server's: the console says it in a
//! `Server-Timing: app;dur=MS` header (routes to rendered page); the
//! client's time on loopback (connect, request, whole answer read) is kept
//! beside it. Resident memory is sampled idle before the load and again
//! once the load is over and the daemon is idle again.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use garita_engine::account::{AccountFilter, AccountStore};
use garita_store::{SledStore, StoreOptions};
use garita_store_postgres::test_cluster::TestDb;
use garita_store_postgres::PostgresStore;

use super::process::status_kib;
use super::release::{garita, garita_in, root};
use super::stats::median;

/// Target median server time of a console page, ms (issue 19).
pub const TARGET_PAGE_MS: f64 = 50.0;
/// Target resident memory of the idle daemon with the console, MiB.
pub const TARGET_CONSOLE_DAEMON_MIB: f64 = 30.0;

const OFFICER: &str = "bench@example.com";
const PASSWORD: &str = "una contraseña de banco";

/// One view of the console, as requested.
struct View {
    name: &'static str,
    /// `None`: `GET /`; otherwise the fields of the Cuentas filter form.
    cuentas: Option<&'static [(&'static str, &'static str)]>,
    /// A text the answer must hold (it rendered what was asked).
    expect: &'static str,
}

const VIEWS: [View; 5] = [
    View {
        name: "Inicio",
        cuentas: None,
        expect: "<svg",
    },
    View {
        name: "Cuentas, page 1",
        cuentas: Some(&[]),
        expect: "user",
    },
    View {
        name: "Cuentas, company + 30-day window",
        cuentas: Some(&[("company", "Importadora 42"), ("within", "30")]),
        expect: "Importadora 42",
    },
    View {
        name: "Cuentas, search",
        cuentas: Some(&[("q", "usuario 77")]),
        expect: "Usuario 77",
    },
    View {
        name: "Cuentas, page 150",
        cuentas: Some(&[("page", "150")]),
        expect: "user",
    },
];

/// The times of one view.
pub struct PageFigures {
    /// What was asked.
    pub name: &'static str,
    /// Median of the server's own time, ms.
    pub median_ms: f64,
    /// 95th percentile of the server's time, ms.
    pub p95_ms: f64,
    /// Median client time on loopback, ms.
    pub client_median_ms: f64,
    /// Requests timed.
    pub requests: usize,
}

/// What the load measured.
pub struct ConsoleFigures {
    /// One per view.
    pub pages: Vec<PageFigures>,
    /// Median VmRSS idle before any request, MiB.
    pub idle_before_mib: f64,
    /// Median VmRSS idle after the load, MiB.
    pub idle_after_mib: f64,
    /// VmHWM (peak) at the end, MiB.
    pub hwm_mib: f64,
    /// Anonymous and file-backed resident memory idle before the load
    /// and after it (`RssAnon`, `RssFile`), MiB: where the difference is.
    pub split_before_mib: (f64, f64),
    /// As `split_before_mib`, after the load.
    pub split_after_mib: (f64, f64),
    /// Reading every account whole from the store in process, ms (what a
    /// page cost before summaries), for comparison.
    pub whole_read_ms: f64,
    /// Reading every account's summary the same way, ms.
    pub summary_read_ms: f64,
    /// Accounts in the store.
    pub accounts: usize,
}

/// The store the console is measured over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsoleBackend {
    /// A sled folder, which the daemon opens alone (`--store DIR`).
    Sled,
    /// A fresh database of a throwaway PostgreSQL cluster, named by
    /// `[store] url` in the daemon's configuration file.
    Postgres,
}

/// A filled store and how to run `garita` on it.
struct Prepared {
    /// `--store DIR` (sled); `None`: the configuration names the store.
    store_dir: Option<PathBuf>,
    /// The benchmark's folder, where a command without `--store` starts.
    dir: PathBuf,
    /// The configuration file: `[web]`, and `[store]` for PostgreSQL.
    config: PathBuf,
    /// See [`ConsoleFigures::whole_read_ms`].
    whole_read_ms: f64,
    /// See [`ConsoleFigures::summary_read_ms`].
    summary_read_ms: f64,
    /// The PostgreSQL database, dropped with this (after the daemon).
    _database: Option<TestDb>,
}

impl Prepared {
    /// A release `garita --config CONFIG` command on the store.
    fn garita(&self) -> Command {
        let mut command = match &self.store_dir {
            Some(store) => garita(store),
            None => garita_in(&self.dir),
        };
        command.arg("--config").arg(&self.config);
        command
    }
}

/// Fills a sled store with `accounts` quiet accounts, starts the release
/// daemon with the console on a loopback port, signs in, and times
/// `requests` answers of each view (after two untimed ones), the views
/// interleaved.
pub fn console_load(
    runtime: &tokio::runtime::Runtime,
    dir: &Path,
    accounts: usize,
    requests: usize,
) -> ConsoleFigures {
    console_load_on(ConsoleBackend::Sled, runtime, dir, accounts, requests)
}

/// [`console_load`] over the store `backend` says.
pub fn console_load_on(
    backend: ConsoleBackend,
    runtime: &tokio::runtime::Runtime,
    dir: &Path,
    accounts: usize,
    requests: usize,
) -> ConsoleFigures {
    let address = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port");
    let web = format!("[web]\nlisten = \"{address}\"\n");
    let prepared = match backend {
        ConsoleBackend::Sled => prepare_sled(runtime, dir, accounts, &web),
        ConsoleBackend::Postgres => prepare_postgres(runtime, dir, accounts, &web),
    };
    let (whole_read_ms, summary_read_ms) = (prepared.whole_read_ms, prepared.summary_read_ms);
    add_officer(&prepared);
    let mut daemon = Daemon(
        prepared
            .garita()
            .arg("daemon")
            .arg("--workflows")
            .arg(root().join("workflows"))
            .env("GARITA_NOW", super::inventory::now().to_rfc3339())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("garita daemon starts"),
    );
    wait_for_console(address, &mut daemon.0);
    let status_path = format!("/proc/{}/status", daemon.0.id());
    // Settled as the idle daemon's row lets it settle.
    std::thread::sleep(Duration::from_secs(3));
    let idle_before_mib = median(rss_samples(&status_path, 10));
    let split_before_mib = rss_split(&status_path);

    let cookie = sign_in(address);
    let home = request(address, "GET", "/", Some(&cookie), None);
    assert_eq!(home.status, 200, "Inicio answers: {}", home.body);
    let csrf = field(&home.body, "csrf");
    let mut server: Vec<Vec<f64>> = vec![Vec::new(); VIEWS.len()];
    let mut client: Vec<Vec<f64>> = vec![Vec::new(); VIEWS.len()];
    for round in 0..requests + 2 {
        for (i, view) in VIEWS.iter().enumerate() {
            let started = Instant::now();
            let answer = match view.cuentas {
                None => request(address, "GET", "/", Some(&cookie), None),
                Some(fields) => {
                    let mut form = vec![("csrf", csrf.as_str())];
                    form.extend(fields.iter().copied());
                    request(address, "POST", "/cuentas", Some(&cookie), Some(&form))
                }
            };
            let client_ms = started.elapsed().as_secs_f64() * 1e3;
            assert_eq!(answer.status, 200, "{}: {}", view.name, answer.body);
            assert!(
                answer.body.contains(view.expect),
                "{} shows {:?}",
                view.name,
                view.expect
            );
            let server_ms = answer
                .header("server-timing")
                .and_then(|t| t.split("dur=").nth(1))
                .and_then(|ms| ms.trim().parse::<f64>().ok())
                .expect("the console says its time in Server-Timing");
            if round >= 2 {
                server[i].push(server_ms);
                client[i].push(client_ms);
            }
        }
    }
    // Idle again: the answers' buffers are returned, nothing is due.
    std::thread::sleep(Duration::from_secs(2));
    let idle_after_mib = median(rss_samples(&status_path, 10));
    let split_after_mib = rss_split(&status_path);
    let status = std::fs::read_to_string(&status_path).expect("read /proc status");
    let hwm_mib = status_kib(&status, "VmHWM:") / 1024.0;
    assert!(
        daemon.0.try_wait().expect("wait").is_none(),
        "the daemon exited during the load"
    );
    let pages = VIEWS
        .iter()
        .zip(server.into_iter().zip(client))
        .map(|(view, (server, client))| PageFigures {
            name: view.name,
            requests: server.len(),
            p95_ms: percentile(&server, 0.95),
            median_ms: median(server),
            client_median_ms: median(client),
        })
        .collect();
    ConsoleFigures {
        pages,
        idle_before_mib,
        idle_after_mib,
        hwm_mib,
        split_before_mib,
        split_after_mib,
        whole_read_ms,
        summary_read_ms,
        accounts,
    }
}

/// A sled store in `dir`, filled and closed again.
fn prepare_sled(
    runtime: &tokio::runtime::Runtime,
    dir: &Path,
    accounts: usize,
    web: &str,
) -> Prepared {
    let store_dir = dir.join("console-store");
    let (whole_read_ms, summary_read_ms) = runtime.block_on(async {
        let store = SledStore::open(&store_dir, StoreOptions::default()).expect("open store");
        super::inventory::fill_quiet_accounts(&store, accounts).await;
        store_reads(&store, accounts).await
        // Dropped here: the daemon opens the store alone.
    });
    let config = dir.join("console.toml");
    std::fs::write(&config, web).expect("write config");
    Prepared {
        store_dir: Some(store_dir),
        dir: dir.to_path_buf(),
        config,
        whole_read_ms,
        summary_read_ms,
        _database: None,
    }
}

/// A new database of the test cluster, filled, and a configuration whose
/// `[store] url` names it (`path`, the local folder, in `dir`).
fn prepare_postgres(
    runtime: &tokio::runtime::Runtime,
    dir: &Path,
    accounts: usize,
    web: &str,
) -> Prepared {
    let (database, (whole_read_ms, summary_read_ms)) = runtime.block_on(async {
        let database = TestDb::create().await;
        let store = PostgresStore::connect(&database.url)
            .await
            .unwrap_or_else(|e| panic!("connecting to {}: {e}", database.url));
        super::inventory::fill_quiet_accounts(&store, accounts).await;
        let reads = store_reads(&store, accounts).await;
        // The daemon has connections of its own.
        store.close().await;
        (database, reads)
    });
    let local = dir.join("console-local");
    let config = dir.join("console.toml");
    let store = format!(
        "[store]\nurl = {:?}\npath = {:?}\n\n",
        database.url,
        local.display().to_string()
    );
    std::fs::write(&config, format!("{store}{web}")).expect("write config");
    Prepared {
        store_dir: None,
        dir: dir.to_path_buf(),
        config,
        whole_read_ms,
        summary_read_ms,
        _database: Some(database),
    }
}

/// Median ms of reading every account whole, and as summaries (5 each).
async fn store_reads(store: &impl AccountStore, accounts: usize) -> (f64, f64) {
    let all = AccountFilter::default();
    let (mut whole, mut summaries) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let started = Instant::now();
        let read = store.list_accounts(&all).await.expect("list");
        whole.push(started.elapsed().as_secs_f64() * 1e3);
        assert_eq!(read.len(), accounts);
        let started = Instant::now();
        let read = store.account_summaries(&all).await.expect("summaries");
        summaries.push(started.elapsed().as_secs_f64() * 1e3);
        assert_eq!(read.len(), accounts);
    }
    (median(whole), median(summaries))
}

/// Stops the daemon however the measurement ends.
struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn add_officer(prepared: &Prepared) {
    let mut child = prepared
        .garita()
        .args(["users", "add", OFFICER, "--role", "officer"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("garita users add starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .expect("write the password");
    let out = child.wait_with_output().expect("users add ends");
    assert!(
        out.status.success(),
        "users add: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn wait_for_console(address: SocketAddr, daemon: &mut Child) {
    let started = Instant::now();
    loop {
        assert!(
            daemon.try_wait().expect("wait").is_none(),
            "the daemon exited before serving the console"
        );
        if TcpStream::connect(address).is_ok()
            && request(address, "GET", "/login", None, None).status == 200
        {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the console did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn sign_in(address: SocketAddr) -> String {
    let form = request(address, "GET", "/login", None, None);
    let token = field(&form.body, "csrf");
    let login_cookie = form
        .cookie("garita_login_csrf")
        .expect("the sign-in form sets its token cookie");
    let signed = request(
        address,
        "POST",
        "/login",
        Some(&login_cookie),
        Some(&[("email", OFFICER), ("password", PASSWORD), ("csrf", &token)]),
    );
    signed
        .cookie("garita_session")
        .unwrap_or_else(|| panic!("signed in ({}): {}", signed.status, signed.body))
}

/// `RssAnon` and `RssFile` now, MiB.
fn rss_split(status_path: &str) -> (f64, f64) {
    let status = std::fs::read_to_string(status_path).expect("read /proc status");
    (
        status_kib(&status, "RssAnon:") / 1024.0,
        status_kib(&status, "RssFile:") / 1024.0,
    )
}

fn rss_samples(status_path: &str, count: usize) -> Vec<f64> {
    (0..count)
        .map(|_| {
            let status = std::fs::read_to_string(status_path).expect("read /proc status");
            std::thread::sleep(Duration::from_millis(200));
            status_kib(&status, "VmRSS:") / 1024.0
        })
        .collect()
}

fn percentile(values: &[f64], share: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let Some(last) = sorted.len().checked_sub(1) else {
        return f64::NAN;
    };
    sorted[((last as f64) * share).round() as usize]
}

/// An HTTP answer.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `name=value` of the cookie `name` this answer sets.
    fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
            .map(|(_, v)| v.as_str())
            .find(|v| v.starts_with(&format!("{name}=")))
            .and_then(|c| c.split(';').next().map(str::to_owned))
    }
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One HTTP/1.1 request on a new connection (`Connection: close`).
fn request(
    address: SocketAddr,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    form: Option<&[(&str, &str)]>,
) -> Answer {
    let body = form
        .map(|pairs| {
            pairs
                .iter()
                .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                .collect::<Vec<_>>()
                .join("&")
        })
        .unwrap_or_default();
    let mut text = format!("{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    if let Some(cookie) = cookie {
        text.push_str(&format!("Cookie: {cookie}\r\n"));
    }
    if form.is_some() {
        text.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
        text.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    text.push_str("\r\n");
    text.push_str(&body);
    let mut stream = TcpStream::connect(address).expect("connect to the console");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("read timeout");
    stream.write_all(text.as_bytes()).expect("send the request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read the answer");
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_owned(),
    }
}

/// The value of the first `<input name="NAME" value="...">` of a page.
fn field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no field {name} in the page"))
        + marker.len();
    html[at..].split('"').next().unwrap_or_default().to_owned()
}
