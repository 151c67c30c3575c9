//! A throwaway PostgreSQL server for tests (this crate's, and with the
//! `test-cluster` feature the end-to-end tests'), and a database of
//! its own for each store a test opens, so tests are independent.
//!
//! Where the server comes from, in order:
//! 1. `GARITA_TEST_POSTGRES_URL`, a server someone runs (its user must be
//!    allowed to `CREATE DATABASE`); each test database is dropped again.
//! 2. Otherwise one cluster per test process: `initdb` (found on `PATH`,
//!    then in `/usr/lib/postgresql/*/bin`, newest first) into a temporary
//!    directory, started with `pg_ctl` on a free port of 127.0.0.1 with its
//!    unix socket in that directory, trust authentication (nothing but this
//!    machine can reach it) and `fsync` off (its data is thrown away). As
//!    root it runs as user `postgres` (`runuser`), since initdb refuses
//!    root. A watchdog started with it stops the server and removes the
//!    directory once this process is gone, however it ends: a test binary
//!    never runs destructors of statics.
//!
//! With neither, every PostgreSQL test fails saying how to install it: a
//! test that silently passes without a database would prove nothing.

use std::any::Any;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, PgConnection};

use crate::PostgresStore;

/// Names the server to use instead of starting one.
pub const URL_VARIABLE: &str = "GARITA_TEST_POSTGRES_URL";

/// What a test needs to know about the server.
#[derive(Debug)]
struct Server {
    /// `postgres://USER@HOST:PORT` without a database.
    base: String,
    /// The database to connect to for `CREATE DATABASE`.
    admin_db: String,
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
    match SERVER.get_or_init(find_or_start) {
        Ok(server) => server,
        Err(why) => panic!("{}", unavailable(why)),
    }
}

/// Why the tests cannot run, and how to make them run.
fn unavailable(why: &str) -> String {
    format!(
        "the PostgreSQL tests need a server and none is available: {why}.\n\
         Install PostgreSQL (Debian/Ubuntu: `apt-get install postgresql`; the tests start \
         their own throwaway cluster from its initdb and pg_ctl), or point \
         {URL_VARIABLE} at a server whose user may CREATE DATABASE \
         (postgres://USER[:PASSWORD]@HOST:PORT/DB)."
    )
}

fn find_or_start() -> Result<Server, String> {
    if let Ok(url) = std::env::var(URL_VARIABLE) {
        return split_url(&url)
            .ok_or_else(|| format!("{URL_VARIABLE}={url} is not postgres://USER@HOST[:PORT]/DB"));
    }
    let bin = find_bin_dir()?;
    start_cluster(&bin)
}

/// `postgres://USER@HOST:PORT/DB?…` as the part before the database and the
/// database.
fn split_url(url: &str) -> Option<Server> {
    let (scheme, rest) = url.split_once("://")?;
    let (authority, path) = rest.split_once('/').unwrap_or((rest, "postgres"));
    let db = path
        .split('?')
        .next()
        .filter(|db| !db.is_empty())
        .unwrap_or("postgres");
    Some(Server {
        base: format!("{scheme}://{authority}"),
        admin_db: db.to_owned(),
    })
}

/// The directory holding initdb and pg_ctl: on `PATH`, else the newest
/// `/usr/lib/postgresql/N/bin` (where Debian's package puts them, off `PATH`).
fn find_bin_dir() -> Result<PathBuf, String> {
    find_bin_dir_in(std::env::var_os("PATH"), Path::new("/usr/lib/postgresql"))
}

/// [`find_bin_dir`] with its `PATH` and Debian's root given.
fn find_bin_dir_in(path: Option<std::ffi::OsString>, debian: &Path) -> Result<PathBuf, String> {
    let has_tools = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(path) = path {
        if let Some(dir) = std::env::split_paths(&path).find(|dir| has_tools(dir)) {
            return Ok(dir);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(debian)
        .map(|dirs| {
            dirs.filter_map(Result::ok)
                .filter_map(|d| {
                    let version = d.file_name().to_str()?.parse::<u32>().ok()?;
                    Some((version, d.path().join("bin")))
                })
                .filter(|(_, bin)| has_tools(bin))
                .collect()
        })
        .unwrap_or_default();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).ok_or_else(|| {
        format!(
            "no initdb and pg_ctl on PATH or in {}/*/bin",
            debian.display()
        )
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// A command that runs `program` as the server's owner: as `postgres`
/// through runuser when this process is root, else as this user.
fn as_owner(program: &Path, root: bool) -> Command {
    if root {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn run(mut command: Command, what: &str) -> Result<(), String> {
    let out = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{what}: cannot run {command:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn start_cluster(bin: &Path) -> Result<Server, String> {
    let root = is_root();
    let dir = tempfile::Builder::new()
        .prefix("garita-pg-test-")
        .tempdir()
        .map_err(|e| format!("creating a temporary directory: {e}"))?
        // Removed by the watchdog, after the server has stopped.
        .keep();
    let data = dir.join("data");
    let socket = dir.join("socket");
    std::fs::create_dir(&socket).map_err(|e| format!("creating {}: {e}", socket.display()))?;
    if root {
        // initdb refuses root: the cluster belongs to `postgres`, which
        // Debian's package creates.
        let mut chown = Command::new("chown");
        chown.args(["-R", "postgres:"]).arg(&dir);
        run(chown, "giving the test cluster's directory to user postgres (does user `postgres` exist? `apt-get install postgresql` creates it)")?;
    }
    let mut initdb = as_owner(&bin.join("initdb"), root);
    initdb
        .args([
            "--auth=trust",
            "--username=postgres",
            "--encoding=UTF8",
            "--no-sync",
            "-D",
        ])
        .arg(&data);
    run(initdb, "initdb")?;
    let pg_ctl = bin.join("pg_ctl");
    watch(&pg_ctl, &data, &dir, root)?;
    // A free port, released just before the server binds it; another
    // process could take it in between, so a failed start tries again.
    let mut last = String::new();
    for _ in 0..5 {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("finding a free port: {e}"))?
            .port();
        let mut start = as_owner(&pg_ctl, root);
        start
            .args(["-w", "-t", "60", "-D"])
            .arg(&data)
            .arg("-l")
            .arg(dir.join("server.log"))
            .arg("-o")
            .arg(format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -F -c max_connections=200",
                socket.display()
            ))
            .arg("start");
        match run(start, "starting the test cluster with pg_ctl") {
            Ok(()) => {
                return Ok(Server {
                    base: format!("postgres://postgres@127.0.0.1:{port}"),
                    admin_db: "postgres".into(),
                })
            }
            Err(e) => {
                let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
                last = format!("{e}\nserver log:\n{log}");
            }
        }
    }
    Err(last)
}

/// Starts the watchdog: once this process has exited, it stops the server
/// (immediately: its data is thrown away) and removes `dir`. It runs in a
/// session of its own, so a Ctrl-C to the tests does not kill it first.
fn watch(pg_ctl: &Path, data: &Path, dir: &Path, root: bool) -> Result<(), String> {
    let script = r#"
        while kill -0 "$1" 2>/dev/null; do sleep 1; done
        if [ "$5" = root ]; then
            runuser -u postgres -- "$2" -D "$3" -m immediate stop >/dev/null 2>&1
        else
            "$2" -D "$3" -m immediate stop >/dev/null 2>&1
        fi
        rm -rf "$4"
    "#;
    let mut command = if Path::new("/usr/bin/setsid").exists() {
        let mut c = Command::new("/usr/bin/setsid");
        c.arg("sh");
        c
    } else {
        Command::new("sh")
    };
    command
        .arg("-c")
        .arg(script)
        .arg("garita-pg-test-watchdog")
        .arg(std::process::id().to_string())
        .arg(pg_ctl)
        .arg(data)
        .arg(dir)
        .arg(if root { "root" } else { "user" })
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(drop)
        .map_err(|e| format!("starting the test cluster's watchdog: {e}"))
}

/// A database of its own for one test; dropped (with its connections) when
/// this guard is. Hold it as long as the store on it.
#[derive(Debug)]
pub struct TestDb {
    /// Connects to this database.
    pub url: String,
    name: String,
}

impl TestDb {
    /// Creates an empty database with a name no other test uses.
    pub async fn create() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "garita_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let (base, admin_url) = {
            let server = server();
            (
                server.base.clone(),
                format!("{}/{}", server.base, server.admin_db),
            )
        };
        // A one-connection pool rather than a PgConnection: the futures of
        // queries on `&mut PgConnection` are not provably Send, which the
        // suites' factories require.
        let admin = PgPoolOptions::new()
            .max_connections(1)
            .connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("connecting to the test server at {base}: {e}"));
        sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
            .execute(&admin)
            .await
            .unwrap_or_else(|e| panic!("creating test database {name}: {e}"));
        admin.close().await;
        Self {
            url: format!("{base}/{name}"),
            name,
        }
    }

    /// A store on a fresh database, and the guard that drops the database
    /// after the store, as the conformance suites' factories want them.
    pub async fn fresh_store() -> (PostgresStore, Box<dyn Any + Send>) {
        let db = Self::create().await;
        let store = PostgresStore::connect(&db.url)
            .await
            .unwrap_or_else(|e| panic!("connecting a store to {}: {e}", db.url));
        (store, Box::new(db))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Drop runs outside async code's reach: a thread with a runtime of
        // its own. A throwaway cluster would lose the database anyway; a
        // server named by GARITA_TEST_POSTGRES_URL keeps running.
        let admin_url = {
            let server = server();
            format!("{}/{}", server.base, server.admin_db)
        };
        let name = self.name.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&admin_url)
                    .await
                    .map_err(|e| e.to_string())?;
                sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await
                    .map_err(|e| e.to_string())?;
                let _ = admin.close().await;
                Ok::<(), String>(())
            })
        })
        .join();
        if let Ok(Err(e)) = dropped {
            eprintln!("could not drop test database {}: {e}", self.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With no URL and no binaries, the tests fail (never pass quietly)
    /// saying how to install PostgreSQL.
    #[test]
    fn without_a_server_the_tests_fail_saying_how_to_install_postgresql() {
        let empty = tempfile::tempdir().map_err(|e| e.to_string());
        let Ok(empty) = empty else {
            panic!("a temporary directory: {empty:?}");
        };
        let why = find_bin_dir_in(Some(empty.path().into()), &empty.path().join("none"));
        let Err(why) = why else {
            panic!("no binaries must be an error, got {why:?}");
        };
        let message = unavailable(&why);
        assert!(message.contains("apt-get install postgresql"), "{message}");
        assert!(message.contains(URL_VARIABLE), "{message}");
    }

    #[test]
    fn the_newest_debian_version_is_chosen() {
        let Ok(root) = tempfile::tempdir() else {
            panic!("a temporary directory");
        };
        for version in ["13", "15", "9", "notes"] {
            let bin = root.path().join(version).join("bin");
            let made = std::fs::create_dir_all(&bin)
                .and_then(|()| std::fs::write(bin.join("initdb"), ""))
                .and_then(|()| std::fs::write(bin.join("pg_ctl"), ""));
            assert!(made.is_ok(), "{made:?}");
        }
        let found = find_bin_dir_in(None, root.path());
        assert_eq!(found, Ok(root.path().join("15").join("bin")));
    }

    #[test]
    fn a_url_splits_into_server_and_database() {
        let server = split_url("postgres://u:p@h:5/db?sslmode=disable");
        let server = server.map(|s| (s.base, s.admin_db));
        assert_eq!(server, Some(("postgres://u:p@h:5".into(), "db".into())));
        let bare = split_url("postgres://u@h").map(|s| s.admin_db);
        assert_eq!(bare, Some("postgres".into()));
    }
}
