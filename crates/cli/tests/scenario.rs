//! End-to-end tests of `spielraum scenario` and the candidate sites of `spielraum import`: the
//! sites against an independent osmium count, the scenario commands on a copy of the demo city,
//! and `compare` against a full `analyze` of the city edited with GDAL.
//!
//! Needs: `cargo build -p spielraum` first, and `apt-get install -y gdal-bin osmium-tool`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::helpers::{demo_gpkg, demo_pbf, spielraum, tool, tool_stdout};
use serde_json::Value as Json;

/// A copy of the demo city in `dir`.
fn copy_of_demo(dir: &Path) -> PathBuf {
    let path = dir.join("city.gpkg");
    std::fs::copy(demo_gpkg(), &path).unwrap();
    path
}

fn run(args: &[&str]) -> Output {
    spielraum(args)
}

/// Runs `spielraum args…`, asserts success, returns stdout.
fn ok(args: &[&str]) -> String {
    let o = run(args);
    assert!(
        o.status.success(),
        "spielraum {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Runs `spielraum args…`, asserts exit status 1 with one line on stderr, returns that line.
fn user_error(args: &[&str]) -> String {
    let o = run(args);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "spielraum {args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    stderr
}

fn json(args: &[&str]) -> Json {
    serde_json::from_str(&ok(args)).unwrap()
}

/// The candidate source of an area by the rules of docs/methods.md, decided here from osmium's
/// tags (the first rule that matches).
fn expected_source(tags: &serde_json::Map<String, Json>) -> Option<String> {
    let get = |k: &str| tags.get(k).and_then(Json::as_str);
    if let Some(l) = get("landuse").filter(|l| ["grass", "brownfield", "greenfield"].contains(l)) {
        return Some(format!("landuse={l}"));
    }
    if get("amenity") == Some("parking") && matches!(get("parking"), None | Some("surface")) {
        return Some("amenity=parking".into());
    }
    if get("amenity") == Some("school") {
        return Some("amenity=school".into());
    }
    let owner =
        get("ownership").filter(|o| ["municipal", "public", "national", "state"].contains(o))?;
    (get("landuse").is_some() || get("leisure").is_some()).then(|| format!("ownership={owner}"))
}

/// Area of a GeoJSON (Multi)Polygon on a sphere (R = 6 371 008.8 m) in a local equirectangular
/// projection per ring: a second, simpler formula than the importer's equal-area projection.
fn sphere_area_m2(geometry: &Json) -> f64 {
    let ring_area = |ring: &[Json]| -> f64 {
        let pts: Vec<(f64, f64)> = ring
            .iter()
            .map(|c| (c[0].as_f64().unwrap(), c[1].as_f64().unwrap()))
            .collect();
        let lat0 = pts.iter().map(|p| p.1).sum::<f64>() / pts.len() as f64;
        let k = 6_371_008.8 * std::f64::consts::PI / 180.0;
        let xy: Vec<(f64, f64)> = pts
            .iter()
            .map(|(x, y)| (x * k * lat0.to_radians().cos(), y * k))
            .collect();
        let twice: f64 = xy
            .windows(2)
            .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
            .sum();
        (twice / 2.0).abs()
    };
    let polygon_area = |rings: &[Json]| -> f64 {
        let mut it = rings.iter().map(|r| ring_area(r.as_array().unwrap()));
        let outer = it.next().unwrap_or(0.0);
        outer - it.sum::<f64>()
    };
    let coords = geometry["coordinates"].as_array().unwrap();
    match geometry["type"].as_str() {
        Some("Polygon") => polygon_area(coords),
        Some("MultiPolygon") => coords
            .iter()
            .map(|p| polygon_area(p.as_array().unwrap()))
            .sum(),
        other => panic!("not a polygon: {other:?}"),
    }
}

#[test]
fn candidate_sites_match_an_independent_osmium_count() {
    let dir = tempfile::tempdir().unwrap();
    let filtered = dir.path().join("candidates.osm.pbf");
    let pbf = demo_pbf();
    tool_stdout(
        "osmium",
        &[
            "tags-filter",
            "-O",
            pbf.to_str().unwrap(),
            "a/landuse",
            "a/leisure",
            "a/amenity=parking,school",
            "a/ownership",
            "-o",
            filtered.to_str().unwrap(),
        ],
    );
    // libosmium assembles the areas (closed ways and multipolygon relations) on its own.
    let seq = tool_stdout(
        "osmium",
        &[
            "export",
            "-f",
            "geojsonseq",
            "-a",
            "type,id",
            "--geometry-types=polygon",
            filtered.to_str().unwrap(),
        ],
    );
    let mut expected: BTreeMap<String, (String, f64)> = BTreeMap::new();
    for line in seq.lines() {
        let line = line.trim_start_matches('\u{1e}').trim();
        if line.is_empty() {
            continue;
        }
        let f: Json = serde_json::from_str(line).unwrap();
        let props = f["properties"].as_object().unwrap();
        let Some(source) = expected_source(props) else {
            continue;
        };
        let prefix = match props["@type"].as_str() {
            Some("way") => "w",
            Some("relation") => "r",
            other => panic!("area from {other:?}"),
        };
        let id = format!("{prefix}{}", props["@id"]);
        expected.insert(id, (source, sphere_area_m2(&f["geometry"])));
    }
    assert!(
        expected.len() > 50,
        "the demo has parking lots, schools and grass"
    );

    let conn = rusqlite::Connection::open(demo_gpkg()).unwrap();
    let got: BTreeMap<String, (String, f64)> = conn
        .prepare("SELECT id, source, area_m2 FROM candidate_sites")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let count = |m: &BTreeMap<String, (String, f64)>| {
        let mut c: BTreeMap<String, usize> = BTreeMap::new();
        for (s, _) in m.values() {
            *c.entry(s.clone()).or_default() += 1;
        }
        c
    };
    assert_eq!(count(&got), count(&expected));
    let ids = |m: &BTreeMap<String, (String, f64)>| m.keys().cloned().collect::<BTreeSet<_>>();
    assert_eq!(ids(&got), ids(&expected));
    for (id, (source, area)) in &got {
        let (want_source, want_area) = &expected[id];
        assert_eq!(source, want_source, "{id}");
        assert!(*area > 0.0, "{id}: area {area}");
        assert!(
            (area - want_area).abs() <= 0.01 * want_area + 1.0,
            "{id}: {area} m² vs {want_area} m² (sphere)"
        );
    }
    // The summary prints the same counts.
    let summary = String::from_utf8_lossy(
        &crate::helpers::import(&demo_pbf(), &dir.path().join("again.gpkg"), &[]).stdout,
    )
    .into_owned();
    let line = summary
        .lines()
        .find(|l| l.trim_start().starts_with("candidate_sites"))
        .unwrap_or_else(|| panic!("no candidate_sites in {summary}"));
    assert!(line.contains(&got.len().to_string()), "{line}");
    for (source, n) in count(&expected) {
        assert!(line.contains(&format!("{source} {n}")), "{line}");
    }
}

/// The OSM id of the first facility of `kind` (ways first), read with SQL.
fn facility_of(gpkg: &Path, kind: &str) -> String {
    let conn = rusqlite::Connection::open(gpkg).unwrap();
    conn.query_row(
        "SELECT osm_id FROM facilities WHERE kind = ?1 ORDER BY osm_id LIKE 'w%' DESC, fid LIMIT 1",
        [kind],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn scenario_commands_store_change_and_refuse() {
    let dir = tempfile::tempdir().unwrap();
    let city = copy_of_demo(dir.path());
    let c = city.to_str().unwrap();
    let school = facility_of(&city, "school");
    let playground = facility_of(&city, "playground");

    assert!(
        ok(&[
            "scenario",
            "new",
            c,
            "Schulhof offen",
            "--description",
            "nach 16 Uhr"
        ])
        .contains("created scenario 1 'Schulhof offen'")
    );
    assert!(user_error(&["scenario", "new", c, "Schulhof offen"]).contains("exists already"));
    assert!(user_error(&["scenario", "new", c, " "]).contains("it is empty"));
    ok(&[
        "scenario",
        "open",
        c,
        "Schulhof offen",
        "--facility",
        &school,
    ]);
    ok(&["scenario", "remove", c, "1", "--facility", &playground]);
    ok(&[
        "scenario",
        "add",
        c,
        "1",
        "--lon",
        "9.52",
        "--lat",
        "47.14",
        "--kind",
        "playground",
        "--name",
        "Neu",
        "--area-m2",
        "400",
    ]);
    let plot = dir.path().join("plot.geojson");
    std::fs::write(
        &plot,
        r#"{"type":"Feature","properties":{"name":"Brache"},"geometry":{"type":"Polygon",
            "coordinates":[[[9.5,47.1],[9.501,47.1],[9.501,47.101],[9.5,47.101],[9.5,47.1]]]}}"#,
    )
    .unwrap();
    ok(&[
        "scenario",
        "add",
        c,
        "1",
        "--geojson",
        plot.to_str().unwrap(),
        "--kind",
        "open_space",
        "--access",
        "restricted",
    ]);
    // The planned point is the third edit: n-3.
    ok(&[
        "scenario",
        "enlarge",
        c,
        "1",
        "--facility",
        "n-3",
        "--area-m2",
        "800",
    ]);

    let before = json(&["scenario", "show", c, "Schulhof offen", "--format", "json"]);
    // Refused, with one line and exit 1, changing nothing.
    for (args, says) in [
        (
            vec!["remove", c, "1", "--facility", playground.as_str()],
            "no facility",
        ),
        (vec!["remove", c, "1", "--facility", "w1"], "no facility w1"),
        (
            vec!["enlarge", c, "1", "--facility", "n-4", "--area-m2", "5"],
            "no facility n-4",
        ),
        (
            vec!["enlarge", c, "1", "--facility", "n-3", "--area-m2", "-5"],
            "invalid area -5",
        ),
        (vec!["open", c, "1", "--facility", "x7"], "--facility"),
        (
            vec![
                "open",
                c,
                "1",
                "--facility",
                school.as_str(),
                "--access",
                "maybe",
            ],
            "unknown access",
        ),
        (
            vec![
                "add",
                c,
                "1",
                "--lon",
                "9.5",
                "--lat",
                "95",
                "--kind",
                "playground",
            ],
            "WGS84",
        ),
        (
            vec![
                "add", c, "1", "--lon", "9.5", "--lat", "47", "--kind", "swing",
            ],
            "--kind",
        ),
        (
            vec!["add", c, "1", "--kind", "playground"],
            "--geojson FILE or --lon X --lat Y",
        ),
        (
            vec![
                "add",
                c,
                "nope",
                "--lon",
                "9.5",
                "--lat",
                "47",
                "--kind",
                "playground",
            ],
            "no scenario 'nope'",
        ),
    ] {
        let mut full = vec!["scenario"];
        full.extend(args);
        let line = user_error(&full);
        assert!(line.contains(says), "{full:?}: {line}");
    }
    assert_eq!(
        json(&["scenario", "show", c, "1", "--format", "json"]),
        before
    );

    let edits = before["edits"].as_array().unwrap();
    let ops: Vec<&str> = edits.iter().map(|e| e["op"].as_str().unwrap()).collect();
    assert_eq!(ops, ["set_access", "remove", "add", "add", "enlarge"]);
    assert_eq!(edits[0]["osm_id"], school.as_str());
    assert_eq!(edits[0]["access"], "public");
    assert_eq!(edits[1]["osm_id"], playground.as_str());
    assert_eq!(edits[2]["name"], "Neu");
    assert_eq!(edits[2]["area_m2"], 400.0);
    assert_eq!(edits[3]["name"], "Brache");
    assert_eq!(edits[3]["access"], "restricted");
    assert_eq!(edits[3]["geometry"]["type"], "Polygon");
    assert_eq!(edits[4]["area_m2"], 800.0);
    assert_eq!(before["edit_count"], 5);
    assert_eq!(before["description"], "nach 16 Uhr");
    assert!(before["updated"].as_str() >= before["created"].as_str());

    // Undo an edit, rename, list, delete.
    ok(&["scenario", "drop-edit", c, "1", "--position", "4"]);
    ok(&["scenario", "update", c, "1", "--name", "Plan B"]);
    ok(&["scenario", "new", c, "leer"]);
    let list = json(&["scenario", "list", c, "--format", "json"]);
    let names: Vec<(&str, i64)> = list["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap(),
                s["edit_count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(names, [("Plan B", 4), ("leer", 0)]);
    assert!(ok(&["scenario", "list", c, "--format", "table"]).contains("Plan B"));
    assert!(ok(&["scenario", "delete", c, "leer"]).contains("deleted scenario 2 'leer'"));
    assert!(user_error(&["scenario", "show", c, "leer"]).contains("no scenario 'leer'"));

    // GDAL still opens the file without complaints and sees the tables as attribute tables.
    let info = tool("ogrinfo", &["-so", c, "spielraum_scenario_edits"]);
    let stderr = String::from_utf8_lossy(&info.stderr);
    assert!(
        info.status.success() && !stderr.contains("ERROR"),
        "{stderr}"
    );
    let all = tool("ogrinfo", &["-q", c]);
    let stderr = String::from_utf8_lossy(&all.stderr);
    assert!(all.status.success() && stderr.trim().is_empty(), "{stderr}");
    let sql = tool_stdout(
        "ogrinfo",
        &[
            c,
            "-sql",
            "SELECT COUNT(*) AS n FROM spielraum_scenario_edits",
            "-q",
        ],
    );
    assert!(sql.contains("n (Integer) = 4"), "{sql}");
}

/// A facility as a GeoJSON file for `ogr2ogr -append` (the columns of the `facilities` layer).
fn facility_geojson(dir: &Path, lon: f64, lat: f64, area: f64) -> PathBuf {
    let path = dir.join("new.geojson");
    let text = format!(
        r#"{{"type":"FeatureCollection","features":[{{"type":"Feature",
            "properties":{{"osm_id":"n-1","kind":"playground","name":"Neu","area_m2":{area},"access":"yes"}},
            "geometry":{{"type":"Point","coordinates":[{lon},{lat}]}}}}]}}"#
    );
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn compare_equals_a_full_analysis_of_the_city_edited_with_gdal() {
    let dir = tempfile::tempdir().unwrap();
    let city = copy_of_demo(dir.path());
    let c = city.to_str().unwrap();
    let playground = facility_of(&city, "playground");
    let (lon, lat, area) = (9.5215, 47.1405, 650.0);
    ok(&["scenario", "new", c, "plan"]);
    ok(&["scenario", "remove", c, "plan", "--facility", &playground]);
    ok(&[
        "scenario",
        "add",
        c,
        "plan",
        "--lon",
        &lon.to_string(),
        "--lat",
        &lat.to_string(),
        "--kind",
        "playground",
        "--area-m2",
        &area.to_string(),
    ]);
    let open_space = facility_of(&city, "open_space");
    ok(&[
        "scenario",
        "enlarge",
        c,
        "plan",
        "--facility",
        &open_space,
        "--area-m2",
        "12345",
    ]);
    let compared = json(&["scenario", "compare", c, "plan", "--format", "json"]);
    // The table keeps gained and lost apart: its "(all)" line shows the totals' gained and
    // lost children, not the net change.
    let table = ok(&["scenario", "compare", c, "plan", "--format", "table"]);
    let all = table.lines().find(|l| l.starts_with("(all)")).unwrap();
    let total = |k: &str| compared["totals"][k]["total"].as_f64().unwrap();
    assert!(
        all.contains(&format!("+{:.0}", total("gained")))
            && all.contains(&format!("−{:.0}", total("lost"))),
        "{all} vs {}",
        compared["totals"]
    );

    // The same edits made to the data itself by GDAL, then a full analysis.
    let edited = dir.path().join("edited.gpkg");
    std::fs::copy(&city, &edited).unwrap();
    let e = edited.to_str().unwrap();
    let sql = |q: &str| tool_stdout("ogrinfo", &[e, "-q", "-sql", q]);
    sql(&format!(
        "DELETE FROM facilities WHERE osm_id = '{playground}'"
    ));
    sql(&format!(
        "UPDATE facilities SET area_m2 = 12345 WHERE osm_id = '{open_space}'"
    ));
    let new = facility_geojson(dir.path(), lon, lat, area);
    tool_stdout(
        "ogr2ogr",
        &[
            "-append",
            "-f",
            "GPKG",
            e,
            new.to_str().unwrap(),
            "-nln",
            "facilities",
        ],
    );
    let full = json(&["analyze", e, "--format", "json", "--no-write-back"]);

    let after: BTreeMap<&str, &Json> = compared["neighbourhoods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["name"].as_str().unwrap(), &n["after"]))
        .collect();
    let mut changed = 0;
    for n in full["neighbourhoods"].as_array().unwrap() {
        let name = n["name"].as_str().unwrap();
        let a = after[name];
        for band in ["age_0_5", "age_6_11", "age_12_17"] {
            assert_eq!(
                a[format!("served_share_{band}")],
                n["served_share"][band],
                "{name} {band}"
            );
            assert_eq!(
                a[format!("gap_children_{band}")],
                n["gap_children"][band],
                "{name} {band}"
            );
        }
        assert_eq!(a["play_area_m2"], n["play_area_m2"], "{name}");
        let nb = compared["neighbourhoods"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == name)
            .unwrap();
        if nb["before"] != nb["after"] {
            changed += 1;
        }
    }
    assert!(changed > 0, "the edits changed no neighbourhood");
}

/// A hand-drawn extract: a brownfield multipolygon with a hole, and one square way tagged in
/// turn as candidates and non-candidates (docs/methods.md).
const CANDIDATES_OPL: &str = "\
n1 x9.500 y47.100
n2 x9.502 y47.100
n3 x9.502 y47.102
n4 x9.500 y47.102
n5 x9.5005 y47.1005
n6 x9.5015 y47.1005
n7 x9.5015 y47.1015
n8 x9.5005 y47.1015
n9 x9.510 y47.100
n10 x9.511 y47.100
n11 x9.511 y47.101
n12 x9.510 y47.101
w1 Nn1,n2,n3,n4,n1
w2 Nn5,n6,n7,n8,n5
w3 Tamenity=parking,parking=underground Nn9,n10,n11,n12,n9
w4 Tlanduse=meadow,ownership=municipal Nn9,n10,n11,n12,n9
w5 Tleisure=park,ownership=private Nn9,n10,n11,n12,n9
w6 Tlanduse=grass Nn9,n10,n11
w7 Tlanduse=greenfield,name=Baufeld Nn9,n10,n11,n12,n9
w8 Tamenity=parking Nn9,n10,n11,n12,n9
r1 Ttype=multipolygon,landuse=brownfield,name=Ziegelei Mw1@outer,w2@inner
";

#[test]
fn hand_drawn_candidate_sites() {
    let dir = tempfile::tempdir().unwrap();
    let pbf = crate::helpers::pbf_from_opl(dir.path(), CANDIDATES_OPL);
    let gpkg = dir.path().join("small.gpkg");
    let out = crate::helpers::import(&pbf, &gpkg, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let conn = rusqlite::Connection::open(&gpkg).unwrap();
    let got: Vec<(String, String, Option<String>, f64)> = conn
        .prepare("SELECT id, source, name, area_m2 FROM candidate_sites ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let ids: Vec<(&str, &str, Option<&str>)> = got
        .iter()
        .map(|(i, s, n, _)| (i.as_str(), s.as_str(), n.as_deref()))
        .collect();
    assert_eq!(
        ids,
        [
            ("r1", "landuse=brownfield", Some("Ziegelei")),
            ("w4", "ownership=municipal", None),
            ("w7", "landuse=greenfield", Some("Baufeld")),
            ("w8", "amenity=parking", None),
        ]
    );
    // Hand-worked: 0.001° of latitude ≈ 111.2 m, of longitude ≈ 111.3 m × cos(47.1°) ≈ 75.8 m.
    // r1: a 0.002° square with a 0.001° hole: 3 × 111.2 × 75.8 ≈ 25 290 m²; w4: 111.2 × 75.8 ≈ 8 430 m².
    let area = |id: &str| got.iter().find(|g| g.0 == id).unwrap().3;
    assert!(
        (area("r1") - 25_290.0).abs() / 25_290.0 < 0.01,
        "{}",
        area("r1")
    );
    assert!(
        (area("w4") - 8_430.0).abs() / 8_430.0 < 0.01,
        "{}",
        area("w4")
    );
}

/// A plain HTTP/1.1 request with the edit token; returns (status, body).
fn request(addr: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Authorization: Bearer replace-test-token\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (status, body)
}

#[test]
fn a_running_server_refuses_edits_once_its_file_was_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let pbf = crate::helpers::pbf_from_opl(
        dir.path(),
        "n1 v1 x0.0 y0.0\nn2 v1 x0.001 y0.0\nn10 v1 Tleisure=playground x0.001 y0.0005\n\
         w1 v1 Thighway=footway Nn1,n2\n",
    );
    let city = dir.path().join("m.gpkg");
    let o = crate::helpers::import(&pbf, &city, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let mut server = std::process::Command::new(crate::helpers::spielraum_bin())
        .args(["serve", city.to_str().unwrap(), "--addr", "127.0.0.1:0"])
        .env("SPIELRAUM_EDIT_TOKEN", "replace-test-token")
        .env(
            "SPIELRAUM_WEB_DIR",
            crate::helpers::workspace_root().join("web/dist"),
        )
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let addr = crate::helpers::listening_address(&mut server);
    let (status, body) = request(&addr, "POST", "/api/scenarios", r#"{"name":"vorher"}"#);
    assert_eq!(status, 201, "{body}");

    // Re-imported onto the same file while the server runs: the scenario is carried over.
    let o = crate::helpers::import(&pbf, &city, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("scenarios kept: 1"));

    let (status, body) = request(&addr, "POST", "/api/scenarios", r#"{"name":"nachher"}"#);
    let (read_status, list) = request(&addr, "GET", "/api/scenarios", "");
    let (health, _) = request(&addr, "GET", "/health", "");
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(status, 409, "{body}");
    let answer: Json = serde_json::from_str(&body).unwrap();
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("the GeoPackage was replaced; restart the server"),
        "{answer}"
    );
    assert_eq!((read_status, health), (200, 200), "reading goes on");
    assert!(list.contains("vorher"), "{list}");
    // Nothing was written to the new file behind the server's back; a new server edits it.
    let listed = ok(&["scenario", "list", city.to_str().unwrap()]);
    assert!(
        listed.contains("vorher") && !listed.contains("nachher"),
        "{listed}"
    );
}
