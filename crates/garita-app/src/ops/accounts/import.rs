//! Importing an inventory CSV: every row checked, every bad one reported
//! with its line and column, nothing written unless all are good.

use std::collections::HashMap;

use garita_engine::account::{
    changes, revision_of, Account, AccountKey, AccountStore, AccountUpdate, ChangeMeta,
    UpsertOutcome,
};
use garita_engine::reconcile::ReconciledTransition;
use serde::{Deserialize, Serialize};

use garita_inventory::columns::{self, Column};
use garita_inventory::csv_file::{self, CsvFileError};
use garita_inventory::leading_zeros;
use garita_inventory::row::{self, Problem, RowContext};

use super::{RowRules, WRITE_ATTEMPTS};
use crate::ops::Session;
use crate::AppError;

/// Accounts written per commit: one transaction and one durable flush each.
const BATCH: usize = 500;

/// An inventory to import.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportRequest {
    /// The file's name, for messages and the history.
    pub file: String,
    /// The CSV text.
    pub csv: String,
    /// Import the good rows even when some are bad.
    pub skip_invalid: bool,
    /// Put back the leading zero a spreadsheet dropped from a cédula or
    /// RUC (each repair is reported in `warnings`).
    #[serde(default)]
    pub fix_leading_zeros: bool,
    /// Who imports, for the history (default: the caller).
    pub by: Option<String>,
}

/// A bad row's problem, located.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LocatedProblem {
    /// The row's line in the file.
    pub line: u64,
    /// The column at fault.
    pub column: String,
    /// What is wrong.
    pub message: String,
}

/// What an import did: the per-row report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ImportReport {
    /// Accounts created or changed.
    pub imported: usize,
    /// Rows equal to the stored account.
    pub unchanged: usize,
    /// Bad rows, not imported.
    pub skipped: usize,
    /// Each bad row's problems.
    pub problems: Vec<LocatedProblem>,
    /// What was imported other than as written: each cell whose dropped
    /// leading zero was put back (`fix_leading_zeros`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<LocatedProblem>,
    /// Accounts whose deadline had already passed (see `rules`).
    pub past_deadline: usize,
    /// The transitions the portal rules applied after the import.
    pub rules: Vec<ReconciledTransition>,
    /// Set when nothing was imported because rows are bad (and
    /// `skip_invalid` was not given): why, and what to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
}

/// Told how far a long import got (a front end draws a progress bar).
pub trait ImportProgress: Send + Sync {
    /// A phase starts: `what` (`checking`, `writing`) over `rows` rows.
    fn start(&self, what: &'static str, rows: usize);
    /// `rows` more rows are done.
    fn advance(&self, rows: usize);
    /// The phase is over.
    fn finish(&self);
}

/// No progress shown.
pub struct NoProgress;

impl ImportProgress for NoProgress {
    fn start(&self, _: &'static str, _: usize) {}
    fn advance(&self, _: usize) {}
    fn finish(&self) {}
}

/// Checks every row, reports every bad one with its line and column, and
/// writes nothing unless all are good (or `skip_invalid`). Rows that match
/// the stored account change nothing, so importing the same file twice is
/// harmless.
pub async fn import(
    session: &Session,
    request: ImportRequest,
    by: String,
    progress: &dyn ImportProgress,
) -> Result<ImportReport, AppError> {
    let shown = request.file.as_str();
    let csv_file::InventoryCsv { header, records } =
        csv_file::read_csv(&request.csv).map_err(|err| match err {
            CsvFileError::Header(e) => {
                AppError::Refused(format!("{shown}:1: cannot read the header row: {e}"))
            }
            CsvFileError::Columns(problems) => {
                let lines: Vec<String> =
                    problems.iter().map(|p| format!("{shown}:1: {p}")).collect();
                AppError::Refused(format!(
                    "{}\nthe header of {shown} has {} problem(s); nothing was imported (docs/accounts.md lists the columns)",
                    lines.join("\n"),
                    problems.len()
                ))
            }
            CsvFileError::Record { line, source } => AppError::Refused(format!(
                "{shown}:{line}: {source}; fix the CSV (quotes must be paired) and import again"
            )),
        })?;

    let app = &session.app;
    let store = session.backend.accounts.as_ref();
    let rules = RowRules::of(app)?;
    let now = rules.now;
    let mut ctx = rules.context(false);
    ctx.fix_leading_zeros = request.fix_leading_zeros;
    progress.start("checking", records.len());
    let mut summary = ImportReport::default();
    let mut updates = Vec::with_capacity(records.len());
    let mut first_line: HashMap<AccountKey, u64> = HashMap::new();
    for (index, record) in records.iter().enumerate() {
        progress.advance(1);
        let line = line_of(record);
        let checked = check_row(record, &header, &ctx, &mut first_line, line, store).await?;
        if let Ok(Checked::Write(..) | Checked::Unchanged) = &checked {
            summary
                .warnings
                .extend(repairs_of(record, &header, &ctx, line));
        }
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
                    .extend(problems.into_iter().map(|p| LocatedProblem {
                        line,
                        column: p.column,
                        message: p.message,
                    }));
            }
        }
    }
    progress.finish();

    if summary.skipped > 0 && !request.skip_invalid {
        summary.refused = Some(format!(
            "{} of {} rows in {shown} have problems; nothing was imported. Fix them and import again, \
             or pass --skip-invalid to import the other rows",
            summary.skipped,
            records.len()
        ));
        return Ok(summary);
    }

    let meta = ChangeMeta { by, at: now };
    progress.start("writing", updates.len());
    for batch in updates.chunks_mut(BATCH) {
        let rows = BatchRows {
            records: &records,
            header: &header,
            ctx: &ctx,
        };
        let outcomes = write_batch(store, batch, &rows, &meta).await?;
        for outcome in outcomes {
            match outcome {
                UpsertOutcome::Unchanged => summary.unchanged += 1,
                UpsertOutcome::Created | UpsertOutcome::Updated => summary.imported += 1,
            }
        }
        progress.advance(batch.len());
    }
    progress.finish();

    // What the new facts mean now: deadlines that passed before Garita knew
    // of the accounts are applied (once) and said plainly.
    let rules = crate::reconcile::reconcile_now(app, session.backend.accounts.clone()).await?;
    summary.past_deadline = rules.late().count();
    summary.rules = rules.applied;
    Ok(summary)
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
) -> Result<Vec<UpsertOutcome>, AppError> {
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
                            return Err(AppError::Refused(format!(
                                "line {line}: another command changed account {} while this import ran, and the row no longer fits it ({first}); nothing of this batch was written. Import the file again",
                                write.update.account.key()
                            )));
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
) -> Result<Result<Checked, Vec<Problem>>, AppError> {
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

/// The leading zeros put back in a good row, as warnings.
fn repairs_of(
    record: &csv::StringRecord,
    header: &[Column],
    ctx: &RowContext<'_>,
    line: u64,
) -> Vec<LocatedProblem> {
    if !ctx.fix_leading_zeros {
        return Vec::new();
    }
    let Ok(cells) = csv_file::cells_of(record, header) else {
        return Vec::new();
    };
    let portal = AccountKey::normalise_portal(cells.get(columns::PORTAL).unwrap_or_default());
    leading_zeros::repairs(&cells, &portal)
        .into_iter()
        .map(|repair| LocatedProblem {
            line,
            column: repair.column.to_owned(),
            message: repair.message(),
        })
        .collect()
}

/// A good row: what to do with it.
#[derive(Debug)]
enum Checked {
    /// The stored account already has these values.
    Unchanged,
    /// New or changed: write it, over the revision read (0: none).
    Write(Box<Account>, u64),
}
