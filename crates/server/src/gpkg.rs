//! Serving a city GeoPackage: its scenario store and candidate sites for the scenario routes,
//! its accounts for logging in, and its tile table as the persistent tile cache (versioned by what the tiles are made of).
//!
//! [`open`] is the whole preparation `spielraum serve` and `spielraum demo` need.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use std::sync::Arc;

use analysis::{AnalysisDocument, ScenarioEngine, Standards};
use model::City;

use crate::auth::EditToken;
use crate::state::{AccountSetup, AppState, ScenarioSetup};

/// How a GeoPackage is served: the standard of comparisons and suggestions, and who may edit.
#[derive(Debug)]
pub struct ServeOptions {
    /// The planning standard of comparisons and suggestions.
    pub standards: Standards,
    /// Who may edit (read-only when unset).
    pub edit_token: EditToken,
    /// Whether reading scenarios needs the token too.
    pub private: bool,
    /// Logging in with the file's accounts.
    pub login: LoginOptions,
    /// The address visitors reach the server at, for embed snippets ([`AppState::with_public_url`]).
    pub public_url: Option<String>,
}

/// How the server lets the workspace's users log in (see [`crate::AccountSetup`]).
#[derive(Debug, Clone)]
pub struct LoginOptions {
    /// Reading anything but the pages needs a login or a token ([`AppState::with_private`]).
    pub private_workspace: bool,
    /// The session cookie is always `Secure` (else only behind a TLS proxy).
    pub secure_cookie: bool,
    /// Behind a reverse proxy: client addresses from `X-Forwarded-For`.
    pub behind_proxy: bool,
    /// How long a login lasts.
    pub session_ttl: std::time::Duration,
}

impl Default for LoginOptions {
    fn default() -> LoginOptions {
        LoginOptions {
            private_workspace: false,
            secure_cookie: false,
            behind_proxy: false,
            session_ttl: crate::DEFAULT_SESSION_TTL,
        }
    }
}

/// A GeoPackage's state, ready to serve, and what the person starting it should know.
#[derive(Debug)]
pub struct Prepared {
    /// The state to serve.
    pub state: AppState,
    /// Things that do not work as they should (no scenario store, tiles in memory only, …).
    pub warnings: Vec<String>,
    /// Plain facts worth a line (editing enabled).
    pub notes: Vec<String>,
}

/// Prepares the state for the GeoPackage at `path`, holding `city`: the map with `indicators`,
/// reach queries on `graph` (the walking graph the indicators were computed on, else one built
/// here), the scenario routes with the file's store and candidate sites, and the file's tile
/// table behind the tile cache. What cannot be opened is reported in the warnings and left out.
pub fn open(
    path: &Path,
    city: City,
    graph: Option<network::WalkGraph>,
    indicators: Option<AnalysisDocument>,
    options: ServeOptions,
) -> Prepared {
    let version = tile_version(&city, indicators.as_ref());
    let state = match graph {
        Some(graph) => AppState::with_graph(city, graph, indicators),
        None => AppState::new(city, indicators),
    };
    prepare(path, state, &version, options, None)
}

/// [`open`] for a city whose scenario engine is built already: the engine's walking graph for
/// reach queries, its base analysis as the map's indicators and the engine itself for the
/// scenario routes, so nothing is computed twice.
pub fn open_with_engine(
    path: &Path,
    engine: Arc<ScenarioEngine>,
    options: ServeOptions,
) -> Prepared {
    let indicators = Some(engine.base().document());
    let version = tile_version(engine.city(), indicators.as_ref());
    let state = AppState::with_shared(engine.shared_city(), engine.shared_graph(), indicators);
    prepare(path, state, &version, options, Some(engine))
}

/// [`open_with_engine`] for a city held in a PostgreSQL database `db`, with its `candidates`:
/// the scenarios, the accounts (with the audit log) and the tile cache are the schema's, shared
/// by every server on the database. What cannot be opened is reported in the warnings.
pub fn open_database_with_engine(
    engine: Arc<ScenarioEngine>,
    candidates: Vec<model::scenario::CandidateSite>,
    db: pgstore::Database,
    options: ServeOptions,
) -> Prepared {
    let indicators = Some(engine.base().document());
    let version = tile_version(engine.city(), indicators.as_ref());
    let state = AppState::with_shared(engine.shared_city(), engine.shared_graph(), indicators);
    let mut scenarios: Box<dyn store::Scenarios> = Box::new(pgstore::PgScenarios::new(db.clone()));
    scenarios.set_actor(crate::caller::MACHINE_ACTOR);
    let (mut notes, mut warnings) = (Vec::new(), Vec::new());
    if options.edit_token.enabled() {
        notes.push("Scenario editing is enabled (bearer token).".into());
    }
    let private_scenarios = options.private;
    let token = options.edit_token.enabled();
    let setup = ScenarioSetup {
        standards: options.standards,
        store: Some(scenarios),
        candidates,
        edit_token: options.edit_token,
        private: options.private,
    };
    let state = state
        .with_scenarios_on(setup, engine)
        .with_public_url(options.public_url);
    let login = options.login;
    let state = match store::accounts::HashCost::from_env()
        .and_then(|cost| pgstore::PgAccounts::new(db.clone(), cost))
    {
        Ok(accounts) => with_accounts(
            state,
            Box::new(accounts),
            &login,
            private_scenarios,
            token,
            (&mut notes, &mut warnings),
        ),
        Err(e) => {
            warnings.push(format!("nobody can log in: {e}"));
            state
        }
    };
    let state = state.with_private(login.private_workspace);
    // Tiles of an older import, analysis or program go; these are kept for the next start.
    if let Err(e) = pgstore::block_on(db.drop_other_tiles(&version)) {
        warnings.push(format!("tiles are cached in memory only: {e}"));
        return Prepared {
            state,
            warnings,
            notes,
        };
    }
    let state = state.with_tile_store(Box::new(PgTiles {
        db,
        version,
        warned: AtomicBool::new(false),
    }));
    Prepared {
        state,
        warnings,
        notes,
    }
}

/// The schema's tile table as the server's persistent tile store.
#[derive(Debug)]
struct PgTiles {
    db: pgstore::Database,
    version: String,
    warned: AtomicBool,
}

impl tiles::TileStore for PgTiles {
    fn load(&self, t: tiles::TileId) -> Option<Vec<u8>> {
        pgstore::block_on(self.db.load_tile(&self.version, t.z, t.x, t.y))
            .ok()
            .flatten()
    }

    fn save(&self, t: tiles::TileId, raw: &[u8]) {
        if let Err(e) = pgstore::block_on(self.db.save_tile(&self.version, (t.z, t.x, t.y), raw))
            && !self.warned.swap(true, Ordering::Relaxed)
        {
            eprintln!("spielraum: warning: tiles are not kept in the database: {e}");
        }
    }
}

/// The scenario store, candidate sites and tile table of the GeoPackage at `path` added to `state`.
fn prepare(
    path: &Path,
    state: AppState,
    version: &str,
    options: ServeOptions,
    engine: Option<Arc<ScenarioEngine>>,
) -> Prepared {
    let mut warnings = Vec::new();
    let mut notes = Vec::new();
    let store = match store::ScenarioStore::open(path) {
        // Every change over HTTP names its caller; this is only the default.
        Ok(mut s) => {
            s.set_actor(crate::caller::MACHINE_ACTOR);
            Some(Box::new(s) as Box<dyn store::Scenarios>)
        }
        Err(e) => {
            warnings.push(format!("no stored scenarios: {e}"));
            None
        }
    };
    let candidates = match store::read_candidate_sites(path) {
        Ok(c) => c,
        Err(e) => {
            warnings.push(format!("no candidate sites for suggestions: {e}"));
            Vec::new()
        }
    };
    if options.edit_token.enabled() {
        notes.push("Scenario editing is enabled (bearer token).".into());
    }
    let private_scenarios = options.private;
    let token = options.edit_token.enabled();
    let setup = ScenarioSetup {
        standards: options.standards,
        store,
        candidates,
        edit_token: options.edit_token,
        private: options.private,
    };
    let state = match engine {
        Some(engine) => state.with_scenarios_on(setup, engine),
        None => state.with_scenarios(setup),
    };
    let login = options.login;
    let state = state.with_public_url(options.public_url);
    let accounts = store::accounts::AccountStore::open(path)
        .and_then(|a| a.with_cost(store::accounts::HashCost::from_env()?));
    let state = match accounts {
        Ok(accounts) => with_accounts(
            state,
            Box::new(accounts),
            &login,
            private_scenarios,
            token,
            (&mut notes, &mut warnings),
        ),
        Err(e) => {
            warnings.push(format!("nobody can log in: {e}"));
            state
        }
    };
    let state = state.with_private(login.private_workspace);
    let state = match store::TileTable::open(path, version) {
        Ok(table) => state.with_tile_store(Box::new(GpkgTiles {
            table,
            warned: AtomicBool::new(false),
        })),
        Err(e) => {
            warnings.push(format!("tiles are cached in memory only: {e}"));
            state
        }
    };
    Prepared {
        state,
        warnings,
        notes,
    }
}

/// `state` with the workspace's `accounts`, and notes on who can log in (`closed`: reading
/// needs a login or the token).
fn with_accounts(
    state: AppState,
    accounts: Box<dyn store::Accounts>,
    login: &LoginOptions,
    private_scenarios: bool,
    token: bool,
    (notes, warnings): (&mut Vec<String>, &mut Vec<String>),
) -> AppState {
    let has_users = accounts.has_users();
    match &has_users {
        Ok(true) => notes.push("Logging in is enabled (the city has users).".into()),
        Ok(false) => notes.push(
            "The city has no users yet: add them with 'spielraum user add' to log in.".into(),
        ),
        Err(e) => warnings.push(format!("cannot read the accounts: {e}")),
    }
    let closed = private_scenarios || login.private_workspace;
    if closed && !token && !has_users.unwrap_or(false) {
        warnings.push(
            "reading is private, but nobody can log in yet: add users with \
             'spielraum user add' or give --edit-token-file"
                .into(),
        );
    }
    state.with_accounts(AccountSetup {
        session_ttl: login.session_ttl,
        secure_cookie: login.secure_cookie,
        behind_proxy: login.behind_proxy,
        ..AccountSetup::new(accounts)
    })
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
            // Rendering goes on from memory; the person running the server should know once.
            eprintln!("spielraum: warning: tiles are not kept in the GeoPackage: {e}");
        }
    }
}

/// What the tiles are rendered from: the import, the indicators (numbers and gap outlines) and
/// this program.
fn tile_version(city: &City, indicators: Option<&AnalysisDocument>) -> String {
    let mut h = DefaultHasher::new();
    for (k, v) in city
        .metadata
        .iter()
        .filter(|(k, _)| k != "tile_cache_version")
    {
        (k, v).hash(&mut h);
    }
    if let Some(doc) = indicators {
        doc.to_json().to_string().hash(&mut h);
        for g in &doc.gap_areas {
            for c in g.geometry.iter().flat_map(|m| m.0.iter()).flat_map(|p| {
                p.exterior()
                    .0
                    .iter()
                    .chain(p.interiors().iter().flat_map(|r| r.0.iter()))
            }) {
                (c.x.to_bits(), c.y.to_bits()).hash(&mut h);
            }
        }
    }
    let built = std::env::current_exe()
        .and_then(|p| p.metadata())
        .and_then(|m| m.modified())
        .ok();
    built.hash(&mut h);
    format!("{}-{:016x}", env!("CARGO_PKG_VERSION"), h.finish())
}
