//! The near-linear polygon validation against geo's own (quadratic) `Validation` as the
//! reference: the same first problem, or none, on random polygons and multipolygons.
//!
//! Coordinates lie on a small grid so that touching, collinear and repeated points, shared
//! edges, holes touching shells and overlapping parts are common rather than rare.

use geo::Validation;
use geo::algorithm::validation::{InvalidGeometry, InvalidMultiPolygon, InvalidPolygon};
use geo_types::{Coord, Geometry, Line, LineString, MultiPolygon, Polygon, polygon};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, RngSeed, TestRng, TestRunner};
use spielraum_model::scenario::{MAX_VERTICES_PER_GEOMETRY, ScenarioError, validate_geometry};
use spielraum_model::validity::{first_problem, ring_self_intersects};

/// geo's verdict: the first of its validation errors.
fn reference(geometry: &Geometry<f64>) -> Option<InvalidGeometry> {
    geometry.validation_errors().into_iter().next()
}

fn config(cases: u32, seed: u64) -> Config {
    Config {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        ..Config::default()
    }
}

/// A point of the grid {0, 0.5, …, 6}².
fn grid() -> impl Strategy<Value = Coord<f64>> {
    (0..=12i32, 0..=12i32).prop_map(|(x, y)| Coord {
        x: f64::from(x) / 2.0,
        y: f64::from(y) / 2.0,
    })
}

/// Any ring of 1 to 8 grid points (Polygon::new closes it): bow-ties, spikes, repeats.
fn random_ring() -> impl Strategy<Value = LineString<f64>> {
    prop::collection::vec(grid(), 1..9).prop_map(LineString)
}

/// An axis-parallel rectangle or a right triangle on the grid, either orientation.
fn simple_ring() -> impl Strategy<Value = LineString<f64>> {
    (grid(), 1..=6i32, 1..=6i32, any::<bool>(), any::<bool>()).prop_map(
        |(c, w, h, triangle, reverse)| {
            let (w, h) = (f64::from(w) / 2.0, f64::from(h) / 2.0);
            let mut coords = vec![
                c,
                Coord { x: c.x + w, y: c.y },
                Coord {
                    x: c.x + w,
                    y: c.y + h,
                },
            ];
            if !triangle {
                coords.push(Coord { x: c.x, y: c.y + h });
            }
            if reverse {
                coords.reverse();
            }
            LineString(coords)
        },
    )
}

/// A star-shaped ring of 8 to 60 vertices around (3, 3): valid unless the radii collapse a
/// vertex onto another, larger than the grid rings so the R-tree has several levels.
fn star_ring() -> impl Strategy<Value = LineString<f64>> {
    prop::collection::vec(0..=8i32, 8..61).prop_map(|radii| {
        let n = radii.len() as f64;
        LineString(
            radii
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let a = i as f64 / n * std::f64::consts::TAU;
                    let r = f64::from(*r) / 4.0;
                    // Rounded to the grid so that collinear and touching edges occur.
                    Coord {
                        x: ((3.0 + r * a.cos()) * 4.0).round() / 4.0,
                        y: ((3.0 + r * a.sin()) * 4.0).round() / 4.0,
                    }
                })
                .collect(),
        )
    })
}

fn ring() -> impl Strategy<Value = LineString<f64>> {
    prop_oneof![3 => random_ring(), 5 => simple_ring(), 2 => star_ring()]
}

fn polygon_strategy() -> impl Strategy<Value = Polygon<f64>> {
    // The frame (the whole grid, 0 to 6) holds most holes, so that holes touching it and each
    // other, and overlapping each other, are common.
    let frame = LineString::from(vec![(0., 0.), (6., 0.), (6., 6.), (0., 6.)]);
    (
        prop_oneof![2 => random_ring(), 5 => simple_ring(), 3 => star_ring(), 3 => Just(frame)],
        prop::collection::vec(prop_oneof![1 => random_ring(), 4 => simple_ring()], 0..4),
    )
        .prop_map(|(exterior, holes)| Polygon::new(exterior, holes))
}

fn multi_polygon_strategy() -> impl Strategy<Value = MultiPolygon<f64>> {
    prop::collection::vec(
        prop_oneof![
            3 => simple_ring().prop_map(|r| Polygon::new(r, vec![])),
            1 => polygon_strategy(),
        ],
        1..8,
    )
    .prop_map(MultiPolygon)
}

/// The all-pairs ring test geo's validation uses, written out as the reference.
fn all_pairs_self_intersection(ring: &LineString<f64>) -> bool {
    use geo::Intersects;
    let lines: Vec<Line<f64>> = ring.lines().collect();
    lines.iter().enumerate().any(|(i, a)| {
        lines
            .iter()
            .enumerate()
            .any(|(j, b)| i != j && a.intersects(b) && a.start != b.end && a.end != b.start)
    })
}

proptest! {
    #![proptest_config(config(3000, 0x5eed_0001))]
    #[test]
    fn polygons_get_geos_verdict(p in polygon_strategy()) {
        let g = Geometry::Polygon(p);
        prop_assert_eq!(first_problem(&g), reference(&g));
    }
}

proptest! {
    #![proptest_config(config(3000, 0x5eed_0002))]
    #[test]
    fn multi_polygons_get_geos_verdict(mp in multi_polygon_strategy()) {
        let g = Geometry::MultiPolygon(mp);
        prop_assert_eq!(first_problem(&g), reference(&g));
    }
}

proptest! {
    #![proptest_config(config(3000, 0x5eed_0003))]
    #[test]
    fn rings_cross_as_in_the_all_pairs_test(r in ring()) {
        let mut r = r;
        r.close();
        prop_assert_eq!(ring_self_intersects(&r), all_pairs_self_intersection(&r));
    }
}

/// The generators reach every kind of problem geo reports for polygons (and valid ones), so
/// the equality tests above are not passing on easy cases alone.
#[test]
fn random_cases_cover_every_problem_kind() {
    let mut runner = TestRunner::new_with_rng(
        config(1, 0),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let strategy = multi_polygon_strategy();
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..4000 {
        let mp = strategy.new_tree(&mut runner).unwrap().current();
        let g = Geometry::MultiPolygon(mp);
        let got = first_problem(&g);
        assert_eq!(got, reference(&g), "{g:?}");
        let kind = match got {
            None => "valid",
            Some(InvalidGeometry::InvalidMultiPolygon(m)) => match m {
                InvalidMultiPolygon::ElementsOverlaps(..) => "overlap",
                InvalidMultiPolygon::ElementsTouchOnALine(..) => "touch on a line",
                InvalidMultiPolygon::InvalidPolygon(_, p) => match p {
                    InvalidPolygon::TooFewPointsInRing(_) => "too few points",
                    InvalidPolygon::SelfIntersection(_) => "self-intersection",
                    InvalidPolygon::NonFiniteCoord(..) => "non-finite",
                    InvalidPolygon::InteriorRingNotContainedInExteriorRing(_) => "hole outside",
                    InvalidPolygon::IntersectingRingsOnALine(..) => "rings on a line",
                    InvalidPolygon::IntersectingRingsOnAnArea(..) => "rings on an area",
                },
            },
            Some(other) => panic!("a multipolygon gave {other:?}"),
        };
        seen.insert(kind);
    }
    let expected = [
        "valid",
        "overlap",
        "touch on a line",
        "too few points",
        "self-intersection",
        "hole outside",
        "rings on a line",
        "rings on an area",
    ];
    for kind in expected {
        assert!(seen.contains(kind), "no case of {kind}: {seen:?}");
    }
}

/// Hand-made cases with the message geo gives (from geo's own documentation and tests).
#[test]
fn known_shapes_get_known_messages() {
    let check = |g: Geometry<f64>, want: Option<&str>| {
        let got = first_problem(&g).map(|p| p.to_string());
        assert_eq!(got.as_deref(), want, "{g:?}");
        assert_eq!(got, reference(&g).map(|p| p.to_string()));
    };
    let bowtie = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 1.0), (x: 1.0, y: 0.0), (x: 0.0, y: 1.0)];
    check(bowtie.into(), Some("exterior ring has a self-intersection"));
    let spike = polygon![(x: 0., y: 0.), (x: 4., y: 0.), (x: 4., y: 4.), (x: 2., y: 4.), (x: 2., y: 6.), (x: 2., y: 4.), (x: 0., y: 4.)];
    check(spike.into(), Some("exterior ring has a self-intersection"));
    let line = polygon![(x: 0., y: 0.), (x: 1., y: 1.)];
    check(
        line.into(),
        Some("exterior ring must have at least 3 distinct points"),
    );
    // A hole touching the shell in one point is valid; along a line it is not.
    let touching = polygon!(
        exterior: [(x: 0., y: 0.), (x: 4., y: 1.), (x: 4., y: 4.), (x: 0., y: 4.)],
        interiors: [[(x: 0., y: 2.), (x: 2., y: 1.), (x: 3., y: 2.), (x: 2., y: 3.)]],
    );
    check(touching.into(), None);
    let on_a_line = polygon!(
        exterior: [(x: 0., y: 0.), (x: 4., y: 0.), (x: 4., y: 4.), (x: 0., y: 4.)],
        interiors: [[(x: 0., y: 2.), (x: 0., y: 1.), (x: 2., y: 1.), (x: 3., y: 2.), (x: 2., y: 3.)]],
    );
    check(
        on_a_line.into(),
        Some("exterior ring and interior ring at index 0 intersect on a line"),
    );
    let square =
        |x: f64| polygon![(x: x, y: 0.), (x: x + 2., y: 0.), (x: x + 2., y: 2.), (x: x, y: 2.)];
    check(
        MultiPolygon(vec![square(0.), square(1.)]).into(),
        Some("polygons at indices 0 and 1 overlap"),
    );
    check(
        MultiPolygon(vec![square(0.), square(2.)]).into(),
        Some("polygons at indices 0 and 1 touch on a line"),
    );
    check(MultiPolygon(vec![square(0.), square(3.)]).into(), None);
}

/// Non-finite coordinates are geo's to judge: the same verdict, and no panic in the R-trees.
#[test]
fn non_finite_coordinates_get_geos_verdict() {
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let p = polygon![(x: 0., y: 0.), (x: 4., y: 0.), (x: bad, y: 4.), (x: 0., y: 4.)];
        let square = polygon![(x: 5., y: 0.), (x: 6., y: 0.), (x: 6., y: 1.), (x: 5., y: 1.)];
        for g in [
            Geometry::Polygon(p.clone()),
            Geometry::MultiPolygon(MultiPolygon(vec![square, p])),
            Geometry::Point(geo_types::Point::new(bad, 0.)),
        ] {
            let got = first_problem(&g);
            assert!(got.is_some(), "{g:?}");
            assert_eq!(got, reference(&g), "{g:?}");
        }
    }
}

/// A regular polygon of `n` vertices (valid), the kind of outline the limit is about.
fn circle(n: usize) -> Polygon<f64> {
    let ring = (0..n)
        .map(|i| {
            let a = i as f64 / n as f64 * std::f64::consts::TAU;
            Coord {
                x: 9.5 + 0.01 * a.cos(),
                y: 47.1 + 0.01 * a.sin(),
            }
        })
        .collect();
    Polygon::new(LineString(ring), vec![])
}

#[test]
fn the_vertex_limit_comes_first_and_names_both_numbers() {
    // The closing point counts: n vertices and the repeated first one.
    let at_limit = circle(MAX_VERTICES_PER_GEOMETRY - 1);
    assert_eq!(validate_geometry(&at_limit.into()), Ok(()));
    let over = circle(MAX_VERTICES_PER_GEOMETRY);
    let err = validate_geometry(&over.into()).unwrap_err();
    assert_eq!(
        err,
        ScenarioError::TooManyVertices {
            count: 20_001,
            limit: 20_000
        }
    );
    assert_eq!(
        err.to_string(),
        "invalid geometry: 20001 vertices, more than the limit of 20000 per geometry"
    );
    // Checked before the coordinates: a huge geometry out of range gets the limit error.
    let far = Polygon::new(
        LineString(
            (0..25_000)
                .map(|i| Coord {
                    x: 500.0 + i as f64,
                    y: 0.0,
                })
                .collect(),
        ),
        vec![],
    );
    assert!(matches!(
        validate_geometry(&far.into()),
        Err(ScenarioError::TooManyVertices { count: 25_001, .. })
    ));
}

/// A polygon at the limit is checked quickly (geo's all-pairs test took about 5 s here).
#[test]
fn a_large_valid_polygon_is_checked_quickly() {
    let big: Geometry<f64> = circle(MAX_VERTICES_PER_GEOMETRY - 1).into();
    let start = std::time::Instant::now();
    assert_eq!(validate_geometry(&big), Ok(()));
    let took = start.elapsed();
    assert!(took.as_secs_f64() < 1.0, "{took:?}");
}
