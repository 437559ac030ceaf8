//! End-to-end tests of `nearest`, `reach`, `analyze` and `demo` through the binary, on a
//! hand-drawn OSM map whose walking distances are worked out by hand, and on the demo city.
//!
//! Needs: `cargo build -p spielraum` first, and `apt-get install -y osmium-tool`.

use std::path::{Path, PathBuf};

use crate::helpers::{demo_pbf, spielraum, tool_stdout, workspace_root};

/// A map on the equator, where 0.001° of longitude or latitude is
/// 2π · 6 371 008.8 m / 360 / 1000 = 111.195 m (great circle, R = 6 371 008.8 m).
///
/// ```text
///  n11 (private playground)    n10 playground   n5 (motorway end)
///   ·                            ·              ·
///                                              /   motorway (not walkable)
///  n1 ------ n2 ------ n3 ------ n4 ....------'
///  ·o (origin 0.0003° south of n1)   footway n1-n2-n3-n4, 0.001° apart
/// ```
/// n10 sits 0.0005° north of n4 (0.003, 0); n11 sits 0.0002° north of n1 but is private;
/// the motorway runs from n1 to n5 (0.0031, 0.0005), a shortcut if it were walkable.
const OPL: &str = "\
n1 v1 x0.0 y0.0
n2 v1 x0.001 y0.0
n3 v1 x0.002 y0.0
n4 v1 x0.003 y0.0
n5 v1 x0.0031 y0.0005
n10 v1 Tleisure=playground,name=Bach x0.003 y0.0005
n11 v1 Tleisure=playground,access=private x0.0 y0.0002
w1 v1 Thighway=footway Nn1,n2,n3,n4
w2 v1 Thighway=motorway Nn1,n5
";

/// One degree on the equator (great circle, R = 6 371 008.8 m), in metres.
const DEG_M: f64 = 111_195.08;

fn small_city(dir: &Path) -> PathBuf {
    let pbf = crate::helpers::pbf_from_opl(dir, OPL);
    let gpkg = dir.join("small.gpkg");
    let o = crate::helpers::import(&pbf, &gpkg, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    gpkg
}

/// Runs `spielraum nearest CITY --kind KIND --origins ORIGINS --out OUT`.
fn nearest(city: &Path, kind: &str, origins: &Path, out: &Path) -> std::process::Output {
    spielraum(&[
        "nearest",
        city.to_str().unwrap(),
        "--kind",
        kind,
        "--origins",
        origins.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ])
}

#[test]
fn nearest_follows_the_footway_and_counts_both_offsets() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = small_city(dir.path());
    let origins = dir.path().join("origins.csv");
    // o1: 0.0003° south of n1. o2: on the footway halfway between n2 and n3.
    std::fs::write(&origins, "id,lon,lat\no1,0.0,-0.0003\no2,0.0015,0.0\n").unwrap();
    let out = dir.path().join("nearest.csv");
    let o = nearest(&gpkg, "playground", &origins, &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // o1: 0.0003° to n1, 0.003° along the footway to n4, 0.0005° up to n10:
    //     0.0038° × 111 195.08 m = 422.5 m. The private n11 (22 m away) does not count, and the
    //     motorway shortcut (≈ 350 m) is not walkable.
    // o2: 0.0015° along the footway to n4, then 0.0005° up: 0.002° = 222.4 m.
    let text = std::fs::read_to_string(&out).unwrap();
    let expected = format!(
        "id,distance_m,facility_id\no1,{:.1},n10\no2,{:.1},n10\n",
        0.0038 * DEG_M,
        0.002 * DEG_M
    );
    assert_eq!(text, expected);
}

#[test]
fn reach_lists_the_playground_only_when_it_is_within_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = small_city(dir.path());
    let reach = |metres: &str| -> serde_json::Value {
        let o = spielraum(&[
            "reach",
            gpkg.to_str().unwrap(),
            "--lon",
            "0.0015",
            "--lat",
            "0.0",
            "--metres",
            metres,
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let ids = |v: &serde_json::Value| -> Vec<String> {
        v["features"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["properties"]["osm_id"].as_str().map(str::to_string))
            .collect()
    };
    // The playground is 222.4 m away on foot (see above).
    let near = reach("250");
    assert_eq!(ids(&near), vec!["n10".to_string()]);
    let hit = near["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["osm_id"] == "n10")
        .unwrap();
    let d = hit["properties"]["distance_m"].as_f64().unwrap();
    assert!((d - 0.002 * DEG_M).abs() < 0.1, "{d}");
    assert!(ids(&reach("200")).is_empty());
    // The isochrone polygon is there in both answers.
    let polygons = near["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["geometry"]["type"] == "MultiPolygon" || f["geometry"]["type"] == "Polygon")
        .count();
    assert_eq!(polygons, 1);
}

#[test]
fn analyze_json_keeps_the_contract_and_adds_up_on_the_demo_city() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("demo.gpkg");
    let totals = workspace_root().join("geodata/liechtenstein-population-2020.csv");
    let o = spielraum(&[
        "import",
        demo_pbf().to_str().unwrap(),
        "--out",
        gpkg.to_str().unwrap(),
        "--population-totals",
        totals.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = dir.path().join("a.json");
    let o = spielraum(&[
        "analyze",
        gpkg.to_str().unwrap(),
        "--format",
        "json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["standard"], "din18034");
    let ns = v["neighbourhoods"].as_array().unwrap();
    assert_eq!(ns.len(), 11);
    // The official 2020 totals (geodata/liechtenstein-population-2020.csv) sum to 38 896.
    let total: f64 = ns
        .iter()
        .map(|n| n["population"]["total"].as_f64().unwrap())
        .sum();
    assert!((total - 38_896.0).abs() / 38_896.0 < 0.005, "{total}");
    let mut ranks: Vec<i64> = ns
        .iter()
        .map(|n| n["need_rank"].as_i64().unwrap())
        .collect();
    ranks.sort_unstable();
    assert_eq!(ranks, (1..=11).collect::<Vec<_>>());
    for n in ns {
        for key in [
            "id",
            "name",
            "play_area_m2",
            "play_area_m2_per_child",
            "play_area_m2_per_child_2sfca",
        ] {
            assert!(n.get(key).is_some(), "{key} missing in {n}");
        }
        for band in ["age_0_5", "age_6_11", "age_12_17"] {
            let children = n["population"][band].as_f64().unwrap();
            let gap = n["gap_children"][band].as_f64().unwrap();
            let share = &n["served_share"][band];
            if children > 0.0 {
                let s = share.as_f64().unwrap();
                assert!((0.0..=1.0).contains(&s));
                // served + gap = children, up to the JSON's rounding (whole children, 4 decimals).
                assert!(
                    (s * children + gap - children).abs() <= 1.0 + 1e-4 * children,
                    "{n}"
                );
            } else {
                assert!(share.is_null());
            }
        }
    }
    // The result layers were written back and GDAL sees them.
    let layers = tool_stdout("ogrinfo", &["-q", gpkg.to_str().unwrap()]);
    assert!(layers.contains("neighbourhood_indicators"), "{layers}");
    assert!(layers.contains("gap_areas"), "{layers}");

    // One worker thread gives the same document byte for byte; no threads is a usage error.
    let one = dir.path().join("one.json");
    let o = spielraum(&[
        "analyze",
        gpkg.to_str().unwrap(),
        "--threads",
        "1",
        "--format",
        "json",
        "--no-write-back",
        "--out",
        one.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read(&one).unwrap(), std::fs::read(&out).unwrap());
    let o = spielraum(&["analyze", gpkg.to_str().unwrap(), "--threads", "0"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--threads"), "{err}");
}

#[test]
fn demo_imports_once_then_reuses_the_city() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("geodata");
    std::fs::create_dir(&data).unwrap();
    for f in [
        "liechtenstein-2015.osm.pbf",
        "liechtenstein-population-2020.csv",
    ] {
        std::fs::copy(workspace_root().join("geodata").join(f), data.join(f)).unwrap();
    }
    let run = || {
        let o = spielraum(&["demo", "--no-serve", "--data", data.to_str().unwrap()]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let first = run();
    assert!(first.contains("Vaduz"), "{first}");
    assert!(first.contains("11 neighbourhoods"), "{first}");
    assert!(data.join("liechtenstein.gpkg").is_file());
    let second = run();
    assert!(second.contains("up to date"), "{second}");
}

#[test]
fn bad_origins_fail_with_one_line_and_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = small_city(dir.path());
    let out = dir.path().join("out.csv");
    for (name, csv) in [
        ("missing column", "id,lon\na,0.0\n"),
        ("not a number", "id,lon,lat\na,east,0.0\n"),
        ("latitude out of range", "id,lon,lat\na,0.0,95.0\n"),
    ] {
        let origins = dir.path().join("bad.csv");
        std::fs::write(&origins, csv).unwrap();
        let o = nearest(&gpkg, "playground", &origins, &out);
        assert_eq!(o.status.code(), Some(1), "{name}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{name}: {err}");
        assert!(err.contains("bad.csv"), "{name}: {err}");
        assert!(!out.exists(), "{name}: output written");
    }
    let o = nearest(&gpkg, "swimming_pool", &dir.path().join("bad.csv"), &out);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("swimming_pool"));
}

/// A reader that stops early (`| head -1`) is not an error: exit 0, nothing on stderr.
#[test]
fn nearest_to_a_reader_that_stops_early_succeeds() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let city = small_city(dir.path());
    let origins = dir.path().join("origins.csv");
    // Far more rows than a pipe holds (64 KiB), so the writer meets the closed pipe.
    let rows: String = (0..20_000).map(|i| format!("{i},0.0,-0.0003\n")).collect();
    std::fs::write(&origins, format!("id,lon,lat\n{rows}")).unwrap();
    let mut child = Command::new(crate::helpers::spielraum_bin())
        .args(["nearest", city.to_str().unwrap(), "--kind", "playground"])
        .args(["--origins", origins.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The read end is dropped here: the rest of the output meets a closed pipe.
    let out = child.wait_with_output().unwrap();
    assert!(first.starts_with(b"id,distance_m"));
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
