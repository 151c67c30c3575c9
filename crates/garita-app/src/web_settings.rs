//! The `[web]` section of garita.toml: where `garita daemon` serves the
//! officers' console, if anywhere.
//!
//! ```toml
//! [web]
//! listen = "127.0.0.1:8080"
//! # Only behind a TLS-terminating proxy, and required for a listen
//! # address other than loopback; makes the cookies `Secure`.
//! public_url = "https://garita.example.com"
//! session_hours = 8
//! ```

use std::net::SocketAddr;

use serde::Deserialize;

use crate::error::AppError;

/// Hours a console session lasts when `session_hours` is not set.
pub const DEFAULT_SESSION_HOURS: u32 = 8;

/// `[web]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct WebSettings {
    /// The address and port the console listens on; off when unset.
    pub listen: Option<String>,
    /// The address people reach the console at (`https://...` behind a
    /// proxy); links in mail are built from it.
    pub public_url: Option<String>,
    /// How long a sign-in lasts, in hours (1 to 720).
    pub session_hours: Option<u32>,
}

/// `[web]` checked: what the console server needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebConfig {
    /// Where to listen.
    pub listen: SocketAddr,
    /// The public address, without a trailing slash.
    pub public_url: Option<String>,
    /// Whether cookies carry `Secure` (the public address is https).
    pub secure_cookies: bool,
    /// How long a session lasts.
    pub session_hours: u32,
}

impl WebSettings {
    /// The console's configuration, `None` when it is off. Refuses an
    /// address beyond loopback unless `public_url` is https: a console
    /// reachable from the network must sit behind TLS, or passwords and
    /// session cookies would cross it in clear text.
    pub fn resolve(&self) -> Result<Option<WebConfig>, AppError> {
        let Some(text) = self
            .listen
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        else {
            return Ok(None);
        };
        let listen: SocketAddr = text.parse().map_err(|e| {
            AppError::Config(format!(
                "web.listen must be an IP address and port such as `127.0.0.1:8080`, not `{text}` (check garita.toml or GARITA_WEB__LISTEN): {e}"
            ))
        })?;
        let public_url = match self
            .public_url
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            None => None,
            Some(url) if url.starts_with("https://") || url.starts_with("http://") => {
                Some(url.trim_end_matches('/').to_owned())
            }
            Some(url) => {
                return Err(AppError::Config(format!(
                    "web.public_url must start with https:// (or http:// on loopback), not `{url}`"
                )))
            }
        };
        let secure_cookies = public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"));
        if !listen.ip().is_loopback() && !secure_cookies {
            return Err(AppError::Config(format!(
                "web.listen is {listen}, which is not a loopback address, and web.public_url is not an https address: the console would take passwords over the network in clear text. Listen on 127.0.0.1 and put a TLS-terminating proxy in front, then set web.public_url = \"https://...\" (docs/console.md)"
            )));
        }
        let session_hours = self.session_hours.unwrap_or(DEFAULT_SESSION_HOURS);
        if !(1..=720).contains(&session_hours) {
            return Err(AppError::Config(format!(
                "web.session_hours must be from 1 to 720, not {session_hours}"
            )));
        }
        Ok(Some(WebConfig {
            listen,
            public_url,
            secure_cookies,
            session_hours,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn web(listen: &str, public_url: Option<&str>) -> Result<Option<WebConfig>, AppError> {
        WebSettings {
            listen: Some(listen.into()),
            public_url: public_url.map(str::to_owned),
            session_hours: None,
        }
        .resolve()
    }

    #[test]
    fn loopback_is_enough_and_https_allows_the_network() {
        assert_eq!(WebSettings::default().resolve().unwrap(), None);
        let local = web("127.0.0.1:8080", None).unwrap().unwrap();
        assert!(!local.secure_cookies);
        assert_eq!(local.session_hours, DEFAULT_SESSION_HOURS);
        let open = web("0.0.0.0:8080", None).unwrap_err().to_string();
        assert!(
            open.contains("not a loopback address") && open.contains("https"),
            "{open}"
        );
        assert!(web("0.0.0.0:8080", Some("http://garita.example.com")).is_err());
        let proxied = web("0.0.0.0:8080", Some("https://garita.example.com/"))
            .unwrap()
            .unwrap();
        assert!(proxied.secure_cookies);
        assert_eq!(
            proxied.public_url.as_deref(),
            Some("https://garita.example.com")
        );
        assert!(
            web("localhost:8080", None).is_err(),
            "an IP address, not a name"
        );
        assert!(web("127.0.0.1:8080", Some("ftp://x")).is_err());
    }
}
