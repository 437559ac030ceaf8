//! `/fonts/{fontstack}/{start}-{end}.pbf`: the map's label glyphs (SDF PBF ranges of the font
//! the binary ships, [`fonts`]), made at the first request and kept in memory (gzip-compressed
//! too, sent when accepted), with a week's `Cache-Control` and an ETag. Open in a private
//! workspace: they are a page asset.
//!
//! Unknown font stacks and ranges that are not a 256-code-point block answer 404 `no_glyphs`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::encoding::accepts_gzip;
use crate::error::{ErrorCode, blocking, json_error, quoted};
use crate::state::AppState;

/// The media type of a glyph range.
const PBF_TYPE: &str = "application/x-protobuf";

/// How long a browser may keep a range: a week (the font changes only with the binary).
const CACHE_CONTROL: &str = "public, max-age=604800";

pub(crate) async fn glyphs(
    State(s): State<AppState>,
    Path((stack, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let not_found =
        |message: String| json_error(StatusCode::NOT_FOUND, ErrorCode::NoGlyphs, message);
    let Some(range) = file.strip_suffix(".pbf") else {
        return not_found(format!(
            "no such glyph range: {} (ranges end in .pbf)",
            quoted(&file)
        ));
    };
    let (name, start) = match (fonts::resolve_stack(&stack), fonts::parse_range(range)) {
        (Ok(n), Ok(s)) => (n, s),
        (Err(e), _) | (_, Err(e)) => return not_found(quoted(&e.to_string())),
    };
    // The gzip body is another representation, with its own ETag.
    let gzip = accepts_gzip(&headers);
    let etag = format!(
        "\"{}-{}-{start}{}\"",
        env!("CARGO_PKG_VERSION"),
        name.replace(' ', "_"),
        if gzip { "-gz" } else { "" }
    );
    let mut out = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        out.insert(header::ETAG, v);
    }
    out.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if matches {
        return (StatusCode::NOT_MODIFIED, out).into_response();
    }
    let cache = s.0.glyphs.clone();
    let range = range.to_string();
    let made = blocking(move || {
        cache.get_range(name, &range).map_err(|e| {
            crate::error::Failure::new(StatusCode::NOT_FOUND, ErrorCode::NoGlyphs, e.to_string())
        })
    })
    .await;
    match made {
        Ok(made) => {
            out.insert(header::CONTENT_TYPE, HeaderValue::from_static(PBF_TYPE));
            if gzip {
                out.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                (out, made.gzip.to_vec()).into_response()
            } else {
                (out, made.raw.to_vec()).into_response()
            }
        }
        Err(f) => f.into_response(),
    }
}
