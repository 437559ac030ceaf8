//! Neighbourhoods from a vector file of polygons (instead of OSM boundaries): GeoJSON,
//! GeoPackage, Shapefile or FlatGeobuf in any supported CRS (see [`crate::vector`]), or an
//! OGC API Features collection or WFS 2.0 feature type (see [`crate::remote`]).
//!
//! Name from a chosen attribute or `name`/`NAME`/`Name`, id from a chosen attribute or the
//! feature id, an `id` attribute or the running number; every polygon must be non-empty, have
//! closed rings (as GeoJSON requires) and be valid.

use std::path::Path;

use geo::{Orient, orient::Direction};
use geo_types::{Geometry, MultiPolygon};
use model::Neighbourhood;

use crate::crs::Crs;
use crate::geojson::Accept;
use crate::remote::{RemoteError, RemoteOptions, Retrieval, read_features_url};
use crate::vector::{Format, ReadOptions, VectorError, VectorFile, read_features};

/// Errors reading a boundaries file; each names the file (and the feature, the field).
pub type BoundaryError = VectorError;

/// Which attributes of a boundaries file hold each area's id and name, and which GeoPackage
/// table to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BoundaryOptions {
    /// The attribute holding the id (`None`: the feature id, an `id` attribute, the running
    /// number).
    pub id_attribute: Option<String>,
    /// The attribute holding the name (`None`: `name`, `NAME` or `Name`).
    pub name_attribute: Option<String>,
    /// The GeoPackage table to read (`None`: the only one).
    pub layer: Option<String>,
}

/// Reads neighbourhoods from a GeoJSON FeatureCollection of Polygon/MultiPolygon features
/// with the default attributes (see [`read_boundaries`]).
pub fn read_boundaries_geojson(path: &Path) -> Result<Vec<Neighbourhood>, BoundaryError> {
    read_boundaries(path, &BoundaryOptions::default())
}

/// Neighbourhoods read from a boundaries file, with the file's format and CRS (for the record
/// of where they came from).
#[derive(Debug, Clone)]
pub struct BoundaryFile {
    /// The neighbourhoods, in the file's order.
    pub neighbourhoods: Vec<Neighbourhood>,
    /// The file's format.
    pub format: Format,
    /// The CRS it was read in.
    pub crs: Crs,
}

/// Reads neighbourhoods from a vector file of Polygon/MultiPolygon features (a GeoJSON file
/// must be a FeatureCollection); a chosen attribute missing from a feature is an error naming
/// the feature and the attribute.
pub fn read_boundaries(
    path: &Path,
    options: &BoundaryOptions,
) -> Result<Vec<Neighbourhood>, BoundaryError> {
    read_boundary_file(path, options).map(|b| b.neighbourhoods)
}

/// [`read_boundaries`], with the file's format and CRS.
pub fn read_boundary_file(
    path: &Path,
    options: &BoundaryOptions,
) -> Result<BoundaryFile, BoundaryError> {
    let file = read_features(
        path,
        &ReadOptions {
            accept: Accept::CollectionOf("polygons"),
            layer: options.layer.clone(),
        },
    )?;
    boundaries_of(&file, options)
}

/// Neighbourhoods from an OGC API Features collection or a WFS 2.0 feature type (see
/// [`crate::remote`]), with what was fetched when.
pub fn read_boundary_url(
    url: &str,
    options: &BoundaryOptions,
    remote: &RemoteOptions,
) -> Result<(BoundaryFile, Retrieval), RemoteError> {
    let remote = RemoteOptions {
        accept: Accept::CollectionOf("polygons"),
        ..remote.clone()
    };
    let read = read_features_url(url, &remote)?;
    let boundaries = boundaries_of(&read.file, options)?;
    Ok((boundaries, read.retrieval))
}

/// The neighbourhoods of features read from a file or a service.
fn boundaries_of(
    file: &VectorFile,
    options: &BoundaryOptions,
) -> Result<BoundaryFile, BoundaryError> {
    let mut out = Vec::with_capacity(file.features.len());
    for (index, f) in file.features.iter().enumerate() {
        let name = match &options.name_attribute {
            Some(attribute) => f.text(attribute).ok_or_else(|| {
                file.error(
                    index,
                    format!("has no name attribute '{attribute}' (--boundary-name)"),
                )
            })?,
            None => ["name", "NAME", "Name"]
                .into_iter()
                .find_map(|k| f.text(k))
                .ok_or_else(|| file.error(index, "has no name property (name, NAME or Name)"))?,
        };
        let id = match &options.id_attribute {
            Some(attribute) => f.text(attribute).ok_or_else(|| {
                file.error(
                    index,
                    format!("has no id attribute '{attribute}' (--boundary-id)"),
                )
            })?,
            None => f.default_id().unwrap_or_else(|| (index + 1).to_string()),
        };
        let geometry = f.geometry.clone().map_err(|e| file.error(index, e))?;
        if let Some(problem) = model::validity::first_problem(&geometry) {
            return Err(file.error(index, format!("invalid polygon: {problem}")));
        }
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
    Ok(BoundaryFile {
        neighbourhoods: out,
        format: file.format,
        crs: file.crs,
    })
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

    /// The reader's error for one feature with `geometry` (as GeoJSON text).
    fn error_for(geometry: &str) -> String {
        let f = write(&format!(
            r#"{{"type":"FeatureCollection","features":[
              {{"type":"Feature","properties":{{"name":"ok"}},
               "geometry":{{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}}},
              {{"type":"Feature","properties":{{"name":"bad"}},"geometry":{geometry}}}]}}"#
        ));
        let e = read_boundaries_geojson(f.path()).unwrap_err().to_string();
        let prefix = format!("{}: feature 1: ", f.path().display());
        assert!(e.starts_with(&prefix), "{e}");
        assert_eq!(e.lines().count(), 1, "{e}");
        e[prefix.len()..].to_string()
    }

    #[test]
    fn invalid_polygons_are_refused() {
        let bowtie = r#"{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}"#;
        assert_eq!(
            error_for(bowtie),
            "invalid polygon: exterior ring has a self-intersection"
        );
        // Two parts sharing an edge.
        let touching = r#"{"type":"MultiPolygon","coordinates":[
            [[[0,0],[1,0],[1,1],[0,1],[0,0]]], [[[1,0],[2,0],[2,1],[1,1],[1,0]]]]}"#;
        assert_eq!(
            error_for(touching),
            "invalid polygon: polygons at indices 0 and 1 touch on a line"
        );
        let hole_outside = r#"{"type":"Polygon","coordinates":[
            [[0,0],[1,0],[1,1],[0,1],[0,0]], [[2,2],[3,2],[3,3],[2,2]]]}"#;
        assert_eq!(
            error_for(hole_outside),
            "invalid polygon: interior ring at index 0 is not contained within the polygon's exterior"
        );
        let flat = r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}"#;
        assert_eq!(
            error_for(flat),
            "invalid polygon: exterior ring must have at least 3 distinct points"
        );
    }

    #[test]
    fn unclosed_rings_are_refused() {
        let open = r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}"#;
        assert_eq!(
            error_for(open),
            "exterior ring is not closed (GeoJSON rings end at their first position)"
        );
        let open_hole = r#"{"type":"MultiPolygon","coordinates":[
            [[[0,0],[1,0],[1,1],[0,0]]],
            [[[5,5],[9,5],[9,9],[5,9],[5,5]], [[6,6],[7,6],[7,7]]]]}"#;
        assert_eq!(
            error_for(open_hole),
            "polygon 1, interior ring 0 is not closed (GeoJSON rings end at their first position)"
        );
    }

    #[test]
    fn empty_geometries_are_refused() {
        for empty in [
            r#"{"type":"Polygon","coordinates":[]}"#,
            r#"{"type":"Polygon","coordinates":[[]]}"#,
            r#"{"type":"MultiPolygon","coordinates":[]}"#,
            r#"{"type":"MultiPolygon","coordinates":[[[]]]}"#,
        ] {
            assert_eq!(
                error_for(empty),
                "geometry is empty (no coordinates)",
                "{empty}"
            );
        }
        // A part without points next to a real one.
        let one_empty =
            r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]], []]}"#;
        assert_eq!(error_for(one_empty), "polygon 1, exterior ring is empty");
    }

    #[test]
    fn short_positions_are_errors_not_crashes() {
        let short = r#"{"type":"Polygon","coordinates":[[[0],[1,0],[1,1],[0]]]}"#;
        let f = write(&format!(
            r#"{{"type":"FeatureCollection","features":[
              {{"type":"Feature","properties":{{"name":"bad"}},"geometry":{short}}}]}}"#
        ));
        let e = read_boundaries_geojson(f.path()).unwrap_err().to_string();
        assert_eq!(
            e,
            format!(
                "{}: feature 0: a position has 1 number(s), longitude and latitude expected",
                f.path().display()
            )
        );
    }
}
