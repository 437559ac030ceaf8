//! Every JSON error of the server carries a `code` from the list documented in
//! `docs/interfaces.md` ("Error codes"): the list equals [`ErrorCode::ALL`], and the error paths
//! not met by the other modules (a server without scenarios, framework errors, tiles, reach)
//! answer their documented code. The other modules check their errors with [`documented_code`].

use std::collections::BTreeSet;
use std::sync::OnceLock;

use reqwest::StatusCode;
use serde_json::Value;
use spielraum_server::{AppState, ErrorCode, serve};

/// The codes listed in `docs/interfaces.md` under "Error codes": the first column of its table.
fn documented() -> &'static BTreeSet<String> {
    static CODES: OnceLock<BTreeSet<String>> = OnceLock::new();
    CODES.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/interfaces.md");
        let text = std::fs::read_to_string(path).unwrap();
        let section = text
            .split("### Error codes")
            .nth(1)
            .expect("docs/interfaces.md has a section \"### Error codes\"");
        let section = section.split("\n#").next().unwrap();
        section
            .lines()
            .filter_map(|l| l.strip_prefix("| `"))
            .filter_map(|l| l.split('`').next())
            .map(str::to_string)
            .collect()
    })
}

/// The `code` of an error answer, asserting that it is one of the documented codes and that
/// `error` is a one-line sentence.
pub(crate) fn documented_code(v: &Value) -> &str {
    let code = v["code"]
        .as_str()
        .unwrap_or_else(|| panic!("error answer without \"code\": {v}"));
    assert!(
        documented().contains(code),
        "code {code:?} is not documented in docs/interfaces.md: {v}"
    );
    let error = v["error"].as_str().unwrap_or_default();
    assert!(!error.is_empty() && !error.contains('\n'), "{v}");
    code
}

#[test]
fn the_documented_codes_are_the_servers() {
    let ours: BTreeSet<String> = ErrorCode::ALL
        .iter()
        .map(|c| c.as_str().to_string())
        .collect();
    assert_eq!(&ours, documented());
    // The contract's codes the web app relies on are among them.
    for c in [
        "token_missing",
        "token_wrong",
        "editing_disabled",
        "read_only",
        "scenario_exists",
        "not_found",
        "invalid_edit",
        "invalid_request",
        "too_many_edits",
        "disk_full",
        "replaced",
        "no_network",
        "busy",
    ] {
        assert!(ours.contains(c), "{c}");
    }
}

#[tokio::test]
async fn errors_without_scenarios_and_of_the_framework_carry_codes() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let state = AppState::new(crate::http::city(), Some(crate::http::indicators()));
    tokio::spawn(serve(listener, state, async {
        let _ = rx.await;
    }));
    let client = reqwest::Client::new();
    let cases: [(&str, &str, Option<&str>, StatusCode, &str); 16] = [
        (
            "GET",
            "/api/scenarios",
            None,
            StatusCode::SERVICE_UNAVAILABLE,
            "no_scenarios",
        ),
        (
            "POST",
            "/api/compare",
            Some("{\"edits\": []}"),
            StatusCode::SERVICE_UNAVAILABLE,
            "no_scenarios",
        ),
        (
            "GET",
            "/api/suggest",
            None,
            StatusCode::SERVICE_UNAVAILABLE,
            "no_scenarios",
        ),
        ("GET", "/nowhere", None, StatusCode::NOT_FOUND, "not_found"),
        (
            "GET",
            "/assets/nothing.js",
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "PUT",
            "/api/neighbourhoods",
            Some("{}"),
            StatusCode::METHOD_NOT_ALLOWED,
            "not_found",
        ),
        (
            "GET",
            "/api/reach?lon=9.5",
            None,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "GET",
            "/api/reach?lon=x&lat=47",
            None,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "GET",
            "/api/reach?lon=9.5&lat=47.14&minutes=0",
            None,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "GET",
            "/api/reach?lon=9.5&lat=47.14&kind=castle",
            None,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "GET",
            "/api/reach?lon=0&lat=0",
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            "outside_data",
        ),
        (
            "GET",
            "/api/facilities?bbox=1,2",
            None,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "GET",
            "/tiles/1/0/0.png",
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "GET",
            "/tiles/a/0/0.mvt",
            None,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "GET",
            "/tiles/40/0/0.mvt",
            None,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "GET",
            "/tiles/2/9/9.mvt",
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ];
    for (method, path, body, status, code) in cases {
        let mut req = client.request(
            reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
            format!("http://{addr}{path}"),
        );
        if let Some(b) = body {
            req = req.header("Content-Type", "application/json").body(b);
        }
        let r = req.send().await.unwrap();
        let st = r.status();
        let text = r.text().await.unwrap();
        let v: Value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{method} {path}: not JSON: {st} {text:?}"));
        assert_eq!(st, status, "{method} {path}: {v}");
        assert_eq!(documented_code(&v), code, "{method} {path}: {v}");
    }
    let _ = tx.send(());
}
