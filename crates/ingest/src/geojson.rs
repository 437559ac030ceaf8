//! Reading a user's GeoJSON file into features, with one-line errors that name the file (and the
//! feature by its index); the boundary and candidate readers build on it.
//!
//! Also the small readings both need of a feature: its id, a text property, its geometry.

use std::path::{Path, PathBuf};

use geo_types::Geometry;
use geojson::{Feature, GeoJson};

/// Errors reading a GeoJSON file; each names the file (and the feature).
#[derive(Debug, thiserror::Error)]
pub enum GeoJsonError {
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
    /// The GeoJSON is not a FeatureCollection, where only one will do.
    #[error("{path}: expected a GeoJSON FeatureCollection of {of}")]
    NotCollection {
        /// The file.
        path: PathBuf,
        /// What the collection should hold, e.g. "polygons".
        of: &'static str,
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

/// Which top-level GeoJSON objects a file may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// Only a FeatureCollection; anything else is [`GeoJsonError::NotCollection`] naming what it
    /// should hold.
    CollectionOf(&'static str),
    /// A FeatureCollection, or a single Feature or Geometry (one feature).
    Any,
}

/// The features of one GeoJSON file, with its path for error messages.
#[derive(Debug, Clone)]
pub struct FeatureFile {
    /// The file read.
    pub path: PathBuf,
    /// Its features in file order (index = position in the collection).
    pub features: Vec<Feature>,
}

impl FeatureFile {
    /// Reads and parses `path`, taking the top-level objects `accept` allows.
    pub fn read(path: &Path, accept: Accept) -> Result<FeatureFile, GeoJsonError> {
        let text = std::fs::read_to_string(path).map_err(|source| GeoJsonError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let gj: GeoJson = text
            .parse()
            .map_err(|e: geojson::Error| GeoJsonError::Parse {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
        let features = match (gj, accept) {
            (GeoJson::FeatureCollection(fc), _) => fc.features,
            (GeoJson::Feature(f), Accept::Any) => vec![f],
            (GeoJson::Geometry(g), Accept::Any) => vec![Feature::from(g)],
            (_, Accept::CollectionOf(of)) => {
                return Err(GeoJsonError::NotCollection {
                    path: path.to_path_buf(),
                    of,
                });
            }
        };
        Ok(FeatureFile {
            path: path.to_path_buf(),
            features,
        })
    }

    /// The error "feature `index`: `message`" in this file.
    pub fn error(&self, index: usize, message: impl Into<String>) -> GeoJsonError {
        GeoJsonError::Feature {
            path: self.path.clone(),
            index,
            message: message.into(),
        }
    }
}

/// A property as text: a string as it is, a number written out; `None` if absent or other JSON.
pub fn text_property(feature: &Feature, key: &str) -> Option<String> {
    match feature.properties.as_ref()?.get(key)? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The feature's id: its GeoJSON `id` (string or number), else an `id` property as text.
pub fn feature_id(feature: &Feature) -> Option<String> {
    match &feature.id {
        Some(geojson::feature::Id::String(s)) => Some(s.clone()),
        Some(geojson::feature::Id::Number(n)) => Some(n.to_string()),
        None => text_property(feature, "id"),
    }
}

/// The feature's geometry; the error message (without file and index) if it has none or it
/// cannot be converted.
pub fn feature_geometry(feature: &Feature) -> Result<Geometry<f64>, String> {
    let geometry = feature.geometry.clone().ok_or("has no geometry")?;
    if !positions_complete(&geometry.value) {
        return Err("has a position with fewer than two coordinates".into());
    }
    geometry
        .try_into()
        .map_err(|e: geojson::Error| e.to_string())
}

/// Whether every position of `value` has at least two numbers (the conversion to `geo`
/// indexes the first two and panics on shorter ones).
fn positions_complete(value: &geojson::GeometryValue) -> bool {
    use geojson::GeometryValue as V;
    let ok = |p: &geojson::Position| p.len() >= 2;
    match value {
        V::Point { coordinates } => ok(coordinates),
        V::MultiPoint { coordinates } | V::LineString { coordinates } => coordinates.iter().all(ok),
        V::MultiLineString { coordinates } | V::Polygon { coordinates } => {
            coordinates.iter().flatten().all(ok)
        }
        V::MultiPolygon { coordinates } => coordinates.iter().flatten().flatten().all(ok),
        V::GeometryCollection { geometries } => {
            geometries.iter().all(|g| positions_complete(&g.value))
        }
    }
}

/// A temporary file holding `text`, for the readers' tests.
#[cfg(test)]
pub(crate) fn write_temp(text: &str) -> tempfile::NamedTempFile {
    let f = tempfile::NamedTempFile::new().expect("a temporary file");
    std::fs::write(f.path(), text).expect("writing the temporary file");
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use write_temp as write;

    #[test]
    fn collections_only_where_asked() {
        let f = write(r#"{"type":"Point","coordinates":[9.5,47.1]}"#);
        let one = FeatureFile::read(f.path(), Accept::Any).unwrap();
        assert_eq!(one.features.len(), 1);
        let e = FeatureFile::read(f.path(), Accept::CollectionOf("polygons"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            format!(
                "{}: expected a GeoJSON FeatureCollection of polygons",
                f.path().display()
            )
        );
    }

    #[test]
    fn ids_properties_and_geometry() {
        let f = write(
            r#"{"type":"FeatureCollection","features":[
              {"type":"Feature","id":5,"properties":{"name":"A","id":"x"},"geometry":null},
              {"type":"Feature","properties":{"id":"x","n":2.5,"b":true},
               "geometry":{"type":"Point","coordinates":[1,2]}}]}"#,
        );
        let file = FeatureFile::read(f.path(), Accept::Any).unwrap();
        let [a, b] = &file.features[..] else {
            panic!("two features")
        };
        assert_eq!(feature_id(a).as_deref(), Some("5"));
        assert_eq!(feature_id(b).as_deref(), Some("x"));
        assert_eq!(text_property(b, "n").as_deref(), Some("2.5"));
        assert_eq!(text_property(b, "b"), None);
        assert_eq!(text_property(b, "missing"), None);
        assert_eq!(feature_geometry(a).unwrap_err(), "has no geometry");
        assert_eq!(
            feature_geometry(b).unwrap(),
            Geometry::Point(geo_types::Point::new(1.0, 2.0))
        );
        let e = file.error(1, "is odd").to_string();
        assert_eq!(e, format!("{}: feature 1: is odd", f.path().display()));
    }
}
