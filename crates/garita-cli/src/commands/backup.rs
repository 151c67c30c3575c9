//! `garita backup FILE`, `garita backup verify FILE` and `garita restore FILE`:
//! the whole store in one checked file, and back (docs/operations.md,
//! "Backups and restore").

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use garita_store::{AuditRecord, BackupHeader, SledStore, StoreOptions};

use crate::app::App;
use crate::output::say;
use garita_app::Operations;

/// `garita backup FILE`: a consistent copy of every tree of the store,
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
            "backup written to {}: {} records in {} trees ({}); check it with `garita backup verify {}`",
            made.file.display(),
            header.records,
            header.trees.len(),
            tree_counts(header),
            made.file.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `garita backup verify FILE`: checks a backup without touching any store.
pub fn verify(app: &App, file: &Path) -> anyhow::Result<ExitCode> {
    let header = SledStore::verify_backup(file)?;
    if app.global.json {
        crate::output::json(&header)?;
    } else {
        say!(
            "{} is a complete, intact backup taken {} (schema version {}): {} records in {} trees ({})",
            file.display(),
            header.created_at.to_rfc3339(),
            header.schema_version,
            header.records,
            header.trees.len(),
            tree_counts(&header)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `garita restore FILE`: replaces the store with the backup, verified first.
pub async fn restore(app: &App, file: &Path) -> anyhow::Result<ExitCode> {
    let store_dir = app.wiring().store_dir();
    let options = StoreOptions {
        cache_capacity: app.wiring().settings.store.cache_mb.clamp(1, 64 * 1024) * 1024 * 1024,
        ..StoreOptions::default()
    };
    let now = app.wiring().clock.now();
    let (backup, dir) = (file.to_path_buf(), store_dir.clone());
    let report =
        tokio::task::spawn_blocking(move || SledStore::restore_from(&backup, &dir, options, now))
            .await
            .context("the restore task stopped unexpectedly")??;
    // The restore itself goes on the record, as the first entry after the
    // restored chain.
    let store = app.open_store()?;
    store
        .record_audit(AuditRecord {
            at: now,
            kind: "store.restored".into(),
            subject: file.display().to_string(),
            actor: None,
            summary: serde_json::json!({
                "backup_created_at": report.header.created_at,
                "records": report.header.records,
                "previous_store": report.previous,
            }),
        })
        .await?;
    // The restored facts may be past deadlines the backup did not know of.
    let rules = garita_app::reconcile::reconcile_now(app.wiring(), store.clone()).await?;
    drop(store);
    if app.global.json {
        crate::output::json(&serde_json::json!({
            "store": report.store,
            "previous": report.previous,
            "backup": report.header,
            "rules": rules.applied,
        }))?;
    } else {
        say!(
            "restored {} into {}: {} records in {} trees ({})",
            file.display(),
            store_dir.display(),
            report.header.records,
            report.header.trees.len(),
            tree_counts(&report.header)
        );
        if let Some(previous) = &report.previous {
            say!(
                "the store it replaced is kept in {}; remove it once you have checked the restored store",
                previous.display()
            );
        }
        for line in garita_app::reconcile::describe(&rules) {
            say!("{line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `runs 3, events 12, …` for the trees that hold something.
fn tree_counts(header: &BackupHeader) -> String {
    let shown: Vec<String> = header
        .trees
        .iter()
        .filter(|t| t.records > 0)
        .map(|t| format!("{} {}", t.name, t.records))
        .collect();
    shown.join(", ")
}
