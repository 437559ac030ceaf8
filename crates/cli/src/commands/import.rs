//! `spielraum import`: argument parsing and output only.
//!
//! [`workflow::import_city`] reads the OSM extract (and optional boundaries) and writes one GeoPackage.

use std::path::{Path, PathBuf};

use anyhow::Result;
use model::scenario::CandidateSite;
use model::{City, FacilityKind};
use workflow::{ImportOptions, ImportOutcome, import_city};

use crate::progress::Terminal;

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

impl Args {
    /// The workflow's options.
    pub fn options(&self) -> ImportOptions {
        ImportOptions {
            input: self.input.clone(),
            out: self.out.clone(),
            admin_level: self.admin_level,
            boundaries: self.boundaries.clone(),
            population: self.population.clone(),
            population_totals: self.population_totals.clone(),
        }
    }
}

/// Runs `spielraum import`.
pub fn run(args: Args) -> Result<()> {
    let outcome = import_city(&args.options(), &Terminal::new())?;
    print(&outcome, &args.out);
    Ok(())
}

/// What `spielraum import` prints: warnings on stderr, then a summary of the city, its
/// candidate sites and its population on stdout.
pub fn print(outcome: &ImportOutcome, out: &Path) {
    print_warnings(&outcome.warnings);
    print_summary(&outcome.city, out, outcome.warnings.len());
    print_candidates(&outcome.candidates);
    println!("{}", outcome.population.summary);
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
