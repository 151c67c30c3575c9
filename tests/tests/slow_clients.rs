//! Issue 16.7: slow or idle connections must not exhaust the daemon. The
//! TCP listener had no header or idle timeout: 60 idle connections from
//! another user made the owner's commands fail, and nothing was logged.

mod support;

#[path = "support/crash_daemon.rs"]
#[allow(dead_code)] // `kill` is for the crash loop
mod crash_daemon;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use crash_daemon::Daemon;
use support::*;

const TOKEN: &str = "slow-clients-token-0123456789";

fn free_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

fn start(root: &Path, address: SocketAddr) -> (Daemon, std::path::PathBuf) {
    let store = root.join("store");
    let workflows = root.join("workflows");
    std::fs::create_dir_all(&workflows).unwrap();
    let config = write(
        root,
        "garita.toml",
        &format!(
            "[daemon]\ncontrol_tcp = \"{address}\"\ncontrol_token = \"{TOKEN}\"\ncontrol_tcp_max_connections = 8\ncontrol_header_timeout = \"2s\"\n"
        ),
    );
    let mut daemon = Daemon::start(&store, &config, &workflows, &root.join("daemon.log"));
    let started = Instant::now();
    while TcpStream::connect(address).is_err() || !store.join("control.sock").exists() {
        daemon.assert_alive("while starting");
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the daemon never listened"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (daemon, store)
}

/// One request on a fresh connection; the status line's code.
fn status_of(address: SocketAddr, request: &str) -> u16 {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).unwrap();
    String::from_utf8_lossy(&head[9..12]).parse().unwrap()
}

#[test]
fn idle_connections_neither_starve_the_owner_nor_stay_open() {
    let dir = tempfile::tempdir().unwrap();
    let address = free_port();
    let (daemon, store) = start(dir.path(), address);

    // Many more idle TCP connections than the listener serves at once.
    let idle: Vec<TcpStream> = (0..40)
        .map(|_| TcpStream::connect(address).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    // The owner's command goes through the Unix socket, promptly.
    let started = Instant::now();
    let out = run(garita(&store).args(["runs", "list"]));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the owner's command took {:?}",
        started.elapsed()
    );
    // An idle connection is closed by the daemon after the header timeout.
    let mut first = idle.into_iter().next().unwrap();
    first
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    let started = Instant::now();
    let mut byte = [0u8; 1];
    let read = first.read(&mut byte);
    assert!(
        matches!(read, Ok(0)) || read.is_err() && started.elapsed() < Duration::from_secs(14),
        "an idle connection was not closed: {read:?} after {:?}",
        started.elapsed()
    );
    assert!(
        started.elapsed() < Duration::from_secs(12),
        "closed only after {:?}",
        started.elapsed()
    );
    let log = std::fs::read_to_string(dir.path().join("daemon.log")).unwrap_or_default();
    assert!(
        log.contains("connection limit reached"),
        "the limit is logged:\n{log}"
    );
    // Once the idle ones are gone, TCP clients are served again.
    let started = Instant::now();
    loop {
        let code = status_of(
            address,
            &format!("GET /v1/health HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n"),
        );
        if code == 200 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "TCP never recovered: {code}"
        );
    }
    daemon.stop(Duration::from_secs(15));
}

#[test]
fn an_oversized_body_is_refused_at_once_and_the_scheme_is_read_without_case() {
    let dir = tempfile::tempdir().unwrap();
    let address = free_port();
    let (daemon, _store) = start(dir.path(), address);

    // 413 without sending the body.
    let started = Instant::now();
    let code = status_of(
        address,
        &format!("POST /v1/accounts/import HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 10000000000\r\n\r\n"),
    );
    assert_eq!(code, 413);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );

    for scheme in ["bearer", "BEARER", "Bearer"] {
        let code = status_of(
            address,
            &format!("GET /v1/health HTTP/1.1\r\nHost: x\r\nAuthorization: {scheme} {TOKEN}\r\nConnection: close\r\n\r\n"),
        );
        assert_eq!(code, 200, "scheme {scheme}");
    }
    let code = status_of(
        address,
        "GET /v1/health HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong-token-0000000000\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(code, 401);
    daemon.stop(Duration::from_secs(15));
}
