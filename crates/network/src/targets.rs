//! Destinations snapped once to a walking graph: access points per target, area outlines, cached fields.
//!
//! A point facility is its own access point; an area is reached at its outline (densified to ≤ 25 m).

use std::sync::{Arc, Mutex};

use geo::{BoundingRect, Intersects};
use geo_types::{Coord, Geometry, LineString, MultiPolygon, Point};
use model::Facility;
use model::geodesy::distance_m;
use rayon::prelude::*;
use rstar::RTree;
use rstar::primitives::{GeomWithData, Rectangle};

use crate::graph::WalkGraph;
use crate::snap::Snap;

/// Maximum spacing of access points along an area's outline (domain.md).
pub const OUTLINE_SPACING_M: f64 = 25.0;

/// One access point of a target, snapped.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TargetSnap {
    pub target: u32,
    pub snap: Snap,
}

/// A distance field: for every node the distance to the nearest target and which one.
#[derive(Debug)]
pub(crate) struct Field {
    pub max_m: f64,
    pub dist: Vec<f64>,
    pub label: Vec<u32>,
}

/// Destinations, each with one or more access points, snapped once to the graph.
#[derive(Debug)]
pub struct Targets {
    pub(crate) graph_id: u64,
    len: usize,
    /// Access points sorted by edge.
    pub(crate) snaps: Vec<TargetSnap>,
    /// Area targets: (target, polygon) with an R-tree over their bounding boxes.
    areas: Vec<(u32, MultiPolygon<f64>)>,
    area_index: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
    /// The multi-source distance field, computed on the first `nearest` call and reused.
    pub(crate) field: Mutex<Option<Arc<Field>>>,
}

impl Targets {
    /// Each target given by its access points (lon/lat).
    pub fn from_points(graph: &WalkGraph, points_per_target: &[Vec<Coord<f64>>]) -> Targets {
        Self::new(graph, points_per_target, Vec::new())
    }

    /// Facilities: a point is its own access point; an area is reached at its outline (all rings,
    /// densified to <= 25 m spacing); an origin inside an area facility is at distance 0 from it.
    ///
    /// # Runtime
    /// O(a log m) for a access points on a graph of m edges (one snap each, in parallel).
    pub fn from_facilities(graph: &WalkGraph, facilities: &[&Facility]) -> Targets {
        let points: Vec<Vec<Coord<f64>>> = facilities.iter().map(|f| access_points(f)).collect();
        let areas = facilities
            .iter()
            .enumerate()
            .filter_map(|(i, f)| area_of(f).map(|mp| (i as u32, mp)))
            .collect();
        Self::new(graph, &points, areas)
    }

    fn new(
        graph: &WalkGraph,
        points_per_target: &[Vec<Coord<f64>>],
        areas: Vec<(u32, MultiPolygon<f64>)>,
    ) -> Targets {
        let flat: Vec<(u32, Coord<f64>)> = points_per_target
            .iter()
            .enumerate()
            .flat_map(|(t, pts)| pts.iter().map(move |p| (t as u32, *p)))
            .filter(|(_, p)| p.x.is_finite() && p.y.is_finite())
            .collect();
        let mut snaps: Vec<TargetSnap> = flat
            .par_iter()
            .map(|(t, p)| TargetSnap {
                target: *t,
                snap: graph.snap(*p),
            })
            .filter(|s| s.snap.offset_m.is_finite())
            .collect();
        snaps.sort_by_key(|s| (s.snap.edge, s.target));
        let area_index = RTree::bulk_load(
            areas
                .iter()
                .enumerate()
                .filter_map(|(i, (_, mp))| {
                    let r = mp.bounding_rect()?;
                    Some(GeomWithData::new(
                        Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                        i,
                    ))
                })
                .collect(),
        );
        Targets {
            graph_id: graph.id,
            len: points_per_target.len(),
            snaps,
            areas,
            area_index,
            field: Mutex::new(None),
        }
    }

    /// Every access point as snapped, sorted by edge: (target, snap). A nearest query from a
    /// snap on the same edge walks straight along it to these (see [`crate::node_field`]).
    pub fn access_snaps(&self) -> impl Iterator<Item = (u32, &Snap)> + '_ {
        self.snaps.iter().map(|s| (s.target, &s.snap))
    }

    /// Number of targets.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no targets.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The access points snapped onto edge `e`.
    pub(crate) fn on_edge(&self, e: u32) -> &[TargetSnap] {
        let start = self.snaps.partition_point(|s| s.snap.edge < e);
        let end = self.snaps.partition_point(|s| s.snap.edge <= e);
        &self.snaps[start..end]
    }

    /// The area targets containing `p`, boundary included (distance 0).
    pub(crate) fn containing(&self, p: Coord<f64>) -> impl Iterator<Item = u32> + '_ {
        self.area_index
            .locate_all_at_point(&[p.x, p.y])
            .map(|g| &self.areas[g.data])
            .filter(move |(_, mp)| mp.intersects(&Point(p)))
            .map(|(t, _)| *t)
    }
}

/// The area of a facility with one (Polygon, MultiPolygon, Rect) as a multipolygon, `None` for
/// points and lines. An origin inside it is at distance 0 from the facility.
///
/// # Examples
/// ```
/// use geo_types::{Geometry, Point, Rect, coord};
/// use model::{Facility, FacilityKind, OsmId};
/// use spielraum_network::area_of;
///
/// let mut park = Facility {
///     osm_id: OsmId::Way(1),
///     kind: FacilityKind::OpenSpace,
///     name: None,
///     access: None,
///     geometry: Geometry::Rect(Rect::new(coord! {x: 0.0, y: 0.0}, coord! {x: 1.0, y: 2.0})),
///     area_m2: None,
///     opening_hours: None,
/// };
/// let area = area_of(&park).expect("a rectangle is an area");
/// assert_eq!(area.0.len(), 1);
/// assert_eq!(area.0[0].exterior().0.len(), 5); // four corners, closed
///
/// park.geometry = Geometry::Point(Point::new(0.5, 0.5));
/// assert!(area_of(&park).is_none());
/// ```
pub fn area_of(facility: &Facility) -> Option<MultiPolygon<f64>> {
    match &facility.geometry {
        Geometry::Polygon(p) => Some(MultiPolygon::new(vec![p.clone()])),
        Geometry::MultiPolygon(mp) => Some(mp.clone()),
        Geometry::Rect(r) => Some(MultiPolygon::new(vec![r.to_polygon()])),
        _ => None,
    }
}

/// The access points of a facility: a point is its own; an area is reached at its outline (all
/// rings, densified to at most 25 m spacing); a line (a play street) along its whole length,
/// densified the same way; other geometries at their vertices.
pub fn access_points(facility: &Facility) -> Vec<Coord<f64>> {
    match (area_of(facility), &facility.geometry) {
        (Some(mp), _) => mp
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .flat_map(densify)
            .collect(),
        (None, Geometry::LineString(l)) => densify(l),
        (None, Geometry::MultiLineString(m)) => m.0.iter().flat_map(densify).collect(),
        (None, g) => {
            use geo::CoordsIter;
            g.coords_iter().collect()
        }
    }
}

/// Where to draw a facility as one point: the point itself, or a point inside its area.
pub fn facility_point(facility: &Facility) -> Option<Coord<f64>> {
    use geo::InteriorPoint;
    facility.geometry.interior_point().map(|p| p.0)
}

/// The ring's (or line's) vertices plus evenly spaced points so that no gap exceeds 25 m (linear
/// in lon/lat).
fn densify(ring: &LineString<f64>) -> Vec<Coord<f64>> {
    let mut out = Vec::new();
    for w in ring.0.windows(2) {
        let (a, b) = (w[0], w[1]);
        // (1 µm of slack so that a side of exactly 25 m is not split by rounding)
        let pieces = ((distance_m(a, b) - 1e-6) / OUTLINE_SPACING_M)
            .ceil()
            .max(1.0) as usize;
        for i in 0..pieces {
            let t = i as f64 / pieces as f64;
            out.push(Coord {
                x: a.x + t * (b.x - a.x),
                y: a.y + t * (b.y - a.y),
            });
        }
    }
    if let Some(last) = ring.0.last() {
        out.push(*last);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn densified_outline_has_no_gap_over_25_m() {
        // A 100 m x 60 m rectangle on the equator (1 m = 1/111195.08 degrees).
        let m = 1.0 / 111_195.08;
        let ring = LineString::from(vec![
            (0.0, 0.0),
            (100.0 * m, 0.0),
            (100.0 * m, 60.0 * m),
            (0.0, 60.0 * m),
            (0.0, 0.0),
        ]);
        let pts = densify(&ring);
        for w in pts.windows(2) {
            assert!(distance_m(w[0], w[1]) <= 25.0 + 1e-6);
        }
        // 100 m -> 4 pieces, 60 m -> 3 pieces: 4+3+4+3 = 14 pieces, 15 points with the closing one.
        assert_eq!(pts.len(), 15);
    }
}
