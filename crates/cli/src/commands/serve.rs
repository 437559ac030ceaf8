//! `spielraum serve`: argument parsing and output only.
//!
//! Reads the city, computes its indicators (or reads them), hands both and the walking graph
//! (built once) to `server::gpkg::open`, prints its warnings and serves.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;

use crate::args::StandardsArg;
use crate::progress::Terminal;
use crate::shared::{read_city_and_graph, read_indicators, serve, serve_computed, serve_options};
use workflow::Progress;

/// Arguments of `spielraum serve`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The GeoPackage written by `spielraum import`, or a PostgreSQL connection string
    /// (`postgresql://…?schema=NAME`) of a city imported there.
    pub city: PathBuf,
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Indicators to show: the output of `spielraum analyze --format json` (default: computed
    /// at start with --standards).
    #[arg(long, value_name = "FILE.json", conflicts_with = "standards")]
    pub indicators: Option<PathBuf>,
    #[command(flatten)]
    pub standards: StandardsArg,
    /// A machine token in this file edits scenarios over HTTP with the editor role
    /// (`Authorization: Bearer TOKEN`); default: $SPIELRAUM_EDIT_TOKEN, else only the file's
    /// users edit (`spielraum user add`; none: the server is read-only).
    #[arg(long, value_name = "FILE")]
    pub edit_token_file: Option<PathBuf>,
    /// Reading scenarios, comparisons and suggestions needs a login or a token too (default:
    /// reading is public).
    #[arg(long)]
    pub private_scenarios: bool,
    /// A private workspace: reading the map, tiles and indicators needs a login or a token
    /// too (the pages themselves load, to log in).
    #[arg(long)]
    pub private: bool,
    /// Always mark the session cookie `Secure` (default: only when a TLS proxy says
    /// `X-Forwarded-Proto: https`).
    #[arg(long)]
    pub secure_cookie: bool,
    /// The server runs behind a reverse proxy: the login limits count the client address the
    /// proxy adds to `X-Forwarded-For` (never set this without a proxy that sets it).
    #[arg(long)]
    pub behind_proxy: bool,
    /// The address visitors reach this server at (e.g. https://karte.example.de behind the
    /// city's proxy): embed snippets on the planner page use it instead of the address the
    /// planner happens to use.
    #[arg(long, value_name = "URL", value_parser = server::public_url)]
    pub public_url: Option<String>,
    /// How long a login lasts, in hours.
    #[arg(long, value_name = "HOURS", default_value_t = 12.0,
          value_parser = parse_hours)]
    pub session_hours: f64,
}

fn parse_hours(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(h) if h.is_finite() && h > 0.0 && h <= 24.0 * 90.0 => Ok(h),
        _ => Err(format!(
            "'{text}' is not a number of hours from more than 0 to 2160 (90 days)"
        )),
    }
}

/// Runs `spielraum serve`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let progress = Terminal::new();
    let name = args.city.display().to_string();
    let standards = args.standards.resolve()?;
    let options = serve_options(
        standards,
        args.edit_token_file.as_deref(),
        args.private_scenarios,
        server::gpkg::LoginOptions {
            private_workspace: args.private,
            secure_cookie: args.secure_cookie,
            behind_proxy: args.behind_proxy,
            session_ttl: std::time::Duration::from_secs_f64(args.session_hours * 3600.0),
        },
        args.public_url.clone(),
    )?;
    if let Some(url) = crate::shared::database_url(&args.city) {
        if args.indicators.is_some() {
            anyhow::bail!(
                "--indicators is for a GeoPackage city; a database city is analysed here"
            );
        }
        return serve_database(url, options, args.addr, &progress);
    }
    if args.indicators.is_some() {
        progress.stage("reading city");
        let city = store::read_city(&args.city)
            .with_context(|| format!("cannot read {}", args.city.display()))?;
        progress.finish();
        let indicators = read_indicators(args.indicators.as_ref())?;
        return serve(
            &args.city, city, None, indicators, options, args.addr, &name,
        );
    }
    // One walking graph and one analysis for the indicators, the map's reach queries and the
    // scenarios.
    let read = read_city_and_graph(&args.city, &options.standards, &progress)?;
    serve_computed(&args.city, read, options, args.addr, &name, &progress)
}

/// Serves a city held in PostgreSQL/PostGIS: read whole, analysed here by the scenario engine.
fn serve_database(
    url: &str,
    options: server::gpkg::ServeOptions,
    addr: std::net::SocketAddr,
    progress: &Terminal,
) -> anyhow::Result<()> {
    use workflow::database;
    let db = database::open(url)?;
    progress.stage("reading city and walking network");
    let city = database::read_city(&db, &store::CITY_LAYER_NAMES)?;
    let candidates = database::read_candidate_sites(&db)?;
    let graph = network::WalkGraph::build(
        &city.walk_ways,
        &city.tagged_nodes,
        analysis::network_profile(&options.standards),
    )
    .map_err(|e| analysis::AnalysisError::Network(e.to_string()));
    let engine = crate::shared::serving_engine(city, graph, &options.standards, progress)
        .map_err(|_| anyhow::anyhow!("{}: the city cannot be analysed", db.shown()))?;
    progress.stage("preparing the map");
    let shown = db.shown().to_string();
    let prepared = server::gpkg::open_database_with_engine(engine, candidates, db, options);
    progress.finish();
    crate::shared::serve_prepared(prepared, addr, &shown)
}
