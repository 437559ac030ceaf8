//! Error answers: every failure of a route is JSON `{"error": message}` with its status.
//!
//! Shared by all route modules; knows none of them.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// A JSON error response: `{"error": message}` with the given status.
pub(crate) fn json_error(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        axum::Json(serde_json::json!({ "error": message.into() })),
    )
        .into_response()
}

/// `text` cut to `max` characters (with `…` when cut): user input quoted in an error message.
pub(crate) fn quote(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// User input cut to [`crate::limits::MAX_QUOTED_CHARS`] characters for an error message.
pub(crate) fn quoted(text: &str) -> String {
    quote(text, crate::limits::MAX_QUOTED_CHARS)
}
