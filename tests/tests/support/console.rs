//! The console's harness, shared by its end-to-end tests (console.rs,
//! holder_links.rs, console_browser.rs): a temporary store and garita.toml
//! with `[web]` on a free loopback port, users added through `garita users
//! add` (password on standard input), `garita daemon` started and stopped,
//! and plain HTTP/1.1 requests as a browser without JavaScript sends them.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{assert_success, garita, run, stdout, write};

/// The User-Agent of every request [`Site::get`] and [`Site::post`] send,
/// which a holder's link records as evidence.
pub const USER_AGENT: &str = "garita-console-tests/1.0";

/// A store, its garita.toml and, once started, the daemon serving the console.
pub struct Site {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
    pub store: PathBuf,
    pub address: SocketAddr,
    /// The business clock of every command (`--now`).
    pub now: &'static str,
    daemon: Option<Child>,
}

impl Site {
    /// `[web] listen` on a free loopback port; with `public_url`, links and
    /// feeds are made under `http://ADDRESS`.
    pub fn new(now: &'static str, public_url: bool) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let root = dir.path().to_path_buf();
        std::fs::create_dir(root.join("workflows")).expect("the workflows directory");
        let address = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port");
        let site = Self {
            store: root.join("store"),
            _dir: dir,
            root,
            address,
            now,
            daemon: None,
        };
        site.configure(public_url, "");
        site
    }

    /// Rewrites garita.toml: `[web]` as [`Site::new`] does, then `extra`.
    pub fn configure(&self, public_url: bool, extra: &str) {
        let public = if public_url {
            format!("public_url = \"{}\"\n", self.base())
        } else {
            String::new()
        };
        write(
            &self.root,
            "garita.toml",
            &format!("[web]\nlisten = \"{}\"\n{public}\n{extra}", self.address),
        );
    }

    /// `http://ADDRESS`.
    pub fn base(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The path of a URL printed for this site.
    pub fn path_of(&self, url: &str) -> String {
        let base = self.base();
        url.trim()
            .strip_prefix(&base)
            .unwrap_or_else(|| panic!("{url} is not under {base}"))
            .to_owned()
    }

    pub fn garita_at(&self, now: &str) -> Command {
        let mut cmd = garita(&self.store);
        cmd.arg("--config")
            .arg(self.root.join("garita.toml"))
            .args(["--now", now]);
        cmd
    }

    pub fn garita(&self) -> Command {
        self.garita_at(self.now)
    }

    pub fn ok_at(&self, now: &str, args: &[&str]) -> String {
        let out = run(self.garita_at(now).args(args));
        assert_success(&out, &format!("garita {args:?}"));
        stdout(&out)
    }

    pub fn ok(&self, args: &[&str]) -> String {
        self.ok_at(self.now, args)
    }

    /// `garita --json ARGS`, parsed.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).unwrap_or_else(|e| panic!("{args:?}: {e}"))
    }

    /// Imports workflows/examples/accounts.csv.
    pub fn import_example(&self) {
        let example = super::root().join("workflows/examples/accounts.csv");
        self.ok(&[
            "accounts",
            "import",
            example.to_str().expect("a UTF-8 path"),
        ]);
    }

    /// `garita users add EMAIL --role ROLE`, the password on standard input.
    pub fn add_user(&self, email: &str, role: &str, password: &str) -> Output {
        let mut child = self
            .garita()
            .args(["users", "add", email, "--role", role])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("garita starts");
        child
            .stdin
            .take()
            .expect("stdin is piped")
            .write_all(format!("{password}\n").as_bytes())
            .expect("the password is written");
        child.wait_with_output().expect("garita ends")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.root.join("daemon.log")).unwrap_or_default()
    }

    /// Starts `garita daemon` and waits until the console serves.
    pub fn start(&mut self) {
        let log = std::fs::File::create(self.root.join("daemon.log")).expect("daemon.log");
        let child = self
            .garita()
            .args(["daemon", "--workflows"])
            .arg(self.root.join("workflows"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("the daemon starts");
        self.daemon = Some(child);
        let started = Instant::now();
        while !self.log().contains("console serving") {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the console did not start:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn get(&self, path: &str, cookie: Option<&str>) -> Answer {
        request(self.address, "GET", path, cookie, None)
    }

    pub fn post(&self, path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> Answer {
        request(self.address, "POST", path, cookie, Some(form))
    }

    /// Signs in through the form (its token and token cookie included).
    pub fn sign_in(&self, email: &str, password: &str) -> Answer {
        let form = self.get("/login", None);
        assert_eq!(form.status, 200, "{}", form.body);
        let token = field(&form.body, "csrf");
        let cookie = form
            .cookie("garita_login_csrf")
            .expect("the form sets its token cookie");
        self.post(
            "/login",
            Some(&cookie),
            &[("email", email), ("password", password), ("csrf", &token)],
        )
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        if let Some(mut child) = self.daemon.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let _ = child.wait();
        }
    }
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `name=value` of the cookie `name` this answer sets.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.set_cookie(name)
            .and_then(|c| c.split(';').next().map(str::to_owned))
    }

    pub fn set_cookie(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
            .map(|(_, v)| v.as_str())
            .find(|v| v.starts_with(&format!("{name}=")))
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

/// One request on its own connection, as a browser without JavaScript
/// sends it (a form is `application/x-www-form-urlencoded`).
pub fn request(
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
    let mut text = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nUser-Agent: {USER_AGENT}\r\n"
    );
    if let Some(cookie) = cookie {
        text.push_str(&format!("Cookie: {cookie}\r\n"));
    }
    if form.is_some() {
        text.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
        text.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    text.push_str("\r\n");
    text.push_str(&body);
    let mut stream = TcpStream::connect(address).expect("the console accepts");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("a read timeout");
    stream
        .write_all(text.as_bytes())
        .expect("the request is sent");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("the answer is read");
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
pub fn field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no field {name} in:\n{html}"))
        + marker.len();
    html[at..].split('"').next().unwrap_or_default().to_owned()
}
