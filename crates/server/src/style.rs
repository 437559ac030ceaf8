//! `/style.json`: the map's MapLibre style ([`map::style_document`]) with absolute tile URLs for
//! the origin the request came through.

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

/// The origin (`http://host:port`) of the request, from `X-Forwarded-Proto` and `Host`.
fn origin(h: &HeaderMap) -> String {
    let host = h
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("127.0.0.1:8080");
    let proto = match h.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) {
        Some("https") => "https",
        _ => "http",
    };
    format!("{proto}://{host}")
}

pub(crate) async fn style(State(s): State<AppState>, headers: HeaderMap) -> Response {
    axum::Json(map::style_document(
        &origin(&headers),
        s.0.tiles.tiles().bounds(),
        s.0.data_bounds,
        &map::style::attribution_html(&s.0.city.sources),
    ))
    .into_response()
}
