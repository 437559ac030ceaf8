//! End-to-end tests of `spielraum suggest` on a hand-drawn map with hand-counted children.
//!
//! Needs: `cargo build -p spielraum` first, and `apt-get install -y osmium-tool`.

use std::path::{Path, PathBuf};

use crate::helpers::spielraum;
use serde_json::Value;

/// A footway "Uferweg" along the equator, n1 (0, 0) to n4 (0.003, 0), 0.001° = 111.195 m apart, and a grass
/// field (w3, `landuse=grass`: a candidate site from OSM) 0.0002–0.0004° east, 0.0001–0.0003° north.
/// No playground anywhere.
const OPL: &str = "\
n1 v1 x0.0 y0.0
n2 v1 x0.001 y0.0
n3 v1 x0.002 y0.0
n4 v1 x0.003 y0.0
n20 v1 x0.0002 y0.0001
n21 v1 x0.0004 y0.0001
n22 v1 x0.0004 y0.0003
n23 v1 x0.0002 y0.0003
w1 v1 Thighway=footway,name=Uferweg Nn1,n2,n3,n4
w3 v1 Tlanduse=grass Nn20,n21,n22,n23,n20
";

/// Children under 6 only: 10 at P1 (0, −0.0001) and 4 at P2 (0.003, −0.0001).
const POPULATION: &str = "lon,lat,residents,age_0_5,age_6_11,age_12_17\n\
0.0,-0.0001,20,10,0,0\n\
0.003,-0.0001,8,4,0,0\n";

/// Two candidate points: A (0, 0.0001) by P1 and B (0.003, 0.0001) by P2.
const CANDIDATES: &str = r#"{"type": "FeatureCollection", "features": [
 {"type": "Feature", "properties": {"id": "A", "name": "West lot"},
  "geometry": {"type": "Point", "coordinates": [0.0, 0.0001]}},
 {"type": "Feature", "properties": {"id": "B", "name": "East lot"},
  "geometry": {"type": "Point", "coordinates": [0.003, 0.0001]}}
]}"#;

fn city(dir: &Path) -> PathBuf {
    let pbf = crate::helpers::pbf_from_opl(dir, OPL);
    let population = dir.join("population.csv");
    std::fs::write(&population, POPULATION).unwrap();
    let gpkg = dir.join("small.gpkg");
    let o = crate::helpers::import(&pbf, &gpkg, &["--population", population.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    gpkg
}

fn suggest(args: &[&str]) -> std::process::Output {
    let mut all = vec!["suggest"];
    all.extend_from_slice(args);
    spielraum(&all)
}

fn json(o: &std::process::Output) -> Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("JSON on stdout")
}

#[test]
fn suggests_the_sites_serving_most_children() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = city(dir.path());
    let candidates = dir.path().join("candidates.geojson");
    std::fs::write(&candidates, CANDIDATES).unwrap();
    let (g, c) = (gpkg.to_str().unwrap(), candidates.to_str().unwrap());
    let o = suggest(&[
        g,
        "--kind",
        "playground",
        "--count",
        "2",
        "--candidates",
        c,
        "--format",
        "json",
    ]);
    let v = json(&o);
    let list = v["suggestions"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    // Band 0–5 (200 m): A → P1 = 0.0001° + 0.0001° (both offsets to n1) = 22.2 m: serves P1's 10;
    // A → P2 = 0.0001 + 0.003 + 0.0001 = 0.0032° = 355.8 m: too far. B mirrors it for P2's 4.
    // So A first (10 children), then B (4).
    assert_eq!(list[0]["rank"], 1);
    assert_eq!(list[0]["site_id"], "A");
    assert_eq!(list[0]["gained"]["age_0_5"], 10.0);
    assert_eq!(list[0]["gained"]["total"], 10.0);
    assert_eq!(list[1]["rank"], 2);
    assert_eq!(list[1]["site_id"], "B");
    assert_eq!(list[1]["gained"]["total"], 4.0);
    for s in list {
        assert!(s["gained"]["total"].as_f64().unwrap() >= 0.0);
    }
    // More sites asked than there are: all of them, ranks 1..n.
    let v = json(&suggest(&[
        g,
        "--kind",
        "playground",
        "--count",
        "5",
        "--candidates",
        c,
        "--format",
        "json",
    ]));
    let ranks: Vec<u64> = v["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["rank"].as_u64().unwrap())
        .collect();
    assert_eq!(ranks, [1, 2]);
}

#[test]
fn candidate_sites_come_from_the_geopackage_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = city(dir.path());
    let out = dir.path().join("s.json");
    let o = suggest(&[
        gpkg.to_str().unwrap(),
        "--kind",
        "playground",
        "--count",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    // The grass field w3: its corner n20 (0.0002, 0.0001) is 0.0001° from the footway; P1 is
    // 0.0001° from n1; 0.0002° between: 0.0004° = 44.5 m. P2 is 0.0026° + 0.0002° = 311 m away.
    let s = &v["suggestions"][0];
    assert_eq!(s["site_id"], "w3");
    assert_eq!(s["source"], "landuse=grass");
    assert_eq!(s["gained"]["total"], 10.0);
    assert_eq!(s["gained_alone"]["total"], 10.0);
    // Labelled by its kind of land and the nearest street (the footway, 11 m south), German by
    // default; the edit is the site as evaluated, named by the label.
    assert_eq!(s["label"], "Rasenfläche am Uferweg");
    assert_eq!(s["edit"]["name"], "Rasenfläche am Uferweg");
    assert_eq!(s["edit"]["geometry"]["type"], "MultiPolygon");
    let table = suggest(&[
        gpkg.to_str().unwrap(),
        "--kind",
        "playground",
        "--count",
        "1",
        "--format",
        "table",
        "--lang",
        "en",
    ]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("Grass area on Uferweg"), "{text}");
}

#[test]
fn bad_flags_fail_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = city(dir.path());
    let g = gpkg.to_str().unwrap();
    for args in [
        vec![g, "--kind", "playground", "--count", "0"],
        vec![g, "--kind", "swimming_pool", "--count", "3"],
        vec![
            g,
            "--kind",
            "playground",
            "--count",
            "2",
            "--candidates",
            "/nonexistent.geojson",
        ],
        vec!["/nonexistent.gpkg", "--kind", "playground", "--count", "2"],
    ] {
        let o = suggest(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("spielraum: error: "), "{err}");
    }
}
