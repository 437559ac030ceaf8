//! Loading a city GeoPackage for work on it: the city and its walking graph, or a scenario
//! engine over them. Errors name the file.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use analysis::{AnalysisError, ScenarioEngine, Standards};
use model::City;
use network::{Profile, WalkGraph};
use store::StoreError;

use crate::Progress;

/// A city and its walking graph.
#[derive(Debug)]
pub struct Loaded {
    /// The city as stored.
    pub city: City,
    /// Its walking graph.
    pub graph: WalkGraph,
}

/// Why a city could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The GeoPackage could not be read (the store's error names the file).
    #[error(transparent)]
    Read(#[from] StoreError),
    /// The GeoPackage could not be read, said as "cannot read city FILE" (for commands whose
    /// other inputs are files too).
    #[error("cannot read city {}", path.display())]
    ReadCity {
        /// The GeoPackage.
        path: PathBuf,
        /// What the store said.
        #[source]
        source: StoreError,
    },
    /// The walking graph could not be built from the city's ways.
    #[error("{}", path.display())]
    Graph {
        /// The GeoPackage.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The scenario engine could not compute today's reach (a fault of the program, not of the
    /// data).
    #[error(transparent)]
    Engine(AnalysisError),
}

/// Reads what an analysis needs of the city (no buildings, no basemap:
/// [`store::read_city_for_analysis`]) and builds its walking graph with the standard's walking
/// profile while the other layers are read (stage "reading city and walking network").
pub fn city_and_graph(
    path: &Path,
    standards: &Standards,
    progress: &dyn Progress,
) -> Result<Loaded, LoadError> {
    city_and_graph_for_analysis(path, analysis::network_profile(standards), progress)
}

/// [`city_and_graph`] for a walking profile.
fn city_and_graph_for_analysis(
    path: &Path,
    profile: Profile,
    progress: &dyn Progress,
) -> Result<Loaded, LoadError> {
    progress.stage("reading city and walking network");
    let (city, graph) = store::read_city_for_analysis_and(path, |ways, nodes| {
        WalkGraph::build(ways, nodes, profile).map_err(|e| AnalysisError::Network(e.to_string()))
    })?;
    let graph = graph.map_err(|e| LoadError::Graph {
        path: path.to_path_buf(),
        source: Box::new(e),
    })?;
    Ok(Loaded { city, graph })
}

/// Reads the city and builds its walking graph for a walking profile (stage "reading city");
/// a file that cannot be read is reported as [`LoadError::ReadCity`].
pub fn city_and_graph_for_profile(
    path: &Path,
    profile: Profile,
    progress: &dyn Progress,
) -> Result<Loaded, LoadError> {
    progress.stage("reading city");
    let (city, graph) =
        store::read_city_and(path, |ways, nodes| WalkGraph::build(ways, nodes, profile)).map_err(
            |source| LoadError::ReadCity {
                path: path.to_path_buf(),
                source,
            },
        )?;
    let graph = graph.map_err(|e| LoadError::Graph {
        path: path.to_path_buf(),
        source: Box::new(e),
    })?;
    Ok(Loaded { city, graph })
}

/// Reads the city, builds its graph and a scenario engine over them (today's walking distances
/// computed once; stage "walking distances" after those of [`city_and_graph`]).
pub fn scenario_engine(
    path: &Path,
    standards: Standards,
    progress: &dyn Progress,
) -> Result<ScenarioEngine, LoadError> {
    let Loaded { city, graph } = city_and_graph(path, &standards, progress)?;
    progress.stage("walking distances");
    ScenarioEngine::new(Arc::new(city), Arc::new(graph), standards).map_err(LoadError::Engine)
}
