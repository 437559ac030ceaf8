//! Serving connections under the request budget: the accept loop with its connection cap, the
//! header-read and idle timeouts, and the middleware of body-read and total timeouts.
//!
//! The loop is hyper-util's server builder under a semaphore of [`Limits::max_connections`]
//! permits, one per open connection; shutdown stops accepting and lets requests in flight end.

use std::convert::Infallible;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::time::Instant;
use tower::ServiceExt;

use crate::ServerError;
use crate::error::{ErrorCode, json_error, quote};
use crate::limits::{Limits, MAX_BODY_BYTES, busy};

/// Serves `router` on `listener` under `limits` until `shutdown` completes, then waits for the
/// open connections to finish their requests.
pub(crate) async fn run(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let max = limits.max_connections.clamp(1, u32::MAX as usize);
    let open = Arc::new(Semaphore::new(max));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    builder.http2().timer(TokioTimer::new());
    let builder = Arc::new(builder);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = open.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = &mut shutdown => break,
        };
        let stream = tokio::select! {
            r = listener.accept() => match r {
                Ok((stream, peer)) => (stream, peer),
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let (stream, peer) = stream;
        tokio::spawn(connection(
            stream,
            peer,
            router.clone(),
            builder.clone(),
            limits.idle_timeout,
            stop_rx.clone(),
            permit,
        ));
    }
    drop(listener);
    let _ = stop_tx.send(true);
    // Every open connection holds a permit: all of them back means all connections closed.
    let _ = open.acquire_many(max as u32).await;
    Ok(())
}

/// An accept error: per-connection ones are skipped; others (out of descriptors) are logged
/// and the loop pauses briefly instead of spinning.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind as K;
    if matches!(
        e.kind(),
        K::ConnectionAborted | K::ConnectionReset | K::ConnectionRefused
    ) {
        return;
    }
    tracing::warn!("cannot accept a connection: {e}");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// When a connection last finished a request, and how many it has in flight.
struct Activity(Mutex<(usize, Instant)>);

/// Marks one request in flight until dropped.
struct Busy(Arc<Activity>);

impl Activity {
    fn begin(self: &Arc<Self>) -> Busy {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).0 += 1;
        Busy(self.clone())
    }

    /// When the connection counts as idle for `idle` if nothing happens before.
    fn idle_deadline(&self, idle: Duration) -> Instant {
        let (in_flight, last) = *self.0.lock().unwrap_or_else(|p| p.into_inner());
        if in_flight > 0 {
            Instant::now() + idle
        } else {
            last + idle
        }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let mut a = self.0.0.lock().unwrap_or_else(|p| p.into_inner());
        a.0 -= 1;
        a.1 = Instant::now();
    }
}

/// The address of the connection's peer, in every request's extensions (the login limits count
/// failures per address).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Peer(pub std::net::SocketAddr);

async fn connection(
    stream: TcpStream,
    peer: std::net::SocketAddr,
    router: Router,
    builder: Arc<auto::Builder<TokioExecutor>>,
    idle: Duration,
    mut stop: watch::Receiver<bool>,
    _permit: OwnedSemaphorePermit,
) {
    let activity = Arc::new(Activity(Mutex::new((0, Instant::now()))));
    let tracker = activity.clone();
    let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
        req.extensions_mut().insert(Peer(peer));
        let router = router.clone();
        let busy = tracker.begin();
        async move {
            let answer = router.oneshot(req).await;
            drop(busy);
            answer
        }
    });
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    let mut closing = false;
    loop {
        let deadline = activity.idle_deadline(idle);
        tokio::select! {
            _ = conn.as_mut() => break,
            _ = tokio::time::sleep_until(deadline), if !closing => {
                if activity.idle_deadline(idle) <= Instant::now() {
                    conn.as_mut().graceful_shutdown();
                    closing = true;
                }
            }
            _ = stop.changed(), if !closing => {
                conn.as_mut().graceful_shutdown();
                closing = true;
            }
        }
    }
}

/// The timeouts of one request, for [`budget`].
#[derive(Clone, Copy)]
pub(crate) struct Budget {
    pub body: Duration,
    pub total: Duration,
}

/// Middleware: reads the body within the body-read timeout and [`MAX_BODY_BYTES`] (413 JSON
/// beyond), and answers 503 JSON when the whole request takes longer than the total timeout.
pub(crate) async fn budget(State(b): State<Budget>, req: Request, next: Next) -> Response {
    let work = async {
        let req = match read_body(req, b.body).await {
            Ok(req) => req,
            Err(answer) => return answer,
        };
        next.run(req).await
    };
    match tokio::time::timeout(b.total, work).await {
        Ok(answer) => answer,
        Err(_) => busy(
            ErrorCode::Timeout,
            format!(
                "The request took longer than {} s; try again in a moment.",
                b.total.as_secs_f64()
            ),
        ),
    }
}

fn too_large() -> Response {
    json_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::TooLarge,
        format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
    )
}

/// The request with its body read whole (a request without a body passes as it is).
async fn read_body(req: Request, timeout: Duration) -> Result<Request, Response> {
    if req.body().size_hint().exact() == Some(0) {
        return Ok(req);
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    let (parts, body) = req.into_parts();
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, MAX_BODY_BYTES)).await {
        Err(_) => Err(json_error(
            StatusCode::REQUEST_TIMEOUT,
            ErrorCode::Timeout,
            format!(
                "the request body did not arrive within {} s",
                timeout.as_secs_f64()
            ),
        )),
        Ok(Err(e)) => {
            let source = std::error::Error::source(&e).map(|s| s.to_string());
            let limit = |t: &str| t.contains("length limit");
            if limit(&e.to_string()) || source.as_deref().is_some_and(limit) {
                Err(too_large())
            } else {
                Err(json_error(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::InvalidRequest,
                    format!("cannot read the request body: {e}"),
                ))
            }
        }
        Ok(Ok(bytes)) => Ok(Request::from_parts(parts, Body::from(bytes))),
    }
}

/// Middleware: error answers of the framework in plain text or without a body (a path or query
/// that cannot be read, "Invalid URL", 405, 413) become the interface's JSON
/// `{"error": …, "code": …}` with the same status.
pub(crate) async fn json_errors(req: Request, next: Next) -> Result<Response, Infallible> {
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    let answer = next.run(req).await;
    let content_type = answer
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let plain = content_type.is_none_or(|v| v.starts_with("text/plain"));
    if !(plain && (answer.status().is_client_error() || answer.status().is_server_error())) {
        return Ok(answer);
    }
    let status = answer.status();
    let text = axum::body::to_bytes(answer.into_body(), 64 << 10)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let message = if status == StatusCode::METHOD_NOT_ALLOWED {
        format!("{} does not answer {method} requests", quote(&path, 80))
    } else if text.trim().is_empty() {
        status
            .canonical_reason()
            .unwrap_or("bad request")
            .to_string()
    } else {
        quote(text.trim(), 200)
    };
    Ok(json_error(status, ErrorCode::of_status(status), message))
}
