//! `garita accounts history ACCOUNT`: every recorded change, oldest first —
//! what an audit asks to see (for example, when a departing employee's
//! access was removed and by whom).

use std::process::ExitCode;

use garita_engine::account::AccountStore;

use super::resolve;
use crate::app::App;
use crate::output::{say, Table};

pub async fn history(app: &App, given: &str) -> anyhow::Result<ExitCode> {
    let store = app.open_store()?;
    let account = resolve(store.as_ref(), given).await?;
    let key = account.key();
    let entries = store.account_history(&key).await?;
    if app.global.json {
        crate::output::json(&serde_json::json!({"key": key.to_string(), "history": entries}))?;
        return Ok(ExitCode::SUCCESS);
    }
    say!("history of {key}");
    let mut table = Table::new(&["#", "AT", "BY", "REASON", "CHANGE"]);
    for entry in &entries {
        for (i, change) in entry.changes.iter().enumerate() {
            let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
            let head = if i == 0 {
                vec![
                    entry.seq.to_string(),
                    entry.at.format("%Y-%m-%d %H:%M:%SZ").to_string(),
                    entry.by.clone(),
                    entry.reason.clone(),
                ]
            } else {
                vec![String::new(); 4]
            };
            let mut row = head;
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
