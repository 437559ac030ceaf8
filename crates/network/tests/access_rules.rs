//! Which ways are walkable (highway whitelist, foot/access rules) and the largest-component rule.
//!
//! A star of spokes with distinct hand-worked lengths: the total length tells which spokes were kept.

use crate::common;

use common::cell;
use model::WalkWay;
use spielraum_network::{NetworkError, Profile, WalkGraph};

fn way(id: i64, from: (f64, f64), to: (f64, f64), tags: &[(&str, &str)]) -> WalkWay {
    WalkWay {
        id,
        // Node ids from the cell position, so spokes share the hub (0, 0).
        nodes: vec![
            (from.0 * 1000.0 + from.1) as i64,
            (to.0 * 1000.0 + to.1) as i64,
        ],
        coords: vec![cell(from.0, from.1), cell(to.0, to.1)],
        tags: tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

/// Spokes from the hub (0, 0); cells are 10 m, so (3, 4) is 50 m.
fn star() -> Vec<WalkWay> {
    let hub = (0.0, 0.0);
    vec![
        way(1, hub, (1.0, 0.0), &[("highway", "residential")]), // 10 m, kept
        way(
            2,
            hub,
            (0.0, -2.0),
            &[("highway", "footway"), ("foot", "no")],
        ), // 20, out
        way(
            3,
            hub,
            (-3.0, 0.0),
            &[("highway", "service"), ("access", "private")],
        ), // 30, out
        way(
            4,
            hub,
            (0.0, 4.0),
            &[
                ("highway", "service"),
                ("access", "private"),
                ("foot", "yes"),
            ],
        ), // 40, kept
        way(
            5,
            hub,
            (3.0, -4.0),
            &[
                ("highway", "track"),
                ("access", "no"),
                ("foot", "designated"),
            ],
        ), // 50, kept
        way(
            6,
            hub,
            (-6.0, -8.0),
            &[("highway", "path"), ("foot", "private")],
        ), // 100, out
        way(7, hub, (5.0, 12.0), &[("highway", "motorway")]),   // 130, out
        way(8, hub, (-8.0, 15.0), &[("highway", "construction")]), // 170, out
        way(
            9,
            hub,
            (7.0, -24.0),
            &[("highway", "unclassified"), ("access", "destination")],
        ), // 250, kept
        way(10, hub, (-20.0, 21.0), &[("highway", "platform")]), // 290, out
        way(
            11,
            hub,
            (9.0, 40.0),
            &[
                ("highway", "path"),
                ("access", "no"),
                ("foot", "permissive"),
            ],
        ), // 410, kept
        way(
            12,
            hub,
            (-12.0, -35.0),
            &[("highway", "service"), ("access", "customers")],
        ), // 370, kept
        way(13, hub, (-15.0, 0.0), &[("railway", "rail")]),     // 150, never walkable
    ]
}

#[test]
fn foot_and_access_rules() {
    let g = WalkGraph::build(&star(), &[], Profile::Default).unwrap();
    // Kept: 10 + 40 + 50 + 250 + 410 + 370 = 1130 m, hub + 6 ends.
    assert!(
        (g.total_length_m() - 1130.0).abs() < 1e-3,
        "{}",
        g.total_length_m()
    );
    assert_eq!(g.node_count(), 7);
    assert_eq!(g.edge_count(), 6);
}

#[test]
fn only_the_largest_component_is_kept() {
    let mut ways = star();
    // A triangle far away (3 nodes < 7): dropped.
    let res = [("highway", "residential")];
    ways.push(way(20, (100.0, 100.0), (103.0, 100.0), &res));
    ways.push(way(21, (103.0, 100.0), (103.0, 104.0), &res));
    ways.push(way(22, (103.0, 104.0), (100.0, 100.0), &res));
    let g = WalkGraph::build(&ways, &[], Profile::Default).unwrap();
    assert!((g.total_length_m() - 1130.0).abs() < 1e-3);
    assert_eq!(g.node_count(), 7);
    // A chain of 10 nodes, 9 × 10 m, elsewhere: now that one is the largest.
    for i in 0..9 {
        let x = 200.0 + i as f64;
        ways.push(way(30 + i, (x, 0.0), (x + 1.0, 0.0), &res));
    }
    let g = WalkGraph::build(&ways, &[], Profile::Default).unwrap();
    assert_eq!(g.node_count(), 10);
    assert!((g.total_length_m() - 90.0).abs() < 1e-3);
}

#[test]
fn bad_ways_are_errors_not_panics() {
    let mut w = way(7, (0.0, 0.0), (1.0, 0.0), &[("highway", "footway")]);
    w.coords.pop();
    assert!(matches!(
        WalkGraph::build(&[w], &[], Profile::Default),
        Err(NetworkError::WayLengthMismatch { way: 7, .. })
    ));
    let mut w = way(8, (0.0, 0.0), (1.0, 0.0), &[("highway", "footway")]);
    w.coords[1].y = 95.0;
    assert!(matches!(
        WalkGraph::build(&[w], &[], Profile::Default),
        Err(NetworkError::InvalidCoordinate { way: 8, .. })
    ));
    let w = way(9, (0.0, 0.0), (1.0, 0.0), &[("highway", "motorway")]);
    assert_eq!(
        WalkGraph::build(&[w], &[], Profile::Default).unwrap_err(),
        NetworkError::Empty
    );
}

#[test]
fn bad_edge_lists_are_errors_not_panics() {
    use geo_types::Coord;
    let c = |x: f64, y: f64| Coord { x, y };
    let coords = vec![c(9.52, 47.14), c(9.521, 47.14), c(9.521, 47.141)];
    // Edge 1 names node 3 of 3.
    assert_eq!(
        WalkGraph::from_edges(coords.clone(), &[[0, 1], [1, 3]]).unwrap_err(),
        NetworkError::EdgeNodeOutOfRange {
            edge: 1,
            node: 3,
            nodes: 3
        }
    );
    let mut bad = coords.clone();
    bad[2].x = f64::NAN;
    assert!(matches!(
        WalkGraph::from_edges(bad, &[[0, 1], [1, 2]]),
        Err(NetworkError::InvalidNodeCoordinate { node: 2, .. })
    ));
    // Only a self-loop, or nothing: no network.
    assert_eq!(
        WalkGraph::from_edges(coords.clone(), &[[1, 1]]).unwrap_err(),
        NetworkError::Empty
    );
    assert_eq!(
        WalkGraph::from_edges(Vec::new(), &[]).unwrap_err(),
        NetworkError::Empty
    );
    // Good input: the path 0–1–2 (two edges, all three nodes).
    let g = WalkGraph::from_edges(coords, &[[0, 1], [1, 2]]).unwrap();
    assert_eq!((g.node_count(), g.edge_count()), (3, 2));
}

#[test]
fn non_finite_origins_are_unreachable() {
    use geo_types::Coord;
    use spielraum_network::{Targets, nearest, within};
    let g = WalkGraph::build(&star(), &[], Profile::Default).unwrap();
    let t = Targets::from_points(&g, &[vec![cell(1.0, 0.0)]]);
    let bad = [Coord {
        x: f64::NAN,
        y: 47.0,
    }];
    assert_eq!(nearest(&g, &t, &bad, f64::INFINITY), vec![None]);
    assert!(within(&g, &t, &bad, 100.0)[0].is_empty());
}
