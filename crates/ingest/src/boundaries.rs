//! Neighbourhoods from a GeoJSON FeatureCollection of polygons (instead of OSM boundaries).
//!
//! Name from `name`/`NAME`/`Name`, id from the feature id, an `id` property or the running number.

use std::path::{Path, PathBuf};

use geo::{Orient, orient::Direction};
use geo_types::{Geometry, MultiPolygon};
use geojson::GeoJson;
use model::Neighbourhood;

/// Errors reading a boundaries GeoJSON; each names the file (and the feature).
#[derive(Debug, thiserror::Error)]
pub enum BoundaryError {
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
    /// The GeoJSON is not a FeatureCollection.
    #[error("{path}: expected a GeoJSON FeatureCollection of polygons")]
    NotCollection {
        /// The file.
        path: PathBuf,
    },
    /// One feature is unusable.
    #[error("{path}: feature {index}: {message}")]
    Feature {
        /// The file.
        path: PathBuf,
        /// The feature's index in the collection (0-based).
        index: usize,
        /// What is wrong.
        message: String,
    },
}

/// Reads neighbourhoods from a GeoJSON FeatureCollection of Polygon/MultiPolygon features.
pub fn read_boundaries_geojson(path: &Path) -> Result<Vec<Neighbourhood>, BoundaryError> {
    let text = std::fs::read_to_string(path).map_err(|source| BoundaryError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let gj: GeoJson = text
        .parse()
        .map_err(|e: geojson::Error| BoundaryError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    let GeoJson::FeatureCollection(fc) = gj else {
        return Err(BoundaryError::NotCollection {
            path: path.to_path_buf(),
        });
    };
    let bad = |index: usize, message: String| BoundaryError::Feature {
        path: path.to_path_buf(),
        index,
        message,
    };
    let mut out = Vec::new();
    for (index, f) in fc.features.into_iter().enumerate() {
        let prop = |k: &str| f.properties.as_ref().and_then(|p| p.get(k)).cloned();
        let text_of = |v: serde_json::Value| match v {
            serde_json::Value::String(s) => Some(s),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        let name = ["name", "NAME", "Name"]
            .into_iter()
            .find_map(|k| prop(k).and_then(text_of))
            .ok_or_else(|| bad(index, "has no name property (name, NAME or Name)".into()))?;
        let id = match &f.id {
            Some(geojson::feature::Id::String(s)) => s.clone(),
            Some(geojson::feature::Id::Number(n)) => n.to_string(),
            None => prop("id")
                .and_then(text_of)
                .unwrap_or_else(|| (index + 1).to_string()),
        };
        let geometry = f
            .geometry
            .ok_or_else(|| bad(index, "has no geometry".into()))?;
        let geometry: Geometry<f64> = geometry
            .try_into()
            .map_err(|e: geojson::Error| bad(index, e.to_string()))?;
        let mp = match geometry {
            Geometry::Polygon(p) => MultiPolygon(vec![p]),
            Geometry::MultiPolygon(mp) => mp,
            _ => {
                return Err(bad(
                    index,
                    "geometry is not a Polygon or MultiPolygon".into(),
                ));
            }
        };
        out.push(Neighbourhood {
            id,
            name,
            admin_level: None,
            geometry: mp.orient(Direction::Default),
            population: None,
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
    fn reads_names_ids_and_both_polygon_types() {
        let f = write(
            r#"{"type":"FeatureCollection","features":[
              {"type":"Feature","id":"A1","properties":{"name":"Nord"},
               "geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}},
              {"type":"Feature","properties":{"NAME":"Süd","id":7},
               "geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}},
              {"type":"Feature","properties":{"Name":"Ost"},
               "geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}"#,
        );
        let n = read_boundaries_geojson(f.path()).unwrap();
        let got: Vec<(&str, &str)> = n.iter().map(|n| (n.id.as_str(), n.name.as_str())).collect();
        assert_eq!(got, vec![("A1", "Nord"), ("7", "Süd"), ("3", "Ost")]);
        assert!(n.iter().all(|n| n.geometry.0.len() == 1));
    }

    #[test]
    fn broken_files_name_the_file_and_feature() {
        let f = write("{\"type\": \"FeatureCollection\", \"features\": [");
        let e = read_boundaries_geojson(f.path()).unwrap_err().to_string();
        assert!(e.contains(&f.path().display().to_string()), "{e}");
        let f = write(
            r#"{"type":"FeatureCollection","features":[
              {"type":"Feature","properties":{"name":"a"},"geometry":{"type":"Point","coordinates":[0,0]}}]}"#,
        );
        let e = read_boundaries_geojson(f.path()).unwrap_err().to_string();
        assert!(
            e.contains("feature 0") && e.contains("not a Polygon"),
            "{e}"
        );
        let e = read_boundaries_geojson(Path::new("/nonexistent/b.geojson"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("/nonexistent/b.geojson"), "{e}");
    }
}
