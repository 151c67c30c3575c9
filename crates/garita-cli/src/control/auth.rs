//! The bearer token that guards the TCP listener (the Unix socket is guarded
//! by its owner-only permissions instead).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use super::protocol::ApiError;

/// True when `given` is `expected`, compared in time that does not depend on
/// where they differ (only on their lengths).
pub fn token_matches(given: &str, expected: &str) -> bool {
    given.as_bytes().ct_eq(expected.as_bytes()).into()
}

/// Middleware: lets a request through only with `Authorization: Bearer TOKEN`;
/// anything else is answered 401 before any handler runs, so nothing changes.
pub async fn require_token(
    State(expected): State<Arc<str>>,
    request: Request,
    next: Next,
) -> Response {
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token);
    match given {
        Some(token) if token_matches(token, &expected) => next.run(request).await,
        Some(_) => unauthorized("the bearer token is wrong"),
        None => unauthorized("this listener needs `Authorization: Bearer TOKEN`"),
    }
}

/// The token of an `Authorization: Bearer TOKEN` value; the scheme's name
/// is case-insensitive (RFC 9110, section 11.1), so `bearer` and `BEARER`
/// count too.
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

fn unauthorized(what: &str) -> Response {
    let body = ApiError {
        error: what.to_owned(),
        hint: "send the token configured as GARITA_CONTROL_TOKEN or [daemon] control_token (docs/api.md)".into(),
    };
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer")],
        axum::Json(body),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_is_read_without_case() {
        for value in ["Bearer tok", "bearer tok", "BEARER tok", "  BeArEr   tok  "] {
            assert_eq!(bearer_token(value), Some("tok"), "{value}");
        }
        assert_eq!(bearer_token("Basic tok"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("Bearertok"), None);
    }

    #[test]
    fn only_the_same_token_matches() {
        assert!(token_matches("s3cret-token-0123", "s3cret-token-0123"));
        assert!(!token_matches("s3cret-token-0124", "s3cret-token-0123"));
        assert!(!token_matches("s3cret", "s3cret-token-0123"));
        assert!(!token_matches("", "s3cret-token-0123"));
    }
}
