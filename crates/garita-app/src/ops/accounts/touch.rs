//! Recording that a holder signed in, which for CTPAT moves the
//! deactivation date.

use chrono::NaiveDate;
use garita_engine::account::{AccountStatus, AccountUpdate, ChangeMeta, CTPAT_PORTAL};
use garita_engine::reconcile::ReconciledTransition;
use serde::{Deserialize, Serialize};

use super::{resolve, validate, AccountView, WRITE_ATTEMPTS};
use crate::ops::Session;
use crate::{ctpat_rule, AppError};

/// What recording a sign-in did: the account as stored afterwards, with
/// the day recorded and what the portal rules applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SignInRecorded {
    /// The account afterwards.
    #[serde(flatten)]
    pub view: AccountView,
    /// The sign-in day given (or today).
    pub signed_in_on: NaiveDate,
    /// Set when the account already had this later sign-in: nothing changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub later_sign_in: Option<NaiveDate>,
    /// The transitions the portal rules applied afterwards (a sign-in dated
    /// in the past may already be past a limit).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<ReconciledTransition>,
}

/// Records a sign-in on `at` (`YYYY-MM-DD`, default today) for the account
/// `given` names, as made by `by`.
pub async fn touch(
    session: &Session,
    given: &str,
    at: Option<String>,
    by: String,
) -> Result<SignInRecorded, AppError> {
    touch_with(session, given, at, by, "sign-in recorded".into()).await
}

/// [`touch`], with the history entry's `reason` (a sign-in a holder
/// attested through a link says so, with the evidence).
pub async fn touch_with(
    session: &Session,
    given: &str,
    at: Option<String>,
    by: String,
    reason: String,
) -> Result<SignInRecorded, AppError> {
    let app = &session.app;
    let store = session.backend.accounts.as_ref();
    let rule = ctpat_rule::from_app(app)?;
    let now = app.clock.now();
    let today = rule.today(now);
    let day = match &at {
        None => today,
        Some(text) => {
            validate::date(text, today).map_err(|e| AppError::Usage(format!("--at: {e}")))?
        }
    };
    // Another command (an offboarding, say) may change the account between
    // this read and the write: the store then refuses the write, and the
    // sign-in is applied again over what is stored now, so neither is lost.
    let mut attempt = 0;
    let update = loop {
        attempt += 1;
        let mut account = resolve(store, given).await?;
        if let Some(known) = account.last_sign_in.filter(|known| *known > day) {
            return Ok(SignInRecorded {
                view: account.into(),
                signed_in_on: day,
                later_sign_in: Some(known),
                rules: Vec::new(),
            });
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
            reason: reason.clone(),
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
            Ok(_) => break update,
            Err(e) if e.is_conflict() && attempt < WRITE_ATTEMPTS => continue,
            Err(e) => return Err(e.into()),
        }
    };
    let key = update.account.key();
    // A sign-in dated in the past may already be past the limit.
    let rules = crate::reconcile::reconcile_now(app, session.backend.accounts.clone()).await?;
    let account = store.account(&key).await?.unwrap_or(update.account);
    Ok(SignInRecorded {
        view: account.into(),
        signed_in_on: day,
        later_sign_in: None,
        rules: rules.applied,
    })
}
