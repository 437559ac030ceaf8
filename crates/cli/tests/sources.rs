//! End-to-end tests of the provenance an import records (`data_sources`, issue 16): the table
//! read back with GDAL, the credits on the served map and in the exported site's README, and a
//! note that names no input refused before anything is written.
//!
//! Needs: `apt-get install -y osmium-tool gdal-bin`.

use std::path::Path;

use crate::helpers::{import, pbf_from_opl};

/// A footway with a playground, inside one square neighbourhood.
const OPL: &str = "\
n1 v1 x0.0 y0.0
n2 v1 x0.001 y0.0
n10 v1 Tleisure=playground x0.001 y0.0005
w1 v1 Thighway=footway Nn1,n2
";

const AREAS: &str = r#"{"type": "FeatureCollection", "features": [
  {"type": "Feature", "id": "A1", "properties": {"name": "Nord"},
   "geometry": {"type": "Polygon", "coordinates": [[[-0.01, -0.01], [0.01, -0.01], [0.01, 0.01], [-0.01, 0.01], [-0.01, -0.01]]]}}
]}"#;

/// Writes the map, the areas and a points file into `dir`.
fn inputs(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let pbf = pbf_from_opl(dir, OPL);
    let areas = dir.join("areas.geojson");
    std::fs::write(&areas, AREAS).unwrap();
    let people = dir.join("people.csv");
    std::fs::write(&people, "lon,lat,residents\n0.0005,0.0002,40\n").unwrap();
    (pbf, areas, people)
}

/// The rows of `data_sources` as GDAL reads them (`ogr2ogr -f CSV`): (layer, location, format,
/// crs, licence, attribution), "" for null.
fn sources_by_gdal(city: &Path) -> Vec<[String; 6]> {
    let columns = [
        "layer",
        "location",
        "format",
        "crs",
        "licence",
        "attribution",
    ];
    crate::helpers::layer_by_gdal(city, "data_sources", &columns)
        .into_iter()
        .map(|row| <[String; 6]>::try_from(row).unwrap())
        .collect()
}

#[test]
fn an_import_records_every_input_and_the_map_and_site_credit_them() {
    let dir = tempfile::tempdir().unwrap();
    let (pbf, areas, people) = inputs(dir.path());
    let city = dir.path().join("city.gpkg");
    let out = import(
        &pbf,
        &city,
        &[
            "--boundaries",
            areas.to_str().unwrap(),
            "--population",
            people.to_str().unwrap(),
            "--attribution",
            "areas.geojson=© Stadt Beispiel, Statistikstelle",
            "--licence",
            &format!("{}=dl-de/by-2-0", areas.display()),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let row =
        |layer: &str, location: &str, format: &str, crs: &str, licence: &str, credit: &str| {
            [layer, location, format, crs, licence, credit].map(str::to_string)
        };
    let osm = |layer: &str| row(layer, "map.osm.pbf", "OSM PBF", "EPSG:4326", "ODbL 1.0", "");
    let expected = vec![
        osm("facilities"),
        osm("buildings"),
        osm("walk_ways"),
        osm("tagged_nodes"),
        osm("basemap"),
        osm("candidate_sites"),
        row(
            "neighbourhoods",
            "areas.geojson",
            "GeoJSON",
            "EPSG:4326",
            "dl-de/by-2-0",
            "© Stadt Beispiel, Statistikstelle",
        ),
        row(
            "population",
            "people.csv",
            "CSV points",
            "EPSG:4326",
            "",
            "",
        ),
    ];
    assert_eq!(sources_by_gdal(&city), expected);

    // The live map's attribution: OSM with its link, then every other source once.
    let (mut server, addr) = crate::serve::start(&city);
    let (status, body) = crate::serve::get(&addr, "/style.json");
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(status, 200);
    let style: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        style["sources"]["spielraum"]["attribution"],
        "© <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap contributors</a> \
         | © Stadt Beispiel, Statistikstelle | people.csv"
    );

    // The exported site names every source in its README and credits them on its map.
    let site = dir.path().join("site");
    let out = crate::helpers::spielraum(&[
        "export",
        city.to_str().unwrap(),
        "--out",
        site.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let readme = std::fs::read_to_string(site.join("README.md")).unwrap();
    assert!(
        readme.contains("- neighbourhoods: areas.geojson (GeoJSON; CRS EPSG:4326; retrieved ")
            && readme.contains("; licence dl-de/by-2-0; credit © Stadt Beispiel, Statistikstelle)"),
        "{readme}"
    );
    assert!(readme.contains("- population: people.csv (CSV points; CRS EPSG:4326;"));
    let style: serde_json::Value =
        serde_json::from_slice(&std::fs::read(site.join("style.json")).unwrap()).unwrap();
    let credit = style["sources"]["spielraum"]["attribution"]
        .as_str()
        .unwrap();
    assert!(
        credit.ends_with("(ODbL) | © Stadt Beispiel, Statistikstelle | people.csv"),
        "{credit}"
    );
}

#[test]
fn a_note_naming_no_input_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let (pbf, areas, _) = inputs(dir.path());
    let city = dir.path().join("city.gpkg");
    let out = import(
        &pbf,
        &city,
        &[
            "--boundaries",
            areas.to_str().unwrap(),
            "--attribution",
            "register.csv=© Statistikstelle",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("--attribution register.csv=…: names no input of this import"),
        "{err}"
    );
    assert!(!city.exists());
    // A note without '=' is refused by the argument parser.
    let out = import(&pbf, &city, &["--licence", "areas.geojson"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected INPUT=TEXT"));
    assert!(!city.exists());
}
