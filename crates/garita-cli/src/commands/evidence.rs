//! `garita evidence pack|verify`: a period's audit entries with the proofs
//! and signatures an auditor checks without Garita (docs/audit.md).

use std::path::Path;
use std::process::ExitCode;

use garita_app::ops::evidence::verify_pack;
use garita_app::Operations;
use garita_engine::account::Locale;

use crate::output::say;

pub async fn pack(
    ops: &dyn Operations,
    json: bool,
    (from, to, lang): (&str, &str, Locale),
    output: &Path,
) -> anyhow::Result<ExitCode> {
    let dir = if output.is_relative() {
        std::env::current_dir()?.join(output)
    } else {
        output.to_path_buf()
    };
    let made = ops.evidence_pack(from, to, dir, lang).await?;
    if json {
        crate::output::json(&serde_json::to_value(&made)?)?;
    } else {
        say!(
            "evidence pack written to {}: {} entries from entry {}, in a checkpoint of {} entries{}",
            made.dir,
            made.entries,
            made.first_seq,
            made.tree_size,
            if made.start_checkpoint {
                ", anchored to the last checkpoint before the period"
            } else {
                " (no checkpoint before the period to anchor it: sign one regularly with `garita audit checkpoint`)"
            }
        );
        say!(
            "the report is {}/index.html (figures in report.json)",
            made.dir
        );
        say!("check it with `garita evidence verify {}` or tools/verify_evidence.py; verifier key: {}", made.dir, made.verifier_key);
    }
    Ok(ExitCode::SUCCESS)
}

pub fn verify(json: bool, dir: &Path, key: Option<&str>) -> anyhow::Result<ExitCode> {
    let report = verify_pack(dir, key)?;
    if json {
        crate::output::json(&serde_json::to_value(&report)?)?;
    } else if report.intact {
        say!(
            "evidence pack intact: {} entries from entry {}, in a signed log of {} entries{}",
            report.entries,
            report.first_seq,
            report.tree_size,
            if report.consistency_checked {
                "; the log before the period matches the checkpoint signed then"
            } else {
                ""
            }
        );
        if report.key_from_pack {
            say!(
                "checked with the key in the pack ({}); a key from the company itself proves more: --key",
                report.verifier_key
            );
        }
    } else {
        say!(
            "evidence pack NOT intact: {} problem(s)",
            report.problems.len()
        );
        for problem in &report.problems {
            say!("  {problem}");
        }
    }
    Ok(if report.intact {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
