//! Cuentas: the inventory a page at a time with search and filters
//! (`GET /cuentas`, `POST /cuentas`), an account's page with its
//! timeline and evidence (`POST /cuentas/ver`), and offboarding its
//! holder (`POST /cuentas/baja`). Filters travel in the form body, never
//! in the URL; the rows, counts and pages come from
//! `ops::accounts::page`, one store read per page shown.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Form;
use garita_app::ops::accounts::{
    detail, page as account_page, portal_names, AccountPageQuery, AccountQuery,
};
use garita_app::ops::console::SignedInUser;
use garita_app::Operations;
use garita_engine::account::AccountStatus;
use serde::Deserialize;
use serde_json::json;

use super::access::{form_reader, officer, reader};
use super::{base, refused, with};
use crate::console::guard::Refusal;
use crate::console::page_texts::moment;
use crate::console::render::page;
use crate::console::texts::{day, text};
use crate::console::ConsoleState;

/// The deadline windows offered, in days.
const WINDOWS: [u32; 5] = [7, 14, 30, 60, 90];

/// The filter form.
#[derive(Debug, Default, Deserialize)]
pub struct FilterForm {
    csrf: Option<String>,
    #[serde(default)]
    q: String,
    #[serde(default)]
    portal: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    company: String,
    #[serde(default)]
    within: String,
    #[serde(default)]
    page: String,
}

/// A form naming an account.
#[derive(Debug, Deserialize)]
pub struct AccountForm {
    csrf: Option<String>,
    #[serde(default)]
    account: String,
    #[serde(default)]
    note: String,
}

fn given(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// The first page of the whole inventory.
pub async fn list(State(state): State<Arc<ConsoleState>>, headers: HeaderMap) -> Response {
    match reader(&state, &headers).await {
        Ok(signed) => show_list(&state, &signed, FilterForm::default()).await,
        Err(response) => response,
    }
}

/// The page the filter form asks for.
pub async fn filter(
    State(state): State<Arc<ConsoleState>>,
    headers: HeaderMap,
    Form(sent): Form<FilterForm>,
) -> Response {
    match form_reader(&state, &headers, sent.csrf.as_deref()).await {
        Ok(signed) => show_list(&state, &signed, sent).await,
        Err(response) => response,
    }
}

async fn show_list(state: &ConsoleState, signed: &SignedInUser, sent: FilterForm) -> Response {
    let within = sent.within.trim().parse::<u32>().ok();
    let status = given(&sent.status).filter(|s| AccountStatus::parse(s).is_some());
    let query = AccountPageQuery {
        filter: AccountQuery {
            portal: given(&sent.portal),
            status: status.clone(),
            company: given(&sent.company),
            deactivates_within: within,
        },
        search: given(&sent.q),
        page: sent.page.trim().parse().ok(),
        per_page: None,
    };
    let found = match account_page(&state.session, query).await {
        Ok(found) => found,
        Err(e) => return refused(Refusal::of_error(&e), Some(signed)),
    };
    let language = signed.user.language;
    let rows: Vec<_> = found
        .rows
        .iter()
        .map(|row| {
            json!({
                "key": row.key,
                "portal": row.portal,
                "identifier": row.identifier,
                "holder": row.holder,
                "holder_email": row.holder_email,
                "company": row.company,
                "status": row.status,
                "last_sign_in": row.last_sign_in.map_or_else(|| "—".to_owned(), |d| day(language, d)),
                "deactivates_on": row.deactivates_on.map(|d| day(language, d)),
                "days_left": row.deactivates_on.and(row.deactivates_in_days),
            })
        })
        .collect();
    let first = (found.page - 1) * found.per_page + 1;
    let last = first + found.rows.len().saturating_sub(1);
    let context = with(
        base(language, "accounts_title", Some(signed), "cuentas"),
        json!({
            "q": {
                "q": sent.q.trim(),
                "portal": sent.portal.trim(),
                "status": status.unwrap_or_default(),
                "company": sent.company.trim(),
                "within": within,
            },
            "portals": portal_names(&state.session),
            "statuses": AccountStatus::ALL.map(AccountStatus::as_str),
            "windows": WINDOWS,
            "result": found,
            "rows": rows,
            "first": first,
            "last": last,
            "may_act": signed.user.role.may_act_as_officer(),
        }),
    );
    page(StatusCode::OK, "cuentas.html", context)
}

/// An account's page, for any role.
pub async fn show(
    State(state): State<Arc<ConsoleState>>,
    headers: HeaderMap,
    Form(sent): Form<AccountForm>,
) -> Response {
    match form_reader(&state, &headers, sent.csrf.as_deref()).await {
        Ok(signed) => {
            account_view(&state, &signed, &sent.account, StatusCode::OK, None, None).await
        }
        Err(response) => response,
    }
}

/// Offboards the holder of the form's account, as the signed-in officer.
pub async fn offboard(
    State(state): State<Arc<ConsoleState>>,
    headers: HeaderMap,
    Form(sent): Form<AccountForm>,
) -> Response {
    let (guard, signed) = match officer(&state, &headers, sent.csrf.as_deref()).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let holder = match detail(&state.session, &sent.account).await {
        Ok(found) => found.account.account.holder.email,
        Err(e) => return refused(Refusal::of_error(&e), Some(&signed)),
    };
    let language = signed.user.language;
    let by = Some(guard.email().to_owned());
    match state.session.offboard(&holder, given(&sent.note), by).await {
        Ok(done) => {
            let notice = if done.accounts.is_empty() {
                text(language, "offboard_nothing").to_owned()
            } else {
                text(language, "offboard_done").replace("{n}", &done.accounts.len().to_string())
            };
            account_view(
                &state,
                &signed,
                &sent.account,
                StatusCode::OK,
                Some(notice),
                None,
            )
            .await
        }
        Err(e) => match Refusal::of_error(&e) {
            Refusal::Refused(why) => {
                account_view(
                    &state,
                    &signed,
                    &sent.account,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    None,
                    Some(why),
                )
                .await
            }
            other => refused(other, Some(&signed)),
        },
    }
}

/// The account page of `given`, with a notice or a refusal's words.
pub async fn account_view(
    state: &ConsoleState,
    signed: &SignedInUser,
    given: &str,
    status: StatusCode,
    notice: Option<String>,
    message: Option<String>,
) -> Response {
    let found = match detail(&state.session, given).await {
        Ok(found) => found,
        Err(e) => return refused(Refusal::of_error(&e), Some(signed)),
    };
    let language = signed.user.language;
    let account = &found.account.account;
    let on = |d: Option<chrono::NaiveDate>| d.map(|d| day(language, d));
    let timeline: Vec<_> = found
        .timeline
        .iter()
        .map(|h| {
            json!({
                "at": moment(language, h.at),
                "by": h.by,
                "reason": h.reason,
                "changes": h.changes,
            })
        })
        .collect();
    let evidence: Vec<_> = found
        .evidence
        .iter()
        .map(|e| {
            json!({
                "field": e.field,
                "value": e.value,
                "by": e.by,
                "at": moment(language, e.at),
                "recorded_at": e.recorded_at.map(|at| moment(language, at)),
                "reason": e.reason,
            })
        })
        .collect();
    let context = with(
        base(language, "accounts_title", Some(signed), "cuentas"),
        json!({
            "title": found.account.key,
            "key": found.account.key,
            "a": {
                "portal": account.portal,
                "identifier": account.identifier,
                "status": account.status.as_str(),
                "holder": account.holder,
                "company": account.company,
                "role": account.role,
            },
            "last_sign_in": on(account.last_sign_in).unwrap_or_else(|| "—".to_owned()),
            "deactivates_on": on(account.indexed_deactivation()),
            "password_changed_on": on(account.password_changed_on),
            "certificate_expires_on": on(account.certificate_expires_on),
            "timeline": timeline,
            "evidence": evidence,
            "may_act": signed.user.role.may_act_as_officer(),
            "notice": notice,
            "message": message,
        }),
    );
    page(status, "cuenta.html", context)
}
