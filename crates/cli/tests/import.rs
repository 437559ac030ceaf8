//! End-to-end tests of `spielraum import`: the demo extract against independent counts
//! (osmium) and GDAL (ogrinfo), a hand-drawn OPL extract, and bad input.
//!
//! Needs: `cargo build -p spielraum` first, and `apt-get install -y gdal-bin osmium-tool`.

use std::collections::BTreeSet;
use std::path::Path;

use crate::helpers::{demo_pbf, spielraum, tool_stdout};

/// Imports `pbf` into `out` and returns the summary printed on stdout.
pub(crate) fn import(pbf: &Path, out: &Path, extra: &[&str]) -> String {
    let o = crate::helpers::import(pbf, out, extra);
    assert!(
        o.status.success(),
        "import failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// All warnings the import stored in the GeoPackage (stderr only shows the first few).
pub(crate) fn warnings(gpkg: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(gpkg).unwrap();
    conn.query_row(
        "SELECT value FROM spielraum_meta WHERE key = 'import_warnings'",
        [],
        |r| r.get::<_, String>(0),
    )
    .map(|s| s.lines().map(str::to_string).collect())
    .unwrap_or_default()
}

/// `SELECT` through GDAL (ogrinfo), returning the values of `column` in order.
pub(crate) fn ogr_values(
    gpkg: &Path,
    sql: &str,
    column: &str,
    dialect: Option<&str>,
) -> Vec<String> {
    let mut args = vec!["-q", gpkg.to_str().unwrap(), "-sql", sql];
    if let Some(d) = dialect {
        args.extend_from_slice(&["-dialect", d]);
    }
    let text = tool_stdout("ogrinfo", &args);
    let prefix = format!("  {column} (");
    text.lines()
        .filter(|l| l.starts_with(&prefix))
        .filter_map(|l| l.split_once(" = ").map(|(_, v)| v.trim().to_string()))
        .collect()
}

/// The OSM ids (`n1`, `w2`, `r3`) of objects carrying `filter` (osmium tags-filter syntax),
/// counting only the tagged objects themselves (`-R`: no referenced member nodes/ways) that can
/// be facilities by domain.md: nodes, closed ways (first node = last node) and
/// `type=multipolygon` relations — decided here from osmium's OPL, not by the importer.
fn osmium_ids(pbf: &Path, filter: &str, dir: &Path) -> BTreeSet<String> {
    let f = dir.join("filtered.osm.pbf");
    tool_stdout(
        "osmium",
        &[
            "tags-filter",
            "-O",
            "-R",
            pbf.to_str().unwrap(),
            filter,
            "-o",
            f.to_str().unwrap(),
        ],
    );
    let opl = tool_stdout("osmium", &["cat", f.to_str().unwrap(), "-f", "opl"]);
    opl.lines()
        .filter(|l| can_be_facility(l))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

/// Whether an OPL line is a node, a closed way or a multipolygon relation.
pub(crate) fn can_be_facility(opl_line: &str) -> bool {
    let field = |prefix: char| {
        opl_line
            .split_whitespace()
            .find(|f| f.starts_with(prefix))
            .map(|f| &f[1..])
    };
    match opl_line.chars().next() {
        Some('n') => true,
        Some('w') => {
            let nodes: Vec<&str> = field('N').unwrap_or("").split(',').collect();
            nodes.len() >= 4 && nodes.first() == nodes.last()
        }
        Some('r') => {
            field('T').is_some_and(|tags| tags.split(',').any(|t| t == "type=multipolygon"))
        }
        _ => false,
    }
}

fn summary_count(summary: &str, key: &str) -> usize {
    summary
        .lines()
        .find_map(|l| {
            let mut it = l.split_whitespace();
            (it.next() == Some(key)).then(|| it.next())?
        })
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no '{key}' in summary:\n{summary}"))
}

#[test]
fn demo_facilities_match_an_independent_osmium_count() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("li.gpkg");
    import(&demo_pbf(), &gpkg, &[]);
    let warn = warnings(&gpkg);
    for (kind, filter) in [
        ("playground", "nwr/leisure=playground"),
        ("school", "nwr/amenity=school"),
        ("kindergarten", "nwr/amenity=kindergarten"),
    ] {
        let osm = osmium_ids(&demo_pbf(), filter, dir.path());
        assert!(!osm.is_empty(), "osmium found no {kind}");
        // Nothing of these kinds is broken in the demo extract: the import must keep them all.
        let skipped: Vec<&String> = warn
            .iter()
            .filter(|w| w.contains(&format!(": {kind} ")))
            .collect();
        assert!(skipped.is_empty(), "{kind}: the import skipped {skipped:?}");
        let expected = osm;
        let got: BTreeSet<String> = ogr_values(
            &gpkg,
            &format!("SELECT osm_id FROM facilities WHERE kind = '{kind}'"),
            "osm_id",
            None,
        )
        .into_iter()
        .collect();
        assert_eq!(got, expected, "{kind}: GeoPackage vs osmium");
    }
}

/// The tags of an OPL line as (key, value) pairs (values stay %-encoded; fine for plain ones).
pub(crate) fn opl_tags(opl_line: &str) -> Vec<(String, String)> {
    opl_line
        .split_whitespace()
        .find(|f| f.starts_with('T'))
        .map(|f| {
            f[1..]
                .split(',')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn demo_open_spaces_match_an_independent_osmium_selection() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("li.gpkg");
    import(&demo_pbf(), &gpkg, &[]);
    // interfaces.md: parks, gardens, recreation grounds, village greens — unless the object is
    // already a playground, school, kindergarten or learning and meeting place, or a community
    // garden (pitches have their own kind).
    let f = dir.path().join("open.osm.pbf");
    tool_stdout(
        "osmium",
        &[
            "tags-filter",
            "-O",
            "-R",
            demo_pbf().to_str().unwrap(),
            "nwr/leisure=park,garden,recreation_ground,common",
            "nwr/landuse=village_green,recreation_ground",
            "-o",
            f.to_str().unwrap(),
        ],
    );
    let opl = tool_stdout("osmium", &["cat", f.to_str().unwrap(), "-f", "opl"]);
    let expected: BTreeSet<String> = opl
        .lines()
        .filter(|l| can_be_facility(l))
        .filter(|l| {
            let tags = opl_tags(l);
            let has = |k: &str, v: &str| tags.iter().any(|(a, b)| a == k && b == v);
            let amenity = |v: &[&str]| v.iter().any(|v| has("amenity", v));
            // An object of an earlier or more specific kind is not open space.
            let other_kind = has("leisure", "playground")
                || has("leisure", "pitch")
                || has("garden:type", "community")
                || amenity(&[
                    "school",
                    "kindergarten",
                    "library",
                    "toy_library",
                    "youth_centre",
                ])
                || (has("amenity", "community_centre")
                    && ["youth_centre", "family_centre", "family"]
                        .iter()
                        .any(|v| has("community_centre", v)))
                || (has("amenity", "social_facility")
                    && ["juvenile", "youth", "family"]
                        .iter()
                        .any(|v| has("social_facility:for", v)));
            !other_kind
        })
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    assert!(expected.len() > 10, "osmium found only {expected:?}");
    let got: BTreeSet<String> = ogr_values(
        &gpkg,
        "SELECT osm_id FROM facilities WHERE kind = 'open_space'",
        "osm_id",
        None,
    )
    .into_iter()
    .collect();
    assert_eq!(got, expected, "open_space: GeoPackage vs osmium");
}

#[test]
fn demo_has_the_eleven_municipalities_of_liechtenstein_with_valid_polygons() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("li.gpkg");
    let o = crate::helpers::import(&demo_pbf(), &gpkg, &[]);
    assert!(o.status.success());
    let summary = String::from_utf8_lossy(&o.stdout);
    assert!(summary.contains("admin_level 8"), "{summary}");
    // All eleven load; the neighbouring Swiss and Austrian municipalities the extract cuts are
    // named in one line, not one warning each (no other warning comes from the boundaries).
    let stderr = String::from_utf8_lossy(&o.stderr);
    let boundary_lines: Vec<&str> = stderr.lines().filter(|l| l.contains("boundar")).collect();
    assert_eq!(boundary_lines.len(), 1, "{stderr}");
    assert!(
        boundary_lines[0]
            .starts_with("warning: 11 boundaries at admin_level 8 are not wholly in the extract")
            && boundary_lines[0].contains("Buchs (SG)")
            && boundary_lines[0].contains("Feldkirch")
            && boundary_lines[0].ends_with("11 complete boundaries loaded"),
        "{stderr}"
    );
    assert!(!stderr.contains("Vaduz"), "{stderr}");
    // The largest gap area is described by a street and its municipality, not only degrees.
    let table = crate::helpers::spielraum(&[
        "analyze",
        gpkg.to_str().unwrap(),
        "--format",
        "table",
        "--no-write-back",
    ]);
    let table = String::from_utf8_lossy(&table.stdout);
    let line = table.lines().find(|l| l.contains("the largest:")).unwrap();
    let place = line
        .split(" children near ")
        .nth(1)
        .unwrap_or_else(|| panic!("{line}"));
    let (street_and_area, _) = place.split_once(" (").unwrap();
    let (street, area) = street_and_area.rsplit_once(", ").unwrap();
    assert!(!street.is_empty() && !street.contains('.'), "{line}");
    assert!(
        [
            "Vaduz",
            "Schaan",
            "Balzers",
            "Triesen",
            "Triesenberg",
            "Eschen",
            "Mauren",
            "Gamprin",
            "Ruggell",
            "Schellenberg",
            "Planken"
        ]
        .contains(&area),
        "{line}"
    );
    let mut names = ogr_values(&gpkg, "SELECT name FROM neighbourhoods", "name", None);
    names.sort();
    let mut expected = vec![
        "Vaduz",
        "Schaan",
        "Balzers",
        "Triesen",
        "Triesenberg",
        "Eschen",
        "Mauren",
        "Gamprin",
        "Ruggell",
        "Schellenberg",
        "Planken",
    ];
    expected.sort();
    assert_eq!(names, expected);
    let levels = ogr_values(
        &gpkg,
        "SELECT admin_level FROM neighbourhoods",
        "admin_level",
        None,
    );
    assert!(levels.iter().all(|l| l == "8"), "{levels:?}");
    // GDAL's (GEOS) validity check, not ours.
    let valid = ogr_values(
        &gpkg,
        "SELECT ST_IsValid(geom) AS v FROM neighbourhoods",
        "v",
        Some("sqlite"),
    );
    assert_eq!(valid.len(), 11);
    assert!(valid.iter().all(|v| v == "1"), "{valid:?}");
    // Liechtenstein is about 160 km²; the municipalities tile it (sum of areas in m², by GDAL on the ellipsoid).
    let area = ogr_values(
        &gpkg,
        "SELECT SUM(ST_Area(geom, 1)) AS a FROM neighbourhoods",
        "a",
        Some("sqlite"),
    );
    let km2: f64 = area[0].parse::<f64>().unwrap() / 1e6;
    assert!((150.0..170.0).contains(&km2), "{km2} km²");
}

#[test]
fn ogrinfo_sees_the_layers_the_summary_counts_and_a_working_spatial_index() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("li.gpkg");
    let summary = import(&demo_pbf(), &gpkg, &[]);
    let info = tool_stdout("ogrinfo", &["-so", "-al", gpkg.to_str().unwrap()]);
    let count_of = |layer: &str| -> usize {
        let block = info
            .split("Layer name: ")
            .find(|b| b.starts_with(&format!("{layer}\n")))
            .unwrap_or_else(|| panic!("layer {layer} missing:\n{info}"));
        block
            .lines()
            .find_map(|l| l.strip_prefix("Feature Count: "))
            .and_then(|n| n.trim().parse().ok())
            .unwrap()
    };
    let facilities: usize = [
        "playground",
        "school",
        "kindergarten",
        "open_space",
        "library",
        "youth_centre",
        "family_centre",
        "sports_pitch",
        "community_garden",
    ]
    .iter()
    .map(|k| summary_count(&summary, k))
    .sum();
    assert_eq!(count_of("facilities"), facilities);
    for layer in [
        "neighbourhoods",
        "buildings",
        "walk_ways",
        "tagged_nodes",
        "basemap",
    ] {
        assert_eq!(count_of(layer), summary_count(&summary, layer), "{layer}");
    }
    // Without --population, residents are estimated from buildings: one unit per counted building.
    let units = count_of("population");
    assert!(
        units > 0 && units <= count_of("buildings"),
        "{units} population units"
    );
    for layer in [
        "facilities",
        "neighbourhoods",
        "population",
        "buildings",
        "basemap",
    ] {
        let has = ogr_values(
            &gpkg,
            &format!("SELECT HasSpatialIndex('{layer}', 'geom')"),
            "HasSpatialIndex",
            None,
        );
        assert_eq!(has, vec!["1"], "{layer}");
    }
    // A spatial filter (answered through the R-tree) returns the same features as a
    // brute-force intersection test over every feature in SQLite/GEOS.
    for (layer, bbox) in [
        ("facilities", ["9.50", "47.12", "9.54", "47.16"]),
        ("buildings", ["9.515", "47.13", "9.53", "47.145"]),
        ("basemap", ["9.51", "47.15", "9.52", "47.16"]),
    ] {
        let mut args = vec!["-q", gpkg.to_str().unwrap(), layer, "-spat"];
        args.extend_from_slice(&bbox);
        let o = std::process::Command::new("ogrinfo")
            .args(&args)
            .env("CPL_DEBUG", "ON")
            .output()
            .expect("ogrinfo: apt-get install -y gdal-bin");
        let text = String::from_utf8_lossy(&o.stdout);
        // GDAL's debug log shows the query went through the R-tree.
        assert!(
            String::from_utf8_lossy(&o.stderr).contains(&format!("JOIN \"rtree_{layer}_geom\"")),
            "{layer}: spatial index not used"
        );
        let via_index: BTreeSet<i64> = text
            .lines()
            .filter_map(|l| l.strip_prefix(&format!("OGRFeature({layer}):")))
            .filter_map(|n| n.trim().parse().ok())
            .collect();
        let brute: BTreeSet<i64> = ogr_values(
            &gpkg,
            &format!(
                "SELECT fid + 0 AS f FROM {layer} WHERE ST_Intersects(geom, BuildMbr({}, {}, {}, {}, 4326))",
                bbox[0], bbox[1], bbox[2], bbox[3]
            ),
            "f",
            Some("sqlite"),
        )
        .iter()
        .map(|f| f.parse().unwrap())
        .collect();
        assert!(!brute.is_empty(), "{layer}: empty test box");
        assert_eq!(via_index, brute, "{layer}");
    }
}

/// A hand-drawn extract: two playground multipolygons (one whose ring does not close), a
/// playground site relation, a school way, and two municipalities (one cut at the edge).
const OPL: &str = "\
n1 x9.500 y47.100
n2 x9.501 y47.100
n3 x9.501 y47.101
n4 x9.500 y47.101
n5 x9.510 y47.100
n6 x9.511 y47.100
n7 x9.511 y47.101
n8 x9.600 y47.000
n9 x9.700 y47.000
n10 x9.700 y47.100
n11 x9.600 y47.100
n12 x9.800 y47.000
n13 x9.800 y47.100
w1 Nn1,n2,n3
w2 Nn3,n4,n1
w3 Nn5,n6,n7
w4 Tamenity=school,name=Primarschule Nn1,n2,n3,n4,n1
w5 Nn8,n9,n10
w6 Nn10,n11,n8
w7 Nn9,n12,n13,n10
r1 Ttype=multipolygon,leisure=playground,name=Spielplatz Mw1@outer,w2@outer
r2 Ttype=multipolygon,leisure=playground Mw3@outer
r3 Ttype=site,leisure=playground Mw4@
r4 Ttype=boundary,boundary=administrative,admin_level=8,name=Alpha Mw5@outer,w6@outer
r5 Ttype=boundary,boundary=administrative,admin_level=8,name=Beta Mw7@outer,w5@outer,w99@outer
";

#[test]
fn hand_drawn_multipolygons_and_boundaries() {
    let dir = tempfile::tempdir().unwrap();
    let pbf = crate::helpers::pbf_from_opl(dir.path(), OPL);
    let gpkg = dir.path().join("small.gpkg");
    import(&pbf, &gpkg, &["--admin-level", "8"]);
    let ids = ogr_values(
        &gpkg,
        "SELECT osm_id FROM facilities ORDER BY osm_id",
        "osm_id",
        None,
    );
    assert_eq!(ids, vec!["r1", "w4"]);
    // r1 is a 0.001° square at 47.1°N: 0.001° of latitude ≈ 111.2 m, of longitude ≈ 111.3 m × cos(47.1°) ≈ 75.8 m.
    let area: f64 = ogr_values(
        &gpkg,
        "SELECT area_m2 FROM facilities WHERE osm_id = 'r1'",
        "area_m2",
        None,
    )[0]
    .parse()
    .unwrap();
    assert!((area - 111.2 * 75.8).abs() / area < 0.01, "{area}");
    let w = warnings(&gpkg);
    assert!(
        w.iter()
            .any(|w| w.starts_with("r2: playground") && w.contains("does not close")),
        "{w:?}"
    );
    assert!(
        w.iter()
            .any(|w| w.starts_with("r3: playground") && w.contains("type=site")),
        "{w:?}"
    );
    // The boundary missing its member way w99 is named in the one line on incomplete ones.
    assert!(
        w.iter().any(
            |w| w.starts_with("1 boundary at admin_level 8 is not wholly in the extract")
                && w.contains("skipped: Beta;")
        ),
        "{w:?}"
    );
    let names = ogr_values(&gpkg, "SELECT name FROM neighbourhoods", "name", None);
    assert_eq!(names, vec!["Alpha"]);

    // The same extract with neighbourhoods from a GeoJSON instead.
    let gj = dir.path().join("areas.geojson");
    std::fs::write(
        &gj,
        r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","id":"N","properties":{"name":"Nord"},
           "geometry":{"type":"Polygon","coordinates":[[[9.4,47.0],[9.9,47.0],[9.9,47.1],[9.4,47.0]]]}},
          {"type":"Feature","properties":{"NAME":"Süd"},
           "geometry":{"type":"MultiPolygon","coordinates":[[[[9.4,46.9],[9.9,46.9],[9.9,47.0],[9.4,46.9]]]]}}]}"#,
    )
    .unwrap();
    import(&pbf, &gpkg, &["--boundaries", gj.to_str().unwrap()]);
    let ids = ogr_values(&gpkg, "SELECT id FROM neighbourhoods", "id", None);
    let names = ogr_values(&gpkg, "SELECT name FROM neighbourhoods", "name", None);
    assert_eq!(ids, vec!["N", "2"]);
    assert_eq!(names, vec!["Nord", "Süd"]);
}

/// An extract without administrative boundaries: a warning, unless the neighbourhoods come
/// from a file (then the extract needs none).
#[test]
fn boundaries_from_a_file_need_none_in_the_extract() {
    let dir = tempfile::tempdir().unwrap();
    let opl = "\
n1 x9.500 y47.100 Tleisure=playground
n2 x9.500 y47.101
n3 x9.502 y47.101
w1 Thighway=footway Nn2,n3
";
    let pbf = crate::helpers::pbf_from_opl(dir.path(), opl);
    let warning = "no complete administrative boundaries";
    let plain = dir.path().join("plain.gpkg");
    let o = crate::helpers::import(&pbf, &plain, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains(warning));
    let gj = dir.path().join("areas.geojson");
    std::fs::write(
        &gj,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"1","name":"Eins"},
           "geometry":{"type":"Polygon","coordinates":[[[9.49,47.09],[9.51,47.09],[9.51,47.11],[9.49,47.11],[9.49,47.09]]]}}]}"#,
    )
    .unwrap();
    let given = dir.path().join("given.gpkg");
    let o = crate::helpers::import(&pbf, &given, &["--boundaries", gj.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!stderr.contains(warning), "{stderr}");
    assert!(warnings(&given).iter().all(|w| !w.contains(warning)));
    assert_eq!(
        ogr_values(&given, "SELECT name FROM neighbourhoods", "name", None),
        ["Eins"]
    );
}

/// Runs an import expected to fail: exit 1, one line on stderr, nothing new in the folder,
/// an existing output byte-identical.
pub(crate) fn assert_fails_cleanly(args_for: impl Fn(&str) -> Vec<String>, what: &str) {
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("fresh.gpkg");
    let existing = dir.path().join("existing.gpkg");
    let before = b"previous output, must survive".to_vec();
    std::fs::write(&existing, &before).unwrap();
    for out in [&fresh, &existing] {
        let args = args_for(out.to_str().unwrap());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = spielraum(&args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{what}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{what}: stderr was:\n{stderr}");
        assert!(stderr.starts_with("spielraum: error: "), "{what}: {stderr}");
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    }
    assert!(!fresh.exists(), "{what}: partial output created");
    assert_eq!(
        std::fs::read(&existing).unwrap(),
        before,
        "{what}: existing output changed"
    );
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 1, "{what}: files left behind: {left:?}");
}

#[test]
fn bad_input_fails_with_one_line_and_no_output() {
    let inputs = tempfile::tempdir().unwrap();
    let demo = std::fs::read(demo_pbf()).unwrap();
    let truncated = inputs.path().join("truncated.osm.pbf");
    std::fs::write(&truncated, &demo[..demo.len() / 2]).unwrap();
    let empty = inputs.path().join("empty.osm.pbf");
    std::fs::write(&empty, b"").unwrap();
    let text = inputs.path().join("notes.osm.pbf");
    std::fs::write(
        &text,
        "this is a text file, not an OpenStreetMap extract\n".repeat(50),
    )
    .unwrap();
    let missing = inputs.path().join("missing.osm.pbf");
    let broken_geojson = inputs.path().join("broken.geojson");
    std::fs::write(
        &broken_geojson,
        r#"{"type": "FeatureCollection", "features": [ {"type": "Feat"#,
    )
    .unwrap();

    for (path, what) in [
        (&truncated, "truncated PBF"),
        (&empty, "empty file"),
        (&text, "text file"),
        (&missing, "missing path"),
    ] {
        let p = path.to_str().unwrap().to_string();
        assert_fails_cleanly(
            |out| vec!["import".into(), p.clone(), "--out".into(), out.into()],
            what,
        );
        // The message names the file.
        let o = spielraum(&["import", &p, "--out", "/tmp/never-written.gpkg"]);
        assert!(
            String::from_utf8_lossy(&o.stderr)
                .contains(path.file_name().unwrap().to_str().unwrap())
        );
    }
    let demo_path = demo_pbf().to_str().unwrap().to_string();
    let gj = broken_geojson.to_str().unwrap().to_string();
    assert_fails_cleanly(
        |out| {
            vec![
                "import".into(),
                demo_path.clone(),
                "--out".into(),
                out.into(),
                "--boundaries".into(),
                gj.clone(),
            ]
        },
        "broken GeoJSON",
    );
    // --out in a folder that does not exist.
    let o = spielraum(&["import", &demo_path, "--out", "/nonexistent-folder/x.gpkg"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/nonexistent-folder"));
}

/// Counts the rows of a table with SQLite directly.
fn rows(gpkg: &Path, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(gpkg).unwrap();
    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_re_import_keeps_the_scenarios_or_refuses_or_drops_them_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let pbf = crate::helpers::pbf_from_opl(dir.path(), OPL);
    let gpkg = dir.path().join("small.gpkg");
    let g = gpkg.to_str().unwrap();
    import(&pbf, &gpkg, &["--admin-level", "8"]);
    for args in [
        &["scenario", "new", g, "Plan"][..],
        &["scenario", "remove", g, "1", "--facility", "r1"],
        &["scenario", "open", g, "1", "--facility", "w4"],
    ] {
        let o = spielraum(args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }

    // A newer extract without the playground r1 (its ways stay): the scenario is kept and its
    // edit on r1 reported.
    let newer = tempfile::tempdir().unwrap();
    let without_r1: String = OPL
        .lines()
        .filter(|l| !l.starts_with("r1 "))
        .map(|l| format!("{l}\n"))
        .collect();
    let pbf2 = crate::helpers::pbf_from_opl(newer.path(), &without_r1);
    let o = crate::helpers::import(&pbf2, &gpkg, &["--admin-level", "8"]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert!(o.status.success(), "{stderr}");
    assert!(
        stdout.contains("scenarios kept: 1 (1 with edits on facilities no longer in the city)"),
        "{stdout}"
    );
    assert!(
        stderr.contains(
            "warning: scenario 'Plan': 1 of the facilities its edits change is no longer in the city: r1"
        ),
        "{stderr}"
    );
    assert_eq!(
        ogr_values(&gpkg, "SELECT osm_id FROM facilities", "osm_id", None),
        vec!["w4"],
        "the new import"
    );
    assert_eq!(rows(&gpkg, "spielraum_scenarios"), 1);
    assert_eq!(rows(&gpkg, "spielraum_scenario_edits"), 2);
    let list = spielraum(&["scenario", "list", g]);
    assert!(String::from_utf8_lossy(&list.stdout).contains("Plan"));

    // Rows that cannot be read back (a gap in the edit positions): refused, file untouched.
    rusqlite::Connection::open(&gpkg)
        .unwrap()
        .execute(
            "UPDATE spielraum_scenario_edits SET position = position + 5",
            [],
        )
        .unwrap();
    let before = std::fs::read(&gpkg).unwrap();
    let o = crate::helpers::import(&pbf, &gpkg, &["--admin-level", "8"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot be carried over") && stderr.contains("--replace-scenarios"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(&gpkg).unwrap(),
        before,
        "the file is untouched"
    );

    // --replace-scenarios drops them, and says so.
    let stdout = import(&pbf, &gpkg, &["--admin-level", "8", "--replace-scenarios"]);
    assert!(stdout.contains("scenarios dropped: 1"), "{stdout}");
    let conn = rusqlite::Connection::open(&gpkg).unwrap();
    let tables: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'spielraum_scenario%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 0);
}
