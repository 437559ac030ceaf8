//! Criterion benches on the demo extract: graph build, nearest playground for 20 000 origins, and a
//! 15-minute isochrone in a warm process (target: well under 50 ms).

#[path = "../examples/support/mod.rs"]
mod support;

use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use geo_types::Coord;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use spielraum_network::{
    DEFAULT_WALKING_SPEED_KMH, Profile, Targets, WalkGraph, isochrone, minutes_to_metres, nearest,
};

fn demo() -> support::Extract {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../geodata/liechtenstein-2015.osm.pbf");
    support::load(&path).expect("demo extract in geodata/")
}

fn benches(c: &mut Criterion) {
    let extract = demo();
    let mut group = c.benchmark_group("demo");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(4));
    group.bench_function("build_graph", |b| {
        b.iter(|| WalkGraph::build(&extract.ways, &extract.nodes, Profile::Default).unwrap())
    });
    let graph = WalkGraph::build(&extract.ways, &extract.nodes, Profile::Default).unwrap();
    let public: Vec<&model::Facility> = extract
        .playgrounds
        .iter()
        .filter(|f| f.is_public())
        .collect();
    let mut rng = StdRng::seed_from_u64(7);
    // Random origins around Vaduz / Schaan (the populated valley).
    let origins: Vec<Coord<f64>> = (0..20_000)
        .map(|_| Coord {
            x: rng.random_range(9.49..9.56),
            y: rng.random_range(47.10..47.20),
        })
        .collect();
    group.bench_function("nearest_playground_20000_origins_cold", |b| {
        b.iter(|| {
            let targets = Targets::from_facilities(&graph, &public);
            nearest(&graph, &targets, &origins, f64::INFINITY)
        })
    });
    let targets = Targets::from_facilities(&graph, &public);
    group.bench_function("nearest_playground_20000_origins_warm", |b| {
        b.iter(|| nearest(&graph, &targets, &origins, f64::INFINITY))
    });
    let vaduz = Coord {
        x: 9.5209,
        y: 47.1410,
    };
    let metres = minutes_to_metres(15.0, DEFAULT_WALKING_SPEED_KMH);
    group.bench_function("isochrone_15_min_vaduz", |b| {
        b.iter(|| isochrone(&graph, vaduz, metres))
    });
    group.finish();
}

criterion_group!(network, benches);
criterion_main!(network);
