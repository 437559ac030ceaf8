//! Reverse (target-side) reach: points snapped once and indexed by edge, and one bounded Dijkstra
//! from a target's access points that finds every point able to walk to it.
//!
//! The rules are those of [`crate::within`] run from each point (same snaps, edge lengths, same-edge
//! and inside-the-area rules), so the same points are found at the same distances.

use geo::{BoundingRect, Intersects};
use geo_types::{Coord, MultiPolygon, Point};
use model::Facility;
use rayon::prelude::*;
use rstar::primitives::GeomWithData;
use rstar::{AABB, RTree};

use crate::graph::WalkGraph;
use crate::query::{Search, along_from, same_edge};
use crate::snap::Snap;
use crate::targets::{access_points, area_of};

/// Points (homes, population units) snapped once to a walking graph and indexed by edge, for
/// searches from the target side: which points can walk to these access points, and how far.
///
/// `Send + Sync`; every search takes `&self`, so one index serves many threads.
#[derive(Debug)]
pub struct Origins {
    graph_id: u64,
    /// Per point, where it attaches (an infinite offset: unreachable over the network).
    snaps: Vec<Snap>,
    /// Points attached to edge `e`: `edge_points[edge_start[e]..edge_start[e + 1]]`, ascending.
    edge_start: Vec<u32>,
    edge_points: Vec<u32>,
    /// The points' locations, for "inside the target's area".
    locations: RTree<GeomWithData<[f64; 2], u32>>,
}

/// Reusable working memory of [`Origins::reaching_with`]: one per thread, sized for one graph and
/// one set of origins; after a search it is clean again (reset only where it was touched).
pub struct ReverseSearch {
    search: Search,
    /// Per point, its best distance so far (infinite: not reached).
    best: Vec<f64>,
    /// The points with a finite `best`.
    found: Vec<u32>,
    /// The access points of the current search, snapped.
    access: Vec<Snap>,
}

impl ReverseSearch {
    /// Working memory for searches on `graph` over `origins`.
    pub fn new(graph: &WalkGraph, origins: &Origins) -> ReverseSearch {
        ReverseSearch {
            search: Search::new(graph.node_count()),
            best: vec![f64::INFINITY; origins.len()],
            found: Vec::new(),
            access: Vec::new(),
        }
    }
}

/// Every point snapped to `graph`, in parallel; the points are visited in the order of a
/// Z-order curve over their coordinates, so that neighbouring searches share the R-tree's
/// nodes in the cache (on a city this halves the time of the snaps).
fn snap_all(graph: &WalkGraph, points: &[Coord<f64>]) -> Vec<Snap> {
    let finite = points.iter().filter(|p| p.x.is_finite() && p.y.is_finite());
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for p in finite {
        (x0, y0, x1, y1) = (x0.min(p.x), y0.min(p.y), x1.max(p.x), y1.max(p.y));
    }
    let cell = |v: f64, lo: f64, hi: f64| -> u32 {
        if v.is_finite() && hi > lo {
            (((v - lo) / (hi - lo)) * 65535.0) as u32
        } else {
            0
        }
    };
    let spread = |v: u32| -> u64 {
        let mut v = u64::from(v) & 0xffff;
        v = (v | (v << 8)) & 0x00ff_00ff;
        v = (v | (v << 4)) & 0x0f0f_0f0f;
        v = (v | (v << 2)) & 0x3333_3333;
        (v | (v << 1)) & 0x5555_5555
    };
    let mut order: Vec<(u64, u32)> = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            (
                spread(cell(p.x, x0, x1)) | (spread(cell(p.y, y0, y1)) << 1),
                i as u32,
            )
        })
        .collect();
    order.par_sort_unstable();
    let snapped: Vec<Snap> = order
        .par_iter()
        .map(|&(_, i)| graph.snap(points[i as usize]))
        .collect();
    let mut snaps = vec![
        Snap {
            edge: 0,
            to_a_m: 0.0,
            to_b_m: 0.0,
            offset_m: f64::INFINITY,
            point: Coord {
                x: f64::NAN,
                y: f64::NAN
            },
        };
        points.len()
    ];
    for (&(_, i), s) in order.iter().zip(snapped) {
        snaps[i as usize] = s;
    }
    snaps
}

impl Origins {
    /// Snaps every point (lon/lat) to `graph` (in parallel) and indexes them by edge. Point `i`
    /// of the answers is `points[i]`; a point that does not snap (not finite) is reached only
    /// from inside an area.
    ///
    /// # Runtime
    /// O(n log m) for n points on a graph of m edges (one R-tree snap per point).
    pub fn new(graph: &WalkGraph, points: &[Coord<f64>]) -> Origins {
        let snaps = snap_all(graph, points);
        let edges = graph.edge_count();
        let mut edge_start = vec![0u32; edges + 1];
        let attached = || {
            snaps
                .iter()
                .enumerate()
                .filter(|(_, s)| s.offset_m.is_finite())
        };
        for (_, s) in attached() {
            edge_start[s.edge as usize + 1] += 1;
        }
        for e in 0..edges {
            edge_start[e + 1] += edge_start[e];
        }
        let mut fill = edge_start.clone();
        let mut edge_points = vec![0u32; edge_start[edges] as usize];
        for (i, s) in attached() {
            edge_points[fill[s.edge as usize] as usize] = i as u32;
            fill[s.edge as usize] += 1;
        }
        let locations = RTree::bulk_load(
            points
                .iter()
                .enumerate()
                .filter(|(_, p)| p.x.is_finite() && p.y.is_finite())
                .map(|(i, p)| GeomWithData::new([p.x, p.y], i as u32))
                .collect(),
        );
        Origins {
            graph_id: graph.id,
            snaps,
            edge_start,
            edge_points,
            locations,
        }
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.snaps.len()
    }

    /// Whether there are no points.
    pub fn is_empty(&self) -> bool {
        self.snaps.is_empty()
    }

    /// Where each point attaches to the graph (in the order given to [`Origins::new`]).
    pub fn snaps(&self) -> &[Snap] {
        &self.snaps
    }

    /// The points attached to edge `e`, ascending.
    fn on_edge(&self, e: u32) -> &[u32] {
        let (a, b) = (self.edge_start[e as usize], self.edge_start[e as usize + 1]);
        &self.edge_points[a as usize..b as usize]
    }

    /// The points that can walk to any of `access` (lon/lat access points) or stand inside any of
    /// `areas` (distance 0, boundary included) within `max_m` metres, each once at its smallest
    /// distance, sorted by point index.
    ///
    /// The access points of one facility give the points that reach that facility (what
    /// [`crate::within`] from each point would find); those of several facilities give the
    /// distance to the nearest of them. Allocates working memory for the graph; for many searches
    /// keep a [`ReverseSearch`] per thread and call [`Origins::reaching_with`].
    ///
    /// # Runtime
    /// O(a log m) to snap the a access points, then a Dijkstra bounded by `max_m`:
    /// O((v + e) log v + p) for the v nodes and e edges within `max_m` of the access points and
    /// the p points attached to them, plus an R-tree look-up per area.
    ///
    /// # Examples
    /// Three nodes on the equator, 0.001° (111.195 m) apart; a home 0.0001° (11.12 m) north of
    /// the middle of the first edge, a playground at the far end.
    /// ```
    /// use geo_types::{Coord, coord};
    /// use spielraum_network::{Origins, WalkGraph};
    ///
    /// let graph = WalkGraph::from_edges(
    ///     vec![coord! {x: 0.0, y: 0.0}, coord! {x: 0.001, y: 0.0}, coord! {x: 0.002, y: 0.0}],
    ///     &[[0, 1], [1, 2]],
    /// )?;
    /// let homes = Origins::new(&graph, &[coord! {x: 0.0005, y: 0.0001}, coord! {x: 0.5, y: 0.5}]);
    /// let playground = [coord! {x: 0.002, y: 0.0}];
    ///
    /// // 11.12 m to the street, 55.60 m along to the middle node, 111.20 m on to the playground.
    /// let metre = 1.0 / 111_195.08; // degrees of longitude on the equator
    /// let expected = (0.0001 + 0.0005 + 0.001) / metre;
    /// let hits = homes.reaching(&graph, &playground, &[], 500.0);
    /// assert_eq!(hits.len(), 1);
    /// assert_eq!(hits[0].0, 0);
    /// assert!((hits[0].1 - expected).abs() < 0.01, "{}", hits[0].1);
    ///
    /// // The far home (0.5°, 55 km away) is found only without a bound; 177 m is too short for the near one (177.9 m).
    /// assert_eq!(homes.reaching(&graph, &playground, &[], f64::INFINITY).len(), 2);
    /// assert!(homes.reaching(&graph, &playground, &[], 177.0).is_empty());
    /// # Ok::<(), spielraum_network::NetworkError>(())
    /// ```
    pub fn reaching(
        &self,
        graph: &WalkGraph,
        access: &[Coord<f64>],
        areas: &[MultiPolygon<f64>],
        max_m: f64,
    ) -> Vec<(u32, f64)> {
        let mut out = Vec::new();
        let mut scratch = ReverseSearch::new(graph, self);
        self.reaching_with(graph, &mut scratch, access, areas, max_m, &mut out);
        out
    }

    /// [`Origins::reaching`] for a facility: its access points ([`crate::access_points`]) and, for
    /// an area facility, its area.
    ///
    /// # Runtime
    /// As [`Origins::reaching`].
    pub fn reaching_facility(
        &self,
        graph: &WalkGraph,
        facility: &Facility,
        max_m: f64,
    ) -> Vec<(u32, f64)> {
        let area: Vec<MultiPolygon<f64>> = area_of(facility).into_iter().collect();
        self.reaching(graph, &access_points(facility), &area, max_m)
    }

    /// [`Origins::reaching`] with caller-kept working memory: clears `out` and fills it with the
    /// answer. Allocates nothing once `scratch` and `out` have grown to their working sizes.
    ///
    /// # Panics
    /// If `scratch` was made for another graph or another set of origins (its sizes differ).
    ///
    /// # Runtime
    /// As [`Origins::reaching`].
    pub fn reaching_with(
        &self,
        graph: &WalkGraph,
        scratch: &mut ReverseSearch,
        access: &[Coord<f64>],
        areas: &[MultiPolygon<f64>],
        max_m: f64,
        out: &mut Vec<(u32, f64)>,
    ) {
        out.clear();
        assert!(
            scratch.best.len() == self.len() && scratch.search.dist.len() == graph.node_count(),
            "ReverseSearch made for another graph or other origins"
        );
        if graph.id != self.graph_id {
            tracing::warn!("origins were snapped to another walking graph; no point is reachable");
            return;
        }
        if max_m.is_nan() || max_m < 0.0 {
            return;
        }
        let ReverseSearch {
            search,
            best,
            found,
            access: snapped,
        } = scratch;
        // Keeps `d` for point `p` if it is within `max_m` and shorter than what `p` has.
        let mut offer = |p: u32, d: f64| {
            let b = &mut best[p as usize];
            if d <= max_m && d < *b {
                if b.is_infinite() {
                    found.push(p);
                }
                *b = d;
            }
        };
        for area in areas {
            let Some(r) = area.bounding_rect() else {
                continue;
            };
            let env = AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
            for p in self.locations.locate_in_envelope(&env) {
                let [x, y] = *p.geom();
                if area.intersects(&Point::new(x, y)) {
                    offer(p.data, 0.0);
                }
            }
        }
        snapped.clear();
        snapped.extend(
            access
                .iter()
                .filter(|p| p.x.is_finite() && p.y.is_finite())
                .map(|p| graph.snap(*p))
                .filter(|s| s.offset_m.is_finite()),
        );
        // A point on an access point's own edge walks straight along it.
        for t in snapped.iter() {
            for &p in self.on_edge(t.edge) {
                offer(p, same_edge(&self.snaps[p as usize], t));
            }
        }
        // One multi-source Dijkstra from the access points' edge ends; a settled node passes its
        // distance on to the points on its edges.
        search.reset();
        for t in snapped.iter() {
            let [a, b] = graph.edge_ends(t.edge);
            search.offer(a, t.offset_m + t.to_a_m, max_m);
            search.offer(b, t.offset_m + t.to_b_m, max_m);
        }
        search.run(graph, max_m, |v, d| {
            for &e in graph.incident(v) {
                for &p in self.on_edge(e) {
                    let o = &self.snaps[p as usize];
                    offer(p, d + along_from(graph, e, v, o) + o.offset_m);
                }
            }
            true
        });
        found.sort_unstable();
        out.extend(found.iter().map(|&p| (p, best[p as usize])));
        for p in found.drain(..) {
            best[p as usize] = f64::INFINITY;
        }
    }
}
