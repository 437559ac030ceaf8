//! Bounded Dijkstra queries: nearest target (one cached multi-source field), k nearest, all within.
//!
//! Origins are snapped to the nearest edge point; the snap offset and partial edge lengths count.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;

use geo_types::Coord;
use rayon::prelude::*;

use crate::graph::WalkGraph;
use crate::snap::Snap;
use crate::targets::{Field, Targets};

/// A target reached from an origin.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hit {
    /// Index of the target (order of construction of [`Targets`]).
    pub target: usize,
    /// Walking distance in metres.
    pub distance_m: f64,
}

/// A Dijkstra heap entry (distance in metres, node), ordered so that `BinaryHeap` pops the
/// smallest distance first (ties: the smaller node).
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Entry(pub f64, pub u32);

impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        other.0.total_cmp(&self.0).then(other.1.cmp(&self.1))
    }
}

/// Reusable Dijkstra state: distances for every node, reset only where touched.
pub(crate) struct Search {
    pub dist: Vec<f64>,
    pub touched: Vec<u32>,
    heap: BinaryHeap<Entry>,
}

impl Search {
    pub fn new(n: usize) -> Search {
        Search {
            dist: vec![f64::INFINITY; n],
            touched: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }

    pub fn reset(&mut self) {
        for v in self.touched.drain(..) {
            self.dist[v as usize] = f64::INFINITY;
        }
        self.heap.clear();
    }

    /// Offers distance `d` to node `v` (kept if better and within `max_m`).
    pub fn offer(&mut self, v: u32, d: f64, max_m: f64) -> bool {
        if d <= max_m && d < self.dist[v as usize] {
            if self.dist[v as usize].is_infinite() {
                self.touched.push(v);
            }
            self.dist[v as usize] = d;
            self.heap.push(Entry(d, v));
            true
        } else {
            false
        }
    }

    /// Starts a search from a snap point: both ends of its edge, with the offset counted.
    pub fn start_at(&mut self, graph: &WalkGraph, s: &Snap, max_m: f64) {
        self.reset();
        let [a, b] = graph.edge_nodes[s.edge as usize];
        self.offer(a, s.offset_m + s.to_a_m, max_m);
        self.offer(b, s.offset_m + s.to_b_m, max_m);
    }

    /// Settles nodes in order of distance, calling `visit(node, dist)`; stops when `visit` returns false.
    pub fn run(&mut self, graph: &WalkGraph, max_m: f64, mut visit: impl FnMut(u32, f64) -> bool) {
        while let Some(Entry(d, v)) = self.heap.pop() {
            if d > self.dist[v as usize] {
                continue;
            }
            if !visit(v, d) {
                break;
            }
            for &e in graph.incident(v) {
                let w = graph.other(e, v);
                self.offer(w, d + graph.edge_len[e as usize], max_m);
            }
        }
    }
}

/// Distance along edge `e` from its end `v` to a snap point on it.
pub(crate) fn along_from(graph: &WalkGraph, e: u32, v: u32, s: &Snap) -> f64 {
    if graph.edge_nodes[e as usize][0] == v {
        s.to_a_m
    } else {
        s.to_b_m
    }
}

/// Distance between two snap points on the same edge, along the edge, both offsets included.
pub(crate) fn same_edge(o: &Snap, t: &Snap) -> f64 {
    o.offset_m + (o.to_a_m - t.to_a_m).abs() + t.offset_m
}

fn better(a: Hit, b: Option<Hit>) -> bool {
    b.is_none_or(|b| (a.distance_m, a.target) < (b.distance_m, b.target))
}

/// The multi-source field of `targets` bounded by `max_m`, cached in `targets`.
fn field(graph: &WalkGraph, targets: &Targets, max_m: f64) -> Arc<Field> {
    let mut cache = targets.field.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(f) = cache.as_ref()
        && f.max_m >= max_m
    {
        return f.clone();
    }
    let n = graph.node_count();
    let mut search = Search::new(n);
    let mut label = vec![u32::MAX; n];
    for ts in &targets.snaps {
        let s = &ts.snap;
        let [a, b] = graph.edge_nodes[s.edge as usize];
        for (v, d) in [(a, s.offset_m + s.to_a_m), (b, s.offset_m + s.to_b_m)] {
            if search.offer(v, d, max_m) {
                label[v as usize] = ts.target;
            }
        }
    }
    // Labels follow the settled predecessor: the target whose distance arrives first.
    let mut heap_label = label;
    {
        let Search { dist, heap, .. } = &mut search;
        while let Some(Entry(d, v)) = heap.pop() {
            if d > dist[v as usize] {
                continue;
            }
            for &e in graph.incident(v) {
                let w = graph.other(e, v);
                let nd = d + graph.edge_len[e as usize];
                if nd <= max_m && nd < dist[w as usize] {
                    dist[w as usize] = nd;
                    heap_label[w as usize] = heap_label[v as usize];
                    heap.push(Entry(nd, w));
                }
            }
        }
    }
    let f = Arc::new(Field {
        max_m,
        dist: search.dist,
        label: heap_label,
    });
    *cache = Some(f.clone());
    f
}

/// For every node of `graph`: the walking distance to the nearest of `targets` (access point
/// offsets included) and which target that is — `f64::INFINITY` and `u32::MAX` where none is
/// reachable. This is the unbounded field [`nearest`] reads; with it and [`Targets::access_snaps`]
/// a nearest query can be answered elsewhere (the static export answers taps in the browser).
pub fn node_field(graph: &WalkGraph, targets: &Targets) -> (Vec<f64>, Vec<u32>) {
    let n = graph.node_count();
    if !matches(graph, targets) || targets.snaps.is_empty() {
        return (vec![f64::INFINITY; n], vec![u32::MAX; n]);
    }
    let f = field(graph, targets, f64::INFINITY);
    (f.dist.clone(), f.label.clone())
}

/// Whether `targets` were snapped to this graph (otherwise every answer is "unreachable").
fn matches(graph: &WalkGraph, targets: &Targets) -> bool {
    let ok = graph.id == targets.graph_id;
    if !ok {
        tracing::warn!("targets were built for another walking graph; no target is reachable");
    }
    ok
}

/// Nearest target for every origin, within max_m (f64::INFINITY = unbounded). Parallel over origins
/// reading one multi-source distance field, which is cached in `targets` for later calls.
///
/// # Runtime
/// The first call (and a call with a larger `max_m` than the cached field's) runs one multi-source
/// Dijkstra: O((v + e) log v) for the v nodes and e edges within `max_m` of any target. Then
/// O(log m) per origin (one snap on a graph of m edges) plus the access points on its own edge,
/// spread over all cores.
///
/// # Examples
/// Three nodes on the equator, 0.001° (111.195 m) apart. Target 0 stands at the east end;
/// target 1 stands 0.0005° (55.6 m) north of the west end, which counts as its straight
/// connector. From the middle of the first edge, target 1 is 55.6 + 55.6 = 111.2 m away and
/// target 0 is 55.6 + 111.2 = 166.8 m away.
/// ```
/// use geo_types::coord;
/// use spielraum_network::{Targets, WalkGraph, nearest};
///
/// let graph = WalkGraph::from_edges(
///     vec![coord! {x: 0.0, y: 0.0}, coord! {x: 0.001, y: 0.0}, coord! {x: 0.002, y: 0.0}],
///     &[[0, 1], [1, 2]],
/// )?;
/// let targets = Targets::from_points(
///     &graph,
///     &[vec![coord! {x: 0.002, y: 0.0}], vec![coord! {x: 0.0, y: 0.0005}]],
/// );
/// let origin = [coord! {x: 0.0005, y: 0.0}];
/// let metre = 1.0 / 111_195.08; // degrees along the equator (and along a meridian)
///
/// let hit = nearest(&graph, &targets, &origin, f64::INFINITY)[0].expect("reachable");
/// assert_eq!(hit.target, 1);
/// assert!((hit.distance_m - 0.001 / metre).abs() < 0.01, "{}", hit.distance_m);
/// // 100 m is not enough.
/// assert_eq!(nearest(&graph, &targets, &origin, 100.0), vec![None]);
/// # Ok::<(), spielraum_network::NetworkError>(())
/// ```
pub fn nearest(
    graph: &WalkGraph,
    targets: &Targets,
    origins: &[Coord<f64>],
    max_m: f64,
) -> Vec<Option<Hit>> {
    if !matches(graph, targets) || targets.snaps.is_empty() || max_m.is_nan() || max_m < 0.0 {
        return vec![None; origins.len()];
    }
    let f = field(graph, targets, max_m);
    origins
        .par_iter()
        .map(|p| {
            if let Some(t) = targets.containing(*p).min() {
                return Some(Hit {
                    target: t as usize,
                    distance_m: 0.0,
                });
            }
            let o = graph.snap(*p);
            if !o.offset_m.is_finite() {
                return None;
            }
            let [a, b] = graph.edge_nodes[o.edge as usize];
            let mut best: Option<Hit> = None;
            for (v, along) in [(a, o.to_a_m), (b, o.to_b_m)] {
                let d = f.dist[v as usize];
                if d.is_finite() {
                    let h = Hit {
                        target: f.label[v as usize] as usize,
                        distance_m: o.offset_m + along + d,
                    };
                    if better(h, best) {
                        best = Some(h);
                    }
                }
            }
            for ts in targets.on_edge(o.edge) {
                let h = Hit {
                    target: ts.target as usize,
                    distance_m: same_edge(&o, &ts.snap),
                };
                if better(h, best) {
                    best = Some(h);
                }
            }
            best.filter(|h| h.distance_m <= max_m)
        })
        .collect()
}

/// The targets reachable from one origin: each once at its minimum distance, sorted by distance then
/// index; stops early once `k` targets are final.
fn search_targets(
    graph: &WalkGraph,
    targets: &Targets,
    search: &mut Search,
    p: Coord<f64>,
    k: usize,
    max_m: f64,
) -> Vec<Hit> {
    let mut best: HashMap<u32, f64> = targets.containing(p).map(|t| (t, 0.0)).collect();
    let o = graph.snap(p);
    if o.offset_m.is_finite() {
        for ts in targets.on_edge(o.edge) {
            let d = same_edge(&o, &ts.snap);
            if d <= max_m {
                let e = best.entry(ts.target).or_insert(f64::INFINITY);
                *e = e.min(d);
            }
        }
        search.start_at(graph, &o, max_m);
        search.run(graph, max_m, |v, d| {
            if best.len() >= k {
                let mut ds: Vec<f64> = best.values().copied().collect();
                ds.select_nth_unstable_by(k - 1, f64::total_cmp);
                if ds[k - 1] <= d {
                    return false;
                }
            }
            for &e in graph.incident(v) {
                for ts in targets.on_edge(e) {
                    let cand = d + along_from(graph, e, v, &ts.snap) + ts.snap.offset_m;
                    if cand <= max_m {
                        let entry = best.entry(ts.target).or_insert(f64::INFINITY);
                        *entry = entry.min(cand);
                    }
                }
            }
            true
        });
    }
    let mut hits: Vec<Hit> = best
        .into_iter()
        .map(|(t, d)| Hit {
            target: t as usize,
            distance_m: d,
        })
        .collect();
    hits.sort_by(|a, b| {
        a.distance_m
            .total_cmp(&b.distance_m)
            .then(a.target.cmp(&b.target))
    });
    hits.truncate(k);
    hits
}

fn per_origin(
    graph: &WalkGraph,
    targets: &Targets,
    origins: &[Coord<f64>],
    k: usize,
    max_m: f64,
) -> Vec<Vec<Hit>> {
    if !matches(graph, targets) || k == 0 || max_m.is_nan() || max_m < 0.0 {
        return vec![Vec::new(); origins.len()];
    }
    origins
        .par_iter()
        .map_init(
            || Search::new(graph.node_count()),
            |search, p| search_targets(graph, targets, search, *p, k, max_m),
        )
        .collect()
}

/// The k nearest targets per origin (each target once, at its minimum distance), sorted by distance.
///
/// # Runtime
/// Per origin, one Dijkstra bounded by `max_m` that stops once k targets are final:
/// O((v + e) log v + t) for the v nodes and e edges it settles and the t access points on them,
/// spread over all cores.
///
/// # Examples
/// The graph and targets of [`nearest`]: the first of two is target 1 (111.2 m).
/// ```
/// use geo_types::coord;
/// use spielraum_network::{Targets, WalkGraph, k_nearest};
///
/// let graph = WalkGraph::from_edges(
///     vec![coord! {x: 0.0, y: 0.0}, coord! {x: 0.001, y: 0.0}, coord! {x: 0.002, y: 0.0}],
///     &[[0, 1], [1, 2]],
/// )?;
/// let targets = Targets::from_points(
///     &graph,
///     &[vec![coord! {x: 0.002, y: 0.0}], vec![coord! {x: 0.0, y: 0.0005}]],
/// );
/// let hits = k_nearest(&graph, &targets, &[coord! {x: 0.0005, y: 0.0}], 1, f64::INFINITY);
/// assert_eq!(hits[0].len(), 1);
/// assert_eq!(hits[0][0].target, 1);
/// # Ok::<(), spielraum_network::NetworkError>(())
/// ```
pub fn k_nearest(
    graph: &WalkGraph,
    targets: &Targets,
    origins: &[Coord<f64>],
    k: usize,
    max_m: f64,
) -> Vec<Vec<Hit>> {
    per_origin(graph, targets, origins, k, max_m)
}

/// All targets within max_m of each origin (each once, min distance), sorted by distance.
///
/// The reverse question (which origins reach one target) is [`crate::Origins::reaching`].
///
/// # Runtime
/// Per origin, one Dijkstra bounded by `max_m`: O((v + e) log v + t) for the v nodes and e edges
/// within `max_m` and the t access points on them, spread over all cores.
///
/// # Examples
/// The graph and targets of [`nearest`]: within 150 m only target 1 (111.2 m), within 200 m
/// also target 0 (166.8 m).
/// ```
/// use geo_types::coord;
/// use spielraum_network::{Targets, WalkGraph, within};
///
/// let graph = WalkGraph::from_edges(
///     vec![coord! {x: 0.0, y: 0.0}, coord! {x: 0.001, y: 0.0}, coord! {x: 0.002, y: 0.0}],
///     &[[0, 1], [1, 2]],
/// )?;
/// let targets = Targets::from_points(
///     &graph,
///     &[vec![coord! {x: 0.002, y: 0.0}], vec![coord! {x: 0.0, y: 0.0005}]],
/// );
/// let origin = [coord! {x: 0.0005, y: 0.0}];
/// let names = |max_m| -> Vec<usize> {
///     within(&graph, &targets, &origin, max_m)[0].iter().map(|h| h.target).collect()
/// };
/// assert_eq!(names(150.0), [1]);
/// assert_eq!(names(200.0), [1, 0]);
/// let metre = 1.0 / 111_195.08;
/// let far = within(&graph, &targets, &origin, 200.0)[0][1].distance_m;
/// assert!((far - 0.0015 / metre).abs() < 0.01, "{far}");
/// # Ok::<(), spielraum_network::NetworkError>(())
/// ```
pub fn within(
    graph: &WalkGraph,
    targets: &Targets,
    origins: &[Coord<f64>],
    max_m: f64,
) -> Vec<Vec<Hit>> {
    per_origin(graph, targets, origins, usize::MAX, max_m)
}
