//! `garita backup FILE`, `garita backup verify FILE` and `garita restore FILE`:
//! the whole store in one checked file, and back (docs/operations.md,
//! "Backups and restore").

use std::path::Path;
use std::process::ExitCode;

use garita_engine::backup::BackupHeader;

use crate::app::App;
use crate::output::say;
use garita_app::Operations;

/// `garita backup FILE`: a consistent copy of every record of the store,
/// written by whoever holds it (a running daemon writes it itself, at FILE
/// taken from this command's working directory).
pub async fn backup(ops: &dyn Operations, json: bool, file: &Path) -> anyhow::Result<ExitCode> {
    let file = if file.is_relative() {
        std::env::current_dir()?.join(file)
    } else {
        file.to_path_buf()
    };
    let made = ops.backup(file).await?;
    let header = &made.header;
    if json {
        crate::output::json(header)?;
    } else {
        say!(
            "backup written to {}: {} records ({}); check it with `garita backup verify {}`",
            made.file.display(),
            header.records,
            section_counts(header),
            made.file.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `garita backup verify FILE`: checks a backup without touching any store.
pub fn verify(app: &App, file: &Path) -> anyhow::Result<ExitCode> {
    let header = garita_app::ops::backup::verify_file(file)?;
    if app.global.json {
        crate::output::json(&header)?;
    } else {
        say!(
            "{} is a complete, intact backup taken {} ({}): {} records ({})",
            file.display(),
            header.created_at.to_rfc3339(),
            format_said(&header),
            header.records,
            section_counts(&header)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `garita restore FILE`: replaces the store with the backup, verified first.
pub async fn restore(app: &App, file: &Path) -> anyhow::Result<ExitCode> {
    let restored = garita_app::ops::backup::restore(app.wiring(), file).await?;
    if app.global.json {
        crate::output::json(&serde_json::to_value(&restored)?)?;
    } else {
        say!(
            "restored {} into {}: {} records ({})",
            file.display(),
            restored.store.display(),
            restored.backup.records,
            section_counts(&restored.backup)
        );
        if let Some(previous) = &restored.previous {
            say!(
                "the store it replaced is kept in {}; remove it once you have checked the restored store",
                previous.display()
            );
        }
        for line in garita_app::reconcile::describe_applied(&restored.rules) {
            say!("{line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `format 2, audit chain to entry 15`, or `format 1, schema version 1`
/// for a copy of sled's trees written by an earlier garita.
fn format_said(header: &BackupHeader) -> String {
    match (&header.audit_head, header.schema_version) {
        (Some(head), _) => format!(
            "format {}, audit chain verified up to entry {}",
            header.format_version, head.seq
        ),
        (None, Some(schema)) => format!(
            "format {} written by garita {}, schema version {schema}",
            header.format_version, header.garita_version
        ),
        (None, None) => format!("format {}", header.format_version),
    }
}

/// `runs 3, events 12, …` for the sections that hold something.
fn section_counts(header: &BackupHeader) -> String {
    let shown: Vec<String> = header
        .sections
        .iter()
        .filter(|t| t.records > 0)
        .map(|t| format!("{} {}", t.name, t.records))
        .collect();
    shown.join(", ")
}
