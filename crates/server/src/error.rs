//! Error answers: every failure of a route is JSON `{"error": message, "code": code}` with its
//! status. `code` is one of [`ErrorCode`]'s stable tokens (what a client shows its own words
//! for); `error` is an English sentence for people and scripts.
//!
//! Shared by all route modules; knows none of them.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::limits::Refused;

/// The stable machine code of an error answer (`"code"` beside `"error"`). A client (the web
/// app) shows its own sentence per code; the list is documented in `docs/interfaces.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// A change was sent without the edit token.
    TokenMissing,
    /// The edit token sent is not the server's.
    TokenWrong,
    /// The server was started without an edit token: nothing can be changed.
    EditingDisabled,
    /// The GeoPackage is read-only: scenarios cannot be changed.
    ReadOnly,
    /// A scenario of that name exists already.
    ScenarioExists,
    /// No such path, scenario, edit, tile or file.
    NotFound,
    /// An edit is malformed or cannot be applied (unknown kind, invalid geometry, …).
    InvalidEdit,
    /// A scenario name or description is empty, too long or otherwise unusable.
    InvalidName,
    /// A parameter or body is malformed (not JSON, wrong type, out of range).
    InvalidRequest,
    /// A position lies too far outside the city's data.
    OutsideData,
    /// More edits in one comparison than allowed.
    TooManyEdits,
    /// The request (body, vertices) is larger than allowed.
    TooLarge,
    /// The disk holding the scenarios is (nearly) full.
    DiskFull,
    /// The GeoPackage was replaced while the server ran: restart it.
    Replaced,
    /// The walking network is unavailable (reach and scenarios need it).
    NoNetwork,
    /// This server keeps no scenarios (not enabled, or no GeoPackage to keep them in).
    NoScenarios,
    /// This server has no analysis of the city (nothing to download or report on).
    NoAnalysis,
    /// Too many expensive requests at once: try again shortly (`Retry-After`).
    Busy,
    /// The request took too long (its body did not arrive, or the answer took too long).
    Timeout,
    /// Something went wrong inside the server.
    Internal,
    /// Logging in is needed: no credentials, or a session that expired or was ended.
    LoginRequired,
    /// Logged in, but the role does not allow this.
    RoleForbidden,
    /// A write with a session cookie did not send the session's CSRF token.
    CsrfFailed,
    /// Unknown login or wrong password (the same answer for both).
    LoginFailed,
    /// Too many failed logins for this account or address: try again later (`Retry-After`).
    LoginLimited,
    /// This server keeps no accounts: nobody can log in.
    NoAccounts,
    /// A user of that login exists already.
    UserExists,
    /// A login, name, department, role or password that cannot be used.
    InvalidUser,
    /// The role may not move the scenario to that status.
    StatusNotAllowed,
    /// Only drafts take edits.
    NotDraft,
    /// A comment that is empty or longer than allowed.
    CommentTooLong,
    /// No such font stack, or a glyph range that is not a block of 256 code points.
    NoGlyphs,
}

impl ErrorCode {
    /// Every code, in the order `docs/interfaces.md` lists them.
    pub const ALL: [ErrorCode; 32] = [
        ErrorCode::TokenMissing,
        ErrorCode::TokenWrong,
        ErrorCode::EditingDisabled,
        ErrorCode::ReadOnly,
        ErrorCode::ScenarioExists,
        ErrorCode::NotFound,
        ErrorCode::InvalidEdit,
        ErrorCode::InvalidName,
        ErrorCode::InvalidRequest,
        ErrorCode::OutsideData,
        ErrorCode::TooManyEdits,
        ErrorCode::TooLarge,
        ErrorCode::DiskFull,
        ErrorCode::Replaced,
        ErrorCode::NoNetwork,
        ErrorCode::NoScenarios,
        ErrorCode::NoAnalysis,
        ErrorCode::Busy,
        ErrorCode::Timeout,
        ErrorCode::Internal,
        ErrorCode::LoginRequired,
        ErrorCode::RoleForbidden,
        ErrorCode::CsrfFailed,
        ErrorCode::LoginFailed,
        ErrorCode::LoginLimited,
        ErrorCode::NoAccounts,
        ErrorCode::UserExists,
        ErrorCode::InvalidUser,
        ErrorCode::StatusNotAllowed,
        ErrorCode::NotDraft,
        ErrorCode::CommentTooLong,
        ErrorCode::NoGlyphs,
    ];

    /// The token as it appears in the JSON answer.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::TokenMissing => "token_missing",
            ErrorCode::TokenWrong => "token_wrong",
            ErrorCode::EditingDisabled => "editing_disabled",
            ErrorCode::ReadOnly => "read_only",
            ErrorCode::ScenarioExists => "scenario_exists",
            ErrorCode::NotFound => "not_found",
            ErrorCode::InvalidEdit => "invalid_edit",
            ErrorCode::InvalidName => "invalid_name",
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::OutsideData => "outside_data",
            ErrorCode::TooManyEdits => "too_many_edits",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::DiskFull => "disk_full",
            ErrorCode::Replaced => "replaced",
            ErrorCode::NoNetwork => "no_network",
            ErrorCode::NoScenarios => "no_scenarios",
            ErrorCode::NoAnalysis => "no_analysis",
            ErrorCode::Busy => "busy",
            ErrorCode::Timeout => "timeout",
            ErrorCode::Internal => "internal",
            ErrorCode::LoginRequired => "login_required",
            ErrorCode::RoleForbidden => "role_forbidden",
            ErrorCode::CsrfFailed => "csrf_failed",
            ErrorCode::LoginFailed => "login_failed",
            ErrorCode::LoginLimited => "login_limited",
            ErrorCode::NoAccounts => "no_accounts",
            ErrorCode::UserExists => "user_exists",
            ErrorCode::InvalidUser => "invalid_user",
            ErrorCode::StatusNotAllowed => "status_not_allowed",
            ErrorCode::NotDraft => "not_draft",
            ErrorCode::CommentTooLong => "comment_too_long",
            ErrorCode::NoGlyphs => "no_glyphs",
        }
    }

    /// The code of a framework answer that carries only a status (a path or query that cannot
    /// be read, 413, 405, …).
    pub(crate) fn of_status(status: StatusCode) -> ErrorCode {
        match status {
            StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => ErrorCode::NotFound,
            StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::TooLarge,
            StatusCode::REQUEST_TIMEOUT => ErrorCode::Timeout,
            StatusCode::SERVICE_UNAVAILABLE => ErrorCode::Busy,
            s if s.is_server_error() => ErrorCode::Internal,
            _ => ErrorCode::InvalidRequest,
        }
    }
}

/// A JSON error response: `{"error": message, "code": code}` with the given status.
pub(crate) fn json_error(
    status: StatusCode,
    code: ErrorCode,
    message: impl Into<String>,
) -> Response {
    (
        status,
        axum::Json(serde_json::json!({ "error": message.into(), "code": code.as_str() })),
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

/// A failed request: status, code and message, answered as `{"error": message, "code": code}`,
/// or refused by a concurrency gate (503 with `Retry-After`).
pub(crate) enum Failure {
    Plain(StatusCode, ErrorCode, String),
    Refused(Refused),
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        match self {
            Failure::Plain(status, code, message) => json_error(status, code, message),
            Failure::Refused(r) => r.into_response(),
        }
    }
}

impl Failure {
    /// A failure of `status` and `code` saying `message`.
    pub(crate) fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Failure {
        Failure::Plain(status, code, message.into())
    }
}

/// A malformed request (400 `invalid_request`).
pub(crate) fn invalid(message: String) -> Failure {
    Failure::Plain(StatusCode::BAD_REQUEST, ErrorCode::InvalidRequest, message)
}

/// Runs blocking work (SQLite, hashing, recomputation) on the blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, Failure> + Send + 'static,
) -> Result<T, Failure> {
    tokio::task::spawn_blocking(work).await.unwrap_or_else(|_| {
        Err(Failure::Plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "internal error while handling the request".into(),
        ))
    })
}
