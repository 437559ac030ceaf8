//! Workflows over a city GeoPackage: import a city, analyse it and write the results back;
//! callable from the CLI, the server and tests.
//!
//! Each workflow is one function taking its options and a [`Progress`] and returning what it
//! made; printing and argument parsing stay with the caller.
//!
//! - [`import::import_city`]: OSM extract (+ boundaries, population) → a new GeoPackage.
//! - [`analyze::analyze_file`]: GeoPackage → indicators, optionally written back as the result
//!   layers declared in [`analyze::NEIGHBOURHOOD_INDICATORS`] and [`analyze::GAP_AREAS`].
//! - [`database`]: the same for a city held in PostgreSQL/PostGIS (`postgresql://…`).
//! - [`load`]: the city and its walking graph (or a scenario engine) for other commands.
//! - [`inventory`]: a city's facility inventory conflated with OSM in an import.
//! - [`sources`]: which input fed which layer (the `data_sources` table an import writes).
//! - [`region`]: region-wide runs, one job per municipality on a batch scheduler, merged
//!   exactly (docs/region.md).
//! - [`styles`]: the QGIS layer styles (from the map's colours) an import and an analysis write.

pub mod analyze;
pub mod database;
pub mod import;
pub mod inventory;
pub mod load;
pub mod progress;
pub mod region;
pub mod sources;
pub mod styles;

pub use analyze::{AnalyzeError, Analyzed, ResultLayer, analyze_file, write_results};
pub use import::{ImportError, ImportOptions, ImportOutcome, StreamedRows, import_city};
pub use load::{LoadError, Loaded};
pub use progress::{NoProgress, Progress};
