//! Isochrones: every network point within the limit is inside the polygon; far points are not
//! (neither far in a straight line, nor far along the network and away from every reached point).
//!
//! Reference distances come from the brute-force reference in tests/common.

use crate::common;

use common::{AsciiMap, Reference, cell, haversine};
use geo::Intersects;
use geo_types::{Coord, Point};
use model::WalkWay;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use spielraum_network::{IsochroneOptions, Profile, WalkGraph, isochrone_with};

const TOWN: &str = "
A---B---C
|   |   |
|   |   |
D---E---F---K---G
    |       |
    |       |
    X       |
    |       |
    |       |
H---I-------J
";

#[test]
fn town_isochrone_follows_the_streets() {
    let map = AsciiMap::parse(TOWN);
    let res = [("highway", "residential")];
    let ways = vec![
        map.way(1, "ABC", &res),
        map.way(2, "DEFKG", &res),
        map.way(3, "AD", &res),
        map.way(4, "BE", &res),
        map.way(5, "CF", &res),
        map.way(6, "EXI", &res),
        map.way(7, "HIJ", &res),
        map.way(8, "KJ", &[("highway", "footway")]),
    ];
    let g = WalkGraph::build(&ways, &[], Profile::Default).unwrap();
    let iso = isochrone_with(&g, map.at('E'), 100.0, &IsochroneOptions { buffer_m: 5.0 });
    let inside = |c: Coord<f64>| iso.intersects(&Point(c));
    // From E with 100 m: A at 70, D at 40, H at 100 (E–X–I–H): inside.
    for name in ['A', 'B', 'C', 'D', 'F', 'K', 'H', 'I', 'X'] {
        assert!(inside(map.at(name)), "{name} should be inside");
    }
    // K is at 80, so K–G is reached up to (14, 3); (13.5, 3) is inside, G (16, 3) is 20 m beyond.
    assert!(inside(cell(13.5, 3.0)));
    assert!(!inside(map.at('G')));
    // J is at 140: reached from I up to (8, 9) and from K down to (12, 5), both 40 m from J.
    assert!(inside(cell(7.5, 9.0)));
    assert!(!inside(map.at('J')));
    // Not a convex hull: the block interior (6, 6) is 20 m from every street, outside the 5 m buffer.
    assert!(!inside(cell(6.0, 6.5)));
}

fn config() -> Config {
    Config {
        cases: 60,
        rng_seed: RngSeed::Fixed(0x150c),
        failure_persistence: None,
        ..Config::default()
    }
}

fn lonlat((x, y): (f64, f64)) -> Coord<f64> {
    Coord {
        x: 9.52 + x * 0.008,
        y: 47.14 + y * 0.0055,
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn reached_points_are_inside_and_far_points_outside(
        points in proptest::collection::vec((0.0..1.0f64, 0.0..1.0f64), 3..15),
        parents in proptest::collection::vec(0usize..1000, 14),
        origin in (0.0..1.0f64, 0.0..1.0f64),
        max_m in 20.0..500.0f64,
    ) {
        let n = points.len();
        let edges: Vec<(usize, usize)> =
            (1..n).map(|i| (parents[i - 1] % i, i)).collect();
        let ways: Vec<WalkWay> = edges
            .iter()
            .enumerate()
            .map(|(i, &(a, b))| WalkWay {
                id: i as i64,
                nodes: vec![a as i64, b as i64],
                coords: vec![lonlat(points[a]), lonlat(points[b])],
                tags: vec![("highway".into(), "path".into())],
            })
            .collect();
        let graph = WalkGraph::build(&ways, &[], Profile::Default).unwrap();
        let reference = Reference::new(points.iter().map(|p| lonlat(*p)).collect(), edges.clone());
        let origin = lonlat(origin);
        let buffer_m = 10.0;
        let iso = isochrone_with(&graph, origin, max_m, &IsochroneOptions { buffer_m });
        // The reached set, sampled every ≤ 2 m: points of the edges within the limit (by the
        // reference) and the origin's straight connector to its snap point.
        let along = |a: Coord<f64>, b: Coord<f64>| {
            let pieces = (haversine(a, b) / 2.0).ceil().max(1.0) as usize;
            (0..=pieces).map(move |s| {
                let f = s as f64 / pieces as f64;
                Coord { x: a.x + f * (b.x - a.x), y: a.y + f * (b.y - a.y) }
            })
        };
        let snap = reference.snap(origin);
        let mut reached: Vec<Coord<f64>> = Vec::new();
        if snap.offset <= max_m {
            reached.extend(along(origin, snap.point));
        }
        for &(a, b) in &edges {
            let (ca, cb) = (lonlat(points[a]), lonlat(points[b]));
            reached.extend(along(ca, cb).filter(|p| reference.distance(origin, &[*p]) <= max_m));
        }
        for &(a, b) in &edges {
            let (ca, cb) = (lonlat(points[a]), lonlat(points[b]));
            for s in 0..=10 {
                let f = s as f64 / 10.0;
                let p = Coord { x: ca.x + f * (cb.x - ca.x), y: ca.y + f * (cb.y - ca.y) };
                let d = reference.distance(origin, &[p]);
                if d <= max_m - 0.5 {
                    prop_assert!(iso.intersects(&Point(p)), "point at {d} m (limit {max_m}) not inside");
                }
                // Farther than the limit plus the buffer (+15 % raster cells, see isochrone_with)
                // in a straight line: cannot be inside.
                if haversine(origin, p) > max_m + 1.15 * buffer_m + 1.0 {
                    prop_assert!(!iso.intersects(&Point(p)), "far point inside");
                }
                // Farther than that along the network, and more than 1.15 × buffer from every
                // reached point (+ 1 m: the samples are ≤ 2 m apart, + 0.5 m slack): outside.
                if d > max_m + 1.15 * buffer_m
                    && reached.iter().all(|r| haversine(*r, p) > 1.15 * buffer_m + 1.5)
                {
                    prop_assert!(!iso.intersects(&Point(p)), "point at {d} m, far from the reached set, inside");
                }
            }
        }
    }
}
