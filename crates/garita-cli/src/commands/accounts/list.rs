//! `garita accounts list`: the inventory, filtered; `--deactivates-within N`
//! reads the store's CTPAT deactivation index for the days after today.

use std::process::ExitCode;

use chrono::Days;
use garita_engine::account::{AccountFilter, AccountStatus, AccountStore};

use super::account_json;
use crate::app::App;
use crate::output::{say, Table};
use crate::usage::UsageError;
use garita_app::ctpat_rule;

pub async fn list(
    app: &App,
    portal: Option<String>,
    status: Option<String>,
    company: Option<String>,
    deactivates_within: Option<u32>,
) -> anyhow::Result<ExitCode> {
    let statuses = match &status {
        None => Vec::new(),
        Some(text) => vec![AccountStatus::parse(text).ok_or_else(|| {
            UsageError(format!(
                "--status `{text}` is not a status; use one of {}",
                AccountStatus::ALL.map(|s| s.as_str()).join(", ")
            ))
        })?],
    };
    let rule = ctpat_rule::from_app(app)?;
    let today = rule.today(app.clock.now());
    // "Within N days": deactivating on one of the N days after today. An
    // account whose date is today or earlier is already deactivated.
    let deactivating_between = deactivates_within.map(|days| {
        let from = today + Days::new(1);
        (from, today + Days::new(u64::from(days)))
    });
    let filter = AccountFilter {
        portal,
        statuses,
        company,
        holder: None,
        deactivating_between,
    };
    let store = app.open_store()?;
    let accounts = store.list_accounts(&filter).await?;
    if app.global.json {
        let rows: Vec<serde_json::Value> = accounts.iter().map(account_json).collect();
        crate::output::json(&rows)?;
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
    for a in &accounts {
        table.row(vec![
            a.key().to_string(),
            a.status.to_string(),
            a.holder.name.clone(),
            a.company.legal_name.clone(),
            a.last_sign_in.map(|d| d.to_string()).unwrap_or_default(),
            a.indexed_deactivation()
                .map(|d| match (d - today).num_days() {
                    left if left > 0 => format!("{d} (in {left} days)"),
                    _ => format!("{d} (passed)"),
                })
                .unwrap_or_default(),
        ]);
    }
    table.print();
    Ok(ExitCode::SUCCESS)
}
