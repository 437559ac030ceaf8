//! Benchmarks of the full analysis (walking graph + distances + indicators): the demo extract
//! and generated grid towns of growing size. Run: `cargo bench -p spielraum-analysis --bench analysis`.

#[path = "../tests/common/demo.rs"]
mod demo;
#[path = "../tests/common/grid.rs"]
mod grid;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use model::City;
use spielraum_analysis::{Standards, analyze, build_graph};

fn full(city: &City, standards: &Standards) -> usize {
    let graph = build_graph(city, standards).expect("graph");
    let a = analyze(city, &graph, standards, &|_| {}).expect("analysis");
    a.neighbourhoods.len()
}

fn benches(c: &mut Criterion) {
    let standards = Standards::default_din18034();
    let mut group = c.benchmark_group("analysis");
    group.sample_size(10);
    let city = demo::demo_city();
    eprintln!(
        "demo: {} population units, {} facilities, {} ways",
        city.population.len(),
        city.facilities.len(),
        city.walk_ways.len()
    );
    group.bench_function("demo_full", |b| b.iter(|| full(&city, &standards)));
    // End to end after import: read the GeoPackage, analyse, render the JSON.
    let dir = tempfile::tempdir().expect("temp dir");
    let gpkg = dir.path().join("demo.gpkg");
    store::write_city(&gpkg, &city).expect("write demo GeoPackage");
    group.bench_function("demo_end_to_end", |b| {
        b.iter(|| {
            let city = store::read_city(&gpkg).expect("read");
            let graph = build_graph(&city, &standards).expect("graph");
            let a = analyze(&city, &graph, &standards, &|_| {}).expect("analysis");
            a.to_json().to_string().len()
        })
    });
    if let Ok(path) = std::env::var("SPIELRAUM_DEMO_GPKG") {
        // Keep a copy to time `spielraum analyze` on (see docs/benchmarks.md).
        std::fs::copy(&gpkg, path).expect("copy demo GeoPackage");
    }
    for n in [40, 80, 160] {
        let city = grid::grid_city(n);
        if let Ok(path) = std::env::var(format!("SPIELRAUM_GRID{n}_GPKG")) {
            store::write_city(std::path::Path::new(&path), &city).expect("write grid GeoPackage");
        }
        eprintln!(
            "grid {n}: {} population units, {} facilities",
            city.population.len(),
            city.facilities.len()
        );
        group.bench_with_input(BenchmarkId::new("grid_full", n), &city, |b, city| {
            b.iter(|| full(city, &standards))
        });
    }
    group.finish();
}

criterion_group!(analysis_benches, benches);
criterion_main!(analysis_benches);
