//! `spielraum import`: reads an OSM extract (and optional boundaries), writes one GeoPackage.
//!
//! Three steps kept apart: read the inputs, build the city, write it atomically.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result, bail};
use ingest::osm::{OsmImport, OsmOptions};
use ingest::population::{PopulationOptions, PopulationOutcome, build_population};
use model::scenario::CandidateSite;
use model::{City, FacilityKind};

use crate::progress;

/// Arguments of `spielraum import`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The OpenStreetMap extract (.osm.pbf).
    pub input: PathBuf,
    /// The GeoPackage to write (replaced atomically when the import succeeds).
    #[arg(long, value_name = "CITY.gpkg")]
    pub out: PathBuf,
    /// The OSM admin_level of the neighbourhoods (default: the most detailed level that tiles the extract).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=15))]
    pub admin_level: Option<u8>,
    /// Neighbourhoods from a GeoJSON FeatureCollection of polygons (name/id properties) instead of OSM boundaries.
    #[arg(long, value_name = "FILE.geojson")]
    pub boundaries: Option<PathBuf>,
    /// Residents from a Zensus 2022 100 m grid, a Zensus age table, or points (CSV `lon,lat,residents`
    /// or GeoJSON); may be given more than once. Without it, residents are estimated from buildings.
    #[arg(long, value_name = "FILE")]
    pub population: Vec<PathBuf>,
    /// Known residents per neighbourhood (CSV `name_or_id,population`): the estimate is scaled to them.
    #[arg(long, value_name = "FILE.csv")]
    pub population_totals: Option<PathBuf>,
}

/// The inputs read from disk, before they are combined.
pub struct Inputs {
    /// The OSM import.
    pub osm: OsmImport,
    /// Neighbourhoods from `--boundaries`, if given.
    pub boundaries: Option<Vec<model::Neighbourhood>>,
}

/// Runs `spielraum import`.
pub fn run(args: Args) -> Result<()> {
    check_paths(&args)?;
    let mut inputs = read_inputs(&args)?;
    let candidates = std::mem::take(&mut inputs.osm.candidates);
    let (mut city, warnings) = build_city(inputs);
    let population = add_population(&args, &mut city)?;
    store::write_city_with_candidates(&args.out, &city, &candidates)
        .with_context(|| format!("cannot write --out {}", args.out.display()))?;
    print_warnings(&warnings);
    print_summary(&city, &args.out, warnings.len());
    print_candidates(&candidates);
    println!("{}", population.summary);
    Ok(())
}

/// Fails early on paths that cannot work, before any long reading.
fn check_paths(args: &Args) -> Result<()> {
    if !args.input.is_file() {
        bail!(
            "{}: no such file (expected an .osm.pbf extract)",
            args.input.display()
        );
    }
    if let Some(b) = args.boundaries.as_ref().filter(|b| !b.is_file()) {
        bail!("--boundaries {}: no such file", b.display());
    }
    let dir = match args.out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        bail!(
            "--out {}: folder {} does not exist",
            args.out.display(),
            dir.display()
        );
    }
    if args.out.is_dir() {
        bail!(
            "--out {}: is a folder, expected a file name",
            args.out.display()
        );
    }
    Ok(())
}

/// Step 1: reads the extract and the optional boundaries.
pub fn read_inputs(args: &Args) -> Result<Inputs> {
    let bar = progress::bar(1, "reading OSM");
    let phase = Mutex::new(String::new());
    let report = |name: &str, done: u64, total: u64| {
        if let Ok(mut p) = phase.lock()
            && *p != name
        {
            *p = name.to_string();
            bar.set_message(name.to_string());
            bar.set_position(0);
        }
        bar.set_length(total.max(1));
        bar.set_position(done);
    };
    let opts = OsmOptions {
        admin_level: args.admin_level,
    };
    let osm = ingest::osm::read_osm(&args.input, &opts, &report)?;
    bar.finish_and_clear();
    let boundaries = match &args.boundaries {
        Some(p) => Some(ingest::boundaries::read_boundaries_geojson(p).context("--boundaries")?),
        None => None,
    };
    Ok(Inputs { osm, boundaries })
}

/// Step 2: combines the inputs into one city, with the warnings to show.
pub fn build_city(inputs: Inputs) -> (City, Vec<String>) {
    let Inputs { osm, boundaries } = inputs;
    let mut city = osm.city;
    let mut warnings = osm.warnings;
    if let Some(b) = boundaries {
        city.neighbourhoods = b;
        city.metadata.retain(|(k, _)| k != "admin_level");
        city.metadata
            .push(("neighbourhoods_source".into(), "boundaries".into()));
        warnings.retain(|w| !w.contains("admin_level"));
    }
    if !warnings.is_empty() {
        // All of them, one per line, for planners and tests (stderr shows only the first few).
        city.metadata
            .push(("import_warnings".into(), warnings.join("\n")));
    }
    (city, warnings)
}

/// Step 3: residents by age band (from `--population` files, else from buildings), assigned to
/// the neighbourhoods and calibrated to `--population-totals`.
pub fn add_population(args: &Args, city: &mut City) -> Result<PopulationOutcome> {
    let spinner = progress::spinner("population");
    let options = PopulationOptions {
        files: args.population.clone(),
        totals: args.population_totals.clone(),
        ..PopulationOptions::default()
    };
    let outcome = build_population(&options, &city.buildings, &city.neighbourhoods)?;
    spinner.finish_and_clear();
    for (n, residents) in city
        .neighbourhoods
        .iter_mut()
        .zip(&outcome.neighbourhood_population)
    {
        n.population = Some(*residents);
    }
    city.population.clone_from(&outcome.units);
    let sources: Vec<&str> = outcome.summary.sources.iter().map(|s| s.as_str()).collect();
    city.metadata
        .push(("population_source".into(), sources.join(",")));
    if let Some(t) = &args.population_totals {
        let name = t
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        city.metadata.push(("population_totals".into(), name));
    }
    Ok(outcome)
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
        "  {:<16}{} ({})",
        "candidate_sites",
        candidates.len(),
        parts.join(", ")
    );
}

fn print_summary(city: &City, out: &Path, warnings: usize) {
    println!("wrote {}", out.display());
    for kind in FacilityKind::ALL {
        let n = city.facilities.iter().filter(|f| f.kind == kind).count();
        println!("  {:<16}{n}", kind.as_str());
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
        "  {:<16}{} ({level}): {}",
        "neighbourhoods",
        city.neighbourhoods.len(),
        names.join(", ")
    );
    println!("  {:<16}{}", "buildings", city.buildings.len());
    println!("  {:<16}{}", "walk_ways", city.walk_ways.len());
    println!("  {:<16}{}", "tagged_nodes", city.tagged_nodes.len());
    println!("  {:<16}{}", "basemap", city.basemap.len());
    println!("  {:<16}{warnings}", "warnings");
}
