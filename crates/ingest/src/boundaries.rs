//! Neighbourhoods from a GeoJSON FeatureCollection of polygons (instead of OSM boundaries).
//!
//! Name from `name`/`NAME`/`Name`, id from the feature id, an `id` property or the running number.

use std::path::Path;

use geo::{Orient, orient::Direction};
use geo_types::{Geometry, MultiPolygon};
use model::Neighbourhood;

use crate::geojson::{
    Accept, FeatureFile, GeoJsonError, feature_geometry, feature_id, text_property,
};

/// Errors reading a boundaries GeoJSON; each names the file (and the feature).
pub type BoundaryError = GeoJsonError;

/// Reads neighbourhoods from a GeoJSON FeatureCollection of Polygon/MultiPolygon features.
pub fn read_boundaries_geojson(path: &Path) -> Result<Vec<Neighbourhood>, BoundaryError> {
    let file = FeatureFile::read(path, Accept::CollectionOf("polygons"))?;
    let mut out = Vec::with_capacity(file.features.len());
    for (index, f) in file.features.iter().enumerate() {
        let name = ["name", "NAME", "Name"]
            .into_iter()
            .find_map(|k| text_property(f, k))
            .ok_or_else(|| file.error(index, "has no name property (name, NAME or Name)"))?;
        let id = feature_id(f).unwrap_or_else(|| (index + 1).to_string());
        let geometry = feature_geometry(f).map_err(|e| file.error(index, e))?;
        let mp = match geometry {
            Geometry::Polygon(p) => MultiPolygon(vec![p]),
            Geometry::MultiPolygon(mp) => mp,
            _ => {
                return Err(file.error(index, "geometry is not a Polygon or MultiPolygon"));
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
    use crate::geojson::write_temp as write;

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
