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
    /// Drop the scenarios stored in the --out file instead of carrying them over into the new import.
    #[arg(long)]
    pub replace_scenarios: bool,
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
            replace_scenarios: self.replace_scenarios,
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
    print_carried(&outcome.carried);
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
