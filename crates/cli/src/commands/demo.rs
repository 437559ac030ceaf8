//! `spielraum demo`: imports the bundled demo city when needed (`workflow::import_city`),
//! analyses it (`workflow::analyze_file`) and serves the map.
//!
//! The demo data lives in `geodata/` (found next to the current folder or the executable).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{Context, Result, bail};
use workflow::sources::SourceNote;
use workflow::{ImportOptions, Progress, import_city};

use crate::progress::Terminal;
use crate::shared::{
    print_import, read_city_and_graph, serve_options, serve_prepared, serving_engine,
    write_results_or_warn,
};

/// The bundled extract and the official totals its building estimate is calibrated to.
const EXTRACT: &str = "liechtenstein-2015.osm.pbf";
const TOTALS: &str = "liechtenstein-population-2020.csv";
const CITY: &str = "liechtenstein.gpkg";

/// Arguments of `spielraum demo`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// The folder holding the demo data [default: ./geodata, or the one beside the executable].
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Import and analyse, print what was loaded, but do not serve.
    #[arg(long)]
    pub no_serve: bool,
    /// Allow editing scenarios with the token in this file (see `spielraum serve`).
    #[arg(long, value_name = "FILE")]
    pub edit_token_file: Option<PathBuf>,
}

/// Runs `spielraum demo`.
pub fn run(args: Args) -> Result<()> {
    let data = match &args.data {
        Some(dir) => dir.clone(),
        None => find_data_dir()?,
    };
    let options = serve_options(
        analysis::Standards::default_din18034(),
        args.edit_token_file.as_deref(),
        false,
        server::gpkg::LoginOptions::default(),
        None,
    )?;
    let extract = data.join(EXTRACT);
    if !extract.is_file() {
        bail!("--data {}: {EXTRACT} is missing", data.display());
    }
    let totals = data.join(TOTALS);
    let city_path = data.join(CITY);
    if needs_import(&city_path, &[&extract, &totals])? {
        eprintln!(
            "Importing the demo city ({EXTRACT}) into {} …",
            city_path.display()
        );
        // The totals' source (geodata/README.md), credited on the map and in reports.
        let credit = SourceNote {
            input: TOTALS.into(),
            text: "Amt für Statistik Liechtenstein (residents 2020)".into(),
            licence: false,
        };
        let has_totals = totals.is_file();
        let options = ImportOptions {
            input: extract,
            out: city_path.clone(),
            admin_level: Some(8),
            boundaries: None,
            boundary_id: None,
            boundary_name: None,
            boundary_layer: None,
            population: Vec::new(),
            population_totals: has_totals.then_some(totals),
            replace_scenarios: false,
            source_notes: has_totals.then_some(credit).into_iter().collect(),
            ..ImportOptions::default()
        };
        let outcome = import_city(&options, &Terminal::new())?;
        print_import(&outcome, &city_path);
    } else {
        println!("Using {} (up to date)", city_path.display());
    }
    let progress = Terminal::new();
    let (city, graph) = read_city_and_graph(&city_path, &options.standards, &progress)?;
    let (facilities, neighbourhoods, units) = (
        city.facilities.len(),
        city.neighbourhoods.len(),
        city.population.len(),
    );
    // One analysis for the result layers, the map and the scenarios.
    let engine = match serving_engine(city, graph, &options.standards, &progress) {
        Ok(engine) => engine,
        Err(_) => bail!("the demo city cannot be analysed (see the warning above)"),
    };
    progress.stage("writing result layers");
    write_results_or_warn(&city_path, engine.base())?;
    progress.finish();
    println!(
        "Loaded {facilities} facilities, {neighbourhoods} neighbourhoods, {units} population units; standard {}.",
        engine.base().standard
    );
    println!(
        "Data: OpenStreetMap extract of 2015 (© OpenStreetMap contributors, ODbL 1.0); residents estimated from buildings, calibrated to the 2020 municipal totals."
    );
    if args.no_serve {
        return Ok(());
    }
    let progress = Terminal::new();
    progress.stage("preparing the map");
    let prepared = server::gpkg::open_with_engine(&city_path, engine, options);
    progress.finish();
    serve_prepared(prepared, args.addr, "the demo city")
}

/// `./geodata`, else `geodata/` in a folder above the executable (e.g. `target/release/../../geodata`).
fn find_data_dir() -> Result<PathBuf> {
    let mut candidates = vec![PathBuf::from("geodata")];
    if let Ok(exe) = std::env::current_exe() {
        candidates.extend(exe.ancestors().skip(1).map(|d| d.join("geodata")));
    }
    candidates
        .into_iter()
        .find(|d| d.join(EXTRACT).is_file())
        .context("cannot find the demo data (geodata/liechtenstein-2015.osm.pbf): run from the project folder or pass --data DIR")
}

/// Whether the GeoPackage is missing or older than its inputs or this program.
fn needs_import(city: &Path, inputs: &[&Path]) -> Result<bool> {
    let Ok(built) = city.metadata().and_then(|m| m.modified()) else {
        return Ok(true);
    };
    let exe = std::env::current_exe().ok();
    let newest_input = inputs
        .iter()
        .copied()
        .chain(exe.as_deref())
        .filter_map(|p| p.metadata().and_then(|m| m.modified()).ok())
        .max()
        .unwrap_or(SystemTime::UNIX_EPOCH);
    Ok(newest_input > built)
}
