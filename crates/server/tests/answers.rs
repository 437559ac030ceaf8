//! Snapshots of whole HTTP answers (status, content type, body) over a real listener
//! (127.0.0.1:0): the style, the OpenAPI document, the GeoJSON routes, a comparison and suggestions.
//!
//! They pin the answers byte for byte (style and neighbourhoods as exact text, the rest as JSON
//! with sorted keys), so a change in how the server builds them shows up as a snapshot diff.
//! The snapshots were taken from the server as it was before the style, the tile layers and the
//! reach GeoJSON moved into their own crate; each part of a body was checked by hand against the
//! city below when they were taken (see the assertions next to each snapshot).
//!
//! Two small cities drawn by hand, the same as in `http.rs` and `scenario.rs`: a footway along
//! 47.14° N from 9.500° E to 9.520° E, two neighbourhoods split at 9.51° E.

use analysis::AnalysisDocument;
use geo_types::{Coord, LineString, MultiPolygon, Point, Polygon};
use model::scenario::CandidateSite;
use model::{
    BasemapFeature, City, Facility, FacilityKind, Neighbourhood, OsmId, PopulationSource,
    PopulationUnit, WalkWay,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use spielraum_server::{AppState, EditToken, ScenarioSetup, serve};

/// The Host header of every request: the style's tile URLs are built from it.
const HOST: &str = "maps.example:9000";

fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
    MultiPolygon(vec![Polygon::new(
        LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]),
        vec![],
    )])
}

fn footway() -> WalkWay {
    let lons = [9.500, 9.505, 9.510, 9.515, 9.519, 9.520];
    WalkWay {
        id: 10,
        nodes: (1..=lons.len() as i64).collect(),
        coords: lons.iter().map(|&x| Coord { x, y: 47.14 }).collect(),
        tags: vec![("highway".into(), "footway".into())],
    }
}

/// The map city of `http.rs`: a playground at 9.505, a kindergarten at 9.519, one main road.
fn map_city() -> City {
    let facility = |id: i64, kind, lon: f64, name: &str| Facility {
        osm_id: OsmId::Node(id),
        kind,
        name: Some(name.into()),
        access: None,
        geometry: Point::new(lon, 47.14).into(),
        area_m2: None,
    };
    City {
        facilities: vec![
            facility(1, FacilityKind::Playground, 9.505, "Spielplatz West"),
            facility(2, FacilityKind::Kindergarten, 9.519, "Kita Ost"),
        ],
        neighbourhoods: vec![
            Neighbourhood {
                id: "west".into(),
                name: "Westend".into(),
                admin_level: None,
                geometry: square(9.49, 47.13, 9.51, 47.15),
                population: Some(1200.0),
            },
            Neighbourhood {
                id: "ost".into(),
                name: "Ostend".into(),
                admin_level: None,
                geometry: square(9.51, 47.13, 9.53, 47.15),
                population: Some(800.0),
            },
        ],
        walk_ways: vec![footway()],
        basemap: vec![BasemapFeature {
            layer: "roads".into(),
            class: "primary".into(),
            name: Some("Hauptstrasse".into()),
            geometry: LineString::from(vec![(9.49, 47.141), (9.53, 47.141)]).into(),
        }],
        ..City::default()
    }
}

/// Indicators of `analyze --format json` for the western neighbourhood only (as in `http.rs`).
fn indicators() -> AnalysisDocument {
    serde_json::from_value(json!({ "standard": "din18034", "neighbourhoods": [
        { "id": "west", "name": "Westend", "served_share": { "age_0_5": 0.75, "age_6_11": 0.5, "age_12_17": null },
          "population": { "total": 1200, "age_0_5": 80, "age_6_11": 90, "age_12_17": 100 },
          "gap_children": { "age_0_5": 20, "age_6_11": 45, "age_12_17": 100 },
          "play_area_m2": 0.0, "play_area_m2_per_child": 0.0, "play_area_m2_per_child_2sfca": null,
          "play_area_m2_per_child_2sfca_by_band": { "age_0_5": null, "age_6_11": null, "age_12_17": null },
          "play_area_m2_per_resident": 0.0, "need_score": 0.5, "need_rank": 2 }
    ]}))
    .unwrap()
}

/// The scenario city of `scenario.rs`: playground n1 at 9.500, children aged 0–5 at 9.501 (10,
/// served), 9.515 (20) and 9.519 (30); candidates c1 at 9.5017, c2 at 9.515, c3 at 9.519.
fn scenario_state() -> AppState {
    let unit = |lon: f64, children: f64| PopulationUnit {
        location: Point::new(lon, 47.14),
        residents: children * 5.0,
        ages: [children, 0.0, 0.0],
        source: PopulationSource::Points,
    };
    let hood = |id: &str, x0: f64, x1: f64| Neighbourhood {
        id: id.into(),
        name: id.to_uppercase(),
        admin_level: None,
        geometry: square(x0, 47.13, x1, 47.15),
        population: None,
    };
    let city = City {
        facilities: vec![Facility {
            osm_id: OsmId::Node(1),
            kind: FacilityKind::Playground,
            name: Some("Spielplatz West".into()),
            access: None,
            geometry: Point::new(9.500, 47.14).into(),
            area_m2: None,
        }],
        neighbourhoods: vec![hood("west", 9.49, 9.51), hood("east", 9.51, 9.53)],
        population: vec![unit(9.501, 10.0), unit(9.515, 20.0), unit(9.519, 30.0)],
        walk_ways: vec![footway()],
        ..City::default()
    };
    let site = |id: &str, lon: f64| CandidateSite {
        id: id.into(),
        source: "file".into(),
        name: None,
        geometry: Point::new(lon, 47.14).into(),
        area_m2: 0.0,
    };
    let setup = ScenarioSetup {
        standards: analysis::Standards::default_din18034(),
        store: None,
        candidates: vec![site("c1", 9.5017), site("c2", 9.515), site("c3", 9.519)],
        edit_token: EditToken::read_only(),
        private: false,
    };
    AppState::new(city, None).with_scenarios(setup)
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
    let s = start(AppState::new(map_city(), Some(indicators()))).await;
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
    let s = start(AppState::new(map_city(), None)).await;
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
    let s = start(AppState::new(map_city(), Some(indicators()))).await;
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
    let s = start(AppState::new(map_city(), Some(indicators()))).await;
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
    let s = start(AppState::new(map_city(), Some(indicators()))).await;
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
    let s = start(AppState::new(map_city(), None)).await;
    let a = s.get("/health").await;
    assert_eq!(a.json(), json!({ "status": "ok" }));
    json_snapshot!("health", a.snapshot());
    let a = s.get("/no/such/page").await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.json(), json!({ "error": "no such path: /no/such/page" }));
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
    json_snapshot!("api_compare_one_playground", a.snapshot());
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
