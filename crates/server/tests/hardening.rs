//! The request budget and limits over a real listener (127.0.0.1:0), with bounded loops: huge
//! compares and a reach flood leave `/health` fast, slowloris and idle connections are closed,
//! the connection cap holds, cheap limits answer 413/422 JSON, and the pages' security headers.
//!
//! Timeouts are shortened (1–2 s) through [`Limits`] so the tests stay quick.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use analysis::Standards;
use geo_types::Coord;
use model::{City, WalkWay};
use reqwest::StatusCode;
use serde_json::{Value, json};
use spielraum_server::limits::{
    BOUNDS_MARGIN_M, MAX_BODY_BYTES, MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, MAX_QUOTED_CHARS,
    MAX_VERTICES_PER_GEOMETRY,
};
use spielraum_server::{AppState, EditToken, Limits, ScenarioSetup, serve};
use store::scenario::ScenarioStore;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::codes::documented_code;

const TOKEN: &str = "hardening-token";

struct Srv {
    base: String,
    addr: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for Srv {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

/// Serves `state` on a runtime of its own (two workers, as on the 2-core machine), apart from
/// the test's clients, as `spielraum serve` runs.
fn run_apart(state: AppState) -> Srv {
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            addr_tx.send(listener.local_addr().unwrap()).unwrap();
            let _ = serve(listener, state, async {
                let _ = rx.await;
            })
            .await;
        });
    });
    let addr = addr_rx.recv().unwrap();
    Srv {
        base: format!("http://{addr}"),
        addr,
        stop: Some(tx),
        _dir: None,
    }
}

/// Probes `/health` from a thread and runtime of its own every 5 ms until `stop` is set (at
/// most 2 000 probes); the latencies in milliseconds.
fn probe_health(base: String, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<Vec<f64>> {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let client = reqwest::Client::new();
            let mut latencies = Vec::new();
            while !stop.load(Ordering::SeqCst) && latencies.len() < 2_000 {
                latencies.push(health_ms(&client, &base).await);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            latencies
        })
    })
}

/// The tests of this module take turns: two of them measure `/health` latency, and the test
/// binary runs tests in parallel on the same two cores.
static TIMED: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn run(state: AppState, dir: Option<tempfile::TempDir>) -> Srv {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(serve(listener, state, async {
        let _ = rx.await;
    }));
    Srv {
        base: format!("http://{addr}"),
        addr,
        stop: Some(tx),
        _dir: dir,
    }
}

/// The scenario test city served from a fresh GeoPackage with scenarios and the edit token;
/// `read_only` makes the file read-only before the store opens it.
async fn scenario_server(limits: Limits, read_only: bool) -> Srv {
    let (state, dir) = scenario_state(limits, read_only);
    run(state, Some(dir)).await
}

/// The state of [`scenario_server`] and the folder of its GeoPackage.
fn scenario_state(limits: Limits, read_only: bool) -> (AppState, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("city.gpkg");
    let c = crate::scenario::city();
    store::write_city(&gpkg, &c).unwrap();
    if read_only {
        set_read_only(&gpkg);
    }
    let setup = ScenarioSetup {
        standards: Standards::default_din18034(),
        store: Some(Box::new(ScenarioStore::open(&gpkg).unwrap())),
        candidates: crate::scenario::candidates(),
        edit_token: EditToken::new(TOKEN, "test").unwrap(),
        private: false,
    };
    let state = AppState::new(c, None)
        .with_limits(limits)
        .with_scenarios(setup);
    (state, dir)
}

fn set_read_only(path: &Path) {
    let mut p = std::fs::metadata(path).unwrap().permissions();
    p.set_readonly(true);
    std::fs::set_permissions(path, p).unwrap();
}

/// A grid of footways, `n` × `n` nodes 0.001° apart from (9.50, 47.10): enough network that
/// one 60-minute reach takes real work.
fn grid_city(n: usize) -> City {
    let id = |i: usize, j: usize| (i * n + j + 1) as i64;
    let at = |i: usize, j: usize| Coord {
        x: 9.50 + 0.001 * j as f64,
        y: 47.10 + 0.001 * i as f64,
    };
    let mut walk_ways = Vec::new();
    for i in 0..n {
        walk_ways.push(WalkWay {
            id: walk_ways.len() as i64 + 1,
            nodes: (0..n).map(|j| id(i, j)).collect(),
            coords: (0..n).map(|j| at(i, j)).collect(),
            tags: vec![("highway".into(), "footway".into())],
        });
        walk_ways.push(WalkWay {
            id: walk_ways.len() as i64 + 1,
            nodes: (0..n).map(|j| id(j, i)).collect(),
            coords: (0..n).map(|j| at(j, i)).collect(),
            tags: vec![("highway".into(), "footway".into())],
        });
    }
    let mut city = crate::http::city();
    city.walk_ways = walk_ways;
    city
}

/// The JSON body of an answer.
async fn json_of(r: reqwest::Response) -> Value {
    let bytes = r.bytes().await.unwrap();
    serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&bytes)))
}

/// Milliseconds one `GET /health` takes on `client` (its answer must be 200).
async fn health_ms(client: &reqwest::Client, base: &str) -> f64 {
    let t = Instant::now();
    let r = client.get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.bytes().await.unwrap();
    t.elapsed().as_secs_f64() * 1000.0
}

/// A closed ring of `n` vertices (plus the closing one) on a circle of radius `r` degrees.
fn ring(n: usize, lon: f64, lat: f64, r: f64) -> Vec<[f64; 2]> {
    let mut c: Vec<[f64; 2]> = (0..n)
        .map(|i| {
            let a = std::f64::consts::TAU * i as f64 / n as f64;
            [lon + r * a.cos(), lat + 0.7 * r * a.sin()]
        })
        .collect();
    c.push(c[0]);
    c
}

fn polygon_edit(ring: Vec<[f64; 2]>) -> Value {
    json!({"op": "add", "kind": "playground",
           "geometry": {"type": "Polygon", "coordinates": [ring]}})
}

/// The p-th percentile (0–100) of `values` (nearest rank).
fn percentile(values: &mut [f64], p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * values.len() as f64).ceil() as usize;
    values[rank.clamp(1, values.len()) - 1]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_compares_leave_health_fast() {
    let _turn = TIMED.lock().await;
    let (state, _dir) = scenario_state(Limits::default(), false);
    let s = run_apart(state);
    let client = reqwest::Client::new();
    // Two 32k-vertex polygons (refused by the vertex limit before any validation) and one
    // just below the limit (validated and compared on the blocking pool).
    let bodies = [
        (32_000, StatusCode::UNPROCESSABLE_ENTITY),
        (32_000, StatusCode::UNPROCESSABLE_ENTITY),
        (MAX_VERTICES_PER_GEOMETRY - 1, StatusCode::OK),
    ];
    let stop = Arc::new(AtomicBool::new(false));
    let probe = probe_health(s.base.clone(), stop.clone());
    let mut tasks = Vec::new();
    for (n, expected) in bodies {
        let body = json!({"edits": [polygon_edit(ring(n, 9.51, 47.14, 0.004))]}).to_string();
        let (client, url) = (client.clone(), format!("{}/api/compare", s.base));
        tasks.push(tokio::spawn(async move {
            let r = client.post(url).body(body).send().await.unwrap();
            let status = r.status();
            (n, expected, status, json_of(r).await)
        }));
    }
    for t in tasks {
        let (n, expected, status, v) = t.await.unwrap();
        assert_eq!(status, expected, "{n} vertices: {v}");
        if expected != StatusCode::OK {
            let e = v["error"].as_str().unwrap();
            assert!(e.contains("at most 10000 vertices"), "{e}");
            assert_eq!(documented_code(&v), "too_large", "{v}");
        }
    }
    stop.store(true, Ordering::SeqCst);
    let latencies = probe.join().unwrap();
    let worst = latencies.iter().copied().fold(0.0, f64::max);
    assert!(!latencies.is_empty());
    assert!(
        worst < 50.0,
        "/health took up to {worst:.1} ms during the compares ({} probes)",
        latencies.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slowloris_connections_are_closed_and_new_clients_served() {
    let _turn = TIMED.lock().await;
    let limits = Limits {
        header_read_timeout: Duration::from_secs(1),
        ..Limits::default()
    };
    let s = run(
        AppState::new(crate::http::city(), None).with_limits(limits),
        None,
    )
    .await;
    let mut slow = Vec::new();
    for _ in 0..300 {
        let mut c = TcpStream::connect(s.addr).await.unwrap();
        c.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .unwrap();
        slow.push(c);
    }
    // A new client is served while the 300 hang.
    let client = reqwest::Client::new();
    assert!(health_ms(&client, &s.base).await < 1000.0);
    // Each slow connection is closed by the server: its read ends (EOF, a reset or an error
    // answer) well before the test's own limit of 10 s.
    let mut reads = Vec::new();
    for mut c in slow {
        reads.push(tokio::spawn(async move {
            let mut buf = Vec::new();
            tokio::time::timeout(Duration::from_secs(10), c.read_to_end(&mut buf))
                .await
                .is_ok()
        }));
    }
    for r in reads {
        assert!(r.await.unwrap(), "a slowloris connection stayed open");
    }
    assert!(health_ms(&client, &s.base).await < 1000.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_closed_and_the_cap_holds() {
    let _turn = TIMED.lock().await;
    let limits = Limits {
        idle_timeout: Duration::from_secs(1),
        max_connections: 4,
        ..Limits::default()
    };
    let s = run(
        AppState::new(crate::http::city(), None).with_limits(limits),
        None,
    )
    .await;
    // One request on a keep-alive connection, then silence: the server closes it.
    let mut c = TcpStream::connect(s.addr).await.unwrap();
    c.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = c.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let closed = tokio::time::timeout(Duration::from_secs(10), c.read(&mut buf)).await;
    assert!(matches!(closed, Ok(Ok(0)) | Ok(Err(_))), "{closed:?}");
    // Four open connections fill the cap: a fifth client is not served until one closes.
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut c = TcpStream::connect(s.addr).await.unwrap();
        c.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let n = c.read(&mut buf).await.unwrap();
        assert!(n > 0);
        held.push(c);
    }
    let client = reqwest::Client::new();
    let url = format!("{}/health", s.base);
    let waiting = tokio::spawn(async move { client.get(url).send().await.map(|r| r.status()) });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "a fifth connection was served");
    held.pop();
    let status = tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("served once a connection closed")
        .unwrap()
        .unwrap();
    assert_eq!(status, StatusCode::OK);
}

/// How much the test process may grow during the reach flood (server and clients together).
const FLOOD_RSS_BOUND: u64 = 512 << 20;

/// This process's resident memory in bytes (`VmRSS` of `/proc/self/status`).
fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reach_flood_answers_503_and_health_stays_fast() {
    let _turn = TIMED.lock().await;
    let limits = Limits {
        permits: 1,
        queue: 4,
        ..Limits::default()
    };
    let s = run_apart(AppState::new(grid_city(60), None).with_limits(limits));
    let stop = Arc::new(AtomicBool::new(false));
    let probe = probe_health(s.base.clone(), stop.clone());
    let rss_before = rss_bytes();
    assert!(rss_before > 0, "cannot read VmRSS from /proc/self/status");
    let peak = Arc::new(AtomicU64::new(rss_before));
    let sampler = {
        let (stop, peak) = (stop.clone(), peak.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                peak.fetch_max(rss_bytes(), Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let mut flood = Vec::new();
    for i in 0..256 {
        let url = format!(
            "{}/api/reach?lon={}&lat=47.12&minutes=60",
            s.base,
            9.51 + 0.0001 * (i % 10) as f64
        );
        flood.push(tokio::spawn(async move {
            // One client per task: 256 connections.
            let client = reqwest::Client::new();
            let mut answers = Vec::new();
            for _ in 0..4 {
                let r = client.get(&url).send().await.unwrap();
                let retry = r.headers().get("retry-after").is_some();
                let status = r.status();
                let bytes = r.bytes().await.unwrap();
                answers.push((status, retry, bytes));
            }
            answers
        }));
    }
    let mut answers = Vec::new();
    for t in flood {
        answers.extend(t.await.unwrap());
    }
    stop.store(true, Ordering::SeqCst);
    let mut latencies = probe.join().unwrap();
    sampler.join().unwrap();
    // The whole test process (server, 256 clients and their answers) grows by less than
    // FLOOD_RSS_BOUND: without the gate this flood grew the server alone past 1.5 GB.
    let grown = peak.load(Ordering::SeqCst).saturating_sub(rss_before);
    assert!(
        grown < FLOOD_RSS_BOUND,
        "memory grew by {} MiB during the flood",
        grown >> 20
    );
    let (mut ok, mut busy) = (0, 0);
    {
        for (status, retry, bytes) in answers {
            let v: Value = serde_json::from_slice(&bytes).unwrap();
            match status {
                StatusCode::OK => {
                    assert_eq!(v["type"], "FeatureCollection");
                    ok += 1;
                }
                StatusCode::SERVICE_UNAVAILABLE => {
                    assert!(retry, "503 without Retry-After");
                    assert!(v["error"].as_str().unwrap().contains("too many reach"));
                    assert_eq!(documented_code(&v), "busy", "{v}");
                    busy += 1;
                }
                other => panic!("unexpected {other}: {v}"),
            }
        }
    }
    assert!(ok > 0 && busy > 0, "{ok} answers, {busy} refusals");
    let p99 = percentile(&mut latencies, 99.0);
    assert!(
        p99 < 50.0,
        "/health p99 {p99:.1} ms over {} probes",
        latencies.len()
    );
}

/// Sends raw bytes and reads the answer until the server closes or `wait` passes.
async fn raw(addr: std::net::SocketAddr, request: &[u8], wait: Duration) -> String {
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(request).await.unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(wait, c.read_to_end(&mut buf)).await;
    String::from_utf8_lossy(&buf).into_owned()
}

/// The JSON body of a raw HTTP/1.1 answer (not chunked).
fn raw_json(answer: &str) -> Value {
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {answer}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_slow_and_unreadable_requests_answer_json() {
    let _turn = TIMED.lock().await;
    let limits = Limits {
        body_read_timeout: Duration::from_secs(1),
        ..Limits::default()
    };
    let s = scenario_server(limits, false).await;
    // A body declared larger than the limit: 413 JSON before it is read.
    let a = raw(
        s.addr,
        format!(
            "POST /api/compare HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
            MAX_BODY_BYTES + 1
        )
        .as_bytes(),
        Duration::from_secs(5),
    )
    .await;
    assert!(a.starts_with("HTTP/1.1 413"), "{a}");
    assert!(
        a.to_ascii_lowercase()
            .contains("content-type: application/json")
    );
    assert!(
        raw_json(&a)["error"]
            .as_str()
            .unwrap()
            .contains("larger than")
    );
    assert_eq!(documented_code(&raw_json(&a)), "too_large");
    // A body that stops arriving: 408 JSON after the body-read timeout.
    let a = raw(
        s.addr,
        b"POST /api/compare HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 100\r\n\r\n{\"edits\":",
        Duration::from_secs(10),
    )
    .await;
    assert!(a.starts_with("HTTP/1.1 408"), "{a}");
    assert!(
        raw_json(&a)["error"]
            .as_str()
            .unwrap()
            .contains("did not arrive")
    );
    assert_eq!(documented_code(&raw_json(&a)), "timeout");
    // A path segment that is not UTF-8: the framework's "Invalid URL" as JSON.
    let client = reqwest::Client::new();
    for path in [
        "/api/scenarios/%FF",
        "/api/scenarios/%FF/compare",
        "/tiles/%FF/0/0.mvt",
    ] {
        let r = client
            .get(format!("{}{path}", s.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(r.headers()["content-type"], "application/json", "{path}");
        let v: Value = json_of(r).await;
        assert!(v["error"].as_str().is_some(), "{path}: {v}");
        assert_eq!(documented_code(&v), "invalid_request", "{path}: {v}");
    }
}

/// Sends `method path` with a JSON body and `authorization`; status and JSON body.
async fn call(
    s: &Srv,
    method: reqwest::Method,
    path: &str,
    body: Value,
    authorization: &str,
) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .request(method, format!("{}{path}", s.base))
        .header("Authorization", authorization)
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, json_of(r).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_descriptions_and_tokens() {
    let _turn = TIMED.lock().await;
    let s = scenario_server(Limits::default(), false).await;
    let bearer = format!("Bearer {TOKEN}");
    let post = reqwest::Method::POST;
    // A name of 1 MB: refused by its length, and not echoed back.
    let (st, v) = call(
        &s,
        post.clone(),
        "/api/scenarios",
        json!({"name": "n".repeat(1 << 20)}),
        &bearer,
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let e = v["error"].as_str().unwrap();
    assert!(e.len() < 200 && !e.contains("nnnn"), "{e}");
    assert_eq!(documented_code(&v), "invalid_name", "{v}");
    // The limits are inclusive: 200 characters (ä is one) and 10 000 characters pass.
    let name = "ä".repeat(MAX_NAME_CHARS);
    let long = "d".repeat(MAX_DESCRIPTION_CHARS);
    let (st, v) = call(
        &s,
        post.clone(),
        "/api/scenarios",
        json!({"name": name, "description": long}),
        &bearer,
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let id = v["id"].to_string();
    let (st, v) = call(
        &s,
        post.clone(),
        "/api/scenarios",
        json!({"name": "x".repeat(MAX_NAME_CHARS + 1)}),
        &bearer,
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (st, v) = call(
        &s,
        post.clone(),
        "/api/scenarios",
        json!({"name": "Plan B", "description": "d".repeat(MAX_DESCRIPTION_CHARS + 1)}),
        &bearer,
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["error"].as_str().unwrap().contains("10001 characters"));
    assert_eq!(documented_code(&v), "invalid_name", "{v}");
    let (st, _) = call(
        &s,
        reqwest::Method::PATCH,
        &format!("/api/scenarios/{id}"),
        json!({"description": "2".repeat(MAX_DESCRIPTION_CHARS * 100)}),
        &bearer,
    )
    .await;
    assert!(
        st == StatusCode::UNPROCESSABLE_ENTITY || st == StatusCode::PAYLOAD_TOO_LARGE,
        "{st}"
    );
    // The scheme of the token is case-insensitive.
    for scheme in ["BEARER", "bearer", "BeArEr"] {
        let (st, v) = call(
            &s,
            post.clone(),
            "/api/scenarios",
            json!({"name": format!("Plan {scheme}")}),
            &format!("{scheme} {TOKEN}"),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{scheme}: {v}");
    }
    let (st, _) = call(
        &s,
        post.clone(),
        "/api/scenarios",
        json!({"name": "Plan C"}),
        &format!("Basic {TOKEN}"),
    )
    .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let (_, v) = call(&s, reqwest::Method::GET, "/api/scenarios", json!(null), "").await;
    assert_eq!(v["editing"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_geopackage_reports_no_editing() {
    let _turn = TIMED.lock().await;
    let s = scenario_server(Limits::default(), true).await;
    let (st, v) = call(&s, reqwest::Method::GET, "/api/scenarios", json!(null), "").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["editing"], false, "{v}");
    let (st, v) = call(
        &s,
        reqwest::Method::POST,
        "/api/scenarios",
        json!({"name": "Plan"}),
        &format!("Bearer {TOKEN}"),
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert_eq!(documented_code(&v), "read_only", "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn positions_far_from_the_data_answer_422() {
    let _turn = TIMED.lock().await;
    let s = scenario_server(Limits::default(), false).await;
    let client = reqwest::Client::new();
    // The city's data reach north to 47.15° N; 5 km are 5 000 / 111 320 = 0.0449°.
    let margin = BOUNDS_MARGIN_M / 111_320.0;
    let cases = [
        ("lon=0&lat=0", StatusCode::UNPROCESSABLE_ENTITY),
        ("lon=9.51&lat=47.14", StatusCode::OK),
        (
            &*format!("lon=9.51&lat={}", 47.15 + margin - 0.003),
            StatusCode::OK,
        ),
        (
            &*format!("lon=9.51&lat={}", 47.15 + margin + 0.003),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (q, expected) in cases {
        let r = client
            .get(format!("{}/api/reach?{q}", s.base))
            .send()
            .await
            .unwrap();
        let status = r.status();
        let v: Value = json_of(r).await;
        assert_eq!(status, expected, "{q}: {v}");
        if expected != StatusCode::OK {
            assert!(
                v["error"]
                    .as_str()
                    .unwrap()
                    .contains("outside the city's data")
            );
            assert_eq!(documented_code(&v), "outside_data", "{v}");
        }
    }
    // A new playground 40 km away, in a comparison and as a stored edit.
    let far = json!({"op": "add", "kind": "playground", "geometry": {"type": "Point", "coordinates": [10.0, 47.14]}});
    let bearer = format!("Bearer {TOKEN}");
    let (st, v) = call(
        &s,
        reqwest::Method::POST,
        "/api/compare",
        json!({"edits": [far]}),
        &bearer,
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(documented_code(&v), "outside_data", "{v}");
    let (st, v) = call(
        &s,
        reqwest::Method::POST,
        "/api/scenarios",
        json!({"name": "Fern"}),
        &bearer,
    )
    .await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, v) = call(
        &s,
        reqwest::Method::POST,
        &format!("/api/scenarios/{}/edits", v["id"]),
        far,
        &bearer,
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(documented_code(&v), "outside_data", "{v}");
    // Too many vertices in one request (six polygons of 9 000): 413 before any validation.
    let many: Vec<Value> = (0..6)
        .map(|_| polygon_edit(ring(9_000, 9.51, 47.14, 0.004)))
        .collect();
    let (st, v) = call(
        &s,
        reqwest::Method::POST,
        "/api/compare",
        json!({"edits": many}),
        &bearer,
    )
    .await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    assert_eq!(documented_code(&v), "too_large", "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_input_in_errors_is_cut() {
    let _turn = TIMED.lock().await;
    let s = run(AppState::new(crate::http::city(), None), None).await;
    let client = reqwest::Client::new();
    let junk = "z".repeat(10_000);
    for path in [
        format!("/api/reach?lon={junk}&lat=47.14"),
        format!("/api/facilities?bbox={junk}"),
        format!("/tiles/1/{junk}/0.mvt"),
        format!("/{junk}"),
    ] {
        let r = client
            .get(format!("{}{path}", s.base))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_client_error());
        let v: Value = json_of(r).await;
        let e = v["error"].as_str().unwrap();
        assert!(e.contains("zzzz") && e.contains('…'), "{e}");
        documented_code(&v);
        assert!(!e.contains(&"z".repeat(MAX_QUOTED_CHARS + 1)), "{e}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_carry_security_headers_and_only_embed_and_table_are_framable() {
    let _turn = TIMED.lock().await;
    let s = run(AppState::new(crate::http::city(), None), None).await;
    let client = reqwest::Client::new();
    // The table alternative opens in the embed's frame ("Tabelle statt Karte").
    for (path, framable) in [
        ("/", false),
        ("/embed", true),
        ("/table", true),
        ("/admin", false),
    ] {
        let r = client
            .get(format!("{}{path}", s.base))
            .send()
            .await
            .unwrap();
        let h = r.headers();
        assert!(h["content-type"].to_str().unwrap().starts_with("text/html"));
        let csp = h["content-security-policy"].to_str().unwrap();
        for directive in [
            "default-src 'self'",
            "script-src 'self'",
            "worker-src 'self' blob:",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "connect-src 'self'",
        ] {
            assert!(csp.contains(directive), "{path}: {csp} lacks {directive}");
        }
        assert!(!csp.contains("unsafe-eval"), "{csp}");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "strict-origin-when-cross-origin");
        if framable {
            assert!(csp.ends_with("frame-ancestors *"), "{csp}");
            assert!(h.get("x-frame-options").is_none());
        } else {
            assert!(csp.ends_with("frame-ancestors 'none'"), "{csp}");
            assert_eq!(h["x-frame-options"], "DENY");
        }
    }
}
