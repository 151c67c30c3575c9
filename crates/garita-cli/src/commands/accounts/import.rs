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
    changes, Account, AccountKey, AccountStore, AccountUpdate, ChangeMeta, UpsertOutcome,
};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use super::columns::{self, Cells, Column};
use super::csv_cells::unescape_formula;
use super::row::{self, Problem, RowContext};
use super::{author, ctpat_rule::CtpatRule, known_portals};
use crate::app::App;
use crate::output::say;

/// Largest file accepted: far above any real inventory (10,000 rows are ~2 MB).
const MAX_FILE_BYTES: u64 = 256 << 20;
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
}

pub async fn import(
    app: &App,
    file: &Path,
    skip_invalid: bool,
    by: Option<String>,
) -> anyhow::Result<ExitCode> {
    let shown = file.display().to_string();
    let text = read_text(file)?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(&text))
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .with_context(|| format!("{shown}:1: cannot read the header row"))?
        .iter()
        .map(str::to_owned)
        .collect();
    let header = columns::check_header(&headers).map_err(|problems| {
        let lines: Vec<String> = problems.iter().map(|p| format!("{shown}:1: {p}")).collect();
        anyhow::anyhow!(
            "{}\nthe header of {shown} has {} problem(s); nothing was imported (docs/accounts.md lists the columns)",
            lines.join("\n"),
            problems.len()
        )
    })?;
    let records: Vec<csv::StringRecord> = reader
        .records()
        .collect::<Result<_, _>>()
        .map_err(|e| csv_error(&shown, &e))?;

    let store = app.open_store()?;
    let rule = CtpatRule::from_app(app)?;
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
    for record in &records {
        progress.inc(1);
        let line = record.position().map_or(0, |p| p.line());
        let checked =
            check_row(record, &header, &ctx, &mut first_line, line, store.as_ref()).await?;
        match checked {
            // Same as stored: nothing to write (the store would skip it too,
            // but not sending it halves the time of a repeated import).
            Ok(Checked::Unchanged) => summary.unchanged += 1,
            Ok(Checked::Write(account)) => updates.push(AccountUpdate {
                account: *account,
                reason: format!("imported from {shown} line {line}"),
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
        by: author(by),
        at: now,
    };
    let progress = progress_bar(updates.len(), "writing");
    for batch in updates.chunks(BATCH) {
        let outcomes = store.upsert_accounts(batch, &meta, None).await?;
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
    if app.global.json {
        crate::output::json(&summary)?;
    } else {
        say!(
            "imported {}, unchanged {}, skipped {}",
            summary.imported,
            summary.unchanged,
            summary.skipped
        );
    }
    Ok(ExitCode::SUCCESS)
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
    let cells = match cells_of(record, header) {
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
            _ => Checked::Write(Box::new(account)),
        }
    }))
}

/// A good row: what to do with it.
#[derive(Debug)]
enum Checked {
    /// The stored account already has these values.
    Unchanged,
    /// New or changed: write it.
    Write(Box<Account>),
}

/// The record's cells by column, undoing the exporter's formula escape.
fn cells_of(record: &csv::StringRecord, header: &[Column]) -> Result<Cells, Problem> {
    let extra_filled = record
        .iter()
        .skip(header.len())
        .any(|c| !c.trim().is_empty());
    if record.len() < header.len() || extra_filled {
        return Err(Problem {
            column: "-".into(),
            message: format!(
                "the row has {} cells but the header has {} columns",
                record.len(),
                header.len()
            ),
        });
    }
    let mut cells = Cells::default();
    for (column, raw) in header.iter().zip(record.iter()) {
        let value = unescape_formula(raw).trim().to_owned();
        match column {
            Column::Fixed(name) => {
                cells.fixed.insert(name, value);
            }
            Column::Attribute(name) => {
                cells.attributes.insert(name.clone(), value);
            }
        }
    }
    Ok(cells)
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

fn read_text(file: &Path) -> anyhow::Result<String> {
    let shown = file.display();
    let meta = std::fs::metadata(file).with_context(|| format!("cannot read {shown}"))?;
    if meta.len() > MAX_FILE_BYTES {
        anyhow::bail!(
            "{shown} is {} bytes; an inventory file is limited to {MAX_FILE_BYTES} bytes (split it)",
            meta.len()
        );
    }
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {shown}"))?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..at].iter().filter(|b| **b == b'\n').count() + 1;
        anyhow::anyhow!("{shown}:{line}: not valid UTF-8 (byte {at}); save the file as CSV UTF-8 and import again")
    })
}

/// `;` when the header line has semicolons and no commas (spreadsheets in
/// Spanish-speaking locales save CSV that way), else `,`.
fn delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or_default();
    if first.contains(';') && !first.contains(',') {
        b';'
    } else {
        b','
    }
}

fn csv_error(shown: &str, err: &csv::Error) -> anyhow::Error {
    let line = err.position().map_or(0, |p| p.line());
    anyhow::anyhow!("{shown}:{line}: {err}; fix the CSV (quotes must be paired) and import again")
}

/// A bar on stderr for a large file when stderr is a terminal; else hidden.
fn progress_bar(len: usize, what: &'static str) -> ProgressBar {
    if len < LARGE_FILE_ROWS || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{msg:>8} [{bar:40}] {pos}/{len} rows") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what);
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semicolon_files_are_recognised_by_their_header() {
        assert_eq!(delimiter("portal;account;holder_name\n"), b';');
        assert_eq!(delimiter("portal,account,note\nx;y,z\n"), b',');
        assert_eq!(delimiter(""), b',');
    }

    #[test]
    fn rows_with_missing_cells_are_a_problem_but_trailing_empty_cells_are_not() {
        let header = vec![Column::Fixed("portal"), Column::Fixed("account")];
        let short = csv::StringRecord::from(vec!["ctpat"]);
        assert!(cells_of(&short, &header)
            .unwrap_err()
            .message
            .contains("1 cells"));
        let trailing = csv::StringRecord::from(vec!["ctpat", "a@x.com", " ", ""]);
        let cells = cells_of(&trailing, &header).unwrap();
        assert_eq!(cells.get("account"), Some("a@x.com"));
        let escaped = csv::StringRecord::from(vec!["ctpat", "'=a@x.com"]);
        assert_eq!(
            cells_of(&escaped, &header).unwrap().get("account"),
            Some("=a@x.com")
        );
    }
}
