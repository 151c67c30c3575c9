//! An evidence pack of a year for a large inventory: `accounts` CTPAT
//! accounts imported in January and signed in every month (a password
//! change recorded each quarter), each month one `garita accounts import`
//! at its own business day, so the log holds what a year of an officer's
//! imports and the portal rules write; then the release `garita evidence
//! pack` of it, timed as one process, and `evidence verify` of the result.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use serde_json::Value;

use super::release::garita;

/// Target for packing a year of 10,000 accounts, seconds (issue 22).
pub const TARGET_PACK_SECS: f64 = 30.0;

/// What packing measured.
pub struct PackFigures {
    /// Wall time of `garita evidence pack`, seconds.
    pub seconds: f64,
    /// Entries in the pack.
    pub entries: u64,
    /// Wall time of `garita evidence verify` of it, seconds.
    pub verify_seconds: f64,
}

/// The inventory as month `month` (1 to 12) of 2026 leaves it.
fn month_csv(accounts: usize, month: u32) -> String {
    let mut csv = String::from(
        "portal,account,holder_name,holder_email,employee_id,holder_national_id,company,tax_id,\
         ctpat_account_number,role,status,last_sign_in,time_zone,locale,certificate_expires_on,\
         password_changed_on\n",
    );
    let quarter = (month / 3) * 3;
    for i in 0..accounts {
        let company = i % 500;
        let day = 1 + (i % 25);
        let password = if quarter == 0 {
            String::new()
        } else {
            format!("2026-{quarter:02}-01")
        };
        let _ = writeln!(
            csv,
            "ctpat,user{i}@imp{company}.example,Usuario {i},user{i}@imp{company}.example,E{i:06},,\
             Importadora {company} S.A.,{:02}-{company:07},CT{company:08},,active,2026-{month:02}-{day:02},,,,{password}",
            10 + company % 80
        );
    }
    csv
}

fn ok(cmd: &mut std::process::Command, what: &str) -> String {
    let out = cmd.output().expect("garita runs");
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Builds the year in a store under `dir` and times its pack.
pub fn pack_a_year(dir: &Path, accounts: usize) -> PackFigures {
    let store = dir.join("store");
    for month in 1..=12u32 {
        let file = dir.join(format!("month-{month:02}.csv"));
        std::fs::write(&file, month_csv(accounts, month)).expect("write the month's CSV");
        ok(
            garita(&store)
                .args(["--now", &format!("2026-{month:02}-26T12:00:00Z")])
                .args(["accounts", "import", "--by", "bench"])
                .arg(&file),
            "accounts import",
        );
    }
    let key = dir.join("audit.key");
    ok(
        garita(&store)
            .args(["keys", "init", "--name", "bench.example/garita", "--output"])
            .arg(&key),
        "keys init",
    );
    let config = dir.join("garita.toml");
    std::fs::write(
        &config,
        format!("[audit]\nsigning_key = {:?}\n", key.display().to_string()),
    )
    .expect("write the configuration");
    // Entries are selected by the real time they were written: today.
    let today = chrono::Utc::now().date_naive().to_string();
    let pack = dir.join("pack");
    let started = Instant::now();
    let made = ok(
        garita(&store)
            .arg("--config")
            .arg(&config)
            .args([
                "--json", "evidence", "pack", "--from", &today, "--to", &today, "--output",
            ])
            .arg(&pack),
        "evidence pack",
    );
    let seconds = started.elapsed().as_secs_f64();
    let made: Value = serde_json::from_str(&made).expect("pack answers JSON");
    let started = Instant::now();
    let verified: Value = serde_json::from_str(&ok(
        garita(&store)
            .args(["--json", "evidence", "verify"])
            .arg(&pack),
        "evidence verify",
    ))
    .expect("verify answers JSON");
    assert_eq!(verified["intact"], true, "{verified}");
    PackFigures {
        seconds,
        entries: made["entries"].as_u64().unwrap_or(0),
        verify_seconds: started.elapsed().as_secs_f64(),
    }
}
