//! `spielraum reach`: argument parsing and output only.
//!
//! Prints the walking isochrone around a point and the public facilities inside it as GeoJSON.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Result, bail};
use geo_types::Coord;
use map::reach::public_targets;
use map::reach_geojson;
use workflow::{Loaded, Progress};

use crate::args::{ProfileArg, ReachArg};
use crate::progress::Terminal;
use crate::shared::load_graph;

/// Arguments of `spielraum reach`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The city GeoPackage written by `spielraum import`.
    pub city: PathBuf,
    /// Longitude of the starting point (WGS84 degrees).
    #[arg(long, allow_hyphen_values = true)]
    pub lon: f64,
    /// Latitude of the starting point (WGS84 degrees).
    #[arg(long, allow_hyphen_values = true)]
    pub lat: f64,
    #[command(flatten)]
    pub reach: ReachArg,
    #[command(flatten)]
    pub profile: ProfileArg,
}

/// Runs `spielraum reach`.
pub fn run(args: Args) -> Result<()> {
    if !(args.lon.is_finite() && args.lon.abs() <= 180.0) {
        bail!("--lon {} is out of range (-180 to 180)", args.lon);
    }
    if !(args.lat.is_finite() && args.lat.abs() <= 90.0) {
        bail!("--lat {} is out of range (-90 to 90)", args.lat);
    }
    let walk = args.reach.walk()?;
    let progress = Terminal::new();
    let Loaded { city, graph } = load_graph(&args.city, args.profile.profile(), &progress)?;
    progress.stage("walking");
    let origin = Coord {
        x: args.lon,
        y: args.lat,
    };
    let targets = public_targets(&city, &graph);
    let out = reach_geojson(&city, &graph, &targets, origin, walk, None, None, None);
    progress.finish();
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    serde_json::to_writer(&mut lock, &out)?;
    writeln!(lock)?;
    Ok(())
}
