//! A cut of a region's ways built without the region's dropped vertices
//! (`WalkGraph::build_reporting_dropped` + `WalkGraph::build_without`) is the region's graph
//! restricted to the cut: not the cut's own largest component (docs/region.md).

use std::collections::HashSet;

use spielraum_network::{Profile, VertexKey, WalkGraph};

use crate::common::AsciiMap;

const MAP: &str = "
a---b---c---d

x---y---z
";

#[test]
fn a_cut_keeps_the_regions_component_not_its_own_largest() {
    let map = AsciiMap::parse(MAP);
    let road = [("highway", "residential")];
    let ab = map.way(1, "ab", &road);
    let bcd = map.way(2, "bcd", &road);
    let xyz = map.way(3, "xyz", &road);
    // The region: a–b–c–d (4 nodes) is the largest component; x–y–z (3 nodes) is dropped.
    let (region, dropped) =
        WalkGraph::build_reporting_dropped(&[ab.clone(), bcd, xyz.clone()], &[], Profile::Default)
            .unwrap();
    assert_eq!((region.node_count(), region.edge_count()), (4, 3));
    let keys: Vec<VertexKey> = dropped.iter().map(|(k, _)| *k).collect();
    assert_eq!(
        keys,
        ['x', 'y', 'z'].map(|c| VertexKey::Node(c as i64)).to_vec()
    );
    assert_eq!(dropped[1].1, map.at('y'));

    // A cut holding a–b and x–y–z: its own largest component would be x–y–z (3 nodes > 2).
    let cut = [ab, xyz];
    let own = WalkGraph::build(&cut, &[], Profile::Default).unwrap();
    assert_eq!(own.node_count(), 3);
    assert_eq!(own.node_coord(0), map.at('x'));
    // Without the region's dropped vertices it is the region's a–b: 40 m at the equator.
    let dropped: HashSet<VertexKey> = keys.into_iter().collect();
    let g = WalkGraph::build_without(&cut, &[], Profile::Default, &dropped).unwrap();
    assert_eq!((g.node_count(), g.edge_count()), (2, 1));
    let ends = g.edge_ends(0).map(|v| g.node_coord(v));
    assert_eq!(ends, [map.at('a'), map.at('b')]);
    assert_eq!(
        g.edge_length_m(0).to_bits(),
        region.edge_length_m(0).to_bits()
    );
    assert!(
        (g.edge_length_m(0) - 40.0).abs() < 1e-6,
        "{}",
        g.edge_length_m(0)
    );
    // Nothing dropped: every component stays.
    let all = WalkGraph::build_without(&cut, &[], Profile::Default, &HashSet::new()).unwrap();
    assert_eq!((all.node_count(), all.edge_count()), (5, 3));
}

/// A point as near to two edges as to their shared node snaps to the same edge in any graph
/// holding both, whatever else the graph holds (its R-tree differs).
#[test]
fn a_tie_at_a_shared_node_snaps_alike_in_a_region_and_a_cut() {
    let map = AsciiMap::parse(
        "
a---b---c
    |
    d
    |
    e
",
    );
    let road = [("highway", "residential")];
    let ways = [
        map.way(1, "ab", &road),
        map.way(2, "bc", &road),
        map.way(3, "bde", &road),
    ];
    // 10 m north of b: 10 m to b on a–b and on b–c (and 10 m to b on b–d).
    let p = crate::common::cell(4.0, -1.0);
    let region = WalkGraph::build(&ways, &[], Profile::Default).unwrap();
    let cut = WalkGraph::build(
        &[ways[2].clone(), ways[1].clone(), ways[0].clone()],
        &[],
        Profile::Default,
    )
    .unwrap();
    let ends = |g: &WalkGraph| {
        let s = g.snap(p);
        let mut e = g.edge_ends(s.edge).map(|v| g.node_coord(v));
        e.sort_by(|a, b| a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y)));
        (e, s.offset_m.to_bits())
    };
    assert_eq!(ends(&region), ends(&cut));
    // The edge whose ends come first by coordinates: a–b (a is the westmost end).
    assert_eq!(ends(&region).0, [map.at('a'), map.at('b')]);
}
