//! Serving the control API's connections, with the limits a listener that
//! other local users can reach needs: a time limit for a request's headers
//! (and for an idle connection waiting for its next request), a cap on
//! connections at once per listener (so strangers on the TCP port never use
//! up the owner's Unix socket), a log line when the cap is reached, and a
//! graceful stop.
//!
//! Why not `axum::serve`: it sets no header timeout and no connection cap,
//! and 60 idle connections once made the owner's commands fail.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::connect_info::ConnectInfo;
use axum::{Extension, Router};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

use super::server::PeerUid;

pub use garita_app::daemon_settings::ConnectionLimits;

/// How often "connection limit reached" may be logged per listener.
const LIMIT_LOG_EVERY: Duration = Duration::from_secs(60);

/// Accepts connections of one kind.
pub trait Accept: Send + 'static {
    /// The connection.
    type Io: AsyncRead + AsyncWrite + Unpin + Send + 'static;
    /// The next connection, with its peer's uid when the kernel knows it.
    fn accept(&self) -> impl Future<Output = std::io::Result<(Self::Io, Option<u32>)>> + Send;
}

impl Accept for tokio::net::UnixListener {
    type Io = tokio::net::UnixStream;
    async fn accept(&self) -> std::io::Result<(Self::Io, Option<u32>)> {
        let (stream, _) = tokio::net::UnixListener::accept(self).await?;
        let uid = stream.peer_cred().ok().map(|cred| cred.uid());
        Ok((stream, uid))
    }
}

impl Accept for tokio::net::TcpListener {
    type Io = tokio::net::TcpStream;
    async fn accept(&self) -> std::io::Result<(Self::Io, Option<u32>)> {
        let (stream, _) = tokio::net::TcpListener::accept(self).await?;
        Ok((stream, None))
    }
}

/// Serves `router` on `listener` until `stop` turns true: no new
/// connection is taken, and those open finish the request they are on.
pub async fn serve<L: Accept>(
    listener: L,
    router: Router,
    limits: ConnectionLimits,
    name: &'static str,
    mut stop: watch::Receiver<bool>,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut connections = JoinSet::new();
    let mut last_limit_log: Option<Instant> = None;
    loop {
        // Reap finished connections so the set does not grow.
        while connections.try_join_next().is_some() {}
        let permit = match permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                if last_limit_log.is_none_or(|at| at.elapsed() >= LIMIT_LOG_EVERY) {
                    tracing::warn!(
                        listener = name,
                        max_connections = limits.max_connections,
                        "control API connection limit reached; new connections wait until one closes (idle ones close after the header timeout)"
                    );
                    last_limit_log = Some(Instant::now());
                }
                tokio::select! {
                    permit = permits.clone().acquire_owned() => match permit {
                        Ok(permit) => permit,
                        Err(_) => return,
                    },
                    _ = stopped(&mut stop) => break,
                }
            }
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopped(&mut stop) => break,
        };
        let (io, uid) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors, say: wait a moment, go on.
                tracing::warn!(listener = name, error = %e, "cannot accept a control API connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let app = router.clone().layer(Extension(ConnectInfo(PeerUid(uid))));
        let service = TowerToHyperService::new(app);
        let mut stopping = stop.clone();
        let timeout = limits.header_timeout;
        connections.spawn(async move {
            let _permit = permit;
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(timeout)
                .keep_alive(true);
            let connection = builder.serve_connection(TokioIo::new(io), service);
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = stopped(&mut stopping) => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
    }
    // Let the open connections end their requests (the caller bounds this
    // with the shutdown grace and aborts the rest).
    while connections.join_next().await.is_some() {}
}

/// Resolves once `stop` is true (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}
