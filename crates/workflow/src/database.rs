//! The workflows for a city held in PostgreSQL/PostGIS ([`pgstore`]) instead of a GeoPackage:
//! a connection string (`postgresql://…`) wherever a command takes `CITY.gpkg`.
//!
//! - [`import_into`]: the ordinary import into a private temporary GeoPackage, then its layers
//!   copied into the schema in one transaction (the schema is checked before the long read).
//! - [`read_city`] / [`city_and_graph`]: the city as the GeoPackage path gives it.
//! - [`analyze`]: indicators, written back as the same result layers, in one transaction;
//!   [`analyze_at`] at a time (writes nothing).
//! - [`migrate`]: `spielraum db migrate`.
//! - [`scenarios`], [`accounts`]: the workspace kept in the schema (shared by every server);
//!   [`PgResults`]: region job results kept there (`region run --results URL`).

use analysis::Standards;
use model::City;
use network::WalkGraph;
use pgstore::{Database, Migrated, PgError};

use crate::Progress;
use crate::analyze::{AnalyzeError, Analyzed, analyze_loaded_at, result_layers};
use crate::import::{ImportError, ImportOptions, ImportOutcome, import_city};
use crate::load::{LoadError, Loaded};

pub use pgstore::{CURRENT_VERSION, PgAccounts, is_database_url};

/// The schema a connection string names (the default schema if it names none or cannot be
/// read; connecting reports the latter).
pub fn schema_of(url: &str) -> String {
    pgstore::ConnInfo::parse(url).map_or_else(|_| pgstore::DEFAULT_SCHEMA.to_string(), |c| c.schema)
}

/// `url` as messages show it: without its password.
pub fn shown(url: &str) -> String {
    pgstore::conninfo::hide_password(url)
}

/// Why a workflow on a database failed.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    /// The database refused, or is not ready (the message names it and says what to do).
    #[error(transparent)]
    Database(#[from] PgError),
    /// The import failed before anything was written.
    #[error(transparent)]
    Import(Box<ImportError>),
    /// The analysis failed.
    #[error(transparent)]
    Analyze(#[from] AnalyzeError),
    /// The temporary GeoPackage of an import could not be made.
    #[error("cannot make a temporary folder for the import: {0}")]
    Temporary(std::io::Error),
}

/// Connects to `url` and checks its schema ([`Database::open`]).
pub fn open(url: &str) -> Result<Database, DatabaseError> {
    Ok(pgstore::block_on(Database::open(url))?)
}

/// Brings the schema of `url` to version `to` (default: this program's).
pub fn migrate(url: &str, to: Option<i32>) -> Result<Migrated, DatabaseError> {
    Ok(pgstore::block_on(async {
        let db = Database::connect(url).await?;
        pgstore::migrate::migrate(&db, to).await
    })?)
}

/// Imports a city into the schema of `url`: checks the database first, imports into a
/// temporary GeoPackage as [`import_city`] does (`options.out` is ignored), then replaces the
/// schema's layers with it in one transaction. A failure anywhere leaves the schema as it was.
pub fn import_into(
    url: &str,
    options: &ImportOptions,
    progress: &dyn Progress,
) -> Result<ImportOutcome, DatabaseError> {
    let db = open(url)?;
    let dir = tempfile::Builder::new()
        .prefix("spielraum-import")
        .tempdir()
        .map_err(DatabaseError::Temporary)?;
    let options = ImportOptions {
        out: dir.path().join("city.gpkg"),
        ..options.clone()
    };
    let outcome =
        import_city(&options, progress).map_err(|e| DatabaseError::Import(Box::new(e)))?;
    progress.stage("writing into PostgreSQL");
    pgstore::block_on(db.push_geopackage(&options.out))?;
    progress.finish();
    Ok(outcome)
}

/// The city in the schema of `url`; only the layers of `wanted` are read (the others of
/// [`store::CITY_LAYER_NAMES`] come back empty).
pub fn read_city(db: &Database, wanted: &[&str]) -> Result<City, DatabaseError> {
    Ok(pgstore::block_on(db.read_city(wanted))?)
}

/// The planning scenarios kept in the database (shared by every server on it).
pub fn scenarios(db: &Database) -> pgstore::PgScenarios {
    pgstore::PgScenarios::new(db.clone())
}

/// The workspace's accounts kept in the database, new passwords hashed at `cost`.
pub fn accounts(
    db: &Database,
    cost: store::accounts::HashCost,
) -> Result<PgAccounts, store::AccountError> {
    PgAccounts::new(db.clone(), cost)
}

/// The candidate sites for suggestions.
pub fn read_candidate_sites(
    db: &Database,
) -> Result<Vec<model::scenario::CandidateSite>, DatabaseError> {
    Ok(pgstore::block_on(db.read_candidate_sites())?)
}

/// What an analysis needs of the city and its walking graph for `standards`.
pub fn city_and_graph(
    db: &Database,
    standards: &Standards,
    progress: &dyn Progress,
) -> Result<Loaded, DatabaseError> {
    progress.stage("reading city and walking network");
    city_and_graph_for_profile(db, analysis::network_profile(standards))
}

/// What an analysis needs of the city and its walking graph for a walking profile.
pub fn city_and_graph_for_profile(
    db: &Database,
    profile: network::Profile,
) -> Result<Loaded, DatabaseError> {
    let city = read_city(db, &store::ANALYSIS_LAYER_NAMES)?;
    let graph = WalkGraph::build(&city.walk_ways, &city.tagged_nodes, profile).map_err(|e| {
        AnalyzeError::Load(LoadError::Graph {
            path: db.shown().into(),
            source: Box::new(e),
        })
    })?;
    Ok(Loaded { city, graph })
}

/// The city, its graph and a scenario engine over them (today's walking distances computed
/// once), as [`crate::load::scenario_engine`] makes them of a GeoPackage.
pub fn scenario_engine(
    db: &Database,
    standards: Standards,
    progress: &dyn Progress,
) -> Result<analysis::ScenarioEngine, DatabaseError> {
    let Loaded { city, graph } = city_and_graph(db, &standards, progress)?;
    progress.stage("walking distances");
    analysis::ScenarioEngine::new(
        std::sync::Arc::new(city),
        std::sync::Arc::new(graph),
        standards,
    )
    .map_err(|e| DatabaseError::Analyze(AnalyzeError::Load(LoadError::Engine(e))))
}

/// Analyses the city in the schema of `url` as [`crate::analyze_file`] does a GeoPackage;
/// with `write_back`, replaces the result layers in one transaction.
pub fn analyze(
    db: &Database,
    standards: &Standards,
    write_back: bool,
    progress: &dyn Progress,
) -> Result<Analyzed, DatabaseError> {
    let Loaded { city, graph } = city_and_graph(db, standards, progress)?;
    let analysis = analysis::analyze(&city, &graph, standards, &|stage| progress.stage(stage))
        .map_err(AnalyzeError::Analysis)?;
    if write_back {
        progress.stage("writing result layers");
        let layers = result_layers(&analysis)?;
        pgstore::block_on(db.write_layers(&layers, &[]))?;
    }
    progress.finish();
    Ok(Analyzed {
        city,
        graph,
        analysis,
        not_written: None,
    })
}

/// Analyses the city in the schema of `url` at `when` ([`crate::analyze::analyze_file_at`]);
/// writes nothing.
pub fn analyze_at(
    db: &Database,
    standards: &Standards,
    when: &model::time::TimeQuery,
    progress: &dyn Progress,
) -> Result<Analyzed, DatabaseError> {
    let loaded = city_and_graph(db, standards, progress)?;
    Ok(analyze_loaded_at(loaded, standards, when, progress)?)
}

/// Region job results kept in a database ([`crate::region::ResultStore`]): one row per job of
/// the plan, written in one statement (a killed job leaves no half result).
pub struct PgResults {
    db: Database,
    plan_id: String,
}

impl PgResults {
    /// The results of the plan in `plan_dir` in the schema of `url` (checked as [`open`] does).
    pub fn of(
        url: &str,
        plan_dir: &std::path::Path,
    ) -> Result<PgResults, crate::region::RegionError> {
        let plan = crate::region::read_plan(plan_dir)?;
        let db = pgstore::block_on(Database::open(url))?;
        Ok(PgResults {
            db,
            plan_id: plan.plan_id,
        })
    }
}

impl crate::region::ResultStore for PgResults {
    fn put(&self, result: &crate::region::JobResult) -> Result<(), crate::region::RegionError> {
        let text =
            serde_json::to_string(result).map_err(|e| crate::region::RegionError::Format {
                path: self.describe(result.index).into(),
                reason: e.to_string(),
            })?;
        Ok(pgstore::block_on(self.db.put_region_result(
            &self.plan_id,
            result.index,
            &text,
        ))?)
    }

    fn get(
        &self,
        index: usize,
    ) -> Result<Option<crate::region::JobResult>, crate::region::RegionError> {
        match pgstore::block_on(self.db.get_region_result(&self.plan_id, index))? {
            None => Ok(None),
            Some(text) => serde_json::from_str(&text).map(Some).map_err(|e| {
                crate::region::RegionError::Format {
                    path: self.describe(index).into(),
                    reason: format!("not a job result: {e}"),
                }
            }),
        }
    }

    fn describe(&self, index: usize) -> String {
        format!(
            "{} (spielraum_region_results, plan {}, job {index})",
            self.db.shown(),
            self.plan_id
        )
    }
}
