//! `spielraum import --facilities --facility-mapping --conflation-csv` (issue 16): a tiny town
//! in Berlin with a playground inventory written as GeoJSON and converted by GDAL (`ogr2ogr`)
//! into a GeoPackage in ETRS89/UTM 33N (EPSG:25833; a GeoPackage, not a Shapefile, because the
//! inventory mixes points and polygons). The facilities, the `conflation` layer and
//! the CSV are read back with GDAL (`ogr2ogr -f CSV /vsistdout/`); m² per child is worked by hand;
//! bad inventories fail with one line and write nothing.
//!
//! Needs: `apt-get install -y osmium-tool gdal-bin`.

use std::path::{Path, PathBuf};

use crate::helpers::{import, layer_by_gdal, pbf_from_opl, rows_of, spielraum, tool_stdout};
use crate::import::assert_fails_cleanly;

/// A footway; OSM playground w100 (a square), n10 (a point, "Kinderspielplatz") and n11 (a
/// point in the north-east the inventory does not list).
const OPL: &str = "\
n1 v1 x13.4000 y52.5200
n2 v1 x13.4020 y52.5200
n101 v1 x13.4000 y52.5203
n102 v1 x13.4003 y52.5203
n103 v1 x13.4003 y52.5205
n104 v1 x13.4000 y52.5205
n10 v1 Tleisure=playground,name=Kinderspielplatz x13.4015 y52.5203
n11 v1 Tleisure=playground x13.4100 y52.5250
w1 v1 Thighway=footway Nn1,n2
w100 v1 Tleisure=playground,name=Spielplatz%20%Am%20%Park Nn101,n102,n103,n104,n101
";

/// One planning area around the town.
const AREAS: &str = r#"{"type": "FeatureCollection", "features": [
  {"type": "Feature", "properties": {"id": "P1", "name": "Mitte"},
   "geometry": {"type": "Polygon", "coordinates": [[[13.39, 52.51], [13.42, 52.51], [13.42, 52.53], [13.39, 52.53], [13.39, 52.51]]]}}
]}"#;

/// 100 residents, 25 of them children (10 + 10 + 5).
const PEOPLE: &str = "lon,lat,residents,age_0_5,age_6_11,age_12_17\n13.401,52.521,100,10,10,5\n";

/// The inventory: 1001 is w100's square (matched by overlap), 1002 a point ~5.6 m north of n10
/// (matched by distance; names differ), 1003 a playground OSM lacks. Net play areas 450, 300
/// and 200 m².
fn inventory(net_1002: &str, kind_1003: &str) -> String {
    format!(
        r#"{{"type": "FeatureCollection", "features": [
  {{"type": "Feature", "properties": {{"spielplatz": "1001", "name": "Spielplatz Am Park", "kategorie": "Spielplatz", "netto_m2": 450, "brutto_m2": 900}},
   "geometry": {{"type": "Polygon", "coordinates": [[[13.4000, 52.5203], [13.4003, 52.5203], [13.4003, 52.5205], [13.4000, 52.5205], [13.4000, 52.5203]]]}}}},
  {{"type": "Feature", "properties": {{"spielplatz": "1002", "name": "Kiezspielplatz", "kategorie": "Spielplatz", "netto_m2": {net_1002}, "brutto_m2": null}},
   "geometry": {{"type": "Point", "coordinates": [13.4015, 52.52035]}}}},
  {{"type": "Feature", "properties": {{"spielplatz": "1003", "name": "Neuer Spielplatz", "kategorie": "{kind_1003}", "netto_m2": 200, "brutto_m2": 250}},
   "geometry": {{"type": "Point", "coordinates": [13.4050, 52.5210]}}}}
]}}"#
    )
}

const MAPPING: &str = r#"
id = "spielplatz"
name = "name"
net_area = "netto_m2"
gross_area = "brutto_m2"
[kind]
attribute = "kategorie"
values = { "Spielplatz" = "playground" }
"#;

/// Writes the map, areas, people, the inventory (as GeoJSON) and the mapping into `dir`.
fn inputs(dir: &Path, inventory_text: &str) -> (PathBuf, PathBuf, PathBuf, PathBuf, PathBuf) {
    let pbf = pbf_from_opl(dir, OPL);
    let areas = dir.join("areas.geojson");
    std::fs::write(&areas, AREAS).unwrap();
    let people = dir.join("people.csv");
    std::fs::write(&people, PEOPLE).unwrap();
    let inv = dir.join("spielplaetze.geojson");
    std::fs::write(&inv, inventory_text).unwrap();
    let mapping = dir.join("spielplaetze.toml");
    std::fs::write(&mapping, MAPPING).unwrap();
    (pbf, areas, people, inv, mapping)
}

fn strings(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect()
}

#[test]
fn an_inventory_in_utm_is_conflated_and_counts_its_net_area() {
    let dir = tempfile::tempdir().unwrap();
    let (pbf, areas, people, inv, mapping) = inputs(dir.path(), &inventory("300", "Spielplatz"));
    let shp = dir.path().join("spielplaetze.gpkg");
    tool_stdout(
        "ogr2ogr",
        &[
            "-f",
            "GPKG",
            "-t_srs",
            "EPSG:25833",
            shp.to_str().unwrap(),
            inv.to_str().unwrap(),
        ],
    );
    let city = dir.path().join("city.gpkg");
    let csv_out = dir.path().join("conflation.csv");
    let o = import(
        &pbf,
        &city,
        &[
            "--boundaries",
            areas.to_str().unwrap(),
            "--population",
            people.to_str().unwrap(),
            "--facilities",
            shp.to_str().unwrap(),
            "--facility-mapping",
            mapping.to_str().unwrap(),
            "--conflation-csv",
            csv_out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains(
            "facility inventory spielplaetze.gpkg: matched 2, only official 1, only OSM 1, disagreeing 2"
        ),
        "{stdout}"
    );

    // Facilities: OSM's, merged where matched (the inventory wins for playgrounds: its names
    // and net areas), then the inventory-only playground with its o-id.
    let mut facilities = layer_by_gdal(&city, "facilities", &["osm_id", "name", "area_m2"]);
    facilities.sort();
    assert_eq!(
        facilities,
        strings(&[
            &["n10", "Kiezspielplatz", "300"],
            &["n11", "", ""],
            &["o1003", "Neuer Spielplatz", "200"],
            &["w100", "Spielplatz Am Park", "450"],
        ])
    );

    // The conflation layer, read by GDAL.
    let columns = [
        "status",
        "official_id",
        "osm_id",
        "facility_id",
        "matched_by",
        "disagreement",
        "area_used",
    ];
    // 1001's gross 900 m² is about twice OSM's outline (≈ 452 m², below): an area disagreement.
    let layer = layer_by_gdal(&city, "conflation", &columns);
    let expected = strings(&[
        &["matched", "1001", "w100", "w100", "overlap", "area", "net"],
        &["matched", "1002", "n10", "n10", "distance", "name", "net"],
        &["only_official", "1003", "", "o1003", "", "", "net"],
        &["only_osm", "", "n11", "n11", "", "", "point"],
    ]);
    assert_eq!(layer, expected);
    // The CSV says the same, read as GDAL reads CSV.
    let csv_text = std::fs::read_to_string(&csv_out).unwrap();
    assert_eq!(rows_of(&csv_text, &columns), expected);
    let dist: f64 = rows_of(&csv_text, &["distance_m"])[1][0].parse().unwrap();
    // 0.00005° of latitude is 5.57 m.
    assert!((dist - 5.6).abs() < 0.1, "{dist}");
    // w100's gross area (900 m²) against OSM's outline of 0.0003° × 0.0002° at 52.52° N
    // (≈ 20.3 m × 22.3 m ≈ 452 m²): about −50 %, beyond the 25 % tolerance.
    let layer = layer_by_gdal(
        &city,
        "conflation",
        &["official_area_m2", "osm_area_m2", "note"],
    );
    assert_eq!(layer[0][0], "900");
    let osm_area: f64 = layer[0][1].parse().unwrap();
    assert!((osm_area - 452.0).abs() < 5.0, "{osm_area}");

    // The record of sources names the inventory, its format and CRS.
    let sources = layer_by_gdal(
        &city,
        "data_sources",
        &["layer", "location", "format", "crs"],
    );
    assert!(
        sources.contains(
            &strings(&[&[
                "facilities",
                "spielplaetze.gpkg",
                "GeoPackage (facility inventory, mapping spielplaetze.toml)",
                "EPSG:25833"
            ]])[0]
        ),
        "{sources:?}"
    );

    // m² per child: net areas 450 + 300 + 200 = 950 m² (n11 is a point: 0 m² by DIN 18034),
    // 25 children and 100 residents: 38 m² per child, 9.5 m² per resident.
    let a = spielraum(&[
        "analyze",
        city.to_str().unwrap(),
        "--format",
        "json",
        "--no-write-back",
    ]);
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    let json: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    let n = &json["neighbourhoods"][0];
    assert_eq!(n["play_area_m2"], 950.0);
    assert_eq!(n["play_area_net_m2"], 950.0);
    assert_eq!(n["play_area_m2_per_child"], 38.0);
    assert_eq!(n["play_area_m2_per_resident"], 9.5);
    let basis = json["data"]["play_area_basis"].as_str().unwrap();
    assert!(basis.contains("for 3 of 3 inventory facilities"), "{basis}");
}

#[test]
fn without_an_inventory_the_analysis_says_nothing_of_net_area() {
    let dir = tempfile::tempdir().unwrap();
    let (pbf, areas, people, _, _) = inputs(dir.path(), "");
    let city = dir.path().join("city.gpkg");
    let o = import(
        &pbf,
        &city,
        &[
            "--boundaries",
            areas.to_str().unwrap(),
            "--population",
            people.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let a = spielraum(&[
        "analyze",
        city.to_str().unwrap(),
        "--format",
        "json",
        "--no-write-back",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    let n = &json["neighbourhoods"][0];
    assert!(n.get("play_area_net_m2").is_none());
    assert!(json["data"].get("play_area_basis").is_none());
    // Only w100's outline counts (≈ 452 m²).
    let area = n["play_area_m2"].as_f64().unwrap();
    assert!((area - 452.0).abs() < 5.0, "{area}");
}

#[test]
fn bad_inventories_fail_with_one_line_naming_file_feature_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, String, &str, &str); 3] = [
        (
            "non-number net area",
            inventory("\"viel\"", "Spielplatz"),
            MAPPING,
            "feature 1: field 'netto_m2': 'viel' is not a number",
        ),
        (
            "unknown kind value",
            inventory("300", "Wasserspielplatz"),
            MAPPING,
            "feature 2: field 'kategorie': unknown kind value 'Wasserspielplatz'",
        ),
        (
            "missing mapped attribute",
            inventory("300", "Spielplatz"),
            "id = \"spielplatz\"\nkind = \"playground\"\nopening_hours = \"oeffnungszeiten\"\n",
            "feature 0: field 'oeffnungszeiten': no such attribute",
        ),
    ];
    for (i, (what, inv_text, mapping_text, message)) in cases.iter().enumerate() {
        let sub = dir.path().join(format!("case{i}"));
        std::fs::create_dir(&sub).unwrap();
        let (pbf, _, _, inv, mapping) = inputs(&sub, inv_text);
        std::fs::write(&mapping, mapping_text).unwrap();
        let o = import(
            &pbf,
            &sub.join("x.gpkg"),
            &[
                "--facilities",
                inv.to_str().unwrap(),
                "--facility-mapping",
                mapping.to_str().unwrap(),
            ],
        );
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(
            stderr.contains(&format!("{}: {message}", inv.display())),
            "{what}: {stderr}"
        );
        let (pbf, inv, mapping) = (
            pbf.to_str().unwrap().to_string(),
            inv.to_str().unwrap().to_string(),
            mapping.to_str().unwrap().to_string(),
        );
        assert_fails_cleanly(
            |out| {
                [
                    "import",
                    &pbf,
                    "--out",
                    out,
                    "--facilities",
                    &inv,
                    "--facility-mapping",
                    &mapping,
                    "--conflation-csv",
                    &format!("{out}.csv"),
                ]
                .map(String::from)
                .to_vec()
            },
            what,
        );
    }
}

#[test]
fn an_inventory_of_points_as_a_utm_shapefile_matches_as_in_wgs84() {
    let dir = tempfile::tempdir().unwrap();
    let (pbf, _, _, inv, mapping) = inputs(dir.path(), &inventory("300", "Spielplatz"));
    // The points only (a Shapefile holds one geometry type), in ETRS89/UTM 33N.
    let shp = dir.path().join("punkte.shp");
    tool_stdout(
        "ogr2ogr",
        &[
            "-f",
            "ESRI Shapefile",
            "-t_srs",
            "EPSG:25833",
            "-where",
            "spielplatz <> '1001'",
            shp.to_str().unwrap(),
            inv.to_str().unwrap(),
        ],
    );
    let city = dir.path().join("city.gpkg");
    let csv_out = dir.path().join("abgleich.csv");
    let o = import(
        &pbf,
        &city,
        &[
            "--facilities",
            shp.to_str().unwrap(),
            "--facility-mapping",
            mapping.to_str().unwrap(),
            "--conflation-csv",
            csv_out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv_text = std::fs::read_to_string(&csv_out).unwrap();
    let rows = rows_of(
        &csv_text,
        &[
            "status",
            "official_id",
            "osm_id",
            "net_area_m2",
            "area_m2_used",
        ],
    );
    assert_eq!(
        rows,
        strings(&[
            &["matched", "1002", "n10", "300", "300"],
            &["only_official", "1003", "", "200", "200"],
            // OSM's order: nodes, then ways.
            &["only_osm", "", "n11", "", ""],
            &["only_osm", "", "w100", "", &rows[3][4]],
        ])
    );
    // w100 keeps its outline's area (≈ 452 m², see above).
    let outline: f64 = rows[3][4].parse().unwrap();
    assert!((outline - 452.0).abs() < 5.0, "{outline}");
    // The UTM round trip keeps the 5.57 m between 1002 and n10.
    let dist: f64 = rows_of(&csv_text, &["distance_m"])[0][0].parse().unwrap();
    assert!((dist - 5.6).abs() < 0.1, "{dist}");
    let sources = layer_by_gdal(&city, "data_sources", &["layer", "location", "crs"]);
    assert!(sources.contains(&strings(&[&["facilities", "punkte.shp", "EPSG:25833"]])[0]));
}
