//! Reads Zensus grid (and age table) files and prints what was read and how long it took.
//!
//! Used by `bench/zensus.sh`: `cargo run --release -p spielraum-ingest --example read_zensus -- FILE...`.

use std::path::PathBuf;
use std::time::Instant;

use spielraum_ingest::population::{AgeShares, combine_population_files, read_population_file};

fn main() {
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if paths.is_empty() {
        eprintln!("usage: read_zensus FILE...");
        std::process::exit(2);
    }
    let start = Instant::now();
    let result = paths
        .iter()
        .map(|p| read_population_file(p))
        .collect::<Result<Vec<_>, _>>()
        .and_then(|files| combine_population_files(files, &AgeShares::default()));
    match result {
        Ok(c) => {
            let residents: f64 = c.units.iter().map(|u| u.residents).sum();
            let children: f64 = c.units.iter().map(|u| u.ages.iter().sum::<f64>()).sum();
            println!(
                "units {} residents {residents:.0} children {children:.0} suppressed {} \
                 cells_without_ages {} seconds {:.2}",
                c.units.len(),
                c.suppressed_cells,
                c.cells_without_ages,
                start.elapsed().as_secs_f64()
            );
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
