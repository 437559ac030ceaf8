//! `spielraum reach`: argument parsing and output only.
//!
//! Prints the walking isochrone around a point and the public facilities inside it as GeoJSON.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Result, bail};
use geo_types::Coord;
use map::reach::public_targets;
use map::{DEFAULT_REACH_MINUTES, Walk, reach_geojson};
use network::DEFAULT_WALKING_SPEED_KMH;

use super::nearest::{ProfileArg, load_graph};
use crate::progress;

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
    /// Walking time in minutes [default: 15, `map::DEFAULT_REACH_MINUTES`].
    #[arg(long, conflicts_with = "metres")]
    pub minutes: Option<f64>,
    /// Walking distance in metres (instead of --minutes).
    #[arg(long)]
    pub metres: Option<f64>,
    /// Walking speed in km/h (children walk slower than the adult default).
    #[arg(long, default_value_t = DEFAULT_WALKING_SPEED_KMH)]
    pub speed_kmh: f64,
    /// Walking profile.
    #[arg(long, value_enum, default_value = "default")]
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
    if !(args.speed_kmh.is_finite() && args.speed_kmh > 0.0) {
        bail!("--speed-kmh {} must be a positive number", args.speed_kmh);
    }
    let metres = match args.metres {
        Some(d) => d,
        None => network::minutes_to_metres(
            args.minutes.unwrap_or(DEFAULT_REACH_MINUTES),
            args.speed_kmh,
        ),
    };
    if !(metres.is_finite() && metres >= 0.0) {
        bail!("--minutes/--metres must be a non-negative number");
    }
    let spinner = progress::spinner("reading city");
    let (city, graph) = load_graph(&args.city, args.profile.into())?;
    spinner.set_message("walking");
    let origin = Coord {
        x: args.lon,
        y: args.lat,
    };
    let targets = public_targets(&city, &graph);
    let walk = Walk {
        metres,
        speed_kmh: args.speed_kmh,
    };
    let out = reach_geojson(&city, &graph, &targets, origin, walk, None);
    spinner.finish_and_clear();
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    serde_json::to_writer(&mut lock, &out)?;
    writeln!(lock)?;
    Ok(())
}
