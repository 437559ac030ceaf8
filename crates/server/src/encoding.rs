//! Content negotiation shared by the routes that keep compressed bodies (tiles, glyphs, the
//! web app's precompressed files): whether a request accepts an encoding.

use axum::http::{HeaderMap, header};

/// Whether `Accept-Encoding` takes `coding` (by name, any case, or `*`) with a q-value above 0.
pub(crate) fn accepts(h: &HeaderMap, coding: &str) -> bool {
    h.get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or("").trim();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (name.eq_ignore_ascii_case(coding) || name == "*") && q > 0.0
        })
}

/// Whether `Accept-Encoding` allows gzip (`gzip` or `*`, not with `q=0`).
pub(crate) fn accepts_gzip(h: &HeaderMap) -> bool {
    accepts(h, "gzip")
}
