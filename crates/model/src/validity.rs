//! Polygon validity in near-linear time: the same verdicts, in the same order, as geo's
//! `Validation`, with R-trees instead of its all-pairs loops.
//!
//! geo checks a ring for self-intersections by testing every segment against every other one,
//! and a MultiPolygon's parts (a polygon's holes) by relating every pair; both are quadratic
//! (a 32,000-vertex polygon took 13 s). Here a segment is tested only against the segments whose
//! bounding boxes meet its own, and two parts (holes) are related only when their bounding boxes
//! meet: pairs whose boxes are apart can neither cross, touch nor overlap, so the first problem
//! found, and its message, are exactly geo's. The pairwise tests themselves are geo's
//! (`Line::intersects`, `Relate`), so the robust predicates are the same too. For real-world
//! polygons each segment's box meets a handful of others and the check is O(n log n); shapes
//! made to defeat bounding boxes (hundreds of long parallel diagonal teeth) can still cost more,
//! which is why callers also cap the vertex count
//! ([`crate::scenario::MAX_VERTICES_PER_GEOMETRY`]).

use geo::algorithm::validation::{
    GeometryIndex, InvalidGeometry, InvalidMultiPolygon, InvalidPolygon, RingRole,
};
use geo::coordinate_position::CoordPos;
use geo::dimensions::Dimensions;
use geo::{Intersects, PreparedGeometry, Relate, Validation};
use geo_types::{Coord, Geometry, Line, LineString, MultiPolygon, Polygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

/// A bounding box in an R-tree, with the index of what it bounds.
type Boxed = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// The first problem geo's `Validation` reports for `geometry` (`None` if it is valid), found
/// in near-linear time for Points, Polygons and MultiPolygons.
///
/// Other geometry types, and geometries with a non-finite coordinate, are handed to geo's own
/// validation (whose verdict on NaN segments is its own); so is a Point (valid when finite).
///
/// ```
/// use geo_types::{Geometry, polygon};
/// let bowtie = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 1.0), (x: 1.0, y: 0.0), (x: 0.0, y: 1.0)];
/// let problem = spielraum_model::validity::first_problem(&Geometry::Polygon(bowtie));
/// assert_eq!(problem.unwrap().to_string(), "exterior ring has a self-intersection");
/// ```
pub fn first_problem(geometry: &Geometry<f64>) -> Option<InvalidGeometry> {
    match geometry {
        Geometry::Point(p) if p.x().is_finite() && p.y().is_finite() => None,
        Geometry::Polygon(p) => polygon_problem(p).map(InvalidGeometry::InvalidPolygon),
        Geometry::MultiPolygon(mp) => {
            multi_polygon_problem(mp).map(InvalidGeometry::InvalidMultiPolygon)
        }
        other => other.validation_errors().into_iter().next(),
    }
}

/// Whether every coordinate of the rings is finite (else geo's own validation decides).
fn all_finite<'a>(mut rings: impl Iterator<Item = &'a LineString<f64>>) -> bool {
    rings.all(|r| r.0.iter().all(|c| c.x.is_finite() && c.y.is_finite()))
}

/// The first problem of a polygon, as geo's `Validation` reports it (a polygon with a
/// non-finite coordinate is handed to geo's validation).
pub fn polygon_problem(polygon: &Polygon<f64>) -> Option<InvalidPolygon> {
    if !all_finite(std::iter::once(polygon.exterior()).chain(polygon.interiors())) {
        return polygon.validation_errors().into_iter().next();
    }
    if polygon.exterior().0.is_empty() {
        return None;
    }
    let rings = std::iter::once(polygon.exterior()).chain(polygon.interiors());
    for (ring_index, ring) in rings.enumerate() {
        if ring.0.is_empty() {
            continue;
        }
        let role = if ring_index == 0 {
            RingRole::Exterior
        } else {
            RingRole::Interior(ring_index - 1)
        };
        if too_few_points(ring) {
            return Some(InvalidPolygon::TooFewPointsInRing(role));
        }
        if ring_self_intersects(ring) {
            return Some(InvalidPolygon::SelfIntersection(role));
        }
    }
    let holes: Vec<(usize, &LineString<f64>)> = polygon
        .interiors()
        .iter()
        .enumerate()
        .filter(|(_, ring)| !ring.0.is_empty())
        .collect();
    if holes.is_empty() {
        return None;
    }
    let exterior = PreparedGeometry::from(Polygon::new(polygon.exterior().clone(), vec![]));
    let prepared: Vec<_> = holes
        .iter()
        .map(|(_, ring)| PreparedGeometry::from(Polygon::new((*ring).clone(), vec![])))
        .collect();
    let boxes: Vec<Option<AABB<[f64; 2]>>> = holes
        .iter()
        .map(|(_, ring)| bounds(ring.0.iter()))
        .collect();
    let tree = box_tree(&boxes);
    for (k, (i, _)) in holes.iter().enumerate() {
        let role = RingRole::Interior(*i);
        let m = exterior.relate(&prepared[k]);
        if !m.is_contains() {
            return Some(InvalidPolygon::InteriorRingNotContainedInExteriorRing(role));
        }
        if m.get(CoordPos::OnBoundary, CoordPos::OnBoundary) == Dimensions::OneDimensional {
            return Some(InvalidPolygon::IntersectingRingsOnALine(
                RingRole::Exterior,
                role,
            ));
        }
        for l in later_neighbours(&tree, boxes[k], k) {
            let other = RingRole::Interior(holes[l].0);
            let m = prepared[k].relate(&prepared[l]);
            if m.get(CoordPos::Inside, CoordPos::Inside) == Dimensions::TwoDimensional {
                return Some(InvalidPolygon::IntersectingRingsOnAnArea(role, other));
            }
            if m.get(CoordPos::OnBoundary, CoordPos::OnBoundary) == Dimensions::OneDimensional {
                return Some(InvalidPolygon::IntersectingRingsOnALine(role, other));
            }
        }
    }
    None
}

/// The first problem of a MultiPolygon, as geo's `Validation` reports it: each part in order,
/// then its overlaps with the parts after it (a MultiPolygon with a non-finite coordinate is
/// handed to geo's validation).
pub fn multi_polygon_problem(multi: &MultiPolygon<f64>) -> Option<InvalidMultiPolygon> {
    let rings = multi
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()));
    if !all_finite(rings) {
        return multi.validation_errors().into_iter().next();
    }
    let boxes: Vec<Option<AABB<[f64; 2]>>> = multi
        .0
        .iter()
        .map(|p| {
            let rings = std::iter::once(p.exterior()).chain(p.interiors());
            bounds(rings.flat_map(|r| r.0.iter()))
        })
        .collect();
    let tree = box_tree(&boxes);
    let mut prepared: Vec<Option<PreparedGeometry<'_, &Polygon<f64>>>> =
        (0..multi.0.len()).map(|_| None).collect();
    for (i, polygon) in multi.0.iter().enumerate() {
        if let Some(problem) = polygon_problem(polygon) {
            return Some(InvalidMultiPolygon::InvalidPolygon(
                GeometryIndex(i),
                problem,
            ));
        }
        for j in later_neighbours(&tree, boxes[i], i) {
            for k in [i, j] {
                if prepared[k].is_none() {
                    prepared[k] = Some(PreparedGeometry::from(&multi.0[k]));
                }
            }
            let (Some(a), Some(b)) = (&prepared[i], &prepared[j]) else {
                unreachable!("both parts were prepared just above");
            };
            let m = a.relate(b);
            if m.get(CoordPos::Inside, CoordPos::Inside) == Dimensions::TwoDimensional {
                return Some(InvalidMultiPolygon::ElementsOverlaps(
                    GeometryIndex(i),
                    GeometryIndex(j),
                ));
            }
            if m.get(CoordPos::OnBoundary, CoordPos::OnBoundary) == Dimensions::OneDimensional {
                return Some(InvalidMultiPolygon::ElementsTouchOnALine(
                    GeometryIndex(i),
                    GeometryIndex(j),
                ));
            }
        }
        // A part is no longer needed once every pair it starts has been related.
        prepared[i] = None;
    }
    None
}

/// geo's "too few points" for a ring: fewer than 4 points once consecutive repeats are removed.
fn too_few_points(ring: &LineString<f64>) -> bool {
    let mut distinct = ring.0.clone();
    distinct.dedup();
    distinct.len() < 4
}

/// geo's ring self-intersection test: two different segments that intersect, unless one ends
/// where the other starts. Only segments whose bounding boxes meet are compared; the
/// coordinates must be finite (the test has no meaning for NaN).
pub fn ring_self_intersects(ring: &LineString<f64>) -> bool {
    let lines: Vec<Line<f64>> = ring.lines().collect();
    // Identical segments: two copies of a real segment always count (they intersect and neither
    // ends where the other starts); copies of a zero-length segment never count against each
    // other and count against any third segment alike, so one of each is enough.
    let mut order: Vec<usize> = (0..lines.len()).collect();
    let key = |l: &Line<f64>| [l.start.x, l.start.y, l.end.x, l.end.y];
    order.sort_unstable_by(|&a, &b| {
        key(&lines[a])
            .partial_cmp(&key(&lines[b]))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut unique: Vec<Line<f64>> = Vec::with_capacity(lines.len());
    for &i in &order {
        let line = lines[i];
        if let Some(last) = unique.last()
            && *last == line
        {
            if line.start != line.end {
                return true;
            }
            continue;
        }
        unique.push(line);
    }
    let boxes: Vec<Option<AABB<[f64; 2]>>> = unique
        .iter()
        .map(|l| bounds([l.start, l.end].iter()))
        .collect();
    let tree = box_tree(&boxes);
    unique.iter().enumerate().any(|(i, line)| {
        boxes[i].is_some_and(|b| {
            tree.locate_in_envelope_intersecting(&b).any(|other| {
                let j = other.data;
                let other = unique[j];
                j > i
                    && line.start != other.end
                    && line.end != other.start
                    && line.intersects(&other)
            })
        })
    })
}

/// The bounding box of some coordinates (`None` if there are none).
fn bounds<'a>(coords: impl Iterator<Item = &'a Coord<f64>>) -> Option<AABB<[f64; 2]>> {
    let mut b: Option<([f64; 2], [f64; 2])> = None;
    for c in coords {
        b = Some(match b {
            None => ([c.x, c.y], [c.x, c.y]),
            Some((lo, hi)) => (
                [lo[0].min(c.x), lo[1].min(c.y)],
                [hi[0].max(c.x), hi[1].max(c.y)],
            ),
        });
    }
    b.map(|(lo, hi)| AABB::from_corners(lo, hi))
}

/// An R-tree of the boxes that exist, each with its index.
fn box_tree(boxes: &[Option<AABB<[f64; 2]>>]) -> RTree<Boxed> {
    RTree::bulk_load(
        boxes
            .iter()
            .enumerate()
            .filter_map(|(i, b)| {
                b.map(|b| GeomWithData::new(Rectangle::from_corners(b.lower(), b.upper()), i))
            })
            .collect(),
    )
}

/// The indices after `index` whose boxes meet `bounds` (edges and corners included), ascending.
fn later_neighbours(
    tree: &RTree<Boxed>,
    bounds: Option<AABB<[f64; 2]>>,
    index: usize,
) -> Vec<usize> {
    let Some(b) = bounds else {
        return Vec::new();
    };
    let mut found: Vec<usize> = tree
        .locate_in_envelope_intersecting(&b)
        .map(|e| e.data)
        .filter(|&j| j > index)
        .collect();
    found.sort_unstable();
    found
}
