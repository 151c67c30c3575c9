//! The checks every page and action of the console's work pages starts
//! with, in one place: who is signed in, the form's CSRF token, and the
//! role guard an action needs. Each answers the response to send when the
//! request is refused, so a handler reads `let x = match ... { Err(r) =>
//! return r }` once.

use axum::http::HeaderMap;
use axum::response::Response;
use garita_app::ops::console::SignedInUser;

use super::refused;
use crate::console::guard::{check_csrf, viewer, AuditExporter, Officer};
use crate::console::ConsoleState;

/// The signed-in user (a page any role may see).
pub async fn reader(state: &ConsoleState, headers: &HeaderMap) -> Result<SignedInUser, Response> {
    viewer(state, headers)
        .await
        .map_err(|refusal| refused(refusal, None))
}

/// The signed-in user whose form carries their session's token (a POST
/// that only shows something, which any role may send).
pub async fn form_reader(
    state: &ConsoleState,
    headers: &HeaderMap,
    csrf: Option<&str>,
) -> Result<SignedInUser, Response> {
    let signed = reader(state, headers).await?;
    check_csrf(&signed, csrf).map_err(|refusal| refused(refusal, Some(&signed)))?;
    Ok(signed)
}

/// An officer's (or admin's) form with its token: what every change to
/// tasks, accounts and the outbox needs. An auditor gets 403.
pub async fn officer(
    state: &ConsoleState,
    headers: &HeaderMap,
    csrf: Option<&str>,
) -> Result<(Officer, SignedInUser), Response> {
    let signed = form_reader(state, headers, csrf).await?;
    let guard = Officer::of(signed.clone()).map_err(|refusal| refused(refusal, Some(&signed)))?;
    Ok((guard, signed))
}

/// An auditor's (or admin's) form with its token: the audit export.
pub async fn exporter(
    state: &ConsoleState,
    headers: &HeaderMap,
    csrf: Option<&str>,
) -> Result<(AuditExporter, SignedInUser), Response> {
    let signed = form_reader(state, headers, csrf).await?;
    let guard =
        AuditExporter::of(signed.clone()).map_err(|refusal| refused(refusal, Some(&signed)))?;
    Ok((guard, signed))
}
