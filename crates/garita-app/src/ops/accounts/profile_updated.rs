//! Recording a company's yearly security-profile update (Empresa
//! Certificada, regla 7.2.1) on the account that carries the company's due
//! day (`attr.profile_update_due`): the day goes to
//! `attr.profile_updated_on`, which the rule `profile.update` reads (the
//! history keeps the old and new day), and an audit entry of its own kind,
//! `compliance.profile_update`, records it for an evidence report to count.

use chrono::NaiveDate;
use garita_engine::account::{AccountUpdate, ChangeMeta};
use garita_engine::audit::{compliance, COMPLIANCE_PROFILE_UPDATE};
use garita_engine::reconcile::ReconciledTransition;
use garita_inventory::rules::profile_update::{
    current_due_on, due_day, updated_on, DONE_ATTRIBUTE, DUE_ATTRIBUTE,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{resolve, validate, AccountView, WRITE_ATTEMPTS};
use crate::ops::Session;
use crate::AppError;

/// What recording a profile update did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ProfileUpdateRecorded {
    /// The account afterwards.
    #[serde(flatten)]
    pub view: AccountView,
    /// The day given (or today).
    pub updated_on: NaiveDate,
    /// Set when the account already had this later update: nothing changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub later_update: Option<NaiveDate>,
    /// The due day of the year's cycle the update counts for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts_for: Option<NaiveDate>,
    /// The sequence number of the `compliance.profile_update` audit entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_seq: Option<u64>,
    /// The transitions the portal rules applied afterwards.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<ReconciledTransition>,
}

/// Records the company's profile update on `on` (`YYYY-MM-DD`, default
/// today on the holder's calendar) on the account `given` names, as made
/// by `by`, with `note` (a folio or where the acknowledgement is kept).
pub async fn profile_updated(
    session: &Session,
    given: &str,
    on: Option<String>,
    note: Option<String>,
    by: String,
) -> Result<ProfileUpdateRecorded, AppError> {
    use garita_inventory::rules::holder_clock;
    let app = &session.app;
    let store = session.backend.accounts.as_ref();
    let now = app.clock.now();
    let mut attempt = 0;
    let (update, day, due) = loop {
        attempt += 1;
        let mut account = resolve(store, given).await?;
        let Some(due) = due_day(&account) else {
            return Err(AppError::Usage(format!(
                "{} has no readable attr.{DUE_ATTRIBUTE} (the company's yearly due day, MM-DD): \
                 set it on the account whose holder answers for the security profile, \
                 for example with an import whose attr.{DUE_ATTRIBUTE} column reads 03-31",
                account.key()
            )));
        };
        let today = holder_clock::holder_today(&account, now);
        let day = match &on {
            None => today,
            Some(text) => {
                validate::date(text, today).map_err(|e| AppError::Usage(format!("--on: {e}")))?
            }
        };
        if let Some(known) = updated_on(&account).filter(|known| *known > day) {
            return Ok(ProfileUpdateRecorded {
                view: account.into(),
                updated_on: day,
                later_update: Some(known),
                counts_for: current_due_on(due, known),
                audit_seq: None,
                rules: Vec::new(),
            });
        }
        let read_revision = account.revision;
        account
            .attributes
            .insert(DONE_ATTRIBUTE.into(), day.format("%Y-%m-%d").to_string());
        let update = AccountUpdate {
            account,
            reason: "security-profile update recorded".into(),
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
            Ok(_) => break (update, day, due),
            Err(e) if e.is_conflict() && attempt < WRITE_ATTEMPTS => continue,
            Err(e) => return Err(e.into()),
        }
    };
    let account = &update.account;
    let counts_for = current_due_on(due, day);
    let entry = session
        .backend
        .audit
        .record_audit(compliance(
            COMPLIANCE_PROFILE_UPDATE,
            now,
            &format!("company:{}", account.company.tax_id),
            &by,
            json!({
                "company": account.company.legal_name,
                "tax_id": account.company.tax_id,
                "account": account.key().to_string(),
                "updated_on": day.to_string(),
                "counts_for": counts_for.map(|d| d.to_string()),
                "note": note,
            }),
        ))
        .await?;
    let key = account.key();
    let rules = crate::reconcile::reconcile_now(app, session.backend.accounts.clone()).await?;
    let account = store.account(&key).await?.unwrap_or(update.account);
    Ok(ProfileUpdateRecorded {
        view: account.into(),
        updated_on: day,
        later_update: None,
        counts_for,
        audit_seq: Some(entry.seq),
        rules: rules.applied,
    })
}
