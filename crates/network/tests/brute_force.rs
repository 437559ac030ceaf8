//! Property tests: `nearest`, `k_nearest`, `within` against a brute-force reference on random
//! graphs, and the reverse search (`Origins`) against `within` run from every origin.
//!
//! Reference: its own tag rules and largest component, exhaustive snapping over all segments,
//! Floyd–Warshall over all nodes (tests/common), its own outline densification for square areas.

use crate::common;

use common::Reference;
use common::haversine;
use geo_types::Coord;
use geo_types::{Geometry, MultiPoint, Point, Polygon};
use model::{Facility, FacilityKind, OsmId, WalkWay};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use spielraum_network::{
    Origins, Profile, ReverseSearch, Targets, WalkGraph, access_points, area_of, k_nearest,
    nearest, within,
};

/// A random graph near Vaduz (47.14°N) in a box of about 600 m — a forest of random trees plus
/// random extra edges, so often several components — with random way tags, origins and targets.
#[derive(Debug, Clone)]
struct Case {
    points: Vec<(f64, f64)>,
    edges: Vec<(usize, usize)>,
    /// Per edge: indices into `HIGHWAYS`, `FOOT`, `ACCESS` (most ways are plain footways).
    tags: Vec<(usize, usize, usize)>,
    origins: Vec<(f64, f64)>,
    targets: Vec<Target>,
    max_m: f64,
    k: usize,
}

/// A target: access points, or a square area (south-west corner, side in metres).
#[derive(Debug, Clone)]
enum Target {
    Points(Vec<(f64, f64)>),
    Square((f64, f64), f64),
}

/// Way tag values drawn at random (`None` = tag absent).
const HIGHWAYS: [&str; 8] = [
    "footway",
    "path",
    "residential",
    "primary",
    "steps",
    "motorway",
    "construction",
    "platform",
];
const FOOT: [Option<&str>; 7] = [
    None,
    Some("yes"),
    Some("no"),
    Some("private"),
    Some("designated"),
    Some("permissive"),
    Some("destination"),
];
const ACCESS: [Option<&str>; 6] = [
    None,
    Some("no"),
    Some("private"),
    Some("yes"),
    Some("destination"),
    Some("customers"),
];

/// The reference's own reading of domain.md: a whitelisted `highway`, not `foot` = no|private,
/// and not `access` = no|private unless `foot` = yes|designated|permissive.
fn reference_walkable(highway: &str, foot: Option<&str>, access: Option<&str>) -> bool {
    let whitelisted = matches!(
        highway,
        "footway" | "path" | "residential" | "primary" | "steps"
    );
    let foot_no = matches!(foot, Some("no") | Some("private"));
    let foot_yes = matches!(foot, Some("yes") | Some("designated") | Some("permissive"));
    let access_no = matches!(access, Some("no") | Some("private"));
    whitelisted && !foot_no && (foot_yes || !access_no)
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
    let target = move || {
        prop_oneof![
            proptest::collection::vec(wide(), 1..4).prop_map(Target::Points),
            (wide(), 5.0..80.0f64).prop_map(|(c, side)| Target::Square(c, side)),
        ]
    };
    (3usize..25)
        .prop_flat_map(move |n| {
            (
                proptest::collection::vec(unit(), n),
                proptest::collection::vec(0usize..1000, n - 1),
                proptest::collection::vec((0usize..n, 0usize..n), 0..n),
                proptest::collection::vec((0usize..16, 0usize..16, 0usize..12), 3 * n),
                proptest::collection::vec(wide(), 1..8),
                proptest::collection::vec(target(), 1..6),
                prop_oneof![Just(f64::INFINITY), 30.0..900.0f64],
                1usize..5,
            )
        })
        .prop_map(
            |(points, parents, extra, tags, origins, targets, max_m, k)| {
                // A random forest (node i hangs off an earlier node, or starts a new tree one time in
                // five) plus extra edges, no self-loops, no duplicates.
                let mut edges: Vec<(usize, usize)> = parents
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| *p % 5 != 0)
                    .map(|(i, p)| (p % (i + 1), i + 1))
                    .collect();
                for (a, b) in extra {
                    let e = (a.min(b), a.max(b));
                    if a != b && !edges.iter().any(|&(x, y)| (x.min(y), x.max(y)) == e) {
                        edges.push(e);
                    }
                }
                // Tags: 10 of 16 ways are plain footways; the rest draw highway/foot/access at random.
                let tags = tags[..edges.len()]
                    .iter()
                    .map(|&(h, f, a)| {
                        if h < 10 {
                            (0, 0, 0)
                        } else {
                            (h - 10 + (f % 3), f % FOOT.len(), a % ACCESS.len())
                        }
                    })
                    .collect();
                Case {
                    points,
                    edges,
                    tags,
                    origins,
                    targets,
                    max_m,
                    k,
                }
            },
        )
}

fn ways(case: &Case) -> Vec<WalkWay> {
    case.edges
        .iter()
        .zip(&case.tags)
        .enumerate()
        .map(|(i, (&(a, b), &(h, f, ac)))| {
            let mut tags = vec![("highway".to_string(), HIGHWAYS[h].to_string())];
            if let Some(v) = FOOT[f] {
                tags.push(("foot".into(), v.into()));
            }
            if let Some(v) = ACCESS[ac] {
                tags.push(("access".into(), v.into()));
            }
            WalkWay {
                id: i as i64,
                nodes: vec![a as i64, b as i64],
                coords: vec![lonlat(case.points[a]), lonlat(case.points[b])],
                tags,
            }
        })
        .collect()
}

/// The reference's edges: the walkable ones inside the largest component (by node count, found
/// by a plain depth-first search).
fn reference_edges(case: &Case) -> Kept {
    let walkable: Vec<(usize, usize)> = case
        .edges
        .iter()
        .zip(&case.tags)
        .filter(|(_, (h, f, a))| reference_walkable(HIGHWAYS[*h], FOOT[*f], ACCESS[*a]))
        .map(|(e, _)| *e)
        .collect();
    let n = case.points.len();
    let mut comp = vec![usize::MAX; n];
    let mut sizes = Vec::new();
    for start in walkable.iter().map(|e| e.0) {
        if comp[start] != usize::MAX {
            continue;
        }
        let (id, mut size, mut stack) = (sizes.len(), 0, vec![start]);
        comp[start] = id;
        while let Some(v) = stack.pop() {
            size += 1;
            for &(a, b) in &walkable {
                for (x, y) in [(a, b), (b, a)] {
                    if x == v && comp[y] == usize::MAX {
                        comp[y] = id;
                        stack.push(y);
                    }
                }
            }
        }
        sizes.push(size);
    }
    let Some(&largest) = sizes.iter().max() else {
        return Kept::Nothing;
    };
    if sizes.iter().filter(|s| **s == largest).count() > 1 {
        return Kept::Tie;
    }
    let best = sizes
        .iter()
        .position(|s| *s == largest)
        .expect("the largest exists");
    Kept::Edges(walkable.into_iter().filter(|e| comp[e.0] == best).collect())
}

/// What the reference keeps of a case.
enum Kept {
    /// No walkable way.
    Nothing,
    /// Two components tie for largest (the crate may keep either).
    Tie,
    /// The walkable edges of the largest component.
    Edges(Vec<(usize, usize)>),
}

/// The corners of a square target, counter-clockwise from the south-west, closed.
fn square_ring((corner, side): ((f64, f64), f64)) -> Vec<Coord<f64>> {
    let sw = lonlat(corner);
    let dy = side / common::M_PER_DEG;
    let dx = dy / sw.y.to_radians().cos();
    let (x0, y0, x1, y1) = (sw.x, sw.y, sw.x + dx, sw.y + dy);
    [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
        .iter()
        .map(|&(x, y)| Coord { x, y })
        .collect()
}

/// The reference's access points of a square: each side cut into ⌈length / 25 m⌉ equal pieces
/// (linear in lon/lat), as domain.md asks ("densified to ≤ 25 m spacing").
fn reference_outline(ring: &[Coord<f64>]) -> Vec<Coord<f64>> {
    let mut out = Vec::new();
    for side in ring.windows(2) {
        let (a, b) = (side[0], side[1]);
        let pieces = (haversine(a, b) / 25.0).ceil().max(1.0) as usize;
        for i in 0..pieces {
            let t = i as f64 / pieces as f64;
            out.push(Coord {
                x: a.x + t * (b.x - a.x),
                y: a.y + t * (b.y - a.y),
            });
        }
    }
    out
}

/// The facility the crate is given for a target (a square's ring as a polygon).
fn facility(target: &Target, i: usize) -> Facility {
    let geometry = match target {
        Target::Points(ps) => {
            Geometry::MultiPoint(MultiPoint(ps.iter().map(|p| Point(lonlat(*p))).collect()))
        }
        Target::Square(c, side) => {
            Geometry::Polygon(Polygon::new(square_ring((*c, *side)).into(), vec![]))
        }
    };
    Facility {
        osm_id: OsmId::Way(i as i64),
        kind: FacilityKind::Playground,
        name: None,
        access: None,
        geometry,
        area_m2: None,
        opening_hours: None,
    }
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
        let ref_edges = match reference_edges(&case) {
            Kept::Edges(edges) => edges,
            Kept::Tie => return Ok(()),
            Kept::Nothing => {
                // No walkable way: the crate refuses the empty network too.
                prop_assert!(WalkGraph::build(&ways(&case), &[], Profile::Default).is_err());
                return Ok(());
            }
        };
        let graph = WalkGraph::build(&ways(&case), &[], Profile::Default).unwrap();
        let reference = Reference::new(
            case.points.iter().map(|p| lonlat(*p)).collect(),
            ref_edges,
        );
        let origins: Vec<Coord<f64>> = case.origins.iter().map(|p| lonlat(*p)).collect();
        let any_square = case.targets.iter().any(|t| matches!(t, Target::Square(..)));
        let targets = if any_square {
            let facilities: Vec<Facility> =
                case.targets.iter().enumerate().map(|(i, t)| facility(t, i)).collect();
            Targets::from_facilities(&graph, &facilities.iter().collect::<Vec<_>>())
        } else {
            let pts: Vec<Vec<Coord<f64>>> = case
                .targets
                .iter()
                .map(|t| match t {
                    Target::Points(ps) => ps.iter().map(|p| lonlat(*p)).collect(),
                    Target::Square(..) => unreachable!(),
                })
                .collect();
            Targets::from_points(&graph, &pts)
        };
        // The reference distance from an origin to each target.
        let reference_distance = |o: Coord<f64>, t: &Target| -> f64 {
            match t {
                Target::Points(ps) => {
                    reference.distance(o, &ps.iter().map(|p| lonlat(*p)).collect::<Vec<_>>())
                }
                Target::Square(c, side) => {
                    let ring = square_ring((*c, *side));
                    let inside = (ring[0].x..=ring[2].x).contains(&o.x)
                        && (ring[0].y..=ring[2].y).contains(&o.y);
                    if inside { 0.0 } else { reference.distance(o, &reference_outline(&ring)) }
                }
            }
        };
        let max_m = case.max_m;

        if case.k % 2 == 0 {
            // Half of the cases answer from a cached unbounded field (the cache path).
            let _ = nearest(&graph, &targets, &origins, f64::INFINITY);
        }
        let near = nearest(&graph, &targets, &origins, max_m);
        let knn = k_nearest(&graph, &targets, &origins, case.k, max_m);
        let all = within(&graph, &targets, &origins, max_m);
        for (i, o) in origins.iter().enumerate() {
            let want: Vec<f64> = case.targets.iter().map(|t| reference_distance(*o, t)).collect();
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

    #[test]
    fn reverse_search_matches_forward_within(case in case()) {
        // Both profiles: child-safe graphs snap differently (pavements, barriers), and the reverse
        // search must follow the same snaps.
        let profile = if case.k % 2 == 0 { Profile::Default } else { Profile::ChildSafe };
        let Ok(graph) = WalkGraph::build(&ways(&case), &[], profile) else {
            return Ok(());
        };
        prop_assert_eq!(graph.profile(), profile);
        let origins: Vec<Coord<f64>> = case.origins.iter().map(|p| lonlat(*p)).collect();
        let facilities: Vec<Facility> =
            case.targets.iter().enumerate().map(|(i, t)| facility(t, i)).collect();
        let targets = Targets::from_facilities(&graph, &facilities.iter().collect::<Vec<_>>());
        let max_m = case.max_m;
        let forward = within(&graph, &targets, &origins, max_m);
        let index = Origins::new(&graph, &origins);
        prop_assert_eq!(index.len(), origins.len());
        // One scratch for every facility: a search leaves it clean for the next one.
        let mut scratch = ReverseSearch::new(&graph, &index);
        let mut hits = Vec::new();
        for (t, f) in facilities.iter().enumerate() {
            let area: Vec<_> = area_of(f).into_iter().collect();
            index.reaching_with(&graph, &mut scratch, &access_points(f), &area, max_m, &mut hits);
            // The origins whose forward search reaches facility t, ascending, with their distance.
            let want: Vec<(u32, f64)> = forward
                .iter()
                .enumerate()
                .filter_map(|(o, hs)| {
                    hs.iter().find(|h| h.target == t).map(|h| (o as u32, h.distance_m))
                })
                .collect();
            prop_assert_eq!(
                hits.iter().map(|h| h.0).collect::<Vec<_>>(),
                want.iter().map(|h| h.0).collect::<Vec<_>>(),
                "facility {}", t
            );
            for ((o, got), (_, d)) in hits.iter().zip(&want) {
                prop_assert!((got - d).abs() < 1e-9, "facility {t}, origin {o}: {got} vs {d}");
            }
            prop_assert_eq!(&index.reaching_facility(&graph, f, max_m), &hits);
        }
        // All facilities at once (one multi-source search): the distance to the nearest one.
        let access: Vec<Coord<f64>> = facilities.iter().flat_map(access_points).collect();
        let areas: Vec<_> = facilities.iter().filter_map(area_of).collect();
        let all = index.reaching(&graph, &access, &areas, max_m);
        let near = nearest(&graph, &targets, &origins, max_m);
        let want: Vec<(u32, f64)> = near
            .iter()
            .enumerate()
            .filter_map(|(o, h)| h.map(|h| (o as u32, h.distance_m)))
            .collect();
        prop_assert_eq!(
            all.iter().map(|h| h.0).collect::<Vec<_>>(),
            want.iter().map(|h| h.0).collect::<Vec<_>>()
        );
        for ((o, got), (_, d)) in all.iter().zip(&want) {
            prop_assert!((got - d).abs() < 1e-9, "origin {o}: {got} vs {d}");
        }
    }
}
