//! The control API's listeners: `control.sock` in the store directory
//! (owner-only; the store directory is made owner-only too) and, when
//! configured, a TCP address behind a bearer token. Both serve the same
//! router, built from the route table.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::body::Bytes;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{DefaultBodyLimit, Query, RawPathParams, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodFilter, MethodRouter};
use axum::{Extension, Json, Router};
use serde_json::{Map, Value};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::protocol::ApiError;
use super::routes::{Answer, Caller, Given, Method, OperationFuture, Route, ROUTES};
use super::state::ControlState;
use garita_app::daemon_settings::ControlTcp;

/// Largest request body: an inventory CSV or a workflow travels in it.
const MAX_BODY: usize = 64 << 20;

/// Mode of the control socket: the owner only.
const SOCKET_MODE: u32 = 0o600;

/// Mode the store directory must have, since the socket lives in it.
const DIR_MODE: u32 = 0o700;

/// Header with the exit code of the command behind a typed endpoint.
pub const EXIT_CODE_HEADER: &str = "garita-exit-code";

pub use garita_app::daemon_settings::ListenerLimits;

/// The running listeners.
pub struct ControlServer {
    socket: PathBuf,
    stop: watch::Sender<bool>,
    serving: JoinSet<()>,
}

impl ControlServer {
    /// Starts listening on `store_dir/control.sock` and, if given, on `tcp`.
    /// Any socket file already there is stale (this process holds the
    /// store's lock) and is replaced.
    pub async fn start(
        state: Arc<ControlState>,
        store_dir: &Path,
        tcp: Option<&ControlTcp>,
        limits: ListenerLimits,
    ) -> anyhow::Result<Self> {
        owner_only_dir(store_dir)?;
        let socket = store_dir.join(super::SOCKET_NAME);
        match std::fs::remove_file(&socket) {
            Ok(()) => tracing::info!(socket = %socket.display(), "replaced a stale control socket"),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e).with_context(|| {
                    format!(
                        "cannot remove the stale control socket {}",
                        socket.display()
                    )
                })
            }
        }
        let unix = tokio::net::UnixListener::bind(&socket).with_context(|| {
            format!(
                "cannot listen on {} (a Unix socket path must be under 108 bytes: choose a shorter --store path)",
                socket.display()
            )
        })?;
        std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(SOCKET_MODE))
            .with_context(|| format!("cannot make {} owner-only", socket.display()))?;
        let (stop, stopped) = watch::channel(false);
        let mut serving = JoinSet::new();
        // Each connection carries its peer uid, so a command records its client.
        serving.spawn(super::connections::serve(
            unix,
            router(state.clone()),
            limits.unix,
            "unix",
            stopped.clone(),
        ));
        tracing::info!(socket = %socket.display(), "control API listening");
        if let Some(tcp) = tcp {
            let listener = tokio::net::TcpListener::bind(tcp.address)
                .await
                .with_context(|| {
                    format!(
                        "cannot listen on {} (daemon.control_tcp): is the port taken?",
                        tcp.address
                    )
                })?;
            let address = listener.local_addr()?;
            let token: Arc<str> = Arc::from(tcp.token.as_str());
            let app = router(state).layer(axum::middleware::from_fn_with_state(
                token,
                super::auth::require_token,
            ));
            serving.spawn(super::connections::serve(
                listener, app, limits.tcp, "tcp", stopped,
            ));
            tracing::info!(address = %address, "control API listening on TCP (bearer token required)");
        }
        Ok(Self {
            socket,
            stop,
            serving,
        })
    }

    /// Stops taking requests, lets those in flight finish for up to `grace`,
    /// abandons the rest and removes the socket file.
    pub async fn stop(mut self, grace: Duration) {
        let _ = self.stop.send(true);
        let finished = tokio::time::timeout(grace, async {
            while self.serving.join_next().await.is_some() {}
        })
        .await;
        if finished.is_err() {
            tracing::warn!("control requests still running were abandoned");
            self.serving.abort_all();
            while self.serving.join_next().await.is_some() {}
        }
        let _ = std::fs::remove_file(&self.socket);
    }
}

/// Makes `dir` owner-only (the socket's permissions are only as good as
/// its directory's).
fn owner_only_dir(dir: &Path) -> anyhow::Result<()> {
    let meta = std::fs::metadata(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    if meta.permissions().mode() & 0o077 != 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(DIR_MODE)).with_context(
            || {
                format!(
                    "cannot make the store directory {} owner-only",
                    dir.display()
                )
            },
        )?;
        tracing::warn!(store = %dir.display(), "the store directory was readable by others; it is now owner-only (0700)");
    }
    Ok(())
}

/// The uid of the process at the other end of a control-socket connection
/// (SO_PEERCRED): the kernel's word for who the client is, which it cannot
/// forge. `None` when the socket cannot say.
#[derive(Debug, Clone, Copy)]
pub struct PeerUid(pub Option<u32>);

/// The peer uid of the request's connection: known on the Unix socket,
/// absent on TCP (where the bearer token is all that vouches for it).
type Peer = Option<Extension<ConnectInfo<PeerUid>>>;

fn peer_uid(peer: Peer) -> Option<u32> {
    peer.and_then(|Extension(ConnectInfo(PeerUid(uid)))| uid)
}

/// The router: health and every typed route.
pub fn router(state: Arc<ControlState>) -> Router {
    let mut by_path: BTreeMap<&'static str, MethodRouter<Arc<ControlState>>> = BTreeMap::new();
    for route in ROUTES {
        let filter = match route.method {
            Method::Get => MethodFilter::GET,
            Method::Post => MethodFilter::POST,
        };
        let handler = move |State(state): State<Arc<ControlState>>,
                            peer: Peer,
                            params: RawPathParams,
                            query: Result<
            Query<Vec<(String, String)>>,
            axum::extract::rejection::QueryRejection,
        >,
                            headers: HeaderMap,
                            body: Bytes| async move {
            typed(
                &state,
                route,
                peer_uid(peer),
                &headers,
                &params,
                query,
                &body,
            )
            .await
        };
        let methods = by_path.remove(route.path).unwrap_or_default();
        by_path.insert(route.path, methods.on(filter, handler));
    }
    let mut router = Router::new().route("/v1/health", get(health));
    for (path, methods) in by_path {
        router = router.route(path, methods);
    }
    router
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn(refuse_oversized))
        .with_state(state)
}

/// Answers 413 at once for a request that announces a body over the limit,
/// before any of it is read (a client must not tie up a connection sending
/// what will be refused anyway).
async fn refuse_oversized(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match announced {
        Some(length) if length > MAX_BODY as u64 => error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body would be {length} bytes; the limit is {MAX_BODY}"),
            "send a smaller file (an inventory or a workflow is far smaller)",
        ),
        _ => next.run(request).await,
    }
}

async fn health(State(state): State<Arc<ControlState>>) -> Response {
    let mut health = state.health.clone();
    {
        let status = state.workflow_dir.read().unwrap_or_else(|p| p.into_inner());
        health.workflows = status.workflows;
        health.refused_files = status.refused.clone();
    }
    // A daemon whose store cannot write must not look healthy to a monitor.
    let store = state.session.backend.health.clone();
    let failure = tokio::task::spawn_blocking(move || store.write_failure())
        .await
        .unwrap_or_else(|e| {
            Some(garita_engine::StoreError::Io {
                path: state.health.store.display().to_string(),
                detail: format!("the store check stopped unexpectedly: {e}"),
            })
        });
    match failure {
        None => Json(health).into_response(),
        Some(e) => {
            health.store_error = Some(e.to_string());
            (StatusCode::SERVICE_UNAVAILABLE, Json(health)).into_response()
        }
    }
}

async fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "no such endpoint".into(),
        "docs/api.md lists the endpoints; `garita schema api` prints them as OpenAPI",
    )
}

/// A typed endpoint: checked, then served by its operation.
async fn typed(
    state: &ControlState,
    route: &'static Route,
    peer: Option<u32>,
    headers: &HeaderMap,
    params: &RawPathParams,
    query: Result<Query<Vec<(String, String)>>, axum::extract::rejection::QueryRejection>,
    body: &[u8],
) -> Response {
    let query = match query {
        Ok(Query(pairs)) => pairs,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.body_text(), route.hint),
    };
    let path: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let body: Option<Map<String, Value>> = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => Some(map),
            Ok(_) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "the body must be a JSON object".into(),
                    route.hint,
                )
            }
            Err(e) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    format!("the body is not JSON: {e}"),
                    route.hint,
                )
            }
        }
    };
    let given = match super::routes::check(route, &path, &query, body.as_ref()) {
        Ok(given) => given,
        Err(message) => return error(StatusCode::BAD_REQUEST, message, route.hint),
    };
    served(state, route, peer, headers, given, route.handler).await
}

/// A typed endpoint served by its operation, on the daemon's session: the
/// caller's `--now` (header `garita-now`) must be the daemon's own pinned
/// instant, and its author is the peer's user, with the name the client
/// gives (header `garita-user`) when it differs.
async fn served(
    state: &ControlState,
    route: &Route,
    peer: Option<u32>,
    headers: &HeaderMap,
    given: Given,
    operation: fn(garita_app::Session, Given, Caller) -> OperationFuture,
) -> Response {
    // A header the client percent-encoded; Err(name) when it is not.
    let header = |name: &'static str| -> Result<Option<String>, &'static str> {
        match headers.get(name) {
            None => Ok(None),
            Some(value) => value
                .to_str()
                .ok()
                .and_then(super::percent::decode)
                .map(Some)
                .ok_or(name),
        }
    };
    let (now, user) = match (
        header(super::daemon_operations::NOW_HEADER),
        header(super::daemon_operations::USER_HEADER),
    ) {
        (Ok(now), Ok(user)) => (now, user),
        (Err(name), _) | (_, Err(name)) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("the `{name}` header is not percent-encoded UTF-8"),
                route.hint,
            )
        }
    };
    if let Err(e) = super::state::check_clock(state, now.as_deref()) {
        return failed(route, &e);
    }
    let author = garita_app::identity::client_author(
        peer.map(garita_app::identity::user_of_uid).as_deref(),
        user.as_deref(),
    );
    let caller = Caller {
        author,
        confined: !super::state::is_trusted_peer(peer),
    };
    let result = operation(state.session.clone(), given, caller).await;
    state.nudge.notify_one();
    match result {
        Ok(answered) => {
            let mut http = match (route.answer, answered.value) {
                (Answer::Csv, Value::String(text)) => {
                    ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], text).into_response()
                }
                (_, value) => Json(value).into_response(),
            };
            http.headers_mut().insert(
                EXIT_CODE_HEADER,
                HeaderValue::from(u16::from(answered.exit_code)),
            );
            http
        }
        Err(e) => failed(route, &e),
    }
}

/// The error answer for an operation's failure: its class's status, and its
/// words with their causes as the command line prints them after `error:`.
fn failed(route: &Route, err: &garita_app::AppError) -> Response {
    let status = StatusCode::from_u16(super::state::status_of_class(err.class()))
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    error(status, garita_app::error::with_causes(err), route.hint)
}

/// An error answer.
pub fn error(status: StatusCode, message: String, hint: &str) -> Response {
    (
        status,
        Json(ApiError {
            error: message,
            hint: hint.to_owned(),
        }),
    )
        .into_response()
}
