//! Inputs found by fuzzing (`bench/fuzz.sh`) that once crashed a reader: each must end in an
//! error naming the file, never in a panic.

use std::path::{Path, PathBuf};

use spielraum_ingest::boundaries::read_boundaries_geojson;
use spielraum_ingest::candidates::read_candidate_file;
use spielraum_ingest::osm::{OsmError, OsmOptions, read_osm};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// The fuzz seed town (`crates/fuzz/seeds/pbf/town.osm.pbf`, uncompressed) with one byte
/// changed: the member type of relation r1 (field 10, at offset 930) is 114 instead of 1 (the
/// format knows 0 node, 1 way, 2 relation). The decoder panics on it; the import reports a
/// damaged file.
#[test]
fn an_unknown_relation_member_type_is_a_damaged_file() {
    let path = data("unknown_member_type.osm.pbf");
    let quiet = |_: &str, _: u64, _: u64| {};
    match read_osm(&path, &OsmOptions::default(), &quiet) {
        Err(OsmError::Invalid { path: p, message }) => {
            assert_eq!(p, path);
            assert!(message.starts_with("damaged block"), "{message}");
            assert!(message.contains("114"), "{message}");
        }
        Err(other) => panic!("another error: {other}"),
        Ok(_) => panic!("a damaged file was imported"),
    }
}

/// A GeoJSON position needs two numbers (RFC 7946, 3.1.1); one with a single number made the
/// conversion to `geo` index past its end.
#[test]
fn a_position_with_one_number_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let boundaries = dir.path().join("boundaries.geojson");
    std::fs::write(
        &boundaries,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"West"},
        "geometry":{"type":"Polygon","coordinates":[[[9.50,47.10],[1],[9.50,47.11],[9.50,47.10]]]}}]}"#,
    )
    .unwrap();
    let e = read_boundaries_geojson(&boundaries)
        .unwrap_err()
        .to_string();
    assert!(e.contains("longitude and latitude expected"), "{e}");
    let site = dir.path().join("site.geojson");
    std::fs::write(
        &site,
        r#"{"type":"Feature","properties":{"name":"Ecke"},"geometry":{"type":"MultiPolygon",
        "coordinates":[[[[9.50,47.10],[901],[9.50,47.10]]]]}}"#,
    )
    .unwrap();
    let e = read_candidate_file(&site).unwrap_err().to_string();
    assert!(e.contains("longitude and latitude expected"), "{e}");
}
