//! `garita keys init`: the key that signs the audit log's checkpoints.

use std::process::ExitCode;

use garita_app::ops::audit_checkpoint::init_signing_key;

use crate::cli::KeysCommand;
use crate::output::say;

pub fn keys(json: bool, command: KeysCommand) -> anyhow::Result<ExitCode> {
    match command {
        KeysCommand::Init { output, name } => {
            let name = name.unwrap_or_else(default_name);
            let made = init_signing_key(&name, &output)?;
            if json {
                crate::output::json(&serde_json::to_value(&made)?)?;
            } else {
                say!("signing key written to {} (mode 0600)", made.path);
                say!(
                    "verifier key (give it to your auditors): {}",
                    made.verifier_key
                );
                say!(
                    "next: set `[audit] signing_key = \"{}\"` in garita.toml, then `garita audit checkpoint`",
                    made.path
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `garita/HOSTNAME`: names the log after the machine that keeps it.
fn default_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty() && !h.contains('+') && !h.contains(char::is_whitespace))
        .unwrap_or_else(|| "localhost".to_owned());
    format!("garita/{host}")
}
