//! `garita accounts import FILE.csv`: check every row, report every bad one
//! with its line and column, and write nothing unless all are good (or
//! `--skip-invalid`). Rows that match the stored account change nothing, so
//! importing the same file twice is harmless.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use garita_engine::account::{
    changes, revision_of, Account, AccountKey, AccountStore, AccountUpdate, ChangeMeta,
    UpsertOutcome,
};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use garita_inventory::columns::{self, Column};
use garita_inventory::csv_file::{self, CsvFileError, MAX_FILE_BYTES};
use garita_inventory::row::{self, Problem, RowContext};

use super::{author, known_portals, WRITE_ATTEMPTS};
use crate::app::App;
use crate::output::say;
use garita_app::ctpat_rule;

/// Accounts written per commit: one transaction and one durable flush each.
const BATCH: usize = 500;
/// From this many rows on, a terminal gets a progress bar.
const LARGE_FILE_ROWS: usize = 1_000;

/// A bad row's problem, located.
#[derive(Debug, Serialize)]
struct Located {
    line: u64,
    column: String,
    message: String,
}

/// What the import did (also its `--json` output).
#[derive(Debug, Default, Serialize)]
struct Summary {
    imported: usize,
    unchanged: usize,
    skipped: usize,
    problems: Vec<Located>,
    /// Accounts whose deadline had already passed (see `rules`).
    past_deadline: usize,
    /// The transitions the portal rules applied after the import.
    rules: Vec<garita_engine::reconcile::ReconciledTransition>,
}

pub async fn import(
    app: &App,
    file: &Path,
    skip_invalid: bool,
    by: Option<String>,
) -> anyhow::Result<ExitCode> {
    let shown = file.display().to_string();
    let text = app.read_named_file(file, read_text)?;
    let csv_file::InventoryCsv {
        header,
        records,
    } = csv_file::read_csv(&text).map_err(|err| match err {
        CsvFileError::Header(e) => {
            anyhow::Error::new(e).context(format!("{shown}:1: cannot read the header row"))
        }
        CsvFileError::Columns(problems) => {
            let lines: Vec<String> = problems.iter().map(|p| format!("{shown}:1: {p}")).collect();
            anyhow::anyhow!(
                "{}\nthe header of {shown} has {} problem(s); nothing was imported (docs/accounts.md lists the columns)",
                lines.join("\n"),
                problems.len()
            )
        }
        CsvFileError::Record { line, source } => anyhow::anyhow!(
            "{shown}:{line}: {source}; fix the CSV (quotes must be paired) and import again"
        ),
    })?;

    let store = app.open_store()?;
    let rule = ctpat_rule::from_app(app)?;
    let portals = known_portals(app);
    let now = app.clock.now();
    let ctx = RowContext {
        portals: &portals,
        today: rule.today(now),
        ctpat: &rule,
        may_reinstate: false,
    };
    let progress = progress_bar(records.len(), "checking");
    let mut summary = Summary::default();
    let mut updates = Vec::with_capacity(records.len());
    let mut first_line: HashMap<AccountKey, u64> = HashMap::new();
    for (index, record) in records.iter().enumerate() {
        progress.inc(1);
        let line = line_of(record);
        let checked =
            check_row(record, &header, &ctx, &mut first_line, line, store.as_ref()).await?;
        match checked {
            // Same as stored: nothing to write (the store would skip it too,
            // but not sending it halves the time of a repeated import).
            Ok(Checked::Unchanged) => summary.unchanged += 1,
            Ok(Checked::Write(account, read_revision)) => updates.push(RowWrite {
                index,
                update: AccountUpdate {
                    account: *account,
                    reason: format!("imported from {shown} line {line}"),
                    expected_revision: Some(read_revision),
                },
            }),
            Err(problems) => {
                summary.skipped += 1;
                summary
                    .problems
                    .extend(problems.into_iter().map(|p| Located {
                        line,
                        column: p.column,
                        message: p.message,
                    }));
            }
        }
    }
    progress.finish_and_clear();

    if summary.skipped > 0 && !skip_invalid {
        report_problems(app, &shown, &summary)?;
        if app.global.json {
            crate::output::json(&summary)?;
        }
        anyhow::bail!(
            "{} of {} rows in {shown} have problems; nothing was imported. Fix them and import again, \
             or pass --skip-invalid to import the other rows",
            summary.skipped,
            records.len()
        );
    }

    let meta = ChangeMeta {
        by: author(app, by),
        at: now,
    };
    let progress = progress_bar(updates.len(), "writing");
    for batch in updates.chunks_mut(BATCH) {
        let rows = BatchRows {
            records: &records,
            header: &header,
            ctx: &ctx,
        };
        let outcomes = write_batch(store.as_ref(), batch, &rows, &meta).await?;
        for outcome in outcomes {
            match outcome {
                UpsertOutcome::Unchanged => summary.unchanged += 1,
                UpsertOutcome::Created | UpsertOutcome::Updated => summary.imported += 1,
            }
        }
        progress.inc(batch.len() as u64);
    }
    progress.finish_and_clear();

    report_problems(app, &shown, &summary)?;
    // What the new facts mean now: deadlines that passed before Garita knew
    // of the accounts are applied (once) and said plainly.
    let rules = garita_app::reconcile::reconcile_now(app, store.clone()).await?;
    summary.past_deadline = rules.late().count();
    summary.rules = rules.applied.clone();
    if app.global.json {
        crate::output::json(&summary)?;
    } else {
        say!(
            "imported {}, unchanged {}, skipped {}",
            summary.imported,
            summary.unchanged,
            summary.skipped
        );
        for line in garita_app::reconcile::describe(&rules) {
            say!("{line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A good row to write: its index in the file's records, and its update.
struct RowWrite {
    index: usize,
    update: AccountUpdate,
}

/// What re-checking a batch's rows needs.
struct BatchRows<'a> {
    records: &'a [csv::StringRecord],
    header: &'a [Column],
    ctx: &'a RowContext<'a>,
}

fn line_of(record: &csv::StringRecord) -> u64 {
    record.position().map_or(0, |p| p.line())
}

/// Writes one batch. When another command changed one of its accounts since
/// its rows were checked, the store writes nothing (nothing of theirs is
/// lost); the batch's rows are then built again over what is stored now and
/// written again, so the file's values land on top of the other change
/// instead of undoing it.
async fn write_batch(
    store: &dyn AccountStore,
    batch: &mut [RowWrite],
    rows: &BatchRows<'_>,
    meta: &ChangeMeta,
) -> anyhow::Result<Vec<UpsertOutcome>> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let updates: Vec<AccountUpdate> = batch.iter().map(|w| w.update.clone()).collect();
        match store.upsert_accounts(&updates, meta, None).await {
            Ok(outcomes) => return Ok(outcomes),
            Err(e) if e.is_conflict() && attempt < WRITE_ATTEMPTS => {
                for write in batch.iter_mut() {
                    let Some(record) = rows.records.get(write.index) else {
                        continue;
                    };
                    // The rows were checked once, duplicates included: a
                    // fresh map only rebuilds each row over the new state.
                    let mut first_line = HashMap::new();
                    let line = line_of(record);
                    let checked =
                        check_row(record, rows.header, rows.ctx, &mut first_line, line, store)
                            .await?;
                    match checked {
                        Ok(Checked::Write(account, read_revision)) => {
                            write.update.account = *account;
                            write.update.expected_revision = Some(read_revision);
                        }
                        // Now equal to what is stored: writing it again
                        // changes nothing, at the revision stored now.
                        Ok(Checked::Unchanged) => {
                            let stored = store.account(&write.update.account.key()).await?;
                            write.update.expected_revision = Some(revision_of(stored.as_ref()));
                        }
                        Err(problems) => {
                            let first = problems
                                .first()
                                .map(|p| format!("column `{}`: {}", p.column, p.message))
                                .unwrap_or_default();
                            anyhow::bail!(
                                "line {line}: another command changed account {} while this import ran, and the row no longer fits it ({first}); nothing of this batch was written. Import the file again",
                                write.update.account.key()
                            );
                        }
                    }
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Checks one record: its cells, its key (not repeated in the file) and the
/// account it makes over the stored one.
async fn check_row(
    record: &csv::StringRecord,
    header: &[Column],
    ctx: &RowContext<'_>,
    first_line: &mut HashMap<AccountKey, u64>,
    line: u64,
    store: &dyn AccountStore,
) -> anyhow::Result<Result<Checked, Vec<Problem>>> {
    let cells = match csv_file::cells_of(record, header) {
        Ok(cells) => cells,
        Err(problem) => return Ok(Err(vec![problem])),
    };
    let key = match row::key_of(&cells, ctx) {
        Ok(key) => key,
        Err(problems) => return Ok(Err(problems)),
    };
    if let Some(earlier) = first_line.get(&key) {
        return Ok(Err(vec![Problem {
            column: columns::ACCOUNT.into(),
            message: format!(
                "account {key} is already on line {earlier} (portal and identifier are compared without case)"
            ),
        }]));
    }
    first_line.insert(key.clone(), line);
    let existing = store.account(&key).await?;
    Ok(row::build(&cells, existing.as_ref(), ctx).map(|account| {
        match existing
            .as_ref()
            .map(|stored| changes(Some(stored), &account))
        {
            Some(differences) if differences.is_empty() => Checked::Unchanged,
            _ => Checked::Write(Box::new(account), revision_of(existing.as_ref())),
        }
    }))
}

/// A good row: what to do with it.
#[derive(Debug)]
enum Checked {
    /// The stored account already has these values.
    Unchanged,
    /// New or changed: write it, over the revision read (0: none).
    Write(Box<Account>, u64),
}

fn report_problems(app: &App, shown: &str, summary: &Summary) -> anyhow::Result<()> {
    if app.global.json {
        // The problems are part of the JSON summary.
        return Ok(());
    }
    for p in &summary.problems {
        say!("{shown}:{}: column `{}`: {}", p.line, p.column, p.message);
    }
    Ok(())
}

pub(super) fn read_text(file: &Path) -> anyhow::Result<String> {
    let shown = file.display();
    let meta = std::fs::metadata(file).with_context(|| format!("cannot read {shown}"))?;
    if meta.len() > MAX_FILE_BYTES {
        anyhow::bail!(
            "{shown} is {} bytes; an inventory file is limited to {MAX_FILE_BYTES} bytes (split it)",
            meta.len()
        );
    }
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {shown}"))?;
    csv_file::decode_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{shown}:{}: not valid UTF-8 (byte {}); save the file as CSV UTF-8 and import again",
            e.line,
            e.byte
        )
    })
}

/// A bar on stderr for a large file when stderr is a terminal; else hidden.
fn progress_bar(len: usize, what: &'static str) -> ProgressBar {
    // Captured for a client of the daemon: the bar would draw on the daemon's terminal.
    if len < LARGE_FILE_ROWS || !std::io::stderr().is_terminal() || crate::output::is_captured() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{msg:>8} [{bar:40}] {pos}/{len} rows") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what);
    bar
}
