//! `/tiles/{z}/{x}/{y}.mvt`: cached vector tiles with gzip, ETag / If-None-Match and caching headers.
//!
//! Out-of-range zooms answer 400, columns/rows outside the grid 404, both as JSON.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tiles::{TileError, TileId};

use crate::encoding::accepts_gzip;
use crate::error::{ErrorCode, json_error, quoted};
use crate::limits::Class;
use crate::state::AppState;

/// The MVT media type.
const MVT_TYPE: &str = "application/vnd.mapbox-vector-tile";

pub(crate) async fn tile(
    State(s): State<AppState>,
    Path((z, x, file)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let Some(y) = file
        .strip_suffix(".mvt")
        .or_else(|| file.strip_suffix(".pbf"))
    else {
        return json_error(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            format!("no such tile: {} (tiles end in .mvt)", quoted(&file)),
        );
    };
    let (Ok(z), Ok(x), Ok(y)) = (z.parse::<u8>(), x.parse::<u32>(), y.parse::<u32>()) else {
        return json_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidRequest,
            format!(
                "tile address must be numbers /tiles/z/x/y.mvt, got {}",
                quoted(&format!("/tiles/{z}/{x}/{file}"))
            ),
        );
    };
    let id = match TileId::new(z, x, y) {
        Ok(id) => id,
        Err(e @ TileError::ZoomOutOfRange { .. }) => {
            return json_error(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidRequest,
                e.to_string(),
            );
        }
        Err(e) => return json_error(StatusCode::NOT_FOUND, ErrorCode::NotFound, e.to_string()),
    };
    let cached = match s.0.tiles.get_cached(id) {
        Some(t) => t,
        None => {
            let state = s.clone();
            let gate = s.0.gates.of(Class::Tile);
            match gate.run(move || state.0.tiles.get(id)).await {
                Ok(t) => t,
                Err(refused) => return refused.into_response(),
            }
        }
    };
    // The gzip body is another representation of the resource, so it has its own strong ETag.
    let gzip = accepts_gzip(&headers);
    let tag = if gzip {
        gzip_etag(&cached.etag)
    } else {
        cached.etag.clone()
    };
    let etag = HeaderValue::from_str(&tag).unwrap_or(HeaderValue::from_static("\"0\""));
    let mut out = HeaderMap::new();
    out.insert(header::ETAG, etag);
    out.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    out.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    if matches {
        return (StatusCode::NOT_MODIFIED, out).into_response();
    }
    out.insert(header::CONTENT_TYPE, HeaderValue::from_static(MVT_TYPE));
    if gzip {
        out.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        (out, cached.gzip.clone()).into_response()
    } else {
        (out, cached.raw.clone()).into_response()
    }
}

/// The ETag of the gzip body: the raw body's with `-gz` inside the quotes (`"abc"` -> `"abc-gz"`).
fn gzip_etag(raw: &str) -> String {
    match raw.strip_suffix('"') {
        Some(inner) => format!("{inner}-gz\""),
        None => format!("{raw}-gz"),
    }
}
