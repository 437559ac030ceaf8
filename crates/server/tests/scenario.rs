//! HTTP tests of the scenario and suggestion routes over a real listener (127.0.0.1:0): the edit
//! token (none, wrong, right, read-only server), bad input (status, JSON error, store unchanged),
//! a create → add → compare round trip, and suggestions.
//!
//! The city is drawn by hand: one footway along 47.14° N from 9.500° E to 9.520° E (1 m of
//! longitude there: 1° = 75 713 m), two neighbourhoods split at 9.51° E, a playground `n1` at
//! 9.500° E, and children aged 0–5 on the footway:
//!   U1 at 9.501 (west) 10 children: 0.001° = 75.7 m from n1 → served (≤ 200 m);
//!   U2 at 9.515 (east) 20 children and U3 at 9.519 (east) 30 children: over 1 km from n1.
//! So before any edit west serves 10/10 = 1.0 and east 0/50 = 0.0 of its 0–5-year-olds.

use std::path::PathBuf;
use std::sync::Arc;

use analysis::{Rows, ScenarioEngine, Standards};
use geo_types::{Coord, LineString, MultiPolygon, Point, Polygon};
use model::WalkWay;
use model::scenario::{Access, CandidateSite, Edit, PlannedFacility};
use model::{City, Facility, FacilityKind, Neighbourhood, OsmId, PopulationSource, PopulationUnit};
use reqwest::StatusCode;
use serde_json::{Value, json};
use spielraum_server::{AppState, EditToken, ROUTES, ScenarioSetup, serve};
use store::ScenarioStore;

use crate::codes::documented_code;

const TOKEN: &str = "s3cret-edit-token";

fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
    MultiPolygon(vec![Polygon::new(
        LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]),
        vec![],
    )])
}

/// Playground n1 at 9.500, children aged 0–5 at 9.501 (10, served), 9.515 (20) and 9.519 (30).
pub(crate) fn city() -> City {
    let lons = [9.500, 9.505, 9.510, 9.515, 9.519, 9.520];
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
    City {
        facilities: vec![Facility {
            osm_id: OsmId::Node(1),
            kind: FacilityKind::Playground,
            name: Some("Spielplatz West".into()),
            access: None,
            geometry: Point::new(9.500, 47.14).into(),
            area_m2: None,
            opening_hours: None,
        }],
        neighbourhoods: vec![hood("west", 9.49, 9.51), hood("east", 9.51, 9.53)],
        population: vec![unit(9.501, 10.0), unit(9.515, 20.0), unit(9.519, 30.0)],
        walk_ways: vec![WalkWay {
            id: 10,
            nodes: (1..=lons.len() as i64).collect(),
            coords: lons.iter().map(|&x| Coord { x, y: 47.14 }).collect(),
            tags: vec![("highway".into(), "footway".into())],
        }],
        ..City::default()
    }
}

fn site(id: &str, lon: f64) -> CandidateSite {
    CandidateSite {
        id: id.into(),
        source: "file".into(),
        name: None,
        geometry: Point::new(lon, 47.14).into(),
        area_m2: 0.0,
    }
}

/// Candidates: at U3 (gains its 30 children), at U2 (20), next to U1 (already served: 0).
pub(crate) fn candidates() -> Vec<CandidateSite> {
    vec![site("c1", 9.5017), site("c2", 9.515), site("c3", 9.519)]
}

struct Server {
    base: String,
    client: reqwest::Client,
    gpkg: PathBuf,
    _dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

/// Serves the test city from a fresh GeoPackage with the given token.
async fn start(token: EditToken) -> Server {
    start_with(token, false).await
}

/// [`start`], with reading public or private.
async fn start_with(token: EditToken, private: bool) -> Server {
    start_city(city(), token, private).await
}

/// [`start_with`] for any city.
async fn start_city(c: City, token: EditToken, private: bool) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("city.gpkg");
    store::write_city(&gpkg, &c).unwrap();
    let setup = ScenarioSetup {
        standards: Standards::default_din18034(),
        store: Some(Box::new(ScenarioStore::open(&gpkg).unwrap())),
        candidates: candidates(),
        edit_token: token,
        private,
    };
    let state = AppState::new(c, None).with_scenarios(setup);
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

async fn editable() -> Server {
    start(EditToken::new(TOKEN, "test").unwrap()).await
}

impl Server {
    /// Sends `method path` with an optional JSON body and bearer token; status and JSON body.
    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        token: Option<&str>,
    ) -> (StatusCode, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        if let Some(b) = body {
            req = req
                .header("Content-Type", "application/json")
                .body(b.to_string());
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        let bytes = r.bytes().await.unwrap();
        let v = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| panic!("{path}: not JSON: {}", String::from_utf8_lossy(&bytes)));
        (status, v)
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call("GET", path, None, None).await
    }

    async fn edit(&self, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let body = body.map(|b| b.to_string());
        self.call(method, path, body.as_deref(), Some(TOKEN)).await
    }

    /// What the store holds, read from the file by a second connection.
    fn stored(&self) -> Vec<(String, String, Vec<Edit>)> {
        let st = ScenarioStore::open(&self.gpkg).unwrap();
        st.list()
            .unwrap()
            .into_iter()
            .map(|i| {
                let s = st.get(&i.id.to_string()).unwrap();
                (i.name, i.updated, s.edits)
            })
            .collect()
    }

    fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
    }
}

fn playground_at(lon: f64) -> Value {
    json!({"op": "add", "kind": "playground", "name": "Neu",
           "geometry": {"type": "Point", "coordinates": [lon, 47.14]}})
}

fn hood<'a>(comparison: &'a Value, id: &str) -> &'a Value {
    comparison["neighbourhoods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == id)
        .unwrap_or_else(|| panic!("no neighbourhood {id} in {comparison}"))
}

#[tokio::test]
async fn editing_needs_the_right_token_and_reading_is_public() {
    let s = editable().await;
    let body = json!({"name": "Schulhof", "description": "offen ab 16 Uhr"}).to_string();
    for (token, status) in [
        (None, StatusCode::UNAUTHORIZED),
        (Some("s3cret-edit-tokem"), StatusCode::FORBIDDEN),
        (Some("s3cret"), StatusCode::FORBIDDEN),
    ] {
        let (st, v) = s.call("POST", "/api/scenarios", Some(&body), token).await;
        assert_eq!(st, status, "{token:?}: {v}");
        assert!(v["error"].as_str().unwrap().contains("token"), "{v}");
        let code = if token.is_none() {
            "token_missing"
        } else {
            "token_wrong"
        };
        assert_eq!(documented_code(&v), code, "{v}");
    }
    assert!(
        s.stored().is_empty(),
        "a refused request created a scenario"
    );
    let (st, v) = s
        .call("POST", "/api/scenarios", Some(&body), Some(TOKEN))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    assert_eq!(v["name"], "Schulhof");
    assert_eq!(v["edits"], json!([]));
    // Reading needs no token.
    let (st, list) = s.get("/api/scenarios").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(list["editing"], true);
    assert_eq!(list["scenarios"][0]["name"], "Schulhof");
    let id = v["id"].as_i64().unwrap();
    assert_eq!(
        s.get(&format!("/api/scenarios/{id}")).await.0,
        StatusCode::OK
    );
    assert_eq!(s.get("/api/scenarios/Schulhof").await.0, StatusCode::OK);
    // Every changing route refuses a missing token, before looking at anything else.
    for (method, path) in [
        ("PATCH", format!("/api/scenarios/{id}")),
        ("DELETE", format!("/api/scenarios/{id}")),
        ("POST", format!("/api/scenarios/{id}/edits")),
        ("DELETE", format!("/api/scenarios/{id}/edits/0")),
    ] {
        let (st, v) = s.call(method, &path, Some("{}"), None).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "{method} {path}: {v}");
        assert_eq!(documented_code(&v), "token_missing", "{v}");
    }
    assert_eq!(s.stored().len(), 1);
    s.stop();
}

#[tokio::test]
async fn private_reading_needs_the_token_everywhere() {
    let s = start_with(EditToken::new(TOKEN, "test").unwrap(), true).await;
    let unsaved = json!({"edits": []}).to_string();
    let reads: [(&str, &str, Option<&str>); 4] = [
        ("GET", "/api/scenarios", None),
        ("GET", "/api/scenarios/1", None),
        ("POST", "/api/compare", Some(&unsaved)),
        ("GET", "/api/suggest?kind=playground&count=1", None),
    ];
    for (method, path, body) in reads {
        let (st, v) = s.call(method, path, body, None).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "{method} {path}: {v}");
        assert_eq!(documented_code(&v), "token_missing", "{v}");
        let (st, v) = s.call(method, path, body, Some("wrong-token-123")).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{method} {path}");
        assert_eq!(documented_code(&v), "token_wrong", "{v}");
    }
    let (st, v) = s.call("GET", "/api/scenarios", None, Some(TOKEN)).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (st, v) = s
        .call("POST", "/api/compare", Some(&unsaved), Some(TOKEN))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    // The map itself stays public.
    assert_eq!(s.get("/health").await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_server_without_token_is_read_only() {
    let s = start(EditToken::read_only()).await;
    let (st, v) = s
        .call(
            "POST",
            "/api/scenarios",
            Some(r#"{"name": "x"}"#),
            Some(TOKEN),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert_eq!(documented_code(&v), "editing_disabled", "{v}");
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .starts_with("Editing is switched off on this server"),
        "{v}"
    );
    assert!(s.stored().is_empty());
    let (st, list) = s.get("/api/scenarios").await;
    assert_eq!((st, &list["editing"]), (StatusCode::OK, &json!(false)));
    // The instant answer while drawing changes nothing, so it needs no token.
    let edits = json!({ "edits": [playground_at(9.5155)] });
    let (st, v) = s
        .call("POST", "/api/compare", Some(&edits.to_string()), None)
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    s.stop();
}

#[tokio::test]
async fn bad_input_answers_json_errors_and_changes_nothing() {
    let s = editable().await;
    let (_, v) = s
        .edit("POST", "/api/scenarios", Some(json!({"name": "Plan"})))
        .await;
    let id = v["id"].as_i64().unwrap();
    let (st, _) = s
        .edit(
            "POST",
            &format!("/api/scenarios/{id}/edits"),
            Some(json!({"op": "remove", "osm_id": "n1"})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let before = s.stored();
    let point = |c: Value| json!({"type": "Point", "coordinates": c});
    let edits = format!("/api/scenarios/{id}/edits");
    // (method, path, body, status, code, words the message holds)
    type Case<'a> = (
        &'a str,
        String,
        Option<String>,
        StatusCode,
        &'a str,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        ("POST", edits.clone(), Some("{not json".into()), StatusCode::BAD_REQUEST, "invalid_request", "not JSON"),
        ("POST", edits.clone(), Some(json!({"op": "add", "kind": "playground", "geometry": point(json!([190.0, 47.14]))}).to_string()), StatusCode::UNPROCESSABLE_ENTITY, "invalid_edit", "invalid geometry"),
        ("POST", edits.clone(), Some(json!({"op": "add", "kind": "playground", "geometry": {"type": "Polygon", "coordinates": [[[9.5, 47.1], [9.6, 47.2], [9.6, 47.1], [9.5, 47.2], [9.5, 47.1]]]}}).to_string()), StatusCode::UNPROCESSABLE_ENTITY, "invalid_edit", "invalid geometry"),
        ("POST", edits.clone(), Some(json!({"op": "add", "kind": "castle", "geometry": point(json!([9.51, 47.14]))}).to_string()), StatusCode::UNPROCESSABLE_ENTITY, "invalid_edit", "unknown facility kind 'castle'"),
        ("POST", edits.clone(), Some(json!({"op": "add", "kind": "playground", "area_m2": -10, "geometry": point(json!([9.51, 47.14]))}).to_string()), StatusCode::UNPROCESSABLE_ENTITY, "invalid_edit", "invalid area -10"),
        ("POST", edits.clone(), Some(json!({"op": "enlarge", "osm_id": "n1", "area_m2": -1}).to_string()), StatusCode::UNPROCESSABLE_ENTITY, "invalid_edit", "invalid area"),
        // n1 exists in the city but this scenario removed it already; n999 never existed.
        ("POST", edits.clone(), Some(json!({"op": "set_access", "osm_id": "n1", "access": "public"}).to_string()), StatusCode::UNPROCESSABLE_ENTITY, "invalid_edit", "no facility n1"),
        ("POST", edits.clone(), Some(json!({"op": "remove", "osm_id": "n999"}).to_string()), StatusCode::UNPROCESSABLE_ENTITY, "invalid_edit", "no facility n999"),
        ("POST", edits.clone(), Some(json!({"op": "remove"}).to_string()), StatusCode::BAD_REQUEST, "invalid_edit", "osm_id"),
        ("POST", "/api/scenarios/77/edits".into(), Some(playground_at(9.51).to_string()), StatusCode::NOT_FOUND, "not_found", "no scenario '77'"),
        ("GET", "/api/scenarios/Nope".into(), None, StatusCode::NOT_FOUND, "not_found", "no scenario 'Nope'"),
        ("GET", "/api/scenarios/77/compare".into(), None, StatusCode::NOT_FOUND, "not_found", "no scenario"),
        ("DELETE", "/api/scenarios/77".into(), None, StatusCode::NOT_FOUND, "not_found", "no scenario"),
        ("PATCH", "/api/scenarios/77".into(), Some(json!({"name": "x"}).to_string()), StatusCode::NOT_FOUND, "not_found", "no scenario"),
        ("DELETE", format!("{edits}/5"), None, StatusCode::NOT_FOUND, "not_found", "no edit 5"),
        ("DELETE", format!("{edits}/first"), None, StatusCode::BAD_REQUEST, "invalid_request", "position"),
        ("POST", "/api/scenarios".into(), Some(json!({"name": "Plan"}).to_string()), StatusCode::CONFLICT, "scenario_exists", "exists already"),
        ("POST", "/api/scenarios".into(), Some(json!({"description": "no name"}).to_string()), StatusCode::BAD_REQUEST, "invalid_request", "name"),
        ("POST", "/api/scenarios".into(), Some(json!({"name": 5}).to_string()), StatusCode::BAD_REQUEST, "invalid_request", "must be a string"),
        ("PATCH", format!("/api/scenarios/{id}"), Some("[1]".into()), StatusCode::BAD_REQUEST, "invalid_request", "expected"),
        ("POST", "/api/compare".into(), Some(json!({"edits": [playground_at(9.51), {"op": "add", "kind": "playground", "area_m2": -3, "geometry": point(json!([9.51, 47.14]))}]}).to_string()), StatusCode::UNPROCESSABLE_ENTITY, "invalid_edit", "edit 2: invalid area"),
        ("POST", "/api/compare".into(), Some(json!({"edits": [{"op": "remove", "osm_id": "w5"}]}).to_string()), StatusCode::UNPROCESSABLE_ENTITY, "invalid_edit", "no facility w5"),
        ("POST", "/api/compare".into(), Some(json!({"nothing": 1}).to_string()), StatusCode::BAD_REQUEST, "invalid_edit", "edits"),
        ("GET", "/api/suggest?count=0".into(), None, StatusCode::BAD_REQUEST, "invalid_request", "count"),
        ("GET", "/api/suggest?count=many".into(), None, StatusCode::BAD_REQUEST, "invalid_request", "count"),
        ("GET", "/api/suggest?kind=castle".into(), None, StatusCode::BAD_REQUEST, "invalid_request", "castle"),
        ("GET", "/api/suggest?area_m2=-4".into(), None, StatusCode::BAD_REQUEST, "invalid_request", "area_m2"),
        ("POST", "/api/compare".into(), Some(json!({"edits": vec![json!({"op": "remove", "osm_id": "n1"}); 1001]}).to_string()), StatusCode::PAYLOAD_TOO_LARGE, "too_many_edits", "at most 1000 edits"),
    ];
    for (method, path, body, status, code, text) in cases {
        let (st, v) = s.call(method, &path, body.as_deref(), Some(TOKEN)).await;
        let error = v["error"].as_str().unwrap_or_default();
        assert_eq!(st, status, "{method} {path} {body:?}: {v}");
        assert_eq!(documented_code(&v), code, "{method} {path} {body:?}: {v}");
        assert!(
            error.contains(text),
            "{method} {path}: {error:?} lacks {text:?}"
        );
        assert!(!error.contains('\n'), "{error:?} is not one line");
        assert_eq!(s.stored(), before, "{method} {path} changed the store");
    }
    s.stop();
}

#[tokio::test]
async fn create_add_compare_round_trip() {
    let s = editable().await;
    let (st, v) = s
        .edit(
            "POST",
            "/api/scenarios",
            Some(json!({"name": "Neuer Spielplatz Ost"})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();

    // A playground at 9.5155: U2 is 0.0005° = 38 m away (served), U3 0.0035° = 265 m (not).
    let (st, v) = s
        .edit(
            "POST",
            &format!("/api/scenarios/{id}/edits"),
            Some(playground_at(9.5155)),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    assert_eq!(v["scenario"]["edit_count"], 1);
    assert_eq!(v["scenario"]["edits"][0]["op"], "add");
    assert_eq!(v["scenario"]["edits"][0]["position"], 0);
    let comparison = &v["comparison"];
    let east = hood(comparison, "east");
    assert_eq!(east["before"]["served_share_age_0_5"], json!(0.0));
    assert_eq!(
        east["after"]["served_share_age_0_5"],
        json!(0.4),
        "20 of 50"
    );
    assert_eq!(east["change"]["served_share_age_0_5"], json!(0.4));
    // West keeps every indicator: listed only when all neighbourhoods are asked for.
    assert_eq!(comparison["rows"], "changed");
    assert_eq!(comparison["neighbourhoods"].as_array().unwrap().len(), 1);

    // The same as the engine computes directly on the same city, graph and standard.
    let c = Arc::new(city());
    let standards = Standards::default_din18034();
    let graph = Arc::new(analysis::build_graph(&c, &standards).unwrap());
    let engine = ScenarioEngine::new(c, graph, standards).unwrap();
    let edit = Edit::Add(PlannedFacility {
        kind: FacilityKind::Playground,
        name: Some("Neu".into()),
        geometry: Point::new(9.5155, 47.14).into(),
        area_m2: None,
        access: Access::Public,
    });
    let compared = engine.compare(std::slice::from_ref(&edit)).unwrap();
    let direct = compared.to_json(Rows::Changed);
    assert_eq!(comparison, &direct);
    assert_eq!(s.stored()[0].2, vec![edit.clone()]);

    // The stored scenario compares the same; so do the same edits unsaved.
    let (st, stored) = s.get(&format!("/api/scenarios/{id}/compare")).await;
    assert_eq!((st, &stored), (StatusCode::OK, &direct));
    let (st, all) = s
        .get(&format!("/api/scenarios/{id}/compare?neighbourhoods=all"))
        .await;
    assert_eq!((st, &all), (StatusCode::OK, &compared.to_json(Rows::All)));
    let west = hood(&all, "west");
    assert_eq!(west["after"]["served_share_age_0_5"], json!(1.0));
    assert_eq!(west["change"]["served_share_age_0_5"], json!(0.0));
    assert_eq!(all["totals"], direct["totals"]);
    let (st, bad) = s
        .get(&format!("/api/scenarios/{id}/compare?neighbourhoods=some"))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{bad}");
    let unsaved = json!({ "edits": [playground_at(9.5155)] }).to_string();
    let (st, instant) = s.call("POST", "/api/compare", Some(&unsaved), None).await;
    assert_eq!((st, &instant), (StatusCode::OK, &direct));

    // GET returns the edit as it was sent; PATCH renames.
    let (_, got) = s.get(&format!("/api/scenarios/{id}")).await;
    assert_eq!(
        got["edits"][0]["geometry"]["coordinates"],
        json!([9.5155, 47.14])
    );
    let (st, v) = s
        .edit(
            "PATCH",
            &format!("/api/scenarios/{id}"),
            Some(json!({"description": "Lot behind the school"})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["name"], "Neuer Spielplatz Ost");
    assert_eq!(v["description"], "Lot behind the school");

    // Removing the edit brings back the base: no change anywhere.
    let (st, v) = s
        .edit("DELETE", &format!("/api/scenarios/{id}/edits/0"), None)
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["scenario"]["edits"], json!([]));
    assert_eq!(v["comparison"]["neighbourhoods"], json!([]));
    assert_eq!(
        v["comparison"]["totals"]["before"],
        v["comparison"]["totals"]["after"]
    );

    let (st, v) = s
        .edit("DELETE", &format!("/api/scenarios/{id}"), None)
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["deleted"]["name"], "Neuer Spielplatz Ost");
    assert_eq!(
        s.get(&format!("/api/scenarios/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert!(s.stored().is_empty());
    s.stop();
}

#[tokio::test]
async fn suggest_returns_k_sites_best_first() {
    let s = editable().await;
    let (st, v) = s.get("/api/suggest?kind=playground&count=2").await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let list = v["suggestions"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{v}");
    // By hand: c3 at U3 gains its 30 unserved children, c2 at U2 its 20; c1 gains none.
    assert_eq!(list[0]["site_id"], "c3");
    assert_eq!(list[0]["rank"], 1);
    assert_eq!(list[0]["gained"]["age_0_5"], json!(30.0));
    assert_eq!(list[0]["neighbourhood"]["id"], "east");
    assert_eq!(list[0]["geometry"]["type"], "Point");
    assert_eq!(list[1]["site_id"], "c2");
    assert_eq!(list[1]["gained"]["age_0_5"], json!(20.0));
    let (_, one) = s.get("/api/suggest?count=1").await;
    assert_eq!(one["suggestions"].as_array().unwrap().len(), 1);
    // Each suggestion keeps its promise over HTTP: its `edit`, sent as it is, gains exactly
    // `gained_alone` (c2 alone gains its 20 children even though c3 ranks first).
    for item in list {
        let body = json!({ "edits": [item["edit"]] }).to_string();
        let (st, cmp) = s.call("POST", "/api/compare", Some(&body), None).await;
        assert_eq!(st, StatusCode::OK, "{cmp}");
        assert_eq!(cmp["totals"]["gained"], item["gained_alone"], "{item}");
        assert_eq!(cmp["totals"]["lost"]["total"], json!(0.0));
    }
    assert_eq!(list[1]["gained_alone"]["total"], json!(20.0));
    // No street is named in the test city: the kind of land and the neighbourhood, by language.
    assert_eq!(list[0]["label"], "Fläche in EAST");
    assert_eq!(list[0]["edit"]["name"], "Fläche in EAST");
    let (_, en) = s.get("/api/suggest?count=1&lang=en").await;
    assert_eq!(en["suggestions"][0]["label"], "Site in EAST");
    let (st, v) = s.get("/api/suggest?lang=fr").await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(crate::codes::documented_code(&v), "invalid_request");
    s.stop();
}

#[tokio::test]
async fn every_scenario_route_is_documented_and_answers() {
    let s = editable().await;
    let (_, doc) = s.get("/openapi.json").await;
    let paths = doc["paths"].as_object().unwrap();
    assert_eq!(paths.len(), ROUTES.len());
    let (_, v) = s
        .edit("POST", "/api/scenarios", Some(json!({"name": "Doc"})))
        .await;
    let id = v["id"].as_i64().unwrap().to_string();
    for route in ROUTES
        .iter()
        .filter(|r| r.contains("scenario") || r.contains("compare") || r.contains("suggest"))
    {
        let methods = paths[*route].as_object().unwrap();
        for method in methods.keys().filter(|m| m.as_str() != "parameters") {
            let path = route.replace("{id}", &id).replace("{position}", "0");
            let body = match (route.ends_with("/edits"), method.as_str()) {
                (true, _) => Some(playground_at(9.51).to_string()),
                (_, "post") if route.ends_with("/status") => {
                    Some(r#"{"status": "proposed"}"#.into())
                }
                (_, "post") if route.ends_with("/comments") => Some(r#"{"text": "Doc"}"#.into()),
                (_, "post") if route.ends_with("/compare") => Some(r#"{"edits": []}"#.into()),
                (_, "post") => Some(r#"{"name": "Doc 2"}"#.into()),
                (_, "patch") => Some(r#"{"description": "d"}"#.into()),
                _ => None,
            };
            if method == "delete" && !route.ends_with("{position}") {
                continue; // deleting the scenario would end the walk; tested above
            }
            let (st, v) = s
                .call(&method.to_uppercase(), &path, body.as_deref(), Some(TOKEN))
                .await;
            assert!(st.is_success(), "{method} {path}: {st} {v}");
            if route.ends_with("/status") {
                // Back to a draft, so that the walk can go on editing.
                let back = Some(r#"{"status": "draft"}"#);
                let (st, v) = s.call("POST", &path, back, Some(TOKEN)).await;
                assert!(st.is_success(), "back to draft: {st} {v}");
            }
        }
    }
    s.stop();
}

/// Time: n1 opens Mo-Fr 08:00-18:00 only. On Saturday 10 July 2027 at 15:00 it is closed, so
/// west's 10 children aged 0–5 are not served; on Monday 5 July at 10:00 they are. A play street
/// on the footway w10 (Saturdays 14–18) lies along every home: inside its hours it serves all
/// 60 children (before: none, with n1 closed); on Monday morning it does not hold.
#[tokio::test]
async fn questions_at_a_time() {
    let mut c = city();
    c.facilities[0].opening_hours = Some("Mo-Fr 08:00-18:00".into());
    let server = start_city(c, EditToken::new(TOKEN, "test").unwrap(), false).await;
    let share = |fc: &Value, id: &str| {
        let f = fc["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["properties"]["id"] == id)
            .unwrap();
        f["properties"]["served_share_age_0_5"].clone()
    };
    let saturday = "at=Sa%2015:00&date=2027-07-05";
    let monday = "at=Mo%2010:00&date=2027-07-05";
    let (status, fc) = server.get(&format!("/api/neighbourhoods?{saturday}")).await;
    assert_eq!(status, StatusCode::OK, "{fc}");
    assert_eq!(share(&fc, "west"), json!(0.0));
    assert_eq!(fc["time"]["closed_facilities"], 1);
    assert_eq!(
        fc["time"]["spans"],
        json!([["2027-07-10T15:00", "2027-07-10T15:00"]])
    );
    let (_, fc) = server.get(&format!("/api/neighbourhoods?{monday}")).await;
    assert_eq!(share(&fc, "west"), json!(1.0));
    // Reach: n1 is listed on Monday morning only.
    let facilities = |fc: &Value| {
        fc["features"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["properties"]["type"] == "facility")
            .count()
    };
    let (_, r) = server
        .get(&format!("/api/reach?lon=9.501&lat=47.14&{saturday}"))
        .await;
    assert_eq!(facilities(&r), 0, "{r}");
    let (_, r) = server
        .get(&format!("/api/reach?lon=9.501&lat=47.14&{monday}"))
        .await;
    assert_eq!(facilities(&r), 1, "{r}");
    // A play street, compared at a time: before and after both at that time.
    let street = json!([{"op": "play_street", "ways": ["w10"], "hours": "Sa 14:00-18:00"}]);
    let compare = |q: String| {
        let body = street.to_string();
        let server = &server;
        async move {
            server
                .call("POST", &format!("/api/compare?{q}"), Some(&body), None)
                .await
        }
    };
    let (status, v) = compare(saturday.to_string()).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["totals"]["gained"]["total"], 60.0, "{v}");
    assert_eq!(v["time"]["at"], "Sa 15:00");
    let (_, v) = compare(monday.to_string()).await;
    assert_eq!(v["totals"]["gained"]["total"], 0.0, "{v}");
    // Bad times and streets: 400 / 422 naming the problem.
    let (status, v) = server
        .get("/api/neighbourhoods?window=Mo-Fr%2018:00-14:00")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("ends before it starts"),
        "{v}"
    );
    let (status, v) = server
        .get("/api/reach?lon=9.501&lat=47.14&at=Samstag")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("parameter at: invalid time 'Samstag'"),
        "{v}"
    );
    let missing = json!([{"op": "play_street", "ways": ["w99"], "hours": "Sa 14:00-18:00"}]);
    let (status, v) = server
        .call("POST", "/api/compare", Some(&missing.to_string()), None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("no street w99 in this city's walking network"),
        "{v}"
    );
    server.stop();
}
