//! `spielraum serve`: argument parsing and output only.
//!
//! Reads the city, computes its indicators (or reads them), hands both and the walking graph
//! (built once) to the server.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;

/// Arguments of `spielraum serve`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The GeoPackage written by `spielraum import`.
    pub city: PathBuf,
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Indicators to show: the output of `spielraum analyze --format json` (default: computed
    /// at start with --standards).
    #[arg(long, value_name = "FILE.json")]
    pub indicators: Option<PathBuf>,
    /// Planning standard for the indicators computed at start (default: DIN 18034).
    #[arg(long, value_name = "FILE.toml", conflicts_with = "indicators")]
    pub standards: Option<PathBuf>,
    /// Allow editing scenarios over HTTP with the token in this file (`Authorization: Bearer
    /// TOKEN`); default: $SPIELRAUM_EDIT_TOKEN, else the server is read-only.
    #[arg(long, value_name = "FILE")]
    pub edit_token_file: Option<PathBuf>,
    /// Reading scenarios, comparisons and suggestions needs the edit token too (default:
    /// reading is public).
    #[arg(long)]
    pub private_scenarios: bool,
}

/// How the server handles scenarios: the standard they are computed with and the edit token.
#[derive(Debug)]
pub struct ScenarioOptions {
    /// The planning standard of comparisons and suggestions.
    pub standards: analysis::Standards,
    /// Who may edit (read-only when unset).
    pub edit_token: server::EditToken,
    /// Whether reading scenarios needs the token too.
    pub private: bool,
}

impl ScenarioOptions {
    /// The standard and the token of `--edit-token-file` (else `$SPIELRAUM_EDIT_TOKEN`);
    /// `private`: reading needs the token too, so a token must be given.
    pub fn new(
        standards: analysis::Standards,
        edit_token_file: Option<&Path>,
        private: bool,
    ) -> anyhow::Result<ScenarioOptions> {
        let edit_token =
            server::EditToken::from_file_or_env(edit_token_file).map_err(anyhow::Error::new)?;
        if private && !edit_token.enabled() {
            anyhow::bail!(
                "--private-scenarios needs a token: give --edit-token-file FILE or set SPIELRAUM_EDIT_TOKEN"
            );
        }
        Ok(ScenarioOptions {
            standards,
            edit_token,
            private,
        })
    }
}

/// The scenario set-up of the server for the GeoPackage at `path`: its scenario store (none,
/// with a warning, when it cannot be opened) and its candidate sites.
fn scenario_setup(path: &Path, options: ScenarioOptions) -> server::ScenarioSetup {
    let store = match store::ScenarioStore::open(path) {
        Ok(s) => Some(s),
        Err(e) => {
            eprintln!("spielraum: warning: no stored scenarios: {e}");
            None
        }
    };
    let candidates = match store::read_candidate_sites(path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("spielraum: warning: no candidate sites for suggestions: {e}");
            Vec::new()
        }
    };
    if options.edit_token.enabled() {
        eprintln!("Scenario editing is enabled (bearer token).");
    }
    server::ScenarioSetup {
        standards: options.standards,
        store,
        candidates,
        edit_token: options.edit_token,
        private: options.private,
    }
}

/// The indicators as the server takes them: `analyze --format json` plus the gap areas.
pub fn indicators_json(a: &analysis::Analysis) -> serde_json::Value {
    let mut v = a.to_json();
    if let Ok(gaps) = serde_json::to_value(a.gap_areas_geojson()) {
        v["gap_areas_geojson"] = gaps;
    }
    v
}

/// Computes the indicators the map shows: `analyze`'s JSON plus `gap_areas_geojson` (the gap
/// polygons for the `gaps` tile layer), and returns the walking graph it built (for the map's
/// reach queries). Failures are reported on stderr and give `None`: the map is still served,
/// without indicators.
pub fn compute_indicators(
    city: &model::City,
    standards: &analysis::Standards,
) -> (Option<serde_json::Value>, Option<network::WalkGraph>) {
    let graph = match analysis::build_graph(city, standards) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("spielraum: warning: no indicators on the map: {e}");
            return (None, None);
        }
    };
    match analysis::analyze(city, &graph, standards, &|_| {}) {
        Ok(a) => (Some(indicators_json(&a)), Some(graph)),
        Err(e) => {
            eprintln!("spielraum: warning: no indicators on the map: {e}");
            (None, Some(graph))
        }
    }
}

/// Reads `--indicators` (the `analyze --format json` output), if given.
pub fn read_indicators(path: Option<&PathBuf>) -> anyhow::Result<Option<serde_json::Value>> {
    let Some(path) = path else { return Ok(None) };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read --indicators {}", path.display()))?;
    let value = serde_json::from_str(&text).with_context(|| {
        format!(
            "--indicators {} is not JSON (expected `analyze --format json` output)",
            path.display()
        )
    })?;
    Ok(Some(value))
}

/// Serves the city of the GeoPackage at `path` until Ctrl-C, printing the address once it
/// listens (shared with `demo`).
///
/// `graph` is the walking graph already built for the indicators, if any (else built here).
pub fn serve(
    path: &Path,
    city: model::City,
    graph: Option<network::WalkGraph>,
    indicators: Option<serde_json::Value>,
    scenarios: ScenarioOptions,
    addr: SocketAddr,
    name: &str,
) -> anyhow::Result<()> {
    let version = tile_version(&city, indicators.as_ref());
    let state = match graph {
        Some(graph) => server::AppState::with_graph(city, graph, indicators),
        None => server::AppState::new(city, indicators),
    };
    let state = state.with_scenarios(scenario_setup(path, scenarios));
    serve_state(with_tile_table(state, path, &version), addr, name)
}

/// The GeoPackage's tile table as the server's persistent tile store.
#[derive(Debug)]
struct GpkgTiles {
    table: store::TileTable,
    warned: AtomicBool,
}

impl tiles::TileStore for GpkgTiles {
    fn load(&self, t: tiles::TileId) -> Option<Vec<u8>> {
        self.table.load(t.z, t.x, t.y).ok().flatten()
    }

    fn save(&self, t: tiles::TileId, raw: &[u8]) {
        if let Err(e) = self.table.save(t.z, t.x, t.y, raw)
            && !self.warned.swap(true, Ordering::Relaxed)
        {
            eprintln!("spielraum: warning: tiles are not kept in the GeoPackage: {e}");
        }
    }
}

/// Backs the state's tile cache with the tile table of the GeoPackage at `path` (tiles of
/// another `version` are dropped); without write access the cache stays in memory.
fn with_tile_table(state: server::AppState, path: &Path, version: &str) -> server::AppState {
    match store::TileTable::open(path, version) {
        Ok(table) => state.with_tile_store(Box::new(GpkgTiles {
            table,
            warned: AtomicBool::new(false),
        })),
        Err(e) => {
            eprintln!("spielraum: warning: tiles are cached in memory only: {e}");
            state
        }
    }
}

/// What the tiles are rendered from: the import, the indicators and this program.
fn tile_version(city: &model::City, indicators: Option<&serde_json::Value>) -> String {
    let mut h = DefaultHasher::new();
    for (k, v) in city
        .metadata
        .iter()
        .filter(|(k, _)| k != "tile_cache_version")
    {
        (k, v).hash(&mut h);
    }
    indicators.map(|v| v.to_string()).hash(&mut h);
    let built = std::env::current_exe()
        .and_then(|p| p.metadata())
        .and_then(|m| m.modified())
        .ok();
    built.hash(&mut h);
    format!("{}-{:016x}", env!("CARGO_PKG_VERSION"), h.finish())
}

/// Serves a prepared state until Ctrl-C, printing the address once it listens.
fn serve_state(state: server::AppState, addr: SocketAddr, name: &str) -> anyhow::Result<()> {
    server::serve_state(state, addr, |bound| {
        eprintln!("Serving {name} on http://{bound}/ (Ctrl-C to stop)");
    })
    .map_err(|e| match e {
        server::ServerError::Bind { .. } => anyhow::anyhow!("--addr: {e}"),
        other => anyhow::Error::new(super::Internal(other.to_string())),
    })
}

/// Runs `spielraum serve`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let city = store::read_city(&args.city)
        .with_context(|| format!("cannot read {}", args.city.display()))?;
    let name = args.city.display().to_string();
    let standards = match &args.standards {
        Some(path) => analysis::Standards::from_file(path)?,
        None => analysis::Standards::default_din18034(),
    };
    let scenarios = ScenarioOptions::new(
        standards,
        args.edit_token_file.as_deref(),
        args.private_scenarios,
    )?;
    if args.indicators.is_some() {
        let indicators = read_indicators(args.indicators.as_ref())?;
        return serve(
            &args.city, city, None, indicators, scenarios, args.addr, &name,
        );
    }
    // One walking graph for the indicators, the map's reach queries and the scenarios.
    let (indicators, graph) = compute_indicators(&city, &scenarios.standards);
    serve(
        &args.city, city, graph, indicators, scenarios, args.addr, &name,
    )
}
