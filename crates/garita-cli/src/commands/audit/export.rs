//! `garita audit export --from DATE --to DATE [--format csv|json] [--output FILE]`:
//! the entries written in a period as evidence for an OEA/CTPAT review
//! (the operation, `garita_app::ops::audit`, says what an export holds).
//! The file is written here, by the caller, also through a daemon.

use std::path::Path;
use std::process::ExitCode;

use garita_app::ops::audit::csv_text;
use garita_app::Operations;
use garita_engine::account::Locale;

use crate::cli::AuditFormat;
use crate::output::{say, say_stderr};

pub async fn export(
    ops: &dyn Operations,
    store_dir: &Path,
    args: (&str, &str, AuditFormat, Option<&Path>, Locale),
) -> anyhow::Result<ExitCode> {
    let (from, to, format, output, lang) = args;
    let export = ops.export_audit(from, to).await?;
    let text = match format {
        AuditFormat::Csv => csv_text(&export, lang)?,
        AuditFormat::Json => {
            // Through a Value, so the members print in name order as before.
            let mut text = serde_json::to_string_pretty(&serde_json::to_value(&export)?)?;
            text.push('\n');
            text
        }
    };
    if !export.chain.intact {
        say_stderr!(
            "warning: the audit chain does not verify ({} problem(s)); run `garita audit verify` for where",
            export.chain.problems
        );
    }
    let summary = format!(
        "exported {} audit entries written from {} to {}; chain head: entry {} {}",
        export.entries.len(),
        export.from,
        export.to,
        export.chain.head.seq,
        export.chain.head.hash
    );
    match output {
        None => {
            crate::output::write_raw(text.as_bytes());
            say_stderr!("{summary}");
        }
        Some(path) => {
            // Whole or not at all.
            garita_app::wiring::write_file_whole(store_dir, path, text.as_bytes())?;
            say!("{summary}; written to {}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
