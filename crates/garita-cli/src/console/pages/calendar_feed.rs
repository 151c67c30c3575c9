//! `GET /calendario/{token}.ics`: a personal calendar feed
//! (`garita calendar url`), served without a sign-in for Outlook and
//! Google Calendar: the token in the path is the credential. An unknown or
//! revoked token is a plain 404.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use garita_app::ops::calendar_feed;
use garita_app::AppError;
use garita_engine::account::Locale;

use crate::calendar_ics::{self, IcsOptions, DEFAULT_ALARM_DAYS};
use crate::console::ConsoleState;

/// The feed, as an iCalendar file.
pub async fn show(State(state): State<Arc<ConsoleState>>, Path(file): Path<String>) -> Response {
    let Some(token) = file.strip_suffix(".ics") else {
        return super::not_found().await;
    };
    match calendar_feed::feed(&state.session, token).await {
        Ok(deadlines) => {
            let text = calendar_ics::render(
                &deadlines,
                &IcsOptions {
                    alarm_days: DEFAULT_ALARM_DAYS,
                    locale: Locale::Es,
                },
            );
            (
                StatusCode::OK,
                [
                    (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                    (
                        header::CONTENT_DISPOSITION,
                        "inline; filename=\"garita.ics\"",
                    ),
                ],
                text,
            )
                .into_response()
        }
        Err(AppError::NotFound(_)) => super::not_found().await,
        Err(e) => {
            tracing::error!(error = %e, "a calendar feed could not be read");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the feed could not be read",
            )
                .into_response()
        }
    }
}
