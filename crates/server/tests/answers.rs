//! Snapshots of whole HTTP answers (status, content type, body) over a real listener
//! (127.0.0.1:0): the style, the OpenAPI document, the GeoJSON routes, a comparison and suggestions.
//!
//! They pin the answers byte for byte (style and neighbourhoods as exact text, the rest as JSON
//! with sorted keys), so a change in how the server builds them shows up as a snapshot diff.
//! The snapshots were taken from the server as it was before the style, the tile layers and the
//! reach GeoJSON moved into their own crate; each part of a body was checked by hand against the
//! city below when they were taken (see the assertions next to each snapshot).
//!
//! On the two small cities drawn by hand in `http.rs` and `scenario.rs`: a footway along 47.14° N
//! from 9.500° E to 9.520° E, two neighbourhoods split at 9.51° E.

use reqwest::StatusCode;
use serde_json::{Value, json};
use spielraum_server::{AppState, EditToken, ScenarioSetup, serve};

/// The Host header of every request: the style's tile URLs are built from it.
const HOST: &str = "maps.example:9000";

/// The scenario city of `scenario.rs`: playground n1 at 9.500, children aged 0–5 at 9.501 (10,
/// served), 9.515 (20) and 9.519 (30); candidates c1 at 9.5017, c2 at 9.515, c3 at 9.519.
fn scenario_state() -> AppState {
    let setup = ScenarioSetup {
        standards: analysis::Standards::default_din18034(),
        store: None,
        candidates: crate::scenario::candidates(),
        edit_token: EditToken::read_only(),
        private: false,
    };
    AppState::new(crate::scenario::city(), None).with_scenarios(setup)
}

struct Server {
    base: String,
    client: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<(), spielraum_server::ServerError>>,
}

/// One HTTP answer: status line, content type and the body exactly as sent.
struct Answer {
    status: StatusCode,
    content_type: String,
    body: String,
}

impl Answer {
    /// The body parsed as JSON (panics with the body if it is not JSON).
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// Status, content type and body as one JSON value, for `assert_json_snapshot!`.
    fn snapshot(&self) -> Value {
        json!({
            "status": self.status.as_u16(),
            "content_type": self.content_type,
            "body": self.json(),
        })
    }

    /// Status and content type on the first line, then the exact body text.
    fn text(&self) -> String {
        format!("{} {}\n{}", self.status, self.content_type, self.body)
    }
}

async fn start(state: AppState) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, state, async {
        let _ = rx.await;
    }));
    Server {
        base: format!("http://{addr}"),
        client: reqwest::Client::new(),
        stop: Some(tx),
        task,
    }
}

impl Server {
    async fn send(&self, req: reqwest::RequestBuilder) -> Answer {
        let r = req.header("Host", HOST).send().await.unwrap();
        let status = r.status();
        let content_type = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let body = r.text().await.unwrap();
        Answer {
            status,
            content_type,
            body,
        }
    }

    async fn get(&self, path: &str) -> Answer {
        self.send(self.client.get(format!("{}{path}", self.base)))
            .await
    }

    async fn post(&self, path: &str, body: &Value) -> Answer {
        self.send(
            self.client
                .post(format!("{}{path}", self.base))
                .header("Content-Type", "application/json")
                .body(body.to_string()),
        )
        .await
    }

    async fn stop(mut self) {
        self.stop.take().unwrap().send(()).unwrap();
        let done = tokio::time::timeout(std::time::Duration::from_secs(10), self.task).await;
        assert!(
            matches!(done, Ok(Ok(Ok(())))),
            "server did not shut down cleanly"
        );
    }
}

/// JSON snapshots with the keys of every object sorted.
macro_rules! json_snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({ sort_maps => true }, {
            insta::assert_json_snapshot!($name, $value);
        })
    };
}

#[tokio::test]
async fn style_json_exact_text() {
    let s = start(AppState::new(
        crate::http::city(),
        Some(crate::http::indicators()),
    ))
    .await;
    let a = s.get("/style.json").await;
    assert_eq!(a.status, StatusCode::OK);
    let style = a.json();
    // By hand: tile URLs from the Host header; bounds of the two neighbourhoods.
    assert_eq!(
        style["sources"]["spielraum"]["tiles"][0],
        format!("http://{HOST}/tiles/{{z}}/{{x}}/{{y}}.mvt")
    );
    assert_eq!(
        style["metadata"]["spielraum:bounds"],
        json!([9.49, 47.13, 9.53, 47.15])
    );
    insta::assert_snapshot!("style_json", a.text());
    s.stop().await;
}

#[tokio::test]
async fn openapi_json() {
    let s = start(AppState::new(crate::http::city(), None)).await;
    let a = s.get("/openapi.json").await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(
        a.json()["paths"].as_object().unwrap().len(),
        spielraum_server::ROUTES.len()
    );
    json_snapshot!("openapi_json", a.snapshot());
    s.stop().await;
}

#[tokio::test]
async fn neighbourhoods_exact_text() {
    let s = start(AppState::new(
        crate::http::city(),
        Some(crate::http::indicators()),
    ))
    .await;
    let a = s.get("/api/neighbourhoods").await;
    assert_eq!(a.status, StatusCode::OK);
    let fc = a.json();
    // By hand: both neighbourhoods, west with the indicators as given, ost without.
    let props: Vec<&Value> = fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["properties"])
        .collect();
    assert_eq!(props.len(), 2);
    let west = props.iter().find(|p| p["id"] == "west").unwrap();
    assert_eq!(west["served_share_age_0_5"], 0.75);
    assert_eq!(west["need_rank"], 2);
    let ost = props.iter().find(|p| p["id"] == "ost").unwrap();
    assert_eq!(ost["has_indicators"], false);
    insta::assert_snapshot!("api_neighbourhoods", a.text());
    s.stop().await;
}

#[tokio::test]
async fn facilities() {
    let s = start(AppState::new(
        crate::http::city(),
        Some(crate::http::indicators()),
    ))
    .await;
    let a = s.get("/api/facilities").await;
    assert_eq!(a.status, StatusCode::OK);
    let fc = a.json();
    let ids: Vec<&str> = fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["osm_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["n1", "n2"]);
    json_snapshot!("api_facilities", a.snapshot());
    s.stop().await;
}

#[tokio::test]
async fn reach_ten_minutes_from_the_west_end() {
    let s = start(AppState::new(
        crate::http::city(),
        Some(crate::http::indicators()),
    ))
    .await;
    let a = s.get("/api/reach?lon=9.500&lat=47.14&minutes=10").await;
    assert_eq!(a.status, StatusCode::OK);
    let fc = a.json();
    // By hand: 10 min at 4.5 km/h = 750 m; the playground 0.005° = 378.6 m away, the
    // kindergarten 0.019° = 1438.5 m (beyond).
    let features = fc["features"].as_array().unwrap();
    assert_eq!(features.len(), 2);
    assert_eq!(features[0]["properties"]["type"], "isochrone");
    assert_eq!(features[1]["properties"]["osm_id"], "n1");
    json_snapshot!("api_reach_10min", a.snapshot());
    s.stop().await;
}

#[tokio::test]
async fn health_and_an_unknown_path() {
    let s = start(AppState::new(crate::http::city(), None)).await;
    let a = s.get("/health").await;
    assert_eq!(a.json(), json!({ "status": "ok" }));
    json_snapshot!("health", a.snapshot());
    let a = s.get("/no/such/page").await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(
        a.json(),
        json!({ "error": "no such path: /no/such/page", "code": "not_found" })
    );
    json_snapshot!("unknown_path", a.snapshot());
    s.stop().await;
}

#[tokio::test]
async fn compare_one_added_playground() {
    let s = start(scenario_state()).await;
    let edits = json!({ "edits": [{"op": "add", "kind": "playground", "name": "Neu",
        "geometry": {"type": "Point", "coordinates": [9.5155, 47.14]}}] });
    let a = s.post("/api/compare", &edits).await;
    assert_eq!(a.status, StatusCode::OK);
    // By hand: the new playground serves U2 (38 m away), not U3 (265 m): east 20 of 50.
    let v = a.json();
    let east = v["neighbourhoods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == "east")
        .unwrap();
    assert_eq!(east["after"]["served_share_age_0_5"], json!(0.4));
    // U2's 20 under-6s are newly served, nobody loses: the same in the city's totals.
    assert_eq!(east["gained"]["age_0_5"], json!(20.0));
    assert_eq!(east["lost"]["total"], json!(0.0));
    assert_eq!(v["totals"]["gained"], east["gained"]);
    json_snapshot!("api_compare_one_playground", a.snapshot());
    assert!(v.get("cells").is_none() && v.get("gap_areas").is_none());
    // Where it changed: one 100 m cell, U2's, with its 20 under-6s; the gap areas after the
    // edit equal those of a full analysis of the city with the playground added.
    let a = s.post("/api/compare?cells=100&gaps=1", &edits).await;
    assert_eq!(a.status, StatusCode::OK);
    let v = a.json();
    let cells = v["cells"]["features"].as_array().unwrap();
    assert_eq!(cells.len(), 1, "{}", v["cells"]);
    assert_eq!(cells[0]["properties"]["gained_age_0_5"], json!(20.0));
    assert_eq!(cells[0]["properties"]["lost_total"], json!(0.0));
    let ring = cells[0]["geometry"]["coordinates"][0].as_array().unwrap();
    let (sw, ne) = (&ring[0], &ring[2]);
    let inside = |i: usize, x: f64| sw[i].as_f64().unwrap() <= x && x < ne[i].as_f64().unwrap();
    assert!(
        inside(0, 9.515) && inside(1, 47.14),
        "U2 lies in its cell: {ring:?}"
    );
    let city = crate::scenario::city();
    let standards = analysis::Standards::default_din18034();
    let graph = analysis::build_graph(&city, &standards).unwrap();
    let edit = spielraum_server::edit_json::edits_from_json(&edits, &[]).unwrap();
    let scenario = model::scenario::apply_edits(&city.facilities, &edit).unwrap();
    let full = analysis::analyze_scenario(&city, &graph, &standards, &scenario).unwrap();
    assert_eq!(
        v["gap_areas"],
        serde_json::to_value(full.gap_areas_geojson()).unwrap()
    );
    assert!(!v["gap_areas"]["features"].as_array().unwrap().is_empty());
    let a = s.post("/api/compare?cells=5", &edits).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    s.stop().await;
}

#[tokio::test]
async fn suggest_two_sites() {
    let s = start(scenario_state()).await;
    let a = s.get("/api/suggest?count=2").await;
    assert_eq!(a.status, StatusCode::OK);
    // By hand: c3 gains its 30 unserved children, c2 its 20.
    let v = a.json();
    let ids: Vec<&str> = v["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["site_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["c3", "c2"]);
    json_snapshot!("api_suggest_count_2", a.snapshot());
    s.stop().await;
}
