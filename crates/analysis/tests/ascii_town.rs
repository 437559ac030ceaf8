//! A tiny synthetic town on the equator, walked on the real network, every indicator by hand.
//!
//! Coordinates in units u = 0.001° (lon, lat); on the equator 1 u = 2πR/360 000 = 111.195 m.

use geo_types::{Coord, Geometry, MultiPolygon, Point, polygon};
use model::{
    City, Facility, FacilityKind, Neighbourhood, OsmId, PopulationSource, PopulationUnit, WalkWay,
};
use spielraum_analysis::{Standards, analyze, build_graph};

/// One unit of the towns drawn here and in `time_town.rs`: 0.001° (111.195 m on the equator).
pub(crate) const U: f64 = 0.001;

pub(crate) fn xy(x: f64, y: f64) -> Coord<f64> {
    Coord { x: x * U, y: y * U }
}

pub(crate) fn way(id: i64, nodes: &[(i64, f64, f64)], highway: &str) -> WalkWay {
    WalkWay {
        id,
        nodes: nodes.iter().map(|n| n.0).collect(),
        coords: nodes.iter().map(|n| xy(n.1, n.2)).collect(),
        tags: vec![("highway".into(), highway.into())],
    }
}

pub(crate) fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
    MultiPolygon(vec![polygon![
        (x: x0 * U, y: y0 * U), (x: x1 * U, y: y0 * U), (x: x1 * U, y: y1 * U), (x: x0 * U, y: y1 * U)
    ]])
}

fn facility(id: i64, kind: FacilityKind, geometry: Geometry<f64>, area: Option<f64>) -> Facility {
    Facility {
        osm_id: OsmId::Way(id),
        kind,
        name: None,
        access: None,
        geometry,
        area_m2: area,
        opening_hours: None,
    }
}

fn unit(x: f64, y: f64, residents: f64, ages: [f64; 3]) -> PopulationUnit {
    PopulationUnit {
        location: Point(xy(x, y)),
        residents,
        ages,
        source: PopulationSource::Points,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-3
}

/// ```text
///  y                West │ East
///  8 ┌─────────────────┼──────────────────────────────┐
///  7 │                 │    U5                         │
///  6 │                 │   5 (end of footway W2)       │
///  5 │                 │   │ ┌──┐                      │
///  4 │                 │   │ │P2│ playground 1200 m²   │
///  3 │                 │   4 └──┘                U6   │
///  2 │                 │   │U3           ┌────┐ park O1 4000 m²
///  1 │  P1(point)      │   │             └────┘        │
///  0 │ 1━━━━━U2━U1━━━━━┼━━━2━━━━━━━━━━━━━━━━━━3 (W1)   │
/// -1 └─────────────────┴──────────────────────────────┘
///    x: W1 (0,0)-(5,0)-(10,0) residential; W2 (5,0)-(5,3)-(5,6) footway;
///    P1 point (1,0.5); P2 square x 5.5..6.5, y 4..5; O1 square x 8..10, y 1..2.5 (every outline point is nearer W1 than W2);
///    West x -1..4, East x 4..13 (y -1..8).
/// ```
/// Units (position, residents, ages [0–5, 6–11, 12–17]) and where they join the network:
///   U1 (2, 0.5) 20 [3,2,1] → (2,0) +0.5u;   U2 (1.5,-0.3) 5 [2,0,0] → (1.5,0) +0.3u
///   U3 (5.3,3.2) 25 [4,3,2] → (5,3.2) +0.3u; U4 (9.2,0.5) 10 [0,2,3] → (9.2,0) +0.5u
///   U5 (5.5,7) 15 [2,1,4] → (5,6) +√(0.5²+1²) = 1.118u; U6 (12,3) 10 [1,3,3] → (10,0) +√(2²+3²) = 3.606u
/// Facilities join: P1 → (1,0) +0.5u; P2 west edge (5.5,y) → (5,y) +0.5u; O1 bottom edge (x,1) → (x,0) +1u.
/// Walking distances (u; ×111.195 m):
///   U1: P1 0.5+1+0.5 = 2 (222.4 m: too far for 0–5!), P2 0.5+3+4+0.5 = 8 (889.6), O1 0.5+6+1 = 7.5 (834.0)
///   U2: P1 0.3+0.5+0.5 = 1.3 (144.6)
///   U3: P2 0.3+0.8+0.5 = 1.6 (177.9), P1 0.3+3.2+4+0.5 = 8 (889.6), O1 0.3+3.2+3+1 = 7.5 (834.0)
///   U4: O1 ≈ 0.5+0.1+1 = 1.6 (≈ 178, ≤ 400 whatever the outline densification); P1 and P2 9.2 (1023 > 1000)
///   U5: P2 1.118+1+0.5 = 2.618 (291.1); everything else > 1000 m
///   U6: O1 3.606+1 = 4.606 (512.1); everything else > 1000 m
/// Served (DIN: 0–5 playground ≤ 200; 6–11 playground/open space ≤ 400; 12–17 ≤ 1000):
///   0–5:  U2 {P1}, U3 {P2}; U1, U5, U6 gap.       6–11: U1 {P1}, U3 {P2}, U4 {O1}, U5 {P2}; U6 gap.
///   12–17: U1 {P1,P2,O1}, U3 {P1,P2,O1}, U4 {O1}, U5 {P2}, U6 {O1}.
/// West (U1, U2): pop 25, bands [5,2,1]; gap [3,0,0]; shares 0.4, 1, 1.
/// East (U3–U6): pop 60, bands [7,9,12]; gap 0–5 U5 2 + U6 1 = 3, 6–11 U6 3; shares 4/7, 6/9, 1.
/// Areas: P1 a point → point_area_m2 (set to 100 here), P2 1200, O1 4000.
/// 2SFCA: demand P1 = U2 2 + U1 2 + U1 1 + U3 2 = 7 → R 100/7 = 14.2857
///        P2 = U3 4 + U3 3 + U5 1 + U1 1 + U3 2 + U5 4 = 15 → R 80;  O1 = U4 2 + U1 1 + U3 2 + U4 3 + U6 3 = 11 → R 363.6364
///   West: U1 2×14.2857 + 1×457.9221 + U2 2×14.2857 = 515.0649 / 8 children = 64.3831
///   East: U3 4×80 + 3×80 + 2×457.9221 + U4 2×363.6364 + 3×363.6364 + U5 1×80 + 4×80 + U6 3×363.6364
///         = 4784.9351 / 28 = 170.8905   (West + East = 5300 = 100 + 1200 + 4000)
/// Play area: West 100 → 12.5 per child, 4 per resident; East 1200 → 42.857 per child, 20 per resident.
/// Need: West (0.6 + 0 + 0 + 0)/4 = 0.15; East (3/7 + 3/9 + 0 + 0)/4 = 0.190476 → East rank 1.
/// Gap areas (100 m cells): U6 4 children, U1 3, U5 2, each alone → ranks in that order.
#[test]
fn ascii_town_by_hand() {
    let city = City {
        walk_ways: vec![
            way(
                1,
                &[(1, 0.0, 0.0), (2, 5.0, 0.0), (3, 10.0, 0.0)],
                "residential",
            ),
            way(2, &[(2, 5.0, 0.0), (4, 5.0, 3.0), (5, 5.0, 6.0)], "footway"),
        ],
        facilities: vec![
            facility(
                1,
                FacilityKind::Playground,
                Geometry::Point(Point(xy(1.0, 0.5))),
                None,
            ),
            facility(
                2,
                FacilityKind::Playground,
                Geometry::MultiPolygon(rect(5.5, 4.0, 6.5, 5.0)),
                Some(1200.0),
            ),
            facility(
                3,
                FacilityKind::OpenSpace,
                Geometry::MultiPolygon(rect(8.0, 1.0, 10.0, 2.5)),
                Some(4000.0),
            ),
        ],
        neighbourhoods: vec![
            Neighbourhood {
                id: "w".into(),
                name: "West".into(),
                admin_level: None,
                geometry: rect(-1.0, -1.0, 4.0, 8.0),
                population: None,
            },
            Neighbourhood {
                id: "e".into(),
                name: "East".into(),
                admin_level: None,
                geometry: rect(4.0, -1.0, 13.0, 8.0),
                population: None,
            },
        ],
        population: vec![
            unit(2.0, 0.5, 20.0, [3.0, 2.0, 1.0]),
            unit(1.5, -0.3, 5.0, [2.0, 0.0, 0.0]),
            unit(5.3, 3.2, 25.0, [4.0, 3.0, 2.0]),
            unit(9.2, 0.5, 10.0, [0.0, 2.0, 3.0]),
            unit(5.5, 7.0, 15.0, [2.0, 1.0, 4.0]),
            unit(12.0, 3.0, 10.0, [1.0, 3.0, 3.0]),
        ],
        ..City::default()
    };
    let text = spielraum_analysis::standards::DIN18034_TOML
        .replace("point_area_m2 = 0.0", "point_area_m2 = 100.0");
    let standards = Standards::from_toml_str(&text, "test").unwrap();
    let graph = build_graph(&city, &standards).unwrap();
    let a = analyze(&city, &graph, &standards, &|_| {}).unwrap();
    let (w, e) = (&a.neighbourhoods[0], &a.neighbourhoods[1]);

    assert_eq!((w.population_total, w.population), (25.0, [5.0, 2.0, 1.0]));
    assert_eq!(w.gap_children, [3.0, 0.0, 0.0]);
    assert_eq!(w.served_children, [2.0, 2.0, 1.0]);
    assert_eq!((e.population_total, e.population), (60.0, [7.0, 9.0, 12.0]));
    assert_eq!(e.gap_children, [3.0, 3.0, 0.0]);
    assert_eq!(e.served_children, [4.0, 6.0, 12.0]);

    assert!(
        close(w.play_area_m2_per_child_2sfca.unwrap(), 64.3831),
        "{w:?}"
    );
    assert!(
        close(e.play_area_m2_per_child_2sfca.unwrap(), 170.8905),
        "{e:?}"
    );
    assert!(close(w.play_area_m2, 100.0) && close(e.play_area_m2, 1200.0));
    assert!(close(w.play_area_m2_per_child().unwrap(), 12.5));
    assert!(close(e.play_area_m2_per_child().unwrap(), 42.8571));
    assert!(close(w.play_area_m2_per_resident().unwrap(), 4.0));
    assert!(close(e.play_area_m2_per_resident().unwrap(), 20.0));
    assert!(close(w.need_score, 0.15) && close(e.need_score, 0.190476));
    assert_eq!((e.need_rank, w.need_rank), (1, 2));

    let gaps: Vec<[f64; 3]> = a.gap_areas.iter().map(|g| g.gap_children).collect();
    assert_eq!(
        gaps,
        vec![[1.0, 3.0, 0.0], [3.0, 0.0, 0.0], [2.0, 0.0, 0.0]]
    );
    assert_eq!(a.gap_areas[1].neighbourhoods, vec!["w".to_string()]);
}

mod random_towns {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Random homes and playgrounds/parks around a fixed street cross (W1 x 0..10 at y 0,
        /// W2 y 0..6 at x 5): served + gap = children per band and neighbourhood, and nobody is
        /// served whose nearest serving facility is beyond the threshold as the crow flies
        /// (walking is never shorter than the great-circle line).
        #[test]
        fn totals_and_crow_fly_bound(
            homes in prop::collection::vec(((-1.0f64..11.0, -1.0f64..7.0), prop::array::uniform3(0u8..5)), 1..25),
            places in prop::collection::vec(((-1.0f64..11.0, -1.0f64..7.0), any::<bool>()), 1..6),
        ) {
            let city = City {
                walk_ways: vec![
                    way(1, &[(1, 0.0, 0.0), (2, 5.0, 0.0), (3, 10.0, 0.0)], "residential"),
                    way(2, &[(2, 5.0, 0.0), (4, 5.0, 3.0), (5, 5.0, 6.0)], "footway"),
                ],
                facilities: places.iter().enumerate().map(|(i, &((x, y), park))| {
                    let kind = if park { FacilityKind::OpenSpace } else { FacilityKind::Playground };
                    facility(i as i64, kind, Geometry::Point(Point(xy(x, y))), None)
                }).collect(),
                neighbourhoods: vec![
                    Neighbourhood { id: "w".into(), name: "W".into(), admin_level: None, geometry: rect(-2.0, -2.0, 5.0, 8.0), population: None },
                    Neighbourhood { id: "e".into(), name: "E".into(), admin_level: None, geometry: rect(5.0, -2.0, 12.0, 8.0), population: None },
                ],
                population: homes.iter().map(|&((x, y), ages)| {
                    let ages = ages.map(f64::from);
                    unit(x, y, ages.iter().sum::<f64>() + 2.0, ages)
                }).collect(),
                ..City::default()
            };
            let standards = Standards::default_din18034();
            let graph = build_graph(&city, &standards).unwrap();
            let a = analyze(&city, &graph, &standards, &|_| {}).unwrap();
            for (b, rule) in standards.bands.iter().enumerate() {
                let children: f64 = city.population.iter().map(|u| u.ages[b]).sum();
                let served: f64 = a.neighbourhoods.iter().map(|n| n.served_children[b]).sum();
                let gap: f64 = a.neighbourhoods.iter().map(|n| n.gap_children[b]).sum();
                prop_assert!((served + gap - children).abs() < 1e-9);
                for n in &a.neighbourhoods {
                    prop_assert!((n.served_children[b] + n.gap_children[b] - n.population[b]).abs() < 1e-9);
                }
                let crow: f64 = city.population.iter().filter(|u| {
                    city.facilities.iter().any(|f| {
                        let Geometry::Point(p) = f.geometry else { return false };
                        rule.kinds.contains(&f.kind)
                            && model::geodesy::distance_m(u.location.0, p.0) <= rule.threshold_m() + 1e-6
                    })
                }).map(|u| u.ages[b]).sum();
                prop_assert!(served <= crow + 1e-9, "band {}: served {} > crow-fly {}", b, served, crow);
            }
        }
    }
}
