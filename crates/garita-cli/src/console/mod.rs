//! The officers' console: server-rendered pages that `garita daemon`
//! serves when `[web] listen` is set (docs/console.md). It holds the
//! daemon's own [`Session`] and renders the operations' answers; every
//! check and effect is an operation of garita-app (`ops::console`,
//! `ops::dashboard`, the account operations), never code here.
//!
//! - [`router`]: the routes and the headers every answer carries (a
//!   Content-Security-Policy without inline scripts or styles, no caching,
//!   no referrer, no framing).
//! - [`guard`]: who is signed in (the session cookie), the role guard
//!   types a handler must obtain before it acts ([`guard::Officer`]), and
//!   the CSRF check every form passes.
//! - [`cookies`]: reading and writing the cookies (`HttpOnly`,
//!   `SameSite=Strict`, `Secure` behind an https `public_url`).
//! - [`render`]: the minijinja templates and the CSS, embedded in the
//!   binary, and the Spanish and English texts ([`texts`]).
//! - [`chart`]: the deadlines-per-week chart's geometry (the SVG is drawn
//!   by the template, on the server).
//! - [`pages`]: one module per page; `holder_link` and `calendar_feed`
//!   are the two that need no sign-in (a holder's signed link, a personal
//!   calendar feed: the token in the path is the credential, opaque, with
//!   nothing of the store in it), with their texts in [`link_texts`].
//!
//! Nothing the store holds goes into a URL: pages take no query, and
//! actions send what they name in the form body.

pub mod chart;
pub mod cookies;
pub mod guard;
pub mod link_texts;
pub mod page_texts;
pub mod pages;
pub mod render;
pub mod router;
pub mod server_timing;
pub mod texts;

use std::sync::Arc;
use std::time::Duration;

use garita_app::web_settings::WebConfig;
use garita_app::Session;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// What every handler reads.
pub struct ConsoleState {
    /// The daemon's session: its store, engine and scheduler.
    pub session: Session,
    /// `[web]`, checked.
    pub config: WebConfig,
}

/// The running console server.
pub struct ConsoleServer {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl ConsoleServer {
    /// Binds `config.listen` and serves the console on the daemon's session.
    pub async fn start(session: Session, config: WebConfig) -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "cannot listen on {} for the console ([web] listen): {e}; choose a free port",
                    config.listen
                )
            })?;
        let address = listener.local_addr()?;
        let public = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{address}"));
        let app = router::router(Arc::new(ConsoleState { session, config }));
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            let served = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .with_graceful_shutdown(async move {
                let _ = stopped.wait_for(|s| *s).await;
            })
            .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "the console stopped serving");
            }
        });
        tracing::info!(listen = %address, url = %public, "console serving");
        Ok(Self { stop, task })
    }

    /// Stops taking connections; waits up to `grace` for pages in flight.
    pub async fn stop(self, grace: Duration) {
        let _ = self.stop.send(true);
        let mut task = self.task;
        if tokio::time::timeout(grace, &mut task).await.is_err() {
            task.abort();
        }
    }
}
