//! Reverse reach: the population units that can walk to one facility, found by one bounded
//! Dijkstra from the facility's access points instead of one search per unit.
//!
//! The search mirrors `network::within` from each unit (same snaps, same edge lengths, same
//! same-edge and inside-the-area rules), so it finds the same units at the same distances up to
//! the order of floating-point additions.

use std::collections::{BinaryHeap, HashMap};

use geo::{BoundingRect, Intersects};
use geo_types::{Geometry, MultiPolygon, Point};
use model::{Facility, PopulationUnit};
use network::{HeapEntry as Entry, Snap, WalkGraph};
use rstar::primitives::GeomWithData;
use rstar::{AABB, RTree};

/// The population units of one city attached to one walking graph, ready for reverse searches.
pub(crate) struct UnitIndex {
    /// Per node, its incident edges (CSR: `incident[node_start[v]..node_start[v + 1]]`).
    node_start: Vec<u32>,
    incident: Vec<u32>,
    /// Per unit, where it attaches (infinite offset: unreachable over the network).
    snaps: Vec<Snap>,
    /// Units attached to each edge (CSR like `incident`).
    edge_start: Vec<u32>,
    edge_units: Vec<u32>,
    /// The units' locations, for "inside the facility's area".
    points: RTree<GeomWithData<[f64; 2], u32>>,
}

impl UnitIndex {
    /// Snaps every unit to `graph` and indexes them by edge.
    pub fn new(graph: &WalkGraph, units: &[PopulationUnit]) -> UnitIndex {
        use rayon::prelude::*;
        let ends: Vec<[u32; 2]> = (0..graph.edge_count() as u32)
            .map(|e| graph.edge_ends(e))
            .collect();
        let (node_start, incident) = csr(
            graph.node_count(),
            ends.iter()
                .enumerate()
                .flat_map(|(e, [a, b])| [(*a, e as u32), (*b, e as u32)]),
        );
        let snaps: Vec<Snap> = units.par_iter().map(|u| graph.snap(u.location.0)).collect();
        let (edge_start, edge_units) = csr(
            graph.edge_count(),
            snaps
                .iter()
                .enumerate()
                .filter(|(_, s)| s.offset_m.is_finite())
                .map(|(i, s)| (s.edge, i as u32)),
        );
        let points = RTree::bulk_load(
            units
                .iter()
                .enumerate()
                .map(|(i, u)| GeomWithData::new([u.location.x(), u.location.y()], i as u32))
                .collect(),
        );
        UnitIndex {
            node_start,
            incident,
            snaps,
            edge_start,
            edge_units,
            points,
        }
    }

    fn units_on(&self, e: u32) -> &[u32] {
        let (a, b) = (self.edge_start[e as usize], self.edge_start[e as usize + 1]);
        &self.edge_units[a as usize..b as usize]
    }

    /// The units within `max_m` walking of `facility`, each once at its smallest distance, sorted
    /// by unit index. Units inside the facility's area are at distance 0.
    pub fn reach(&self, graph: &WalkGraph, facility: &Facility, max_m: f64) -> Vec<(u32, f64)> {
        let mut best: HashMap<u32, f64> = HashMap::new();
        let mut offer = |u: u32, d: f64| {
            if d <= max_m {
                let e = best.entry(u).or_insert(f64::INFINITY);
                *e = e.min(d);
            }
        };
        if let Some(area) = area_of(facility)
            && let Some(r) = area.bounding_rect()
        {
            let env = AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
            for p in self.points.locate_in_envelope(&env) {
                let [x, y] = *p.geom();
                if area.intersects(&Point::new(x, y)) {
                    offer(p.data, 0.0);
                }
            }
        }
        let targets: Vec<Snap> = network::access_points(facility)
            .into_iter()
            .filter(|p| p.x.is_finite() && p.y.is_finite())
            .map(|p| graph.snap(p))
            .filter(|s| s.offset_m.is_finite())
            .collect();
        // Same edge: straight along it (network's `same_edge`).
        for t in &targets {
            for &u in self.units_on(t.edge) {
                let o = &self.snaps[u as usize];
                offer(u, o.offset_m + (o.to_a_m - t.to_a_m).abs() + t.offset_m);
            }
        }
        // One multi-source Dijkstra from the access points' edge ends.
        let mut search = Search::new(graph.node_count(), max_m);
        for t in &targets {
            let [a, b] = graph.edge_ends(t.edge);
            search.offer(a, t.offset_m + t.to_a_m);
            search.offer(b, t.offset_m + t.to_b_m);
        }
        while let Some(Entry(d, v)) = search.heap.pop() {
            if d > search.dist[v as usize] {
                continue;
            }
            let (s, e) = (self.node_start[v as usize], self.node_start[v as usize + 1]);
            for &edge in &self.incident[s as usize..e as usize] {
                let [a, b] = graph.edge_ends(edge);
                for &u in self.units_on(edge) {
                    let o = &self.snaps[u as usize];
                    let along = if a == v { o.to_a_m } else { o.to_b_m };
                    offer(u, d + along + o.offset_m);
                }
                let w = if a == v { b } else { a };
                search.offer(w, d + graph.edge_length_m(edge));
            }
        }
        let mut hits: Vec<(u32, f64)> = best.into_iter().collect();
        hits.sort_unstable_by_key(|h| h.0);
        hits
    }
}

/// Dijkstra state over all nodes, bounded by `max_m`.
struct Search {
    dist: Vec<f64>,
    heap: BinaryHeap<Entry>,
    max_m: f64,
}

impl Search {
    fn new(nodes: usize, max_m: f64) -> Search {
        Search {
            dist: vec![f64::INFINITY; nodes],
            heap: BinaryHeap::new(),
            max_m,
        }
    }

    /// Offers distance `d` to node `v` (kept if shorter and within the bound).
    fn offer(&mut self, v: u32, d: f64) {
        if d <= self.max_m && d < self.dist[v as usize] {
            self.dist[v as usize] = d;
            self.heap.push(Entry(d, v));
        }
    }
}

/// Compressed rows: `(row, value)` pairs grouped by row, rows `0..rows`.
fn csr(rows: usize, pairs: impl Iterator<Item = (u32, u32)> + Clone) -> (Vec<u32>, Vec<u32>) {
    let mut start = vec![0u32; rows + 1];
    for (r, _) in pairs.clone() {
        start[r as usize + 1] += 1;
    }
    for i in 0..rows {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut values = vec![0u32; start[rows] as usize];
    for (r, v) in pairs {
        values[fill[r as usize] as usize] = v;
        fill[r as usize] += 1;
    }
    (start, values)
}

/// The area of a facility with one (as `network` reads it), `None` for points and lines.
fn area_of(facility: &Facility) -> Option<MultiPolygon<f64>> {
    match &facility.geometry {
        Geometry::Polygon(p) => Some(MultiPolygon::new(vec![p.clone()])),
        Geometry::MultiPolygon(mp) => Some(mp.clone()),
        Geometry::Rect(r) => Some(MultiPolygon::new(vec![r.to_polygon()])),
        _ => None,
    }
}
