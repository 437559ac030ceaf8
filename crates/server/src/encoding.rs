//! Content negotiation shared by the routes that keep compressed bodies (tiles, glyphs):
//! whether a request accepts gzip.

use axum::http::{HeaderMap, header};

/// Whether `Accept-Encoding` allows gzip (`gzip` or `*`, not with `q=0`).
pub(crate) fn accepts_gzip(h: &HeaderMap) -> bool {
    h.get_all(header::ACCEPT_ENCODING).iter().any(|v| {
        v.to_str().unwrap_or("").split(',').any(|enc| {
            let mut parts = enc.split(';');
            let name = parts.next().unwrap_or("").trim();
            let q_zero = parts.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !q_zero
        })
    })
}
