//! `GET /cuentas/importar` and `POST /cuentas/importar`: an officer pastes
//! an inventory CSV and gets the import's per-row report (the same
//! operation as `garita accounts import`, recorded as done by the
//! officer). A page without JavaScript cannot read a file for a
//! url-encoded form, and the console takes no multipart bodies, so the
//! file's text is pasted.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Form;
use garita_app::ops::accounts::{ImportRequest, NoProgress};
use garita_app::ops::console::SignedInUser;
use garita_app::Operations;
use serde::Deserialize;
use serde_json::{json, Value};

use super::access::{officer, reader};
use super::{base, refused, with};
use crate::console::guard::{Officer, Refusal};
use crate::console::render::page;
use crate::console::ConsoleState;

/// Largest CSV accepted, url-encoded (10,000 rows of an inventory are
/// about 2 MB of text).
pub const MAX_IMPORT_BODY: usize = 16 * 1024 * 1024;

/// The import form.
#[derive(Debug, Deserialize)]
pub struct ImportForm {
    csrf: Option<String>,
    #[serde(default)]
    file: String,
    #[serde(default)]
    csv: String,
    #[serde(default)]
    skip_invalid: Option<String>,
}

/// The empty form, for officers (an auditor is refused).
pub async fn form(State(state): State<Arc<ConsoleState>>, headers: HeaderMap) -> Response {
    let signed = match reader(&state, &headers).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    if let Err(refusal) = Officer::of(signed.clone()) {
        return refused(refusal, Some(&signed));
    }
    import_page(&signed, StatusCode::OK, &json!({}))
}

/// Imports the pasted CSV and shows the report.
pub async fn submit(
    State(state): State<Arc<ConsoleState>>,
    headers: HeaderMap,
    Form(sent): Form<ImportForm>,
) -> Response {
    let (guard, signed) = match officer(&state, &headers, sent.csrf.as_deref()).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let file = match sent.file.trim() {
        "" => "inventario.csv".to_owned(),
        name => name.to_owned(),
    };
    let skip_invalid = sent.skip_invalid.is_some();
    // A browser sends a textarea's lines ended by CR LF (the HTML form
    // encoding); the inventory reader numbers rows right with either end.
    let csv = sent.csv.clone();
    let request = ImportRequest {
        file: file.clone(),
        csv,
        skip_invalid,
        fix_leading_zeros: false,
        by: Some(guard.email().to_owned()),
    };
    let kept = json!({"file": file, "csv": sent.csv, "skip_invalid": skip_invalid});
    match state.session.import_accounts(request, &NoProgress).await {
        Ok(report) => {
            let status = if report.refused.is_some() {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            let mut context = kept;
            if let Value::Object(map) = &mut context {
                map.insert("report".into(), json!(report));
            }
            import_page(&signed, status, &context)
        }
        Err(e) => match Refusal::of_error(&e) {
            Refusal::Refused(why) => {
                let mut context = kept;
                if let Value::Object(map) = &mut context {
                    map.insert("message".into(), json!(why));
                }
                import_page(&signed, StatusCode::UNPROCESSABLE_ENTITY, &context)
            }
            other => refused(other, Some(&signed)),
        },
    }
}

fn import_page(signed: &SignedInUser, status: StatusCode, extra: &Value) -> Response {
    let context = with(
        base(
            signed.user.language,
            "import_title",
            Some(signed),
            "cuentas",
        ),
        extra.clone(),
    );
    page(status, "importar.html", context)
}
