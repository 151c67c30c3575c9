//! `garita accounts touch ACCOUNT [--at DATE]`: records that the holder
//! signed in, which for CTPAT moves the deactivation date.

use std::process::ExitCode;

use garita_engine::account::{
    AccountStatus, AccountStore, AccountUpdate, ChangeMeta, CTPAT_PORTAL,
};

use super::{account_json, author, resolve, validate, WRITE_ATTEMPTS};
use crate::app::App;
use crate::output::say;
use crate::usage::UsageError;
use garita_app::ctpat_rule;

pub async fn touch(
    app: &App,
    given: &str,
    at: Option<String>,
    by: Option<String>,
) -> anyhow::Result<ExitCode> {
    let rule = ctpat_rule::from_app(app)?;
    let now = app.clock.now();
    let today = rule.today(now);
    let day = match &at {
        None => today,
        Some(text) => validate::date(text, today).map_err(|e| UsageError(format!("--at: {e}")))?,
    };
    let store = app.open_store()?;
    // Another command (an offboarding, say) may change the account between
    // this read and the write: the store then refuses the write, and the
    // sign-in is applied again over what is stored now, so neither is lost.
    let mut attempt = 0;
    let update = loop {
        attempt += 1;
        let mut account = resolve(store.as_ref(), given).await?;
        let key = account.key();
        if let Some(known) = account.last_sign_in.filter(|known| *known > day) {
            say!("{key} already has a later sign-in ({known}); nothing changed");
            return Ok(ExitCode::SUCCESS);
        }
        let read_revision = account.revision;
        account.last_sign_in = Some(day);
        // A sign-in ends the risk of inactivity; it does not undo a
        // deactivation or a disablement, which only the authority lifts.
        if account.status == AccountStatus::AtRisk {
            account.status = AccountStatus::Active;
        }
        if account.portal == CTPAT_PORTAL {
            account.deactivates_on = rule.deactivates_on(day);
        }
        let update = AccountUpdate {
            account,
            reason: "sign-in recorded".into(),
            expected_revision: Some(read_revision),
        };
        let meta = ChangeMeta {
            by: author(app, by.clone()),
            at: now,
        };
        match store
            .upsert_accounts(std::slice::from_ref(&update), &meta, None)
            .await
        {
            Ok(_) => break update,
            Err(e) if e.is_conflict() && attempt < WRITE_ATTEMPTS => continue,
            Err(e) => return Err(e.into()),
        }
    };
    let key = update.account.key();
    // A sign-in dated in the past may already be past the limit.
    let rules = garita_app::reconcile::reconcile_now(app, store.clone()).await?;
    let stored = store.account(&key).await?;
    let account = stored.as_ref().unwrap_or(&update.account);
    if app.global.json {
        crate::output::json(&account_json(account))?;
        return Ok(ExitCode::SUCCESS);
    }
    say!("recorded a sign-in on {day} for {key}");
    for line in garita_app::reconcile::describe(&rules) {
        say!("{line}");
    }
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
