//! The server's prepared state: the city, its indicators, the neighbourhood GeoJSON, the tile
//! cache, the walking graph for reach queries, the warm scenario engine, the web app.
//!
//! Built once at start; shared read-only (behind an `Arc`) by every request. The route modules
//! read it; it knows none of them.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use analysis::scenario::ScenarioEngine;
use analysis::{AnalysisDocument, Standards};
use bytes::Bytes;
use model::City;
use model::scenario::CandidateSite;
use store::accounts::Accounts as AccountBackend;
use store::scenario::Scenarios as ScenarioBackend;
use tiles::{TileCache, TileSet};

use crate::auth::EditToken;
use crate::download::ReportMaker;
use crate::limits::{Gates, Limits};
use crate::login_limit::{LoginLimiter, LoginLimits};

/// Memory bound of the tile cache (raw + gzip bytes).
const TILE_CACHE_BYTES: usize = 256 << 20;

/// Shared state of all handlers (cheap to clone).
#[derive(Clone)]
pub struct AppState(pub(crate) Arc<Inner>);

pub(crate) struct Inner {
    pub city: Arc<City>,
    /// The indicators the map shows, if any.
    pub indicators: Option<AnalysisDocument>,
    pub neighbourhoods_json: Bytes,
    pub tiles: TileCache,
    /// The label glyph ranges made so far (`/fonts/…`).
    pub glyphs: fonts::GlyphCache,
    /// The walking graph and the public facilities on it, or why there is none.
    pub reach: Result<(Arc<network::WalkGraph>, network::Targets), String>,
    pub data_bounds: Option<[f64; 4]>,
    /// The web app: the one the binary carries, or a folder (`SPIELRAUM_WEB_DIR`).
    pub web: webapp::WebApp,
    /// Scenarios and suggestions, once [`AppState::with_scenarios`] set them up.
    pub scenarios: Option<Scenarios>,
    /// The request budget.
    pub limits: Limits,
    /// The concurrency gates of the expensive routes (from `limits`).
    pub gates: Gates,
    /// Who renders `/api/report.pdf`, when the binary gave one.
    pub reports: Option<Arc<dyn ReportMaker>>,
    /// Users, sessions and tokens, once [`AppState::with_accounts`] set them up.
    pub accounts: Option<Accounts>,
    /// Reading anything but the pages and `/health` needs a login ([`AppState::with_private`]).
    pub private: bool,
    /// The address visitors reach this server at (`serve --public-url`), without a trailing `/`.
    pub public_url: Option<String>,
    /// The city's named streets (names of places without one: suggested sites, facilities a
    /// reach query lists), indexed in the background from the start (about a second for a
    /// city of Berlin's size), so that the first answer does not wait for it.
    pub streets: Arc<OnceLock<analysis::names::Streets>>,
}

/// How long a login session lasts when not told otherwise: a working day.
pub const DEFAULT_SESSION_TTL: std::time::Duration = std::time::Duration::from_secs(12 * 3600);

/// What the server needs for logging in (see [`AppState::with_accounts`]).
#[derive(Debug)]
pub struct AccountSetup {
    /// The accounts of the served GeoPackage.
    pub store: Box<dyn AccountBackend>,
    /// How long a session lasts.
    pub session_ttl: std::time::Duration,
    /// Mark the session cookie `Secure` always (else only when the request came through a
    /// proxy saying `X-Forwarded-Proto: https`).
    pub secure_cookie: bool,
    /// The server runs behind a reverse proxy: the client's address for the login limits is the
    /// last one of `X-Forwarded-For` (else the connection's peer).
    pub behind_proxy: bool,
    /// How often logins may fail.
    pub login_limits: LoginLimits,
}

impl AccountSetup {
    /// The setup of `store` with the defaults: 12-hour sessions, `Secure` when behind TLS,
    /// no proxy, [`LoginLimits::default`].
    pub fn new(store: Box<dyn AccountBackend>) -> AccountSetup {
        AccountSetup {
            store,
            session_ttl: DEFAULT_SESSION_TTL,
            secure_cookie: false,
            behind_proxy: false,
            login_limits: LoginLimits::default(),
        }
    }
}

/// The accounts state: the store, the login limiter and the cookie settings.
pub(crate) struct Accounts {
    pub store: Arc<Mutex<Box<dyn AccountBackend>>>,
    pub limiter: LoginLimiter,
    pub session_ttl: std::time::Duration,
    pub secure_cookie: bool,
    pub behind_proxy: bool,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("facilities", &self.0.city.facilities.len())
            .field("neighbourhoods", &self.0.city.neighbourhoods.len())
            .field("web", &self.0.web)
            .finish()
    }
}

/// What the server needs for scenarios and suggestions (see [`AppState::with_scenarios`]).
#[derive(Debug)]
pub struct ScenarioSetup {
    /// The planning standard the comparisons and suggestions use.
    pub standards: Standards,
    /// The scenarios of the served city (its GeoPackage's or its database's); `None`: no
    /// stored scenarios (only `/api/compare` and `/api/suggest` answer).
    pub store: Option<Box<dyn ScenarioBackend>>,
    /// Candidate sites for `/api/suggest`.
    pub candidates: Vec<CandidateSite>,
    /// Who may change scenarios.
    pub edit_token: EditToken,
    /// Reading scenarios, comparisons and suggestions needs the edit token too (a server on an
    /// open network whose plans are not public yet); default: reading is public.
    pub private: bool,
}

/// The warm scenario state: the engine (built once), the store, the candidates, the token.
pub(crate) struct Scenarios {
    pub engine: Result<Arc<ScenarioEngine>, String>,
    pub store: Option<Arc<Mutex<Box<dyn ScenarioBackend>>>>,
    pub candidates: Arc<Vec<CandidateSite>>,
    pub token: EditToken,
    pub private: bool,
    /// The city's named streets (labels of sites): the state's ([`Inner::streets`]).
    pub streets: Arc<OnceLock<analysis::names::Streets>>,
}

impl Scenarios {
    /// The scenario state of `inner`: on `engine` when one was built already, else on one built here.
    fn new(inner: &Inner, setup: ScenarioSetup, engine: Option<Arc<ScenarioEngine>>) -> Scenarios {
        if let Some(engine) = engine {
            return Scenarios::with(Ok(engine), setup, inner.streets.clone());
        }
        let graph = match &inner.reach {
            Ok((g, _)) if analysis::graph_fits(g, &setup.standards) => Ok(g.clone()),
            Ok(_) => analysis::build_graph(&inner.city, &setup.standards)
                .map(Arc::new)
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.clone()),
        };
        let engine = graph.and_then(|g| {
            ScenarioEngine::new(inner.city.clone(), g, setup.standards.clone())
                .map(Arc::new)
                .map_err(|e| e.to_string())
        });
        if let Err(e) = &engine {
            tracing::warn!("scenarios unavailable, their routes will answer 503: {e}");
        }
        Scenarios::with(engine, setup, inner.streets.clone())
    }

    fn with(
        engine: Result<Arc<ScenarioEngine>, String>,
        setup: ScenarioSetup,
        streets: Arc<OnceLock<analysis::names::Streets>>,
    ) -> Scenarios {
        Scenarios {
            engine,
            store: setup.store.map(|s| Arc::new(Mutex::new(s))),
            candidates: Arc::new(setup.candidates),
            token: setup.edit_token,
            private: setup.private,
            streets,
        }
    }
}

impl AppState {
    /// Prepares the state: indexes tiles, builds the walking graph (default profile), renders
    /// the neighbourhood GeoJSON. `indicators` are the analysis' (e.g. `analysis.document()`,
    /// or an `analyze --format json` file); `None` shows the map without indicators. Gap areas
    /// that carry their outline form the `gaps` layer.
    pub fn new(city: City, indicators: Option<AnalysisDocument>) -> AppState {
        let graph = network::WalkGraph::build(
            &city.walk_ways,
            &city.tagged_nodes,
            network::Profile::Default,
        )
        .map(Arc::new)
        .map_err(|e| e.to_string());
        AppState::build(Arc::new(city), graph, indicators)
    }

    /// As [`AppState::new`], with a walking graph built already from `city` (e.g. the one
    /// the indicators were computed on), so it is not built twice.
    pub fn with_graph(
        city: City,
        graph: network::WalkGraph,
        indicators: Option<AnalysisDocument>,
    ) -> AppState {
        AppState::build(Arc::new(city), Ok(Arc::new(graph)), indicators)
    }

    /// As [`AppState::with_graph`] with the city and graph shared (e.g. with a
    /// [`ScenarioEngine`] built on them: [`AppState::with_scenarios_on`]).
    pub fn with_shared(
        city: Arc<City>,
        graph: Arc<network::WalkGraph>,
        indicators: Option<AnalysisDocument>,
    ) -> AppState {
        AppState::build(city, Ok(graph), indicators)
    }

    fn build(
        city: Arc<City>,
        graph: Result<Arc<network::WalkGraph>, String>,
        indicators: Option<AnalysisDocument>,
    ) -> AppState {
        let tiles = TileCache::new(
            TileSet::new(map::tile_layers(&city, indicators.as_ref())),
            TILE_CACHE_BYTES,
        );
        if let Err(e) = &graph {
            tracing::warn!("walking network unavailable, /api/reach will answer 503: {e}");
        }
        let reach = graph.map(|g| {
            let targets = map::reach::public_targets(&city, &g);
            (g, targets)
        });
        let neighbourhoods = map::geojson::neighbourhoods_geojson(&city, indicators.as_ref());
        let data_bounds = map::data_bounds(&city).or_else(|| tiles.tiles().bounds());
        let streets: Arc<OnceLock<analysis::names::Streets>> = Arc::new(OnceLock::new());
        {
            let (city, streets) = (city.clone(), streets.clone());
            std::thread::spawn(move || {
                streets.get_or_init(|| analysis::names::Streets::new(&city));
            });
        }
        AppState(Arc::new(Inner {
            data_bounds,
            neighbourhoods_json: Bytes::from(neighbourhoods.to_string()),
            city,
            indicators,
            tiles,
            glyphs: fonts::GlyphCache::new(),
            reach,
            web: webapp::WebApp::from_env(),
            scenarios: None,
            gates: Gates::new(&Limits::default()),
            limits: Limits::default(),
            reports: None,
            accounts: None,
            private: false,
            public_url: None,
            streets,
        }))
    }

    /// Changes the state before it is shared; `what` names the change for the warning when
    /// the state is shared already (then it is left as it is).
    fn change(self, what: &str, f: impl FnOnce(&mut Inner)) -> AppState {
        match Arc::try_unwrap(self.0) {
            Ok(mut inner) => {
                f(&mut inner);
                AppState(Arc::new(inner))
            }
            Err(arc) => {
                tracing::warn!("{what} called on a shared state; ignored");
                AppState(arc)
            }
        }
    }

    /// The same state serving the web app from the folder `dir` (a built `web/dist`) instead
    /// of the one the binary carries.
    pub fn with_web_dir(self, dir: PathBuf) -> AppState {
        self.change("with_web_dir", |inner| {
            inner.web = webapp::WebApp::Folder(dir);
        })
    }

    /// The same state answering the scenario and suggestion routes (`/api/scenarios…`,
    /// `/api/compare`, `/api/suggest`): builds the scenario engine once on this state's city and
    /// walking graph, or on one built for the standard's profile when the state's graph walks
    /// another (the graph records its profile). Without it those routes answer 503.
    pub fn with_scenarios(self, setup: ScenarioSetup) -> AppState {
        self.change("with_scenarios", |inner| {
            inner.scenarios = Some(Scenarios::new(inner, setup, None));
        })
    }

    /// [`AppState::with_scenarios`] on an engine built already for this state's city and the
    /// setup's standard (nothing computed again).
    pub fn with_scenarios_on(self, setup: ScenarioSetup, engine: Arc<ScenarioEngine>) -> AppState {
        self.change("with_scenarios_on", |inner| {
            inner.scenarios = Some(Scenarios::new(inner, setup, Some(engine)));
        })
    }

    /// The same state with its tile cache backed by a persistent store (e.g. the GeoPackage's
    /// tile table), so tiles rendered once survive a restart.
    pub fn with_tile_store(self, store: Box<dyn tiles::TileStore>) -> AppState {
        self.change("with_tile_store", |inner| inner.tiles.set_store(store))
    }

    /// The same state under another request budget (timeouts, connection cap, permits and
    /// queue of the expensive routes); the default is [`Limits::default`].
    pub fn with_limits(self, limits: Limits) -> AppState {
        self.change("with_limits", |inner| {
            inner.gates = Gates::new(&limits);
            inner.limits = limits;
        })
    }

    /// The same state answering `/api/report.pdf` with `maker` (on the scenario engine's base
    /// analysis); without it that route answers 503 `no_analysis`.
    pub fn with_reports(self, maker: Arc<dyn ReportMaker>) -> AppState {
        self.change("with_reports", |inner| inner.reports = Some(maker))
    }

    /// The same state with logins, roles and personal tokens from `setup`'s account store
    /// (`/api/login`, `/api/me`, `/api/users`, `/api/audit`, `/api/tokens`; scenario changes by
    /// role). Without it only the machine token edits.
    pub fn with_accounts(self, setup: AccountSetup) -> AppState {
        self.change("with_accounts", |inner| {
            inner.accounts = Some(Accounts {
                store: Arc::new(Mutex::new(setup.store)),
                limiter: LoginLimiter::new(setup.login_limits),
                session_ttl: setup.session_ttl,
                secure_cookie: setup.secure_cookie,
                behind_proxy: setup.behind_proxy,
            });
        })
    }

    /// The same state with a private workspace: every route but the pages, their assets,
    /// `/health`, `/openapi.json`, `/api/login` and `/api/me` needs a login or a token.
    pub fn with_private(self, private: bool) -> AppState {
        self.change("with_private", |inner| inner.private = private)
    }

    /// The same state telling the pages the address visitors reach it at (`/api/me`'s
    /// `public_url`, used for embed snippets), checked with [`crate::public_url`].
    pub fn with_public_url(self, url: Option<String>) -> AppState {
        self.change("with_public_url", |inner| inner.public_url = url)
    }

    /// The request budget this state is served under.
    pub fn limits(&self) -> &Limits {
        &self.0.limits
    }

    /// How many tiles this server has rendered (not found in memory or the tile store).
    pub fn tiles_rendered(&self) -> u64 {
        self.0.tiles.rendered()
    }

    /// The indicators the map shows.
    pub fn indicators(&self) -> Option<&AnalysisDocument> {
        self.0.indicators.as_ref()
    }
}
