//! Offboarding: when someone leaves, every account they hold is marked
//! `offboarded` (with history) and the event `account.offboarded` is queued
//! for the daemon in the same commit.

use garita_engine::account::{
    Account, AccountFilter, AccountStatus, AccountUpdate, ChangeMeta, NewEvent, ACCOUNT_OFFBOARDED,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{AccountView, WRITE_ATTEMPTS};
use crate::ops::Session;
use crate::AppError;

/// What offboarding a person did. Fields in name order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Offboarded {
    /// The accounts offboarded now, as they were before (empty when every
    /// account of the person was offboarded already).
    pub accounts: Vec<AccountView>,
    /// The event's data (who left, each account, by whom, when).
    pub data: serde_json::Value,
    /// The event queued for the daemon (`account.offboarded`); absent when
    /// nothing changed.
    pub event: Option<String>,
    /// How many accounts the person holds in all.
    pub held: usize,
    /// The person, as given.
    pub person: String,
}

/// Marks every account `person` (an email or employee id) holds as
/// offboarded, with history, and queues the event `account.offboarded` in
/// the same commit, so the workflows that remove the accesses run even if
/// the process stops right after.
pub async fn offboard(
    session: &Session,
    person: &str,
    note: Option<String>,
    by: String,
) -> Result<Offboarded, AppError> {
    let person = person.trim();
    let store = session.backend.accounts.as_ref();
    let meta = ChangeMeta {
        by,
        at: session.app.clock.now(),
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
    loop {
        attempt += 1;
        let held = store
            .list_accounts(&AccountFilter {
                holder: Some(person.to_owned()),
                ..AccountFilter::default()
            })
            .await?;
        if held.is_empty() {
            return Err(AppError::NotFound(format!(
                "no account is held by `{person}` (compared with each holder's email and employee id); \
                 `garita accounts list --json` shows the holders"
            )));
        }
        let to_change: Vec<Account> = held
            .iter()
            .filter(|a| a.status != AccountStatus::Offboarded)
            .cloned()
            .collect();
        if to_change.is_empty() {
            return Ok(Offboarded {
                accounts: Vec::new(),
                data: serde_json::Value::Null,
                event: None,
                held: held.len(),
                person: person.to_owned(),
            });
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
            Ok(_) => {
                return Ok(Offboarded {
                    accounts: to_change.into_iter().map(AccountView::from).collect(),
                    data: event.data,
                    event: Some(event.name),
                    held: held.len(),
                    person: person.to_owned(),
                })
            }
            Err(e) if e.is_conflict() && attempt < WRITE_ATTEMPTS => continue,
            Err(e) => return Err(e.into()),
        }
    }
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
