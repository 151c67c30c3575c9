//! `garita accounts offboard PERSON`: when someone leaves, every account
//! they hold is marked `offboarded` (with history) and the event
//! `account.offboarded` is queued for the daemon in the same commit, so the
//! workflows that remove the accesses run even if the process stops right
//! after.

use std::process::ExitCode;

use garita_engine::account::{
    Account, AccountFilter, AccountStatus, AccountStore, AccountUpdate, ChangeMeta, NewEvent,
    ACCOUNT_OFFBOARDED,
};
use serde_json::json;

use super::{author, WRITE_ATTEMPTS};
use crate::app::App;
use crate::output::{say, Table};

pub async fn offboard(
    app: &App,
    person: &str,
    note: Option<String>,
    by: Option<String>,
) -> anyhow::Result<ExitCode> {
    let person = person.trim();
    let store = app.open_store()?;
    let meta = ChangeMeta {
        by: author(app, by),
        at: app.clock.now(),
    };
    let reason = match &note {
        Some(note) => format!("offboarded {person}: {}", note.trim()),
        None => format!("offboarded {person}"),
    };
    // A command changing one of these accounts between this read and the
    // write (a sign-in recorded, say) makes the store refuse the whole
    // write; the offboarding is then applied again over what is stored now,
    // so neither change is lost.
    let mut attempt = 0;
    let (to_change, event) = loop {
        attempt += 1;
        let held = store
            .list_accounts(&AccountFilter {
                holder: Some(person.to_owned()),
                ..AccountFilter::default()
            })
            .await?;
        if held.is_empty() {
            anyhow::bail!(
                "no account is held by `{person}` (compared with each holder's email and employee id); \
                 `garita accounts list --json` shows the holders"
            );
        }
        let to_change: Vec<Account> = held
            .iter()
            .filter(|a| a.status != AccountStatus::Offboarded)
            .cloned()
            .collect();
        if to_change.is_empty() {
            say!(
                "every account of {person} is already offboarded ({}); nothing changed",
                held.len()
            );
            return Ok(ExitCode::SUCCESS);
        }
        let updates: Vec<AccountUpdate> = to_change
            .iter()
            .map(|a| {
                let mut account = a.clone();
                account.status = AccountStatus::Offboarded;
                AccountUpdate {
                    account,
                    reason: reason.clone(),
                    expected_revision: Some(a.revision),
                }
            })
            .collect();
        let refs: Vec<&Account> = to_change.iter().collect();
        let event = NewEvent {
            name: ACCOUNT_OFFBOARDED.into(),
            at: meta.at,
            data: event_data(person, &refs, &meta, note.as_deref()),
        };
        match store.upsert_accounts(&updates, &meta, Some(&event)).await {
            Ok(_) => break (to_change, event),
            Err(e) if e.is_conflict() && attempt < WRITE_ATTEMPTS => continue,
            Err(e) => return Err(e.into()),
        }
    };

    if app.global.json {
        crate::output::json(&json!({"event": event.name, "data": event.data}))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = Table::new(&["ACCOUNT", "WAS", "COMPANY"]);
    for a in &to_change {
        table.row(vec![
            a.key().to_string(),
            a.status.to_string(),
            a.company.legal_name.clone(),
        ]);
    }
    table.print();
    say!(
        "offboarded {} account(s) of {person}; queued event {ACCOUNT_OFFBOARDED} for `garita daemon`",
        to_change.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// The event's data: who left, and each account with what a workflow needs
/// to remove the access (portal, identifier, company).
fn event_data(
    person: &str,
    accounts: &[&Account],
    meta: &ChangeMeta,
    note: Option<&str>,
) -> serde_json::Value {
    let first = accounts.first();
    json!({
        "person": person,
        "holder_name": first.map(|a| a.holder.name.clone()),
        "holder_email": first.map(|a| a.holder.email.clone()),
        "employee_id": first.and_then(|a| a.holder.employee_id.clone()),
        "accounts": accounts.iter().map(|a| json!({
            "key": a.key().to_string(),
            "portal": a.portal,
            "identifier": a.identifier,
            "previous_status": a.status,
            "company": a.company.legal_name,
            "tax_id": a.company.tax_id,
            "ctpat_account_number": a.company.ctpat_account_number,
        })).collect::<Vec<_>>(),
        "by": meta.by,
        "at": meta.at,
        "note": note,
    })
}
