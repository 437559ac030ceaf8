//! The analysis workflow: a city GeoPackage → indicators per neighbourhood and gap areas, and
//! the result layers `neighbourhood_indicators` and `gap_areas` with their declared columns.

use std::path::{Path, PathBuf};

use analysis::{Analysis, AnalysisError, Standards};
use model::City;
use network::WalkGraph;
use serde_json::Value as Json;
use store::{Column, ColumnType, StoreError};

use crate::Progress;
use crate::load::{self, LoadError, Loaded};

/// A result layer written into the GeoPackage: its table name and its columns in order.
///
/// The columns are those of the analysis' flat rows ([`Analysis::neighbourhood_rows`],
/// [`Analysis::gap_area_rows`]), each with the type its values have; an empty layer has them too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResultLayer {
    /// The table name.
    pub name: &'static str,
    /// Column names and types, in order (after the `fid` and `geom` columns).
    pub columns: &'static [(&'static str, ColumnType)],
}

use ColumnType::{Integer, Real, Text};

/// One row per neighbourhood: identity, children, served shares, gaps, 2SFCA play area per
/// child by band, play area and the need score, rank and driver (names as in docs/interfaces.md).
pub const NEIGHBOURHOOD_INDICATORS: ResultLayer = ResultLayer {
    name: "neighbourhood_indicators",
    columns: &[
        ("id", Text),
        ("name", Text),
        ("population_total", Integer),
        ("age_0_5", Integer),
        ("age_6_11", Integer),
        ("age_12_17", Integer),
        ("served_share_age_0_5", Real),
        ("served_share_age_6_11", Real),
        ("served_share_age_12_17", Real),
        ("gap_children_age_0_5", Integer),
        ("gap_children_age_6_11", Integer),
        ("gap_children_age_12_17", Integer),
        ("play_area_m2_per_child_2sfca_age_0_5", Real),
        ("play_area_m2_per_child_2sfca_age_6_11", Real),
        ("play_area_m2_per_child_2sfca_age_12_17", Real),
        ("play_area_m2", Real),
        ("play_area_m2_per_child", Real),
        ("play_area_m2_per_child_2sfca", Real),
        ("play_area_m2_per_resident", Real),
        ("need_score", Real),
        ("need_rank", Integer),
        ("need_driver", Text),
    ],
};

/// One row per gap area, largest first: rank, unserved children in all and by band, rank by
/// band, its grid cells and the ids of the neighbourhoods it touches (comma separated).
pub const GAP_AREAS: ResultLayer = ResultLayer {
    name: "gap_areas",
    columns: &[
        ("rank", Integer),
        ("gap_children", Integer),
        ("gap_children_age_0_5", Integer),
        ("gap_children_age_6_11", Integer),
        ("gap_children_age_12_17", Integer),
        ("rank_age_0_5", Integer),
        ("rank_age_6_11", Integer),
        ("rank_age_12_17", Integer),
        ("cells", Integer),
        ("neighbourhoods", Text),
    ],
};

/// An analysed city.
#[derive(Debug)]
pub struct Analyzed {
    /// The city as stored, without buildings and basemap (an analysis reads neither).
    pub city: City,
    /// Its walking graph (the standard's profile).
    pub graph: WalkGraph,
    /// The indicators and gap areas.
    pub analysis: Analysis,
    /// Set when the result layers were to be written but the file is read-only: the numbers
    /// are good, the file keeps its old layers. Any other failure to write is an error.
    pub not_written: Option<StoreError>,
}

/// Why an analysis failed.
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    /// The city could not be loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The analysis itself failed (a fault of the program, not of the data).
    #[error(transparent)]
    Analysis(AnalysisError),
    /// A row does not fit its declared layer (a fault of the program).
    #[error("layer {layer}: column {position} is '{found}', declared '{declared}'")]
    Schema {
        /// The layer.
        layer: &'static str,
        /// The column's position.
        position: usize,
        /// What the row holds there (or "nothing").
        found: String,
        /// What the schema declares there (or "nothing").
        declared: String,
    },
    /// The result layers could not be written into the GeoPackage.
    #[error("result layers not written into {}", path.display())]
    WriteBack {
        /// The GeoPackage.
        path: PathBuf,
        /// What the store said.
        #[source]
        source: StoreError,
    },
}

/// Reads the city at `path`, builds its graph and computes its indicators; with `write_back`,
/// stores them as the result layers ([`write_results`]). A read-only file is no error: the
/// result says so in [`Analyzed::not_written`].
pub fn analyze_file(
    path: &Path,
    standards: &Standards,
    write_back: bool,
    progress: &dyn Progress,
) -> Result<Analyzed, AnalyzeError> {
    let Loaded { city, graph } = load::city_and_graph(path, standards, progress)?;
    let analysis = analysis::analyze(&city, &graph, standards, &|stage| progress.stage(stage))
        .map_err(AnalyzeError::Analysis)?;
    let mut not_written = None;
    if write_back {
        progress.stage("writing result layers");
        match write_results(path, &analysis) {
            Ok(()) => {}
            Err(AnalyzeError::WriteBack { source, .. }) if is_read_only(&source) => {
                not_written = Some(source);
            }
            Err(e) => return Err(e),
        }
    }
    progress.finish();
    Ok(Analyzed {
        city,
        graph,
        analysis,
        not_written,
    })
}

/// Reads the city at `path`, builds its graph and computes its indicators at `when`: the
/// facilities closed then do not count ([`analysis::time::analyze_at`]). Writes nothing: the
/// result layers keep the city's standing ("always") results.
pub fn analyze_file_at(
    path: &Path,
    standards: &Standards,
    when: &model::time::TimeQuery,
    progress: &dyn Progress,
) -> Result<Analyzed, AnalyzeError> {
    let loaded = load::city_and_graph(path, standards, progress)?;
    analyze_loaded_at(loaded, standards, when, progress)
}

/// [`analyze_file_at`] for a city already loaded (from a GeoPackage or a database).
pub fn analyze_loaded_at(
    Loaded { city, graph }: Loaded,
    standards: &Standards,
    when: &model::time::TimeQuery,
    progress: &dyn Progress,
) -> Result<Analyzed, AnalyzeError> {
    progress.stage("walking distances at the time asked");
    let analysis = analysis::time::analyze_at(&city, &graph, standards, &[], Some(when)).map_err(
        |e| match e {
            analysis::time::TimedError::Analysis(e) => AnalyzeError::Analysis(e),
            analysis::time::TimedError::Edit(e) => {
                AnalyzeError::Analysis(AnalysisError::Network(e.to_string()))
            }
        },
    )?;
    progress.finish();
    Ok(Analyzed {
        city,
        graph,
        analysis,
        not_written: None,
    })
}

/// Writes the layers [`NEIGHBOURHOOD_INDICATORS`] and [`GAP_AREAS`] into the GeoPackage at
/// `path`, replacing earlier ones, with the QGIS styles of every layer ([`crate::styles`]); both in one transaction that waits for other writers, so the
/// file never holds the layers of two different runs.
pub fn write_results(path: &Path, analysis: &Analysis) -> Result<(), AnalyzeError> {
    let [indicators, gaps] = result_layers(analysis)?;
    // With the QGIS styles of both, and of the city's layers, so that a file imported before
    // styles were written gets them too.
    let mut styles = crate::styles::results();
    styles.extend(crate::styles::city());
    store::write_layers_styled(path, &[indicators, gaps], &styles).map_err(|source| {
        AnalyzeError::WriteBack {
            path: path.to_path_buf(),
            source,
        }
    })
}

/// The layers [`NEIGHBOURHOOD_INDICATORS`] and [`GAP_AREAS`] of `analysis`, with their
/// declared columns.
pub fn result_layers(analysis: &Analysis) -> Result<[store::Layer; 2], AnalyzeError> {
    let indicators = layer(
        &NEIGHBOURHOOD_INDICATORS,
        analysis.neighbourhood_rows(),
        analysis
            .neighbourhoods
            .iter()
            .map(|n| n.geometry.clone().into()),
    )?;
    let gaps = layer(
        &GAP_AREAS,
        analysis.gap_area_rows(),
        analysis.gap_areas.iter().map(|g| g.geometry.clone().into()),
    )?;
    Ok([indicators, gaps])
}

/// Whether a store error means the file cannot be written at all (read-only file, folder or
/// file system), as opposed to a failed write.
pub fn is_read_only(error: &StoreError) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = cause {
        if let Some(rusqlite::Error::SqliteFailure(f, _)) = e.downcast_ref::<rusqlite::Error>()
            && f.code == rusqlite::ErrorCode::ReadOnly
        {
            return true;
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
            )
        {
            return true;
        }
        cause = e.source();
    }
    false
}

/// A MultiPolygon layer of `schema` from flat rows, checked column by column against it.
fn layer(
    schema: &ResultLayer,
    rows: Vec<Vec<(String, Json)>>,
    geometries: impl Iterator<Item = geo_types::Geometry<f64>>,
) -> Result<store::Layer, AnalyzeError> {
    let mut features = Vec::with_capacity(rows.len());
    for (row, geometry) in rows.into_iter().zip(geometries) {
        let mismatch = |position: usize, found: Option<&str>| AnalyzeError::Schema {
            layer: schema.name,
            position,
            found: found.unwrap_or("nothing").to_string(),
            declared: schema
                .columns
                .get(position)
                .map_or("nothing", |(n, _)| n)
                .to_string(),
        };
        if row.len() > schema.columns.len() {
            let extra = &row[schema.columns.len()].0;
            return Err(mismatch(schema.columns.len(), Some(extra)));
        }
        let mut values = Vec::with_capacity(row.len());
        for (position, (name, value)) in row.into_iter().enumerate() {
            let (declared, ty) = schema.columns[position];
            let stored = (name == declared)
                .then(|| store_value(value, ty))
                .flatten()
                .ok_or_else(|| mismatch(position, Some(&name)))?;
            values.push(stored);
        }
        if values.len() < schema.columns.len() {
            return Err(mismatch(values.len(), None));
        }
        features.push(store::Feature {
            geometry: Some(geometry),
            values,
        });
    }
    Ok(store::Layer {
        name: schema.name.to_string(),
        geometry_type: Some(store::GeometryType::MultiPolygon),
        columns: schema
            .columns
            .iter()
            .map(|&(name, ty)| Column::new(name, ty))
            .collect(),
        features,
    })
}

/// The value of a column of type `ty`; `None` when it does not have that type.
fn store_value(value: Json, ty: ColumnType) -> Option<store::Value> {
    match (value, ty) {
        (Json::Null, _) => Some(store::Value::Null),
        (Json::Number(n), Integer) => n.as_i64().map(store::Value::Integer),
        (Json::Number(n), Real) => n.as_f64().map(store::Value::Real),
        (Json::String(s), Text) => Some(store::Value::Text(s)),
        _ => None,
    }
}
