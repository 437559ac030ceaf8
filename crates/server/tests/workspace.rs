//! The workspace over a real listener (127.0.0.1:0) on a real GeoPackage: logging in, roles on
//! every route, CSRF, session fixation, disabling, the login limits, the audit log and bad input.
//!
//! The expectations are this file's own: which operations are public and which role the others
//! need is written down here from the rules (writes need an editor, user management and
//! the audit log an admin, personal tokens any user), and the walk checks both the server's
//! answers and that `/openapi.json` says the same.

use std::collections::BTreeMap;
use std::time::Duration;

use analysis::Standards;
use reqwest::StatusCode;
use serde_json::{Value, json};
use spielraum_server::login_limit::LoginLimits;
use spielraum_server::{AccountSetup, AppState, EditToken, ScenarioSetup, serve};
use store::ScenarioStore;
use store::accounts::{AccountStore, HashCost, NewUser, Role};

use crate::codes::documented_code;

const MACHINE: &str = "machine-token-for-tests";
const PASSWORD: &str = "correct horse battery";

/// A cheap Argon2 cost: the tests check behaviour, not the cost.
const CHEAP: HashCost = HashCost {
    memory_kib: 64,
    passes: 1,
    lanes: 1,
};

struct Server {
    base: String,
    client: reqwest::Client,
    gpkg: std::path::PathBuf,
    _dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

/// A login session as a browser holds it.
#[derive(Clone, Debug)]
struct Session {
    cookie: String,
    csrf: String,
}

/// How a request proves who it is.
#[derive(Clone, Debug)]
enum Cred {
    None,
    Bearer(String),
    /// The cookie, with its CSRF token on writes when `csrf` is set.
    Cookie(Session, bool),
}

fn accounts(gpkg: &std::path::Path) -> AccountStore {
    AccountStore::open(gpkg).unwrap().with_cost(CHEAP).unwrap()
}

async fn start(private: bool, limits: LoginLimits) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("city.gpkg");
    let city = crate::scenario::city();
    store::write_city(&gpkg, &city).unwrap();
    let mut acc = accounts(&gpkg);
    for (login, name, dept, role) in [
        ("ada", "Ada Admin", "Stadtplanungsamt", Role::Admin),
        ("eva", "Eva Editor", "Jugendamt", Role::Editor),
        ("ed2", "Ed Zwei", "Grünflächenamt", Role::Editor),
        ("vic", "Vic Viewer", "Schulverwaltungsamt", Role::Viewer),
        ("pat", "Pat Patch", "", Role::Viewer),
    ] {
        acc.add_user(
            "cli:test",
            &NewUser {
                login,
                display_name: name,
                department: dept,
                role,
                password: PASSWORD,
            },
        )
        .unwrap();
    }
    let setup = ScenarioSetup {
        standards: Standards::default_din18034(),
        store: Some(Box::new(ScenarioStore::open(&gpkg).unwrap())),
        candidates: crate::scenario::candidates(),
        edit_token: EditToken::new(MACHINE, "test").unwrap(),
        private: false,
    };
    let state = AppState::new(city, None)
        .with_scenarios(setup)
        .with_accounts(AccountSetup {
            login_limits: limits,
            ..AccountSetup::new(Box::new(acc))
        })
        .with_private(private);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(serve(listener, state, async {
        let _ = rx.await;
    }));
    Server {
        base: format!("http://{addr}"),
        client: reqwest::Client::new(),
        gpkg,
        _dir: dir,
        stop: Some(tx),
    }
}

impl Server {
    async fn raw(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        cred: &Cred,
    ) -> reqwest::Response {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.client.request(m, format!("{}{path}", self.base));
        match cred {
            Cred::None => {}
            Cred::Bearer(t) => req = req.header("Authorization", format!("Bearer {t}")),
            Cred::Cookie(s, with_csrf) => {
                req = req.header("Cookie", format!("spielraum_session={}", s.cookie));
                if *with_csrf {
                    req = req.header("X-CSRF-Token", &s.csrf);
                }
            }
        }
        if let Some(b) = body {
            req = req
                .header("Content-Type", "application/json")
                .body(b.to_string());
        }
        req.send().await.unwrap()
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        cred: &Cred,
    ) -> (StatusCode, Value) {
        let r = self.raw(method, path, body.as_ref(), cred).await;
        let status = r.status();
        let text = r.text().await.unwrap();
        let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, v)
    }

    /// Sends a request that must be refused with `status` and `code`; its answer.
    async fn refused(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        cred: &Cred,
        status: StatusCode,
        code: &str,
    ) -> Value {
        let (st, v) = self.call(method, path, body, cred).await;
        assert_eq!(
            (st, documented_code(&v)),
            (status, code),
            "{method} {path}: {v}"
        );
        v
    }

    async fn login(&self, login: &str) -> Session {
        self.try_login(login, PASSWORD, None).await.unwrap()
    }

    async fn try_login(
        &self,
        login: &str,
        password: &str,
        old: Option<&str>,
    ) -> Result<Session, (StatusCode, Value)> {
        let mut req = self
            .client
            .post(format!("{}/api/login", self.base))
            .header("Content-Type", "application/json")
            .body(json!({"login": login, "password": password}).to_string());
        if let Some(old) = old {
            req = req.header("Cookie", format!("spielraum_session={old}"));
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        let cookie = r
            .headers()
            .get("set-cookie")
            .map(|c| c.to_str().unwrap().to_string());
        let v: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        if status != StatusCode::OK {
            return Err((status, v));
        }
        let cookie = cookie.expect("a login sets the cookie");
        let value = cookie
            .split(';')
            .next()
            .unwrap()
            .strip_prefix("spielraum_session=")
            .unwrap()
            .to_string();
        Ok(Session {
            cookie: value,
            csrf: v["csrf"].as_str().unwrap().to_string(),
        })
    }

    fn audit_len(&self) -> usize {
        AccountStore::open(&self.gpkg)
            .unwrap()
            .audit_log()
            .unwrap()
            .len()
    }

    fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
    }
}

fn cookie(s: &Session) -> Cred {
    Cred::Cookie(s.clone(), true)
}

/// This file's own rules: the least role of every operation that needs one; every other
/// operation is public.
fn least_roles() -> BTreeMap<(&'static str, &'static str), Role> {
    use Role::{Admin, Editor, Viewer};
    BTreeMap::from([
        (("/api/logout", "post"), Viewer),
        (("/api/tokens", "get"), Viewer),
        (("/api/tokens", "post"), Viewer),
        (("/api/tokens/{id}", "delete"), Viewer),
        (("/api/users", "get"), Admin),
        (("/api/users", "post"), Admin),
        (("/api/users/{login}", "patch"), Admin),
        (("/api/audit", "get"), Admin),
        (("/api/audit.csv", "get"), Admin),
        (("/api/scenarios", "post"), Editor),
        (("/api/scenarios/{id}", "patch"), Editor),
        (("/api/scenarios/{id}", "delete"), Editor),
        (("/api/scenarios/{id}/edits", "post"), Editor),
        (("/api/scenarios/{id}/edits/{position}", "delete"), Editor),
        (("/api/scenarios/{id}/status", "post"), Editor),
        (("/api/scenarios/{id}/comments", "post"), Editor),
    ])
}

fn playground() -> Value {
    json!({"op": "add", "kind": "playground", "name": "Neu",
           "geometry": {"type": "Point", "coordinates": [9.515, 47.14]}})
}

/// A fresh draft scenario with one edit (made with the machine token); its id.
async fn fresh_scenario(s: &Server, n: &mut usize) -> String {
    *n += 1;
    let m = Cred::Bearer(MACHINE.into());
    let (st, v) = s
        .call(
            "POST",
            "/api/scenarios",
            Some(json!({"name": format!("walk {n}")})),
            &m,
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let id = v["id"].to_string();
    let (st, _) = s
        .call(
            "POST",
            &format!("/api/scenarios/{id}/edits"),
            Some(playground()),
            &m,
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    id
}

/// The concrete path and body of one attempt at `(route, method)` by a caller `login`, with
/// fresh fixtures, so that a caller of the right role succeeds.
async fn attempt(
    s: &Server,
    route: &str,
    method: &str,
    login: &str,
    n: &mut usize,
) -> (String, Option<Value>) {
    *n += 1;
    let id = if route.contains("{id}") && route.starts_with("/api/scenarios") {
        fresh_scenario(s, n).await
    } else if route == "/api/tokens/{id}" {
        let (info, _) = accounts(&s.gpkg)
            .create_token("cli:test", login, &format!("t{n}"))
            .unwrap();
        info.id.to_string()
    } else {
        String::new()
    };
    let path = route
        .replace("{id}", &id)
        .replace("{position}", "0")
        .replace("{login}", "pat");
    let body = match (route, method) {
        ("/api/users", "post") => Some(json!({"login": format!("new{n}"), "display_name": "Neu",
            "role": "viewer", "password": PASSWORD})),
        ("/api/users/{login}", "patch") => Some(json!({"role": "viewer"})),
        ("/api/tokens", "post") => Some(json!({"name": format!("script {n}")})),
        ("/api/scenarios", "post") => Some(json!({"name": format!("new {n}")})),
        ("/api/scenarios/{id}", "patch") => Some(json!({"description": "d"})),
        ("/api/scenarios/{id}/edits", "post") => Some(playground()),
        ("/api/scenarios/{id}/status", "post") => Some(json!({"status": "proposed"})),
        ("/api/scenarios/{id}/comments", "post") => Some(json!({"text": "gut"})),
        ("/api/compare", "post") => Some(json!({"edits": []})),
        ("/api/login", "post") => Some(json!({"login": login, "password": PASSWORD})),
        _ => None,
    };
    (path, body)
}

#[tokio::test]
async fn every_operation_checks_its_credentials() {
    let s = start(false, LoginLimits::default()).await;
    let (_, doc) = s.call("GET", "/openapi.json", None, &Cred::None).await;
    let rules = least_roles();
    // A session that has expired (made with no time to live) and one that was ended.
    let eva = accounts(&s.gpkg).user("eva").unwrap();
    let (expired, _) = accounts(&s.gpkg)
        .create_session(&eva, Duration::ZERO)
        .unwrap();
    let ended = s.login("eva").await;
    let (st, _) = s.call("POST", "/api/logout", None, &cookie(&ended)).await;
    assert_eq!(st, StatusCode::OK);
    let of_role = |r: Role| match r {
        Role::Viewer => "vic",
        Role::Editor => "eva",
        Role::Admin => "ada",
    };
    let mut n = 0;
    let mut walked = 0;
    for (route, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            if method == "parameters" {
                continue;
            }
            let key = (route.as_str(), method.as_str());
            let least = rules.get(&key).copied();
            // The document says the same as this file.
            assert_eq!(
                op["x-spielraum-role"].as_str(),
                least.map(Role::as_str),
                "{method} {route}: x-spielraum-role"
            );
            assert_eq!(
                op["security"].is_array(),
                least.is_some(),
                "{method} {route}"
            );
            let Some(least) = least else {
                // Only reads, logging in and comparing unsaved edits (which changes nothing)
                // are public.
                assert!(
                    method == "get"
                        || [("/api/login", "post"), ("/api/compare", "post")].contains(&key),
                    "{method} {route} writes without needing a role"
                );
                // Public: without credentials it is not refused for want of them.
                let (path, body) = attempt(&s, route, method, "eva", &mut n).await;
                let (st, v) = s
                    .call(&method.to_uppercase(), &path, body, &Cred::None)
                    .await;
                assert!(
                    st != StatusCode::UNAUTHORIZED && st != StatusCode::FORBIDDEN,
                    "{method} {route} is public: {st} {v}"
                );
                continue;
            };
            walked += 1;
            let m = method.to_uppercase();
            let before = s.audit_len();
            let cases: Vec<(&str, Cred, StatusCode, &str)> = vec![
                (
                    "none",
                    Cred::None,
                    StatusCode::UNAUTHORIZED,
                    "login_required",
                ),
                (
                    "expired session",
                    Cred::Cookie(
                        Session {
                            cookie: expired.clone(),
                            csrf: String::new(),
                        },
                        false,
                    ),
                    StatusCode::UNAUTHORIZED,
                    "login_required",
                ),
                (
                    "ended session",
                    cookie(&ended),
                    StatusCode::UNAUTHORIZED,
                    "login_required",
                ),
                (
                    "no token",
                    Cred::Bearer("f".repeat(64)),
                    StatusCode::FORBIDDEN,
                    "token_wrong",
                ),
            ];
            for (what, cred, status, code) in cases {
                let (path, body) = attempt(&s, route, method, "eva", &mut n).await;
                let before = s.audit_len();
                let (st, v) = s.call(&m, &path, body, &cred).await;
                assert_eq!(
                    (st, documented_code(&v)),
                    (status, code),
                    "{m} {route} with {what}: {v}"
                );
                assert_eq!(
                    s.audit_len(),
                    before,
                    "{m} {route} with {what} changed something"
                );
            }
            // The role below the least one, by session and by personal token.
            if least > Role::Viewer {
                let below = if least == Role::Admin {
                    Role::Editor
                } else {
                    Role::Viewer
                };
                let session = s.login(of_role(below)).await;
                let (_, token) = accounts(&s.gpkg)
                    .create_token("cli:test", of_role(below), &format!("below {n}"))
                    .unwrap();
                for cred in [cookie(&session), Cred::Bearer(token)] {
                    let (path, body) = attempt(&s, route, method, of_role(below), &mut n).await;
                    let before = s.audit_len();
                    let (st, v) = s.call(&m, &path, body, &cred).await;
                    assert_eq!(
                        (st, documented_code(&v)),
                        (StatusCode::FORBIDDEN, "role_forbidden"),
                        "{m} {route} as {}: {v}",
                        below.as_str()
                    );
                    assert_eq!(s.audit_len(), before);
                }
            }
            // The right role: by session (without CSRF refused on writes), by personal token.
            let login = of_role(least);
            let session = s.login(login).await;
            if method != "get" {
                let (path, body) = attempt(&s, route, method, login, &mut n).await;
                for cred in [
                    Cred::Cookie(session.clone(), false),
                    Cred::Cookie(
                        Session {
                            csrf: "0".repeat(64),
                            ..session.clone()
                        },
                        true,
                    ),
                ] {
                    let before = s.audit_len();
                    let (st, v) = s.call(&m, &path, body.clone(), &cred).await;
                    assert_eq!(
                        (st, documented_code(&v)),
                        (StatusCode::FORBIDDEN, "csrf_failed"),
                        "{m} {route} without the CSRF token: {v}"
                    );
                    assert_eq!(s.audit_len(), before);
                }
            }
            let (_, token) = accounts(&s.gpkg)
                .create_token("cli:test", login, &format!("right {n}"))
                .unwrap();
            let mut creds = vec![cookie(&session), Cred::Bearer(token)];
            if route == "/api/logout" {
                creds.pop(); // a token is revoked, not logged out (400)
            }
            for cred in creds {
                let (path, body) = attempt(&s, route, method, login, &mut n).await;
                let (st, v) = s.call(&m, &path, body, &cred).await;
                assert!(st.is_success(), "{m} {route} as {login}: {st} {v}");
            }
            // A change by the right role is audited (logout changes no data).
            if method != "get" && route != "/api/logout" {
                assert!(s.audit_len() > before, "{m} {route} left no audit row");
            }
        }
    }
    assert_eq!(
        walked,
        rules.len(),
        "every rule met an operation of the document"
    );
    s.stop();
}

#[tokio::test]
async fn the_cookie_is_http_only_strict_and_new_at_every_login() {
    let s = start(false, LoginLimits::default()).await;
    let r = s
        .client
        .post(format!("{}/api/login", s.base))
        .header("Content-Type", "application/json")
        .body(json!({"login": "Eva ", "password": PASSWORD}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let set = r.headers()["set-cookie"].to_str().unwrap().to_string();
    for part in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(set.split("; ").any(|p| p == part), "{part} in {set}");
    }
    assert!(!set.contains("Secure"), "no Secure over plain HTTP: {set}");
    let body = r.text().await.unwrap();
    assert!(
        !body.contains(PASSWORD) && !body.contains("argon2"),
        "{body}"
    );
    // Behind a TLS proxy the cookie is Secure.
    let r = s
        .client
        .post(format!("{}/api/login", s.base))
        .header("X-Forwarded-Proto", "https")
        .header("Content-Type", "application/json")
        .body(json!({"login": "eva", "password": PASSWORD}).to_string())
        .send()
        .await
        .unwrap();
    assert!(
        r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .ends_with("; Secure")
    );
    // Session fixation: a login made with a cookie gets a new id, and the old one ends.
    let first = s.login("eva").await;
    let second = s
        .try_login("eva", PASSWORD, Some(&first.cookie))
        .await
        .unwrap();
    assert_ne!(first.cookie, second.cookie);
    assert_ne!(first.csrf, second.csrf);
    let (_, me) = s.call("GET", "/api/me", None, &cookie(&first)).await;
    assert_eq!(me["user"], Value::Null, "the old session ended: {me}");
    let (_, me) = s.call("GET", "/api/me", None, &cookie(&second)).await;
    assert_eq!(me["user"]["login"], "eva");
    assert_eq!(me["via"], "session");
    assert_eq!(me["csrf"], second.csrf.as_str());
    // An id someone planted (never issued) is not adopted.
    let planted = "a".repeat(64);
    let third = s.try_login("eva", PASSWORD, Some(&planted)).await.unwrap();
    assert_ne!(third.cookie, planted);
    // No password or hash in any answer or in the audit log.
    let ada = s.login("ada").await;
    for path in ["/api/users", "/api/audit", "/api/audit.csv", "/api/me"] {
        let (_, v) = s.call("GET", path, None, &cookie(&ada)).await;
        let text = v.to_string();
        assert!(
            !text.contains(PASSWORD) && !text.contains("$argon2"),
            "{path}: {text}"
        );
    }
    s.stop();
}

#[tokio::test]
async fn a_disabled_users_session_and_tokens_stop_at_once() {
    let s = start(false, LoginLimits::default()).await;
    let eva = s.login("eva").await;
    let (_, v) = s
        .call(
            "POST",
            "/api/tokens",
            Some(json!({"name": "script"})),
            &cookie(&eva),
        )
        .await;
    let token = Cred::Bearer(v["token"].as_str().unwrap().to_string());
    let create = |name: &str| Some(json!({"name": name}));
    let (st, _) = s
        .call("POST", "/api/scenarios", create("a"), &cookie(&eva))
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, _) = s.call("POST", "/api/scenarios", create("b"), &token).await;
    assert_eq!(st, StatusCode::CREATED);
    let ada = s.login("ada").await;
    let (st, v) = s
        .call(
            "PATCH",
            "/api/users/eva",
            Some(json!({"disabled": true})),
            &cookie(&ada),
        )
        .await;
    assert_eq!((st, &v["disabled"]), (StatusCode::OK, &json!(true)), "{v}");
    s.refused(
        "POST",
        "/api/scenarios",
        create("c"),
        &cookie(&eva),
        StatusCode::UNAUTHORIZED,
        "login_required",
    )
    .await;
    s.refused(
        "POST",
        "/api/scenarios",
        create("d"),
        &token,
        StatusCode::FORBIDDEN,
        "token_wrong",
    )
    .await;
    s.refused(
        "POST",
        "/api/login",
        Some(json!({"login": "eva", "password": PASSWORD})),
        &Cred::None,
        StatusCode::UNAUTHORIZED,
        "login_failed",
    )
    .await;
    let names: Vec<String> = ScenarioStore::open(&s.gpkg)
        .unwrap()
        .list()
        .unwrap()
        .into_iter()
        .map(|i| i.name)
        .collect();
    assert_eq!(names, ["a", "b"]);
    s.stop();
}

#[tokio::test]
async fn the_login_limit_holds_per_account_and_address() {
    let limits = LoginLimits {
        per_account: 3,
        per_address: 5,
        window: Duration::from_secs(600),
        max_keys: 1000,
    };
    let s = start(false, limits).await;
    let wrong = |login: &str| json!({"login": login, "password": "not the password!"});
    for _ in 0..3 {
        s.refused(
            "POST",
            "/api/login",
            Some(wrong("eva")),
            &Cred::None,
            StatusCode::UNAUTHORIZED,
            "login_failed",
        )
        .await;
    }
    // The account is locked, even with the right password.
    let r = s
        .raw(
            "POST",
            "/api/login",
            Some(&json!({"login": "eva", "password": PASSWORD})),
            &Cred::None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=600).contains(&retry), "{retry}");
    assert_eq!(
        documented_code(&serde_json::from_str(&r.text().await.unwrap()).unwrap()),
        "login_limited"
    );
    // Another account from the same address still logs in, until the address has failed 5 times.
    s.login("ada").await;
    for _ in 0..2 {
        let (st, _) = s
            .call("POST", "/api/login", Some(wrong("vic")), &Cred::None)
            .await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
    }
    s.refused(
        "POST",
        "/api/login",
        Some(json!({"login": "ed2", "password": PASSWORD})),
        &Cred::None,
        StatusCode::TOO_MANY_REQUESTS,
        "login_limited",
    )
    .await;
    s.stop();
}

#[tokio::test]
async fn bad_input_answers_4xx_and_changes_nothing() {
    let s = start(false, LoginLimits::default()).await;
    let (st, unknown) = s
        .call(
            "POST",
            "/api/login",
            Some(json!({"login": "nobody", "password": PASSWORD})),
            &Cred::None,
        )
        .await;
    let (st2, wrong) = s
        .call(
            "POST",
            "/api/login",
            Some(json!({"login": "eva", "password": "wrong password!"})),
            &Cred::None,
        )
        .await;
    assert_eq!(
        (st, st2),
        (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
    );
    assert_eq!(
        unknown, wrong,
        "unknown login and wrong password answer alike"
    );
    s.refused(
        "POST",
        "/api/login",
        Some(json!({"login": "eva"})),
        &Cred::None,
        StatusCode::BAD_REQUEST,
        "invalid_request",
    )
    .await;

    let ada = s.login("ada").await;
    let eva = s.login("eva").await;
    let before = s.audit_len();
    let new_user = |role: &str, password: &str| {
        Some(json!({"login": "neu", "display_name": "Neu", "role": role, "password": password}))
    };
    let v = s
        .refused(
            "POST",
            "/api/users",
            new_user("chef", PASSWORD),
            &cookie(&ada),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_user",
        )
        .await;
    assert!(v["error"].as_str().unwrap().contains("chef"), "{v}");
    s.refused(
        "POST",
        "/api/users",
        new_user("viewer", "short"),
        &cookie(&ada),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_user",
    )
    .await;
    s.refused(
        "PATCH",
        "/api/users/eva",
        Some(json!({"role": "boss"})),
        &cookie(&ada),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_user",
    )
    .await;
    s.refused(
        "PATCH",
        "/api/users/nobody",
        Some(json!({"role": "viewer"})),
        &cookie(&ada),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(s.audit_len(), before);

    let (_, v) = s
        .call(
            "POST",
            "/api/scenarios",
            Some(json!({"name": "Plan"})),
            &cookie(&eva),
        )
        .await;
    let id = v["id"].to_string();
    let before = s.audit_len();
    let comments = format!("/api/scenarios/{id}/comments");
    s.refused(
        "POST",
        &comments,
        Some(json!({"text": "x".repeat(1_000_000)})),
        &cookie(&eva),
        StatusCode::UNPROCESSABLE_ENTITY,
        "comment_too_long",
    )
    .await;
    s.refused(
        "POST",
        &comments,
        Some(json!({"text": ""})),
        &cookie(&eva),
        StatusCode::UNPROCESSABLE_ENTITY,
        "comment_too_long",
    )
    .await;
    let status = format!("/api/scenarios/{id}/status");
    // An editor cannot agree; nobody moves a draft to agreed; an unknown status is no status.
    s.refused(
        "POST",
        &status,
        Some(json!({"status": "agreed"})),
        &cookie(&eva),
        StatusCode::FORBIDDEN,
        "status_not_allowed",
    )
    .await;
    s.refused(
        "POST",
        &status,
        Some(json!({"status": "agreed"})),
        &cookie(&ada),
        StatusCode::FORBIDDEN,
        "status_not_allowed",
    )
    .await;
    s.refused(
        "POST",
        &status,
        Some(json!({"status": "done"})),
        &cookie(&ada),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_request",
    )
    .await;
    assert_eq!(s.audit_len(), before);
    let (_, v) = s
        .call("GET", &format!("/api/scenarios/{id}"), None, &Cred::None)
        .await;
    assert_eq!(v["status"], "draft");
    // A proposal takes no edits, and only an admin deletes it.
    s.call(
        "POST",
        &status,
        Some(json!({"status": "proposed"})),
        &cookie(&eva),
    )
    .await;
    s.refused(
        "POST",
        &format!("/api/scenarios/{id}/edits"),
        Some(playground()),
        &cookie(&eva),
        StatusCode::CONFLICT,
        "not_draft",
    )
    .await;
    s.refused(
        "DELETE",
        &format!("/api/scenarios/{id}"),
        None,
        &cookie(&eva),
        StatusCode::FORBIDDEN,
        "role_forbidden",
    )
    .await;
    s.stop();
}

#[tokio::test]
async fn propose_agree_and_the_audit_log_names_every_author() {
    let s = start(false, LoginLimits::default()).await;
    let eva = s.login("eva").await;
    let (st, v) = s
        .call(
            "POST",
            "/api/scenarios",
            Some(json!({"name": "Spielplatz Ost"})),
            &cookie(&eva),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    assert_eq!(
        (&v["author"], &v["author_name"]),
        (&json!("eva"), &json!("Eva Editor"))
    );
    assert_eq!(
        v["department"], "Jugendamt",
        "a user's scenario is their department's"
    );
    let id = v["id"].to_string();
    let (st, v) = s
        .call(
            "POST",
            &format!("/api/scenarios/{id}/edits"),
            Some(playground()),
            &cookie(&eva),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let status = format!("/api/scenarios/{id}/status");
    let (_, v) = s
        .call(
            "POST",
            &status,
            Some(json!({"status": "proposed"})),
            &cookie(&eva),
        )
        .await;
    assert_eq!(v["status"], "proposed");
    let ada = s.login("ada").await;
    let (st, c) = s
        .call(
            "POST",
            &format!("/api/scenarios/{id}/comments"),
            Some(json!({"text": "Einverstanden <b>so</b>", "position": 0})),
            &cookie(&ada),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{c}");
    let (_, v) = s
        .call(
            "POST",
            &status,
            Some(json!({"status": "agreed"})),
            &cookie(&ada),
        )
        .await;
    assert_eq!(v["status"], "agreed");
    // The viewer sees the agreed plan, its authors and the comment as plain text, and cannot edit.
    let vic = s.login("vic").await;
    let (_, v) = s
        .call("GET", &format!("/api/scenarios/{id}"), None, &cookie(&vic))
        .await;
    assert_eq!(v["status"], "agreed");
    assert_eq!(v["edits"][0]["author_name"], "Eva Editor");
    let (_, cs) = s
        .call(
            "GET",
            &format!("/api/scenarios/{id}/comments"),
            None,
            &cookie(&vic),
        )
        .await;
    assert_eq!(cs["comments"][0]["text"], "Einverstanden <b>so</b>");
    assert_eq!(cs["comments"][0]["author_name"], "Ada Admin");
    assert_eq!(cs["comments"][0]["position"], 0);
    s.refused(
        "POST",
        &status,
        Some(json!({"status": "draft"})),
        &cookie(&vic),
        StatusCode::FORBIDDEN,
        "role_forbidden",
    )
    .await;
    // The audit log: every step with its author, in order.
    let (_, log) = s
        .call("GET", "/api/audit?limit=10000", None, &cookie(&ada))
        .await;
    let steps: Vec<(String, String)> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .filter(|e| e["action"].as_str().unwrap().starts_with("scenario."))
        .map(|e| {
            (
                e["actor"].as_str().unwrap().into(),
                e["action"].as_str().unwrap().into(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = [
        ("eva", "scenario.create"),
        ("eva", "scenario.set_department"),
        ("eva", "scenario.add_edit"),
        ("eva", "scenario.set_status"),
        ("ada", "scenario.comment"),
        ("ada", "scenario.set_status"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(steps, want);
    // The CSV download holds the same rows.
    let r = s.raw("GET", "/api/audit.csv", None, &cookie(&ada)).await;
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = r.text().await.unwrap();
    assert_eq!(csv.lines().next(), Some("id,at,actor,action,target,detail"));
    assert_eq!(
        csv.lines().count() - 1,
        log["entries"].as_array().unwrap().len()
    );
    s.stop();
}

#[tokio::test]
async fn a_private_workspace_needs_a_login_to_read() {
    let s = start(true, LoginLimits::default()).await;
    for path in [
        "/api/neighbourhoods",
        "/tiles/14/8626/5762.mvt",
        "/style.json",
        "/api/scenarios",
    ] {
        let (st, v) = s.call("GET", path, None, &Cred::None).await;
        assert_eq!(
            (st, documented_code(&v)),
            (StatusCode::UNAUTHORIZED, "login_required"),
            "{path}"
        );
    }
    let (_, me) = s.call("GET", "/api/me", None, &Cred::None).await;
    assert_eq!((&me["private"], &me["user"]), (&json!(true), &Value::Null));
    let (st, _) = s.call("GET", "/health", None, &Cred::None).await;
    assert_eq!(st, StatusCode::OK);
    // The map's label glyphs are a page asset: the login page's map needs them too.
    let (st, _) = s
        .call(
            "GET",
            "/fonts/Liberation%20Sans%20Bold/0-255.pbf",
            None,
            &Cred::None,
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let vic = s.login("vic").await;
    for path in ["/api/neighbourhoods", "/style.json", "/api/scenarios"] {
        let (st, _) = s.call("GET", path, None, &cookie(&vic)).await;
        assert_eq!(st, StatusCode::OK, "{path}");
    }
    s.stop();
}
