//! Ejecuciones: the newest runs, by status (`GET /ejecuciones`,
//! `POST /ejecuciones`), and a run's steps as a timeline
//! (`POST /ejecuciones/ver`). Read-only, for every role.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Form;
use garita_app::ops::console::SignedInUser;
use garita_app::ops::runs::RunQuery;
use garita_app::Operations;
use serde::Deserialize;
use serde_json::json;

use super::access::{form_reader, reader};
use super::{base, refused, with};
use crate::console::guard::Refusal;
use crate::console::page_texts::{maybe_moment, moment};
use crate::console::render::page;
use crate::console::ConsoleState;

/// The run statuses offered as filters.
const STATUSES: [&str; 5] = ["running", "waiting", "succeeded", "failed", "cancelled"];

/// The status filter, or a run to show.
#[derive(Debug, Default, Deserialize)]
pub struct RunForm {
    csrf: Option<String>,
    #[serde(default)]
    status: String,
    #[serde(default)]
    run: String,
}

/// Every status.
pub async fn list(State(state): State<Arc<ConsoleState>>, headers: HeaderMap) -> Response {
    match reader(&state, &headers).await {
        Ok(signed) => show_list(&state, &signed, "").await,
        Err(response) => response,
    }
}

/// The status the form names.
pub async fn filter(
    State(state): State<Arc<ConsoleState>>,
    headers: HeaderMap,
    Form(sent): Form<RunForm>,
) -> Response {
    match form_reader(&state, &headers, sent.csrf.as_deref()).await {
        Ok(signed) => show_list(&state, &signed, sent.status.trim()).await,
        Err(response) => response,
    }
}

async fn show_list(state: &ConsoleState, signed: &SignedInUser, status: &str) -> Response {
    let status = STATUSES.into_iter().find(|s| *s == status);
    let query = RunQuery {
        status: status.map(str::to_owned),
        workflow: None,
        limit: None,
    };
    let runs = match state.session.list_runs(query).await {
        Ok(runs) => runs,
        Err(e) => return refused(Refusal::of_error(&e), Some(signed)),
    };
    let language = signed.user.language;
    let rows: Vec<_> = runs
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "workflow": r.workflow,
                "status": r.status,
                "error": r.error,
                "created": moment(language, r.created_at),
                "updated": moment(language, r.updated_at),
            })
        })
        .collect();
    let context = with(
        base(language, "runs_title", Some(signed), "ejecuciones"),
        json!({"runs": rows, "statuses": STATUSES, "status": status}),
    );
    page(StatusCode::OK, "ejecuciones.html", context)
}

/// A run and its steps.
pub async fn show(
    State(state): State<Arc<ConsoleState>>,
    headers: HeaderMap,
    Form(sent): Form<RunForm>,
) -> Response {
    let signed = match form_reader(&state, &headers, sent.csrf.as_deref()).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let run = match state.session.show_run(sent.run.trim()).await {
        Ok(run) => run,
        Err(e) => return refused(Refusal::of_error(&e), Some(&signed)),
    };
    let language = signed.user.language;
    let pretty = |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_default();
    let steps: Vec<_> = run
        .steps
        .iter()
        .map(|s| {
            json!({
                "id": s.id,
                "status": s.status,
                "attempts": s.attempts,
                "started": maybe_moment(language, s.started_at),
                "ended": maybe_moment(language, s.ended_at),
                "waiting_for": s.waiting_for,
                "error": s.error,
                "outputs": s.outputs.as_ref().map(pretty),
            })
        })
        .collect();
    let context = with(
        base(language, "runs_title", Some(&signed), "ejecuciones"),
        json!({
            "run": {"id": run.id, "workflow": run.workflow, "status": run.status, "error": run.error},
            "created": moment(language, run.created_at),
            "updated": moment(language, run.updated_at),
            "wakes": run.wake_at.map(|at| moment(language, at)),
            "inputs": pretty(&run.inputs),
            "steps": steps,
        }),
    );
    page(StatusCode::OK, "ejecucion.html", context)
}
