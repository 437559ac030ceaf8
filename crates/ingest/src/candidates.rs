//! Candidate sites from a user's vector file: where a planner would consider a new facility.
//!
//! Points, Polygons and MultiPolygons from GeoJSON, GeoPackage, Shapefile or FlatGeobuf in any
//! supported CRS (see [`crate::vector`]), or from a web service (see [`crate::remote`]); id
//! from the feature id, an `id` property or `c1`, `c2`, …

use std::collections::HashSet;
use std::path::Path;

use geo_types::Geometry;
use model::scenario::{CandidateSite, validate_geometry};

use crate::remote::{RemoteError, RemoteOptions, read_features_url};
use crate::vector::{ReadOptions, VectorError, VectorFile, read_features};

/// Errors reading a candidate file; each names the file (and the feature).
pub type CandidateError = VectorError;

/// Reads candidate sites from a vector file of Points, Polygons and MultiPolygons (a GeoJSON
/// FeatureCollection, or a single Feature or Geometry). `source` is `file`; the area is the
/// polygon's own (0 for points); the name comes from a `name` property.
pub fn read_candidate_file(path: &Path) -> Result<Vec<CandidateSite>, CandidateError> {
    candidates_of(&read_features(path, &ReadOptions::default())?)
}

/// Reads candidate sites from an OGC API Features collection or a WFS 2.0 feature type (see
/// [`crate::remote`]), as [`read_candidate_file`] does from a file.
pub fn read_candidate_url(
    url: &str,
    remote: &RemoteOptions,
) -> Result<Vec<CandidateSite>, RemoteError> {
    let read = read_features_url(url, remote)?;
    Ok(candidates_of(&read.file)?)
}

/// The candidate sites of features read from a file or a service.
fn candidates_of(file: &VectorFile) -> Result<Vec<CandidateSite>, CandidateError> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(file.features.len());
    for (index, f) in file.features.iter().enumerate() {
        let id = f.default_id().unwrap_or_else(|| format!("c{}", index + 1));
        if !seen.insert(id.clone()) {
            return Err(file.error(index, format!("id '{id}' is used twice")));
        }
        let geometry = f.geometry.clone().map_err(|e| file.error(index, e))?;
        if !matches!(
            geometry,
            Geometry::Point(_) | Geometry::Polygon(_) | Geometry::MultiPolygon(_)
        ) {
            return Err(file.error(index, "geometry is not a Point, Polygon or MultiPolygon"));
        }
        // The same checks as for a planned facility: WGS84 range, valid polygons.
        validate_geometry(&geometry).map_err(|e| file.error(index, e.to_string()))?;
        let area_m2 = model::geodesy::area_m2(&geometry); // 0 for points
        out.push(CandidateSite {
            id,
            source: "file".into(),
            name: f.text("name"),
            geometry,
            area_m2,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geojson::write_temp as write;

    #[test]
    fn reads_points_and_polygons_with_ids() {
        // The polygon is a 0.001° square at 47° N: 111.2 m × 75.8 m ≈ 8 430 m² (hand-worked).
        let f = write(
            r#"{"type":"FeatureCollection","features":[
              {"type":"Feature","id":"lot-7","properties":{"name":"Brache"},
               "geometry":{"type":"Polygon","coordinates":[[[9.5,47],[9.501,47],[9.501,47.001],[9.5,47.001],[9.5,47]]]}},
              {"type":"Feature","properties":{"id":12},
               "geometry":{"type":"Point","coordinates":[9.52,47.14]}},
              {"type":"Feature","properties":null,
               "geometry":{"type":"MultiPolygon","coordinates":[[[[9.5,47],[9.501,47],[9.501,47.001],[9.5,47]]]]}}]}"#,
        );
        let sites = read_candidate_file(f.path()).unwrap();
        let ids: Vec<&str> = sites.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["lot-7", "12", "c3"]);
        assert_eq!(sites[0].name.as_deref(), Some("Brache"));
        assert!(
            (sites[0].area_m2 - 8430.0).abs() < 60.0,
            "{}",
            sites[0].area_m2
        );
        assert_eq!(sites[1].area_m2, 0.0);
        // The triangle is half the square.
        assert!(
            (sites[2].area_m2 - 4215.0).abs() < 30.0,
            "{}",
            sites[2].area_m2
        );
        assert!(sites.iter().all(|s| s.source == "file"));
        // A bare geometry is one site.
        let f = write(r#"{"type":"Point","coordinates":[9.5,47.1]}"#);
        assert_eq!(read_candidate_file(f.path()).unwrap()[0].id, "c1");
    }

    #[test]
    fn broken_files_are_clear_errors() {
        let err = |text: &str| {
            let f = write(text);
            let e = read_candidate_file(f.path()).unwrap_err().to_string();
            assert!(e.contains(&f.path().display().to_string()), "{e}");
            e
        };
        assert!(
            err("{\"type\": \"FeatureCollection\", \"features\": [").contains("not valid GeoJSON")
        );
        let line = err(r#"{"type":"LineString","coordinates":[[9.5,47],[9.6,47]]}"#);
        assert!(
            line.contains("feature 0: geometry is not a Point"),
            "{line}"
        );
        let far = err(r#"{"type":"Point","coordinates":[200,47]}"#);
        assert!(far.contains("not a WGS84"), "{far}");
        let twice = err(r#"{"type":"FeatureCollection","features":[
              {"type":"Feature","id":1,"properties":{},"geometry":{"type":"Point","coordinates":[9,47]}},
              {"type":"Feature","properties":{"id":"1"},"geometry":{"type":"Point","coordinates":[9,47]}}]}"#);
        assert!(twice.contains("feature 1: id '1' is used twice"), "{twice}");
        // Positions of one number crashed the conversion once; now they are errors.
        let short = err(r#"{"type":"Point","coordinates":[9.5]}"#);
        assert!(
            short.contains("must contain two or more elements"),
            "{short}"
        );
        let short =
            err(r#"{"type":"MultiPolygon","coordinates":[[[[9,47],[9.1,47],[9.1],[9,47]]]]}"#);
        assert!(
            short.contains("feature 0: a position has 1 number(s)"),
            "{short}"
        );
        let none = err(r#"{"type":"Feature","properties":{},"geometry":null}"#);
        assert!(none.contains("has no geometry"), "{none}");
        let e = read_candidate_file(Path::new("/nonexistent/c.geojson"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("/nonexistent/c.geojson"), "{e}");
    }
}
