//! `spielraum import --boundaries` with the city's own files: a Shapefile in ETRS89/UTM 32N and
//! a GeoPackage in Gauss–Krüger written by GDAL (`ogr2ogr`) from a GeoJSON, with
//! `--boundary-id`/`--boundary-name`; bad files fail with one line and write nothing.

use std::path::{Path, PathBuf};

use crate::helpers::{import, pbf_from_opl, tool_stdout};
use crate::import::assert_fails_cleanly;

/// A playground and a footway near 9.5°E, 47.1°N.
const OPL: &str = "\
n1 x9.500 y47.100 Tleisure=playground
n2 x9.500 y47.101
n3 x9.502 y47.101
w1 Thighway=footway Nn2,n3
";

/// Two planning areas (Planungsräume) with umlauts in their names and ids in `PLR_ID`.
const AREAS: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"PLR_ID":"0101","PLR_NAME":"Äußere Au"},
 "geometry":{"type":"Polygon","coordinates":[[[9.49,47.09],[9.50,47.09],[9.50,47.11],[9.49,47.11],[9.49,47.09]]]}},
{"type":"Feature","properties":{"PLR_ID":"0102","PLR_NAME":"Grünwinkel"},
 "geometry":{"type":"Polygon","coordinates":[[[9.50,47.09],[9.51,47.09],[9.51,47.11],[9.50,47.11],[9.50,47.09]]]}}]}"#;

/// `AREAS` converted by ogr2ogr into `dir/name` in `srs`.
fn areas_as(dir: &Path, name: &str, driver: &str, srs: &str) -> PathBuf {
    let src = dir.join("areas.geojson");
    std::fs::write(&src, AREAS).unwrap();
    let out = dir.join(name);
    tool_stdout(
        "ogr2ogr",
        &[
            "-f",
            driver,
            "-t_srs",
            srs,
            out.to_str().unwrap(),
            src.to_str().unwrap(),
        ],
    );
    out
}

/// (id, name) of the neighbourhoods written, in order.
fn neighbourhoods(gpkg: &Path) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open(gpkg).unwrap();
    let mut s = conn
        .prepare("SELECT id, name FROM neighbourhoods ORDER BY id")
        .unwrap();
    s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn planning_areas_from_a_shapefile_and_a_geopackage() {
    let dir = tempfile::tempdir().unwrap();
    let pbf = pbf_from_opl(dir.path(), OPL);
    let expected = [
        ("0101".to_string(), "Äußere Au".to_string()),
        ("0102".to_string(), "Grünwinkel".to_string()),
    ];
    for (file, driver, srs) in [
        ("areas.shp", "ESRI Shapefile", "EPSG:25832"),
        ("areas.gpkg", "GPKG", "EPSG:31467"),
    ] {
        let areas = areas_as(dir.path(), file, driver, srs);
        let out = dir.path().join(format!("{file}.city.gpkg"));
        let o = import(
            &pbf,
            &out,
            &[
                "--boundaries",
                areas.to_str().unwrap(),
                "--boundary-id",
                "PLR_ID",
                "--boundary-name",
                "PLR_NAME",
            ],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(neighbourhoods(&out), expected, "{file}");
        // The record of sources names the file, its format and the CRS it was read in.
        let conn = rusqlite::Connection::open(&out).unwrap();
        let source: (String, String, String) = conn
            .query_row(
                "SELECT location, format, crs FROM data_sources WHERE layer = 'neighbourhoods'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        let format = if driver == "GPKG" {
            "GeoPackage"
        } else {
            "Shapefile"
        };
        assert_eq!(
            source,
            (file.to_string(), format.to_string(), srs.to_string())
        );
    }
}

#[test]
fn bad_boundary_files_fail_with_one_line_and_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let pbf = pbf_from_opl(dir.path(), OPL);
    let pbf = pbf.to_str().unwrap().to_string();
    let shp = areas_as(dir.path(), "areas.shp", "ESRI Shapefile", "EPSG:25832");
    let shp = shp.to_str().unwrap().to_string();
    let run = |extra: &[&str], what: &str| {
        let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        let pbf = pbf.clone();
        assert_fails_cleanly(
            move |out| {
                let mut args = vec!["import".into(), pbf.clone(), "--out".into(), out.into()];
                args.extend(extra.iter().cloned());
                args
            },
            what,
        );
    };
    // The message names the file, the feature and the attribute.
    let o = import(
        Path::new(&pbf),
        &dir.path().join("x.gpkg"),
        &[
            "--boundaries",
            &shp,
            "--boundary-name",
            "PLR_NAME",
            "--boundary-id",
            "LOR",
        ],
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains(&format!(
            "{shp}: feature 0: has no id attribute 'LOR' (--boundary-id)"
        )),
        "{stderr}"
    );
    run(
        &["--boundaries", &shp, "--boundary-id", "LOR"],
        "missing id attribute",
    );
    run(
        &["--boundaries", &shp, "--boundary-name", "BEZ"],
        "missing name attribute",
    );
    // Without its .prj the CRS is unknown: refused, not guessed.
    std::fs::remove_file(Path::new(&shp).with_extension("prj")).unwrap();
    let o = import(
        Path::new(&pbf),
        &dir.path().join("y.gpkg"),
        &["--boundaries", &shp],
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("has no .prj: cannot tell its CRS"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    run(&["--boundaries", &shp], "shapefile without .prj");
}
