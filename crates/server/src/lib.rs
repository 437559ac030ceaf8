//! Spielraum's HTTP server: the JSON API, vector tiles, MapLibre style, OpenAPI description,
//! and the built web app (planner map and embed), over an in-memory [`model::City`]. What the
//! map looks like and holds comes from the `map` crate; this crate only answers requests.
//!
//! [`AppState::new`] prepares everything once; [`router`] builds the axum app;
//! [`serve`] runs it until a shutdown signal; [`gpkg::open`] prepares a GeoPackage's state for
//! the CLI. Route modules (`api`, `scenario`, `tile`, `glyphs`, `style`, `web`, `openapi`) read the state
//! (`state`) and answer errors through `error` (content negotiation: `encoding`); none of them is used by another. The request
//! budget (timeouts, connection cap, per-class concurrency gates, cheap limits) lives in
//! [`limits`]; `conn` runs the accept loop and the budget's middleware under it.

mod account;
mod api;
pub mod auth;
pub mod caller;
mod conn;
pub mod download;
pub mod edit_json;
mod encoding;
mod error;
mod glyphs;
pub mod gpkg;
pub mod limits;
pub mod login_limit;
mod openapi;
mod scenario;
mod state;
mod style;
mod tile;
mod web;

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use axum::http::{HeaderName, Method, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{Any, CorsLayer};

use crate::error::{json_error, quoted};

pub use auth::EditToken;
pub use download::{ReportFailure, ReportMaker};
pub use error::ErrorCode;
pub use limits::Limits;
pub use openapi::{ROLES, ROUTES, openapi_document};
pub use scenario::{DEFAULT_SUGGESTIONS, MAX_COMPARE_EDITS, MAX_SUGGESTIONS};
pub use state::{AccountSetup, AppState, DEFAULT_SESSION_TTL, ScenarioSetup};

/// Errors of starting or running the server.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The address could not be bound (in use, not local, no permission).
    #[error(
        "cannot listen on {addr}: {source} (is another server running there? try --addr 127.0.0.1:0)"
    )]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// The async runtime could not start.
    #[error("cannot start the server runtime: {0}")]
    Runtime(std::io::Error),
    /// Serving failed.
    #[error("the server stopped with an error: {0}")]
    Serve(std::io::Error),
}

async fn not_found(uri: axum::http::Uri) -> Response {
    json_error(
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
        format!("no such path: {}", quoted(uri.path())),
    )
}

/// Paths anyone may read in a private workspace: the pages and their assets, what logging in
/// needs, and the descriptions of the server.
fn open_in_private(path: &str) -> bool {
    matches!(
        path,
        "/" | "/embed"
            | "/table"
            | "/admin"
            | "/health"
            | "/openapi.json"
            | "/api/login"
            | "/api/me"
    ) || path.starts_with("/assets/")
        || path.starts_with("/fonts/")
}

/// Middleware: in a private workspace ([`AppState::with_private`]) every other path needs a
/// login or a token (401 `login_required` otherwise).
async fn private_gate(
    axum::extract::State(s): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if s.0.private && !open_in_private(req.uri().path()) {
        let role = store::accounts::Role::Viewer;
        if let Err(f) = caller::require(&s, req.headers(), role, false).await {
            return axum::response::IntoResponse::into_response(f);
        }
    }
    next.run(req).await
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    json_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::Internal,
        "internal error while handling the request",
    )
}

/// Checks a public address for `serve --public-url`: an `http://` or `https://` URL with a host,
/// maybe a path, no query, fragment, user or spaces; returned without a trailing `/`.
///
/// ```
/// use spielraum_server::public_url;
/// assert_eq!(public_url("https://karte.example.de/spielraum/").unwrap(), "https://karte.example.de/spielraum");
/// assert!(public_url("karte.example.de").is_err());
/// assert!(public_url("https://karte.example.de/?a=1").is_err());
/// ```
pub fn public_url(text: &str) -> Result<String, String> {
    let t = text.trim().trim_end_matches('/');
    let rest = t
        .strip_prefix("https://")
        .or_else(|| t.strip_prefix("http://"));
    let host = rest.map(|r| r.split('/').next().unwrap_or(""));
    match (rest, host) {
        (Some(r), Some(h))
            if !h.is_empty()
                && !h.contains('@')
                && !r.contains(['?', '#', ' ', '"', '<', '>', '\\'])
                && !r.chars().any(char::is_control) =>
        {
            Ok(t.to_string())
        }
        _ => Err(format!(
            "'{text}' is not a public address like https://karte.example.de (http or https, a host, \
             maybe a path; no query or fragment)"
        )),
    }
}

/// The application: every route of the HTTP interface, CORS for embedding, 404 JSON for
/// unknown paths, the request budget (body-read and total timeouts, body size), framework
/// errors as JSON, and a catch-panic layer so a bad request can never stop the server.
pub fn router(state: AppState) -> Router {
    let budget = conn::Budget {
        body: state.0.limits.body_read_timeout,
        total: state.0.limits.request_timeout,
    };
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::HEAD, Method::OPTIONS])
        .allow_headers([header::IF_NONE_MATCH, header::CONTENT_TYPE])
        // Cross-origin pages get no credentials: no `allow_credentials`, so a browser sends
        // neither the session cookie nor reads an answer made with it.
        .expose_headers([header::ETAG, HeaderName::from_static("content-encoding")])
        // The CORS layer replaces a response's `Vary`: name `Accept-Encoding` here, or the
        // gzip bodies of tiles and glyphs would lose it and a shared cache could hand a gzip
        // body to a client that did not ask for one.
        .vary([
            header::ORIGIN,
            header::ACCESS_CONTROL_REQUEST_METHOD,
            header::ACCESS_CONTROL_REQUEST_HEADERS,
            header::ACCEPT_ENCODING,
        ]);
    Router::new()
        .route("/", get(web::index))
        .route("/embed", get(web::embed))
        .route("/table", get(web::table))
        .route("/admin", get(web::admin))
        .route("/api/login", post(account::login))
        .route("/api/logout", post(account::logout))
        .route("/api/me", get(account::me))
        .route("/api/users", get(account::users).post(account::add_user))
        .route(
            "/api/users/{login}",
            axum::routing::patch(account::change_user),
        )
        .route("/api/audit", get(account::audit))
        .route("/api/audit.csv", get(account::audit_csv))
        .route(
            "/api/tokens",
            get(account::tokens).post(account::create_token),
        )
        .route(
            "/api/tokens/{id}",
            axum::routing::delete(account::revoke_token),
        )
        .route("/health", get(api::health))
        .route("/api/neighbourhoods", get(api::neighbourhoods))
        .route("/api/neighbourhoods.csv", get(download::neighbourhoods_csv))
        .route(
            "/api/neighbourhoods.xlsx",
            get(download::neighbourhoods_xlsx),
        )
        .route("/api/report.pdf", get(download::report_pdf))
        .route("/api/facilities", get(api::facilities))
        .route("/api/reach", get(api::reach))
        .route("/api/scenarios", get(scenario::list).post(scenario::create))
        .route(
            "/api/scenarios/{id}",
            get(scenario::get)
                .patch(scenario::update)
                .delete(scenario::delete),
        )
        .route("/api/scenarios/{id}/edits", post(scenario::add_edit))
        .route(
            "/api/scenarios/{id}/edits/{position}",
            axum::routing::delete(scenario::remove_edit),
        )
        .route("/api/scenarios/{id}/compare", get(scenario::compare_stored))
        .route("/api/scenarios/{id}/status", post(scenario::set_status))
        .route(
            "/api/scenarios/{id}/comments",
            get(scenario::comments).post(scenario::add_comment),
        )
        .route("/api/compare", post(scenario::compare_unsaved))
        .route("/api/suggest", get(scenario::suggest))
        .route("/tiles/{z}/{x}/{file}", get(tile::tile))
        .route("/style.json", get(style::style))
        .route("/fonts/{fontstack}/{range}", get(glyphs::glyphs))
        .route("/openapi.json", get(openapi::openapi))
        .route("/assets/{*path}", get(web::asset))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            private_gate,
        ))
        .layer(axum::middleware::from_fn_with_state(budget, conn::budget))
        .layer(axum::middleware::from_fn(conn::json_errors))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(cors)
        .with_state(state)
}

/// Serves `state` on an already bound listener until `shutdown` completes (graceful:
/// requests in flight finish), under the state's request budget ([`AppState::with_limits`]):
/// header-read and idle timeouts and the connection cap here, the rest in [`router`].
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let limits = state.0.limits.clone();
    conn::run(listener, router(state), limits, shutdown).await
}

/// A future that resolves when Ctrl-C (SIGINT) or SIGTERM arrives. The handlers are
/// installed when this is called (inside a Tokio runtime), so no signal sent after it is lost.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let int = signal(SignalKind::interrupt()).ok();
        let term = signal(SignalKind::terminate()).ok();
        async move {
            let wait = |s: Option<tokio::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = wait(int) => {},
                _ = wait(term) => {},
            }
        }
    }
    #[cfg(not(unix))]
    async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Binds `addr`, calls `on_ready` with the bound address, and serves `state` until Ctrl-C or
/// SIGTERM. Blocks the calling thread.
pub fn serve_state(
    state: AppState,
    addr: SocketAddr,
    on_ready: impl FnOnce(SocketAddr),
) -> Result<(), ServerError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(ServerError::Runtime)?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| ServerError::Bind { addr, source })?;
        let bound = listener.local_addr().map_err(ServerError::Serve)?;
        let shutdown = shutdown_signal();
        on_ready(bound);
        serve(listener, state, shutdown).await
    })
}
