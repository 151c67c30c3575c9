//! `GET /`: Inicio, the numbers of [`garita_app::ops::dashboard`].

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use garita_app::ops::dashboard::{dashboard, DeadlineKind};
use serde_json::json;

use super::{base, refused, with};
use crate::console::chart::chart;
use crate::console::guard::{viewer, Refusal};
use crate::console::render::page;
use crate::console::texts::day;
use crate::console::ConsoleState;

/// The page, for any signed-in user; the sign-in button of a deadline
/// shows only to those who may use it (the action checks again).
pub async fn show(State(state): State<Arc<ConsoleState>>, headers: HeaderMap) -> Response {
    let signed = match viewer(&state, &headers).await {
        Ok(signed) => signed,
        Err(refusal) => return refused(refusal, None),
    };
    let board = match dashboard(&state.session).await {
        Ok(board) => board,
        Err(e) => return refused(Refusal::Failed(e.to_string()), Some(&signed)),
    };
    let language = signed.user.language;
    let deadlines: Vec<_> = board
        .next_deadlines
        .iter()
        .map(|d| {
            json!({
                "day": day(language, d.on),
                "kind": match d.kind {
                    DeadlineKind::TaskDue => "task_due",
                    DeadlineKind::CtpatDeactivation => "ctpat_deactivation",
                },
                "subject": d.subject,
                "who": d.who,
            })
        })
        .collect();
    let context = with(
        base(language, "home_title", Some(&signed), "inicio"),
        json!({
            "board": board,
            "as_of": format!("{} {} UTC", day(language, board.now.date_naive()), board.now.format("%H:%M")),
            "deadlines": deadlines,
            "chart": chart(&board.weeks, language),
            "may_act": signed.user.role.may_act_as_officer(),
        }),
    );
    page(StatusCode::OK, "inicio.html", context)
}
