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
    /// The GeoPackage written by `spielraum import`.
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
    /// Allow editing scenarios over HTTP with the token in this file (`Authorization: Bearer
    /// TOKEN`); default: $SPIELRAUM_EDIT_TOKEN, else the server is read-only.
    #[arg(long, value_name = "FILE")]
    pub edit_token_file: Option<PathBuf>,
    /// Reading scenarios, comparisons and suggestions needs the edit token too (default:
    /// reading is public).
    #[arg(long)]
    pub private_scenarios: bool,
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
    )?;
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
