//! Who is asking: a request's credentials resolved to a [`Caller`] with a role, and the checks
//! of the routes.
//!
//! Credentials are, in this order: `Authorization: Bearer T` where `T` is the server's machine
//! token (`--edit-token-file`, role `editor`, recorded as [`MACHINE_ACTOR`]) or a user's
//! personal API token; else the login session's cookie [`SESSION_COOKIE`]. A session's writes
//! must also send its CSRF token in [`CSRF_HEADER`] (a bearer token cannot be sent by another
//! site's page, a cookie can). Lookups read the GeoPackage on the blocking pool, so a disabled
//! user or an ended session stops working with the next request.

use std::sync::{Arc, Mutex, MutexGuard};

use axum::http::{HeaderMap, StatusCode, header};
use store::accounts::{Accounts, Role, User};
use subtle::ConstantTimeEq;

use crate::error::{ErrorCode, Failure, blocking};
use crate::state::AppState;

/// The name of the login session's cookie.
pub const SESSION_COOKIE: &str = "spielraum_session";
/// The header carrying a session's CSRF token on writes.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The author recorded for changes made with the machine token.
pub const MACHINE_ACTOR: &str = "machine-token";

/// How a caller proved who they are.
#[derive(Debug, Clone)]
pub(crate) enum Via {
    /// A login session: its id (from the cookie) and its CSRF token.
    Session { id: String, csrf: String },
    /// A personal API token.
    Token,
    /// The server's machine token.
    Machine,
}

impl Via {
    /// `session`, `token` or `machine` (as `/api/me` says).
    pub(crate) fn as_str(&self) -> &'static str {
        match self {
            Via::Session { .. } => "session",
            Via::Token => "token",
            Via::Machine => "machine",
        }
    }
}

/// A request's proven identity.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    /// What the audit log records: the login, or [`MACHINE_ACTOR`].
    pub actor: String,
    /// What the caller may do.
    pub role: Role,
    /// The user (none for the machine token).
    pub user: Option<User>,
    /// How they proved it.
    pub via: Via,
}

/// What a request's credentials amount to.
pub(crate) enum Identity {
    /// No credentials.
    Anonymous,
    /// A session cookie of a session that expired, was ended, or whose user was disabled.
    Ended,
    /// A proven caller.
    Known(Box<Caller>),
}

/// Locks an account store (a panic while holding the lock cannot leave a half-written change:
/// every change is one SQLite transaction).
pub(crate) fn lock(store: &Mutex<Box<dyn Accounts>>) -> MutexGuard<'_, Box<dyn Accounts>> {
    store.lock().unwrap_or_else(|p| p.into_inner())
}

/// The account store of the server, if it keeps accounts.
pub(crate) fn account_store(s: &AppState) -> Option<Arc<Mutex<Box<dyn Accounts>>>> {
    s.0.accounts.as_ref().map(|a| a.store.clone())
}

/// The bearer token of `Authorization` (scheme in any case, RFC 9110 §11.1), if any.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim_start().split_once([' ', '\t'])?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then_some(token.trim())
        })
        .filter(|t| !t.is_empty())
}

/// The session id of the [`SESSION_COOKIE`] cookie, if any.
pub(crate) fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn token_wrong() -> Failure {
    Failure::new(
        StatusCode::FORBIDDEN,
        ErrorCode::TokenWrong,
        "The token given is neither this server's edit token nor a live personal API token.",
    )
}

/// Resolves the request's credentials (a bearer token that is no token answers 403
/// `token_wrong` at once).
pub(crate) async fn identify(s: &AppState, headers: &HeaderMap) -> Result<Identity, Failure> {
    if let Some(given) = bearer(headers) {
        let machine = s.0.scenarios.as_ref().map(|sc| &sc.token);
        if machine.is_some_and(|t| t.matches(given)) {
            return Ok(Identity::Known(Box::new(Caller {
                actor: MACHINE_ACTOR.to_string(),
                role: Role::Editor,
                user: None,
                via: Via::Machine,
            })));
        }
        let Some(store) = account_store(s) else {
            return Err(token_wrong());
        };
        let given = given.to_string();
        let user = blocking(move || {
            lock(&store)
                .user_for_token(&given)
                .map_err(|e| internal(&e))
        })
        .await?;
        return match user {
            Some(user) => Ok(Identity::Known(Box::new(Caller {
                actor: user.login.clone(),
                role: user.role,
                user: Some(user),
                via: Via::Token,
            }))),
            None => Err(token_wrong()),
        };
    }
    if let (Some(id), Some(store)) = (session_cookie(headers), account_store(s)) {
        let lookup = id.clone();
        let found =
            blocking(move || lock(&store).session(&lookup).map_err(|e| internal(&e))).await?;
        return Ok(match found {
            Some((user, csrf)) => Identity::Known(Box::new(Caller {
                actor: user.login.clone(),
                role: user.role,
                user: Some(user),
                via: Via::Session { id, csrf },
            })),
            None => Identity::Ended,
        });
    }
    Ok(Identity::Anonymous)
}

/// A failure of the account store as a 500 (its message names the file).
pub(crate) fn internal(e: &dyn std::fmt::Display) -> Failure {
    tracing::error!("account store: {e}");
    Failure::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::Internal,
        "internal error while reading the accounts",
    )
}

/// Whether the file has a user who may log in (read at every call: users are added while the
/// server runs).
pub(crate) async fn has_users(s: &AppState) -> Result<bool, Failure> {
    match account_store(s) {
        Some(store) => blocking(move || lock(&store).has_users().map_err(|e| internal(&e))).await,
        None => Ok(false),
    }
}

/// Whether anything on this server can change data: a machine token, or users who may log in.
pub(crate) async fn editing_possible(s: &AppState) -> Result<bool, Failure> {
    if s.0.scenarios.as_ref().is_some_and(|sc| sc.token.enabled()) {
        return Ok(true);
    }
    has_users(s).await
}

/// The caller of a request that needs `min` (reads with `write` false; a session's writes must
/// carry its CSRF token): 401 `login_required` without (live) credentials (`token_missing` on
/// a server without users, where only the machine token edits), 403 `csrf_failed` or
/// `role_forbidden`, 403 `editing_disabled` for a change on a server where nothing can change.
pub(crate) async fn require(
    s: &AppState,
    headers: &HeaderMap,
    min: Role,
    write: bool,
) -> Result<Caller, Failure> {
    if write && !editing_possible(s).await? {
        return Err(Failure::new(
            StatusCode::FORBIDDEN,
            ErrorCode::EditingDisabled,
            "Editing is switched off on this server: it was started without an edit token \
             (--edit-token-file FILE or SPIELRAUM_EDIT_TOKEN) and its file has no users.",
        ));
    }
    match identify(s, headers).await? {
        Identity::Known(caller) => {
            if write && let Via::Session { csrf, .. } = &caller.via {
                let sent = headers
                    .get(CSRF_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                if !bool::from(sent.trim().as_bytes().ct_eq(csrf.as_bytes())) {
                    return Err(Failure::new(
                        StatusCode::FORBIDDEN,
                        ErrorCode::CsrfFailed,
                        format!(
                            "A change made with a login session must send the session's CSRF \
                             token in the {CSRF_HEADER} header (from /api/login or /api/me)."
                        ),
                    ));
                }
            }
            if caller.role < min {
                return Err(Failure::new(
                    StatusCode::FORBIDDEN,
                    ErrorCode::RoleForbidden,
                    format!(
                        "This needs the {} role; {} has the {} role.",
                        min.as_str(),
                        caller.actor,
                        caller.role.as_str()
                    ),
                ));
            }
            Ok(*caller)
        }
        Identity::Ended => Err(Failure::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::LoginRequired,
            "The login session has expired or was ended; log in again.",
        )),
        Identity::Anonymous => Err(if has_users(s).await? {
            Failure::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::LoginRequired,
                "This needs a login (POST /api/login) or a personal API token \
                     (Authorization: Bearer …).",
            )
        } else {
            Failure::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::TokenMissing,
                "Changing scenarios needs the edit token, and none was given.",
            )
        }),
    }
}

/// The caller of a reading request: `None` where reading is public (`private` false), else a
/// caller of any role.
pub(crate) async fn require_reader(
    s: &AppState,
    headers: &HeaderMap,
    private: bool,
) -> Result<Option<Caller>, Failure> {
    if private {
        require(s, headers, Role::Viewer, false).await.map(Some)
    } else {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn cookie_and_bearer_parsing() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; spielraum_session=abc ; b=2"),
        );
        assert_eq!(session_cookie(&h).as_deref(), Some("abc"));
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("x_spielraum_session=abc"),
        );
        h.append(
            header::COOKIE,
            HeaderValue::from_static("spielraum_session="),
        );
        assert_eq!(session_cookie(&h), None);
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bEaReR  tok "),
        );
        assert_eq!(bearer(&h), Some("tok"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer(&h), None);
    }
}
