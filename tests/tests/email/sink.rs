//! The loopback SMTP sink of the email connector's tests
//! (`plugins/email/tests/smtp_sink.py`, on aiosmtpd), run for one test.
//!
//! Without python3 or aiosmtpd, [`Sink::start`] prints why and returns
//! `None` so the test can pass, unless the CI variable is set: there a
//! missing sink is a failure.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};

use mailparse::MailHeaderMap;
use serde_json::Value;

/// A running `smtp_sink.py`; stopped when dropped.
pub struct Sink {
    child: Child,
    /// Held open: the sink exits when its stdin closes.
    stdin: Option<ChildStdin>,
    pub port: u16,
    dir: tempfile::TempDir,
}

/// One message as the server received it.
pub struct Received {
    /// `{"mail_from": ..., "rcpt_tos": [...]}`.
    pub envelope: Value,
    /// The message data, byte for byte.
    pub raw: Vec<u8>,
}

impl Received {
    /// The value of header `name`, decoded.
    pub fn header(&self, name: &str) -> Option<String> {
        mailparse::parse_mail(&self.raw)
            .expect("a received message parses")
            .headers
            .get_first_value(name)
    }
}

impl Sink {
    /// Starts the sink on a free loopback port.
    pub fn start() -> Option<Sink> {
        Self::start_on(free_port())
    }

    /// Starts the sink on `port`, or returns `None` when it cannot run here
    /// and the run is not CI.
    pub fn start_on(port: u16) -> Option<Sink> {
        if let Some(reason) = missing_sink() {
            let under_ci = std::env::var("CI")
                .is_ok_and(|value| !value.is_empty() && value != "false" && value != "0");
            assert!(
                !under_ci,
                "the SMTP sink is required under CI but {reason}; install it with `pip install aiosmtpd`"
            );
            println!("SKIPPED: {reason}; install aiosmtpd (`pip install aiosmtpd`) to run the SMTP tests");
            return None;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let script = crate::support::root().join("plugins/email/tests/smtp_sink.py");
        let mut child = Command::new("python3")
            .arg(script)
            .args(["--port", &port.to_string(), "--dir"])
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start python3 smtp_sink.py");
        let stdin = child.stdin.take();
        let mut ready = String::new();
        if let Some(stdout) = child.stdout.take() {
            // Blocks until the sink listens (it prints READY) or dies (EOF).
            let _ = BufReader::new(stdout).read_line(&mut ready);
        }
        if ready.trim() != "READY" {
            let mut stderr = String::new();
            if let Some(mut pipe) = child.stderr.take() {
                let _ = pipe.read_to_string(&mut stderr);
            }
            panic!("smtp_sink.py did not start: {stderr}");
        }
        Some(Sink {
            child,
            stdin,
            port,
            dir,
        })
    }

    /// How many messages the server has accepted so far.
    pub fn count(&self) -> usize {
        self.envelope_files().len()
    }

    /// The messages received so far, oldest first.
    pub fn received(&self) -> Vec<Received> {
        self.envelope_files()
            .into_iter()
            .map(|json_path| Received {
                envelope: serde_json::from_slice(&std::fs::read(&json_path).expect("envelope"))
                    .expect("envelope json"),
                raw: std::fs::read(json_path.with_extension("eml")).expect("message data"),
            })
            .collect()
    }

    /// The distinct Message-IDs received.
    pub fn message_ids(&self) -> BTreeSet<String> {
        self.received()
            .iter()
            .map(|message| message.header("Message-ID").expect("a Message-ID"))
            .collect()
    }

    /// `[connectors.email]` for this sink, as garita.toml text.
    pub fn config_toml(&self) -> String {
        config_toml(self.port)
    }

    fn envelope_files(&self) -> Vec<PathBuf> {
        // The sink writes the .eml first and renames each file into place,
        // so a listed .json always has its message next to it.
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .expect("sink dir")
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
            .collect();
        names.sort();
        names
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `[connectors.email]` sending to 127.0.0.1:`port` without TLS.
pub fn config_toml(port: u16) -> String {
    format!(
        "[connectors.email]\ntransport = \"smtp\"\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\nconnect_timeout_secs = 5\ntimeout_secs = 30\n"
    )
}

/// Why the sink cannot run here, if it cannot.
fn missing_sink() -> Option<String> {
    match Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Err(_) => Some("python3 is not installed".into()),
        Ok(status) if !status.success() => {
            Some("the aiosmtpd Python package is not installed".into())
        }
        Ok(_) => None,
    }
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local addr").port()
}
