//! Recording that a holder changed an account's password: the day, as
//! evidence of the periodic change (OEA profile 9.2), never the password.
//! The history keeps the old and new day; the rule `password.rotation`
//! counts the next change from it.

use chrono::NaiveDate;
use garita_engine::account::{AccountUpdate, ChangeMeta};
use garita_engine::reconcile::ReconciledTransition;
use serde::{Deserialize, Serialize};

use super::{resolve, validate, AccountView, WRITE_ATTEMPTS};
use crate::ops::Session;
use crate::AppError;

/// What recording a password change did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PasswordChangeRecorded {
    /// The account afterwards.
    #[serde(flatten)]
    pub view: AccountView,
    /// The day given (or today).
    pub changed_on: NaiveDate,
    /// Set when the account already had this later change: nothing changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub later_change: Option<NaiveDate>,
    /// When the next change falls due, by the portal's interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_due_on: Option<NaiveDate>,
    /// The transitions the portal rules applied afterwards.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<ReconciledTransition>,
}

/// Records a password change on `on` (`YYYY-MM-DD`, default today on the
/// holder's calendar) for the account `given` names, as made by `by`.
pub async fn password_changed(
    session: &Session,
    given: &str,
    on: Option<String>,
    by: String,
) -> Result<PasswordChangeRecorded, AppError> {
    use garita_inventory::rules::{holder_clock, password_change_due_on};
    let app = &session.app;
    let store = session.backend.accounts.as_ref();
    let settings = app.password_change()?;
    let now = app.clock.now();
    let mut attempt = 0;
    let (update, day) = loop {
        attempt += 1;
        let mut account = resolve(store, given).await?;
        let today = holder_clock::holder_today(&account, now);
        let day = match &on {
            None => today,
            Some(text) => {
                validate::date(text, today).map_err(|e| AppError::Usage(format!("--on: {e}")))?
            }
        };
        if let Some(known) = account.password_changed_on.filter(|known| *known > day) {
            let next_due_on = password_change_due_on(known, settings.interval_for(&account.portal));
            return Ok(PasswordChangeRecorded {
                view: account.into(),
                changed_on: day,
                later_change: Some(known),
                next_due_on,
                rules: Vec::new(),
            });
        }
        let read_revision = account.revision;
        account.password_changed_on = Some(day);
        let update = AccountUpdate {
            account,
            reason: "password change recorded".into(),
            expected_revision: Some(read_revision),
        };
        let meta = ChangeMeta {
            by: by.clone(),
            at: now,
        };
        match store
            .upsert_accounts(std::slice::from_ref(&update), &meta, None)
            .await
        {
            Ok(_) => break (update, day),
            Err(e) if e.is_conflict() && attempt < WRITE_ATTEMPTS => continue,
            Err(e) => return Err(e.into()),
        }
    };
    let key = update.account.key();
    let rules = crate::reconcile::reconcile_now(app, session.backend.accounts.clone()).await?;
    let account = store.account(&key).await?.unwrap_or(update.account);
    let next_due_on = password_change_due_on(day, settings.interval_for(&account.portal));
    Ok(PasswordChangeRecorded {
        view: account.into(),
        changed_on: day,
        later_change: None,
        next_due_on,
        rules: rules.applied,
    })
}
