//! The console's cookies. The session cookie carries only a random id
//! (the store keeps its SHA-256); the sign-in form's CSRF cookie carries a
//! random token the form repeats (a double submit: before signing in
//! there is no session to keep it in). Both are `HttpOnly` and
//! `SameSite=Strict`, and `Secure` when the console is public over https.

use axum::http::header::COOKIE;
use axum::http::HeaderMap;

/// The session cookie.
pub const SESSION: &str = "garita_session";

/// The sign-in form's CSRF cookie.
pub const LOGIN_CSRF: &str = "garita_login_csrf";

/// The value of cookie `name` in the request, if sent.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"').to_owned())
}

/// A `Set-Cookie` value that sets `name` for `max_age` seconds.
pub fn set(name: &str, value: &str, max_age: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    )
}

/// A `Set-Cookie` value that removes `name`.
pub fn clear(name: &str, secure: bool) -> String {
    set(name, "", 0, secure)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn cookies_are_read_by_name_and_written_strict() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("a=1; garita_session=abc; b=2"),
        );
        assert_eq!(read(&headers, SESSION).as_deref(), Some("abc"));
        assert_eq!(read(&headers, "garita"), None);
        let cookie = set(SESSION, "abc", 60, true);
        assert_eq!(
            cookie,
            "garita_session=abc; Path=/; Max-Age=60; HttpOnly; SameSite=Strict; Secure"
        );
        assert!(!clear(SESSION, false).contains("Secure"));
    }
}
