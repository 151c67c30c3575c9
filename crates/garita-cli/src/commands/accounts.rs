//! `garita accounts import|list|add|touch|offboard|export|history`: the
//! inventory of customs-portal accounts (docs/accounts.md).

mod add;
mod export;
mod history;
mod import;
mod list;
mod offboard;
mod touch;

// The pure CSV and row checks live in garita-inventory (so they can be fuzzed).
use garita_inventory::{columns, csv_cells, row, validate};

use std::process::ExitCode;

use garita_engine::account::{Account, AccountFilter, AccountKey, AccountStore};

use crate::app::App;
use crate::cli::AccountsCommand;
use crate::usage::UsageError;

/// Connectors that are not portals: they never hold accounts (`accounts`
/// and `event` are the inventory's own, for workflows).
/// How many times a command applies its change again after another command
/// changed the same account between its read and its write (the store
/// refuses such a write: see `StoreError::Conflict`). Each attempt reads
/// afresh; eight covers any realistic burst of concurrent commands.
const WRITE_ATTEMPTS: u32 = 8;

const NOT_PORTALS: [&str; 4] = ["core", "email", "accounts", "event"];

pub async fn accounts(app: &App, command: AccountsCommand) -> anyhow::Result<ExitCode> {
    match command {
        AccountsCommand::Import {
            file,
            skip_invalid,
            by,
        } => import::import(app, &file, skip_invalid, by).await,
        AccountsCommand::List {
            portal,
            status,
            company,
            deactivates_within,
        } => list::list(app, portal, status, company, deactivates_within).await,
        AccountsCommand::Add(args) => add::add(app, *args).await,
        AccountsCommand::Touch { account, at, by } => touch::touch(app, &account, at, by).await,
        AccountsCommand::Offboard { person, note, by } => {
            offboard::offboard(app, &person, note, by).await
        }
        AccountsCommand::Export { output } => export::export(app, output.as_deref()).await,
        AccountsCommand::History { account } => history::history(app, &account).await,
    }
}

/// Portal names an account may have: every loaded connector (the built-in
/// `ctpat`, `ecuapass`, `anam`, and plugins) except the non-portal ones.
fn known_portals(app: &App) -> Vec<String> {
    let mut names: Vec<String> = app
        .manifests()
        .iter()
        .map(|m| m.name.clone())
        .filter(|n| !NOT_PORTALS.contains(&n.as_str()))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Who makes a change, for the history: `--by`, else `[identity]
/// default_by`, else the operating-system user (see `identity`).
fn author(app: &App, by: Option<String>) -> String {
    garita_app::identity::author(by, &app.settings)
}

/// Finds an account given as `PORTAL:IDENTIFIER`, or as a bare identifier
/// that only one portal has.
async fn resolve(store: &dyn AccountStore, given: &str) -> anyhow::Result<Account> {
    if let Some(key) = AccountKey::parse(given) {
        if let Some(account) = store.account(&key).await? {
            return Ok(account);
        }
    }
    let wanted = given.trim().to_lowercase();
    let matches: Vec<Account> = store
        .list_accounts(&AccountFilter::default())
        .await?
        .into_iter()
        .filter(|a| a.key().identifier() == wanted)
        .collect();
    match matches.as_slice() {
        [one] => Ok(one.clone()),
        [] => anyhow::bail!(
            "no account `{given}` in the inventory; give it as PORTAL:IDENTIFIER, as `garita accounts list` shows it"
        ),
        many => Err(UsageError(format!(
            "`{given}` is an account on {} portals ({}); give it as PORTAL:IDENTIFIER",
            many.len(),
            many.iter().map(|a| a.key().to_string()).collect::<Vec<_>>().join(", ")
        ))
        .into()),
    }
}

/// An account as JSON, with its key first.
fn account_json(account: &Account) -> serde_json::Value {
    let mut value = serde_json::json!({ "key": account.key().to_string() });
    if let (Some(map), Ok(serde_json::Value::Object(fields))) =
        (value.as_object_mut(), serde_json::to_value(account))
    {
        map.extend(fields);
    }
    value
}

/// Reads an inventory file exactly as `accounts import` does; the client of
/// the daemon reads it so and sends its contents.
pub fn read_import_file(file: &std::path::Path) -> anyhow::Result<String> {
    import::read_text(file)
}
