//! `spielraum reach`: argument parsing and output only.
//!
//! Prints the walking isochrone around a point and the public facilities inside it as GeoJSON.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Result, bail};
use geo_types::{Coord, MultiPolygon};
use model::Facility;
use network::{DEFAULT_WALKING_SPEED_KMH, Targets};
use serde_json::{Value as Json, json};

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
    /// Walking time in minutes [default: 15].
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

fn ring(coords: impl Iterator<Item = Coord<f64>>) -> Json {
    Json::Array(coords.map(|c| json!([c.x, c.y])).collect())
}

fn multipolygon(mp: &MultiPolygon<f64>) -> Json {
    let polys: Vec<Json> = mp
        .iter()
        .map(|p| {
            let mut rings = vec![ring(p.exterior().coords().copied())];
            rings.extend(p.interiors().iter().map(|r| ring(r.coords().copied())));
            Json::Array(rings)
        })
        .collect();
    json!({"type": "MultiPolygon", "coordinates": polys})
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
    let (metres, minutes) = match (args.metres, args.minutes) {
        (Some(d), _) => (d, d / network::minutes_to_metres(1.0, args.speed_kmh)),
        (None, m) => {
            let m = m.unwrap_or(15.0);
            (network::minutes_to_metres(m, args.speed_kmh), m)
        }
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
    let area = network::isochrone(&graph, origin, metres);
    let public: Vec<&Facility> = city.facilities.iter().filter(|f| f.is_public()).collect();
    let targets = Targets::from_facilities(&graph, &public);
    let hits = network::within(&graph, &targets, &[origin], metres);
    spinner.finish_and_clear();

    let mut features = vec![json!({
        "type": "Feature",
        "geometry": multipolygon(&area),
        "properties": {"metres": metres, "minutes": minutes, "walking_speed_kmh": args.speed_kmh},
    })];
    for hit in hits.into_iter().flatten() {
        let f = public[hit.target];
        let Some(p) = network::facility_point(f) else {
            continue;
        };
        features.push(json!({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [p.x, p.y]},
            "properties": {
                "osm_id": f.osm_id.to_string(),
                "kind": f.kind.as_str(),
                "name": f.name,
                "distance_m": (hit.distance_m * 10.0).round() / 10.0,
            },
        }));
    }
    let out = json!({"type": "FeatureCollection", "features": features});
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    serde_json::to_writer(&mut lock, &out)?;
    writeln!(lock)?;
    Ok(())
}
