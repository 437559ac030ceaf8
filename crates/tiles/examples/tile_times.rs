//! Cold tile generation times per zoom over every tile covering the bounds of a city
//! (all its layers, basemap included), read from a GeoPackage: `cargo run --release -p spielraum-tiles --example tile_times -- CITY.gpkg`.
//!
//! Prints one line per zoom: tiles, non-empty tiles, and over the non-empty ones
//! p50 / p95 / max milliseconds and mean bytes.

use std::time::Instant;

use map::{CityLayerOptions, city_layers};
use spielraum_tiles::{TileId, TileSet};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: tile_times CITY.gpkg [MINZOOM MAXZOOM]");
        std::process::exit(1);
    };
    let minz: u8 = std::env::args()
        .nth(2)
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let maxz: u8 = std::env::args()
        .nth(3)
        .and_then(|v| v.parse().ok())
        .unwrap_or(16);
    let city = match store::read_city(std::path::Path::new(&path)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tile_times: {e}");
            std::process::exit(1);
        }
    };
    let t0 = Instant::now();
    let set = TileSet::new(city_layers(&city, &CityLayerOptions::default()));
    println!("index built in {:.0} ms", t0.elapsed().as_secs_f64() * 1e3);
    let Some(b) = set.bounds() else {
        eprintln!("tile_times: {path} has no features");
        std::process::exit(1);
    };
    println!("zoom tiles non_empty p50_ms p95_ms max_ms mean_bytes");
    for z in minz..=maxz {
        let a = TileId::containing(b[0], b[3], z);
        let c = TileId::containing(b[2], b[1], z);
        // Times of the non-empty tiles (empty tiles cost microseconds and would flatter p95).
        let mut times = Vec::new();
        let mut all = 0usize;
        let (mut bytes, mut non_empty) = (0usize, 0usize);
        for x in a.x..=c.x {
            for y in a.y..=c.y {
                let Ok(t) = TileId::new(z, x, y) else {
                    continue;
                };
                let s = Instant::now();
                let out = set.render(t);
                let ms = s.elapsed().as_secs_f64() * 1e3;
                all += 1;
                if !out.is_empty() {
                    times.push(ms);
                    non_empty += 1;
                    bytes += out.len();
                }
            }
        }
        if times.is_empty() {
            println!("{z} {all} 0 - - - 0");
            continue;
        }
        times.sort_by(f64::total_cmp);
        let pct = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
        println!(
            "{z} {all} {non_empty} {:.2} {:.2} {:.2} {}",
            pct(0.5),
            pct(0.95),
            times[times.len() - 1],
            bytes / non_empty.max(1)
        );
    }
}
