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
