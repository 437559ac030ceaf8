//! Reachability on tiny hand-drawn maps with hand-worked answers (one character = 10 m, equator).
//!
//! Distances below are worked out by hand from the grid in the comments; tolerance 1 mm.

use crate::common;

use common::{AsciiMap, cell};
use geo_types::Coord;
use spielraum_network::{Profile, Targets, WalkGraph, k_nearest, nearest, within};

/// A street grid cut by a railway (r===s) with a level street crossing at X, a footbridge K–J over
/// the railway (no shared node), a cul-de-sac F–K–G and a motorway G–M (not walkable).
const TOWN: &str = "
A---B---C
|   |   |
|   |   |
D---E---F---K---G---M
    |       |
    |       |
r===X=======|===s
    |       |
    |       |
H---I-------J
";

fn town_ways(map: &AsciiMap) -> Vec<model::WalkWay> {
    let res = [("highway", "residential")];
    vec![
        map.way(1, "ABC", &res),
        map.way(2, "DEFKG", &res),
        map.way(3, "AD", &res),
        map.way(4, "BE", &res),
        map.way(5, "CF", &res),
        map.way(6, "EXI", &res),
        map.way(7, "HIJ", &res),
        map.way(8, "KJ", &[("highway", "footway"), ("bridge", "yes")]),
        map.way(9, "rXs", &[("railway", "rail")]),
        map.way(10, "GM", &[("highway", "motorway")]),
    ]
}

fn one(graph: &WalkGraph, origin: Coord<f64>, target: Coord<f64>) -> Option<f64> {
    let t = Targets::from_points(graph, &[vec![target]]);
    nearest(graph, &t, &[origin], f64::INFINITY)[0].map(|h| h.distance_m)
}

fn close(got: Option<f64>, want: f64) {
    let got = got.expect("reachable");
    assert!((got - want).abs() < 1e-3, "got {got}, want {want}");
}

#[test]
fn town_graph_has_the_walkable_ways_only() {
    let map = AsciiMap::parse(TOWN);
    let g = WalkGraph::build(&town_ways(&map), &[], Profile::Default).unwrap();
    // Nodes A B C D E F K G X H I J = 12 (railway r, s and motorway end M are not walkable).
    assert_eq!(g.node_count(), 12);
    // Segments: AB BC | DE EF FK KG | AD | BE | CF | EX XI | HI IJ | KJ = 14.
    assert_eq!(g.edge_count(), 14);
    // Lengths: 40+40 + 40+40+40+40 + 30 + 30 + 30 + 30+30 + 40+80 + 60 = 570 m.
    assert!((g.total_length_m() - 570.0).abs() < 1e-3);
}

#[test]
fn town_distances_default_profile() {
    let map = AsciiMap::parse(TOWN);
    let g = WalkGraph::build(&town_ways(&map), &[], Profile::Default).unwrap();
    // 10 m south of H (snaps to H, 10 m) to M (snaps to G, 40 m west of M: the motorway is not
    // walkable): H–I–X–E–F–K–G = 40+30+30+40+40+40 = 220 (the footbridge route is also 220).
    close(one(&g, cell(0.0, 10.0), map.at('M')), 10.0 + 220.0 + 40.0);
    // 10 m south of I to E: 10 + I–X 30 + X–E 30 = 70 (the street crosses the railway at X).
    close(one(&g, cell(4.0, 10.0), map.at('E')), 70.0);
    // Cul-de-sac: 10 m south of G to A: 10 + G–K–F 80 + F–C–B–A 110 = 200.
    close(one(&g, cell(16.0, 4.0), map.at('A')), 200.0);
    // Origin beyond the motorway (col 22): snaps to G, 60 m; then 80 + 110 to A.
    close(one(&g, cell(22.0, 3.0), map.at('A')), 60.0 + 190.0);
    // Mid-edge snap: (1, 5) snaps to (1, 3) on D–E (20 m; A–D is √5·10 = 22.4 m away);
    // then 10 m to D and 30 m up to A: 20 + 10 + 30 = 60.
    close(one(&g, cell(1.0, 5.0), map.at('A')), 60.0);
    // Same edge: origin (6, 2) snaps to (6, 3) on E–F (10 m), target (7.5, 4) to (7.5, 3) (10 m;
    // C–F is 11.2 m away): 10 + 15 + 10 = 35.
    close(one(&g, cell(6.0, 2.0), cell(7.5, 4.0)), 35.0);
}

#[test]
fn town_child_safe_uses_the_footbridge() {
    let map = AsciiMap::parse(TOWN);
    let ways = town_ways(&map);
    let g = WalkGraph::build(&ways, &[], Profile::ChildSafe).unwrap();
    // X is no crossing: the street is cut there; I to E goes I–J 80, footbridge J–K 60, K–F 40,
    // F–E 40 = 220, plus the 10 m offset.
    close(one(&g, cell(4.0, 10.0), map.at('E')), 230.0);
    // X split into a north and a south copy: 13 nodes.
    assert_eq!(g.node_count(), 13);
    // With a level crossing mapped at X, the street is open again: 70.
    let crossing = [map.node('X', &[("railway", "level_crossing")])];
    let g = WalkGraph::build(&ways, &crossing, Profile::ChildSafe).unwrap();
    close(one(&g, cell(4.0, 10.0), map.at('E')), 70.0);
}

/// A primary road W–C–E; a residential street N–C–S crosses it at C; a footway C–Z leaves C on the
/// north side; a footway loop N–Q, bridge Q–P over the primary (no shared node), P–S. The primary
/// ends plainly at W and E (both pavements meet there), far enough that the bridge is shorter.
const MAIN_ROAD: &str = "
                N-----Q
                |  Z  |
W---------------C-----+---E
                |     |
                S-----P
";

fn main_road_ways(map: &AsciiMap) -> Vec<model::WalkWay> {
    vec![
        map.way(1, "WCE", &[("highway", "primary")]),
        map.way(2, "NCS", &[("highway", "residential")]),
        map.way(3, "CZ", &[("highway", "footway")]),
        map.way(4, "NQ", &[("highway", "footway")]),
        map.way(5, "QP", &[("highway", "footway"), ("bridge", "yes")]),
        map.way(6, "PS", &[("highway", "footway")]),
    ]
}

#[test]
fn main_road_is_crossed_only_at_crossings_in_child_safe_profile() {
    let map = AsciiMap::parse(MAIN_ROAD);
    let ways = main_road_ways(&map);
    let (n, s, z) = (map.at('N'), map.at('S'), map.at('Z'));
    let cz = 10.0 * 10f64.sqrt(); // C(16,2) to Z(19,1): √(3² + 1²) · 10 m

    let g = WalkGraph::build(&ways, &[], Profile::Default).unwrap();
    close(one(&g, n, s), 40.0); // N–C–S
    close(one(&g, z, s), cz + 20.0); // Z–C–S

    let g = WalkGraph::build(&ways, &[], Profile::ChildSafe).unwrap();
    // N–Q 60, bridge Q–P 40, P–S 60 = 160 (round the plain end E: 20 + 100 + 100 + 20 = 240,
    // round W: 20 + 160 + 160 + 20 = 360).
    close(one(&g, n, s), 160.0);
    // Z and N are on the same (north) side of the primary: still joined at C.
    close(one(&g, z, n), cz + 20.0);
    close(one(&g, z, s), cz + 20.0 + 160.0);
    // Nodes: W, E, C north, C south (the primary's two pavements meet at its plain ends), N, S,
    // Z, Q, P = 9: everything stays in one component.
    assert_eq!(g.node_count(), 9);

    let crossing = [map.node('C', &[("highway", "crossing")])];
    let g = WalkGraph::build(&ways, &crossing, Profile::ChildSafe).unwrap();
    close(one(&g, n, s), 40.0);
    // A crossing way (footway=crossing) may also pass the barrier node.
    let mut crossing_way = ways.clone();
    crossing_way[1]
        .tags
        .push(("footway".to_string(), "crossing".to_string()));
    let g = WalkGraph::build(&crossing_way, &[], Profile::ChildSafe).unwrap();
    close(one(&g, n, s), 40.0);
}

/// A primary road W–X–Y–E with plain ends; a residential street N–X–S through X and a footway
/// M–Y on the north side. The child-safe profile walks the primary as two pavements.
const PAVEMENTS: &str = "
    N         M
    |         |
W---X---------Y-------E
    |
    S
";

fn pavement_ways(map: &AsciiMap) -> Vec<model::WalkWay> {
    vec![
        map.way(1, "WXYE", &[("highway", "primary")]),
        map.way(2, "NXS", &[("highway", "residential")]),
        map.way(3, "MY", &[("highway", "footway")]),
    ]
}

#[test]
fn child_safe_walks_along_the_main_road_to_the_next_side_street() {
    let map = AsciiMap::parse(PAVEMENTS);
    let g = WalkGraph::build(&pavement_ways(&map), &[], Profile::ChildSafe).unwrap();
    // Nodes: W, E (plain ends), X and Y split into a north and a south vertex, N, S, M = 9.
    // Edges: two pavements each on W–X, X–Y, Y–E, plus N–X, X–S, M–Y = 9;
    // length 2 · (40 + 100 + 80) + 20 + 20 + 20 = 500 m.
    assert_eq!(g.node_count(), 9);
    assert_eq!(g.edge_count(), 9);
    assert!((g.total_length_m() - 500.0).abs() < 1e-3);
    // N to M along the north pavement: N–X 20, X–Y 100, Y–M 20 = 140 (same as the default).
    close(one(&g, map.at('N'), map.at('M')), 140.0);
}

#[test]
fn child_safe_does_not_cross_the_main_road_without_a_crossing() {
    let map = AsciiMap::parse(PAVEMENTS);
    let ways = pavement_ways(&map);
    let (n, s, m) = (map.at('N'), map.at('S'), map.at('M'));
    let g = WalkGraph::build(&ways, &[], Profile::Default).unwrap();
    close(one(&g, n, s), 40.0); // straight over at X
    let g = WalkGraph::build(&ways, &[], Profile::ChildSafe).unwrap();
    // Only round the plain end W: N–X 20, north pavement X–W 40, south pavement W–X 40, X–S 20.
    close(one(&g, n, s), 120.0);
    // M–Y 20, Y–X 100 (north), round W 40 + 40, X–S 20 = 220 (round E: 20 + 80 + 80 + 100 + 20).
    close(one(&g, m, s), 220.0);
}

#[test]
fn child_safe_origins_beside_the_main_road_use_the_pavement_on_their_side() {
    let map = AsciiMap::parse(PAVEMENTS);
    let g = WalkGraph::build(&pavement_ways(&map), &[], Profile::ChildSafe).unwrap();
    let (n, s) = (map.at('N'), map.at('S'));
    // (9, 1) is 10 m north of the primary: north pavement at (9, 2), 50 m to X, 20 m to N = 80;
    // to S round W: 10 + 50 + 40 + 40 + 20 = 160.
    close(one(&g, cell(9.0, 1.0), n), 80.0);
    close(one(&g, cell(9.0, 1.0), s), 160.0);
    // (9, 3) is 10 m south: the mirror image.
    close(one(&g, cell(9.0, 3.0), s), 80.0);
    close(one(&g, cell(9.0, 3.0), n), 160.0);
}

/// A T-junction: primary W–X–E, secondary X–T ending at X from the south; footways X–N (north),
/// X–A (south-west) and X–B (south-east). Both main roads end plainly (W, E, T).
const T_JUNCTION: &str = "
    N
    |
W---X---E
 A     B
    |
    T
";

#[test]
fn child_safe_t_junction_of_two_main_roads_has_three_sides() {
    let map = AsciiMap::parse(T_JUNCTION);
    let foot = [("highway", "footway")];
    let ways = vec![
        map.way(1, "WXE", &[("highway", "primary")]),
        map.way(2, "XT", &[("highway", "secondary")]),
        map.way(3, "XN", &foot),
        map.way(4, "XA", &foot),
        map.way(5, "XB", &foot),
    ];
    let (n, a, b) = (map.at('N'), map.at('A'), map.at('B'));
    let xa = 10.0 * 10f64.sqrt(); // X(4,2) to A(1,3) or B(7,3): √(3² + 1²) · 10 m
    let g = WalkGraph::build(&ways, &[], Profile::Default).unwrap();
    close(one(&g, a, b), 2.0 * xa);
    let g = WalkGraph::build(&ways, &[], Profile::ChildSafe).unwrap();
    // X has three vertices (north, south-west, south-east): 9 vertices with W, E, T, N, A, B.
    assert_eq!(g.node_count(), 9);
    // A to B crosses the secondary: round its plain end T, X–T 30 twice: 2·xa + 60
    // (round W and E instead: 2·xa + 4 · 40 = 2·xa + 160).
    close(one(&g, a, b), 2.0 * xa + 60.0);
    // N to A crosses the primary: round W (X–W 40 twice): 20 + 80 + xa.
    close(one(&g, n, a), 20.0 + 80.0 + xa);
    // A crossing at X joins all three sides.
    let at_x = [map.node('X', &[("highway", "crossing")])];
    let g = WalkGraph::build(&ways, &at_x, Profile::ChildSafe).unwrap();
    close(one(&g, a, b), 2.0 * xa);
    close(one(&g, n, a), 20.0 + xa);
}

/// Footways A–B north and C–D south of a railway r–s, joined by a footbridge B–D (no shared node).
const RAIL_SNAP: &str = "
A-------B
        |
r=======|==s
        |
        |
C-------D
";

#[test]
fn child_safe_origins_do_not_snap_across_a_railway() {
    let map = AsciiMap::parse(RAIL_SNAP);
    let foot = [("highway", "footway")];
    let rail = map.way(4, "rs", &[("railway", "rail")]);
    let ways = vec![
        map.way(1, "AB", &foot),
        map.way(2, "BD", &[("highway", "footway"), ("bridge", "yes")]),
        map.way(3, "CD", &foot),
        rail.clone(),
    ];
    // (3, 2.3) is 3 m south of the railway: 23 m from A–B (across it), 27 m from C–D.
    let origin = cell(3.0, 2.3);
    let g = WalkGraph::build(&ways, &[], Profile::Default).unwrap();
    // Default: snaps to (3, 0) on A–B: 23 + 50 to B + 50 over the bridge + 80 to C = 203.
    close(one(&g, origin, map.at('C')), 203.0);
    let g = WalkGraph::build(&ways, &[], Profile::ChildSafe).unwrap();
    // Child-safe: not across the railway; snaps to (3, 5) on C–D: 27 + 30 to C = 57.
    close(one(&g, origin, map.at('C')), 57.0);
    // Only ways north of the railway: no snap on the origin's side, so it is unreachable.
    let north_only = vec![map.way(1, "AB", &foot), rail];
    let g = WalkGraph::build(&north_only, &[], Profile::ChildSafe).unwrap();
    assert_eq!(one(&g, origin, map.at('A')), None);
    let g = WalkGraph::build(&north_only, &[], Profile::Default).unwrap();
    close(one(&g, origin, map.at('A')), 23.0 + 30.0);
}

#[test]
fn child_safe_crosses_the_main_road_at_a_mapped_crossing() {
    let map = AsciiMap::parse(PAVEMENTS);
    let ways = pavement_ways(&map);
    let (n, s, m) = (map.at('N'), map.at('S'), map.at('M'));
    // A crossing at X: N–X–S straight over, 40.
    let at_x = [map.node('X', &[("highway", "crossing")])];
    let g = WalkGraph::build(&ways, &at_x, Profile::ChildSafe).unwrap();
    close(one(&g, n, s), 40.0);
    // A crossing at Y only: M–Y 20, over at Y, south pavement Y–X 100, X–S 20 = 140 (not 220).
    let at_y = [map.node('Y', &[("crossing", "zebra")])];
    let g = WalkGraph::build(&ways, &at_y, Profile::ChildSafe).unwrap();
    close(one(&g, m, s), 140.0);
    // N to S still goes round W (120 < 20 + 100 + 100 + 20 via the crossing at Y).
    close(one(&g, n, s), 120.0);
}

#[test]
fn k_nearest_and_within_on_the_town() {
    let map = AsciiMap::parse(TOWN);
    let g = WalkGraph::build(&town_ways(&map), &[], Profile::Default).unwrap();
    // Targets: 0 = A, 1 = G, 2 = J, 3 = {C, H} (two access points).
    let targets = Targets::from_points(
        &g,
        &[
            vec![map.at('A')],
            vec![map.at('G')],
            vec![map.at('J')],
            vec![map.at('C'), map.at('H')],
        ],
    );
    // From E: A 70 (E–D–A or E–B–A), G 120 (E–F–K–G), J 140 (E–X–I–J 30+30+80, or E–F–K–J
    // 40+40+60), C 70 (E–B–C or E–F–C), H 100 (E–X–I–H) -> target 3 at 70.
    let e = map.at('E');
    let got = within(&g, &targets, &[e], 125.0);
    let got: Vec<(usize, f64)> = got[0].iter().map(|h| (h.target, h.distance_m)).collect();
    assert_eq!(got.len(), 3, "{got:?}");
    let want = [(0, 70.0), (3, 70.0), (1, 120.0)];
    for ((t, d), (wt, wd)) in got.iter().zip(want) {
        assert_eq!(*t, wt);
        assert!((d - wd).abs() < 1e-3);
    }
    let two = k_nearest(&g, &targets, &[e], 2, f64::INFINITY);
    assert_eq!(
        two[0].iter().map(|h| h.target).collect::<Vec<_>>(),
        vec![0, 3]
    );
    let all = k_nearest(&g, &targets, &[e], 10, f64::INFINITY);
    assert_eq!(all[0].len(), 4);
    assert_eq!(all[0][3].target, 2);
    assert!((all[0][3].distance_m - 140.0).abs() < 1e-3);
    // Bounded nearest: nothing within 50 m of E.
    assert_eq!(nearest(&g, &targets, &[e], 50.0)[0], None);
}

#[test]
fn area_facilities_are_reached_at_their_outline() {
    use geo_types::{Geometry, MultiPolygon, Point, Polygon};
    use model::{Facility, FacilityKind, OsmId};
    let map = AsciiMap::parse(TOWN);
    let g = WalkGraph::build(&town_ways(&map), &[], Profile::Default).unwrap();
    // A playground filling cells (1..3, 1..2) of the block A-B-E-D, and a point facility at G.
    let ring = vec![
        cell(1.0, 1.0),
        cell(3.0, 1.0),
        cell(3.0, 2.0),
        cell(1.0, 2.0),
        cell(1.0, 1.0),
    ];
    let area = Facility {
        osm_id: OsmId::Way(1),
        kind: FacilityKind::Playground,
        name: None,
        access: None,
        geometry: Geometry::MultiPolygon(MultiPolygon::new(vec![Polygon::new(
            ring.into(),
            vec![],
        )])),
        area_m2: Some(200.0),
        opening_hours: None,
    };
    let point = Facility {
        osm_id: OsmId::Node(2),
        geometry: Geometry::Point(Point(map.at('G'))),
        area_m2: None,
        ..area.clone()
    };
    let t = Targets::from_facilities(&g, &[&area, &point]);
    assert_eq!(t.len(), 2);
    let hits = nearest(&g, &t, &[cell(2.0, 1.5), map.at('H'), cell(16.0, 4.0)], 1e9);
    // Inside the area: 0.
    assert_eq!(hits[0].map(|h| (h.target, h.distance_m)), Some((0, 0.0)));
    // Exactly on the outline (the west side at (1, 1.5), the corner (3, 2)) counts as inside: 0,
    // not the walk via the street (from (1, 1.5): 10 m to A–D, 5 m along it, 10 m to the corner
    // (1, 1), the nearest access point: 25 m).
    let on_outline = [cell(1.0, 1.5), cell(3.0, 2.0)];
    for hit in nearest(&g, &t, &on_outline, 1e9) {
        assert_eq!(hit.map(|h| (h.target, h.distance_m)), Some((0, 0.0)));
    }
    for hits in within(&g, &t, &on_outline, 1e9) {
        assert_eq!((hits[0].target, hits[0].distance_m), (0, 0.0));
    }
    // From H: H–I–X–E 100, then 10 m to (4, 2) or (3, 3), then 10 m to the corner (3, 2) = 120.
    let h = hits[1].unwrap();
    assert_eq!(h.target, 0);
    assert!((h.distance_m - 120.0).abs() < 1e-3, "{h:?}");
    // 10 m south of G: the point facility at G, 10 m.
    let h = hits[2].unwrap();
    assert_eq!(h.target, 1);
    assert!((h.distance_m - 10.0).abs() < 1e-3, "{h:?}");
}
