//! The server's request budget: timeouts, the connection cap, the concurrency gates of the
//! expensive routes (reach, compare, suggest, scenario writes, cold tiles) and the cheap limits.
//!
//! Every number is a named constant (documented in `docs/interfaces.md`); [`Limits`] gathers the
//! ones a server may change (tests use short timeouts). A gate admits `permits` requests to the
//! blocking pool at a time and lets `queue` more wait; any further request answers 503 JSON
//! with `Retry-After` at once, so a flood of expensive requests cannot starve cheap ones.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value as Json;
use tokio::sync::Semaphore;

use crate::error::{ErrorCode, json_error};

/// Longest time a client may take to send a request's headers (slowloris).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest time a client may take to send a request's body.
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest time a request may take from its headers to its answer.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// A keep-alive connection with no request in flight for this long is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// Most connections open at once; further clients wait in the listen backlog.
pub const MAX_CONNECTIONS: usize = 1024;
/// Requests of one expensive class waiting for a permit; more answer 503 at once.
pub const QUEUE_PER_CLASS: usize = 64;
/// Largest request body, in bytes (2 MiB); larger ones answer 413.
pub const MAX_BODY_BYTES: usize = 2 << 20;
/// Most vertices (positions) of one geometry in an edit over HTTP; more answer 422. Half the
/// limit of files and the CLI (`model::scenario::MAX_VERTICES_PER_GEOMETRY`), counted on the raw
/// JSON before any geometry is built, so an anonymous request stays cheap to refuse.
pub const MAX_VERTICES_PER_GEOMETRY: usize = model::scenario::MAX_VERTICES_PER_GEOMETRY / 2;
/// Most vertices of all geometries of one request; more answer 413.
pub const MAX_VERTICES_PER_REQUEST: usize = 50_000;
/// How far outside the data's bounds a reach origin or a new geometry may lie, in metres.
pub const BOUNDS_MARGIN_M: f64 = 5_000.0;
/// Longest scenario name, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest scenario description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 10_000;
/// User input quoted in an error message is cut to this many characters.
pub const MAX_QUOTED_CHARS: usize = 80;
/// `Retry-After` of a 503 answer, in seconds.
pub const RETRY_AFTER_SECS: u64 = 1;

/// The adjustable part of the request budget (see the constants for the defaults).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// See [`HEADER_READ_TIMEOUT`].
    pub header_read_timeout: Duration,
    /// See [`BODY_READ_TIMEOUT`].
    pub body_read_timeout: Duration,
    /// See [`REQUEST_TIMEOUT`].
    pub request_timeout: Duration,
    /// See [`IDLE_TIMEOUT`].
    pub idle_timeout: Duration,
    /// See [`MAX_CONNECTIONS`].
    pub max_connections: usize,
    /// Requests of one expensive class running at once (default: the number of cores).
    pub permits: usize,
    /// See [`QUEUE_PER_CLASS`].
    pub queue: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_read_timeout: HEADER_READ_TIMEOUT,
            body_read_timeout: BODY_READ_TIMEOUT,
            request_timeout: REQUEST_TIMEOUT,
            idle_timeout: IDLE_TIMEOUT,
            max_connections: MAX_CONNECTIONS,
            permits: std::thread::available_parallelism().map_or(2, |n| n.get()),
            queue: QUEUE_PER_CLASS,
        }
    }
}

/// The classes of expensive routes, each with its own gate.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Class {
    Reach,
    Compare,
    Suggest,
    Write,
    Tile,
    Report,
}

impl Class {
    fn what(self) -> &'static str {
        match self {
            Class::Reach => "reach",
            Class::Compare => "comparison",
            Class::Suggest => "suggestion",
            Class::Write => "scenario change",
            Class::Tile => "tile",
            Class::Report => "report",
        }
    }
}

/// One gate per [`Class`], all drawing on one pool of CPU permits (`permits` of them, one per
/// core by default): however the expensive requests mix, no more of them run at once than there
/// are cores, so the async workers (and `/health`) keep a core's share.
pub(crate) struct Gates([Gate; 6]);

impl Gates {
    pub(crate) fn new(limits: &Limits) -> Gates {
        let cpu = Arc::new(Semaphore::new(limits.permits.max(1)));
        let gate = |class| Gate::new(class, limits.permits.max(1), limits.queue, cpu.clone());
        Gates([
            gate(Class::Reach),
            gate(Class::Compare),
            gate(Class::Suggest),
            gate(Class::Write),
            gate(Class::Tile),
            gate(Class::Report),
        ])
    }

    /// The gate of `class`.
    pub(crate) fn of(&self, class: Class) -> &Gate {
        &self.0[class as usize]
    }
}

/// A concurrency limit with a bounded queue in front of the blocking pool.
pub(crate) struct Gate {
    class: Class,
    /// Running plus waiting requests.
    admit: Arc<Semaphore>,
    /// Running requests.
    run: Arc<Semaphore>,
    /// The CPU permits all gates share.
    cpu: Arc<Semaphore>,
}

/// Why gated work did not run to its end.
#[derive(Debug)]
pub(crate) enum Refused {
    /// The gate's queue is full.
    Busy(&'static str),
    /// The work panicked.
    Failed,
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Refused::Busy(what) => busy(
                ErrorCode::Busy,
                format!(
                    "The server is handling too many {what} requests at once; try again in {RETRY_AFTER_SECS} s."
                ),
            ),
            Refused::Failed => json_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::Internal,
                "internal error while handling the request",
            ),
        }
    }
}

/// A 503 JSON answer with `Retry-After`.
pub(crate) fn busy(code: ErrorCode, message: String) -> Response {
    let mut r = json_error(StatusCode::SERVICE_UNAVAILABLE, code, message);
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
    r
}

impl Gate {
    fn new(class: Class, permits: usize, queue: usize, cpu: Arc<Semaphore>) -> Gate {
        Gate {
            class,
            admit: Arc::new(Semaphore::new(permits + queue)),
            run: Arc::new(Semaphore::new(permits)),
            cpu,
        }
    }

    /// Runs `work` on the blocking pool once a permit is free; refuses at once when the queue
    /// is full. The permits go with the work, so a request given up by its client still counts
    /// until its work ends.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Refused> {
        let admitted = self
            .admit
            .clone()
            .try_acquire_owned()
            .map_err(|_| Refused::Busy(self.class.what()))?;
        let running = self
            .run
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Refused::Failed)?;
        let cpu = self
            .cpu
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Refused::Failed)?;
        tokio::task::spawn_blocking(move || {
            let _permits = (admitted, running, cpu);
            work()
        })
        .await
        .map_err(|_| Refused::Failed)
    }
}

/// `bounds` (minLon, minLat, maxLon, maxLat) widened by [`BOUNDS_MARGIN_M`] on every side.
pub(crate) fn widened(bounds: [f64; 4]) -> [f64; 4] {
    const M_PER_DEG_LAT: f64 = 111_320.0;
    let dlat = BOUNDS_MARGIN_M / M_PER_DEG_LAT;
    let max_abs_lat = bounds[1].abs().max(bounds[3].abs()).min(89.0);
    let dlon = BOUNDS_MARGIN_M / (M_PER_DEG_LAT * max_abs_lat.to_radians().cos());
    [
        bounds[0] - dlon,
        bounds[1] - dlat,
        bounds[2] + dlon,
        bounds[3] + dlat,
    ]
}

/// Whether (`lon`, `lat`) lies within `bounds` widened by the margin; true without bounds.
pub(crate) fn near_data(bounds: Option<[f64; 4]>, lon: f64, lat: f64) -> bool {
    bounds.is_none_or(|b| {
        let w = widened(b);
        (w[0]..=w[2]).contains(&lon) && (w[1]..=w[3]).contains(&lat)
    })
}

/// The cheap checks of JSON edits: the vertex count of each geometry and of the whole request
/// and, with `bounds` given, every position near the data (positions that are not WGS84 at all
/// are left to the geometry's validation).
pub(crate) fn check_edits(
    edits: &[Json],
    bounds: Option<[f64; 4]>,
) -> Result<(), (StatusCode, ErrorCode, String)> {
    let mut total = 0usize;
    for (i, edit) in edits.iter().enumerate() {
        let Some(geometry) = edit.get("geometry") else {
            continue;
        };
        let mut count = 0usize;
        let mut outside = None;
        positions(geometry, &mut |lon, lat| {
            count += 1;
            let wgs84 = (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat);
            if outside.is_none() && wgs84 && bounds.is_some() && !near_data(bounds, lon, lat) {
                outside = Some((lon, lat));
            }
        });
        let at = if edits.len() > 1 {
            format!("edit {}: ", i + 1)
        } else {
            String::new()
        };
        if count > MAX_VERTICES_PER_GEOMETRY {
            return Err((
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::TooLarge,
                format!(
                    "{at}a geometry has at most {MAX_VERTICES_PER_GEOMETRY} vertices, got {count}"
                ),
            ));
        }
        if let Some((lon, lat)) = outside {
            return Err((
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::OutsideData,
                format!(
                    "{at}the position ({lon}, {lat}) lies more than {} km outside the city's data",
                    BOUNDS_MARGIN_M / 1000.0
                ),
            ));
        }
        total += count;
        if total > MAX_VERTICES_PER_REQUEST {
            return Err((
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::TooLarge,
                format!("at most {MAX_VERTICES_PER_REQUEST} vertices per request"),
            ));
        }
    }
    Ok(())
}

/// Calls `f` with every position (`[lon, lat, …]`) inside a GeoJSON geometry, Feature or
/// GeometryCollection; anything else is left to the geometry reader to refuse.
fn positions(v: &Json, f: &mut impl FnMut(f64, f64)) {
    match v {
        Json::Array(items) => match (items.first(), items.get(1)) {
            (Some(Json::Number(x)), Some(Json::Number(y))) => {
                if let (Some(x), Some(y)) = (x.as_f64(), y.as_f64()) {
                    f(x, y);
                }
            }
            _ => items.iter().for_each(|i| positions(i, f)),
        },
        Json::Object(m) => {
            for key in ["coordinates", "geometry", "geometries"] {
                if let Some(inner) = m.get(key) {
                    positions(inner, f);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn margin_is_five_km() {
        // At the equator 5 km are 5 000 / 111 320 = 0.044 915° either way.
        let w = widened([0.0, 0.0, 1.0, 0.0]);
        assert!((w[0] + 0.044915).abs() < 1e-5 && (w[3] - 0.044915).abs() < 1e-5);
        // At 60° a degree of longitude is half as long: 0.089 83°.
        let w = widened([10.0, 60.0, 11.0, 60.0]);
        assert!((w[0] - (10.0 - 0.08983)).abs() < 1e-4);
    }

    #[test]
    fn vertex_and_bounds_checks() {
        let b = Some([9.0, 47.0, 10.0, 48.0]);
        let ring = |n: usize, lon: f64| {
            let mut c: Vec<Json> = (0..n)
                .map(|i| json!([lon + 0.001 * (i as f64 / n as f64), 47.5]))
                .collect();
            c.push(c[0].clone());
            json!({"op": "add", "geometry": {"type": "Polygon", "coordinates": [c]}})
        };
        assert!(check_edits(&[ring(9_999, 9.5)], b).is_ok());
        let (st, _, _) = check_edits(&[ring(10_000, 9.5)], b).unwrap_err();
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        let many: Vec<Json> = (0..6).map(|_| ring(9_000, 9.5)).collect();
        assert_eq!(
            check_edits(&many, b).unwrap_err().0,
            StatusCode::PAYLOAD_TOO_LARGE
        );
        let (st, code, msg) = check_edits(&[ring(4, 0.0)], b).unwrap_err();
        assert_eq!(code, ErrorCode::OutsideData);
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(msg.contains("outside"), "{msg}");
        assert!(check_edits(&[json!({"op": "remove", "osm_id": "n1"})], b).is_ok());
    }
}
