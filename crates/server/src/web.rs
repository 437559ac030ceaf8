//! The built web app: `/` (planner map), `/embed` (iframe map) and `/assets/…` from `web/dist`.
//!
//! Without a built app, `/` and `/embed` answer 503 with a page saying how to build it.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::error::json_error;
use crate::state::AppState;

const NOT_BUILT: &str = "<!doctype html><meta charset=utf-8><title>Spielraum</title>\
<h1>Spielraum: web app not built</h1><p>Run <code>npm ci &amp;&amp; npm run build</code> in \
<code>web/</code> (or set <code>SPIELRAUM_WEB_DIR</code> to a built <code>web/dist</code>) and reload. \
The API (<a href=/openapi.json>/openapi.json</a>) and the tiles work without it.</p>";

async fn page(s: &AppState, name: &str) -> Response {
    let Some(dir) = &s.0.web_dir else {
        return (StatusCode::SERVICE_UNAVAILABLE, Html(NOT_BUILT)).into_response();
    };
    match tokio::fs::read_to_string(dir.join(name)).await {
        Ok(text) => ([(header::CACHE_CONTROL, "no-cache")], Html(text)).into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, Html(NOT_BUILT)).into_response(),
    }
}

pub(crate) async fn index(State(s): State<AppState>) -> Response {
    page(&s, "index.html").await
}

pub(crate) async fn embed(State(s): State<AppState>) -> Response {
    page(&s, "embed.html").await
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "json" => "application/json",
        "woff2" => "font/woff2",
        "html" => "text/html; charset=utf-8",
        _ => "application/octet-stream",
    }
}

pub(crate) async fn asset(State(s): State<AppState>, Path(path): Path<String>) -> Response {
    let safe = !path.is_empty()
        && path
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != ".." && !seg.contains('\\'));
    let Some(dir) = s.0.web_dir.as_ref().filter(|_| safe) else {
        return json_error(StatusCode::NOT_FOUND, format!("no such asset: {path}"));
    };
    match tokio::fs::read(dir.join("assets").join(&path)).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, content_type(&path)),
                // Vite puts a content hash in every asset name.
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => json_error(StatusCode::NOT_FOUND, format!("no such asset: {path}")),
    }
}
