//! An in-memory R-tree over facilities: nearest-k, within a distance, bounding box.
//!
//! Distances are straight-line metres in a local equirectangular projection centred on the
//! indexed facilities (error < 0.1 % within a city); walking distances live in the network crate.

use geo::{Distance, Euclidean};
use geo_types::{Coord, Geometry, LineString, MultiPolygon, Point, Polygon, Rect};
use rstar::{AABB, PointDistance, RTree, RTreeObject};

use crate::Facility;
use crate::geodesy::EARTH_RADIUS_M;

/// A local equirectangular projection (metres) around a reference latitude.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalProjection {
    cos_lat0: f64,
}

impl LocalProjection {
    /// A projection whose scale is true along the parallel `lat0` (degrees).
    pub fn new(lat0: f64) -> Self {
        Self {
            cos_lat0: lat0.to_radians().cos(),
        }
    }

    /// Projects lon/lat degrees to metres.
    pub fn project(&self, c: Coord<f64>) -> Coord<f64> {
        Coord {
            x: c.x.to_radians() * self.cos_lat0 * EARTH_RADIUS_M,
            y: c.y.to_radians() * EARTH_RADIUS_M,
        }
    }

    /// Projects every coordinate of a geometry.
    pub fn project_geometry(&self, g: &Geometry<f64>) -> Geometry<f64> {
        use geo::MapCoords;
        g.map_coords(|c| self.project(c))
    }
}

/// One indexed facility: its projected geometry and its position in the input slice.
#[derive(Debug, Clone)]
struct Entry {
    index: usize,
    geometry: Geometry<f64>,
    envelope: AABB<[f64; 2]>,
}

impl RTreeObject for Entry {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

impl PointDistance for Entry {
    fn distance_2(&self, point: &[f64; 2]) -> f64 {
        let d = distance_to(&self.geometry, Point::new(point[0], point[1]));
        d * d
    }
}

/// Distance in the projected plane from a point to a geometry (0 inside an area).
fn distance_to(g: &Geometry<f64>, p: Point<f64>) -> f64 {
    match g {
        Geometry::Point(q) => Euclidean.distance(&p, q),
        Geometry::Polygon(poly) => Euclidean.distance(&p, poly),
        Geometry::MultiPolygon(mp) => Euclidean.distance(&p, mp),
        Geometry::LineString(ls) => Euclidean.distance(&p, ls),
        other => {
            use geo::BoundingRect;
            other
                .bounding_rect()
                .map(|r| Euclidean.distance(&p, &r.to_polygon()))
                .unwrap_or(f64::INFINITY)
        }
    }
}

fn envelope_of(g: &Geometry<f64>) -> Option<AABB<[f64; 2]>> {
    use geo::BoundingRect;
    let r: Rect<f64> = g.bounding_rect()?;
    Some(AABB::from_corners(
        [r.min().x, r.min().y],
        [r.max().x, r.max().y],
    ))
}

/// An R-tree over facilities, answering straight-line queries in metres.
///
/// Building is O(n log n); `nearest`/`within` are O(log n + k) on typical data.
#[derive(Debug, Clone)]
pub struct FacilityIndex {
    projection: LocalProjection,
    tree: RTree<Entry>,
}

impl FacilityIndex {
    /// Indexes `facilities`; results refer to positions in this slice.
    pub fn new(facilities: &[Facility]) -> Self {
        use geo::BoundingRect;
        let lats: Vec<f64> = facilities
            .iter()
            .filter_map(|f| f.geometry.bounding_rect())
            .map(|r| r.center().y)
            .collect();
        let lat0 = if lats.is_empty() {
            0.0
        } else {
            lats.iter().sum::<f64>() / lats.len() as f64
        };
        let projection = LocalProjection::new(lat0);
        let entries = facilities
            .iter()
            .enumerate()
            .filter_map(|(index, f)| {
                let geometry = projection.project_geometry(&f.geometry);
                let envelope = envelope_of(&geometry)?;
                Some(Entry {
                    index,
                    geometry,
                    envelope,
                })
            })
            .collect();
        Self {
            projection,
            tree: RTree::bulk_load(entries),
        }
    }

    /// The projection used for distances.
    pub fn projection(&self) -> LocalProjection {
        self.projection
    }

    /// Number of indexed facilities.
    pub fn len(&self) -> usize {
        self.tree.size()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.tree.size() == 0
    }

    /// The `k` facilities nearest to `lonlat`, as (position, metres), nearest first.
    ///
    /// # Examples
    /// Two playgrounds on the equator, 0.001° (111.2 m) and 0.004° (444.8 m) east of the query
    /// point, and a park whose edge is 0.002° (222.4 m) west of it:
    /// ```
    /// use geo_types::{Geometry, Point, Rect, coord};
    /// use spielraum_model::index::FacilityIndex;
    /// use spielraum_model::{Facility, FacilityKind, OsmId};
    ///
    /// let facility = |id, kind, geometry| Facility {
    ///     osm_id: OsmId::Node(id),
    ///     kind,
    ///     name: None,
    ///     access: None,
    ///     geometry,
    ///     area_m2: None,
    ///     opening_hours: None,
    /// };
    /// let park = Rect::new(coord! {x: -0.005, y: -0.001}, coord! {x: -0.002, y: 0.001});
    /// let facilities = [
    ///     facility(1, FacilityKind::Playground, Geometry::Point(Point::new(0.004, 0.0))),
    ///     facility(2, FacilityKind::Playground, Geometry::Point(Point::new(0.001, 0.0))),
    ///     facility(3, FacilityKind::OpenSpace, Geometry::Rect(park)),
    /// ];
    /// let index = FacilityIndex::new(&facilities);
    /// let near = index.nearest_k(coord! {x: 0.0, y: 0.0}, 2);
    /// let metre = 1.0 / 111_195.08; // degrees along the equator
    /// assert_eq!((near[0].0, near[1].0), (1, 2));
    /// assert!((near[0].1 - 0.001 / metre).abs() < 0.01);
    /// assert!((near[1].1 - 0.002 / metre).abs() < 0.01);
    /// // Within 300 m: the same two.
    /// assert_eq!(index.within(coord! {x: 0.0, y: 0.0}, 300.0).len(), 2);
    /// ```
    pub fn nearest_k(&self, lonlat: Coord<f64>, k: usize) -> Vec<(usize, f64)> {
        let p = self.projection.project(lonlat);
        self.tree
            .nearest_neighbor_iter_with_distance_2(&[p.x, p.y])
            .take(k)
            .map(|(e, d2)| (e.index, d2.sqrt()))
            .collect()
    }

    /// Every facility within `metres` of `lonlat`, as (position, metres), nearest first.
    pub fn within(&self, lonlat: Coord<f64>, metres: f64) -> Vec<(usize, f64)> {
        let p = self.projection.project(lonlat);
        let mut hits: Vec<(usize, f64)> = self
            .tree
            .locate_within_distance([p.x, p.y], metres * metres)
            .map(|e| (e.index, distance_to(&e.geometry, Point(p))))
            .collect();
        hits.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        hits
    }

    /// Every facility whose bounding box intersects the lon/lat box, in index order.
    pub fn in_bbox(&self, min: Coord<f64>, max: Coord<f64>) -> Vec<usize> {
        let a = self.projection.project(min);
        let b = self.projection.project(max);
        let mut hits: Vec<usize> = self
            .tree
            .locate_in_envelope_intersecting(&AABB::from_corners([a.x, a.y], [b.x, b.y]))
            .map(|e| e.index)
            .collect();
        hits.sort_unstable();
        hits
    }
}

/// A square polygon helper for tests and callers building small areas.
pub fn square(centre: Coord<f64>, half_side_deg: f64) -> MultiPolygon<f64> {
    let (x, y, h) = (centre.x, centre.y, half_side_deg);
    MultiPolygon(vec![Polygon::new(
        LineString::from(vec![
            (x - h, y - h),
            (x + h, y - h),
            (x + h, y + h),
            (x - h, y + h),
            (x - h, y - h),
        ]),
        vec![],
    )])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FacilityKind, OsmId};
    use rand::{Rng, SeedableRng, rngs::StdRng};

    fn random_facilities(rng: &mut StdRng, n: usize) -> Vec<Facility> {
        (0..n)
            .map(|i| {
                let c = Coord {
                    x: 9.45 + rng.random::<f64>() * 0.2,
                    y: 47.05 + rng.random::<f64>() * 0.2,
                };
                let geometry = if rng.random_bool(0.5) {
                    Geometry::Point(Point(c))
                } else {
                    Geometry::MultiPolygon(square(c, rng.random::<f64>() * 0.002 + 0.0001))
                };
                Facility {
                    osm_id: OsmId::Node(i as i64),
                    kind: FacilityKind::Playground,
                    name: None,
                    access: None,
                    geometry,
                    area_m2: None,
                    opening_hours: None,
                }
            })
            .collect()
    }

    /// Brute force: the distance to every facility, computed without the tree.
    fn brute(index: &FacilityIndex, fs: &[Facility], q: Coord<f64>) -> Vec<(usize, f64)> {
        let p = Point(index.projection().project(q));
        let mut all: Vec<(usize, f64)> = fs
            .iter()
            .enumerate()
            .map(|(i, f)| {
                (
                    i,
                    distance_to(&index.projection().project_geometry(&f.geometry), p),
                )
            })
            .collect();
        all.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        all
    }

    #[test]
    fn nearest_k_and_within_match_brute_force() {
        let mut rng = StdRng::seed_from_u64(7);
        let fs = random_facilities(&mut rng, 500);
        let index = FacilityIndex::new(&fs);
        assert_eq!(index.len(), 500);
        for _ in 0..200 {
            let q = Coord {
                x: 9.4 + rng.random::<f64>() * 0.3,
                y: 47.0 + rng.random::<f64>() * 0.3,
            };
            let expected = brute(&index, &fs, q);
            let k = rng.random_range(1..10);
            let got = index.nearest_k(q, k);
            assert_eq!(got.len(), k);
            for (g, e) in got.iter().zip(&expected) {
                // Ties may come in another order: compare distances.
                assert!((g.1 - e.1).abs() < 1e-6, "{g:?} vs {e:?}");
            }
            let r = rng.random::<f64>() * 3000.0;
            let within: Vec<usize> = index.within(q, r).into_iter().map(|h| h.0).collect();
            let mut expected_within: Vec<usize> =
                expected.iter().filter(|e| e.1 <= r).map(|e| e.0).collect();
            let mut sorted = within.clone();
            sorted.sort_unstable();
            expected_within.sort_unstable();
            assert_eq!(sorted, expected_within);
        }
    }

    #[test]
    fn bbox_matches_brute_force() {
        use geo::{BoundingRect, Intersects};
        let mut rng = StdRng::seed_from_u64(11);
        let fs = random_facilities(&mut rng, 300);
        let index = FacilityIndex::new(&fs);
        for _ in 0..100 {
            let (x, y) = (
                9.45 + rng.random::<f64>() * 0.2,
                47.05 + rng.random::<f64>() * 0.2,
            );
            let (w, h) = (rng.random::<f64>() * 0.05, rng.random::<f64>() * 0.05);
            let rect = Rect::new(Coord { x, y }, Coord { x: x + w, y: y + h });
            let expected: Vec<usize> = fs
                .iter()
                .enumerate()
                .filter(|(_, f)| {
                    f.geometry
                        .bounding_rect()
                        .is_some_and(|b| b.intersects(&rect))
                })
                .map(|(i, _)| i)
                .collect();
            assert_eq!(index.in_bbox(rect.min(), rect.max()), expected);
        }
    }

    #[test]
    fn a_point_inside_an_area_is_at_distance_zero() {
        let fs = random_facilities(&mut StdRng::seed_from_u64(3), 1);
        let mut f = fs[0].clone();
        f.geometry = Geometry::MultiPolygon(square(Coord { x: 9.5, y: 47.1 }, 0.001));
        let index = FacilityIndex::new(&[f]);
        assert_eq!(
            index.nearest_k(Coord { x: 9.5, y: 47.1 }, 1),
            vec![(0, 0.0)]
        );
        // 0.002° of latitude north of the square's north edge: 0.001° ≈ 111.2 m.
        let d = index.nearest_k(Coord { x: 9.5, y: 47.102 }, 1)[0].1;
        assert!((d - 111.2).abs() < 0.1, "{d}");
    }
}

/// Finds the area a point lies in: the first, in the given order, whose polygon contains it or
/// whose outline it lies on (so no resident is lost on a shared border).
///
/// Assigns population units to neighbourhoods in the import and in the analysis alike, and
/// buildings to residential landuse.
#[derive(Debug, Clone)]
pub struct AreaLocator {
    /// One entry per polygon of every area (its bounding box), with the polygon's position.
    tree: RTree<rstar::primitives::GeomWithData<rstar::primitives::Rectangle<[f64; 2]>, usize>>,
    /// Every polygon of every area, with the position of its area.
    polygons: Vec<(Polygon<f64>, usize)>,
}

impl AreaLocator {
    /// Indexes the outlines (lon/lat), in the order given.
    pub fn new<'a>(outlines: impl IntoIterator<Item = &'a MultiPolygon<f64>>) -> Self {
        use geo::BoundingRect;
        use rstar::primitives::{GeomWithData, Rectangle};
        let polygons: Vec<(Polygon<f64>, usize)> = outlines
            .into_iter()
            .enumerate()
            .flat_map(|(area, mp)| mp.iter().map(move |p| (p.clone(), area)))
            .collect();
        let boxes = polygons
            .iter()
            .enumerate()
            .filter_map(|(i, (p, _))| {
                let r = p.bounding_rect()?;
                Some(GeomWithData::new(
                    Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                    i,
                ))
            })
            .collect();
        Self {
            tree: RTree::bulk_load(boxes),
            polygons,
        }
    }

    /// The position of the area holding `p`, if any.
    pub fn locate(&self, p: Point<f64>) -> Option<usize> {
        use geo::Intersects;
        // The tree already checked each polygon's bounding box; the polygon test alone remains
        // (a multipolygon's own test would compute its bounding box again on every call).
        self.tree
            .locate_in_envelope_intersecting(&AABB::from_point([p.x(), p.y()]))
            .map(|b| &self.polygons[b.data])
            .filter(|(polygon, _)| polygon.intersects(&p.0))
            .map(|&(_, area)| area)
            .min()
    }
}

#[cfg(test)]
mod locator_tests {
    use super::*;

    #[test]
    fn inside_outside_and_on_a_shared_border() {
        // Two unit squares side by side: [0,1]×[0,1] and [1,2]×[0,1].
        let a = square(Coord { x: 0.5, y: 0.5 }, 0.5);
        let b = square(Coord { x: 1.5, y: 0.5 }, 0.5);
        let loc = AreaLocator::new([&a, &b]);
        assert_eq!(loc.locate(Point::new(0.25, 0.5)), Some(0));
        assert_eq!(loc.locate(Point::new(1.75, 0.5)), Some(1));
        assert_eq!(loc.locate(Point::new(2.5, 0.5)), None);
        // On the shared edge: both hold it, the first wins.
        assert_eq!(loc.locate(Point::new(1.0, 0.5)), Some(0));
        // On b's outer edge only.
        assert_eq!(loc.locate(Point::new(2.0, 0.5)), Some(1));
    }

    /// Overlapping multipolygons of random squares (with a hole each): the locator answers as a
    /// scan over every area with geo's own point-in-multipolygon test.
    #[test]
    fn locate_matches_a_scan_over_all_areas() {
        use geo::Intersects;
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        let areas: Vec<MultiPolygon<f64>> = (0..30)
            .map(|_| {
                let parts = (0..rng.random_range(1..4)).map(|_| {
                    // Corners on a 0.1 grid, so grid points below fall on edges and corners.
                    let c = Coord {
                        x: f64::from(rng.random_range(0..100)) / 10.0,
                        y: f64::from(rng.random_range(0..100)) / 10.0,
                    };
                    let half = f64::from(rng.random_range(2..20)) / 10.0;
                    let outer = square(c, half).0.remove(0).into_inner().0;
                    let hole = square(c, half / 2.0).0.remove(0).into_inner().0;
                    Polygon::new(outer, vec![LineString(hole.0.into_iter().rev().collect())])
                });
                MultiPolygon(parts.collect())
            })
            .collect();
        let loc = AreaLocator::new(&areas);
        for _ in 0..5000 {
            // Half the points on the 0.1 grid, many of them on edges and corners.
            let p = if rng.random_bool(0.5) {
                Point::new(
                    f64::from(rng.random_range(0..100)) / 10.0,
                    f64::from(rng.random_range(0..100)) / 10.0,
                )
            } else {
                Point::new(rng.random_range(-1.0..11.0), rng.random_range(-1.0..11.0))
            };
            let scan = areas.iter().position(|a| a.intersects(&p));
            assert_eq!(loc.locate(p), scan, "{p:?}");
        }
    }
}
