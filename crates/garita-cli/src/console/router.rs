//! The console's routes, and the headers every answer carries.

use std::sync::Arc;

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use super::pages;
use super::render::CSS;
use super::server_timing::server_timing;
use super::ConsoleState;

/// The policy every page is served with: only this origin's stylesheet,
/// no script at all, no plugins, forms posting only here, never framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Largest form body accepted (a sign-in or an action is a few hundred bytes).
const MAX_BODY: usize = 16 * 1024;

/// Every route of the console.
pub fn router(state: Arc<ConsoleState>) -> Router {
    Router::new()
        .route("/", get(pages::inicio::show))
        .route("/login", get(pages::login::form).post(pages::login::submit))
        .route("/logout", post(pages::login::sign_out))
        .route("/cuentas/ingreso", post(pages::account_sign_in::record))
        .merge(work_pages())
        // Holders' links and calendar feeds: no sign-in (the token is the credential).
        .route(
            "/enlace/{token}",
            get(pages::holder_link::show).post(pages::holder_link::confirm),
        )
        .route("/enlace/{token}/nuevo", post(pages::holder_link::renew))
        .route("/calendario/{file}", get(pages::calendar_feed::show))
        .route("/static/console.css", get(stylesheet))
        .fallback(pages::not_found)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::map_response(secure_headers))
        .layer(axum::middleware::from_fn(server_timing))
        .with_state(state)
}

/// Tareas, Cuentas, Ejecuciones, Correo and Auditoría. A page opened
/// from a list is a POST naming what it shows in the body, so no store
/// data reaches a URL (or a proxy's log); every POST carries the form's
/// token, and every change needs the officer guard.
fn work_pages() -> Router<Arc<ConsoleState>> {
    use axum::extract::DefaultBodyLimit;
    Router::new()
        .route(
            "/tareas",
            get(pages::tasks::inbox_page).post(pages::tasks::inbox_view),
        )
        .route("/tareas/ver", post(pages::tasks::show))
        .route("/tareas/responder", post(pages::tasks::answer))
        .route("/tareas/rechazar", post(pages::tasks::reject))
        .route(
            "/cuentas",
            get(pages::accounts::list).post(pages::accounts::filter),
        )
        .route("/cuentas/ver", post(pages::accounts::show))
        .route("/cuentas/baja", post(pages::accounts::offboard))
        .route(
            "/cuentas/importar",
            get(pages::account_import::form)
                .post(pages::account_import::submit)
                .layer(DefaultBodyLimit::max(
                    pages::account_import::MAX_IMPORT_BODY,
                )),
        )
        .route(
            "/ejecuciones",
            get(pages::runs::list).post(pages::runs::filter),
        )
        .route("/ejecuciones/ver", post(pages::runs::show))
        .route("/correo", get(pages::mail::list).post(pages::mail::filter))
        .route("/correo/ver", post(pages::mail::show))
        .route("/correo/reintentar", post(pages::mail::retry))
        .route("/auditoria", get(pages::audit::show))
        .route("/auditoria/exportar", post(pages::audit::export))
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

/// Adds the security headers; pages are not cached (they show store data).
async fn secure_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let mut put = |name, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    put(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    put(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    put(header::REFERRER_POLICY, "no-referrer");
    put(header::X_FRAME_OPTIONS, "DENY");
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
