//! Property tests: `nearest`, `k_nearest`, `within` against a brute-force reference on random graphs.
//!
//! Reference: exhaustive snapping over all segments and Floyd–Warshall over all nodes (tests/common).

mod common;

use common::Reference;
use geo_types::Coord;
use model::WalkWay;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use spielraum_network::{Profile, Targets, WalkGraph, k_nearest, nearest, within};

/// A random connected graph near Vaduz (47.14°N) in a box of about 600 m, origins and targets.
#[derive(Debug, Clone)]
struct Case {
    points: Vec<(f64, f64)>,
    edges: Vec<(usize, usize)>,
    origins: Vec<(f64, f64)>,
    targets: Vec<Vec<(f64, f64)>>,
    max_m: f64,
    k: usize,
}

fn lonlat((x, y): (f64, f64)) -> Coord<f64> {
    // x, y in [0, 1): about 600 m east and north.
    Coord {
        x: 9.52 + x * 0.008,
        y: 47.14 + y * 0.0055,
    }
}

fn case() -> impl Strategy<Value = Case> {
    let unit = || (0.0..1.0f64, 0.0..1.0f64);
    let wide = || (-0.2..1.2f64, -0.2..1.2f64);
    (3usize..25)
        .prop_flat_map(move |n| {
            (
                proptest::collection::vec(unit(), n),
                proptest::collection::vec(0usize..1000, n - 1),
                proptest::collection::vec((0usize..n, 0usize..n), 0..n * 2),
                proptest::collection::vec(wide(), 1..8),
                proptest::collection::vec(proptest::collection::vec(wide(), 1..4), 1..6),
                prop_oneof![Just(f64::INFINITY), 30.0..900.0f64],
                1usize..5,
            )
        })
        .prop_map(|(points, parents, extra, origins, targets, max_m, k)| {
            // A random spanning tree (node i hangs off an earlier node) plus extra edges, no
            // self-loops, no duplicates.
            let mut edges: Vec<(usize, usize)> = parents
                .iter()
                .enumerate()
                .map(|(i, p)| (p % (i + 1), i + 1))
                .collect();
            for (a, b) in extra {
                let e = (a.min(b), a.max(b));
                if a != b && !edges.iter().any(|&(x, y)| (x.min(y), x.max(y)) == e) {
                    edges.push(e);
                }
            }
            Case {
                points,
                edges,
                origins,
                targets,
                max_m,
                k,
            }
        })
}

fn ways(case: &Case) -> Vec<WalkWay> {
    case.edges
        .iter()
        .enumerate()
        .map(|(i, &(a, b))| WalkWay {
            id: i as i64,
            nodes: vec![a as i64, b as i64],
            coords: vec![lonlat(case.points[a]), lonlat(case.points[b])],
            tags: vec![("highway".into(), "footway".into())],
        })
        .collect()
}

fn config() -> Config {
    Config {
        cases: 300,
        rng_seed: RngSeed::Fixed(0x5e1e_7a0d),
        failure_persistence: None,
        ..Config::default()
    }
}

const EPS: f64 = 1e-6;

proptest! {
    #![proptest_config(config())]

    #[test]
    fn queries_match_brute_force(case in case()) {
        let graph = WalkGraph::build(&ways(&case), &[], Profile::Default).unwrap();
        let reference = Reference::new(
            case.points.iter().map(|p| lonlat(*p)).collect(),
            case.edges.clone(),
        );
        let target_pts: Vec<Vec<Coord<f64>>> = case
            .targets
            .iter()
            .map(|t| t.iter().map(|p| lonlat(*p)).collect())
            .collect();
        let origins: Vec<Coord<f64>> = case.origins.iter().map(|p| lonlat(*p)).collect();
        let targets = Targets::from_points(&graph, &target_pts);
        let max_m = case.max_m;

        if case.k % 2 == 0 {
            // Half of the cases answer from a cached unbounded field (the cache path).
            let _ = nearest(&graph, &targets, &origins, f64::INFINITY);
        }
        let near = nearest(&graph, &targets, &origins, max_m);
        let knn = k_nearest(&graph, &targets, &origins, case.k, max_m);
        let all = within(&graph, &targets, &origins, max_m);
        for (i, o) in origins.iter().enumerate() {
            let want: Vec<f64> = target_pts.iter().map(|t| reference.distance(*o, t)).collect();
            // Skip origins with a target right at the limit (either answer is fine).
            if want.iter().any(|d| (d - max_m).abs() < EPS) {
                continue;
            }
            let mut reachable: Vec<(f64, usize)> = want
                .iter()
                .enumerate()
                .filter(|(_, d)| **d <= max_m)
                .map(|(t, d)| (*d, t))
                .collect();
            reachable.sort_by(|a, b| a.0.total_cmp(&b.0));

            // nearest: the minimum distance; the named target really is that far.
            match (near[i], reachable.first()) {
                (None, None) => {}
                (Some(h), Some((d, _))) => {
                    prop_assert!((h.distance_m - d).abs() < EPS, "origin {i}: {h:?} vs {d}");
                    prop_assert!((want[h.target] - h.distance_m).abs() < EPS);
                }
                (got, want) => prop_assert!(false, "origin {i}: got {got:?}, want {want:?}"),
            }
            // within: exactly the reachable targets, each at its distance, sorted.
            prop_assert_eq!(all[i].len(), reachable.len());
            for (h, (d, _)) in all[i].iter().zip(&reachable) {
                prop_assert!((h.distance_m - d).abs() < EPS);
                prop_assert!((want[h.target] - h.distance_m).abs() < EPS);
            }
            // k nearest: the first k of those.
            prop_assert_eq!(knn[i].len(), reachable.len().min(case.k));
            for (h, (d, _)) in knn[i].iter().zip(&reachable) {
                prop_assert!((h.distance_m - d).abs() < EPS);
                prop_assert!((want[h.target] - h.distance_m).abs() < EPS);
            }
        }
    }
}
