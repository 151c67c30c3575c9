//! The `Server-Timing` header: how long the console took to answer, from
//! the request reaching its routes to the page rendered (the body is a
//! rendered string by then). Browsers' developer tools show it, and the
//! load bench reads it to tell the server's time from the client's.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

/// Times the rest of the stack and says it as `app;dur=MILLISECONDS`.
pub async fn server_timing(request: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let mut response = next.run(request).await;
    let ms = started.elapsed().as_secs_f64() * 1e3;
    if let Ok(value) = HeaderValue::from_str(&format!("app;dur={ms:.2}")) {
        response.headers_mut().insert("server-timing", value);
    }
    response
}
