//! `accounts.list`, `accounts.companies`, `accounts.get`,
//! `accounts.set_status` and `accounts.record_evidence` over an
//! [`AccountStore`].
//!
//! Writes are idempotent per step: each history entry a write makes names
//! the run and step as its author (see [`input::actor`]), and a step that
//! runs again (after a crash, before its success was recorded) finds that
//! entry and answers from it instead of writing twice.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use chrono_tz::Tz;
use garita_sdk::{ActionError, InvokeContext};
use serde_json::{json, Value};

use super::input::{self, account_json, store_failed};
use crate::account::{
    facts, Account, AccountFilter, AccountKey, AccountStatus, AccountStore, AccountUpdate,
    ChangeMeta, HistoryEntry, NewEvent,
};

/// How many times a workflow's account change is applied again after a
/// concurrent change of the same account (each retry reads afresh).
const WRITE_ATTEMPTS: u32 = 8;

/// Attribute holding the date of the latest evidence.
pub const EVIDENCE_ON: &str = "evidence_on";
/// Attribute holding the latest evidence's note.
pub const EVIDENCE: &str = "evidence";
/// Attribute holding where the latest evidence's proof is.
pub const EVIDENCE_REFERENCE: &str = "evidence_reference";

/// `accounts.list`.
pub async fn list(
    store: &dyn AccountStore,
    ctx: &InvokeContext,
    input: &Value,
) -> Result<Value, ActionError> {
    let statuses = statuses(input)?;
    // "Within N days": deactivating on one of the N days after today, as
    // `garita accounts list --deactivates-within` counts them.
    let deactivating_between = match input.get("deactivates_within").and_then(Value::as_u64) {
        Some(days) => {
            let today = today(ctx);
            let from = today + Days::new(1);
            Some((from, today + Days::new(days)))
        }
        None => None,
    };
    let filter = AccountFilter {
        portal: input::optional_text(input, "portal")?.map(str::to_owned),
        statuses,
        company: input::optional_text(input, "company")?.map(str::to_owned),
        holder: input::optional_text(input, "holder")?.map(str::to_owned),
        deactivating_between,
    };
    let rows: Vec<Value> = match input::optional_text(input, "ctpat_account_number")? {
        Some(number) => same_ctpat_account(store, &filter, number).await?,
        None => store
            .list_accounts(&filter)
            .await
            .map_err(|e| store_failed("read", &e))?
            .iter()
            .map(account_json)
            .collect(),
    };
    Ok(json!({"count": rows.len(), "accounts": rows}))
}

/// The `status` input: one name, a list, or none (every status).
fn statuses(input: &Value) -> Result<Vec<AccountStatus>, ActionError> {
    match input.get("status") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items.iter().map(|v| input::status(v, "status")).collect(),
        Some(one) => Ok(vec![input::status(one, "status")?]),
    }
}

/// `accounts.companies`: the distinct companies the accounts matching
/// `portal` and `status` belong to, each with how many of those accounts it
/// has, by tax id. A run that needs one child per company reads this
/// instead of the whole inventory: it keeps a few bytes per company where a
/// list kept every account, in memory while it runs and in its step's
/// output for good (10,000 accounts listed by a quarterly review were
/// megabytes of JSON in the daemon and in the store).
///
/// Each distinct company record is one entry: accounts of one tax id whose
/// legal name or CTPAT account number differ in the inventory give one
/// entry each, so nothing recorded is merged away.
pub async fn companies(store: &dyn AccountStore, input: &Value) -> Result<Value, ActionError> {
    let filter = AccountFilter {
        portal: input::optional_text(input, "portal")?.map(str::to_owned),
        statuses: statuses(input)?,
        ..AccountFilter::default()
    };
    let mut counted: BTreeMap<(String, String, Option<String>), u64> = BTreeMap::new();
    for_each_page(store, &filter, |page| {
        for account in page {
            let c = &account.company;
            let key = (
                c.tax_id.clone(),
                c.legal_name.clone(),
                c.ctpat_account_number.clone(),
            );
            *counted.entry(key).or_default() += 1;
        }
    })
    .await?;
    let rows: Vec<Value> = counted
        .into_iter()
        .map(|((tax_id, legal_name, number), accounts)| {
            json!({
                "tax_id": tax_id,
                "legal_name": legal_name,
                "ctpat_account_number": number,
                "accounts": accounts,
            })
        })
        .collect();
    Ok(json!({"count": rows.len(), "companies": rows}))
}

/// Accounts per page when a step keeps only part of what it reads.
const ACCOUNT_PAGE: usize = 500;

/// Calls `each` with the accounts matching `filter`, a page at a time, so a
/// step that keeps a little of each account never holds the inventory.
async fn for_each_page(
    store: &dyn AccountStore,
    filter: &AccountFilter,
    mut each: impl FnMut(&[Account]),
) -> Result<(), ActionError> {
    let mut after: Option<AccountKey> = None;
    loop {
        let page = store
            .list_accounts_page(filter, after.as_ref(), ACCOUNT_PAGE)
            .await
            .map_err(|e| store_failed("read", &e))?;
        each(&page);
        if page.len() < ACCOUNT_PAGE {
            return Ok(());
        }
        after = page.last().map(Account::key);
    }
}

/// The accounts matching `filter` whose company has the CTPAT account
/// `number` (separators and case ignored), read a page at a time: a step
/// asking for one account's users keeps those, never the inventory (a run
/// per deactivated user each keeping every deactivated user grew with the
/// square of the inventory).
async fn same_ctpat_account(
    store: &dyn AccountStore,
    filter: &AccountFilter,
    number: &str,
) -> Result<Vec<Value>, ActionError> {
    let wanted = fold_account_number(number);
    let mut rows = Vec::new();
    for_each_page(store, filter, |page| {
        rows.extend(
            page.iter()
                .filter(|a| {
                    a.company
                        .ctpat_account_number
                        .as_deref()
                        .is_some_and(|n| fold_account_number(n) == wanted)
                })
                .map(account_json),
        );
    })
    .await?;
    Ok(rows)
}

/// An account number without separators or spaces, upper case.
fn fold_account_number(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

/// `accounts.get`.
pub async fn get(store: &dyn AccountStore, input: &Value) -> Result<Value, ActionError> {
    let key = input::account_key(input)?;
    let account = store
        .account(&key)
        .await
        .map_err(|e| store_failed("read", &e))?;
    Ok(json!({
        "found": account.is_some(),
        "account": account.as_ref().map(account_json),
    }))
}

/// `accounts.set_status`.
pub async fn set_status(
    store: &dyn AccountStore,
    ctx: &InvokeContext,
    input: &Value,
) -> Result<Value, ActionError> {
    let key = input::account_key(input)?;
    let status = input::status(input.get("status").unwrap_or(&Value::Null), "status")?;
    let reason = input::text(input, "reason")?;
    let effective_on = match input.get("effective_on").filter(|v| !v.is_null()) {
        Some(_) => input::date(input, "effective_on")?,
        None => today(ctx),
    };
    let emit = input.get("emit").filter(|v| !v.is_null());
    let emit_name = emit.map(|e| input::text(e, "name")).transpose()?;
    // A command may change the account between our read and our write: the
    // store then refuses ours (nothing lost), and we apply it again to what
    // is stored now.
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut account = load(store, &key).await?;
        let read_revision = account.revision;
        let by = input::actor(&ctx.idempotency_key);
        if let Some(done) = earlier_write(store, &key, &by).await? {
            // The same step already made this change: answer as it did.
            let previous = done
                .changes
                .iter()
                .find(|c| c.field == "status")
                .and_then(|c| c.old.clone());
            return Ok(json!({
                "account": account_json(&account),
                "changed": true,
                "previous_status": previous,
                "replayed": true,
                "emitted": emit_name,
            }));
        }
        let previous = account.status;
        if previous == status {
            // Nothing to change, so nothing to announce: whoever set this
            // status before has handled its consequences.
            return Ok(json!({
                "account": account_json(&account),
                "changed": false,
                "previous_status": previous,
                "replayed": false,
                "emitted": null,
            }));
        }
        account.status = status;
        facts::note_reactivation(previous, &mut account, effective_on);
        let event = emit_name.map(|name| NewEvent {
            name: name.to_owned(),
            at: ctx.now,
            data: super::emit::stamped(emit.and_then(|e| e.get("data")), ctx),
        });
        let update = AccountUpdate {
            account,
            reason: reason.to_owned(),
            expected_revision: Some(read_revision),
        };
        let meta = ChangeMeta { by, at: ctx.now };
        match store
            .upsert_accounts(std::slice::from_ref(&update), &meta, event.as_ref())
            .await
        {
            Ok(_) => {}
            Err(e) if e.is_conflict() && attempt < WRITE_ATTEMPTS => continue,
            Err(e) => return Err(store_failed("write to", &e)),
        }
        return Ok(json!({
            "account": account_json(&update.account),
            "changed": true,
            "previous_status": previous,
            "replayed": false,
            "emitted": emit_name,
        }));
    }
}

/// `accounts.record_evidence`.
pub async fn record_evidence(
    store: &dyn AccountStore,
    ctx: &InvokeContext,
    input: &Value,
) -> Result<Value, ActionError> {
    let key = input::account_key(input)?;
    let date = input::date(input, "date")?;
    let note = input::text(input, "note")?;
    let reference = input::optional_text(input, "reference")?;
    let fact = input::optional_text(input, "fact")?;
    if let Some(name) = fact.filter(|name| !facts::is_fact(name)) {
        return Err(ActionError::invalid(
            format!("fact `{name}` is not one the portal rules read"),
            vec![garita_sdk::FieldError::new(
                "/fact",
                format!("use one of: {}", facts::ALL.join(", ")),
            )],
        ));
    }
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut account = load(store, &key).await?;
        let read_revision = account.revision;
        let by = input::actor(&ctx.idempotency_key);
        if earlier_write(store, &key, &by).await?.is_some() {
            return Ok(
                json!({"account": account_json(&account), "recorded": true, "replayed": true}),
            );
        }
        set_evidence(&mut account, date, note, reference);
        if let Some(name) = fact {
            facts::set(&mut account, name, date);
        }
        let update = AccountUpdate {
            account,
            reason: evidence_reason(date, note, reference),
            expected_revision: Some(read_revision),
        };
        let meta = ChangeMeta { by, at: ctx.now };
        let outcomes = match store
            .upsert_accounts(std::slice::from_ref(&update), &meta, None)
            .await
        {
            Ok(outcomes) => outcomes,
            Err(e) if e.is_conflict() && attempt < WRITE_ATTEMPTS => continue,
            Err(e) => return Err(store_failed("write to", &e)),
        };
        // Unchanged: the very same evidence is already the latest one recorded.
        let recorded = outcomes
            .first()
            .is_some_and(|o| *o != crate::account::UpsertOutcome::Unchanged);
        return Ok(
            json!({"account": account_json(&update.account), "recorded": recorded, "replayed": false}),
        );
    }
}

/// The evidence attributes: the latest evidence, readable in `accounts
/// list` and the export; the history keeps every earlier one.
fn set_evidence(account: &mut Account, date: NaiveDate, note: &str, reference: Option<&str>) {
    let attributes = &mut account.attributes;
    attributes.insert(EVIDENCE_ON.into(), date.format("%Y-%m-%d").to_string());
    attributes.insert(EVIDENCE.into(), note.to_owned());
    match reference {
        Some(r) => attributes.insert(EVIDENCE_REFERENCE.into(), r.to_owned()),
        None => attributes.remove(EVIDENCE_REFERENCE),
    };
}

/// The history reason of an evidence record: it reads on its own.
fn evidence_reason(date: NaiveDate, note: &str, reference: Option<&str>) -> String {
    let mut reason = format!("evidence of {date}: {note}");
    if let Some(r) = reference {
        reason.push_str(&format!(" (reference: {r})"));
    }
    reason
}

async fn load(store: &dyn AccountStore, key: &AccountKey) -> Result<Account, ActionError> {
    let found = store
        .account(key)
        .await
        .map_err(|e| store_failed("read", &e))?;
    input::known(key, found)
}

/// The history entry written by `by` (this run and step), if any.
async fn earlier_write(
    store: &dyn AccountStore,
    key: &AccountKey,
    by: &str,
) -> Result<Option<HistoryEntry>, ActionError> {
    let history = store
        .account_history(key)
        .await
        .map_err(|e| store_failed("read", &e))?;
    Ok(history.into_iter().rev().find(|entry| entry.by == by))
}

/// Today in the run's time zone (UTC when the zone is unknown).
fn today(ctx: &InvokeContext) -> NaiveDate {
    let zone: Tz = ctx.time_zone.parse().unwrap_or(Tz::UTC);
    ctx.now.with_timezone(&zone).date_naive()
}
