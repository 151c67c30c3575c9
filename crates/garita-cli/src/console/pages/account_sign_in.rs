//! `POST /cuentas/ingreso`: an officer records that an account's holder
//! signed in to the portal today (the same operation as
//! `garita accounts touch`), recorded as done by the officer. The account
//! travels in the form body, never in the URL.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use garita_app::Operations;
use serde::Deserialize;

use super::refused;
use crate::console::guard::{check_csrf, viewer, Officer, Refusal};
use crate::console::ConsoleState;

/// The form's fields.
#[derive(Debug, Deserialize)]
pub struct SignInRecord {
    csrf: Option<String>,
    #[serde(default)]
    account: String,
    /// `account`: answer with the account's page (sent from it) instead
    /// of going back to Inicio.
    #[serde(default)]
    back: String,
}

/// Signed in, the session's token, the officer guard; then the operation.
pub async fn record(
    State(state): State<Arc<ConsoleState>>,
    headers: HeaderMap,
    Form(sent): Form<SignInRecord>,
) -> Response {
    let signed = match viewer(&state, &headers).await {
        Ok(signed) => signed,
        Err(refusal) => return refused(refusal, None),
    };
    if let Err(refusal) = check_csrf(&signed, sent.csrf.as_deref()) {
        return refused(refusal, Some(&signed));
    }
    let for_errors = signed.clone();
    let officer = match Officer::of(signed) {
        Ok(officer) => officer,
        Err(refusal) => return refused(refusal, Some(&for_errors)),
    };
    let by = Some(officer.email().to_owned());
    match state.session.touch_account(&sent.account, None, by).await {
        Ok(_) if sent.back == "account" => {
            let notice = crate::console::texts::text(for_errors.user.language, "sign_in_done");
            super::accounts::account_view(
                &state,
                &for_errors,
                &sent.account,
                axum::http::StatusCode::OK,
                Some(notice.to_owned()),
                None,
            )
            .await
        }
        Ok(_) => Redirect::to("/").into_response(),
        Err(e) => refused(Refusal::of_error(&e), Some(&for_errors)),
    }
}
