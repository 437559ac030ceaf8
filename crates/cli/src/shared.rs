//! What several commands share, so that no command calls another: library calls with the CLI's
//! error classes (internal faults exit 2) and warnings, serving a GeoPackage, the import summary.
//!
//! Commands use this module; it uses none of them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use analysis::Standards;
use analysis::scenario::ScenarioEngine;
use anyhow::{Context, Result};
use model::scenario::CandidateSite;
use model::{City, FacilityKind};
use network::Profile;
use workflow::{AnalyzeError, Analyzed, ImportOutcome, LoadError, Loaded, Progress, analyze_file};

use crate::progress::Terminal;

/// Marks an error as internal (exit status 2) rather than the user's (exit status 1).
#[derive(Debug)]
pub struct Internal(pub String);

impl std::fmt::Display for Internal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Internal {}

/// [`workflow::analyze_file`] with a progress display; a fault of the analysis is internal, a
/// read-only file a warning (the numbers are still worth having).
pub fn analyze(path: &Path, standards: &Standards, write_back: bool) -> Result<Analyzed> {
    if let Some(url) = database_url(path) {
        return analyze_database(url, standards, write_back, None);
    }
    let mut analyzed =
        analyze_file(path, standards, write_back, &Terminal::new()).map_err(|e| match e {
            AnalyzeError::Analysis(a) if a.is_input_error() => anyhow::Error::new(a),
            AnalyzeError::Analysis(_) | AnalyzeError::Schema { .. } => {
                anyhow::Error::new(Internal(e.to_string()))
            }
            e => anyhow::Error::new(e),
        })?;
    if let Some(e) = analyzed.not_written.take() {
        eprintln!(
            "spielraum: warning: result layers not written into {}: {:#}",
            path.display(),
            anyhow::Error::new(e)
        );
    }
    Ok(analyzed)
}

/// The connection string when a command's city argument is a PostgreSQL database
/// (`postgresql://…`, `postgres://…`) rather than a GeoPackage.
pub fn database_url(city: &Path) -> Option<&str> {
    city.to_str()
        .filter(|s| workflow::database::is_database_url(s))
}

/// The whole city of a GeoPackage or a database.
pub fn read_whole_city(path: &Path) -> Result<City> {
    match database_url(path) {
        Some(url) => {
            let db = workflow::database::open(url)?;
            Ok(workflow::database::read_city(
                &db,
                &store::CITY_LAYER_NAMES,
            )?)
        }
        None => {
            if !path.is_file() {
                anyhow::bail!("cannot read {}: no such file", path.display());
            }
            store::read_city(path).with_context(|| format!("cannot read {}", path.display()))
        }
    }
}

/// A city's short name for titles: the GeoPackage's file name without `.gpkg`, or the
/// database schema's name.
pub fn city_name(path: &Path) -> String {
    match database_url(path) {
        Some(url) => workflow::database::schema_of(url),
        None => path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "spielraum".into()),
    }
}

/// The candidate sites of a GeoPackage or a database.
pub fn read_candidate_sites(path: &Path) -> Result<Vec<CandidateSite>> {
    match database_url(path) {
        Some(url) => {
            let db = workflow::database::open(url)?;
            Ok(workflow::database::read_candidate_sites(&db)?)
        }
        None => Ok(store::read_candidate_sites(path)?),
    }
}

/// What an analysis reads of a city in a GeoPackage or a database (no buildings, no basemap).
pub fn read_analysis_city(path: &Path) -> Result<City> {
    match database_url(path) {
        Some(url) => {
            let db = workflow::database::open(url)?;
            Ok(workflow::database::read_city(
                &db,
                &store::ANALYSIS_LAYER_NAMES,
            )?)
        }
        None => Ok(store::read_city_for_analysis(path)?),
    }
}

/// [`analyze`] for a city in PostgreSQL/PostGIS: at `when` (writing nothing), or written back.
pub fn analyze_database(
    url: &str,
    standards: &Standards,
    write_back: bool,
    when: Option<&model::time::TimeQuery>,
) -> Result<Analyzed> {
    use workflow::database::{self, DatabaseError};
    let progress = Terminal::new();
    let run = || -> Result<Analyzed, DatabaseError> {
        let db = database::open(url)?;
        match when {
            Some(when) => database::analyze_at(&db, standards, when, &progress),
            None => database::analyze(&db, standards, write_back, &progress),
        }
    };
    run().map_err(|e| match e {
        DatabaseError::Analyze(AnalyzeError::Analysis(a)) if a.is_input_error() => {
            anyhow::Error::new(a)
        }
        DatabaseError::Analyze(AnalyzeError::Analysis(_) | AnalyzeError::Schema { .. }) => {
            anyhow::Error::new(Internal(e.to_string()))
        }
        e => anyhow::Error::new(e),
    })
}

/// Writes the result layers of `analysis` into the GeoPackage at `path`; a read-only file is a
/// warning (the numbers are still worth having), another failure an error.
pub fn write_results_or_warn(path: &Path, analysis: &analysis::Analysis) -> Result<()> {
    match workflow::write_results(path, analysis) {
        Ok(()) => Ok(()),
        Err(AnalyzeError::WriteBack { source, .. }) if workflow::analyze::is_read_only(&source) => {
            eprintln!(
                "spielraum: warning: result layers not written into {}: {:#}",
                path.display(),
                anyhow::Error::new(source)
            );
            Ok(())
        }
        Err(e) => Err(anyhow::Error::new(e)),
    }
}

/// [`workflow::load::scenario_engine`], a fault of the engine being internal.
pub fn scenario_engine(
    path: &Path,
    standards: Standards,
    progress: &Terminal,
) -> Result<ScenarioEngine> {
    if let Some(url) = database_url(path) {
        use workflow::database::{self, DatabaseError};
        let db = database::open(url)?;
        return database::scenario_engine(&db, standards, progress).map_err(|e| match e {
            DatabaseError::Analyze(AnalyzeError::Load(LoadError::Engine(a)))
                if a.is_input_error() =>
            {
                anyhow::Error::new(a)
            }
            DatabaseError::Analyze(AnalyzeError::Load(LoadError::Engine(_))) => {
                anyhow::Error::new(Internal(e.to_string()))
            }
            e => anyhow::Error::new(e),
        });
    }
    workflow::load::scenario_engine(path, standards, progress).map_err(|e| match e {
        LoadError::Engine(a) if a.is_input_error() => anyhow::Error::new(a),
        LoadError::Engine(_) => anyhow::Error::new(Internal(e.to_string())),
        e => anyhow::Error::new(e),
    })
}

/// Loads the city and builds the walking graph for `profile` (stage "reading city"), with
/// errors naming the file.
pub fn load_graph(path: &Path, profile: Profile, progress: &Terminal) -> Result<Loaded> {
    if let Some(url) = database_url(path) {
        let db = workflow::database::open(url)?;
        progress.stage("reading city");
        return Ok(workflow::database::city_and_graph_for_profile(
            &db, profile,
        )?);
    }
    Ok(workflow::load::city_and_graph_for_profile(
        path, profile, progress,
    )?)
}

/// How the server handles scenarios: the standard they are computed with and the edit token
/// of `--edit-token-file` (else `$SPIELRAUM_EDIT_TOKEN`); `private`: reading scenarios needs a
/// login or a token too; `login`: how the file's users log in.
pub fn serve_options(
    standards: analysis::Standards,
    edit_token_file: Option<&Path>,
    private: bool,
    login: server::gpkg::LoginOptions,
    public_url: Option<String>,
) -> anyhow::Result<server::gpkg::ServeOptions> {
    let edit_token =
        server::EditToken::from_file_or_env(edit_token_file).map_err(anyhow::Error::new)?;
    // A cost the accounts cannot use stops the start, not only the logins.
    store::accounts::HashCost::from_env()?;
    Ok(server::gpkg::ServeOptions {
        standards,
        edit_token,
        private,
        login,
        public_url,
    })
}

/// Computes the indicators the map shows (with the gap outlines for the `gaps` tile layer) and
/// returns the walking graph it built (for the map's reach queries). Failures are reported on
/// stderr and give `None`: the map is still served, without indicators.
pub fn compute_indicators(
    city: &model::City,
    standards: &analysis::Standards,
) -> (
    Option<analysis::AnalysisDocument>,
    Option<network::WalkGraph>,
) {
    let graph = match analysis::build_graph(city, standards) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("spielraum: warning: no indicators on the map: {e}");
            return (None, None);
        }
    };
    match analysis::analyze(city, &graph, standards, &|_| {}) {
        Ok(a) => (Some(a.document()), Some(graph)),
        Err(e) => {
            eprintln!("spielraum: warning: no indicators on the map: {e}");
            (None, Some(graph))
        }
    }
}

/// Reads `--indicators` (the `analyze --format json` output), if given.
pub fn read_indicators(
    path: Option<&PathBuf>,
) -> anyhow::Result<Option<analysis::AnalysisDocument>> {
    let Some(path) = path else { return Ok(None) };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read --indicators {}", path.display()))?;
    let doc = analysis::AnalysisDocument::from_json_str(&text).with_context(|| {
        format!(
            "--indicators {} is not an `analyze --format json` document",
            path.display()
        )
    })?;
    Ok(Some(doc))
}

/// The scenario engine of `city` (walking graph, distances and base analysis, computed once for
/// the map's indicators and the scenario routes), with progress; when the graph or the analysis
/// fails, a warning and the city back, to be served without indicators.
pub fn serving_engine(
    city: City,
    graph: Result<network::WalkGraph, analysis::AnalysisError>,
    standards: &Standards,
    progress: &Terminal,
) -> Result<std::sync::Arc<ScenarioEngine>, Box<(City, Option<network::WalkGraph>)>> {
    use std::sync::Arc;
    let graph = match graph {
        Ok(g) => Arc::new(g),
        Err(e) => {
            progress.finish();
            eprintln!("spielraum: warning: no indicators on the map: {e}");
            return Err(Box::new((city, None)));
        }
    };
    progress.stage("walking distances and indicators");
    let city = Arc::new(city);
    match ScenarioEngine::new(city.clone(), graph.clone(), standards.clone()) {
        Ok(engine) => Ok(Arc::new(engine)),
        Err(e) => {
            progress.finish();
            eprintln!("spielraum: warning: no indicators on the map: {e}");
            let city = Arc::try_unwrap(city).unwrap_or_else(|c| (*c).clone());
            Err(Box::new((city, Arc::try_unwrap(graph).ok())))
        }
    }
}

/// Reads the whole city of the GeoPackage at `path` and builds its walking graph with the
/// standard's profile while the other layers are read (stage "reading city and walking
/// network"). The graph's error is kept for [`serving_engine`], which serves without indicators.
pub fn read_city_and_graph(
    path: &Path,
    standards: &Standards,
    progress: &Terminal,
) -> Result<(City, Result<network::WalkGraph, analysis::AnalysisError>)> {
    progress.stage("reading city and walking network");
    let profile = analysis::network_profile(standards);
    store::read_city_and(path, |ways, nodes| {
        network::WalkGraph::build(ways, nodes, profile)
            .map_err(|e| analysis::AnalysisError::Network(e.to_string()))
    })
    .with_context(|| format!("cannot read {}", path.display()))
}

/// Serves `city` (of the GeoPackage at `path`, with its walking graph from
/// [`read_city_and_graph`]) with its indicators computed here, once, by the scenario engine.
pub fn serve_computed(
    path: &Path,
    (city, graph): (City, Result<network::WalkGraph, analysis::AnalysisError>),
    options: server::gpkg::ServeOptions,
    addr: SocketAddr,
    name: &str,
    progress: &Terminal,
) -> Result<()> {
    match serving_engine(city, graph, &options.standards, progress) {
        Ok(engine) => {
            progress.stage("preparing the map");
            let prepared = server::gpkg::open_with_engine(path, engine, options);
            progress.finish();
            serve_prepared(prepared, addr, name)
        }
        Err(unanalysed) => {
            let (city, graph) = *unanalysed;
            serve(path, city, graph, None, options, addr, name)
        }
    }
}

/// Serves the city of the GeoPackage at `path` until Ctrl-C, printing the address once it
/// listens (shared with `demo`).
///
/// `graph` is the walking graph already built for the indicators, if any (else built here).
pub fn serve(
    path: &Path,
    city: model::City,
    graph: Option<network::WalkGraph>,
    indicators: Option<analysis::AnalysisDocument>,
    options: server::gpkg::ServeOptions,
    addr: SocketAddr,
    name: &str,
) -> anyhow::Result<()> {
    serve_prepared(
        server::gpkg::open(path, city, graph, indicators, options),
        addr,
        name,
    )
}

/// The council report of `/api/report.pdf`: the `report` crate on the server's base analysis
/// (the server may not use the report crate itself: both are in layer 8).
struct CouncilReports;

impl server::ReportMaker for CouncilReports {
    fn pdf(
        &self,
        engine: &analysis::ScenarioEngine,
        lang: analysis::names::Lang,
        neighbourhood: Option<&str>,
    ) -> Result<Vec<u8>, server::ReportFailure> {
        let options = report::ReportOptions {
            format: report::Format::Pdf,
            lang: match lang {
                analysis::names::Lang::De => report::Lang::De,
                analysis::names::Lang::En => report::Lang::En,
            },
            scope: match neighbourhood {
                Some(n) => report::Scope::One(n.to_string()),
                None => report::Scope::All,
            },
            generated: report::today_utc(),
            time: None,
        };
        report::render(
            engine.city(),
            engine.graph(),
            engine.standards(),
            engine.base(),
            &options,
        )
        .map_err(|e| match e {
            report::ReportError::Render(m) => server::ReportFailure::Failed(m),
            other => server::ReportFailure::UnknownNeighbourhood(other.to_string()),
        })
    }
}

/// Serves a prepared state until Ctrl-C, its warnings and notes printed first; the state
/// answers `/api/report.pdf` with the council report.
pub fn serve_prepared(
    prepared: server::gpkg::Prepared,
    addr: SocketAddr,
    name: &str,
) -> Result<()> {
    let prepared = server::gpkg::Prepared {
        state: prepared
            .state
            .with_reports(std::sync::Arc::new(CouncilReports)),
        ..prepared
    };
    for w in &prepared.warnings {
        eprintln!("spielraum: warning: {w}");
    }
    for n in &prepared.notes {
        eprintln!("{n}");
    }
    server::serve_state(prepared.state, addr, |bound| {
        eprintln!("Serving {name} on http://{bound}/ (Ctrl-C to stop)");
    })
    .map_err(|e| match e {
        server::ServerError::Bind { .. } => anyhow::anyhow!("--addr: {e}"),
        other => anyhow::Error::new(Internal(other.to_string())),
    })
}

/// What `spielraum import` (and `demo` on a new import) prints: warnings on stderr, then a summary of the city, its
/// candidate sites and its population on stdout.
pub fn print_import(outcome: &ImportOutcome, out: &Path) {
    print_warnings(&outcome.warnings);
    print_summary(outcome, out);
    print_candidates(&outcome.candidates);
    println!("{}", outcome.population.summary);
    print_conflation(outcome);
    print_carried(&outcome.carried);
}

/// What the facility inventory's conflation with OSM found, when there was one.
fn print_conflation(outcome: &ImportOutcome) {
    let meta = |key: &str| {
        outcome
            .city
            .metadata
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    if let (Some(file), Some(result)) = (meta("facility_inventory"), meta("conflation")) {
        println!("facility inventory {file}: {result}");
    }
}

/// The scenarios kept from the replaced file (a warning for each with edits on facilities the
/// new city lacks) or dropped; nothing when the file held none.
fn print_carried(carried: &store::Carried) {
    for s in carried.with_missing() {
        let ids: Vec<String> = s.missing.iter().map(|id| id.to_string()).collect();
        eprintln!(
            "warning: scenario '{}': {} of the facilities its edits change {} no longer in the city: {}",
            s.name,
            s.missing.len(),
            if s.missing.len() == 1 { "is" } else { "are" },
            ids.join(", ")
        );
    }
    if !carried.scenarios.is_empty() {
        println!(
            "scenarios kept: {} ({} with edits on facilities no longer in the city)",
            carried.scenarios.len(),
            carried.with_missing().count()
        );
    }
    if carried.dropped > 0 {
        println!(
            "scenarios dropped: {} (--replace-scenarios)",
            carried.dropped
        );
    }
}

fn print_warnings(warnings: &[String]) {
    const SHOWN: usize = 10;
    for w in warnings.iter().take(SHOWN) {
        eprintln!("warning: {w}");
    }
    if warnings.len() > SHOWN {
        eprintln!("warning: … and {} more", warnings.len() - SHOWN);
    }
}

/// `candidate_sites N (source n, …)`, sources by name.
fn print_candidates(candidates: &[CandidateSite]) {
    let mut by_source = std::collections::BTreeMap::<&str, usize>::new();
    for c in candidates {
        *by_source.entry(c.source.as_str()).or_default() += 1;
    }
    let parts: Vec<String> = by_source.iter().map(|(s, n)| format!("{s} {n}")).collect();
    println!(
        "  {:<18}{} ({})",
        "candidate_sites",
        candidates.len(),
        parts.join(", ")
    );
}

fn print_summary(outcome: &ImportOutcome, out: &Path) {
    let city: &City = &outcome.city;
    println!("wrote {}", out.display());
    for kind in FacilityKind::ALL {
        let n = city.facilities.iter().filter(|f| f.kind == kind).count();
        println!("  {:<18}{n}", kind.as_str());
    }
    let level = city
        .metadata
        .iter()
        .find(|(k, _)| k == "admin_level")
        .map_or_else(
            || "from --boundaries or none".to_string(),
            |(_, v)| format!("admin_level {v}"),
        );
    let names: Vec<&str> = city
        .neighbourhoods
        .iter()
        .map(|n| n.name.as_str())
        .collect();
    println!(
        "  {:<18}{} ({level}): {}",
        "neighbourhoods",
        city.neighbourhoods.len(),
        names.join(", ")
    );
    println!("  {:<18}{}", "buildings", city.buildings.len());
    println!("  {:<18}{}", "walk_ways", outcome.streamed.walk_ways);
    println!("  {:<18}{}", "tagged_nodes", city.tagged_nodes.len());
    println!("  {:<18}{}", "basemap", outcome.streamed.basemap);
    println!("  {:<18}{}", "warnings", outcome.warnings.len());
}
