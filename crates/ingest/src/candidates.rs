//! Candidate sites from a user's GeoJSON file: where a planner would consider a new facility.
//!
//! Points, Polygons and MultiPolygons; id from the feature id, an `id` property or `c1`, `c2`, …

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use geo_types::Geometry;
use geojson::GeoJson;
use model::scenario::{CandidateSite, validate_geometry};

/// Errors reading a candidate file; each names the file (and the feature).
#[derive(Debug, thiserror::Error)]
pub enum CandidateError {
    /// The file cannot be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not GeoJSON.
    #[error("{path}: not valid GeoJSON: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        message: String,
    },
    /// One feature is unusable.
    #[error("{path}: feature {index}: {message}")]
    Feature {
        /// The file.
        path: PathBuf,
        /// The feature's index in the file (0-based).
        index: usize,
        /// What is wrong.
        message: String,
    },
}

/// Reads candidate sites from a GeoJSON FeatureCollection (or a single Feature or Geometry) of
/// Points, Polygons and MultiPolygons in WGS84. `source` is `file`; the area is the polygon's
/// own (0 for points); the name comes from a `name` property.
pub fn read_candidate_file(path: &Path) -> Result<Vec<CandidateSite>, CandidateError> {
    let text = std::fs::read_to_string(path).map_err(|source| CandidateError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let gj: GeoJson = text
        .parse()
        .map_err(|e: geojson::Error| CandidateError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    let features = match gj {
        GeoJson::FeatureCollection(fc) => fc.features,
        GeoJson::Feature(f) => vec![f],
        GeoJson::Geometry(g) => vec![geojson::Feature::from(g)],
    };
    let bad = |index: usize, message: String| CandidateError::Feature {
        path: path.to_path_buf(),
        index,
        message,
    };
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(features.len());
    for (index, f) in features.into_iter().enumerate() {
        let prop = |k: &str| f.properties.as_ref().and_then(|p| p.get(k));
        let text_of = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        let id = match &f.id {
            Some(geojson::feature::Id::String(s)) => s.clone(),
            Some(geojson::feature::Id::Number(n)) => n.to_string(),
            None => prop("id")
                .and_then(text_of)
                .unwrap_or_else(|| format!("c{}", index + 1)),
        };
        if !seen.insert(id.clone()) {
            return Err(bad(index, format!("id '{id}' is used twice")));
        }
        let geometry = f
            .geometry
            .clone()
            .ok_or_else(|| bad(index, "has no geometry".into()))?;
        let geometry: Geometry<f64> = geometry
            .try_into()
            .map_err(|e: geojson::Error| bad(index, e.to_string()))?;
        if !matches!(
            geometry,
            Geometry::Point(_) | Geometry::Polygon(_) | Geometry::MultiPolygon(_)
        ) {
            return Err(bad(
                index,
                "geometry is not a Point, Polygon or MultiPolygon".into(),
            ));
        }
        // The same checks as for a planned facility: WGS84 range, valid polygons.
        validate_geometry(&geometry).map_err(|e| bad(index, e.to_string()))?;
        let area_m2 = model::geodesy::area_m2(&geometry); // 0 for points
        out.push(CandidateSite {
            id,
            source: "file".into(),
            name: prop("name").and_then(text_of),
            geometry,
            area_m2,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), text).unwrap();
        f
    }

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
        let none = err(r#"{"type":"Feature","properties":{},"geometry":null}"#);
        assert!(none.contains("has no geometry"), "{none}");
        let e = read_candidate_file(Path::new("/nonexistent/c.geojson"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("/nonexistent/c.geojson"), "{e}");
    }
}
