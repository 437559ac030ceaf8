//! The workspace routes: logging in and out (`/api/login`, `/api/logout`, `/api/me`), the
//! administrators' users and audit log (`/api/users…`, `/api/audit`, `/api/audit.csv`), and
//! personal API tokens (`/api/tokens…`).
//!
//! Passwords are checked with Argon2id on the blocking pool, never on the async runtime and
//! never while holding the account store's lock; failed logins are limited per account and
//! address ([`crate::login_limit`]). A login answers a new session id in an `HttpOnly`,
//! `SameSite=Strict` cookie (`Secure` behind TLS) and the session's CSRF token in the body;
//! the cookie a request came with, if any, is ended (no session fixation).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value as Json, json};
use store::accounts::{AccountError, MAX_PASSWORD_BYTES, NewUser, Role};

use crate::caller::{
    Identity, Via, account_store, identify, internal, lock, require, session_cookie,
};
use crate::conn::Peer;
use crate::error::{ErrorCode, Failure, blocking, invalid, quoted};
use crate::state::{Accounts, AppState};

type Answer = Result<Response, Failure>;

/// Most audit rows `/api/audit` answers at once.
pub const MAX_AUDIT_ROWS: usize = 10_000;
/// Audit rows `/api/audit` answers when `limit` is not given.
const DEFAULT_AUDIT_ROWS: usize = 200;

impl From<AccountError> for Failure {
    fn from(e: AccountError) -> Failure {
        use AccountError as E;
        let (status, code) = match &e {
            E::UnknownUser(_) => (StatusCode::NOT_FOUND, ErrorCode::NotFound),
            E::DuplicateLogin(_) => (StatusCode::CONFLICT, ErrorCode::UserExists),
            E::UnknownRole(_) | E::BadText { .. } | E::BadPassword => {
                (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidUser)
            }
            E::ReadOnly(_) => (StatusCode::FORBIDDEN, ErrorCode::ReadOnly),
            E::Replaced(_) => (StatusCode::CONFLICT, ErrorCode::Replaced),
            _ => return internal(&e),
        };
        Failure::new(status, code, e.to_string())
    }
}

fn accounts(s: &AppState) -> Result<&Accounts, Failure> {
    s.0.accounts.as_ref().ok_or_else(|| {
        Failure::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::NoAccounts,
            "This server keeps no accounts: nobody can log in (it edits with its machine token only).",
        )
    })
}

fn body_json(body: &Bytes) -> Result<Json, Failure> {
    let v: Json = serde_json::from_slice(body)
        .map_err(|e| invalid(format!("the request body is not JSON: {e}")))?;
    if v.is_object() {
        Ok(v)
    } else {
        Err(invalid("the request body must be a JSON object".into()))
    }
}

fn string(v: &Json, field: &str) -> Result<Option<String>, Failure> {
    match v.get(field) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(t)) => Ok(Some(t.clone())),
        Some(_) => Err(invalid(format!("field \"{field}\" must be a string"))),
    }
}

fn required(v: &Json, field: &str) -> Result<String, Failure> {
    string(v, field)?.ok_or_else(|| invalid(format!("field \"{field}\" is missing")))
}

fn role_of(text: &str) -> Result<Role, Failure> {
    text.parse::<Role>().map_err(Failure::from)
}

fn ok(status: StatusCode, v: Json) -> Answer {
    Ok((status, axum::Json(v)).into_response())
}

/// The client's address for the login limits: the connection's peer, or behind a proxy the
/// last address of `X-Forwarded-For` (the one the proxy itself added).
fn client_address(acc: &Accounts, peer: Option<Peer>, headers: &HeaderMap) -> IpAddr {
    let forwarded = || {
        headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse::<IpAddr>().ok())
            .next_back()
    };
    acc.behind_proxy
        .then(forwarded)
        .flatten()
        .or(peer.map(|p| p.0.ip()))
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// Whether the session cookie gets `Secure`: always when configured, else when the request
/// came through a TLS proxy.
fn secure(acc: &Accounts, headers: &HeaderMap) -> bool {
    acc.secure_cookie
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
}

fn cookie(value: &str, max_age: u64, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}",
        crate::caller::SESSION_COOKIE
    ))
    .ok()
}

/// `POST /api/login` `{"login", "password"}`.
pub(crate) async fn login(
    State(s): State<AppState>,
    peer: Option<Extension<Peer>>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let acc = accounts(&s)?;
    let v = body_json(&body)?;
    let login = required(&v, "login")?.trim().to_lowercase();
    let password = required(&v, "password")?;
    if login.is_empty() || login.chars().count() > 200 || password.len() > MAX_PASSWORD_BYTES {
        return Err(failed());
    }
    let address = client_address(acc, peer.map(|Extension(p)| p), &headers);
    if let Err(refused) = acc.limiter.check(&login, address, Instant::now()) {
        let secs = refused.retry_after.as_secs().max(1);
        let mut r = Failure::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::LoginLimited,
            format!("Too many failed logins; try again in {secs} s."),
        )
        .into_response();
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        return Ok(r);
    }
    let store = acc.store.clone();
    let old = session_cookie(&headers);
    let ttl = acc.session_ttl;
    let name = login.clone();
    let started = blocking(move || {
        let check = lock(&store).password_check(&name)?;
        // The expensive part, without the lock.
        let Some(user) = check.verify(&password) else {
            return Ok(None);
        };
        let mut st = lock(&store);
        if let Some(old) = old {
            st.revoke_session(&old)?;
        }
        let (id, csrf) = st.create_session(&user, ttl)?;
        Ok(Some((user, id, csrf)))
    })
    .await?;
    let Some((user, id, csrf)) = started else {
        acc.limiter.failed(&login, address, Instant::now());
        return Err(failed());
    };
    acc.limiter.succeeded(&login);
    let mut r = (
        StatusCode::OK,
        axum::Json(json!({ "user": user, "csrf": csrf })),
    )
        .into_response();
    if let Some(c) = cookie(&id, ttl.as_secs(), secure(acc, &headers)) {
        r.headers_mut().insert(header::SET_COOKIE, c);
    }
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

fn failed() -> Failure {
    Failure::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::LoginFailed,
        "Unknown login or wrong password.",
    )
}

/// `POST /api/logout`: ends the session (its CSRF token required), clears the cookie.
pub(crate) async fn logout(State(s): State<AppState>, headers: HeaderMap) -> Answer {
    let acc = accounts(&s)?;
    let caller = require(&s, &headers, Role::Viewer, true).await?;
    let Via::Session { id, .. } = caller.via else {
        return Err(invalid(
            "only a login session can log out (a token is revoked instead)".into(),
        ));
    };
    let store = acc.store.clone();
    blocking(move || Ok(lock(&store).revoke_session(&id)?)).await?;
    let mut r = (StatusCode::OK, axum::Json(json!({ "logged_out": true }))).into_response();
    if let Some(c) = cookie("", 0, secure(acc, &headers)) {
        r.headers_mut().insert(header::SET_COOKIE, c);
    }
    Ok(r)
}

/// `GET /api/me`: who the request's credentials are, and what the server offers.
pub(crate) async fn me(State(s): State<AppState>, headers: HeaderMap) -> Answer {
    let known = match identify(&s, &headers).await? {
        Identity::Known(c) => Some(*c),
        Identity::Anonymous | Identity::Ended => None,
    };
    let editing = crate::caller::editing_possible(&s).await?;
    // Logging in is possible when the file has a user who may.
    let accounts = crate::caller::has_users(&s).await?;
    let (user, csrf, via) = match &known {
        Some(c) => (
            serde_json::to_value(&c.user).unwrap_or(Json::Null),
            match &c.via {
                Via::Session { csrf, .. } => Json::from(csrf.clone()),
                _ => Json::Null,
            },
            Json::from(c.via.as_str()),
        ),
        None => (Json::Null, Json::Null, Json::Null),
    };
    let mut r = (
        StatusCode::OK,
        axum::Json(json!({
            "user": user,
            "role": known.as_ref().map(|c| c.role.as_str()),
            "csrf": csrf,
            "via": via,
            "accounts": accounts,
            "private": s.0.private,
            "editing": editing,
            "public_url": s.0.public_url,
        })),
    )
        .into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// `GET /api/users` (admin).
pub(crate) async fn users(State(s): State<AppState>, headers: HeaderMap) -> Answer {
    accounts(&s)?;
    require(&s, &headers, Role::Admin, false).await?;
    let store = account_store(&s).expect("checked");
    let users = blocking(move || Ok(lock(&store).users()?)).await?;
    ok(StatusCode::OK, json!({ "users": users }))
}

/// `POST /api/users` `{"login", "display_name", "department", "role", "password"}` (admin).
pub(crate) async fn add_user(State(s): State<AppState>, headers: HeaderMap, body: Bytes) -> Answer {
    accounts(&s)?;
    let caller = require(&s, &headers, Role::Admin, true).await?;
    let v = body_json(&body)?;
    let login = required(&v, "login")?;
    let display_name = required(&v, "display_name")?;
    let department = string(&v, "department")?.unwrap_or_default();
    let role = role_of(&required(&v, "role")?)?;
    let password = required(&v, "password")?;
    let store = account_store(&s).expect("checked");
    let user = blocking(move || {
        Ok(lock(&store).add_user(
            &caller.actor,
            &NewUser {
                login: &login,
                display_name: &display_name,
                department: &department,
                role,
                password: &password,
            },
        )?)
    })
    .await?;
    ok(StatusCode::CREATED, json!(user))
}

/// `PATCH /api/users/{login}` `{"role"?, "disabled"?, "password"?}` (admin).
pub(crate) async fn change_user(
    State(s): State<AppState>,
    Path(login): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    accounts(&s)?;
    let caller = require(&s, &headers, Role::Admin, true).await?;
    let v = body_json(&body)?;
    let role = string(&v, "role")?.map(|r| role_of(&r)).transpose()?;
    let disabled = match v.get("disabled") {
        None | Some(Json::Null) => None,
        Some(Json::Bool(b)) => Some(*b),
        Some(_) => return Err(invalid("field \"disabled\" must be true or false".into())),
    };
    let password = string(&v, "password")?;
    if role.is_none() && disabled.is_none() && password.is_none() {
        return Err(invalid(
            "nothing to change: give \"role\", \"disabled\" or \"password\"".into(),
        ));
    }
    let store = account_store(&s).expect("checked");
    let user = blocking(move || {
        let mut st = lock(&store);
        // Checked first, so that a bad password changes nothing else.
        let mut user = st.user(&login)?;
        if let Some(p) = &password {
            user = st.set_password(&caller.actor, &login, p)?;
        }
        if let Some(r) = role {
            user = st.set_role(&caller.actor, &login, r)?;
        }
        if let Some(d) = disabled {
            user = st.set_disabled(&caller.actor, &login, d)?;
        }
        Ok(user)
    })
    .await?;
    ok(StatusCode::OK, json!(user))
}

/// `GET /api/audit?limit=N` (admin): the latest rows, newest first.
pub(crate) async fn audit(
    State(s): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Answer {
    accounts(&s)?;
    require(&s, &headers, Role::Admin, false).await?;
    let limit = match q.get("limit") {
        None => DEFAULT_AUDIT_ROWS,
        Some(l) => l
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_AUDIT_ROWS).contains(n))
            .ok_or_else(|| {
                invalid(format!(
                    "parameter 'limit' must be a whole number from 1 to {MAX_AUDIT_ROWS}, got '{}'",
                    quoted(l)
                ))
            })?,
    };
    let store = account_store(&s).expect("checked");
    let entries = blocking(move || Ok(lock(&store).audit_latest(limit)?)).await?;
    ok(StatusCode::OK, json!({ "entries": entries }))
}

/// `GET /api/audit.csv` (admin): the whole log, oldest first.
pub(crate) async fn audit_csv(State(s): State<AppState>, headers: HeaderMap) -> Answer {
    accounts(&s)?;
    require(&s, &headers, Role::Admin, false).await?;
    let store = account_store(&s).expect("checked");
    let csv = blocking(move || {
        let log = lock(&store).audit_log()?;
        let mut out = Vec::new();
        store::accounts::write_audit_csv(&log, &mut out).map_err(|e| internal(&e))?;
        Ok(out)
    })
    .await?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"spielraum-audit.csv\"",
            ),
        ],
        csv,
    )
        .into_response())
}

/// `GET /api/tokens`: the caller's own tokens (an admin's: everyone's).
pub(crate) async fn tokens(State(s): State<AppState>, headers: HeaderMap) -> Answer {
    accounts(&s)?;
    let caller = require(&s, &headers, Role::Viewer, false).await?;
    let store = account_store(&s).expect("checked");
    let list = blocking(move || Ok(lock(&store).tokens()?)).await?;
    let list: Vec<_> = list
        .into_iter()
        .filter(|t| caller.role == Role::Admin || t.login == caller.actor)
        .collect();
    ok(StatusCode::OK, json!({ "tokens": list }))
}

/// The user behind a caller (the machine token has none: 403).
fn own_login(caller: &crate::caller::Caller) -> Result<String, Failure> {
    caller
        .user
        .as_ref()
        .map(|u| u.login.clone())
        .ok_or_else(|| {
            Failure::new(
                StatusCode::FORBIDDEN,
                ErrorCode::RoleForbidden,
                "The machine token belongs to no user and has no personal tokens.",
            )
        })
}

/// `POST /api/tokens` `{"name"}`: a new personal token of the caller, shown once.
pub(crate) async fn create_token(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    accounts(&s)?;
    let caller = require(&s, &headers, Role::Viewer, true).await?;
    let login = own_login(&caller)?;
    let v = body_json(&body)?;
    let name = required(&v, "name")?;
    let store = account_store(&s).expect("checked");
    let (info, token) =
        blocking(move || Ok(lock(&store).create_token(&caller.actor, &login, &name)?)).await?;
    let mut r = (
        StatusCode::CREATED,
        axum::Json(json!({ "token": token, "info": info })),
    )
        .into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// `DELETE /api/tokens/{id}`: revokes one of the caller's tokens (an admin: anyone's).
pub(crate) async fn revoke_token(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    accounts(&s)?;
    let caller = require(&s, &headers, Role::Viewer, true).await?;
    let id: i64 = id.trim().parse().map_err(|_| {
        invalid(format!(
            "a token id is a whole number, got '{}'",
            quoted(&id)
        ))
    })?;
    let store = account_store(&s).expect("checked");
    let info = blocking(move || {
        let mut st = lock(&store);
        let mine = st
            .tokens()?
            .into_iter()
            .find(|t| t.id == id)
            .filter(|t| caller.role == Role::Admin || t.login == caller.actor);
        if mine.is_none() {
            return Err(Failure::new(
                StatusCode::NOT_FOUND,
                ErrorCode::NotFound,
                format!("no token {id} of yours"),
            ));
        }
        Ok(st.revoke_token(&caller.actor, id)?)
    })
    .await?;
    ok(StatusCode::OK, json!({ "revoked": info }))
}
