//! The JSON API handlers: `/health`, `/api/neighbourhoods`, `/api/facilities`, `/api/reach`.
//!
//! Parameters are validated here; anything wrong answers `400 {"error": …}` naming the parameter.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use geo_types::Coord;
use map::{DEFAULT_REACH_MINUTES, MAX_REACH_MINUTES, Walk, reach_geojson};
use model::FacilityKind;
use serde_json::Value as Json;

use crate::error::{ErrorCode, json_error, quoted};
use crate::limits::{BOUNDS_MARGIN_M, Class, near_data};
use crate::state::AppState;

pub(crate) async fn health() -> Response {
    axum::Json(serde_json::json!({ "status": "ok" })).into_response()
}

/// `GET /api/neighbourhoods[?at=…|window=…[&date=…]]`: the neighbourhoods with their
/// indicators; at a time, computed for the facilities open then (with a `time` member).
pub(crate) async fn neighbourhoods(State(s): State<AppState>, Query(q): Params) -> Response {
    let when = match time_asked(&q) {
        Ok(Some(w)) => w,
        Ok(None) => {
            return (
                [(header::CONTENT_TYPE, "application/geo+json")],
                s.0.neighbourhoods_json.clone(),
            )
                .into_response();
        }
        Err(e) => return bad_request(e),
    };
    match crate::scenario::neighbourhoods_at(&s, when).await {
        Ok(body) => ([(header::CONTENT_TYPE, "application/geo+json")], body).into_response(),
        Err(failure) => failure.into_response(),
    }
}

type Params = Query<HashMap<String, String>>;

fn number(q: &HashMap<String, String>, key: &str) -> Result<Option<f64>, String> {
    match q.get(key) {
        None => Ok(None),
        Some(v) => match v.trim().parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Some(x)),
            _ => Err(format!(
                "parameter '{key}' must be a number, got '{}'",
                quoted(v)
            )),
        },
    }
}

fn bad_request(message: String) -> Response {
    json_error(StatusCode::BAD_REQUEST, ErrorCode::InvalidRequest, message)
}

/// Parses `minLon,minLat,maxLon,maxLat` (WGS84 degrees, min < max).
fn parse_bbox(v: &str) -> Result<[f64; 4], String> {
    let parts: Vec<&str> = v.split(',').collect();
    let bad = || {
        format!(
            "parameter 'bbox' must be minLon,minLat,maxLon,maxLat in degrees, got '{}'",
            quoted(v)
        )
    };
    if parts.len() != 4 {
        return Err(bad());
    }
    let mut b = [0.0; 4];
    for (i, p) in parts.iter().enumerate() {
        b[i] = p
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(bad)?;
    }
    if b[0] < -180.0 || b[2] > 180.0 || b[1] < -90.0 || b[3] > 90.0 || b[0] > b[2] || b[1] > b[3] {
        return Err(bad());
    }
    Ok(b)
}

/// `?at=` / `?window=` / `?date=`: the time a question is about (docs/methods.md, "Time"), or
/// `None` for "always".
pub(crate) fn time_asked(
    q: &HashMap<String, String>,
) -> Result<Option<model::time::TimeQuery>, String> {
    model::time::TimeQuery::from_params(
        q.get("at").map(String::as_str),
        q.get("window").map(String::as_str),
        q.get("date").map(String::as_str),
    )
    .map_err(|e| format!("parameter {e}"))
}

fn parse_kind(q: &HashMap<String, String>) -> Result<Option<FacilityKind>, String> {
    match q.get("kind").map(String::as_str) {
        None | Some("") => Ok(None),
        Some(k) => k
            .parse()
            .map(Some)
            .map_err(|e: model::ModelError| format!("parameter 'kind': {e}")),
    }
}

fn geojson(value: &Json) -> Response {
    (
        [(header::CONTENT_TYPE, "application/geo+json")],
        value.to_string(),
    )
        .into_response()
}

pub(crate) async fn facilities(State(s): State<AppState>, Query(q): Params) -> Response {
    let bbox = match q.get("bbox").map(|v| parse_bbox(v)) {
        None => None,
        Some(Ok(b)) => Some(b),
        Some(Err(e)) => return bad_request(e),
    };
    let kind = match parse_kind(&q) {
        Ok(k) => k,
        Err(e) => return bad_request(e),
    };
    geojson(&map::geojson::facilities_geojson(&s.0.city, kind, bbox))
}

pub(crate) async fn reach(State(s): State<AppState>, Query(q): Params) -> Response {
    let (lon, lat, minutes) = match (number(&q, "lon"), number(&q, "lat"), number(&q, "minutes")) {
        (Ok(Some(lon)), Ok(Some(lat)), Ok(m)) => (lon, lat, m.unwrap_or(DEFAULT_REACH_MINUTES)),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return bad_request(e),
        _ => {
            return bad_request("parameters 'lon' and 'lat' are required".into());
        }
    };
    if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
        return bad_request("'lon' must be in [-180, 180] and 'lat' in [-90, 90]".into());
    }
    if !(minutes > 0.0 && minutes <= MAX_REACH_MINUTES) {
        return bad_request(format!(
            "parameter 'minutes' must be above 0 and at most {MAX_REACH_MINUTES}, got {minutes}"
        ));
    }
    if !near_data(s.0.data_bounds, lon, lat) {
        return json_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::OutsideData,
            format!(
                "the origin ({lon}, {lat}) lies more than {} km outside the city's data",
                BOUNDS_MARGIN_M / 1000.0
            ),
        );
    }
    let kind = match parse_kind(&q) {
        Ok(k) => k,
        Err(e) => return bad_request(e),
    };
    let when = match time_asked(&q) {
        Ok(w) => w,
        Err(e) => return bad_request(e),
    };
    let state = s.clone();
    let result =
        s.0.gates
            .of(Class::Reach)
            .run(move || {
                let inner = &state.0;
                let (graph, targets) = inner.reach.as_ref().map_err(|e| e.clone())?;
                let walk = Walk::minutes(minutes, network::DEFAULT_WALKING_SPEED_KMH);
                let origin = Coord { x: lon, y: lat };
                let streets = inner
                    .streets
                    .get_or_init(|| analysis::names::Streets::new(&inner.city));
                let fc = reach_geojson(
                    &inner.city,
                    graph,
                    targets,
                    origin,
                    walk,
                    kind,
                    Some(streets),
                    when.as_ref(),
                );
                // The answer is written here too, off the async workers.
                Ok::<_, String>(fc.to_string())
            })
            .await;
    match result {
        Ok(Ok(body)) => ([(header::CONTENT_TYPE, "application/geo+json")], body).into_response(),
        Ok(Err(e)) => json_error(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::NoNetwork,
            format!("walking network unavailable: {e}"),
        ),
        Err(refused) => refused.into_response(),
    }
}
