//! Recording one account from its fields, or changing the given fields of
//! an existing one (the others keep their values). The fields go through
//! the same checks as an imported row.

use std::collections::BTreeMap;

use garita_engine::account::{facts, revision_of, AccountUpdate, ChangeMeta, UpsertOutcome};
use garita_engine::reconcile::ReconciledTransition;
use serde::{Deserialize, Serialize};

use super::columns::{self, Cells};
use super::row::{self, Problem};
use super::{AccountView, RowRules, WRITE_ATTEMPTS};
use crate::ops::Session;
use crate::AppError;

/// An account's fields as given (only those given change), named as the
/// import's columns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountFields {
    /// Portal: ctpat, ecuapass, anam or a plugin's name.
    pub portal: String,
    /// The account on the portal.
    pub account: String,
    /// Holder's full name.
    pub holder_name: Option<String>,
    /// Holder's work email.
    pub holder_email: Option<String>,
    /// Holder's employee id.
    pub employee_id: Option<String>,
    /// Holder's cédula (Ecuapass) or CURP (ANAM).
    pub holder_national_id: Option<String>,
    /// Company legal name.
    pub company: Option<String>,
    /// Company tax id.
    pub tax_id: Option<String>,
    /// The company's CTPAT account number.
    pub ctpat_account_number: Option<String>,
    /// Holder's role on the portal.
    pub role: Option<String>,
    /// Status.
    pub status: Option<String>,
    /// Last sign-in, `YYYY-MM-DD`.
    pub last_sign_in: Option<String>,
    /// Holder's IANA time zone (`America/Tijuana`); empty clears it.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Holder's language, `es` or `en`; empty clears it.
    #[serde(default)]
    pub locale: Option<String>,
    /// Last day the holder's signing certificate (e.firma, TOKEN) is valid,
    /// `YYYY-MM-DD`; empty clears it. Setting a later date records the
    /// renewal in the history.
    #[serde(default)]
    pub certificate_expires_on: Option<String>,
    /// Day the holder last changed the password, `YYYY-MM-DD`, not after
    /// today; empty clears it.
    #[serde(default)]
    pub password_changed_on: Option<String>,
    /// Free attributes, by name (an empty value removes one).
    pub attributes: BTreeMap<String, String>,
    /// Who makes the change, for the history (default: the caller).
    pub by: Option<String>,
}

/// What adding (or changing) an account did. Fields in name order, as
/// printed before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AccountAdded {
    /// The account as stored afterwards.
    pub account: Option<AccountView>,
    /// `PORTAL:IDENTIFIER`.
    pub key: String,
    /// Created, updated or unchanged.
    pub outcome: UpsertOutcome,
    /// The transitions the portal rules applied afterwards.
    pub rules: Vec<ReconciledTransition>,
}

/// Adds or changes the account `fields` describe, as made by `by`.
pub async fn add(
    session: &Session,
    fields: AccountFields,
    by: String,
) -> Result<AccountAdded, AppError> {
    let cells = cells_of(fields)?;
    let app = &session.app;
    let store = session.backend.accounts.as_ref();
    let rules = RowRules::of(app)?;
    let now = rules.now;
    let ctx = rules.context(true);
    let key = row::key_of(&cells, &ctx).map_err(field_problems)?;
    let meta = ChangeMeta { by, at: now };
    // Another command may change the account between this read and the
    // write: the store then refuses the write and the row is applied again
    // over what is stored now, so neither change is lost.
    let mut attempt = 0;
    let outcome = loop {
        attempt += 1;
        let existing = store.account(&key).await?;
        let mut account = row::build(&cells, existing.as_ref(), &ctx).map_err(field_problems)?;
        if let Some(before) = &existing {
            // Deactivated -> active on CTPAT is CBP's reactivation: the rules
            // then expect a sign-in that same day.
            facts::note_reactivation(before.status, &mut account, ctx.today);
        }
        let reason = if existing.is_some() {
            "changed with `garita accounts add`"
        } else {
            "added with `garita accounts add`"
        };
        let update = AccountUpdate {
            account,
            reason: reason.into(),
            expected_revision: Some(revision_of(existing.as_ref())),
        };
        match store
            .upsert_accounts(std::slice::from_ref(&update), &meta, None)
            .await
        {
            Ok(outcomes) => {
                break outcomes
                    .first()
                    .copied()
                    .unwrap_or(UpsertOutcome::Unchanged)
            }
            Err(e) if e.is_conflict() && attempt < WRITE_ATTEMPTS => continue,
            Err(e) => return Err(e.into()),
        }
    };
    let rules = crate::reconcile::reconcile_now(app, session.backend.accounts.clone()).await?;
    let stored = store.account(&key).await?;
    Ok(AccountAdded {
        account: stored.map(AccountView::from),
        key: key.to_string(),
        outcome,
        rules: rules.applied,
    })
}

/// The fields as cells of the import's columns (only the fields given).
fn cells_of(fields: AccountFields) -> Result<Cells, AppError> {
    let mut cells = Cells::default();
    let mut put = |column: &'static str, value: Option<String>| {
        if let Some(value) = value {
            cells.fixed.insert(column, columns::cell_value(&value));
        }
    };
    put(columns::PORTAL, Some(fields.portal));
    put(columns::ACCOUNT, Some(fields.account));
    put(columns::HOLDER_NAME, fields.holder_name);
    put(columns::HOLDER_EMAIL, fields.holder_email);
    put(columns::EMPLOYEE_ID, fields.employee_id);
    put(columns::HOLDER_NATIONAL_ID, fields.holder_national_id);
    put(columns::COMPANY, fields.company);
    put(columns::TAX_ID, fields.tax_id);
    put(columns::CTPAT_ACCOUNT_NUMBER, fields.ctpat_account_number);
    put(columns::ROLE, fields.role);
    put(columns::STATUS, fields.status);
    put(columns::LAST_SIGN_IN, fields.last_sign_in);
    put(columns::TIME_ZONE, fields.time_zone);
    put(columns::LOCALE, fields.locale);
    put(
        columns::CERTIFICATE_EXPIRES_ON,
        fields.certificate_expires_on,
    );
    put(columns::PASSWORD_CHANGED_ON, fields.password_changed_on);
    for (name, value) in fields.attributes {
        let name = name.trim();
        if !columns::is_attribute_name(name) || columns::classify(&format!("attr.{name}")).is_err()
        {
            return Err(AppError::Usage(format!(
                "--attr `{name}={value}`: the name uses letters, digits, `_`, `-` and `.`, and cannot name a password"
            )));
        }
        cells
            .attributes
            .insert(name.to_owned(), columns::cell_value(&value));
    }
    Ok(cells)
}

/// The problems, named by flag rather than by column.
fn field_problems(problems: Vec<Problem>) -> AppError {
    let lines: Vec<String> = problems
        .iter()
        .map(|p| {
            let flag = match p.column.strip_prefix(columns::ATTRIBUTE_PREFIX) {
                Some(name) => format!("--attr {name}"),
                None => format!("--{}", p.column.replace('_', "-")),
            };
            format!("{flag}: {}", p.message)
        })
        .collect();
    AppError::Refused(format!("{}\nnothing was changed", lines.join("\n")))
}
