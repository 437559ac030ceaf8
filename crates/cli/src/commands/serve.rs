//! `spielraum serve`: argument parsing and output only.
//!
//! Reads the city, computes its indicators (or reads them), hands both and the walking graph
//! (built once) to `server::gpkg::open`, prints its warnings and serves.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::args::StandardsArg;

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

/// How the server handles scenarios: the standard they are computed with and the edit token
/// of `--edit-token-file` (else `$SPIELRAUM_EDIT_TOKEN`); `private`: reading needs the token
/// too, so a token must be given.
pub fn serve_options(
    standards: analysis::Standards,
    edit_token_file: Option<&Path>,
    private: bool,
) -> anyhow::Result<server::gpkg::ServeOptions> {
    let edit_token =
        server::EditToken::from_file_or_env(edit_token_file).map_err(anyhow::Error::new)?;
    if private && !edit_token.enabled() {
        anyhow::bail!(
            "--private-scenarios needs a token: give --edit-token-file FILE or set SPIELRAUM_EDIT_TOKEN"
        );
    }
    Ok(server::gpkg::ServeOptions {
        standards,
        edit_token,
        private,
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
    let prepared = server::gpkg::open(path, city, graph, indicators, options);
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
        other => anyhow::Error::new(super::Internal(other.to_string())),
    })
}

/// Runs `spielraum serve`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let city = store::read_city(&args.city)
        .with_context(|| format!("cannot read {}", args.city.display()))?;
    let name = args.city.display().to_string();
    let standards = args.standards.resolve()?;
    let options = serve_options(
        standards,
        args.edit_token_file.as_deref(),
        args.private_scenarios,
    )?;
    if args.indicators.is_some() {
        let indicators = read_indicators(args.indicators.as_ref())?;
        return serve(
            &args.city, city, None, indicators, options, args.addr, &name,
        );
    }
    // One walking graph for the indicators, the map's reach queries and the scenarios.
    let (indicators, graph) = compute_indicators(&city, &options.standards);
    serve(
        &args.city, city, graph, indicators, options, args.addr, &name,
    )
}
