//! HTTP tests over a real listener (127.0.0.1:0) with a real client (reqwest): every path of
//! the interface, bad parameters, 404s, gzip, ETag/304, CORS, tiles decoded by `mvt-reader`.
//!
//! The city is drawn by hand: one footway along 47.14° N from 9.500° E to 9.520° E.

use std::io::Read;

use analysis::AnalysisDocument;
use geo_types::{Coord, LineString, MultiPolygon, Point, Polygon};
use map::DEFAULT_REACH_MINUTES;
use model::{BasemapFeature, City, Facility, FacilityKind, Neighbourhood, OsmId, WalkWay};
use reqwest::StatusCode;
use serde_json::{Value, json};
use spielraum_server::{AppState, ROUTES, serve};

/// Metres per degree of longitude at 47.14° N: 111 319.49 · cos(47.14°) = 75 713 m (±0.1 %).
const M_PER_DEG_LON: f64 = 75_713.0;

pub(crate) fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
    MultiPolygon(vec![Polygon::new(
        LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]),
        vec![],
    )])
}

/// A playground at 9.505, a kindergarten at 9.519, one main road, a footway along 47.14° N from
/// 9.500° E to 9.520° E, two neighbourhoods split at 9.51° E.
pub(crate) fn city() -> City {
    let lons = [9.500, 9.505, 9.510, 9.515, 9.519, 9.520];
    let facility = |id: i64, kind, lon: f64, name: &str| Facility {
        osm_id: OsmId::Node(id),
        kind,
        name: Some(name.into()),
        access: None,
        geometry: Point::new(lon, 47.14).into(),
        area_m2: None,
        opening_hours: None,
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
        walk_ways: vec![WalkWay {
            id: 10,
            nodes: (1..=lons.len() as i64).collect(),
            coords: lons.iter().map(|&x| Coord { x, y: 47.14 }).collect(),
            tags: vec![("highway".into(), "footway".into())],
        }],
        basemap: vec![BasemapFeature {
            layer: "roads".into(),
            class: "primary".into(),
            name: Some("Hauptstrasse".into()),
            geometry: LineString::from(vec![(9.49, 47.141), (9.53, 47.141)]).into(),
        }],
        ..City::default()
    }
}

/// Indicators of `analyze --format json` for the western neighbourhood only.
pub(crate) fn indicators() -> AnalysisDocument {
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

pub(crate) struct Server {
    pub(crate) base: String,
    pub(crate) client: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<(), spielraum_server::ServerError>>,
}

pub(crate) async fn start(state: AppState) -> Server {
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
    pub(crate) async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }
    pub(crate) async fn json(&self, path: &str) -> (StatusCode, Value) {
        let r = self.get(path).await;
        let s = r.status();
        (
            s,
            serde_json::from_slice(&r.bytes().await.unwrap()).unwrap_or(Value::Null),
        )
    }
    pub(crate) async fn stop(mut self) {
        self.stop.take().unwrap().send(()).unwrap();
        let done = tokio::time::timeout(std::time::Duration::from_secs(10), self.task).await;
        assert!(
            matches!(done, Ok(Ok(Ok(())))),
            "server did not shut down cleanly"
        );
    }
}

fn web_dir() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("index.html"),
        "<!doctype html><title>map page</title>",
    )
    .unwrap();
    std::fs::write(
        d.path().join("embed.html"),
        "<!doctype html><title>embed page</title>",
    )
    .unwrap();
    std::fs::write(
        d.path().join("admin.html"),
        "<!doctype html><title>admin page</title>",
    )
    .unwrap();
    std::fs::write(
        d.path().join("table.html"),
        "<!doctype html><title>table page</title>",
    )
    .unwrap();
    std::fs::create_dir(d.path().join("assets")).unwrap();
    std::fs::write(d.path().join("assets/app.js"), "console.log(1)").unwrap();
    d
}

#[tokio::test]
async fn health_neighbourhoods_and_facilities() {
    let s = start(AppState::new(city(), Some(indicators()))).await;
    assert_eq!(
        s.json("/health").await,
        (StatusCode::OK, json!({ "status": "ok" }))
    );

    let (st, fc) = s.json("/api/neighbourhoods").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(fc["type"], "FeatureCollection");
    let west = fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["id"] == "west")
        .unwrap();
    assert_eq!(west["properties"]["name"], "Westend");
    // The nested objects of `analyze --format json` as they came in …
    assert_eq!(west["properties"]["population"]["total"], 1200);
    assert_eq!(west["properties"]["served_share"]["age_0_5"], 0.75);
    // … and the flat names of tiles and the GeoJSON export (interfaces.md).
    assert_eq!(west["properties"]["population_total"], 1200);
    assert_eq!(west["properties"]["age_0_5"], 80);
    assert_eq!(west["properties"]["served_share_age_0_5"], 0.75);
    assert_eq!(west["properties"]["served_share_age_12_17"], Value::Null);
    assert_eq!(west["properties"]["need_rank"], 2);
    assert_eq!(west["geometry"]["type"], "MultiPolygon");
    let ost = fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["id"] == "ost")
        .unwrap();
    assert_eq!(ost["properties"]["has_indicators"], false);
    // Without indicators, the residents come from the GeoPackage.
    assert_eq!(ost["properties"]["population_total"], 800.0);
    assert!(ost["properties"].get("served_share").is_none());

    // bbox covering only the western facility (9.505).
    let (st, fc) = s.json("/api/facilities?bbox=9.50,47.13,9.51,47.15").await;
    assert_eq!(st, StatusCode::OK);
    let ids: Vec<&str> = fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["osm_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["n1"]);
    let (_, fc) = s.json("/api/facilities?kind=kindergarten").await;
    let f = &fc["features"][0];
    assert_eq!(fc["features"].as_array().unwrap().len(), 1);
    assert_eq!(f["properties"]["name"], "Kita Ost");
    assert_eq!(
        f["geometry"],
        json!({ "type": "Point", "coordinates": [9.519, 47.14] })
    );
    assert_eq!(
        s.json("/api/facilities").await.1["features"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    for bad in [
        "/api/facilities?bbox=1,2,3",
        "/api/facilities?bbox=a,b,c,d",
        "/api/facilities?bbox=10,47,9,48",
        "/api/facilities?bbox=-200,0,0,1",
        "/api/facilities?kind=pool",
    ] {
        let (st, body) = s.json(bad).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{bad}");
        assert!(
            body["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{bad}: {body}"
        );
    }
    s.stop().await;
}

#[tokio::test]
async fn reach_finds_what_is_within_walking_distance() {
    let s = start(AppState::new(city(), None)).await;
    // 10 min at 4.5 km/h = 750 m. From (9.500, 47.14): playground at 0.005° = 378.6 m,
    // kindergarten at 0.019° = 1438.5 m (beyond).
    let (st, fc) = s.json("/api/reach?lon=9.500&lat=47.14&minutes=10").await;
    assert_eq!(st, StatusCode::OK, "{fc}");
    let feats = fc["features"].as_array().unwrap();
    assert_eq!(feats[0]["properties"]["type"], "isochrone");
    assert!((feats[0]["properties"]["metres"].as_f64().unwrap() - 750.0).abs() < 1e-6);
    let reached: Vec<&Value> = feats
        .iter()
        .filter(|f| f["properties"]["type"] == "facility")
        .collect();
    assert_eq!(reached.len(), 1, "{fc}");
    assert_eq!(reached[0]["properties"]["osm_id"], "n1");
    let d = reached[0]["properties"]["distance_m"].as_f64().unwrap();
    let expected = 0.005 * M_PER_DEG_LON;
    assert!(
        (d - expected).abs() < 3.0,
        "distance {d} vs hand-worked {expected}"
    );
    // Without minutes: 15 min at 4.5 km/h = 1125 m, playground only.
    let (st, fc) = s.json("/api/reach?lon=9.500&lat=47.14").await;
    assert_eq!(st, StatusCode::OK, "{fc}");
    assert_eq!(DEFAULT_REACH_MINUTES, 15.0);
    assert_eq!(fc["features"][0]["properties"]["minutes"], 15.0);
    assert!((fc["features"][0]["properties"]["metres"].as_f64().unwrap() - 1125.0).abs() < 1e-6);
    assert_eq!(fc["features"].as_array().unwrap().len(), 2, "{fc}");
    // 25 min = 1875 m reaches both; kind= keeps only that kind.
    let (_, fc) = s
        .json("/api/reach?lon=9.500&lat=47.14&minutes=25&kind=kindergarten")
        .await;
    assert_eq!(fc["features"].as_array().unwrap().len(), 2, "{fc}");
    assert_eq!(fc["features"][1]["properties"]["osm_id"], "n2");
    let (_, fc) = s.json("/api/reach?lon=9.500&lat=47.14&minutes=25").await;
    assert_eq!(fc["features"].as_array().unwrap().len(), 3);

    for bad in [
        "/api/reach?lat=47.14&minutes=10",
        "/api/reach?lon=abc&lat=47.14",
        "/api/reach?lon=9.5&lat=47.14&minutes=0",
        "/api/reach?lon=9.5&lat=47.14&minutes=500",
        "/api/reach?lon=9.5&lat=95&minutes=5",
        "/api/reach?lon=9.5&lat=47.14&minutes=NaN",
    ] {
        let (st, body) = s.json(bad).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{bad}");
        assert!(body["error"].is_string(), "{bad}: {body}");
    }
    s.stop().await;
}

#[tokio::test]
async fn tiles_gzip_etag_cors_and_ranges() {
    let s = start(AppState::new(city(), Some(indicators()))).await;
    // Which tile holds the data:
    // (9.5+180)/360·16384 = 8624.36 and (9.53+180)/360·16384 = 8625.73, so columns 8624 and 8625;
    // y for 47.14° is 5753.3 (see the tiles crate tests), row 5753.
    let path = "/tiles/14/8624/5753.mvt";
    let r = s
        .client
        .get(format!("{}{path}", s.base))
        .header("Origin", "https://city.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.mapbox-vector-tile"
    );
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    assert!(r.headers().get("content-encoding").is_none());
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    let raw = r.bytes().await.unwrap().to_vec();
    let reader = mvt_reader::Reader::new(raw.clone()).unwrap();
    let names = reader.get_layer_names().unwrap();
    for l in ["facilities", "neighbourhoods", "roads"] {
        assert!(
            names.iter().any(|n| n == l),
            "layer {l} missing from {names:?}"
        );
    }
    let ni = names.iter().position(|n| n == "neighbourhoods").unwrap();
    let west = reader
        .get_features(ni)
        .unwrap()
        .into_iter()
        .find(|f| {
            f.properties.as_ref().unwrap().get("id")
                == Some(&mvt_reader::feature::Value::String("west".into()))
        })
        .unwrap();
    // Flat names as in /api/neighbourhoods and the GeoJSON export; nulls are left out.
    let props = west.properties.unwrap();
    assert_eq!(
        props.get("served_share_age_0_5"),
        Some(&mvt_reader::feature::Value::Double(0.75))
    );
    assert_eq!(
        props.get("age_0_5"),
        Some(&mvt_reader::feature::Value::Double(80.0))
    );
    assert_eq!(
        props.get("population_total"),
        Some(&mvt_reader::feature::Value::Double(1200.0))
    );
    assert_eq!(props.get("served_share_age_12_17"), None);

    let r = s
        .client
        .get(format!("{}{path}", s.base))
        .header("Accept-Encoding", "gzip, deflate")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    // The gzip body is another representation: its own strong ETag.
    let gz_etag = r.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(gz_etag, format!("{}-gz\"", etag.trim_end_matches('"')));
    let gz = r.bytes().await.unwrap();
    let mut un = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut un)
        .unwrap();
    assert_eq!(un, raw);

    let r = s
        .client
        .get(format!("{}{path}", s.base))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    assert!(r.bytes().await.unwrap().is_empty());
    // If-None-Match matches only the variant that would be served.
    let conditional = |tag: &str, gzip: bool| {
        let mut rq = s
            .client
            .get(format!("{}{path}", s.base))
            .header("If-None-Match", tag);
        if gzip {
            rq = rq.header("Accept-Encoding", "gzip");
        }
        rq.send()
    };
    let r = conditional(&gz_etag, true).await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(r.headers()["etag"].to_str().unwrap(), gz_etag);
    let r = conditional(&etag, true).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let r = conditional(&gz_etag, false).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get("content-encoding").is_none());
    let r = s
        .client
        .get(format!("{}{path}", s.base))
        .header("If-None-Match", "\"other\"")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // An empty tile far away is fine (200, empty body).
    let r = s.get("/tiles/3/0/0.mvt").await;
    assert_eq!(r.status(), StatusCode::OK);

    for (bad, code) in [
        ("/tiles/23/0/0.mvt", StatusCode::BAD_REQUEST),
        ("/tiles/a/0/0.mvt", StatusCode::BAD_REQUEST),
        ("/tiles/1/0/-1.mvt", StatusCode::BAD_REQUEST),
        ("/tiles/2/4/0.mvt", StatusCode::NOT_FOUND),
        ("/tiles/2/0/9.mvt", StatusCode::NOT_FOUND),
        ("/tiles/2/0/0.png", StatusCode::NOT_FOUND),
    ] {
        let (st, body) = s.json(bad).await;
        assert_eq!(st, code, "{bad}");
        assert!(body["error"].is_string(), "{bad}: {body}");
    }
    s.stop().await;
}

#[tokio::test]
async fn style_pages_openapi_and_unknown_paths() {
    let web = web_dir();
    let s = start(AppState::new(city(), None).with_web_dir(web.path().to_path_buf())).await;

    let r = s
        .client
        .get(format!("{}/style.json", s.base))
        .header("Host", "maps.example:9000")
        .send()
        .await
        .unwrap();
    let style: Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(style["version"], 8);
    assert_eq!(
        style["sources"]["spielraum"]["tiles"][0],
        "http://maps.example:9000/tiles/{z}/{x}/{y}.mvt"
    );
    let ids: Vec<&str> = style["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    for id in [
        "landuse",
        "water",
        "buildings",
        "roads-major",
        "neighbourhoods-fill",
        "facilities-point",
        "gaps",
    ] {
        assert!(ids.contains(&id), "{id} missing");
    }
    // Opens on the neighbourhoods: 9.49..9.53 x 47.13..47.15.
    assert_eq!(
        style["metadata"]["spielraum:bounds"],
        json!([9.49, 47.13, 9.53, 47.15])
    );

    let r = s.get("/").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("map page"));
    let r = s
        .get("/embed?layer=facilities&kind=playground&lang=en")
        .await;
    assert!(r.text().await.unwrap().contains("embed page"));
    let r = s.get("/assets/app.js").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    for bad in [
        "/assets/../index.html",
        "/assets/%2e%2e/index.html",
        "/assets/nope.js",
        "/nope",
        "/api/nope",
    ] {
        let (st, body) = s.json(bad).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{bad}");
        assert!(body["error"].is_string(), "{bad}: {body}");
    }

    // Every route is in the OpenAPI document, and every documented route answers.
    let (st, doc) = s.json("/openapi.json").await;
    assert_eq!(st, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    assert_eq!(paths.len(), ROUTES.len());
    for route in ROUTES {
        assert!(paths.contains_key(route), "{route} not documented");
        // The scenario routes need a scenario set-up: tests/scenario.rs walks them; the
        // downloads an analysis (and reports a maker): tests/download.rs.
        if [
            "/api/scenarios",
            "/api/compare",
            "/api/suggest",
            "/api/neighbourhoods.",
            "/api/report",
            // The workspace's routes need accounts (tests/workspace.rs).
            "/api/login",
            "/api/logout",
            "/api/users",
            "/api/audit",
            "/api/tokens",
        ]
        .iter()
        .any(|p| route.starts_with(p))
        {
            continue;
        }
        let concrete = route
            .replace("{z}/{x}/{y}", "0/0/0")
            .replace("{fontstack}/{range}", "Liberation%20Sans%20Regular/0-255");
        let concrete = if concrete == "/api/reach" {
            "/api/reach?lon=9.5&lat=47.14".to_string()
        } else {
            concrete
        };
        let st = s.get(&concrete).await.status();
        assert_eq!(st, StatusCode::OK, "{concrete}");
    }
    s.stop().await;
}

#[tokio::test]
async fn without_a_built_web_app_the_page_says_how_to_build_it() {
    // The web dir points nowhere.
    let s =
        start(AppState::new(City::default(), None).with_web_dir("/nonexistent/web/dist".into()))
            .await;
    let r = s.get("/").await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.text().await.unwrap().contains("npm ci"));
    // An empty city still serves the API.
    assert_eq!(s.json("/api/facilities").await.1["features"], json!([]));
    let (st, body) = s.json("/api/reach?lon=9.5&lat=47.14").await;
    assert!(
        st == StatusCode::OK || st == StatusCode::SERVICE_UNAVAILABLE,
        "{st} {body}"
    );
    s.stop().await;
}

/// A raw HTTP/1.1 GET of `target` exactly as given (a client library would resolve `..`
/// before sending): the status and the body.
async fn raw_get(base: &str, target: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(host).await.unwrap();
    let request = format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    s.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string());
    (status, body.unwrap_or_default())
}

/// SHA-256 of "abc" (FIPS 180-2, appendix B.1) and of the empty string, as entity tags.
const ETAG_ABC: &str = "\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"";
const ETAG_EMPTY: &str = "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"";

/// A built app in `dist/` of a temporary folder that also holds `secret.txt` outside it.
fn web_app_beside_a_secret() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dist = tmp.path().join("dist");
    std::fs::create_dir_all(dist.join("assets/img")).unwrap();
    std::fs::write(dist.join("index.html"), "<!doctype html><title>map</title>").unwrap();
    std::fs::write(dist.join("embed.html"), "").unwrap();
    std::fs::write(dist.join("assets/main-Ab12Cd34.js"), "abc").unwrap();
    std::fs::write(dist.join("assets/common-Xy12Zz34.css"), "").unwrap();
    std::fs::write(dist.join("assets/logo.svg"), "<svg/>").unwrap();
    std::fs::write(dist.join("assets/img/icon-Q1w2E3r4.png"), "png").unwrap();
    std::fs::write(tmp.path().join("secret.txt"), "top secret").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(tmp.path().join("secret.txt"), dist.join("assets/out.txt")).unwrap();
    (tmp, dist)
}

#[tokio::test]
async fn web_app_content_types_etags_and_cache_headers() {
    let (_tmp, dist) = web_app_beside_a_secret();
    let s = start(AppState::new(City::default(), None).with_web_dir(dist)).await;
    let header = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    };
    let immutable = "public, max-age=31536000, immutable";
    for (path, content_type, cache, etag) in [
        (
            "/assets/main-Ab12Cd34.js",
            "text/javascript; charset=utf-8",
            immutable,
            Some(ETAG_ABC),
        ),
        (
            "/assets/common-Xy12Zz34.css",
            "text/css; charset=utf-8",
            immutable,
            Some(ETAG_EMPTY),
        ),
        (
            "/assets/img/icon-Q1w2E3r4.png",
            "image/png",
            immutable,
            None,
        ),
        ("/assets/logo.svg", "image/svg+xml", "no-cache", None),
        ("/", "text/html; charset=utf-8", "no-cache", None),
        (
            "/embed",
            "text/html; charset=utf-8",
            "no-cache",
            Some(ETAG_EMPTY),
        ),
    ] {
        let r = s.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(
            header(&r, "content-type").as_deref(),
            Some(content_type),
            "{path}"
        );
        assert_eq!(
            header(&r, "cache-control").as_deref(),
            Some(cache),
            "{path}"
        );
        let tag = header(&r, "etag").unwrap();
        if let Some(want) = etag {
            assert_eq!(tag, want, "{path}");
        }
        // A strong tag: quoted, 64 hex digits, no W/.
        assert!(
            tag.len() == 66
                && tag.starts_with('"')
                && tag.ends_with('"')
                && tag[1..65].bytes().all(|b| b.is_ascii_hexdigit()),
            "{path}: {tag}"
        );

        // The client has it: 304 with the tag and the caching rule, no body.
        for if_none_match in [
            tag.clone(),
            format!("W/{tag}"),
            format!("\"other\", {tag}"),
            "*".to_string(),
        ] {
            let r = s
                .client
                .get(format!("{}{path}", s.base))
                .header("If-None-Match", &if_none_match)
                .send()
                .await
                .unwrap();
            assert_eq!(
                r.status(),
                StatusCode::NOT_MODIFIED,
                "{path} {if_none_match}"
            );
            assert_eq!(header(&r, "etag").as_deref(), Some(tag.as_str()));
            assert_eq!(header(&r, "cache-control").as_deref(), Some(cache));
            assert!(r.bytes().await.unwrap().is_empty());
        }
        // Another version: the whole file again.
        let r = s
            .client
            .get(format!("{}{path}", s.base))
            .header("If-None-Match", ETAG_ABC.replace('b', "c"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
    }
    assert_eq!(
        s.get("/assets/main-Ab12Cd34.js")
            .await
            .text()
            .await
            .unwrap(),
        "abc"
    );
    s.stop().await;
}

#[tokio::test]
async fn web_app_refuses_paths_out_of_its_folder() {
    let (_tmp, dist) = web_app_beside_a_secret();
    let s = start(AppState::new(City::default(), None).with_web_dir(dist.clone())).await;
    let abs = dist.join("../secret.txt");
    let abs = abs.to_str().unwrap();
    for target in [
        "/assets/../secret.txt".to_string(),
        "/assets/../../secret.txt".to_string(),
        "/assets/img/../../../secret.txt".to_string(),
        "/assets/%2e%2e/%2e%2e/secret.txt".to_string(),
        "/assets/..%2f..%2fsecret.txt".to_string(),
        "/assets/%2e%2e%2f%2e%2e%2fsecret.txt".to_string(),
        "/assets/img%5c..%5c..%5c..%5csecret.txt".to_string(),
        format!("/assets/{abs}"),
        format!("/assets/{}", abs.replace('/', "%2f")),
        "/assets/out.txt".to_string(), // a link out of the folder
        "/assets/".to_string(),
        "/assets/img".to_string(),
        "/assets//logo.svg".to_string(),
        "/assets/./logo.svg".to_string(),
    ] {
        let (status, body) = raw_get(&s.base, &target).await;
        assert_eq!(status, 404, "{target}: {body}");
        assert!(!body.contains("top secret"), "{target}");
        let json: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        assert!(json["error"].is_string(), "{target}: {body}");
    }
    // The same request for a file inside the folder is answered.
    let (status, body) = raw_get(&s.base, "/assets/logo.svg").await;
    assert_eq!((status, body.as_str()), (200, "<svg/>"));
    s.stop().await;
}

/// A file with precompressed copies (`X.br`, `X.gz`) is sent as the client accepts it: brotli
/// first, then gzip, else as it is; every answer says `Vary: Accept-Encoding`, keeps the
/// file's own type and caching, and carries its own entity tag.
#[tokio::test]
async fn web_app_sends_precompressed_copies_as_accepted() {
    use std::io::{Read, Write};
    let tmp = tempfile::tempdir().unwrap();
    let dist = tmp.path().join("dist");
    std::fs::create_dir_all(dist.join("assets")).unwrap();
    let js = "export const x = 1;\n".repeat(200);
    std::fs::write(dist.join("index.html"), "<!doctype html>").unwrap();
    std::fs::write(dist.join("assets/main-Ab12Cd34.js"), &js).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(js.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    std::fs::write(dist.join("assets/main-Ab12Cd34.js.gz"), &gz).unwrap();
    // The server does not decode copies: any bytes stand for the brotli one here.
    std::fs::write(dist.join("assets/main-Ab12Cd34.js.br"), b"brotli copy").unwrap();
    let s = start(AppState::new(City::default(), None).with_web_dir(dist)).await;
    let path = "/assets/main-Ab12Cd34.js";
    let get = |accept: Option<&'static str>, if_none_match: Option<String>| {
        let mut r = s.client.get(format!("{}{path}", s.base));
        if let Some(a) = accept {
            r = r.header("accept-encoding", a);
        }
        if let Some(tag) = if_none_match {
            r = r.header("if-none-match", tag);
        }
        r.send()
    };
    let mut tags = std::collections::HashSet::new();
    for (accept, coding, body) in [
        (
            Some("gzip, deflate, br"),
            Some("br"),
            b"brotli copy".to_vec(),
        ),
        (Some("br;q=0, gzip"), Some("gzip"), gz.clone()),
        (Some("gzip;q=0.5"), Some("gzip"), gz.clone()),
        (Some("identity"), None, js.as_bytes().to_vec()),
        (None, None, js.as_bytes().to_vec()),
    ] {
        let r = get(accept, None).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{accept:?}");
        let h = r.headers().clone();
        assert_eq!(
            h.get("content-encoding").map(|v| v.to_str().unwrap()),
            coding,
            "{accept:?}"
        );
        assert_eq!(h["content-type"], "text/javascript; charset=utf-8");
        assert_eq!(h["cache-control"], "public, max-age=31536000, immutable");
        assert!(
            h.get_all("vary")
                .iter()
                .any(|v| v.to_str().unwrap().contains("accept-encoding")),
            "{accept:?}: {h:?}"
        );
        let tag = h["etag"].to_str().unwrap().to_string();
        tags.insert(tag.clone());
        assert_eq!(r.bytes().await.unwrap().to_vec(), body, "{accept:?}");
        // The same client asking again gets 304 for that copy.
        let again = get(accept, Some(tag)).await.unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{accept:?}");
    }
    assert_eq!(tags.len(), 3, "one entity tag per copy: {tags:?}");
    // The gzip copy is the file.
    let mut plain = String::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_string(&mut plain)
        .unwrap();
    assert_eq!(plain, js);
    s.stop().await;
}

/// Without `SPIELRAUM_WEB_DIR`, the server answers with the app this build carries: the files
/// of `web/dist` as they are on disk, or the 503 page when `web/dist` is not built.
#[tokio::test]
async fn web_app_embedded_in_the_build_is_web_dist() {
    let dist = std::env::var_os("SPIELRAUM_WEB_DIR")
        .filter(|d| !d.is_empty())
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/dist"));
    let s = start(AppState::new(City::default(), None)).await;
    let Ok(index) = std::fs::read_to_string(dist.join("index.html")) else {
        let r = s.get("/").await;
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(r.text().await.unwrap().contains("npm ci"));
        s.stop().await;
        return;
    };
    for (path, file) in [
        ("/", "index.html"),
        ("/embed", "embed.html"),
        ("/table", "table.html"),
    ] {
        let r = s.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let want = std::fs::read(dist.join(file)).unwrap();
        assert_eq!(r.bytes().await.unwrap(), want, "{path}");
    }
    // Every asset the planner page loads, byte for byte, cached for good.
    // Vite writes them relative to the page (`./assets/…`), which is at the root.
    let assets: Vec<&str> = index
        .split('"')
        .filter_map(|p| p.strip_prefix("./").or(Some(p)))
        .filter(|p| p.starts_with("assets/"))
        .collect();
    assert!(!assets.is_empty(), "index.html loads no assets");
    for file in assets {
        let path = format!("/{file}");
        let path = path.as_str();
        let r = s.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let ext = path.rsplit('.').next().unwrap();
        let want_type = match ext {
            "js" => "text/javascript; charset=utf-8",
            "css" => "text/css; charset=utf-8",
            other => panic!("unexpected asset type {other}"),
        };
        assert_eq!(r.headers()["content-type"], want_type, "{path}");
        assert_eq!(
            r.headers()["cache-control"],
            "public, max-age=31536000, immutable",
            "{path}"
        );
        let want = std::fs::read(dist.join(file)).unwrap();
        assert_eq!(r.bytes().await.unwrap(), want, "{path}");
        // The build's gzip copy (web/compress.mjs), asked for, decodes to the same bytes.
        if dist.join(format!("{file}.gz")).exists() {
            let r = s
                .client
                .get(format!("{}{path}", s.base))
                .header("accept-encoding", "gzip")
                .send()
                .await
                .unwrap();
            assert_eq!(r.headers()["content-encoding"], "gzip", "{path}");
            let body = r.bytes().await.unwrap();
            let mut plain = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body[..]), &mut plain)
                .unwrap();
            assert_eq!(plain, want, "{path}");
        }
    }
    s.stop().await;
}
