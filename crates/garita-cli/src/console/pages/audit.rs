//! Auditoría: whether the audit chain verifies (`GET /auditoria`, for
//! every role) and the export of a period as a CSV download
//! (`POST /auditoria/exportar`, auditors and admins).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use chrono::{Datelike, NaiveDate};
use garita_app::ops::audit::{csv_text, export_by};
use garita_app::Operations;
use serde::Deserialize;
use serde_json::json;

use super::access::{exporter, reader};
use super::{base, refused, with};
use crate::console::guard::{may_export_audit, Refusal};
use crate::console::render::page;
use crate::console::ConsoleState;

/// The export form.
#[derive(Debug, Deserialize)]
pub struct ExportForm {
    csrf: Option<String>,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// The chain's state, and the export form for those who may use it.
pub async fn show(State(state): State<Arc<ConsoleState>>, headers: HeaderMap) -> Response {
    let signed = match reader(&state, &headers).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let verified = match state.session.verify_audit(None).await {
        Ok(verified) => verified,
        Err(e) => return refused(Refusal::of_error(&e), Some(&signed)),
    };
    let today = state.session.app.clock.now().date_naive();
    let month_start = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
    let problems: Vec<String> = verified
        .problems
        .iter()
        .map(|p| format!("#{}: {}", p.seq, p.problem))
        .collect();
    let context = with(
        base(
            signed.user.language,
            "audit_title",
            Some(&signed),
            "auditoria",
        ),
        json!({
            "v": verified,
            "head": format!("#{} {}", verified.head.seq, verified.head.hash),
            "problems": problems,
            "from": month_start.to_string(),
            "to": today.to_string(),
            "may_export": may_export_audit(signed.user.role),
        }),
    );
    page(StatusCode::OK, "auditoria.html", context)
}

/// The period's entries as a CSV attachment.
pub async fn export(
    State(state): State<Arc<ConsoleState>>,
    headers: HeaderMap,
    Form(sent): Form<ExportForm>,
) -> Response {
    let (guard, signed) = match exporter(&state, &headers, sent.csrf.as_deref()).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let (from, to) = (sent.from.trim(), sent.to.trim());
    let csv = match export_by(&state.session, from, to, guard.email()).await {
        // The description column in the signed-in user's language.
        Ok(export) => csv_text(
            &export,
            match signed.user.language {
                garita_engine::user::Language::Es => garita_engine::account::Locale::Es,
                garita_engine::user::Language::En => garita_engine::account::Locale::En,
            },
        ),
        Err(e) => Err(e),
    };
    match csv {
        Ok(csv) => {
            // Dates only reach the file name once the export accepted them.
            let name: String = format!("garita-audit-{from}-{to}.csv")
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
                .collect();
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{name}\""),
                    ),
                ],
                csv,
            )
                .into_response()
        }
        Err(e) => refused(Refusal::of_error(&e), Some(&signed)),
    }
}
