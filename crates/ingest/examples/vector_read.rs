//! Reads one vector file (GeoJSON, GeoPackage, Shapefile, FlatGeobuf; any supported CRS) into
//! WGS84 features and prints the count, the vertices and the time taken.
//!
//! Used by `bench/vector.sh`: `cargo run --release -p spielraum-ingest --example vector_read -- FILE`.

use std::path::PathBuf;
use std::time::Instant;

use geo::CoordsIter;
use spielraum_ingest::vector::{ReadOptions, read_features};

fn main() {
    let Some(path) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: vector_read FILE");
        std::process::exit(2);
    };
    let start = Instant::now();
    match read_features(&path, &ReadOptions::default()) {
        Ok(file) => {
            let vertices: usize = file
                .features
                .iter()
                .filter_map(|f| f.geometry.as_ref().ok())
                .map(|g| g.coords_count())
                .sum();
            println!(
                "{} {} features {} vertices {vertices} seconds {:.3}",
                file.format.label(),
                file.crs.name,
                file.features.len(),
                start.elapsed().as_secs_f64()
            );
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
