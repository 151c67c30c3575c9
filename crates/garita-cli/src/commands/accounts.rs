//! `garita accounts import|list|add|touch|offboard|export|history`: the
//! inventory of customs-portal accounts (docs/accounts.md). The operations
//! do the work; this renders their answers (and reads and writes the files
//! the command line names, which are the caller's).

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use garita_app::ops::accounts::{
    AccountFields, AccountQuery, AccountView, ImportProgress, ImportRequest,
};
use garita_app::reconcile::describe_applied;
use garita_app::Operations;
use garita_engine::account::{AccountStatus, UpsertOutcome, ACCOUNT_OFFBOARDED};
use garita_inventory::csv_file::{self, MAX_FILE_BYTES};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::{AccountArgs, AccountsCommand};
use crate::output::{say, Table};
use crate::usage::UsageError;

/// From this many rows on, a terminal gets a progress bar.
const LARGE_FILE_ROWS: usize = 1_000;

/// `store_dir`: where the store is (an export is never written into it).
pub async fn accounts(
    ops: &dyn Operations,
    json: bool,
    store_dir: &Path,
    command: AccountsCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        AccountsCommand::Import {
            file,
            skip_invalid,
            fix_leading_zeros,
            by,
        } => import(ops, json, &file, skip_invalid, fix_leading_zeros, by).await,
        AccountsCommand::List {
            portal,
            status,
            company,
            deactivates_within,
        } => {
            let query = AccountQuery {
                portal,
                status,
                company,
                deactivates_within,
            };
            list(json, &ops.list_accounts(query).await?)
        }
        AccountsCommand::Add(args) => add(ops, json, *args).await,
        AccountsCommand::Check => {
            let checked = ops.check_accounts().await?;
            if json {
                crate::output::json(&serde_json::to_value(&checked)?)?;
                return Ok(ExitCode::SUCCESS);
            }
            for f in &checked.findings {
                say!("{}  {}: {}", f.account, f.kind, f.message);
            }
            say!(
                "checked {} account(s): {} finding(s)",
                checked.checked,
                checked.findings.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        AccountsCommand::ProfileUpdated {
            account,
            on,
            note,
            by,
        } => {
            let recorded = ops.profile_updated(&account, on, note, by).await?;
            let key = &recorded.view.key;
            if let Some(known) = recorded.later_update {
                say!("{key} already has a later profile update ({known}); nothing changed");
                return Ok(ExitCode::SUCCESS);
            }
            if json {
                crate::output::json(&serde_json::to_value(&recorded)?)?;
                return Ok(ExitCode::SUCCESS);
            }
            say!(
                "recorded the security-profile update of {} on {} for {key}",
                recorded.view.account.company.legal_name,
                recorded.updated_on
            );
            if let Some(due) = recorded.counts_for {
                say!("it counts for the update due on {due}");
            }
            if let Some(seq) = recorded.audit_seq {
                say!("audit entry {seq} (compliance.profile_update)");
            }
            for line in describe_applied(&recorded.rules) {
                say!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
        AccountsCommand::PasswordChanged { account, on, by } => {
            let recorded = ops.password_changed(&account, on, by).await?;
            let key = &recorded.view.key;
            if let Some(known) = recorded.later_change {
                say!("{key} already has a later password change ({known}); nothing changed");
                return Ok(ExitCode::SUCCESS);
            }
            if json {
                crate::output::json(&serde_json::to_value(&recorded)?)?;
                return Ok(ExitCode::SUCCESS);
            }
            say!(
                "recorded a password change on {} for {key}",
                recorded.changed_on
            );
            for line in describe_applied(&recorded.rules) {
                say!("{line}");
            }
            if let Some(next) = recorded.next_due_on {
                say!("the next change is due on {next}");
            }
            Ok(ExitCode::SUCCESS)
        }
        AccountsCommand::Touch { account, at, by } => {
            let recorded = ops.touch_account(&account, at, by).await?;
            let key = &recorded.view.key;
            if let Some(known) = recorded.later_sign_in {
                say!("{key} already has a later sign-in ({known}); nothing changed");
                return Ok(ExitCode::SUCCESS);
            }
            if json {
                crate::output::json(&serde_json::to_value(&recorded.view)?)?;
                return Ok(ExitCode::SUCCESS);
            }
            say!("recorded a sign-in on {} for {key}", recorded.signed_in_on);
            for line in describe_applied(&recorded.rules) {
                say!("{line}");
            }
            let account = &recorded.view.account;
            if let Some(date) = account.indexed_deactivation() {
                say!("CTPAT deactivates it on {date} unless the holder signs in again before");
            }
            if matches!(
                account.status,
                AccountStatus::Deactivated | AccountStatus::Disabled
            ) {
                say!(
                    "note: the account is still {}; a sign-in does not lift that. Once the authority reactivates it, \
                     record it with `garita accounts add --portal {} --account {} --status active`",
                    account.status,
                    account.portal,
                    account.identifier
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        AccountsCommand::Offboard { person, note, by } => {
            let done = ops.offboard(&person, note, by).await?;
            let person = &done.person;
            let Some(event) = &done.event else {
                say!(
                    "every account of {person} is already offboarded ({}); nothing changed",
                    done.held
                );
                return Ok(ExitCode::SUCCESS);
            };
            if json {
                crate::output::json(&serde_json::json!({"event": event, "data": done.data}))?;
                return Ok(ExitCode::SUCCESS);
            }
            let mut table = Table::new(&["ACCOUNT", "WAS", "COMPANY"]);
            for a in &done.accounts {
                table.row(vec![
                    a.key.clone(),
                    a.account.status.to_string(),
                    a.account.company.legal_name.clone(),
                ]);
            }
            table.print();
            say!(
                "offboarded {} account(s) of {person}; queued event {ACCOUNT_OFFBOARDED} for `garita daemon`",
                done.accounts.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        AccountsCommand::Export { output } => {
            let export = ops.export_accounts().await?;
            match output {
                None => crate::output::write_raw(export.csv.as_bytes()),
                Some(path) => {
                    // Whole or not at all, by the caller (also through a daemon).
                    garita_app::wiring::write_file_whole(store_dir, &path, export.csv.as_bytes())?;
                    say!(
                        "exported {} account(s) to {}",
                        export.accounts,
                        path.display()
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        AccountsCommand::History { account } => {
            let history = ops.account_history(&account).await?;
            if json {
                crate::output::json(&serde_json::to_value(&history)?)?;
                return Ok(ExitCode::SUCCESS);
            }
            say!("history of {}", history.key);
            let mut table = Table::new(&["#", "AT", "BY", "REASON", "CHANGE"]);
            for entry in &history.history {
                for (i, change) in entry.changes.iter().enumerate() {
                    let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
                    let mut row = if i == 0 {
                        vec![
                            entry.seq.to_string(),
                            entry.at.format("%Y-%m-%d %H:%M:%SZ").to_string(),
                            entry.by.clone(),
                            entry.reason.clone(),
                        ]
                    } else {
                        vec![String::new(); 4]
                    };
                    row.push(format!(
                        "{}: {} -> {}",
                        change.field,
                        shown(&change.old),
                        shown(&change.new)
                    ));
                    table.row(row);
                }
            }
            table.print();
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn list(json: bool, accounts: &[AccountView]) -> anyhow::Result<ExitCode> {
    if json {
        // Through a Value, so the members print in name order as before.
        crate::output::json(&serde_json::to_value(accounts)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    if accounts.is_empty() {
        say!("no accounts");
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = Table::new(&[
        "ACCOUNT",
        "STATUS",
        "HOLDER",
        "COMPANY",
        "LAST SIGN-IN",
        "DEACTIVATES",
    ]);
    for view in accounts {
        let a = &view.account;
        table.row(vec![
            view.key.clone(),
            a.status.to_string(),
            a.holder.name.clone(),
            a.company.legal_name.clone(),
            a.last_sign_in.map(|d| d.to_string()).unwrap_or_default(),
            match (a.indexed_deactivation(), view.deactivates_in_days) {
                (Some(d), Some(left)) if left > 0 => format!("{d} (in {left} days)"),
                (Some(d), _) => format!("{d} (passed)"),
                (None, _) => String::new(),
            },
        ]);
    }
    table.print();
    Ok(ExitCode::SUCCESS)
}

async fn add(ops: &dyn Operations, json: bool, args: AccountArgs) -> anyhow::Result<ExitCode> {
    let mut attributes = BTreeMap::new();
    for pair in args.attributes {
        let Some((name, value)) = pair.split_once('=') else {
            return Err(UsageError(format!(
                "--attr `{pair}` must look like KEY=VALUE (an empty VALUE removes the attribute)"
            ))
            .into());
        };
        attributes.insert(name.trim().to_owned(), value.to_owned());
    }
    let fields = AccountFields {
        portal: args.portal,
        account: args.account,
        holder_name: args.holder_name,
        holder_email: args.holder_email,
        employee_id: args.employee_id,
        holder_national_id: args.holder_national_id,
        company: args.company,
        tax_id: args.tax_id,
        ctpat_account_number: args.ctpat_account_number,
        role: args.role,
        status: args.status,
        last_sign_in: args.last_sign_in,
        time_zone: args.time_zone,
        locale: args.locale,
        certificate_expires_on: args.certificate_expires_on,
        password_changed_on: args.password_changed_on,
        attributes,
        by: args.by,
    };
    let added = ops.add_account(fields).await?;
    if json {
        crate::output::json(&serde_json::to_value(&added)?)?;
    } else {
        let verb = match added.outcome {
            UpsertOutcome::Created => "added",
            UpsertOutcome::Updated => "updated",
            UpsertOutcome::Unchanged => "unchanged",
        };
        say!("{verb} {}", added.key);
        for line in describe_applied(&added.rules) {
            say!("{line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn import(
    ops: &dyn Operations,
    json: bool,
    file: &Path,
    skip_invalid: bool,
    fix_leading_zeros: bool,
    by: Option<String>,
) -> anyhow::Result<ExitCode> {
    let shown = file.display().to_string();
    let request = ImportRequest {
        file: shown.clone(),
        csv: read_import_file(file)?,
        skip_invalid,
        fix_leading_zeros,
        by,
    };
    let report = ops
        .import_accounts(request, &TerminalProgress::default())
        .await?;
    if !json {
        for p in &report.problems {
            say!("{shown}:{}: column `{}`: {}", p.line, p.column, p.message);
        }
        for w in &report.warnings {
            say!(
                "{shown}:{}: warning: column `{}`: {}",
                w.line,
                w.column,
                w.message
            );
        }
    }
    if json {
        crate::output::json(&report)?;
    }
    if let Some(refused) = report.refused {
        return Err(garita_app::AppError::Refused(refused).into());
    }
    if !json {
        say!(
            "imported {}, unchanged {}, skipped {}",
            report.imported,
            report.unchanged,
            report.skipped
        );
        for line in describe_applied(&report.rules) {
            say!("{line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads an inventory file (at most the import's limit, UTF-8).
fn read_import_file(file: &Path) -> anyhow::Result<String> {
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

/// A bar on stderr for a large import when stderr is a terminal; else nothing.
#[derive(Default)]
struct TerminalProgress {
    bar: std::sync::Mutex<Option<ProgressBar>>,
}

impl ImportProgress for TerminalProgress {
    fn start(&self, what: &'static str, rows: usize) {
        if rows < LARGE_FILE_ROWS || !std::io::stderr().is_terminal() {
            return;
        }
        let bar = ProgressBar::with_draw_target(Some(rows as u64), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("{msg:>8} [{bar:40}] {pos}/{len} rows") {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(what);
        *self.bar.lock().unwrap_or_else(|p| p.into_inner()) = Some(bar);
    }

    fn advance(&self, rows: usize) {
        if let Some(bar) = &*self.bar.lock().unwrap_or_else(|p| p.into_inner()) {
            bar.inc(rows as u64);
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.bar.lock().unwrap_or_else(|p| p.into_inner()).take() {
            bar.finish_and_clear();
        }
    }
}
