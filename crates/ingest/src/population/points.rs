//! User-supplied population points: CSV (`lon,lat,residents[,age_0_5,age_6_11,age_12_17]`), or
//! points with those attributes as GeoJSON, GeoPackage, Shapefile or FlatGeobuf in any supported
//! CRS (read through [`crate::vector`]).
//!
//! Owns parsing and checking those files; bands a file leaves out are filled from the age shares later.

use std::path::{Path, PathBuf};

use geo_types::Point;
use model::{AgeBand, PopulationSource, PopulationUnit};

use super::{AgeShares, Lines, PopulationError, parse_number};

const REQUIRED: [&str; 3] = ["lon", "lat", "residents"];

/// One point of a points file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PointRecord {
    /// WGS84 lon/lat.
    pub location: Point<f64>,
    /// All residents.
    pub residents: f64,
    /// Children per band where the file gives them.
    pub ages: [Option<f64>; 3],
}

impl PointRecord {
    /// The population unit, with missing bands from `shares`.
    pub fn into_unit(self, shares: &AgeShares) -> PopulationUnit {
        let fallback = shares.apply(self.residents);
        PopulationUnit {
            location: self.location,
            residents: self.residents,
            ages: [0, 1, 2].map(|i| self.ages[i].unwrap_or(fallback[i])),
            source: PopulationSource::Points,
        }
    }
}

/// A points file, read.
#[derive(Debug, Clone, PartialEq)]
pub struct PointsFile {
    /// The file it came from.
    pub file: PathBuf,
    /// Its points, in file order.
    pub points: Vec<PointRecord>,
    /// The vector format and CRS it was read in (`None` for a points CSV: WGS84).
    pub read_as: Option<(crate::vector::Format, crate::crs::Crs)>,
}

/// Checks that (lon, lat) is a WGS84 position; `line` is the line or feature number.
fn lon_lat(
    file: &std::path::Path,
    line: usize,
    lon: f64,
    lat: f64,
) -> Result<Point<f64>, PopulationError> {
    if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) {
        Ok(Point::new(lon, lat))
    } else {
        Err(PopulationError::BadLonLat {
            file: file.to_path_buf(),
            line,
            lon,
            lat,
        })
    }
}

/// Reads a points CSV whose header line is `header`.
pub(super) fn read_csv(mut lines: Lines, header: &str) -> Result<PointsFile, PopulationError> {
    let columns: Vec<&str> = header.split(',').map(str::trim).collect();
    let expected = "lon,lat,residents with optional age_0_5,age_6_11,age_12_17";
    let find = |name: &str| columns.iter().position(|c| *c == name);
    let (Some(lon), Some(lat), Some(residents)) = (find("lon"), find("lat"), find("residents"))
    else {
        if columns.len() >= 2 && !columns.iter().any(|c| REQUIRED.contains(c)) {
            return Err(PopulationError::UnknownKind {
                file: lines.file.clone(),
                header: header.to_string(),
            });
        }
        return Err(lines.columns_error(format!("found '{header}', expected {expected}")));
    };
    if let Some(extra) = columns
        .iter()
        .find(|c| !REQUIRED.contains(c) && c.parse::<AgeBand>().is_err())
    {
        return Err(lines.columns_error(format!("unknown column '{extra}', expected {expected}")));
    }
    let bands = AgeBand::ALL.map(|b| find(b.as_str()));
    let mut points = Vec::new();
    while lines.advance()? {
        let row: Vec<&str> = lines.current().split(',').collect();
        if row.len() != columns.len() {
            return Err(lines.columns_error(format!(
                "{} fields separated by ',', expected {} as in the header",
                row.len(),
                columns.len()
            )));
        }
        let number =
            |i: usize| parse_number(row[i]).ok_or_else(|| lines.not_numeric(columns[i], row[i]));
        let signed = |i: usize| {
            row[i]
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| lines.not_numeric(columns[i], row[i]))
        };
        let location = lon_lat(&lines.file, lines.number, signed(lon)?, signed(lat)?)?;
        let mut ages = [None; 3];
        for (age, column) in ages.iter_mut().zip(bands) {
            if let Some(i) = column {
                *age = Some(number(i)?);
            }
        }
        points.push(PointRecord {
            location,
            residents: number(residents)?,
            ages,
        });
    }
    Ok(PointsFile {
        file: lines.file,
        points,
        read_as: None,
    })
}

/// Reads a GeoJSON FeatureCollection of points whose first line is `first` (in WGS84, or in
/// the CRS its `crs` member names).
pub(super) fn read_geojson(lines: Lines, first: &str) -> Result<PointsFile, PopulationError> {
    let (file, text) = lines.rest(first)?;
    let read = crate::vector::read_geojson_bytes(
        &file,
        text.as_bytes(),
        crate::geojson::Accept::CollectionOf("points"),
    );
    points_of(&file, read)
}

/// Whether `path` names a binary vector file (GeoPackage, Shapefile, FlatGeobuf) by its
/// extension: those are read by [`read_vector`], not as text.
pub(super) fn is_vector_file(path: &Path) -> bool {
    use crate::vector::Format;
    matches!(
        Format::of(path),
        Some(Format::GeoPackage | Format::Shapefile | Format::FlatGeobuf)
    ) && path.extension().is_some()
}

/// Reads points from a GeoPackage, Shapefile or FlatGeobuf file in any supported CRS, with
/// the same attributes as GeoJSON points (`residents`, optional `age_0_5`, `age_6_11`,
/// `age_12_17`).
pub(super) fn read_vector(path: &Path) -> Result<PointsFile, PopulationError> {
    let read = crate::vector::read_features(path, &crate::vector::ReadOptions::default());
    points_of(path, read)
}

/// The points of a vector file read; errors name the feature by its number (first = 1).
fn points_of(
    path: &Path,
    read: Result<crate::vector::VectorFile, crate::vector::VectorError>,
) -> Result<PointsFile, PopulationError> {
    let file = path.to_path_buf();
    let error = |message: String| PopulationError::GeoJson {
        file: file.clone(),
        message,
    };
    let collection = read.map_err(|e| {
        // The vector reader's message starts with the file, as this error's does.
        let text = e.to_string();
        let prefix = format!("{}: ", path.display());
        error(text.strip_prefix(&prefix).unwrap_or(&text).to_string())
    })?;
    let mut points = Vec::with_capacity(collection.features.len());
    for (i, feature) in collection.features.iter().enumerate() {
        let number = i + 1;
        let position = match &feature.geometry {
            Ok(geo_types::Geometry::Point(p)) => *p,
            Ok(_) => return Err(error(format!("feature {number}: geometry is not a Point"))),
            Err(e) if e == "has no geometry" => {
                return Err(error(format!("feature {number}: geometry is not a Point")));
            }
            Err(e) => return Err(error(format!("feature {number}: {e}"))),
        };
        let property = |name: &str| -> Result<Option<f64>, PopulationError> {
            match feature.properties.get(name) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(v) => v
                    .as_f64()
                    .filter(|x| x.is_finite() && *x >= 0.0)
                    .map(Some)
                    .ok_or_else(|| {
                        error(format!(
                            "feature {number}: property {name} is not a non-negative number: {v}"
                        ))
                    }),
            }
        };
        let residents = property("residents")?
            .ok_or_else(|| error(format!("feature {number}: no numeric property residents")))?;
        let mut ages = [None; 3];
        for (age, band) in ages.iter_mut().zip(AgeBand::ALL) {
            *age = property(band.as_str())?;
        }
        points.push(PointRecord {
            location: lon_lat(&file, number, position.x(), position.y())?,
            residents,
            ages,
        });
    }
    Ok(PointsFile {
        file,
        points,
        read_as: Some((collection.format, collection.crs)),
    })
}
